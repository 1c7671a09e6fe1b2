#!/usr/bin/env bash
# PostgreSQL table layout benchmark: how to replace one day's partition (every row of
# one dt) of a dataset's table. Same server, same data, three ways:
#   plain                 one table, PRIMARY KEY (dt, order_id, line_no); a replace is
#                         DELETE the day + COPY in one transaction
#   partitioned           PARTITION BY LIST (dt), one table per day; a replace is COPY
#                         FREEZE into a new table that has CHECK (dt = day), then DETACH
#                         the old partition, ATTACH the new one, DROP, RENAME, commit
#   partitioned-nocheck   the same without the CHECK: ATTACH scans the new table
# Loads every day, replaces every day once (a reload), then replaces one day in a loop
# while another session reads (alone, then with 1 s report queries running too).
# Prints machine facts and two tables. See bench/README.md.
#
# Environment:
#   BENCH_DAYS           days of data (default 30, at least 2)
#   BENCH_ROWS_PER_DAY   rows per day (default 70000)
#   BENCH_READER_ROUNDS  replaces of one day while the reader runs (default 10)
#   BENCH_JSON           also write the machine facts and figures to this JSON file
#   TMPDIR               where the CSV files go (default /tmp)
# It starts its own throw-away server with scripts/with-postgres.sh unless
# OPSLAKE_TEST_POSTGRES is set (then it uses PGHOST etc. and its own bench_* tables).
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)

case ${1:-} in
  -h|--help) sed -n '2,21s/^# \{0,1\}//p' "$SELF"; exit 0 ;;
  "") ;;
  *) echo "pg-layout: unknown argument: $1 (settings are environment variables; see --help)" >&2; exit 2 ;;
esac

if [[ -z ${OPSLAKE_TEST_POSTGRES-} ]]; then
  exec "$ROOT/scripts/with-postgres.sh" bash "$SELF" "$@"
fi

DAYS=${BENCH_DAYS:-30}
PER_DAY=${BENCH_ROWS_PER_DAY:-70000}
ROUNDS=${BENCH_READER_ROUNDS:-10}
for n in "$DAYS" "$PER_DAY" "$ROUNDS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "pg-layout: BENCH_DAYS, BENCH_ROWS_PER_DAY and BENCH_READER_ROUNDS must be positive integers (got $n)" >&2; exit 2; }
done
((DAYS >= 2)) || { echo "pg-layout: BENCH_DAYS must be at least 2 (the reader reads another day than the one replaced)" >&2; exit 2; }
FIRST_DAY=2025-03-01
LAYOUTS=(plain partitioned partitioned-nocheck)

# psql from the server's bin folder, found the way scripts/with-postgres.sh finds it.
BIN=
if command -v pg_config >/dev/null 2>&1 && [[ -x $(pg_config --bindir)/psql ]]; then
  BIN=$(pg_config --bindir)
else
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
    if [[ -x $d/psql ]]; then BIN=$d; fi
  done
