#!/usr/bin/env bash
# Report benchmark: `opslake report` of a year of the pet shop at scale 1 beside DuckDB
# computing the same aggregates over the lake's CSV files (bench/reference/report_duckdb.py:
# the figures of docs/report.md, on 2 threads). See bench/README.md. Prints machine
# facts, then one table: each side's median and spread over the rounds.
#
# Environment:
#   BENCH_DAYS    days generated from 2025-01-01, every dataset, scale 1 (default 365)
#   BENCH_ROUNDS  rounds (default 3); odd rounds run opslake first, even rounds DuckDB
#   OPSLAKE       the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR        where the temporary lake goes (default /tmp)
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-report
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"
bench_arguments "$@"

DAYS=${BENCH_DAYS:-365}
ROUNDS=${BENCH_ROUNDS:-3}
FROM=2025-01-01
for n in "$DAYS" "$ROUNDS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench-report: BENCH_DAYS and BENCH_ROUNDS must be positive integers (got $n)" >&2; exit 2; }
done
TO=$(date -u -d "$FROM + $((DAYS - 1)) days" +%F)
bench_python_with duckdb duckdb "$ROOT/scripts/requirements-interop.txt"
bench_ensure_opslake

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
bench_copy_opslake "$T"

echo "bench-report: generating every dataset for $FROM..$TO ..." >&2
"$OPSLAKE" init --lake "$T/lake" --opened "$FROM" --seed 1 >/dev/null
last_line "$OPSLAKE" generate --lake "$T/lake" --from "$FROM" --to "$TO" --jobs 2 --json >/dev/null
ROWS=$("$OPSLAKE" catalog --lake "$T/lake" --json | python3 -c 'import json, sys; print(sum(d["rows"] for d in json.load(sys.stdin)["datasets"] if d["name"] in ("petshop.orders", "petshop.order_items", "petshop.behavior_events", "petshop.promotion_calendar")))')
# Warm the page cache: both sides read files that are in memory.
find "$T/lake" -name '*.zst' -exec cat {} + >/dev/null

bench_machine
echo "bench report"
echo "  cores:      $cores"
echo "  cpu:        $cpu"
echo "  opslake:    $opslake_version ($OPSLAKE_PATH), opslake report --jobs 2"
echo "  reference:  DuckDB $("$PY" -c 'import duckdb; print(duckdb.__version__)') (Python), bench/reference/report_duckdb.py, 2 threads"
echo "  data:       every dataset, $FROM..$TO ($DAYS days), scale 1: $ROWS rows of orders, order lines, events and calendar read"
echo

RESULTS=()  # name|round|seconds
timed() {
  local name=$1 round=$2 t0 t1
  shift 2
  echo "bench-report: round $round: $name ..." >&2
  t0=$EPOCHREALTIME
  "$@" >"$T/out.json" || die "round $round: $name failed"
  t1=$EPOCHREALTIME
  RESULTS+=("$name|$round|$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
}
opslake_report() { "$OPSLAKE" report --lake "$T/lake" --out "$T/report-$round.html" --jobs 2 --json; }
duckdb_report() { "$PY" "$ROOT/bench/reference/report_duckdb.py" "$T/lake"; }

bench_steal_begin
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    timed "opslake report" "$round" opslake_report; cp "$T/out.json" "$T/opslake.json"
    timed "DuckDB, the same aggregates" "$round" duckdb_report; cp "$T/out.json" "$T/duckdb.json"
  else
    timed "DuckDB, the same aggregates" "$round" duckdb_report; cp "$T/out.json" "$T/duckdb.json"
    timed "opslake report" "$round" opslake_report; cp "$T/out.json" "$T/opslake.json"
  fi
done
STEAL_LINE=$(bench_steal_report)
# Checked, not measured: both sides found the same figures.
python3 - "$T/opslake.json" "$T/duckdb.json" <<'PY' || die "opslake report and DuckDB disagree"
import json, sys
o, d = json.load(open(sys.argv[1]))["petshop"], json.load(open(sys.argv[2]))
mine = {"orders": sum(x["orders"] for x in o["days"]), "revenue": sum(x["revenue"] for x in o["days"]),
        "hours": o["ordersByHour"], "funnel": [o["funnel"][k] for k in ("sessions", "viewed", "carted", "purchased")],
        "types": [[t["type"], t["orders"], t["lines"], t["units"]] for t in o["byPromotionType"]],
        "categories": [[c["type"], c["category"], c["lines"], c["units"]] for c in o["categories"]]}
months = [c["month"] for c in o["cohorts"]]
mine["cohorts"] = [[c["month"], months[c_i + k], n] for c_i, c in enumerate(o["cohorts"]) for k, n in enumerate(c["active"]) if n]
mine["cohorts"].sort()
assert mine == d, (mine, d)
PY

RESULTS=$(printf '%s\n' "${RESULTS[@]}") ROWS=$ROWS STEAL_LINE=$STEAL_LINE python3 - <<'PY'
from bench_table import print_table, median_spread
import os
runs = {}
for line in os.environ["RESULTS"].splitlines():
    name, rnd, secs = line.rsplit("|", 2)
    runs.setdefault(name, []).append(float(secs))
rows = int(os.environ["ROWS"])
ref = median_spread(runs["DuckDB, the same aggregates"])[0]
table = []
for name, secs in runs.items():
    median, (lo, hi) = median_spread(secs)
    table.append([name, f"{median:.2f}", f"{lo:.2f}–{hi:.2f}", f"{rows / median:,.0f}", f"{median / ref:.2f}×", " ".join(f"{s:.2f}" for s in secs)])
print_table(["workload", "median s", "min–max s", "rows/s", "time vs DuckDB", "per round (s)"], table, {1, 2, 3, 4})
print()
print(f"{len(runs['opslake report'])} rounds; rows/s: rows of orders, order_items, behavior_events and promotion_calendar over the median seconds.")
print("Checked in the last round: both found the same orders, revenue, hours, funnel, promotion types, category mix and cohorts.")
print(os.environ["STEAL_LINE"])
PY
