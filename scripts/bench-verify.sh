#!/usr/bin/env bash
# Verify benchmark: `opslake verify` (every file hashed, decompressed and its rows
# counted) beside `sha256sum` of every partition file plus `zstd -dc … | wc -l` over
# the same files, and `opslake verify --quick` (sizes and SHA-256) beside `sha256sum`
# alone. See bench/README.md. Prints machine facts, then one table.
#
# Environment:
#   BENCH_DAYS    days generated from 2025-01-01, every dataset, scale 1 (default 90:
#                 about 92 MB in 1,100 files; 365 gives the year)
#   BENCH_ROUNDS  rounds of the four workloads (default 3); the order alternates each
#                 round, and the table gives each workload's median and spread
#   BENCH_JSON    also write the figures as JSON to this file
#   OPSLAKE       the opslake binary (default .build/release/opslake, built when missing)
#   TMPDIR        where the temporary lake goes (default /tmp)
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-verify
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"

bench_arguments "$@"

DAYS=${BENCH_DAYS:-90}
ROUNDS=${BENCH_ROUNDS:-3}
FROM=2025-01-01
TARGET=1.5
for n in "$DAYS" "$ROUNDS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench-verify: BENCH_DAYS and BENCH_ROUNDS must be positive integers (got $n)" >&2; exit 2; }
done
TO=$(date -u -d "$FROM + $((DAYS - 1)) days" +%F)

for tool in zstd sha256sum python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
bench_ensure_opslake

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-verify.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bench_copy_opslake "$T"

