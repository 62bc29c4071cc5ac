#!/usr/bin/env bash
# Check the Linux packaging end to end, as CI does: build the bundle, .tar.gz and .deb; install
# the .deb; then, with the installed app:
#   - its libraries all resolve and the .deb's Depends covers what it links against,
#   - `--self-test` passes offscreen and on a real X server (Xvfb, the xcb plugin users get),
#   - it stores and finds a key in a real Secret Service (gnome-keyring in a private D-Bus),
#   - it trusts HTTPS through the system's CA bundle where /usr/lib/ssl does not exist (Fedora,
#     Arch, openSUSE), in a private mount namespace (check_tls.sh),
#   - the menu entry validates and the icons are installed,
#   - the unpacked .tar.gz passes its self-test too,
#   - it shows its window at least as fast as `python -m desktop_chat`,
#   - it is under 100 MiB, sorts and draws CJK text, survives QT_QPA_PLATFORM=wayland, and its
#     AppStream file, SBOM and checksums are valid (check_desktop_extras.sh),
#   - it and the wheel carry every compiled catalogue, Qt's own Chinese loads inside it, and
#     the IBus and compose input-method plugins load, also for QT_IM_MODULE=fcitx
#     (check_languages.py),
#   - Chinese typed through real IBus and Fcitx 5 daemons reaches the composer, in the frozen
#     app and in the source install (check_input_methods.sh),
# Prints the sizes and timings. Self-contained on Debian/Ubuntu: installs what is missing (apt,
# then the `packaging` extra into .venv, created with $PYTHON or python3 if it does not exist,
# for the start-up comparison; the build itself uses build/venv, made from the hashed lock).
# Needs root or sudo for apt and dpkg. The .deb is removed
# again at the end unless KEEP_INSTALLED=1. Takes about 1.5 min on 2 cores once apt is done.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
step() { echo "== $* ($((SECONDS - started)) s)"; }

step "system packages"
# shellcheck disable=SC2046
bash scripts/ensure-apt.sh $(cat scripts/qt-runtime-packages.txt) binutils xvfb xauth x11-utils \
  dbus-daemon gnome-keyring libsecret-1-0 desktop-file-utils
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[packaging]'
# To trim ICU's data (trim_icu.py) and validate the AppStream file; real IBus and Fcitx 5
# daemons with a pinyin engine each, and xdotool to type (check_input_methods.sh).
bash scripts/ensure-apt.sh icu-devtools gcc appstream ibus ibus-libpinyin fcitx5 fcitx5-rime \
  rime-data-luna-pinyin xdotool
# The bundle is built in a virtualenv of exactly the locked versions, each file checked against
# its hash: nothing else installed in .venv (test tools, their optional imports) can reach it.
buildenv=build/venv
[ -x $buildenv/bin/python ] || "${PYTHON:-python3}" -m venv $buildenv
$buildenv/bin/python -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
  -r packaging/requirements-build.txt
$buildenv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
  -e .

step "build"
PYTHON=$buildenv/bin/python bash packaging/linux/build.sh
# shellcheck disable=SC1091
. build/linux/artifacts.env

step "install $deb"
if dpkg -s desktop-chat >/dev/null 2>&1 && [ -z "${KEEP_INSTALLED:-}" ]; then
  echo "desktop-chat is already installed; set KEEP_INSTALLED=1 to let this check replace it" >&2
  exit 1
fi
$sudo dpkg -i "$deb" >/dev/null
[ -n "${KEEP_INSTALLED:-}" ] || trap '$sudo dpkg -r desktop-chat >/dev/null 2>&1' EXIT
app=/usr/bin/desktop-chat
[ "$($app --version)" = "desktop-chat $version" ] || { echo "wrong version: $($app --version)" >&2; exit 1; }

step "libraries, Depends and trimmed files"
.venv/bin/python packaging/linux/check_bundle.py /opt/desktop-chat --deb "$deb"

step "menu entry and icons"
desktop-file-validate /usr/share/applications/desktop-chat.desktop
for size in 16 32 48 64 128 256 512; do
  test -s "/usr/share/icons/hicolor/${size}x${size}/apps/desktop-chat.png"
done
test -s /usr/share/icons/hicolor/scalable/apps/desktop-chat.svg

step "shell completion"
completions=/usr/share/bash-completion/completions/desktop-chat
test -s /usr/share/zsh/vendor-completions/_desktop-chat
test -s /usr/share/fish/vendor_completions.d/desktop-chat.fish
"$app" completion bash | cmp - "$completions"  # the frozen app knows the same commands
# shellcheck disable=SC2016
bash -c 'source "$1"; COMP_WORDS=(desktop-chat do); COMP_CWORD=1; _shtab_desktop_chat
  [ "${COMPREPLY[*]}" = doctor ]' _ "$completions"

profile=$(mktemp -d)
unpacked=$(mktemp -d)
trap 'rm -rf "$profile" "$unpacked"; [ -n "${KEEP_INSTALLED:-}" ] || $sudo dpkg -r desktop-chat >/dev/null 2>&1' EXIT

step "self-test, offscreen"
QT_QPA_PLATFORM=offscreen timeout 120 "$app" --self-test --profile-dir "$profile/offscreen"

step "self-test, Xvfb (xcb)"
timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" \
  env QT_QPA_PLATFORM=xcb "$app" --self-test --profile-dir "$profile/xcb"

step "keyring"
bash packaging/linux/check_keyring.sh "$app"

step "TLS from the system's CA bundle"
$sudo bash packaging/linux/check_tls.sh "$app"

step "tar.gz"
tar -xzf "$tarball" -C "$unpacked"
QT_QPA_PLATFORM=offscreen timeout 120 "$unpacked"/desktop-chat-*/desktop-chat \
  --self-test --profile-dir "$profile/tar"

step "size, sorting and CJK text, Wayland fallback, AppStream, SBOM"
bash packaging/linux/check_desktop_extras.sh "$app" /opt/desktop-chat "$deb" "$sbom"

step "languages and input methods"
# The wheel too must carry every compiled catalogue (package data, not listed file by file).
rm -rf build/wheel
$buildenv/bin/python -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
  -w build/wheel .
.venv/bin/python packaging/linux/check_languages.py "$app" /opt/desktop-chat \
  --wheel build/wheel/desktop_chat-"$version"-py3-none-any.whl

step "Chinese input through IBus and Fcitx 5"
bash packaging/linux/check_input_methods.sh "$app"
# The source install: its start gives Fcitx 5 the same IBus fallback as the frozen app's hook.
source_app=build/source-app
printf '#!/bin/sh\nexec %q %q "$@"\n' "$PWD/.venv/bin/python" "$PWD/packaging/launcher.py" \
  >"$source_app"
chmod +x "$source_app"
bash packaging/linux/check_input_methods.sh "$PWD/$source_app"

step "start-up: frozen vs source"
.venv/bin/python packaging/linux/measure_startup.py --frozen "$app" --rounds 5

step "ci-check passed"
