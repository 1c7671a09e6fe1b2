#!/usr/bin/env bash
# Ship benchmark: `opslake ship pack` and `opslake ship unpack` of a year's partitions
# beside `tar cf` / `tar xf` plus `sha256sum` of the same files.
# See bench/README.md. Prints machine facts, then one table.
#
# Environment:
#   BENCH_SCALE      --scale of the generated lake (default 3: about 1.1 GB of partition files)
#   BENCH_MIN_BYTES  fail when the partition files total fewer bytes (default 1073741824, 1 GiB)
#   BENCH_ROUNDS     rounds of the four measured steps (default 3); odd rounds run opslake's
#                    pack and unpack first, even rounds tar's, and the table gives each
#                    step's median and spread
#   BENCH_JSON       also write the figures as JSON to this file
#   OPSLAKE          the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR           where the lakes and tar files go (default /tmp; about 3 times the partition bytes at once)
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-ship
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"

bench_arguments "$@"

SCALE=${BENCH_SCALE:-3}
MIN_BYTES=${BENCH_MIN_BYTES:-1073741824}
ROUNDS=${BENCH_ROUNDS:-3}
FROM=2025-01-01
TO=2025-12-31
TARGET=1.5

[[ $SCALE =~ ^([0-9]+(\.[0-9]*)?|\.[0-9]+)$ ]] && python3 -c 'import sys; sys.exit(float(sys.argv[1]) <= 0)' "$SCALE" ||
  { echo "bench-ship: BENCH_SCALE must be a positive number (got $SCALE)" >&2; exit 2; }
