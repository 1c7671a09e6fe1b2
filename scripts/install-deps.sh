#!/usr/bin/env bash
# Install what OpsLake needs to build and test. Safe to run again: it only
# installs what is missing.
#   scripts/install-deps.sh            Debian packages, check for swift
#   scripts/install-deps.sh --python   also the virtual environment .venv, Java for
#                                      pyspark when no Java 17+ is installed, and
#                                      promtool in .tools/
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQ=$ROOT/scripts/requirements-interop.txt
VENV=$ROOT/.venv

with_python=0
for arg in "$@"; do
  case $arg in
    --python) with_python=1 ;;
    -h|--help) sed -n '2,6s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown option: $arg" >&2; exit 2 ;;
  esac
done

# --- Debian packages -------------------------------------------------------
# pkg-config: SwiftPM reads the C libraries' flags with it (libpq's headers
# are in /usr/include/postgresql).
# e2fsprogs and mount: the full-disk tests write lakes to a small ext4 image of their own.
packages=(pkg-config libzstd-dev libsqlite3-dev libpq-dev libssl-dev libcurl4-openssl-dev zstd postgresql sqlite3 e2fsprogs mount)
# python3-venv only when `python3 -m venv` cannot work (Debian's own python
# ships venv/ensurepip separately; other builds such as pyenv's have them).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
# The report test renders `opslake report` in headless Chromium, whose CJK labels need
# a CJK font: only with --python, as the other interop tools.
if ((with_python)); then
  packages+=(chromium fonts-noto-cjk)
fi
# Java for pyspark (the Spark interop test), only with --python and only when no
# Java 17 or later runs: Debian's default JRE is 17 on bookworm, 21 on trixie.
if ((with_python)); then
  java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1 || true)
  if [[ -z $java_major ]] || ((java_major < 17)); then
    packages+=(default-jre-headless)
  fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present" >&2
fi

# --- Swift -------------------------------------------------------------------
if ! command -v swift >/dev/null 2>&1; then
  if [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "install-deps: swift is not on PATH; add it: export PATH=/opt/swift/usr/bin:\$PATH" >&2
  else
    echo "install-deps: swift not found (looked on PATH and in /opt/swift/usr/bin)" >&2
    exit 1
  fi
fi

# --- promtool ---------------------------------------------------------------
# The metrics test checks `opslake metrics` with Prometheus's own promtool. It is
# taken out of Debian's prometheus package into .tools/ rather than installed: the
# package would also set up and start a Prometheus server.
if ((with_python)) && [[ ! -x $ROOT/.tools/promtool ]]; then
  echo "install-deps: extracting promtool from Debian's prometheus package into .tools/" >&2
  work=$(mktemp -d)
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  if (cd "$work" && apt-get download prometheus >/dev/null 2>&1) \
     || { "${sudo[@]}" apt-get update -qq && (cd "$work" && apt-get download prometheus >/dev/null); }; then
    dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
    install -D -m 0755 "$work/x/usr/bin/promtool" "$ROOT/.tools/promtool"
  else
    echo "install-deps: could not download Debian's prometheus package; the metrics test runs without promtool (in CI it fails)" >&2
  fi
  rm -rf "$work"
fi

# --- Python virtual environment ---------------------------------------------
if ((with_python)); then
  sum=$(sha256sum "$REQ" | cut -d' ' -f1)
  if [[ -f $VENV/.stamp && $(<"$VENV/.stamp") == "$sum" ]] && "$VENV/bin/python" -c '' 2>/dev/null; then
    echo "install-deps: .venv up to date" >&2
  else
    echo "install-deps: setting up .venv from ${REQ#"$ROOT"/}" >&2
    rm -f "$VENV/.stamp"
    # A venv whose interpreter no longer runs is rebuilt from scratch.
    if [[ -e $VENV ]] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
      python3 -m venv --clear "$VENV"
    else
      python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    echo "$sum" >"$VENV/.stamp"
  fi
fi
