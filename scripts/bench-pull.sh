#!/usr/bin/env bash
# Pull benchmark: `opslake billiards pull` from the simulated venue API on loopback
# beside a Python reference client written like the ETL it replaces
# (bench/reference/billiards_pull.py: requests, json, NDJSON rows), against the same
# server; then `opslake billiards replay` of the pull's saved archive.
# See bench/README.md. Prints machine facts, then one table.
#
# Environment:
#   BENCH_STORES   stores of the simulated tenant (default 50)
#   BENCH_DAYS     business days pulled (default 30)
#   BENCH_PY_STORES stores the Python reference pulls (default 5, the first of the tenant's):
#                  the ratio is of records/s, as bench-generate.sh's reference makes fewer
#                  rows than opslake; the reference's cost per record does not depend on how
#                  many stores it pulls, since it pulls them one after another
#   BENCH_ROUNDS   rounds (default 3); odd rounds run opslake first, even rounds Python
#   BENCH_JOBS     opslake's --jobs (requests in flight; default 4)
#   OPSLAKE        the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR         where the lakes and archives go (default /tmp)
#   BENCH_KEEP_ODS a folder that must not exist yet: the last round's replayed lake is
#                  moved there at the end, for bench-dwd.sh (BENCH_ODS_LAKE) to reuse
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-pull
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"
bench_arguments "$@"

STORES=${BENCH_STORES:-50}
DAYS=${BENCH_DAYS:-30}
ROUNDS=${BENCH_ROUNDS:-3}
JOBS=${BENCH_JOBS:-4}
PY_STORES=${BENCH_PY_STORES:-5}
FROM=2026-01-01
for n in "$STORES" "$DAYS" "$ROUNDS" "$JOBS" "$PY_STORES"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench-pull: BENCH_STORES, BENCH_DAYS, BENCH_ROUNDS, BENCH_JOBS and BENCH_PY_STORES must be positive integers (got $n)" >&2; exit 2; }
done
((PY_STORES <= STORES)) || { echo "bench-pull: BENCH_PY_STORES ($PY_STORES) must not exceed BENCH_STORES ($STORES)" >&2; exit 2; }
KEEP_ODS=${BENCH_KEEP_ODS:-}
[[ -z $KEEP_ODS || ! -e $KEEP_ODS ]] || { echo "bench-pull: BENCH_KEEP_ODS=$KEEP_ODS exists already; name a new folder" >&2; exit 2; }
TO=$(date -u -d "$FROM + $((DAYS - 1)) days" +%F)
UNTIL="$(date -u -d "$TO + 1 day" +%F) 08:00:00"

# --- the reference's virtual environment (requests, pinned in bench/reference/requirements.txt) ---
bench_python_with requests 'requests==' "$ROOT/bench/reference/requirements.txt"

bench_ensure_opslake
T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-pull.XXXXXX")
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'echo "bench-pull: stopped: line $LINENO failed (exit $?)" >&2' ERR
bench_copy_opslake "$T"

# --- the server (its own process; its CPU time is read from /proc) ------------------------
echo "bench-$RANDOM-token" >"$T/token"
"$OPSLAKE" billiards serve --port 0 --token-file "$T/token" --stores "$STORES" --opened "$FROM" --now "$UNTIL" \
  --cache-mb 512 >"$T/server.out" 2>"$T/server.err" &
server=$!
for _ in $(seq 300); do [[ -s $T/server.out ]] && break; sleep 0.1; done
URL=$(sed -E 's/^billiards API listening on (http:[^ ]+).*/\1/' <"$T/server.out")
[[ $URL == http* ]] || die "the server did not start: $(cat "$T/server.err")"
STORE_IDS=$("$OPSLAKE" billiards archive --out "$T/ids" --from "$FROM" --to "$FROM" --stores "$STORES" >/dev/null &&
  python3 -c 'import json,sys; print(",".join(sorted({str(json.loads(l)["store"]) for l in open(sys.argv[1])})))' "$T/ids/index.ndjson")
rm -rf "$T/ids"
PY_STORE_IDS=$(tr ',' '\n' <<<"$STORE_IDS" | head -n "$PY_STORES" | paste -sd,)
server_cpu() { awk '{ print ($14 + $15) / 100 }' "/proc/$server/stat"; }
# The CPU seconds of this shell's finished children (bash's `times`, second line): the
# client's. `times` must run in this shell, not in a $(...) subshell, whose children
# have used no time yet; so it writes a file, read afterwards.
client_cpu() { awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); s += p[1] * 60 + p[2] } print s }' "$1"; }

bench_machine
echo "bench pull"
echo "  cores:       $cores"
echo "  cpu:         $cpu"
echo "  opslake:     $opslake_version ($OPSLAKE_PATH), --jobs $JOBS"
echo "  reference:   bench/reference/billiards_pull.py, $("$PY" -c 'import sys, requests; print(f"Python {sys.version.split()[0]}, requests {requests.__version__}")')"
echo "  data:        $STORES stores x $DAYS business days ($FROM..$TO) x 23 endpoints, from $URL (same server for both)"
echo "  reference:   pulls $PY_STORES of the $STORES stores (BENCH_PY_STORES), the same days and endpoints; compared by records/s"
echo "  load avg:    $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo

