#!/usr/bin/env bash
# The billiards half of `make demo`: starts the simulated venue's API on loopback
# (a free port, a throw-away token), pulls its last days into the lake's ODS over
# HTTP, stops the server, and builds the DWD from the ODS with its quality checks.
# Usage: scripts/demo-billiards.sh [OPSLAKE] [LAKE]
set -euo pipefail

OPSLAKE=${1:-./.build/release/opslake}
LAKE=${2:-lake}
work=$(mktemp -d)
server=
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"
# The venue opened 30 days ago; the pull reaches back billiards.history_days (7). The
# members, tables and goods of the weeks before come in each master-data task's first
# window (everything changed before its first day), so every fact's reference resolves.
opened=$(TZ=Asia/Shanghai date -d "-30 days" +%F)
"$OPSLAKE" billiards serve --port 0 --token-file "$work/token" --opened "$opened" > "$work/server.out" &
server=$!
# The server prints one line once it listens:
# "billiards API listening on http://127.0.0.1:PORT (stores ID,ID,ID; seed 1, opened DAY)".
for _ in $(seq 300); do
  line=$(head -n 1 "$work/server.out")
  [[ -n $line ]] && break
  kill -0 "$server" 2>/dev/null || { echo "demo: the billiards API did not start" >&2; exit 69; }
  sleep 0.1
done
[[ -n $line ]] || { echo "demo: the billiards API did not start within 30 s" >&2; exit 69; }
url=$(sed -E 's/^billiards API listening on (http:[^ ]+).*/\1/' <<< "$line")
stores=$(sed -E 's/.*\(stores ([0-9,]+);.*/\1/' <<< "$line")
echo "$line"
"$OPSLAKE" billiards pull --lake "$LAKE" --api-url "$url" --token-file "$work/token" --stores "$stores"
# ODS -> DWD, then the quality checks (printed, and recorded with the run).
"$OPSLAKE" billiards dwd --lake "$LAKE"
