#!/usr/bin/env bash
# The billiards half of `make demo`: starts the simulated venue's API on loopback
# (a free port, a throw-away token), pulls its last days into the lake's ODS over
# HTTP, and stops the server. Usage: scripts/demo-billiards.sh [OPSLAKE] [LAKE]
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
"$OPSLAKE" billiards serve --port 0 --token-file "$work/token" > "$work/server.out" &
server=$!
# The server prints one line once it listens: "billiards API listening on http://127.0.0.1:PORT (...)".
for _ in $(seq 300); do
  line=$(head -n 1 "$work/server.out")
  [[ -n $line ]] && break
  kill -0 "$server" 2>/dev/null || { echo "demo: the billiards API did not start" >&2; exit 69; }
  sleep 0.1
done
[[ -n $line ]] || { echo "demo: the billiards API did not start within 30 s" >&2; exit 69; }
url=$(sed -E 's/^billiards API listening on (http:[^ ]+).*/\1/' <<< "$line")
echo "$line"
"$OPSLAKE" billiards pull --lake "$LAKE" --api-url "$url" --token-file "$work/token"
