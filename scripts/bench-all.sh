#!/usr/bin/env bash
# Every benchmark of `make bench`, one after another, each with its wall time, then
# the total (the target is under 15 minutes, the build not counted). bench-pull.sh
# keeps its last replayed ODS for bench-dwd.sh, which then needs no ODS of its own.
# Settings are each script's environment variables (see their --help).
set -euo pipefail
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-all
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"
bench_arguments "$@"
bench_ensure_opslake

SHARED=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-all.XXXXXX")
trap 'rm -rf "$SHARED"' EXIT
TIMES=()
step() {  # step NAME COMMAND...
  local name=$1 t0 t1
  shift
  echo; echo "== $name"
  t0=$EPOCHREALTIME
  "$@"
  t1=$EPOCHREALTIME
  TIMES+=("$name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')")
}
step "bench format" "$OPSLAKE" bench format
step bench-generate bash scripts/bench-generate.sh
step bench-load bash scripts/bench-load.sh
step bench-verify bash scripts/bench-verify.sh
step bench-ship bash scripts/bench-ship.sh
step bench-pull env BENCH_KEEP_ODS="$SHARED/ods" bash scripts/bench-pull.sh
step bench-dwd env BENCH_ODS_LAKE="$SHARED/ods" bash scripts/bench-dwd.sh
step bench-report bash scripts/bench-report.sh

echo; echo "== wall time of each benchmark (seconds)"
total=0
for t in "${TIMES[@]}"; do
  printf '  %-16s %5s\n' "${t% *}" "${t##* }"
  total=$((total + ${t##* }))
done
printf '  %-16s %5s (%d min %02d s; target: under 15 min)\n' total "$total" $((total / 60)) $((total % 60))
