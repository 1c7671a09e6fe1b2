#!/usr/bin/env bash
# The full test run: dependencies, build, then the Swift tests and the Python
# tests (tests-python/, when it has any) against a throw-away PostgreSQL.
#   scripts/test.sh [BUILD-OPTIONS...]
# BUILD-OPTIONS go to `swift build` and `swift test` alike, so use options both
# take (-c debug, --scratch-path .build-x, -Xswiftc ...). The default is an optimised
# build with testable imports in its own folder (.build-tests), so the release binary
# of `make demo` is not rebuilt with other flags: it takes about two minutes longer to
# build than a debug one, and the tests, most of which run the `opslake` binary over
# real data, then take about 3 minutes instead of 8.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v swift >/dev/null 2>&1 || PATH=/opt/swift/usr/bin:$PATH
section() { printf '== %s\n' "$*" >&2; }

# Second stage, run by with-postgres.sh below: both suites share one server.
if [[ ${1-} == --under-postgres ]]; then
  shift
  rc=0
  section "swift test"
  swift test --skip-build "$@" || rc=1
  if [[ -d tests-python ]] && find tests-python -name 'test_*.py' -o -name '*_test.py' | grep -q .; then
    section "pytest tests-python"
    # pytest's exit code 5 means "no tests collected": not a failure here.
    .venv/bin/python -m pytest -q tests-python || { r=$?; ((r == 5)) || rc=1; }
  fi
  exit "$rc"
fi

((${#} > 0)) || set -- -c release -Xswiftc -enable-testing --scratch-path "$ROOT/.build-tests"

section "deps"
scripts/install-deps.sh --python
section "build"
swift build --build-tests "$@"
section "tests (with PostgreSQL)"
export OPSLAKE_PYTHON=$ROOT/.venv/bin/python
exec scripts/with-postgres.sh "$ROOT/scripts/test.sh" --under-postgres "$@"
