#!/usr/bin/env bash
# Before and after: the generation and load benchmarks run with two opslake binaries,
# a release of an earlier commit ("before") and this one ("after"), in interleaved
# rounds, and one table of each workload's median rows/s on both sides and their ratio.
# A change that must not cost speed (a new lake format, a refactoring) is judged by it:
# the target is that every workload keeps at least 95% of its speed before.
#
# Usage: scripts/bench-versus.sh BEFORE [AFTER]
#   BEFORE   an opslake binary built from the earlier commit (swift build -c release)
#   AFTER    the binary measured against it (default .build/release/opslake)
#
# Environment:
#   BENCH_VERSUS_ROUNDS  rounds (default 3); each runs scripts/bench-generate.sh and
#                        scripts/bench-load.sh once per side (BENCH_ROUNDS=1), the sides
#                        in another order in every other round
#   BENCH_VERSUS_ONLY    generate or load: only that benchmark (default both)
#   BENCH_JSON           also write the figures as JSON to this file
# The benchmarks' own settings (BENCH_DAYS, BENCH_PY_ROWS, TMPDIR, ...) pass through.
set -euo pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
NAME=bench-versus
# The binaries as the caller named them, before the cd to the repository below.
ARG_BEFORE=${1:+$(realpath -m -- "$1")}
ARG_AFTER=${2:+$(realpath -m -- "$2")}
# shellcheck source=scripts/bench-common.sh
source "$(dirname "$SELF")/bench-common.sh"
cd "$ROOT"

case ${1:-} in
  -h|--help) bench_arguments --help ;;
  "") echo "$NAME: the BEFORE binary is missing (see --help)" >&2; exit 2 ;;
esac
BEFORE=$ARG_BEFORE
AFTER=${ARG_AFTER:-$ROOT/.build/release/opslake}
(($# <= 2)) || die "too many arguments (see --help)"
[[ -x $BEFORE ]] || die "BEFORE=$BEFORE is not an executable file"
[[ -x $AFTER ]] || die "AFTER=$AFTER is not an executable file (swift build -c release)"
ROUNDS=${BENCH_VERSUS_ROUNDS:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_VERSUS_ROUNDS must be a positive integer (got $ROUNDS)"
case ${BENCH_VERSUS_ONLY:-} in
  "") BENCHES=(generate load) ;;
  generate|load) BENCHES=("$BENCH_VERSUS_ONLY") ;;
  *) die "BENCH_VERSUS_ONLY must be generate or load (got $BENCH_VERSUS_ONLY)" ;;
esac

T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-bench-versus.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Copies, so that a rebuild during the run changes neither side.
cp "$BEFORE" "$T/before"
cp "$AFTER" "$T/after"

before_version=$("$T/before" --version) || die "$BEFORE --version failed"
after_version=$("$T/after" --version) || die "$AFTER --version failed"
echo "bench versus"
echo "  before:  $before_version ($BEFORE)"
echo "  after:   $after_version ($AFTER)"
echo "  rounds:  $ROUNDS, each benchmark once per side per round"
echo

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then sides=(before after); else sides=(after before); fi
  for bench in "${BENCHES[@]}"; do
    for side in "${sides[@]}"; do
      echo "$NAME: round $round: bench-$bench with the $side binary ..." >&2
      log=$T/$bench-$side-$round.log
      # Every side's lakes stay until this script ends: on ext4 without a journal a
      # new inode is searched for past each inode freed in the last minutes, so a side
      # run after the other's lakes were deleted would pay for that deletion.
      mkdir -p "$T/tmp-$bench-$side-$round"
      BENCH_KEEP_TMP=1 TMPDIR=$T/tmp-$bench-$side-$round \
        BENCH_ROUNDS=1 BENCH_JSON=$T/$bench-$side-$round.json OPSLAKE=$T/$side \
        "$ROOT/scripts/bench-$bench.sh" >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "bench-$bench failed with the $side binary"; }
    done
  done
done

FIGURES=$T ROUNDS=$ROUNDS BENCHES="${BENCHES[*]}" BENCH_JSON=${BENCH_JSON:-} python3 - <<'PY'
from bench_table import print_table, median_spread
import json, os

folder, rounds = os.environ["FIGURES"], int(os.environ["ROUNDS"])
rates = {}  # (bench, workload) -> side -> [rows/s per round]
for bench in os.environ["BENCHES"].split():
    for side in ("before", "after"):
        for rnd in range(1, rounds + 1):
            with open(f"{folder}/{bench}-{side}-{rnd}.json", encoding="utf-8") as f:
                doc = json.load(f)
            for r in doc["results"]:
                rates.setdefault((bench, r["workload"]), {}).setdefault(side, []).append(r["rows_per_s"])

results = []
for (bench, workload), sides in rates.items():
    before, (blo, bhi) = median_spread(sides["before"])
    after, (alo, ahi) = median_spread(sides["after"])
    # The references (Faker, psql) run in both sides' rounds: they show whether the
    # machine's speed moved, and carry no target.
    reference = workload.startswith(("python reference", "psql"))
    ratio = after / before
    # The two sides of a round ran back to back, so a round's own ratio is free of the
    # machine's drift between rounds (the 2-core machine's speed moves by more than 5%).
    paired = [a / b for a, b in zip(sides["after"], sides["before"])]
    results.append({
        "benchmark": bench, "workload": workload,
        "before_rows_per_s": sides["before"], "after_rows_per_s": sides["after"],
        "before_median": before, "after_median": after, "ratio": ratio,
        "paired_ratios": paired, "paired_median": median_spread(paired)[0],
        "target": "-" if reference else "≥ 95% of before",
        "result": None if reference else ("PASS" if ratio >= 0.95 else "MISS"),
    })

head = ["benchmark", "workload", "before rows/s", "min–max", "after rows/s", "min–max", "after/before", "per round", "target", ""]
table = [[r["benchmark"], r["workload"],
          f"{r['before_median']:,.0f}", f"{min(r['before_rows_per_s']):,.0f}–{max(r['before_rows_per_s']):,.0f}",
          f"{r['after_median']:,.0f}", f"{min(r['after_rows_per_s']):,.0f}–{max(r['after_rows_per_s']):,.0f}",
          f"{r['ratio']:.3f}", " ".join(f"{x:.2f}" for x in r["paired_ratios"]), r["target"], r["result"] or ""] for r in results]
print_table(head, table, {2, 3, 4, 5, 6})
print()
print(f"{rounds} rounds; rows/s: each side's median over the rounds, min–max its spread; "
      "after/before: the ratio of the medians, which the target judges; per round: each round's after/before, "
      "its two sides run back to back. The references run beside both sides and carry no target.")

path = os.environ.get("BENCH_JSON")
if path:
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"rounds": rounds, "results": results}, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"figures written to {path}")
PY
