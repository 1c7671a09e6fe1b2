# Shared by scripts/bench-*.sh; sourced, not run. The sourcing script sets NAME
# (its name in messages) and SELF (its own path) first. Defines ROOT, OPSLAKE, die
# and the steps every benchmark takes: arguments, the binary, the machine facts.

ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
OPSLAKE=${OPSLAKE:-$ROOT/.build/release/opslake}
# The tables are printed by scripts/bench_table.py.
export PYTHONPATH=$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}

die() { echo "$NAME: $*" >&2; exit 1; }

# --help prints the script's header comment; settings are environment variables only.
bench_arguments() {
  case ${1:-} in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SELF"; exit 0 ;;
    "") ;;
    *) echo "$NAME: unknown argument: $1 (settings are environment variables; see --help)" >&2; exit 2 ;;
  esac
}

# Builds .build/release/opslake when it is missing; any other OPSLAKE must exist.
bench_ensure_opslake() {
  [[ -x $OPSLAKE ]] && return
  [[ $OPSLAKE == "$ROOT/.build/release/opslake" ]] || die "OPSLAKE=$OPSLAKE is not an executable file"
  if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH=/opt/swift/usr/bin:$PATH
  fi
  echo "$NAME: $OPSLAKE is missing; building it (swift build -c release)" >&2
  (cd "$ROOT" && swift build -c release >&2)
}

# Sets cpu, cores and opslake_version.
bench_machine() {
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
  [[ -n $cpu ]] || cpu=unknown
  cores=$(nproc)
  opslake_version=$("$OPSLAKE" --version)
}

# Measures a copy of the binary, in folder $1: a rebuild during the run then neither
# breaks nor changes it. OPSLAKE_PATH keeps the original's path, for the report.
bench_copy_opslake() {
  cp "$OPSLAKE" "$1/opslake"
  OPSLAKE_PATH=$OPSLAKE
  OPSLAKE=$1/opslake
}

# Prints the last line of stdout of a command, which must succeed.
last_line() {
  local out
  out=$("$@") || die "failed: $*"
  printf '%s\n' "$out" | tail -n1
}

# Reads one field of a JSON object: json_field JSON KEY
json_field() {
  python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2" 2>/dev/null ||
    die "expected JSON with \"$2\", got: $1"
}