fi
if [[ -n $BIN ]]; then PSQL=$BIN/psql; else PSQL=$(command -v psql) || { echo "pg-layout: psql not found" >&2; exit 1; }; fi
export LC_ALL=C PGCLIENTENCODING=UTF8 # psql's "Time: 1.234 ms" with a decimal point
export PGOPTIONS='-c client_min_messages=warning' # no NOTICEs from DROP ... IF EXISTS
psql_() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
sql() { psql_ -At -c "$1"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-pglayout.XXXXXX")
reader_pid= # the readers running in the background, if any
# shellcheck disable=SC2317  # run from the EXIT trap
cleanup() {
  set +e
  for p in $reader_pid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  psql_ -c 'DROP TABLE IF EXISTS bench_plain, bench_part, bench_part_nc' >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log() { echo "pg-layout: $*" >&2; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.6f", b - a }'; }

# --- machine facts ------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
[[ -n $cpu ]] || cpu=unknown
cores=$(nproc)
pg_version=$(sql 'SHOW server_version')
pg_num=$(sql 'SHOW server_version_num')
load=$(cut -d' ' -f1 /proc/loadavg)

# --- data: one CSV file per day ----------------------------------------------------------
log "generating $DAYS days x $PER_DAY rows in $T ..."
python3 - "$T" "$DAYS" "$PER_DAY" "$FIRST_DAY" >"$T/days" <<'PY'
import random, sys
from datetime import date, timedelta

out, days, per_day, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), date.fromisoformat(sys.argv[4])
names = ["皇家 成貓飼料 2kg", "希爾思 幼犬飼料 3kg", "渴望 無穀貓糧 1.8kg", "豆腐貓砂 原味 6L",
         "狗狗潔牙骨 20入", "寵物尿布墊 L 50片", "逗貓棒 羽毛款", "瓦楞紙貓抓板", "寵物外出提籠 M",
         "反光牽繩 中型犬", "主食罐 鮪魚 85g", "凍乾零食 雞肉 100g", "除臭噴霧 500ml", "貓草盆栽",
         "低敏洗毛精 400ml", "自動飲水機 2L", "Royal Canin Indoor 4kg", "寵物指甲剪", "保暖睡窩 S",
         "鮭魚油 250ml"]
products = [(f"P{i + 1:05d}", n, 49 + (i * 137) % 2400) for i, n in enumerate(names)]
assert not any("," in n or '"' in n for n in names)  # written without CSV quoting
head = "dt,order_id,line_no,product_id,product_name,quantity,unit_price,line_total,ordered_at\n"
for i in range(days):
    d = first + timedelta(days=i)
    iso, ymd = d.isoformat(), d.strftime("%Y%m%d")
    rng = random.Random(i + 1)
    rows, order, buf = 0, 0, [head]
    while rows < per_day:
        order += 1
        sec = rng.randrange(86400)
        ts = f"{iso}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}+08:00"
        for line in range(1, min(rng.randint(1, 5), per_day - rows) + 1):
            pid, name, price = rng.choice(products)
            q = rng.randint(1, 4)
            buf.append(f"{iso},O{ymd}{order:07d},{line},{pid},{name},{q},{price},{q * price},{ts}\n")
            rows += 1
    with open(f"{out}/{iso}.csv", "w", encoding="utf-8") as f:
        f.writelines(buf)
    print(iso)
PY
mapfile -t day_list <"$T/days"
csv_bytes=0
for d in "${day_list[@]}"; do csv_bytes=$((csv_bytes + $(stat -c %s "$T/$d.csv"))); done
total_rows=$((DAYS * PER_DAY))

# --- tables ----------------------------------------------------------------------------
# Autovacuum is off on every table (a storage parameter per table, so a shared server's
# settings are untouched): the dead rows a reload leaves stay countable, and the VACUUM
# that cleans them is timed on its own instead of running at random during the replaces.
cols="dt date NOT NULL, order_id text NOT NULL, line_no int NOT NULL, product_id text NOT NULL,
  product_name text NOT NULL, quantity int NOT NULL, unit_price int NOT NULL,
  line_total int NOT NULL, ordered_at timestamptz NOT NULL, PRIMARY KEY (dt, order_id, line_no)"
psql_ >/dev/null <<SQL
DROP TABLE IF EXISTS bench_plain, bench_part, bench_part_nc;
CREATE TABLE bench_plain ($cols) WITH (autovacuum_enabled = off);
CREATE TABLE bench_part ($cols) PARTITION BY LIST (dt);
CREATE TABLE bench_part_nc ($cols) PARTITION BY LIST (dt);
SQL
have_pgstattuple=0
if psql_ -c 'CREATE EXTENSION IF NOT EXISTS pgstattuple' >/dev/null 2>&1; then have_pgstattuple=1; fi

# The tables holding rows: the plain table itself, or a partitioned table's leaves
# (pg_partition_tree lists nothing for a table outside a partition tree).
leaves() { echo "SELECT '$1'::regclass AS relid WHERE (SELECT relkind FROM pg_class WHERE oid = '$1'::regclass) = 'r'
  UNION ALL SELECT relid FROM pg_partition_tree('$1') WHERE isleaf"; }
table_of() { case $1 in plain) echo bench_plain ;; partitioned) echo bench_part ;; partitioned-nocheck) echo bench_part_nc ;; esac; }

