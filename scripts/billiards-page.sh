#!/usr/bin/env bash
# Pages one endpoint of the billiards upstream API with curl, one response body per
# page into OUT-DIR (page-1.json, page-2.json, ...), as docs/billiards-api.md shows.
#   scripts/billiards-page.sh BASE-URL TOKEN-FILE PATH SITE-ID START END OUT-DIR [PAGE-SIZE]
# e.g. scripts/billiards-page.sh http://127.0.0.1:8080 token.txt /PayLog/GetPayLogListPage \
#        1001204540000001 "2026-03-01 08:00:00" "2026-03-02 08:00:00" pages 100
set -euo pipefail
base=$1 token_file=$2 path=$3 site=$4 start=$5 end=$6 out=$7 size=${8:-200}
mkdir -p "$out"
page=1
while :; do
  # The token goes in a header read from a file, so it never shows in `ps`.
  curl -sS --fail-with-body --max-time 30 -G "$base$path" \
    -H @<(printf 'Authorization: Bearer %s\n' "$(head -n 1 "$token_file")") \
    --data-urlencode "siteId=$site" --data-urlencode "startTime=$start" --data-urlencode "endTime=$end" \
    --data-urlencode "page=$page" --data-urlencode "pageSize=$size" -o "$out/page-$page.json"
  # "total" is in the envelope (lists at `data`) or in `data` (lists at `data.<key>`).
  total=$(grep -o '"total":[0-9]*' "$out/page-$page.json" | head -n 1 | cut -d: -f2)
  (( page * size < total )) || break
  page=$((page + 1))
done
echo "$total records in $page pages"
