#!/usr/bin/env bash
# Type Chinese into the app's composer through real input-method daemons, on a real X server,
# as a person on a Chinese desktop would. Cases:
#   ibus          IBus with its pinyin engine (libpinyin), QT_IM_MODULE=ibus;
#   fcitx         Fcitx 5 with Rime (luna_pinyin), QT_IM_MODULE=fcitx as Fcitx sets it: neither
#                 the frozen app nor PySide6's wheel has a Fcitx plugin, so the app falls back to
#                 the IBus plugin (ui/plugin_fallback.py; the frozen app's runtime hook, the
#                 source install's start), which reaches Fcitx 5's IBus front end through IBus's
#                 address file (ibus installed too);
#   fcitx-portal  the same with no ibus-daemon on PATH (Fcitx 5 alone): the fallback sets
#                 IBUS_USE_PORTAL=1 and the plugin goes through the IBus portal.
# Each types "nihao" and a space into the composer (the app's own widget, shown by
# bundle_probe.py's `type` mode) with xdotool and fails unless the composer holds 你好.
#
#   bash packaging/linux/check_input_methods.sh APP [CASE...]    (default: ibus fcitx fcitx-portal)
#
# APP is the frozen app, or for the source install a script running packaging/launcher.py.
# Each case runs in its own D-Bus session, Xvfb and empty home. Needs ibus, ibus-libpinyin,
# fcitx5, fcitx5-rime, rime-data-luna-pinyin, xdotool, xvfb and dbus-daemon (ci-check.sh
# installs them).
set -euo pipefail

if [ "${1:-}" != --case ]; then
  app=$1
  shift
  cases=("$@")
  [ ${#cases[@]} -gt 0 ] || cases=(ibus fcitx fcitx-portal)
  for case in "${cases[@]}"; do
    timeout 180 dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
      bash "$0" --case "$case" "$app"
  done
  echo "input methods passed: ${cases[*]}"
  exit 0
fi

case=$2 app=$3
fail() { echo "check_input_methods ($case): $*" >&2; exit 1; }
home=$(mktemp -d)
daemon=""
cleanup() {
  if [ -n "$daemon" ]; then
    [ "$case" != ibus ] || timeout 10 ibus exit 2>/dev/null || true  # stops its engines too
    kill "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true  # killed: not a failure of the check
  fi
  # An engine may still be writing its cache as it stops: try once more after it has.
  rm -rf "$home" 2>/dev/null || { sleep 1 && rm -rf "$home"; }
}
trap cleanup EXIT
export HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"
app_path=$PATH

case $case in
  ibus)
    ibus-daemon --replace --panel=disable --xim >"$home/daemon.log" 2>&1 &
    daemon=$!
    for _ in $(seq 50); do
      ibus engine libpinyin 2>/dev/null && [ "$(ibus engine 2>/dev/null)" = libpinyin ] && break
      sleep 0.2
    done
    [ "$(ibus engine 2>/dev/null)" = libpinyin ] || fail "ibus-daemon did not take the libpinyin engine"
    method=ibus
    ;;
  fcitx | fcitx-portal)
    mkdir -p "$XDG_CONFIG_HOME/fcitx5"
    printf '%s\n' '[Groups/0]' 'Name=Default' 'Default Layout=us' 'DefaultIM=rime' '' \
      '[Groups/0/Items/0]' 'Name=keyboard-us' 'Layout=' '' '[Groups/0/Items/1]' 'Name=rime' \
      'Layout=' '' '[GroupOrder]' '0=Default' >"$XDG_CONFIG_HOME/fcitx5/profile"
    printf '%s\n' '[Behavior]' 'ActiveByDefault=True' >"$XDG_CONFIG_HOME/fcitx5/config"
    fcitx5 --replace >"$home/daemon.log" 2>&1 &
    daemon=$!
    # Fcitx 5's IBus front end writes IBus's address file once it serves IBus clients.
    for _ in $(seq 100); do
      [ -n "$(ls "$XDG_CONFIG_HOME/ibus/bus" 2>/dev/null)" ] && break
      sleep 0.2
    done
    [ -n "$(ls "$XDG_CONFIG_HOME/ibus/bus" 2>/dev/null)" ] || fail "Fcitx 5 serves no IBus clients"
    sleep 2  # Rime deploys its schema once, just after start
    method=fcitx
    if [ "$case" = fcitx-portal ]; then
      app_path=$home/bin  # no ibus-daemon: Qt's IBus plugin must use the portal
      mkdir -p "$app_path"
    fi
    ;;
  *) fail "unknown case" ;;
esac

timeout 60 env PATH="$app_path" QT_QPA_PLATFORM=xcb QT_IM_MODULE=$method \
  DESKTOP_CHAT_BUNDLE_PROBE=type "$app" >"$home/typed.json" 2>"$home/app.log" &
probe=$!
timeout 30 xdotool search --sync --name "desktop-chat input probe" windowfocus --sync \
  || fail "the composer window did not appear: $(cat "$home/app.log")"
xdotool type --delay 100 nihao
sleep 0.5
xdotool key space
wait "$probe" || fail "the app failed: $(cat "$home/app.log")"
python3 - "$home/typed.json" "$case" <<'PY' || fail "$(cat "$home/typed.json")"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
print(f"{sys.argv[2]}: typed {report['typed']!r} with {report['environment']}")
sys.exit(report["typed"] != "你好")
PY