# SQL that loads (mode load) or replaces (mode replace) one day. With window=1 it
# also prints "lockwin|A|B": ms from the start of DETACH, and from its end, to after
# COMMIT. DETACH without CONCURRENTLY takes ACCESS EXCLUSIVE on the parent: it first
# waits for running readers (A - B), and every reader arriving meanwhile queues behind
# it until COMMIT (A). DETACH ... CONCURRENTLY would not block readers, but it cannot
# run in a transaction block: the day would be missing between it and the ATTACH.
day_sql() {
  local layout=$1 mode=$2 day=$3 window=${4:-0}
  local t part new file=$T/$3.csv check=
  t=$(table_of "$layout")
  part=${t}_d${day//-/}
  new=${t}_new
  if [[ $layout == plain ]]; then
    echo "BEGIN;"
    if [[ $mode == replace ]]; then echo "DELETE FROM $t WHERE dt = DATE '$day';"; fi
    echo "\\copy $t FROM '$file' WITH (FORMAT csv, HEADER true)"
    echo "COMMIT;"
    return
  fi
  # With CHECK (dt = day) in place, ATTACH sees that the partition constraint is
  # implied and skips its validation scan (checked below through the DEBUG1 message).
  # The CHECK is part of CREATE TABLE, not a later ADD CONSTRAINT, which would scan.
  if [[ $layout == partitioned ]]; then check=", CONSTRAINT ${new}_dt CHECK (dt = DATE '$day')"; fi
  # The copied primary key's index gets a free name (bench_part_new_pkey, ..._pkey1, ...).
  echo "BEGIN;"
  echo "CREATE TABLE $new (LIKE $t INCLUDING ALL$check) WITH (autovacuum_enabled = off);"
  # FREEZE: the table was created in this transaction, so rows are written frozen and
  # all-visible; no later VACUUM has to visit them.
  echo "\\copy $new FROM '$file' WITH (FORMAT csv, HEADER true, FREEZE true)"
  if ((window)); then echo "SELECT set_config('bench.t0', clock_timestamp()::text, false) \\g /dev/null"; fi
  if [[ $mode == replace ]]; then echo "ALTER TABLE $t DETACH PARTITION $part;"; fi
  if ((window)); then echo "SELECT set_config('bench.t1', clock_timestamp()::text, false) \\g /dev/null"; fi
  echo "ALTER TABLE $t ATTACH PARTITION $new FOR VALUES IN ('$day');"
  if [[ $mode == replace ]]; then echo "DROP TABLE $part;"; fi
  echo "ALTER TABLE $new RENAME TO $part;"
  echo "COMMIT;"
  if ((window)); then
    echo "SELECT 'lockwin', round(extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz) * 1000, 3),"
    echo "  round(extract(epoch FROM clock_timestamp() - current_setting('bench.t1')::timestamptz) * 1000, 3);"
  fi
}

# Stats are flushed at most once a second; force it at the end of a session (15+).
flush_sql() { if ((pg_num >= 150000)); then echo "SELECT pg_stat_force_next_flush() \\g /dev/null"; fi; }

# --- 1. initial load: every day into every layout (not the measured workload) ------------
declare -A load_s attach_scan
for layout in "${LAYOUTS[@]}"; do
  log "loading $layout ..."
  {
    # The first ATTACH runs with DEBUG1 messages, which say whether it scanned.
    if [[ $layout != plain ]]; then echo "SET client_min_messages = debug1;"; fi
    for i in "${!day_list[@]}"; do
      day_sql "$layout" load "${day_list[$i]}"
      if ((i == 0)); then echo "RESET client_min_messages;"; fi
    done
  } >"$T/load.sql"
  t0=$(now)
  psql_ -f "$T/load.sql" >/dev/null 2>"$T/load.err" || { cat "$T/load.err" >&2; exit 1; }
  load_s[$layout]=$(since "$t0")
  if [[ $layout == plain ]]; then attach_scan[$layout]=none
  elif grep -q 'is implied by existing constraints' "$T/load.err"; then attach_scan[$layout]=skipped
  elif grep -q 'verifying table' "$T/load.err"; then attach_scan[$layout]=scanned
  else attach_scan[$layout]=unknown
  fi
  psql_ -c "VACUUM (ANALYZE) $(table_of "$layout")" >/dev/null
done

# --- 2. the reload: replace every day once, per layout -------------------------------------
declare -A replace_s dead_stat dead_pgst size_b vacuum_s
for layout in "${LAYOUTS[@]}"; do
  t=$(table_of "$layout")
  { for d in "${day_list[@]}"; do day_sql "$layout" replace "$d"; done; flush_sql; } >"$T/replace.sql"
  psql_ -c CHECKPOINT >/dev/null
  log "replacing every day in $layout ..."
  t0=$(now)
  psql_ -f "$T/replace.sql" >/dev/null
  replace_s[$layout]=$(since "$t0")
  ((pg_num >= 150000)) || sleep 1
  # n_dead_tup: the statistics counter autovacuum decides on, summed over the leaves.
  dead_stat[$layout]=$(sql "SELECT coalesce(sum(s.n_dead_tup), 0) FROM ($(leaves "$t")) l
    JOIN pg_stat_user_tables s ON s.relid = l.relid")
  size_b[$layout]=$(sql "SELECT sum(pg_total_relation_size(relid)) FROM ($(leaves "$t")) l")
  # pgstattuple's dead_tuple_count goes to the JSON only: it counts the dead tuples still
  # on the pages and misses those already pruned to bare line pointers by later scans
  # (the next DELETE's, its own), so it reads low for plain.
  if ((have_pgstattuple)); then
    dead_pgst[$layout]=$(sql "SELECT coalesce(sum((pgstattuple(relid)).dead_tuple_count), 0) FROM ($(leaves "$t")) l")
  else
    dead_pgst[$layout]=null
  fi
  # The cost the plain layout defers: VACUUM of what the reload left behind.
  t0=$(now)
  psql_ -c "VACUUM $t" >/dev/null
  vacuum_s[$layout]=$(since "$t0")
done

# --- 3. readers during replaces ---------------------------------------------------------------
# A reader: one psql session with \timing on runs "count one other day" and "count all"
# in turn and keeps psql's "Time: X ms" of each (a wait for a lock included). Per layout:
#   idle       the reader alone, 10 rounds
#   replacing  the reader while another session replaces day 1 BENCH_READER_ROUNDS times
#   slow       the same with a third session running 1 s report queries on day 2
#              (count + pg_sleep(1)): a replace's DETACH must wait for such a query, and
#              the reader queues behind the DETACH
cat >"$T/reader.py" <<'PY'
import os, subprocess, sys, time

psql, out, stop, ready, limit, day_sql, all_sql = sys.argv[1:8]
limit = int(limit)
p = subprocess.Popen([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")

def run(q):
    p.stdin.write(q + "\n")
    p.stdin.flush()
    while True:
        line = p.stdout.readline()
        if not line:
            sys.exit(f"pg-layout reader: psql ended during: {q}")
        if line.startswith("Time: "):
            return float(line.split()[1])

p.stdin.write("\\timing on\n")
rounds = 0
with open(out, "w") as f:
    while not (limit and rounds >= limit) and not (not limit and os.path.exists(stop)):
        for label, q in (("day", day_sql), ("all", all_sql)):
            t0 = time.time()
            ms = run(q)
            f.write(f"{label} {ms:.3f} {t0:.6f} {time.time():.6f}\n")
            f.flush()
        rounds += 1
        if rounds == 1 and ready != "-":
            open(ready, "w").close()
p.stdin.write("\\q\n")
p.stdin.close()
sys.exit(p.wait())
PY

# Starts reader.py in the background (until $T/stop exists) and waits for its first round.
start_reader() { # out-file day-query all-query
  local ready=$1.ready
  python3 "$T/reader.py" "$PSQL" "$1" "$T/stop" "$ready" 0 "$2" "$3" &
  reader_pid="$reader_pid $!"
  until [[ -e $ready ]]; do
    kill -0 "$!" 2>/dev/null || { log "a reader stopped early"; exit 1; }
    sleep 0.05
  done
}

read_day=${day_list[1]}
swap_day=${day_list[0]}
: >"$T/loops"
for layout in "${LAYOUTS[@]}"; do
  t=$(table_of "$layout")
  qd="SELECT count(*) FROM $t WHERE dt = DATE '$read_day';"
  qa="SELECT count(*) FROM $t;"
  qs="SELECT count(*), pg_sleep(1) FROM $t WHERE dt = DATE '$read_day';"
  log "readers on $layout: idle, then during $ROUNDS replaces of $swap_day, then also with 1 s queries ..."
  python3 "$T/reader.py" "$PSQL" "$T/r-$layout-idle" - - 10 "$qd" "$qa"
  { for ((r = 0; r < ROUNDS; r++)); do day_sql "$layout" replace "$swap_day" 1; done; } >"$T/loop.sql"
  for scenario in replacing slow; do
    rm -f "$T/stop"
    if [[ $scenario == slow ]]; then start_reader "$T/slow-$layout" "$qs" "$qs"; fi
    start_reader "$T/r-$layout-$scenario" "$qd" "$qa"
    t0=$(now)
    psql_ -At -f "$T/loop.sql" >"$T/w-$layout-$scenario"
    echo "$layout $scenario $t0 $(now)" >>"$T/loops"
    touch "$T/stop"
    # shellcheck disable=SC2086  # a list of pids
    wait $reader_pid
    reader_pid=
    psql_ -c "VACUUM $t" >/dev/null
  done
done

# --- sanity: every layout holds every row once ------------------------------------------------
for layout in "${LAYOUTS[@]}"; do
  got=$(sql "SELECT count(*) || ' ' || count(DISTINCT dt) FROM $(table_of "$layout")")
  [[ $got == "$total_rows $DAYS" ]] || { log "$layout holds $got (rows, days), expected $total_rows $DAYS"; exit 1; }
done

# --- the tables (and BENCH_JSON) -------------------------------------------------------------
for layout in "${LAYOUTS[@]}"; do
  printf '%s load_s=%s replace_s=%s dead_stat=%s dead_pgst=%s size_b=%s vacuum_s=%s attach=%s\n' \
    "$layout" "${load_s[$layout]}" "${replace_s[$layout]}" "${dead_stat[$layout]}" "${dead_pgst[$layout]}" \
    "${size_b[$layout]}" "${vacuum_s[$layout]}" "${attach_scan[$layout]}"
done >"$T/figures"
CPU=$cpu CORES=$cores PG_VERSION=$pg_version LOAD=$load DAYS=$DAYS PER_DAY=$PER_DAY ROUNDS=$ROUNDS \
CSV_BYTES=$csv_bytes T=$T BENCH_JSON=${BENCH_JSON:-} SWAP_DAY=$swap_day READ_DAY=$read_day \
HAVE_PGSTATTUPLE=$have_pgstattuple python3 - <<'PY'
import json, os, statistics, textwrap

T = os.environ["T"]
days, per_day, rounds = int(os.environ["DAYS"]), int(os.environ["PER_DAY"]), int(os.environ["ROUNDS"])
rows, csv_bytes = days * per_day, int(os.environ["CSV_BYTES"])

def summary(xs):
    return {"n": len(xs), "median_ms": statistics.median(xs) if xs else None, "max_ms": max(xs) if xs else None}

def reader(path, t0=None, t1=None):
    """Latencies by query; with t0/t1 only the queries that overlap [t0, t1]."""
    out = {"day": [], "all": []}
    for line in open(path):
        label, ms, start, end = line.split()
        if t0 is None or (float(end) >= t0 and float(start) <= t1):
            out[label].append(float(ms))
    return {k: summary(v) for k, v in out.items()}

loops = {}
for line in open(f"{T}/loops"):
    layout, scenario, t0, t1 = line.split()
    loops[layout, scenario] = float(t0), float(t1)

results = []
for line in open(f"{T}/figures"):
    layout, *kv = line.split()
    f = dict(x.split("=", 1) for x in kv)
    secs = float(f["replace_s"])
    readers = {"idle": {**reader(f"{T}/r-{layout}-idle")}}
    for scenario in ("replacing", "slow"):
        t0, t1 = loops[layout, scenario]
        win = [l.strip().split("|")[1:] for l in open(f"{T}/w-{layout}-{scenario}") if l.startswith("lockwin|")]
        readers[scenario] = {
            **reader(f"{T}/r-{layout}-{scenario}", t0, t1),
            "replace_seconds_each": (t1 - t0) / rounds,
            # wait: DETACH waiting for running readers; held: DETACH done to COMMIT done
            "lock_wait": summary([float(a) - float(b) for a, b in win]) if win else None,
            "lock_held": summary([float(b) for a, b in win]) if win else None,
        }
    results.append({
        "layout": layout, "replace_seconds": secs, "rows": rows, "csv_bytes": csv_bytes,
        "rows_per_s": rows / secs, "mb_per_s": csv_bytes / secs / 1e6,
        "dead_rows_n_dead_tup": int(f["dead_stat"]),
        "dead_rows_pgstattuple": None if f["dead_pgst"] == "null" else int(f["dead_pgst"]),
        "size_bytes": int(f["size_b"]), "vacuum_seconds": float(f["vacuum_s"]),
        "initial_load_seconds": float(f["load_s"]), "attach_validation_scan": f["attach"],
        "readers": {"idle": readers["idle"], "replacing": readers["replacing"],
                    "replacing_with_1s_reader": readers["slow"]},
    })

def ms(x):
    return "-" if x is None else (f"{x:,.0f}" if x >= 100 else f"{x:.1f}")

def table(head, lines, left=1):
    w = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    for x in [head] + lines:
        print("  ".join(c.ljust(w[i]) if i < left else c.rjust(w[i]) for i, c in enumerate(x)).rstrip())

print(f"bench pg-layout: {days} days x {per_day:,} rows ({rows:,} rows, {csv_bytes / 1e6:,.0f} MB of CSV), "
      "every day replaced once")
print(f"machine: {os.environ['CORES']} cores, {os.environ['CPU']}, PostgreSQL {os.environ['PG_VERSION']}, "
      f"load average {os.environ['LOAD']} at start")
print()
lines = []
for r in results:
    b = r["readers"]["replacing"]
    lines.append([r["layout"], f"{r['rows_per_s']:,.0f}", f"{r['mb_per_s']:.1f}", f"{r['replace_seconds']:.2f}",
                  f"{r['dead_rows_n_dead_tup']:,}", f"{r['size_bytes'] / 1e6:,.0f}", f"{r['vacuum_seconds']:.2f}",
                  f"{ms(b['day']['median_ms'])} / {ms(b['all']['median_ms'])}",
                  f"{ms(b['day']['max_ms'])} / {ms(b['all']['max_ms'])}"])
table(["layout", "rows/s", "MB/s", "seconds", "dead rows after", "size MB", "vacuum s",
       "reader median ms", "reader max ms"], lines)
print()
print(f"readers (ms, day / all): counting {os.environ['READ_DAY']} / every row, alone, while another session "
      f"replaces {os.environ['SWAP_DAY']} {rounds} times, and with 1 s queries on {os.environ['READ_DAY']} running too")
lines = []
for r in results:
    for key, name in (("idle", "alone"), ("replacing", "replacing"), ("replacing_with_1s_reader", "+ 1 s queries")):
        x = r["readers"][key]
        wt, hd = x.get("lock_wait"), x.get("lock_held")
        lines.append([r["layout"], name,
                      f"{ms(x['day']['median_ms'])} / {ms(x['all']['median_ms'])}",
                      f"{ms(x['day']['max_ms'])} / {ms(x['all']['max_ms'])}",
                      f"{x['day']['n']} / {x['all']['n']}",
                      f"{x['replace_seconds_each']:.2f}" if "replace_seconds_each" in x else "-",
                      "-" if wt is None else f"{ms(wt['median_ms'])} / {ms(wt['max_ms'])}",
                      "-" if hd is None else f"{ms(hd['median_ms'])} / {ms(hd['max_ms'])}"])
table(["layout", "readers", "median", "max", "queries", "s per replace",
       "DETACH wait med / max", "lock held med / max"], lines, left=2)
print()
print(textwrap.fill("MB = 10^6 bytes. rows/s, MB/s, seconds: the reload (every day replaced once), CSV rows and bytes. "
      "dead rows: pg_stat_user_tables.n_dead_tup summed over the tables holding rows, after the reload "
      "(autovacuum off); vacuum s: the VACUUM that then cleans them; size: pg_total_relation_size summed, "
      "before that VACUUM. reader: the 'replacing' row below. DETACH wait: DETACH waiting for running "
      "readers; lock held: DETACH done to COMMIT done; readers arriving during either queue behind the DETACH.", 100))
print("ATTACH validation scan: " + ", ".join(f"{r['layout']} {r['attach_validation_scan']}"
                                             for r in results if r["layout"] != "plain"))

path = os.environ.get("BENCH_JSON")
if path:
    doc = {"machine": {"cores": int(os.environ["CORES"]), "cpu": os.environ["CPU"],
                       "postgresql": os.environ["PG_VERSION"], "load_average_at_start": float(os.environ["LOAD"])},
           "settings": {"days": days, "rows_per_day": per_day, "reader_rounds": rounds,
                        "replaced_day": os.environ["SWAP_DAY"], "read_day": os.environ["READ_DAY"],
                        "pgstattuple": os.environ["HAVE_PGSTATTUPLE"] == "1"},
           "results": results}
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    print(f"figures written to {path}")
PY
