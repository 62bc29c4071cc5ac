#!/usr/bin/env bash
# Prove that a frozen desktop-chat finds a real keyring backend inside its bundle: in a private
# D-Bus session with a fresh, unlocked gnome-keyring, store a dummy key with `endpoint set-key`
# and read `has_key: true` back from `endpoint list --json`. set-key refuses the fail/null and
# plain-file backends, so success means Secret Service answered.
#
#   bash packaging/linux/check_keyring.sh /usr/bin/desktop-chat
set -euo pipefail
bin=$1
if [ -z "${DC_KEYRING_SESSION:-}" ]; then
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  mkdir -p -m 700 "$home/run"
  # A fresh HOME/XDG_DATA_HOME: the keyring files are created there, never in the user's.
  env -u PYTHON_KEYRING_BACKEND -u DBUS_SESSION_BUS_ADDRESS DC_KEYRING_SESSION=1 HOME="$home" \
    XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run" \
    timeout --kill-after=10 90 dbus-run-session -- bash "$0" "$@"
  exit $?
fi

# --unlock creates the login keyring with this password; without it set_password can wait forever
# on a prompt nobody sees.
printf 'ci-check' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
profile=$(mktemp -d)
out=$(mktemp)
dummy="sk-ci-check-$RANDOM$RANDOM-not-a-real-key"

"$bin" --profile-dir "$profile" endpoint add ci-check --preset OpenAI >/dev/null
printf '%s' "$dummy" | "$bin" --profile-dir "$profile" endpoint set-key ci-check >"$out" 2>&1 || {
  echo "keyring: set-key failed: $(cat "$out")" >&2; exit 1; }
saved=$(cat "$out")
"$bin" --profile-dir "$profile" endpoint list --json >"$out"
has_key=$(python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
print([e["has_key"] for e in doc["endpoints"] if e["name"] == "ci-check"])' "$out")
if grep -qF "$dummy" "$out" || printf '%s' "$saved" | grep -qF "$dummy"; then
  echo "keyring: a command printed the key" >&2; exit 1
fi
[ "$has_key" = "[True]" ] || { echo "keyring: expected has_key true, got $has_key" >&2; exit 1; }
"$bin" --profile-dir "$profile" endpoint delete-key ci-check >/dev/null
rm -rf "$profile" "$out"
echo "keyring: $saved has_key: true"
