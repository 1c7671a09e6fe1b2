#!/usr/bin/env bash
# Byte-identical output check between two opslake binaries:
#   scripts/compare-output.sh OLD_BINARY NEW_BINARY [FROM TO]
# Each makes a lake (seed 1, scale 1) and generates FROM..TO (default the year 2025);
# then the SHA-256 of every data file is compared. Exit 0 when all are identical.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,5s/^# \{0,1\}//p' "$0" >&2; exit 2; }
OLD=$1 NEW=$2 FROM=${3:-2025-01-01} TO=${4:-2025-12-31}
T=$(mktemp -d "${TMPDIR:-/tmp}/opslake-compare.XXXXXX")
trap 'rm -rf "$T"' EXIT
for side in old new; do
  bin=$OLD; [[ $side == new ]] && bin=$NEW
  "$bin" init --lake "$T/$side" --opened "$FROM" --seed 1 >/dev/null
  "$bin" generate --lake "$T/$side" --from "$FROM" --to "$TO" --jobs 2 >/dev/null
  # Paths are compared without the format folder, so a format-1 binary (both formats
  # in one dt= folder) compares with a format-2 one (<table>/<format>/dt=…).
  (cd "$T/$side" && find . -path ./_staging -prune -o -name '*.zst' -print | xargs sha256sum |
    sed -E 's#/(csv|ndjson)/dt=#/dt=#' | sort -k2) >"$T/$side.sums"
done
if diff -q "$T/old.sums" "$T/new.sums" >/dev/null; then
  echo "identical: $(wc -l <"$T/new.sums") files, $FROM..$TO"
else
  diff "$T/old.sums" "$T/new.sums" | head -20
  echo "compare-output: the binaries write different bytes" >&2
  exit 1
fi
