#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server:
#   scripts/with-postgres.sh [--tcp] CMD ARGS...
# The server and its data live in a temporary folder that is always removed
# afterwards; the exit code is CMD's. CMD sees PGHOST, PGPORT, PGUSER=postgres,
# PGDATABASE=opslake_test and OPSLAKE_TEST_POSTGRES=1. Roles log in without a
# password, except opslake_password_test (for tests of a refused password).
# By default the server listens on a unix socket only and PGHOST is the socket
# folder; with --tcp it also listens on 127.0.0.1 and PGHOST is 127.0.0.1.
set -euo pipefail

tcp=0
while [[ $# -gt 0 && $1 == -* ]]; do
  case $1 in
    --tcp) tcp=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "with-postgres: unknown option: $1" >&2; exit 2 ;;
  esac
done
[[ $# -gt 0 ]] || { echo "usage: scripts/with-postgres.sh [--tcp] CMD ARGS..." >&2; exit 2; }

die() { echo "with-postgres: $*" >&2; exit 1; }

# Server binaries: pg_config's bindir when it holds initdb (Debian's libpq-dev
# pg_config points at the server's), else the newest /usr/lib/postgresql/N/bin.
BIN=
if command -v pg_config >/dev/null 2>&1 && [[ -x $(pg_config --bindir)/initdb ]]; then
  BIN=$(pg_config --bindir)
else
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
    [[ -x $d/initdb ]] && BIN=$d
  done
fi
[[ -n $BIN ]] || die "no PostgreSQL server found (install the postgresql package)"

# PostgreSQL refuses to run as root: then the server runs as user postgres.
root=0
[[ $(id -u) -eq 0 ]] && root=1
if ((root)); then
  id postgres >/dev/null 2>&1 || die "user postgres is missing (install the postgresql package)"
  as_pg() { (cd / && runuser -u postgres -- "$@"); }
else
  as_pg() { "$@"; }
fi

# The temp folder doubles as the socket folder, so the server user must reach
# it, and its path must be short (a socket path is limited to 107 bytes).
base=${TMPDIR:-/tmp}
if ((${#base} > 60)) || { ((root)) && ! runuser -u postgres -- test -x "$base"; }; then
  base=/tmp
fi
DIR=$(mktemp -d "$base/opslake-pg.XXXXXX")

# shellcheck disable=SC2317  # run from the EXIT trap
cleanup() {
  set +e
  if [[ -n ${pg_pid-} ]]; then
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1
    wait "$pg_pid" 2>/dev/null
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "with-postgres: $*; last lines of the server log:" >&2
  tail -n 20 "$DIR/server.log" >&2 2>/dev/null
  exit 1
}

chmod 755 "$DIR"
if ((root)); then chown postgres: "$DIR"; fi

locale_opt=(--no-locale)
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_opt=(--locale=C.UTF-8); fi
as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres --encoding=UTF8 "${locale_opt[@]}" \
  >"$DIR/initdb.log" 2>&1 || { tail -n 20 "$DIR/initdb.log" >&2; die "initdb failed"; }

# Every role logs in without a password (trust), except opslake_password_test:
# tests that create it check how a refused password is reported.
hba=$DIR/data/pg_hba.conf
{ printf 'local all opslake_password_test scram-sha-256\nhost all opslake_password_test 127.0.0.1/32 scram-sha-256\n'
  cat "$hba"; } >"$hba.new" && mv "$hba.new" "$hba"
if ((root)); then chown postgres: "$hba"; fi

# A free port from 54329 up (nothing answers on it on 127.0.0.1).
port=54329
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
  ((port < 54500)) || die "no free port in 54329-54499"
done

listen=
if ((tcp)); then listen=127.0.0.1; fi
# Settings go into the config file rather than on the command line: no quoting
# trouble with paths. Durability is off: the data is thrown away anyway.
cat >>"$DIR/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '$listen'
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 256MB
CONF

# The server runs as a child of this script (not daemonised by pg_ctl), so the
# script notices if it dies at start and reaps it when it stops.
SECONDS=0
as_pg "$BIN/postgres" -D "$DIR/data" >"$DIR/server.log" 2>&1 &
pg_pid=$!
until "$BIN/pg_isready" -q -h "$DIR" -p "$port"; do
  kill -0 "$pg_pid" 2>/dev/null || fail "server exited at start"
  ((SECONDS < 30)) || fail "server not ready after 30 s"
  sleep 0.2
done
"$BIN/createdb" -h "$DIR" -p "$port" -U postgres opslake_test || fail "createdb opslake_test failed"

unset PGHOSTADDR PGSERVICE PGPASSWORD PGPASSFILE PGOPTIONS
export PGHOST=$DIR PGPORT=$port PGUSER=postgres PGDATABASE=opslake_test OPSLAKE_TEST_POSTGRES=1
if ((tcp)); then PGHOST=127.0.0.1; fi

set +e
"$@"
rc=$?
set -e
exit "$rc"
