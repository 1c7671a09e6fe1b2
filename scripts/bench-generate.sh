#!/usr/bin/env bash
# Generation benchmark: OpsLake's pet-shop generator beside a Python reference
# (Faker zh_TW + a Pydantic model per row, bench/reference/customers_faker.py).
# See bench/README.md. Prints machine facts, then one table.
#
# Environment:
#   BENCH_PY_ROWS  rows for the Python reference (default 30000)
#   BENCH_JOBS     --jobs for opslake generate (default 2)
#   BENCH_ROUNDS   rounds of the three workloads (default 3); the reference runs first
#                  in odd rounds and last in even ones; the table gives medians and spread
#   BENCH_JSON     also write the figures as JSON to this file
#   OPSLAKE        the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR         where the temporary lakes go (default /tmp)
#   BENCH_KEEP_TMP set: the temporary folder is left for the caller to remove
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-generate
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"

bench_arguments "$@"

PY_ROWS=${BENCH_PY_ROWS:-30000}
JOBS=${BENCH_JOBS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
REQ=$ROOT/bench/reference/requirements.txt
VENV=$ROOT/.venv-bench
PY=$VENV/bin/python
YEAR_FROM=2025-01-01
YEAR_TO=2025-12-31

for n in "$PY_ROWS" "$JOBS" "$ROUNDS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench-generate: BENCH_PY_ROWS, BENCH_JOBS and BENCH_ROUNDS must be positive integers (got $n)" >&2; exit 2; }
done

# --- the reference's virtual environment --------------------------------------
sum=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ -f $VENV/.stamp && $(<"$VENV/.stamp") == "$sum" ]] && "$PY" -c 'import faker, pydantic' 2>/dev/null; then
  :
else
  echo "bench-generate: setting up .venv-bench from ${REQ#"$ROOT"/}" >&2
  rm -f "$VENV/.stamp"
  if [[ -e $VENV ]] && ! "$PY" -c '' 2>/dev/null; then
    python3 -m venv --clear "$VENV"
  else
    python3 -m venv "$VENV" || { echo "bench-generate: python3 cannot create a virtual environment; run scripts/install-deps.sh" >&2; exit 1; }
  fi
  "$PY" -m pip install --quiet --disable-pip-version-check -r "$REQ"
  echo "$sum" >"$VENV/.stamp"
fi

# --- the opslake binary --------------------------------------------------------
bench_ensure_opslake

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench.XXXXXX")
# BENCH_KEEP_TMP=1 leaves the folder to whoever set it (bench-versus.sh removes its own
# at the end, so that neither side's rounds pay for the other's deleted lakes).
trap '[[ -n ${BENCH_KEEP_TMP:-} ]] || rm -rf "$T"' EXIT

