#!/usr/bin/env bash
# Load benchmark: `opslake load` (--jobs 1 and --jobs 2) beside psql's \copy of the
# same CSV, uncompressed, each into a fresh database on the same PostgreSQL server.
# See bench/README.md. Prints machine facts, then one table.
#
# Environment:
#   BENCH_DAYS      days generated from 2025-01-01 (default 60: about 2.2 million rows)
#   BENCH_MIN_ROWS  fail when the lake holds fewer rows (default 2000000)
#   BENCH_ROUNDS    rounds of the three workloads (default 3); each round runs them in
#                   another order, and the table gives each workload's median and spread
#   BENCH_JSON      also write the figures as JSON to this file
#   OPSLAKE         the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR          where the temporary lake and CSV files go (default /tmp)
#   BENCH_KEEP_TMP  set: the temporary folder is left for the caller to remove
# Without OPSLAKE_TEST_POSTGRES the script runs itself under scripts/with-postgres.sh
# (a throw-away server); with it, it uses the server the PG* variables point to.
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-load
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"

bench_arguments "$@"

# --- a PostgreSQL server -------------------------------------------------------------
if [[ -z ${OPSLAKE_TEST_POSTGRES:-} ]]; then
  exec "$ROOT/scripts/with-postgres.sh" "$BASH" "$SELF" "$@"
fi

DAYS=${BENCH_DAYS:-60}
MIN_ROWS=${BENCH_MIN_ROWS:-2000000}
ROUNDS=${BENCH_ROUNDS:-3}
DATASETS=petshop.behavior_events,petshop.order_items
FROM=2025-01-01

