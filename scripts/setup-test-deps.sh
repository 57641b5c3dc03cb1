#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against (real reference tools, PostgreSQL), only
# when missing, starts the local PostgreSQL cluster and gives the current OS user a superuser role
# so tests connect over the unix socket without a password.
# Called by `npm test`; safe to run repeatedly; quiet when everything is in place.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive

need=()
command -v dpkg >/dev/null || need+=(dpkg)
command -v rpm >/dev/null && command -v rpmbuild >/dev/null || need+=(rpm)
# the packaged agent: its unit is checked with systemd-analyze, and run under its capability set with capsh
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v capsh >/dev/null || need+=(libcap2-bin)
command -v oscap >/dev/null || need+=(openscap-scanner)
command -v xz >/dev/null || need+=(xz-utils)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v chromium >/dev/null || need+=(chromium)
# the console's browser tests and screenshots: a font with Latin glyphs, or text renders as boxes
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v openssl >/dev/null || need+=(openssl)
command -v pg_lsclusters >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-test-deps: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# --- PostgreSQL: a running cluster and a role for the current user --------------------------------

pg_fail() {
  # CI must run the PostgreSQL half of the store contract suite; elsewhere the suite skips it.
  if [ "${CI:-}" = "true" ]; then
    echo "setup-test-deps: PostgreSQL: $*" >&2
    exit 1
  fi
  echo "setup-test-deps: PostgreSQL: $* (PostgreSQL tests will be skipped)" >&2
  exit 0
}

as_postgres() {
  # From / so that the tools do not complain about a working directory postgres cannot read.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres -- "$@"); fi
}

socket_dir=/var/run/postgresql
pg_user="$(id -un)"

# The newest installed server version, and its first cluster (created when none exists).
pg_version="$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)"
[ -n "$pg_version" ] || pg_fail "no server installed"
cluster_line="$(pg_lsclusters -h 2>/dev/null | awk -v v="$pg_version" '$1 == v { print; exit }')"
if [ -z "$cluster_line" ]; then
  echo "setup-test-deps: creating PostgreSQL $pg_version cluster main" >&2
  $SUDO pg_createcluster "$pg_version" main >/dev/null || pg_fail "pg_createcluster failed"
  cluster_line="$(pg_lsclusters -h | awk -v v="$pg_version" '$1 == v { print; exit }')"
fi
read -r _ pg_cluster pg_port pg_status _ <<<"$cluster_line"

if [[ "$pg_status" != online* ]]; then
  echo "setup-test-deps: starting PostgreSQL $pg_version/$pg_cluster" >&2
  $SUDO pg_ctlcluster "$pg_version" "$pg_cluster" start >&2 || pg_fail "pg_ctlcluster start failed"
fi

for _ in $(seq 1 60); do
  pg_isready -q -h "$socket_dir" -p "$pg_port" && break
  sleep 0.5
done
pg_isready -q -h "$socket_dir" -p "$pg_port" || pg_fail "cluster $pg_version/$pg_cluster does not accept connections"

has_role="$(as_postgres psql -h "$socket_dir" -p "$pg_port" -XtAc \
  "SELECT 1 FROM pg_roles WHERE rolname = '${pg_user//\'/\'\'}'" postgres)" || pg_fail "cannot query roles"
if [ "$has_role" != "1" ]; then
  echo "setup-test-deps: creating PostgreSQL superuser role $pg_user" >&2
  as_postgres createuser -h "$socket_dir" -p "$pg_port" -s "$pg_user" || pg_fail "createuser failed"
fi
