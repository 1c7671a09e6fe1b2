#!/usr/bin/env bash
# DWD benchmark: `opslake billiards dwd --rebuild` on an ODS of a month of 50 stores,
# beside DuckDB doing the same flattening of the same ODS files in SQL (the SQL that
# `opslake bench dwd-sql` prints: one json_extract_string per payload, the same types,
# CSV partitioned by dt, zstd). DuckDB leaves out the two tables read from nested
# arrays (ticket lines, categories) and writes one format where opslake writes two
# (CSV and NDJSON), so rows/s is the fair measure. See bench/README.md.
#
# Environment:
#   BENCH_STORES   stores of the simulated tenant (default 50)
#   BENCH_DAYS     business days (default 30)
#   BENCH_ROUNDS   rounds (default 3); odd rounds run opslake first, even rounds DuckDB
#   OPSLAKE        the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR         where the lake and the outputs go (default /tmp)
#   BENCH_ODS_LAKE a lake whose ODS to use instead of writing one (bench-pull.sh's
#                  BENCH_KEEP_ODS; `make bench` passes it on); it is moved into the
#                  benchmark's folder and deleted with it. BENCH_STORES and BENCH_DAYS
#                  then only label the table, and must match the lake's.
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-dwd
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"
bench_arguments "$@"

STORES=${BENCH_STORES:-50}
DAYS=${BENCH_DAYS:-30}
ROUNDS=${BENCH_ROUNDS:-3}
FROM=2026-01-01
for n in "$STORES" "$DAYS" "$ROUNDS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench-dwd: BENCH_STORES, BENCH_DAYS and BENCH_ROUNDS must be positive integers (got $n)" >&2; exit 2; }
done
TO=$(date -u -d "$FROM + $((DAYS - 1)) days" +%F)

# --- DuckDB in its own virtual environment (the same pin as the interop checks) ---
bench_python_with duckdb duckdb "$ROOT/scripts/requirements-interop.txt"

bench_ensure_opslake
T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-dwd.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'echo "bench-dwd: stopped: line $LINENO failed (exit $?)" >&2' ERR
bench_copy_opslake "$T"

if [[ -n ${BENCH_ODS_LAKE:-} ]]; then
  [[ -d $BENCH_ODS_LAKE/billiards_ods ]] || die "BENCH_ODS_LAKE=$BENCH_ODS_LAKE holds no billiards_ods; run bench-pull.sh with BENCH_KEEP_ODS first"
  echo "bench-dwd: using the ODS in $BENCH_ODS_LAKE (not measured) ..." >&2
  mv "$BENCH_ODS_LAKE" "$T/lake" 2>/dev/null || cp -a "$BENCH_ODS_LAKE" "$T/lake"
  ODS_SOURCE="the replayed pull of bench-pull.sh"
else
  echo "bench-dwd: writing the ODS of $STORES stores x $DAYS days (not measured) ..." >&2
  "$OPSLAKE" billiards archive --out "$T/archive" --from "$FROM" --to "$TO" --stores "$STORES" >/dev/null
  "$OPSLAKE" billiards replay --archive "$T/archive" --lake "$T/lake" >/dev/null
  rm -rf "$T/archive"
  ODS_SOURCE="billiards archive, then replay"
fi
"$OPSLAKE" billiards dwd --lake "$T/lake" >/dev/null  # warm-up, and the tables exist
"$OPSLAKE" bench dwd-sql --lake "$T/lake" --out "$T/duckdb" >"$T/dwd.sql"
ODS_BYTES=$(du -sb "$T/lake/billiards_ods" | cut -f1)
ODS_RAW=$(find "$T/lake/billiards_ods" -path '*/ndjson/*' -name '*.zst' -exec zstd -dc {} + | wc -c)

bench_machine
echo "bench dwd"
echo "  cores:       $cores"
echo "  cpu:         $cpu"
echo "  opslake:     $opslake_version ($OPSLAKE_PATH)"
echo "  reference:   DuckDB $("$PY" -c 'import duckdb; print(duckdb.__version__)') (Python), the SQL of opslake bench dwd-sql"
echo "  data:        ODS of $STORES stores x $DAYS business days ($FROM..$TO): $((ODS_BYTES / 1000000)) MB on disk, $((ODS_RAW / 1000000)) MB of NDJSON"
echo "  ODS from:    $ODS_SOURCE"
echo "  load avg:    $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo

run_opslake() {
  local start end
  start=$(date +%s.%N)
  "$OPSLAKE" billiards dwd --lake "$T/lake" --rebuild --json >"$T/opslake-$1.json"
  end=$(date +%s.%N)
  echo "$start $end" >"$T/opslake-$1.time"
}
run_duckdb() {
  rm -rf "$T/duckdb"
  mkdir -p "$T/duckdb"
  "$PY" - "$T/dwd.sql" >"$T/duckdb-$1.json" <<'PY'
import duckdb, json, sys, time
statements = [s for s in open(sys.argv[1], encoding="utf-8").read().split(";\n") if s.strip()]
con = duckdb.connect()
start = time.perf_counter()
rows = 0
for s in statements:
    result = con.execute(s).fetchone()
    if s.lstrip().startswith("COPY") and result:
        rows += result[0]
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start}))
PY
}
for round in $(seq "$ROUNDS"); do
  echo "bench-dwd: round $round ..." >&2
  if (( round % 2 )); then run_opslake "$round"; run_duckdb "$round"; else run_duckdb "$round"; run_opslake "$round"; fi
done

ROUNDS=$ROUNDS T=$T ODS_BYTES=$ODS_BYTES ODS_RAW=$ODS_RAW python3 - <<'PY'
import json, os
from bench_table import print_table, median_spread
T, rounds = os.environ["T"], int(os.environ["ROUNDS"])
raw = int(os.environ["ODS_RAW"])
whole, dwd, duck = [], [], []
for r in range(1, rounds + 1):
    s = json.load(open(f"{T}/opslake-{r}.json"))
    start, end = map(float, open(f"{T}/opslake-{r}.time").read().split())
    whole.append((s["rows"], end - start))
    dwd.append((s["dwdRows"], s["seconds"]["dwd"]))
    d = json.load(open(f"{T}/duckdb-{r}.json"))
    duck.append((d["rows"], d["seconds"]))
def line(name, runs):
    rates = [rows / secs for rows, secs in runs]
    med, (lo, hi) = median_spread(rates)
    secs, _ = median_spread([s for _, s in runs])
    return name, runs[0][0], secs, med, lo, hi, raw / secs / 1e6
table, right = [], {1, 2, 3, 4, 5}
rows = [line("opslake billiards dwd: ODS -> DWD", dwd), line("opslake billiards dwd: whole command", whole), line("DuckDB: the same SQL", duck)]
for name, n, secs, med, lo, hi, mbs in rows:
    table.append([name, f"{n:,}", f"{secs:.2f}", f"{med:,.0f}", f"{lo:,.0f}–{hi:,.0f}", f"{mbs:.1f}"])
print_table(["workload", "rows", "median s", "rows/s", "min–max rows/s", "MB/s NDJSON in"], table, right)
ratio = [a[0] / a[1] / (b[0] / b[1]) for a, b in zip(dwd, duck)]
med, (lo, hi) = median_spread(ratio)
print()
print(f"ODS -> DWD rows/s over DuckDB's: {med:.2f}x (per round {' '.join(f'{x:.2f}' for x in ratio)}); target: at least 1x: {'PASS' if med >= 1 else 'MISS'}")
print("The whole command also rebuilds the SCD2 histories and the daily summaries and runs the quality checks.")
PY
