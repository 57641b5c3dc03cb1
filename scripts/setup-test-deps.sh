#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against (real reference tools), only when missing.
# Called by `npm test`; safe to run repeatedly.
set -euo pipefail

need=()
command -v dpkg >/dev/null || need+=(dpkg)
command -v rpm >/dev/null || need+=(rpm)
command -v oscap >/dev/null || need+=(openscap-scanner)
command -v xz >/dev/null || need+=(xz-utils)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-test-deps: installing ${need[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