# --- the lake (not measured) -----------------------------------------------------------
LAKE=$T/lake
echo "bench-verify: generating every dataset for $FROM..$TO ..." >&2
"$OPSLAKE" init --lake "$LAKE" --opened "$FROM" --seed 1 >/dev/null
last_line "$OPSLAKE" generate --lake "$LAKE" --from "$FROM" --to "$TO" --jobs 2 --json >/dev/null
# The partition files, in a format-2 lake (<schema>/<table>/<format>/dt=…) or one an
# older release made (<schema>/<table>/dt=…); _staging and _quarantine hold none.
(cd "$LAKE" && find . -mindepth 4 -maxdepth 5 -type f -path './*/dt=*/*.zst' -not -path './_*' | LC_ALL=C sort | tr '\n' '\0') >"$T/files0"
FILES=$(tr -cd '\0' <"$T/files0" | wc -c)
BYTES=$(cd "$LAKE" && xargs -0 stat -c %s -- <"$T/files0" | awk '{ s += $1 } END { printf "%d\n", s }')
verify_json=$("$OPSLAKE" verify --lake "$LAKE" --json) || die "opslake verify fails on the generated lake"
read -r cat_files cat_bytes < <(printf '%s' "$verify_json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["faults"] == [], r["faults"]
print(r["files"], r["bytes"])')
((FILES == cat_files && BYTES == cat_bytes)) ||
  die "the dt= folders hold $FILES files ($BYTES bytes), the catalogue $cat_files ($cat_bytes bytes)"
# Lines the files decompress to: what the reference's `wc -l` must print every time.
LINES=$(cd "$LAKE" && xargs -0 zstd -qdc -- <"$T/files0" | wc -l)
RAW=$(cd "$LAKE" && xargs -0 zstd -qdc -- <"$T/files0" | wc -c)
# Warm the page cache: every measured run reads files that are in memory.
(cd "$LAKE" && xargs -0 cat -- <"$T/files0" >/dev/null)

# --- machine facts -----------------------------------------------------------------------
bench_machine
echo "bench verify"
echo "  cores:    $cores"
echo "  cpu:      $cpu"
echo "  opslake:  $opslake_version ($OPSLAKE_PATH)"
echo "  tools:    $(sha256sum --version | awk 'NR == 1'), $(zstd --version)"
echo "  data:     every dataset, $FROM..$TO ($DAYS days), $FILES files, $BYTES bytes stored, $RAW bytes decompressed"
echo

# --- the measured runs -------------------------------------------------------------------
now() { echo "$EPOCHREALTIME"; }
RESULTS=()   # name|round|seconds

# Runs a workload, timed; $1 is its name, $2 its round, the rest the command.
timed() {
  local name=$1 round=$2 t0 t1
  shift 2
  echo "bench-verify: round $round: $name ..." >&2
  t0=$(now)
  "$@"
  t1=$(now)
  RESULTS+=("$name|$round|$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$t1")")
}

full_verify() { "$OPSLAKE" verify --lake "$LAKE" >/dev/null || die "opslake verify failed"; }
quick_verify() { "$OPSLAKE" verify --lake "$LAKE" --quick >/dev/null || die "opslake verify --quick failed"; }
hash_all() { (cd "$LAKE" && xargs -0 sha256sum -- <"$T/files0" >/dev/null) || die "sha256sum failed"; }
reference_full() {
  hash_all
  local lines
  lines=$(cd "$LAKE" && xargs -0 zstd -qdc -- <"$T/files0" | wc -l)
  ((lines == LINES)) || die "zstd -dc | wc -l counted $lines lines, first $LINES"
}

FULL="opslake verify"
QUICK="opslake verify --quick"
REF_FULL="sha256sum + zstd -dc | wc -l"
REF_QUICK="sha256sum"
bench_steal_begin
for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    timed "$FULL" "$round" full_verify
    timed "$REF_FULL" "$round" reference_full
    timed "$QUICK" "$round" quick_verify
    timed "$REF_QUICK" "$round" hash_all
  else
    timed "$REF_FULL" "$round" reference_full
    timed "$FULL" "$round" full_verify
    timed "$REF_QUICK" "$round" hash_all
    timed "$QUICK" "$round" quick_verify
  fi
done

STEAL_LINE=$(bench_steal_report)

# --- the table (and BENCH_JSON) ------------------------------------------------------------
RESULTS=$(printf '%s\n' "${RESULTS[@]}") FILES=$FILES BYTES=$BYTES RAW=$RAW DAYS=$DAYS \
CPU=$cpu CORES=$cores OPSLAKE_VERSION=$opslake_version TARGET=$TARGET \
FULL=$FULL QUICK=$QUICK REF_FULL=$REF_FULL REF_QUICK=$REF_QUICK \
BENCH_JSON=${BENCH_JSON:-} python3 - <<'PY'
from bench_table import print_table, median_spread
import json, os

files, nbytes, raw = int(os.environ["FILES"]), int(os.environ["BYTES"]), int(os.environ["RAW"])
target = float(os.environ["TARGET"])
runs = {}
for line in os.environ["RESULTS"].splitlines():
    name, rnd, secs = line.rsplit("|", 2)
    runs.setdefault(name, {})[int(rnd)] = float(secs)

FULL, QUICK, REF_FULL, REF_QUICK = (os.environ[k] for k in ("FULL", "QUICK", "REF_FULL", "REF_QUICK"))
pairs = {FULL: REF_FULL, QUICK: REF_QUICK}
results = []
for name in [FULL, REF_FULL, QUICK, REF_QUICK]:
    secs = runs[name]
    median, (lo, hi) = median_spread(list(secs.values()))
    r = {"workload": name, "runs": [secs[k] for k in sorted(secs)], "seconds": median, "seconds_min": lo, "seconds_max": hi,
         "files_per_s": files / median, "mb_per_s_stored": nbytes / median / 1e6, "mb_per_s_raw": raw / median / 1e6,
         "vs_reference": None, "vs_reference_per_round": None, "target": "-", "result": None}
    if name in pairs:
        ref = runs[pairs[name]]
        ref_median, _ = median_spread(list(ref.values()))
        r["vs_reference"] = median / ref_median
        r["vs_reference_per_round"] = [secs[k] / ref[k] for k in sorted(secs)]
        if name == FULL:
            r["target"] = f"≤ {target:g}× the reference's time"
            r["result"] = "PASS" if r["vs_reference"] <= target else "MISS"
    results.append(r)

head = ["workload", "median s", "min–max s", "files/s", "MB/s stored", "MB/s raw", "time vs reference", "per round", "target", ""]
right = {1, 2, 3, 4, 5, 6}
table = []
for r in results:
    table.append([
        r["workload"], f"{r['seconds']:.2f}", f"{r['seconds_min']:.2f}–{r['seconds_max']:.2f}", f"{r['files_per_s']:,.0f}",
        f"{r['mb_per_s_stored']:.1f}", f"{r['mb_per_s_raw']:.1f}",
        "-" if r["vs_reference"] is None else f"{r['vs_reference']:.2f}×",
        "-" if r["vs_reference_per_round"] is None else " ".join(f"{x:.2f}" for x in r["vs_reference_per_round"]),
        r["target"], r["result"] or "",
    ])
print_table(head, table, right)
print()
print(f"{files:,} files, {nbytes / 1e6:.1f} MB stored, {raw / 1e6:.1f} MB decompressed ({os.environ['DAYS']} days); "
      f"{len(runs[FULL])} rounds, page cache warm. MB = 10^6 bytes.")
print(f"time vs reference: the median seconds over the reference's median ({FULL} against {REF_FULL}, "
      f"{QUICK} against {REF_QUICK}); per round: the same ratio within each round. Lower is faster.")
for r in results:
    print(f"  {r['workload']}: " + ", ".join(f"{s:.2f} s" for s in r["runs"]))

path = os.environ.get("BENCH_JSON")
if path:
    doc = {"machine": {"cores": int(os.environ["CORES"]), "cpu": os.environ["CPU"]},
           "opslake": {"version": os.environ["OPSLAKE_VERSION"]},
           "data": {"days": int(os.environ["DAYS"]), "files": files, "bytes": nbytes, "raw_bytes": raw},
           "results": results}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"figures written to {path}")
PY
echo "$STEAL_LINE"
