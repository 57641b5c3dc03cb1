#!/usr/bin/env bash
# `npm test`: the Debian packages the tests need (installed when missing), then the static checks
# (typecheck, ESLint, Prettier) and the test suite side by side. The suite spends most of its time
# waiting for real machines, browsers and child processes, so the checks run beside it rather than
# before it. Each half's exit status counts; the checks' output is printed once they end.
# Arguments go to vitest (e.g. `npm test -- test/e2e/rollout.test.ts`).
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-deps.sh || exit $?

checks_log=$(mktemp -t patchhive-checks.XXXXXX)
trap 'rm -f "$checks_log"' EXIT
(npm run --silent typecheck && npm run --silent lint && npm run --silent format:check) >"$checks_log" 2>&1 &
checks=$!

npx vitest run "$@"
suite=$?

wait "$checks"
checked=$?
echo "--- static checks (typecheck, lint, format) ---"
cat "$checks_log"
if [ "$checked" -ne 0 ]; then echo "static checks failed (exit $checked)" >&2; fi
if [ "$suite" -ne 0 ]; then echo "test suite failed (exit $suite)" >&2; fi
[ "$checked" -eq 0 ] && [ "$suite" -eq 0 ]