[[ $DAYS =~ ^[1-9][0-9]*$ ]] || { echo "bench-load: BENCH_DAYS must be a positive integer (got $DAYS)" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench-load: BENCH_ROUNDS must be a positive integer (got $ROUNDS)" >&2; exit 2; }
[[ $MIN_ROWS =~ ^[0-9]+$ ]] || { echo "bench-load: BENCH_MIN_ROWS must be a whole number (got $MIN_ROWS)" >&2; exit 2; }
TO=$(date -u -d "$FROM + $((DAYS - 1)) days" +%F)

# --- tools ---------------------------------------------------------------------------
# psql: from the server's bin folder, found the way scripts/with-postgres.sh finds it,
# else from PATH.
PSQL=
if command -v pg_config >/dev/null 2>&1 && [[ -x $(pg_config --bindir)/psql ]]; then
  PSQL=$(pg_config --bindir)/psql
else
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
    [[ -x $d/psql ]] && PSQL=$d/psql
  done
fi
if [[ -z $PSQL ]]; then
  PSQL=$(command -v psql) || die "psql not found (install postgresql-client)"
fi
command -v zstd >/dev/null 2>&1 || die "zstd not found (install the zstd package)"
command -v python3 >/dev/null 2>&1 || die "python3 not found"

bench_ensure_opslake

# psql for the set-up steps: unaligned, tuples only, no NOTICEs.
psql_admin() { PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-load.XXXXXX")
[[ $T != *"'"* ]] || die "the temporary folder $T holds a single quote; set TMPDIR to another folder"
DBS=()
# shellcheck disable=SC2317  # run from the EXIT trap
cleanup() {
  set +e
  for db in "${DBS[@]}"; do psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
  # BENCH_KEEP_TMP=1 leaves the folder to whoever set it (bench-versus.sh).
  [[ -n ${BENCH_KEEP_TMP:-} ]] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_copy_opslake "$T"

# --- machine facts ---------------------------------------------------------------------
bench_machine
pg_version=$(psql_admin -c 'SHOW server_version') || die "cannot reach PostgreSQL (PGHOST=${PGHOST:-}, PGPORT=${PGPORT:-})"
IFS='|' read -r pg_fsync pg_sync_commit pg_fpw pg_shared_buffers < <(psql_admin -c "
  SELECT current_setting('fsync'), current_setting('synchronous_commit'),
         current_setting('full_page_writes'), current_setting('shared_buffers')")
psql_version=$("$PSQL" --version)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

echo "bench load"
echo "  cores:       $cores"
echo "  cpu:         $cpu"
echo "  postgresql:  $pg_version (fsync $pg_fsync, synchronous_commit $pg_sync_commit, full_page_writes $pg_fpw, shared_buffers $pg_shared_buffers)"
echo "  psql:        $psql_version ($PSQL)"
echo "  opslake:     $opslake_version ($OPSLAKE_PATH)"
echo "  data:        $DATASETS, $FROM..$TO ($DAYS days)"
echo "  load avg:    $load_at_start at start"
echo

# --- the lake (not measured) -----------------------------------------------------------
echo "bench-load: generating $DATASETS for $FROM..$TO ..." >&2
LAKE=$T/lake
"$OPSLAKE" init --lake "$LAKE" --opened "$FROM" --seed 1 >/dev/null
gen_json=$(last_line "$OPSLAKE" generate --lake "$LAKE" --from "$FROM" --to "$TO" --datasets "$DATASETS" --jobs 2 --json)
ROWS=$(json_field "$gen_json" rows)
if ((ROWS < MIN_ROWS)); then
  die "the lake holds $ROWS rows of $DATASETS for $DAYS days, fewer than $MIN_ROWS; raise BENCH_DAYS"
fi
# Rows per dataset from the catalogue, to check each table after each run.
read -r ROWS_EVENTS ROWS_ITEMS < <("$OPSLAKE" catalog --lake "$LAKE" --json | python3 -c '
import json, sys
rows = {d["name"]: d["rows"] for d in json.load(sys.stdin)["datasets"]}
print(rows.get("petshop.behavior_events", 0), rows.get("petshop.order_items", 0))')
((ROWS_EVENTS + ROWS_ITEMS == ROWS)) ||
  die "generate reported $ROWS rows, the catalogue holds $ROWS_EVENTS + $ROWS_ITEMS"

# --- plain CSV for psql (not measured) -------------------------------------------------
echo "bench-load: decompressing the CSV partitions ..." >&2
mkdir -p "$T/csv"
SCRIPT=$T/copy.sql
: >"$SCRIPT"
FILES=0
BYTES=0
PARTITIONS=0
for ds in behavior_events order_items; do
  # <table>/csv/dt=… in a format-2 lake, <table>/dt=… in one an older release made.
  for dir in "$LAKE/petshop/$ds"/csv/dt=* "$LAKE/petshop/$ds"/dt=*; do
    [[ -d $dir ]] || continue
    dt=${dir##*/dt=}
    [[ $dt =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "unexpected partition folder $dir"
    PARTITIONS=$((PARTITIONS + 1))
    for zst in "$dir"/part-*.csv.zst; do
      [[ -f $zst ]] || die "no CSV file in $dir"
      part=${zst##*/}
      csv=$T/csv/$ds.$dt.${part%.zst}
      zstd -q -dc "$zst" >"$csv"
      size=$(stat -c %s "$csv")
      BYTES=$((BYTES + size))
      FILES=$((FILES + 1))
      IFS= read -r header <"$csv"
      header=${header%$'\r'}
      [[ $header =~ ^[a-z_][a-z0-9_]*(,[a-z_][a-z0-9_]*)*$ ]] || die "unexpected CSV header in $zst: $header"
      cols=\"${header//,/\", \"}\"
      {
        echo "BEGIN;"
        echo "SET opslake.dt = '$dt';"
        echo "\\copy petshop.$ds ($cols) FROM '$csv' WITH (FORMAT csv, HEADER true)"
        echo "COMMIT;"
      } >>"$SCRIPT"
    done
  done
done
((FILES > 0)) || die "no CSV partitions found under $LAKE/petshop"
echo "bench-load: $ROWS rows in $PARTITIONS partitions, $FILES CSV files, $BYTES bytes of CSV" >&2

# --- the measured runs -----------------------------------------------------------------
# A fresh database for each run; the previous one is dropped first.
# Sets DB to the new database's name.
fresh_db() {
  DB=bench_load_$$_$1
  DBS+=("$DB")
  psql_admin -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
  # Checkpoint now, so that no run pays for the previous run's dirty pages (this
  # needs a superuser or pg_checkpoint; without, the run goes on), and write back
  # the file system's: the CSV decompressed for psql, or the previous run's table
  # files, would otherwise be flushed during the next run and charged to it.
  psql_admin -d "$DB" -c "CHECKPOINT" >/dev/null 2>&1 || true
  sync
}

drop_db() { psql_admin -c "DROP DATABASE IF EXISTS $1" >/dev/null; }

# Checks that the two tables of database $1 hold the generated rows.
check_counts() {
  local db=$1 who=$2 ev it
  IFS='|' read -r ev it < <(psql_admin -d "$db" -c \
    "SELECT (SELECT count(*) FROM petshop.behavior_events), (SELECT count(*) FROM petshop.order_items)")
  if ((ev != ROWS_EVENTS || it != ROWS_ITEMS)); then
    die "$who: the tables hold $ev + $it rows, the lake $ROWS_EVENTS + $ROWS_ITEMS"
  fi
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.6f}")' "$1" "$2"; }

RESULTS=()   # name|round|wall seconds|reported seconds|load average before

run_opslake() {
  local jobs=$1 round=$2 db t0 t1 out json
  fresh_db "j${jobs}_$round"
  db=$DB
  echo "bench-load: round $round: opslake load --jobs $jobs ..." >&2
  local la
  la=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now)
  out=$("$OPSLAKE" load --lake "$LAKE" --dsn "dbname=$db" --datasets "$DATASETS" --jobs "$jobs" --json) ||
    die "opslake load --jobs $jobs failed"
  t1=$(now)
  json=$(printf '%s\n' "$out" | tail -n1)
  local loaded rows bytes seconds failed
  loaded=$(json_field "$json" loaded)
  failed=$(json_field "$json" failed)
  rows=$(json_field "$json" rows)
  bytes=$(json_field "$json" bytes)
  seconds=$(json_field "$json" seconds)
  ((failed == 0 && loaded == PARTITIONS)) || die "opslake load --jobs $jobs loaded $loaded of $PARTITIONS partitions: $json"
  ((rows == ROWS)) || die "opslake load --jobs $jobs reports $rows rows, the lake holds $ROWS"
  ((bytes == BYTES)) || die "opslake load --jobs $jobs reports $bytes bytes of CSV, the files hold $BYTES"
  check_counts "$db" "opslake load --jobs $jobs"
  drop_db "$db"
  RESULTS+=("opslake load --jobs $jobs|$round|$(elapsed "$t0" "$t1")|$seconds|$la")
}

run_psql() {
  local round=$1 db t0 t1 ds la
  fresh_db "psql_$round"
  db=$DB
  for ds in ${DATASETS//,/ }; do
    "$OPSLAKE" schema ddl "$ds" --for-load | psql_admin -d "$db" >/dev/null
  done
  sync
  echo "bench-load: round $round: psql \\copy, one session ..." >&2
  la=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(now)
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$SCRIPT" >/dev/null || die "psql \\copy failed"
  t1=$(now)
  check_counts "$db" "psql \\copy"
  drop_db "$db"
  RESULTS+=("psql \\copy (one session)|$round|$(elapsed "$t0" "$t1")||$la")
}

# Each round runs the three in another order, so none always follows the CSV
# decompression or another workload's writes.
orders=("j1 j2 psql" "j2 psql j1" "psql j1 j2")
bench_steal_begin
for ((round = 1; round <= ROUNDS; round++)); do
  for w in ${orders[(round - 1) % 3]}; do
    case $w in
      j1) run_opslake 1 "$round" ;;
      j2) run_opslake 2 "$round" ;;
      psql) run_psql "$round" ;;
    esac
  done
done

STEAL_LINE=$(bench_steal_report)

# --- the table (and BENCH_JSON) ------------------------------------------------------------
RESULTS=$(printf '%s\n' "${RESULTS[@]}") \
ROWS=$ROWS BYTES=$BYTES FILES=$FILES PARTITIONS=$PARTITIONS DAYS=$DAYS FROM=$FROM TO=$TO \
CPU=$cpu CORES=$cores OPSLAKE_VERSION=$opslake_version PG_VERSION=$pg_version \
PG_FSYNC=$pg_fsync PG_SYNC_COMMIT=$pg_sync_commit PG_FPW=$pg_fpw PG_SHARED_BUFFERS=$pg_shared_buffers \
PSQL_VERSION=$psql_version LOAD_AT_START=$load_at_start \
BENCH_JSON=${BENCH_JSON:-} python3 - <<'PY'
from bench_table import print_table, median_spread, spread_text
import json, os

rows, nbytes = int(os.environ["ROWS"]), int(os.environ["BYTES"])
runs = {}
for line in os.environ["RESULTS"].splitlines():
    name, rnd, wall, reported, la = line.split("|")
    runs.setdefault(name, []).append({"round": int(rnd), "wall": float(wall),
                                      "reported": float(reported) if reported else None, "load": float(la)})

PSQL = "psql \\copy (one session)"
order = ["opslake load --jobs 1", "opslake load --jobs 2", PSQL]
psql_by_round = {r["round"]: r["wall"] for r in runs[PSQL]}
psql_median, _ = median_spread([r["wall"] for r in runs[PSQL]])
targets = {
    "opslake load --jobs 1": ("≥ 90% of psql", lambda r: r >= 0.9),
    "opslake load --jobs 2": ("> psql", lambda r: r > 1.0),
    PSQL: ("-", None),
}
results = []
for name in order:
    walls = [r["wall"] for r in runs[name]]
    median, (lo, hi) = median_spread(walls)
    # vs psql: the medians' ratio; beside it each round's own ratio, for the spread.
    ratio = psql_median / median
    per_round = [psql_by_round[r["round"]] / r["wall"] for r in runs[name]]
    target, check = targets[name]
    results.append({
        "workload": name, "rows": rows, "bytes": nbytes, "runs": runs[name],
        "seconds": median, "seconds_min": lo, "seconds_max": hi,
        "rows_per_s": rows / median, "mb_per_s": nbytes / median / 1e6,
        "vs_psql": ratio, "vs_psql_per_round": per_round, "target": target,
        "result": None if check is None else ("PASS" if check(ratio) else "MISS"),
    })

head = ["workload", "rows", "median s", "min–max s", "rows/s", "MB/s", "vs psql", "per round", "target", ""]
right = {1, 2, 3, 4, 5, 6}
table = []
for r in results:
    table.append([
        r["workload"], f"{r['rows']:,}", f"{r['seconds']:.2f}", f"{r['seconds_min']:.2f}–{r['seconds_max']:.2f}",
        f"{r['rows_per_s']:,.0f}", f"{r['mb_per_s']:.1f}", f"{r['vs_psql']:.2f}",
        "-" if r["workload"] == PSQL else " ".join(f"{x:.2f}" for x in r["vs_psql_per_round"]),
        r["target"], r["result"] or "",
    ])
print_table(head, table, right)
print()
print(f"{rows:,} rows, {nbytes / 1e6:.1f} MB of CSV in {os.environ['FILES']} files "
      f"({os.environ['PARTITIONS']} partitions), {len(psql_by_round)} rounds. MB = 10^6 bytes of uncompressed CSV.")
print("median s: the median of the rounds' wall clock around the command; rows/s and MB/s from it. "
      "vs psql: psql's median seconds over the workload's; per round: the same ratio within each round.")
for r in results:
    print(f"  {r['workload']}: " + ", ".join(
        f"round {x['round']} {x['wall']:.2f} s" + (f" (reported {x['reported']:.2f})" if x["reported"] else "")
        + f" load {x['load']:.2f}" for x in sorted(r["runs"], key=lambda x: x["round"])))

path = os.environ.get("BENCH_JSON")
if path:
    doc = {
        "machine": {"cores": int(os.environ["CORES"]), "cpu": os.environ["CPU"],
                    "load_average_at_start": os.environ["LOAD_AT_START"]},
        "postgresql": {"version": os.environ["PG_VERSION"], "fsync": os.environ["PG_FSYNC"],
                       "synchronous_commit": os.environ["PG_SYNC_COMMIT"],
                       "full_page_writes": os.environ["PG_FPW"],
                       "shared_buffers": os.environ["PG_SHARED_BUFFERS"],
                       "psql": os.environ["PSQL_VERSION"]},
        "opslake": {"version": os.environ["OPSLAKE_VERSION"]},
        "data": {"datasets": ["petshop.behavior_events", "petshop.order_items"],
                 "from": os.environ["FROM"], "to": os.environ["TO"], "days": int(os.environ["DAYS"]),
                 "rows": rows, "csv_bytes": nbytes, "files": int(os.environ["FILES"]),
                 "partitions": int(os.environ["PARTITIONS"])},
        "results": results,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"figures written to {path}")
PY
echo "$STEAL_LINE"
