#!/usr/bin/env bash
# Install opslake and its systemd timers: the scheduled pet-shop generator, the
# hourly billiards pull and the PostgreSQL sync job. Run as root from the checkout, after `swift build -c release`:
#   sudo scripts/install-service.sh
# Safe to run again: it replaces the binary (schemas are built in) and units, and keeps an
# existing /etc/opslake/opslake.toml, /etc/opslake/dsn and lake. It does not enable the timers.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILT=$ROOT/.build/release/opslake
BIN=/usr/local/bin/opslake
SHARE=/usr/local/share/opslake
SCHEMAS=$SHARE/schemas
CONF_DIR=/etc/opslake
CONF=$CONF_DIR/opslake.toml
DSN=$CONF_DIR/dsn
PGPASS=$CONF_DIR/pgpass
UNIT_DIR=/etc/systemd/system
STATE=/var/lib/opslake
LAKE=$STATE/lake
ACCOUNT=opslake
UNITS=(opslake-petshop-daily.service opslake-petshop-daily.timer
       opslake-petshop-weekly.service opslake-petshop-weekly.timer
       opslake-load.service opslake-load.timer
       opslake-billiards-pull.service opslake-billiards-pull.timer
       opslake-billiards-dwd.service opslake-billiards-dwd.timer)
TIMERS=(opslake-petshop-daily.timer opslake-petshop-weekly.timer)
PULL_TIMER=opslake-billiards-pull.timer
DWD_TIMER=opslake-billiards-dwd.timer
TOKEN=$CONF_DIR/billiards-token
LOAD_TIMER=opslake-load.timer

for arg in "$@"; do
  case $arg in
    -h|--help) sed -n '2,6s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install-service: unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { printf 'install-service: %s\n' "$*"; }
die() { printf 'install-service: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo $0)"
[[ -x $BUILT ]] || die "no $BUILT; build it first: swift build -c release"

# --- system user and group ----------------------------------------------------
if getent group "$ACCOUNT" >/dev/null; then
  say "group $ACCOUNT exists"
else
  say "creating system group $ACCOUNT"
  groupadd -r "$ACCOUNT"
fi
if getent passwd "$ACCOUNT" >/dev/null; then
  say "user $ACCOUNT exists"
else
  say "creating system user $ACCOUNT (no home, no login shell)"
  useradd -r -M -d /nonexistent -s /usr/sbin/nologin -g "$ACCOUNT" -c "OpsLake generator" "$ACCOUNT"
fi

# --- binary ---------------------------------------------------------------------
# Copied beside the target and renamed over it, so a running opslake keeps its file.
if cmp -s "$BUILT" "$BIN"; then
  say "$BIN is up to date"
else
  say "installing $BIN"
  install -d -m 0755 "$(dirname "$BIN")"
  install -m 0755 "$BUILT" "$BIN.new"
  mv -f "$BIN.new" "$BIN"
fi

# --- shell completions and the man page ------------------------------------------
# Both made from the command tree by swift-argument-parser: the completions by the
# binary itself, the man page by its generate-manual plugin (`make man`).
install -d -m 0755 /usr/local/share/bash-completion/completions /usr/local/share/zsh/site-functions \
  /usr/local/share/fish/vendor_completions.d /usr/local/share/man/man1
"$BIN" --generate-completion-script bash > /usr/local/share/bash-completion/completions/opslake
"$BIN" --generate-completion-script zsh > /usr/local/share/zsh/site-functions/_opslake
"$BIN" --generate-completion-script fish > /usr/local/share/fish/vendor_completions.d/opslake.fish
say "installed bash, zsh and fish completions under /usr/local/share"
# Made (again when the binary is newer) by swift-argument-parser's plugin, as the user
# who called sudo so the checkout's .build stays theirs; without Swift, or when it fails,
# the install goes on without the page.
MAN=$ROOT/.build/man/opslake.1
SWIFT=$(command -v swift || true)
[[ -n $SWIFT || ! -x /opt/swift/usr/bin/swift ]] || SWIFT=/opt/swift/usr/bin/swift
if [[ ! -f $MAN || $BUILT -nt $MAN ]] && [[ -n $SWIFT ]]; then
  say "making the man page (about two minutes the first time)"
  as_user=()
  [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]] && as_user=(sudo -u "$SUDO_USER" -H)
  (cd "$ROOT" && "${as_user[@]}" "$SWIFT" package --allow-writing-to-directory .build/man \
      generate-manual --output-directory .build/man >/dev/null 2>&1) \
    || say "could not make the man page; run \`make man\` in $ROOT, then this script again"
fi
if [[ -f $MAN ]]; then
  install -m 0644 "$MAN" /usr/local/share/man/man1/opslake.1
  say "installed the man page (man opslake)"
else
  say "no man page: run \`make man\` in $ROOT, then this script again"
fi

# --- the report's font ------------------------------------------------------------
# `opslake report` draws its Traditional and Simplified Chinese labels with the
# system's Noto Sans CJK (Debian's fonts-noto-cjk); without it a browser may show boxes.
if dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed"; then
  say "fonts-noto-cjk is installed"