[[ $MIN_BYTES =~ ^[0-9]+$ ]] || { echo "bench-ship: BENCH_MIN_BYTES must be a whole number (got $MIN_BYTES)" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench-ship: BENCH_ROUNDS must be a positive integer (got $ROUNDS)" >&2; exit 2; }

# --- tools ---------------------------------------------------------------------------
for tool in tar sha256sum python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

bench_ensure_opslake

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-ship.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'echo "bench-ship: stopped: line $LINENO failed (exit $?)" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

bench_copy_opslake "$T"

# sha256sum of every partition file (the NUL-separated list $T/files0) under folder $1,
# in the list's order.
hash_files() { (cd "$1" && xargs -0 sha256sum --) <"$T/files0"; }

# --- the lake (not measured) -----------------------------------------------------------
LAKE=$T/lake
echo "bench-ship: generating every dataset for $FROM..$TO at scale $SCALE ..." >&2
"$OPSLAKE" init --lake "$LAKE" --opened "$FROM" --seed 1 --scale "$SCALE" >/dev/null
last_line "$OPSLAKE" generate --lake "$LAKE" --from "$FROM" --to "$TO" --jobs 2 --json >/dev/null

# The partition files: every regular file in a dt= folder, sorted. They must be
# exactly the files the catalogue holds. <schema>/<table>/<format>/dt=…/file in a
# format-2 lake, <schema>/<table>/dt=…/file in one an older release made; folders
# whose names start with _ (staging, quarantine) hold no partition.
(cd "$LAKE" && find . -mindepth 4 -maxdepth 5 -type f -path './*/dt=*/*' -not -path './_*' | LC_ALL=C sort) >"$T/files"
tr '\n' '\0' <"$T/files" >"$T/files0"
FILES=$(wc -l <"$T/files")
BYTES=$(cd "$LAKE" && xargs -0 stat -c %s -- <"$T/files0" | awk '{ s += $1 } END { printf "%d\n", s }')
verify_json=$("$OPSLAKE" verify --lake "$LAKE" --json) || die "opslake verify fails on the generated lake"
cat_files=$(printf '%s' "$verify_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["files"])')
cat_bytes=$(printf '%s' "$verify_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes"])')
PARTITIONS=$(printf '%s' "$verify_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["partitions"])')
((FILES == cat_files && BYTES == cat_bytes)) ||
  die "the dt= folders hold $FILES files ($BYTES bytes), the catalogue $cat_files ($cat_bytes bytes)"
if ((BYTES < MIN_BYTES)); then
  die "the partition files total $BYTES bytes, fewer than $MIN_BYTES; raise BENCH_SCALE"
fi

# Warm the page cache: every measured step below reads files that are in memory. The
# source's checksums are the yardstick for the byte-identity checks.
echo "bench-ship: $PARTITIONS partitions, $FILES files, $BYTES bytes; hashing them once (warm-up) ..." >&2
hash_files "$LAKE" >"$T/source.sha256"

# --- machine facts -----------------------------------------------------------------------
# (awk reads every line: `cmd | head -n1` can kill cmd with SIGPIPE, which pipefail reports.)
bench_machine
tar_version=$(tar --version | awk 'NR == 1')
sha_version=$(sha256sum --version | awk 'NR == 1')
fs=$(df -PT "$T" | awk 'NR == 2 { print $2 " on " $1 }')
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

echo "bench ship"
echo "  cores:       $cores"
echo "  cpu:         $cpu"
echo "  memory:      $mem"
echo "  filesystem:  $fs ($T)"
echo "  opslake:     $opslake_version ($OPSLAKE_PATH)"
echo "  reference:   $tar_version, $sha_version"
echo "  data:        every dataset, $FROM..$TO, scale $SCALE: $PARTITIONS partitions, $FILES files, $BYTES bytes ($(python3 -c "print(f'{$BYTES / 2**30:.2f}')") GiB)"
echo "  load avg:    $load_at_start at start"
echo

# --- the measured steps ---------------------------------------------------------------------
RESULTS=()   # step|round|t0|t1|load average before

# step NAME ROUND COMMAND...: sync, then the wall clock around the command, which must succeed.
step() {
  local name=$1 round=$2 la t0 t1
  shift 2
  sync
  echo "bench-ship: round $round: $name ..." >&2
  la=$(cut -d' ' -f1 /proc/loadavg)
  t0=$EPOCHREALTIME
  "$@" || die "round $round: $name failed"
  t1=$EPOCHREALTIME
  RESULTS+=("$name|$round|$t0|$t1|$la")
}

ship_pack() { "$OPSLAKE" ship pack --lake "$LAKE" -o "$T/bundle.tar" --json >"$T/pack.json"; }
ship_unpack() { "$OPSLAKE" ship unpack --lake "$T/fresh" "$T/bundle.tar" --json >"$T/unpack.json"; }
ref_pack() { tar cf "$T/ref.tar" -C "$LAKE" --no-recursion -T "$T/files" && hash_files "$LAKE" >"$T/ref-pack.sha256"; }
ref_unpack() { mkdir "$T/ref" && tar xf "$T/ref.tar" -C "$T/ref" && hash_files "$T/ref" >"$T/ref-unpack.sha256"; }

# Everything a side's run leaves in $T, removed before and after each of its runs, so
# that every run starts from the same state: only the source lake and the file lists.
clean_opslake() {
  rm -rf "$T/fresh" "$T/bundle.tar" "$T"/bundle.tar.*.tmp "$T/pack.json" "$T/unpack.json" \
    "$T/verify.txt" "$T/fresh.sha256"
}
clean_ref() { rm -rf "$T/ref" "$T/ref.tar" "$T/ref-pack.sha256" "$T/ref-unpack.sha256"; }

PACK_ROWS=

# a. and b.: OpsLake, then the checks (not measured).
run_opslake() {
  local round=$1 pack_json unpack_json rows
  clean_opslake
  step "opslake ship pack" "$round" ship_pack
  pack_json=$(tail -n1 "$T/pack.json")
  [[ $(json_field "$pack_json" partitions) == "$PARTITIONS" && $(json_field "$pack_json" bytes) == "$BYTES" ]] ||
    die "round $round: opslake ship pack packed other partitions than the lake holds ($PARTITIONS, $BYTES bytes): $pack_json"
  rows=$(json_field "$pack_json" rows)
  [[ -z $PACK_ROWS || $rows == "$PACK_ROWS" ]] ||
    die "round $round: opslake ship pack reports $rows rows, an earlier round $PACK_ROWS"
  PACK_ROWS=$rows

  step "opslake ship unpack" "$round" ship_unpack
  unpack_json=$(tail -n1 "$T/unpack.json")
  [[ $(json_field "$unpack_json" installed) == "$PARTITIONS" && $(json_field "$unpack_json" replaced) == 0 &&
     $(json_field "$unpack_json" unchanged) == 0 && $(json_field "$unpack_json" bytes) == "$BYTES" ]] ||
    die "round $round: opslake ship unpack did not install all $PARTITIONS partitions ($BYTES bytes): $unpack_json"

  # The new lake is sound and holds the same bytes.
  "$OPSLAKE" verify --lake "$T/fresh" >"$T/verify.txt" ||
    { cat "$T/verify.txt" >&2; die "round $round: opslake verify fails on the unpacked lake"; }
  hash_files "$T/fresh" >"$T/fresh.sha256" || die "round $round: the unpacked lake lacks partition files"
  cmp -s "$T/source.sha256" "$T/fresh.sha256" || die "round $round: the unpacked lake's partition files differ from the source's"
  clean_opslake
}

# c. and d.: the reference, then the checks (not measured).
run_ref() {
  local round=$1
  clean_ref
  step "tar cf + sha256sum" "$round" ref_pack
  cmp -s "$T/source.sha256" "$T/ref-pack.sha256" || die "round $round: sha256sum of the source changed between runs"
  step "tar xf + sha256sum" "$round" ref_unpack
  cmp -s "$T/source.sha256" "$T/ref-unpack.sha256" || die "round $round: tar xf extracted other bytes than the source's"
  clean_ref
}

# Odd rounds run OpsLake's steps first, even rounds the reference's, so neither side
# always follows the other's writes.
bench_steal_begin
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    run_opslake "$round"
    run_ref "$round"
  else
    run_ref "$round"
    run_opslake "$round"
  fi
done

STEAL_LINE=$(bench_steal_report)

# --- the table (and BENCH_JSON) ------------------------------------------------------------
RESULTS=$(printf '%s\n' "${RESULTS[@]}") ROUNDS=$ROUNDS \
BYTES=$BYTES FILES=$FILES PARTITIONS=$PARTITIONS ROWS=$PACK_ROWS SCALE=$SCALE FROM=$FROM TO=$TO TARGET=$TARGET \
CPU=$cpu CORES=$cores MEM=$mem FS=$fs OPSLAKE_VERSION=$opslake_version TAR_VERSION=$tar_version \
SHA_VERSION=$sha_version LOAD_AT_START=$load_at_start \
BENCH_JSON=${BENCH_JSON:-} python3 - <<'PY'
from bench_table import print_table, median_spread
import json, os

nbytes = int(os.environ["BYTES"])
target = float(os.environ["TARGET"])
rounds = int(os.environ["ROUNDS"])
runs = {}      # workload: its runs, in round order
position = {}  # round: steps run so far in it
for line in os.environ["RESULTS"].splitlines():
    name, rnd, t0, t1, la = line.split("|")
    rnd = int(rnd)
    position[rnd] = position.get(rnd, 0) + 1
    runs.setdefault(name, []).append({"round": rnd, "order_in_round": position[rnd],
                                      "seconds": float(t1) - float(t0), "load_average_before": float(la)})

PACK, UNPACK = "opslake ship pack", "opslake ship unpack"
RPACK, RUNPACK = "tar cf + sha256sum", "tar xf + sha256sum"
BOTH, RBOTH = "opslake pack + unpack", "tar + sha256sum, both ways"
# Both ways: within each round, the sum of its two steps.
for both, (a, b) in ((BOTH, (PACK, UNPACK)), (RBOTH, (RPACK, RUNPACK))):
    second = {r["round"]: r["seconds"] for r in runs[b]}
    runs[both] = [{"round": r["round"], "seconds": r["seconds"] + second[r["round"]]} for r in runs[a]]
for name, rs in runs.items():
    assert sorted(r["round"] for r in rs) == list(range(1, rounds + 1)), (name, rs)

# workload, its reference, target text, check on the ratio
plan = [
    (PACK, RPACK, "-", None),
    (UNPACK, RUNPACK, "-", None),
    (RPACK, None, "-", None),
    (RUNPACK, None, "-", None),
    (BOTH, RBOTH, f"≤ {target:g}× tar+sha256sum", lambda r: r <= target),
    (RBOTH, None, "-", None),
]
medians = {name: median_spread([r["seconds"] for r in rs])[0] for name, rs in runs.items()}
results = []
for name, ref, tgt, check in plan:
    median, (lo, hi) = median_spread([r["seconds"] for r in runs[name]])
    # ratio: the medians' ratio (the verdict's); beside it each round's own ratio, for the spread.
    ratio = None if ref is None else median / medians[ref]
    per_round = None
    if ref is not None:
        ref_by_round = {r["round"]: r["seconds"] for r in runs[ref]}
        per_round = [r["seconds"] / ref_by_round[r["round"]] for r in runs[name]]
    results.append({
        "workload": name, "bytes": nbytes, "runs": runs[name],
        "seconds": median, "seconds_min": lo, "seconds_max": hi, "mb_per_s": nbytes / median / 1e6,
        "reference": ref, "ratio": ratio, "ratio_per_round": per_round, "target": tgt,
        "result": None if check is None else ("PASS" if check(ratio) else "MISS"),
    })

head = ["workload", "median s", "min–max s", "MB/s", "reference", "ratio", "per round", "target", ""]
right = {1, 2, 3, 5}
table = []
for r in results:
    table.append([
        r["workload"], f"{r['seconds']:.2f}", f"{r['seconds_min']:.2f}–{r['seconds_max']:.2f}",
        f"{r['mb_per_s']:.1f}", r["reference"] or "-",
        "-" if r["ratio"] is None else f"{r['ratio']:.2f}×",
        "-" if r["ratio_per_round"] is None else " ".join(f"{x:.2f}" for x in r["ratio_per_round"]),
        r["target"], r["result"] or "",
    ])
print_table(head, table, right)
print()
print(f"{nbytes / 1e6:,.1f} MB of partition files ({os.environ['FILES']} files, {os.environ['PARTITIONS']} partitions), "
      f"{rounds} rounds (odd: opslake first; even: tar first). MB = 10^6 bytes.")
print("median s: the median of the rounds' wall clock around the step (both ways: of each round's two steps together); "
      "MB/s: partition bytes over it. ratio: the median seconds over the reference's; per round: the same ratio within each round.")
print("Checked in every round: opslake verify passes on the unpacked lake, and its files and tar xf's are "
      "byte-identical to the source.")
print("Each round (seconds, and the load average (1 min) before the step):")
for r in results:
    print(f"  {r['workload']}: " + ", ".join(
        f"round {x['round']} {x['seconds']:.2f} s" + (f" load {x['load_average_before']:.2f}" if "load_average_before" in x else "")
        for x in sorted(r["runs"], key=lambda x: x["round"])))

path = os.environ.get("BENCH_JSON")
if path:
    doc = {
        "machine": {"cores": int(os.environ["CORES"]), "cpu": os.environ["CPU"], "memory": os.environ["MEM"],
                    "filesystem": os.environ["FS"], "load_average_at_start": os.environ["LOAD_AT_START"]},
        "opslake": {"version": os.environ["OPSLAKE_VERSION"]},
        "reference": {"tar": os.environ["TAR_VERSION"], "sha256sum": os.environ["SHA_VERSION"]},
        "data": {"from": os.environ["FROM"], "to": os.environ["TO"], "scale": float(os.environ["SCALE"]),
                 "partitions": int(os.environ["PARTITIONS"]), "files": int(os.environ["FILES"]),
                 "rows": int(os.environ["ROWS"]), "bytes": nbytes},
        "rounds": rounds,
        "results": results,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"figures written to {path}")
PY
echo "$STEAL_LINE"