# Warm-up (not measured): the server simulates each store's days once and keeps them.
echo "bench-pull: warm-up pull (not measured) ..." >&2
"$OPSLAKE" billiards pull --lake "$T/warm" --api-url "$URL" --token-file "$T/token" --stores "$STORE_IDS" \
  --from "$FROM" --until "$UNTIL" --jobs "$JOBS" --save-archive "$T/archive" --json >"$T/warm.json"
# What the reference must receive: the records of its stores, counted by a pull of those stores alone.
"$OPSLAKE" billiards pull --lake "$T/warm-py" --api-url "$URL" --token-file "$T/token" --stores "$PY_STORE_IDS" \
  --from "$FROM" --until "$UNTIL" --jobs "$JOBS" --json >"$T/warm-py.json"

RESULTS=()  # name|round|t0|t1|server cpu before|after|client cpu before|after|the command's last line (JSON)
measure() {  # measure NAME ROUND OUT COMMAND...: the wall clock and the server's CPU time around the command
  local name=$1 round=$2 out=$3 t0 t1 s0 s1 c0 c1
  shift 3
  sync
  echo "bench-pull: round $round: $name ..." >&2
  s0=$(server_cpu)
  times >"$T/times.before"
  t0=$EPOCHREALTIME
  "$@" >"$out" || die "round $round: $name failed"
  t1=$EPOCHREALTIME
  times >"$T/times.after"
  s1=$(server_cpu)
  c0=$(client_cpu "$T/times.before")
  c1=$(client_cpu "$T/times.after")
  RESULTS+=("$name|$round|$t0|$t1|$s0|$s1|$c0|$c1|$(tail -n1 "$out")")
}
# Each round writes new folders, deleted when the script ends: on ext4 without a journal
# (the project's benchmark machine) every new inode is searched for past each inode freed
# in the last seconds to minutes, so a lake written just after another was deleted pays
# for that deletion on each of its files (16% of the replay's CPU when it did).
opslake_pull() {
  "$OPSLAKE" billiards pull --lake "$T/lake-$round" --api-url "$URL" --token-file "$T/token" --stores "$STORE_IDS" \
    --from "$FROM" --until "$UNTIL" --jobs "$JOBS" --json
}
python_pull() {
  "$PY" "$ROOT/bench/reference/billiards_pull.py" --base "$URL" --token-file "$T/token" --stores "$PY_STORE_IDS" \
    --from "$FROM" --to "$TO" --out "$T/py-$round"
}
opslake_replay() {
  "$OPSLAKE" billiards replay --archive "$T/archive" --lake "$T/replayed-$round" >/dev/null
  echo '{}'
}
opslake_replay_cached() {
  "$OPSLAKE" billiards replay --archive "$T/archive" --lake "$T/replayed-cached-$round" >/dev/null
  echo '{}'
}
# The share of the archive's pages in the page cache, as fincore counts them.
archive_cached() {
  find "$T/archive" -type f -print0 | xargs -0 fincore --bytes --noheadings --output PAGES,SIZE 2>/dev/null |
    awk '{ cached += $1; pages += int(($2 + 4095) / 4096) } END { printf "%.0f", pages ? 100 * cached / pages : 0 }'
}
# Reads every file of the archive (not measured), so the replay after it reads from the page cache.
cache_archive() {
  find "$T/archive" -type f -print0 | xargs -0 -P 4 cat >/dev/null
}
CACHED_BEFORE=()  # per round: the share of the archive cached when the first replay started

bench_steal_begin
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    measure "opslake billiards pull" "$round" "$T/pull.out" opslake_pull
    measure "Python reference (requests)" "$round" "$T/py.out" python_pull
  else
    measure "Python reference (requests)" "$round" "$T/py.out" python_pull
    measure "opslake billiards pull" "$round" "$T/pull.out" opslake_pull
  fi
  # The replay twice: of the archive as the rounds left it (on this machine, pages not
  # touched for a minute are paged out, so partly read from the disk), then of the
  # archive read into the page cache first, which measures the replay's own work.
  CACHED_BEFORE+=("$(archive_cached)")
  measure "opslake billiards replay" "$round" "$T/replay.out" opslake_replay
  cache_archive
  measure "opslake billiards replay, archive cached" "$round" "$T/replay-cached.out" opslake_replay_cached
  # Checked, not measured: the live pull and the replay of its archive are the same ODS, byte for byte.
  (cd "$T/lake-$round" && find billiards_ods -type f | LC_ALL=C sort | xargs sha256sum) >"$T/pull.sha256"
  (cd "$T/replayed-$round" && find billiards_ods -type f | LC_ALL=C sort | xargs sha256sum) >"$T/replay.sha256"
  cmp -s "$T/pull.sha256" "$T/replay.sha256" || die "round $round: the replayed ODS differs from the pulled one"
  (cd "$T/replayed-cached-$round" && find billiards_ods -type f | LC_ALL=C sort | xargs sha256sum) >"$T/replay.sha256"
  cmp -s "$T/pull.sha256" "$T/replay.sha256" || die "round $round: the replayed ODS (archive cached) differs from the pulled one"
