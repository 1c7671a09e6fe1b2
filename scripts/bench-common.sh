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

# CPU time stolen by the hypervisor while the benchmark ran: on a shared virtual
# machine the same run can take twice as long when neighbours are busy, and this says
# when that happened. bench_steal_begin before the measured runs; bench_steal_report
# after them prints one line (stolen ticks over all ticks, from /proc/stat).
bench_steal_begin() { STEAL_BEGIN=$(awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat); }
bench_steal_report() {
  local now
  now=$(awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat)
  awk -v a="$STEAL_BEGIN" -v b="$now" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    total = y[2] - x[2]
    share = total > 0 ? 100 * (y[1] - x[1]) / total : 0
    printf "cpu steal during the measured runs: %.1f%% of all CPU time (time the hypervisor gave to other guests)\n", share
  }'
}

# The benchmarks' Python (.venv-bench), with MODULE importable: when it is not, installs
# the first line of requirements file REQ that starts with SPEC. Sets VENV and PY.
bench_python_with() {
  local module=$1 spec=$2 req=$3
  VENV=$ROOT/.venv-bench
  PY=$VENV/bin/python
  "$PY" -c "import $module" 2>/dev/null && return
  echo "$NAME: installing $module into .venv-bench" >&2
  [[ -x $PY ]] || python3 -m venv "$VENV" || die "python3 cannot create a virtual environment; run scripts/install-deps.sh"
  "$PY" -m pip install --quiet --disable-pip-version-check "$(grep -m1 "^$spec" "$req")"
}