else
  say "installing fonts-noto-cjk (the report's Chinese labels)"
  apt-get install -y -qq fonts-noto-cjk >/dev/null || say "could not install fonts-noto-cjk: install it before viewing reports"
fi

# --- schemas --------------------------------------------------------------------
# The table schemas are compiled into the binary; a folder an earlier install
# left beside it would only mislead.
if [[ -d $SCHEMAS ]]; then
  say "removing $SCHEMAS (the schemas are built into opslake)"
  rm -rf "$SCHEMAS"
  rmdir "$SHARE" 2>/dev/null || true
fi

# --- configuration --------------------------------------------------------------
# Readable by the service's group, not by other users.
install -d -m 0750 -o root -g "$ACCOUNT" "$CONF_DIR"
if [[ -e $CONF ]]; then
  say "keeping $CONF (owner root:$ACCOUNT, mode 0640)"
  chown "root:$ACCOUNT" "$CONF"
  chmod 0640 "$CONF"
else
  say "installing $CONF from deploy/opslake.toml.example"
  install -m 0640 -o root -g "$ACCOUNT" "$ROOT/deploy/opslake.toml.example" "$CONF"
fi

# --- PostgreSQL connection ------------------------------------------------------
# opslake-load.service gets these through LoadCredential=: systemd reads them as
# root, so they stay root-only (0600) and the opslake user never reads them here.
# Never created or overwritten: they hold the database password.
for secret in "$DSN" "$PGPASS" "$TOKEN"; do
  if [[ -e $secret ]]; then
    say "keeping $secret (owner root:root, mode 0600)"
    chown root:root "$secret"
    chmod 0600 "$secret"
  fi
done

# --- systemd units --------------------------------------------------------------
sources=()
for unit in "${UNITS[@]}"; do sources+=("$ROOT/deploy/systemd/$unit"); done
if command -v systemd-analyze >/dev/null 2>&1; then
  # Checked before they are installed; ExecStart needs $BIN, installed above.
  say "checking the units: systemd-analyze verify"
  systemd-analyze verify "${sources[@]}" || die "systemd-analyze verify failed; units not installed"
else
  say "systemd-analyze not found; units not checked"
fi
for unit in "${UNITS[@]}"; do
  if cmp -s "$ROOT/deploy/systemd/$unit" "$UNIT_DIR/$unit"; then
    say "$UNIT_DIR/$unit is up to date"
  else
    say "installing $UNIT_DIR/$unit"
    install -m 0644 "$ROOT/deploy/systemd/$unit" "$UNIT_DIR/$unit"
  fi
done
if [[ -d /run/systemd/system ]]; then
  say "systemctl daemon-reload"
  systemctl daemon-reload
else
  say "systemd is not running here; skipped systemctl daemon-reload"
fi

# --- the lake -------------------------------------------------------------------
# The services' StateDirectory=opslake; created here too, so init can run now.
install -d -m 0750 -o "$ACCOUNT" -g "$ACCOUNT" "$STATE"
# Where the units write opslake.prom for node_exporter's textfile collector (readable by all).
install -d -m 0755 -o "$ACCOUNT" -g "$ACCOUNT" /var/lib/opslake-metrics
if [[ -e $LAKE/_catalog.sqlite ]]; then
  say "lake $LAKE exists; left as it is"
else
  say "creating the lake $LAKE as user $ACCOUNT"
  # The environment the services get: no OPSLAKE_* variables but OPSLAKE_CONFIG,
  # the same umask, and / as the working folder.
  (
    cd /
    umask 0027
    runuser -u "$ACCOUNT" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OPSLAKE_CONFIG="$CONF" \
      "$BIN" init --lake "$LAKE"
  )
fi

say "done. The timers are not enabled; enable them with:"
for timer in "${TIMERS[@]}"; do
  printf '  systemctl enable --now %s\n' "$timer"
done
if [[ -e $DSN ]]; then
  say "the PostgreSQL sync job reads $DSN; enable it with:"
else
  say "the PostgreSQL sync job needs $DSN: one line of libpq settings, root-only, e.g."
  printf '  install -m 0600 -o root -g root /dev/null %s\n' "$DSN"
  printf '  echo "host=db.example port=5432 dbname=analytics user=opslake_loader" > %s\n' "$DSN"
  printf '  (the password: password=... in that line, or in %s, mode 0600; see docs/deployment.md)\n' "$PGPASS"
  say "then enable it with:"
fi
printf '  systemctl enable --now %s\n' "$LOAD_TIMER"
if [[ -e $TOKEN ]]; then
  say "the billiards pull reads $TOKEN and [billiards] in $CONF; enable it with:"
else
  say "the billiards pull needs billiards.api_url (and stores) in $CONF and the API token in $TOKEN, root-only:"
  printf '  install -m 0600 -o root -g root /dev/null %s\n' "$TOKEN"
  printf '  (write the token on its first line; see docs/billiards-pull.md)\n'
  say "then enable it with:"
fi
printf '  systemctl enable --now %s %s\n' "$PULL_TIMER" "$DWD_TIMER"