done
STEAL_LINE=$(bench_steal_report)
if [[ -n $KEEP_ODS ]]; then
  mkdir -p "$(dirname "$KEEP_ODS")"
  mv "$T/replayed-$ROUNDS" "$KEEP_ODS"
fi

CACHED_BEFORE=${CACHED_BEFORE[*]} RESULTS=$(printf '%s\n' "${RESULTS[@]}") WARM=$(tail -n1 "$T/warm.json") WARM_PY=$(tail -n1 "$T/warm-py.json") STEAL_LINE=$STEAL_LINE python3 - <<'PY'
from bench_table import print_table, median_spread
import json, os

warm = json.loads(os.environ["WARM"])
warm_py = json.loads(os.environ["WARM_PY"])
runs = {}
for line in os.environ["RESULTS"].splitlines():
    name, rnd, t0, t1, s0, s1, c0, c1, out = line.split("|", 8)
    o = json.loads(out)
    records = o.get("records", warm["records"])
    nbytes = o.get("bytes", warm["bytes"]) if "replay" not in name else warm["bytes"]
    wall = float(t1) - float(t0)
    runs.setdefault(name, []).append({"round": int(rnd), "seconds": wall, "server": float(s1) - float(s0),
                                      "client": float(c1) - float(c0), "records": records, "bytes": nbytes})
rows = []
med = {}
for name, rs in runs.items():
    m, (lo, hi) = median_spread([r["seconds"] for r in rs])
    med[name] = m
    recs = rs[0]["records"]
    rate = median_spread([r["records"] / r["seconds"] for r in rs])[0]
    med[name + " rate"] = rate
    share = median_spread([r["server"] / r["seconds"] for r in rs])[0]
    client = median_spread([r["client"] for r in rs])[0]
    med[name + " cpu"] = client
    rows.append([name, f"{recs:,}", f"{m:.2f}", f"{lo:.2f}–{hi:.2f}", f"{rate:,.0f}", f"{rs[0]['bytes'] / m / 1e6:.1f}",
                 "-" if "replay" in name else f"{share:.0%}", f"{client:.1f}", f"{recs / client:,.0f}"])
print_table(["workload", "records", "median s", "min–max s", "records/s", "MB/s", "server CPU/wall", "client CPU s", "records/client CPU s"],
            rows, {1, 2, 3, 4, 5, 6, 7, 8})
print()
pull, py = med["opslake billiards pull rate"], med["Python reference (requests) rate"]
rep, rep_cached = med["opslake billiards replay rate"], med["opslake billiards replay, archive cached rate"]
per_round = [(p["records"] / p["seconds"]) / (q["records"] / q["seconds"])
             for p, q in zip(sorted(runs["opslake billiards pull"], key=lambda r: r["round"]),
                             sorted(runs["Python reference (requests)"], key=lambda r: r["round"]))]
for name, want in (("opslake billiards pull", warm["records"]), ("Python reference (requests)", warm_py["records"])):
    got = sorted({r["records"] for r in runs[name]})
    if got != [want]:
        print(f"MISMATCH: {name} received {got} records, where a pull of the same stores received {want:,}")
print(f"pull: {pull / py:.2f}× the Python reference's records/s (per round: {' '.join(f'{x:.2f}' for x in per_round)}; target ≥ 5×): "
      + ("PASS" if pull / py >= 5 else "MISS"))
cpu_ratio = (runs["opslake billiards pull"][0]["records"] / med["opslake billiards pull cpu"]) / (
    runs["Python reference (requests)"][0]["records"] / med["Python reference (requests) cpu"])
print(f"pull, the client's own CPU: {cpu_ratio:.2f}× the Python reference's records per CPU second")
print(f"replay, archive cached: {rep_cached:,.0f} records/s (target ≥ 200,000 on 2 cores): " + ("PASS" if rep_cached >= 200_000 else "MISS"))
print(f"replay, archive as left: {rep:,.0f} records/s, {', '.join(os.environ['CACHED_BEFORE'].split())}% of its pages cached "
      "at the start of each round's run (the rest read from the disk): " + ("PASS" if rep >= 200_000 else "MISS"))
print("records: received (the pull's tickets and pages; the replay: the archive's); MB/s: response bytes received over the median wall time.")
print("server CPU/wall: the server's CPU seconds during the step over its wall seconds; client CPU s: the user and system CPU of the client's processes.")
print(os.environ["STEAL_LINE"])
PY