# --- machine facts ---------------------------------------------------------------
bench_machine
read -r py_version faker_version pydantic_version < <("$PY" -c '
import platform
from importlib.metadata import version
print(platform.python_version(), version("faker"), version("pydantic"))')

echo "bench generate"
echo "  cores:    $cores"
echo "  cpu:      $cpu"
echo "  opslake:  $opslake_version ($OPSLAKE)"
echo "  python:   $py_version, faker $faker_version, pydantic $pydantic_version"
echo "  jobs:     $JOBS"
echo

# --- the measured runs ----------------------------------------------------------------
# Each prints one JSON line; the lines are collected per workload, one per round.
REF_RUNS=()
CUST_RUNS=()
YEAR_RUNS=()

run_reference() {
  echo "bench-generate: round $1: Python reference, $PY_ROWS customers ..." >&2
  REF_RUNS+=("$(last_line "$PY" "$ROOT/bench/reference/customers_faker.py" --rows "$PY_ROWS" --out "$T/ref.csv" --seed 1)")
  rm -f "$T/ref.csv"
}

# Each round's lakes stay until the script ends. On ext4 without a journal (this
# project's benchmark machine), a new file's inode is searched for past every inode
# freed in the last minute or more, so a lake made just after another was deleted pays
# for that deletion on every file it creates: a measure of the deletion, not of the
# writer (seen as 3-6 s of kernel time in a 9 s year).
run_customers() {
  echo "bench-generate: round $1: opslake, petshop.customers at scale 100 ..." >&2
  # The whole lake at scale 100 (member numbers depend on the scale); init's opening
  # base of 500,000 members is not part of the measured run.
  "$OPSLAKE" init --lake "$T/c$1" --opened "$YEAR_FROM" --seed 1 --scale 100 >/dev/null
  sync
  CUST_RUNS+=("$(last_line "$OPSLAKE" generate --lake "$T/c$1" --from "$YEAR_FROM" --to "$YEAR_TO" \
    --datasets petshop.customers --jobs "$JOBS" --json)")
  sync
}

run_year() {
  echo "bench-generate: round $1: opslake, every dataset for $YEAR_FROM..$YEAR_TO ..." >&2
  "$OPSLAKE" init --lake "$T/y$1" --opened "$YEAR_FROM" --seed 1 >/dev/null
  sync
  YEAR_RUNS+=("$(last_line "$OPSLAKE" generate --lake "$T/y$1" --from "$YEAR_FROM" --to "$YEAR_TO" --jobs "$JOBS" --json)")
  sync
}

bench_steal_begin
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    run_reference "$round"; run_customers "$round"; run_year "$round"
  else
    run_customers "$round"; run_year "$round"; run_reference "$round"
  fi
done

STEAL_LINE=$(bench_steal_report)

# --- the table (and BENCH_JSON) ------------------------------------------------------
REF_JSON=$(printf '%s\n' "${REF_RUNS[@]}") CUST_JSON=$(printf '%s\n' "${CUST_RUNS[@]}") YEAR_JSON=$(printf '%s\n' "${YEAR_RUNS[@]}") \
CPU=$cpu CORES=$cores OPSLAKE_VERSION=$opslake_version JOBS=$JOBS \
PY_VERSION=$py_version FAKER_VERSION=$faker_version PYDANTIC_VERSION=$pydantic_version \
BENCH_JSON=${BENCH_JSON:-} python3 - <<'PY'
from bench_table import print_table, median_spread
import json, os, sys

def load(var, keys):
    """Every round's JSON object of one workload."""
    who = {"REF_JSON": "the Python reference", "CUST_JSON": "opslake generate (customers)",
           "YEAR_JSON": "opslake generate (full year)"}[var]
    runs = []
    for line in os.environ[var].splitlines():
        try:
            obj = json.loads(line)
        except ValueError as e:
            sys.exit(f"bench-generate: {who} printed no JSON object: {e}")
        if not isinstance(obj, dict):
            sys.exit(f"bench-generate: {who} printed no JSON object: {line}")
        missing = [k for k in keys if k not in obj]
        if missing:
            sys.exit(f"bench-generate: the JSON of {who} lacks {', '.join(missing)}: {line}")
        if not obj["seconds"] > 0:
            sys.exit(f"bench-generate: {who} reported {obj['seconds']} seconds")
        runs.append(obj)
    if len({(r["rows"], r["bytes"]) for r in runs}) != 1:
        sys.exit(f"bench-generate: the rounds of {who} wrote different rows or bytes: {runs}")
    return runs

ref = load("REF_JSON", ["rows", "seconds", "bytes"])
cust = load("CUST_JSON", ["rows", "seconds", "bytes", "raw_bytes"])
year = load("YEAR_JSON", ["rows", "seconds", "bytes", "raw_bytes"])

ref_rps, _ = median_spread([r["rows"] / r["seconds"] for r in ref])
results = []

def add(workload, runs, raw_key, written_key, target, passed, vs_reference):
    rates = [r["rows"] / r["seconds"] for r in runs]
    rps, (lo, hi) = median_spread(rates)
    seconds, _ = median_spread([r["seconds"] for r in runs])
    raw, written = runs[0][raw_key], runs[0][written_key]
    ratio = rps / ref_rps if vs_reference else None
    results.append({
        "workload": workload, "rows": runs[0]["rows"], "runs_seconds": [r["seconds"] for r in runs],
        "seconds": seconds, "rows_per_s": rps, "rows_per_s_min": lo, "rows_per_s_max": hi,
        "raw_bytes": raw, "bytes": written,
        "mb_per_s_raw": raw / seconds / 1e6, "mb_per_s_written": written / seconds / 1e6,
        "reference_rows_per_s": ref_rps if vs_reference else None,
        "ratio": ratio, "ratio_min": lo / ref_rps if vs_reference else None, "ratio_max": hi / ref_rps if vs_reference else None,
        "target": target, "result": None if passed is None else ("PASS" if passed(rps) else "MISS"),
    })

# The reference writes plain CSV: its raw and written bytes are the same.
add("python reference (faker zh_TW + pydantic)", ref, "bytes", "bytes", "-", None, False)
add("opslake petshop.customers", cust, "raw_bytes", "bytes",
    "≥ 100× the Python reference", lambda r: r >= 100 * ref_rps, True)
add("opslake full year, all datasets", year, "raw_bytes", "bytes",
    "≥ 1,000,000 rows/s", lambda r: r >= 1_000_000, True)

head = ["workload", "rows", "median s", "rows/s (median)", "min–max rows/s", "MB/s raw", "MB/s written",
        "reference rows/s", "ratio", "min–max ratio", "target", ""]
right = {1, 2, 3, 4, 5, 6, 7, 8, 9}
rows = []
for r in results:
    rows.append([
        r["workload"], f"{r['rows']:,}", f"{r['seconds']:.2f}", f"{r['rows_per_s']:,.0f}",
        f"{r['rows_per_s_min']:,.0f}–{r['rows_per_s_max']:,.0f}",
        f"{r['mb_per_s_raw']:.1f}", f"{r['mb_per_s_written']:.1f}",
        "-" if r["reference_rows_per_s"] is None else f"{r['reference_rows_per_s']:,.0f}",
        "-" if r["ratio"] is None else f"{r['ratio']:,.0f}×",
        "-" if r["ratio"] is None else f"{r['ratio_min']:,.0f}–{r['ratio_max']:,.0f}×",
        r["target"], r["result"] or "",
    ])
print_table(head, rows, right)
print()
print(f"{len(ref)} rounds. MB = 10^6 bytes. raw: uncompressed bytes (opslake: CSV + NDJSON); written: bytes on disk "
      "(opslake: zstd; the reference writes plain CSV). ratio: median rows/s over the reference's median rows/s; "
      "min–max ratio: each round's extremes over the same median.")
for r in results:
    print(f"  {r['workload']}: " + ", ".join(f"{s:.2f} s" for s in r["runs_seconds"]))

path = os.environ.get("BENCH_JSON")
if path:
    doc = {
        "machine": {"cores": int(os.environ["CORES"]), "cpu": os.environ["CPU"]},
        "opslake": {"version": os.environ["OPSLAKE_VERSION"], "jobs": int(os.environ["JOBS"])},
        "reference": {"python": os.environ["PY_VERSION"], "faker": os.environ["FAKER_VERSION"],
                      "pydantic": os.environ["PYDANTIC_VERSION"]},
        "results": results,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"figures written to {path}")
PY
echo "$STEAL_LINE"
