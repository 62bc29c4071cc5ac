#!/usr/bin/env bash
# Build "Desktop Chat.app" with PyInstaller, self-test it, and pack it into a .dmg.
#
#   bash packaging/macos/build.sh           (PYTHON=path/to/python to use another interpreter)
#
# Needs the project installed with the `packaging` extra in that Python (a release installs
# packaging/requirements-build.txt). The app runs on the machine's architecture (arm64 or
# x86_64; the release builds each on its own runner) and on the macOS the PySide6 wheel supports
# (LSMinimumSystemVersion). Signing and notarization happen when their environment variables are
# set (see make_dmg.sh); with MACOS_REQUIRE_SIGNING=1 (a tagged release) the build stops before
# it starts if any is missing, so an unsigned app is never published.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-$PWD/.venv/bin/python}

if [ -n "${MACOS_REQUIRE_SIGNING:-}" ]; then
  [ -n "${MACOS_SIGN_IDENTITY:-}" ] || { echo "MACOS_REQUIRE_SIGNING: MACOS_SIGN_IDENTITY is not set" >&2; exit 1; }
  if [ -z "${MACOS_NOTARY_PROFILE:-}" ] && { [ -z "${MACOS_NOTARY_APPLE_ID:-}" ] \
    || [ -z "${MACOS_NOTARY_TEAM_ID:-}" ] || [ -z "${MACOS_NOTARY_PASSWORD:-}" ]; }; then
    echo "MACOS_REQUIRE_SIGNING: no notarization credentials (see make_dmg.sh)" >&2
    exit 1
  fi
fi

version=$("$python" packaging/app_info.py version)
rm -rf build/pyinstaller
started=$SECONDS
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/pyinstaller/dist --workpath build/pyinstaller/work \
  packaging/desktop_chat.spec
echo "PyInstaller took $((SECONDS - started)) s"

app="build/pyinstaller/dist/Desktop Chat.app"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
[ "$("$app/Contents/MacOS/desktop-chat" --version)" = "desktop-chat $version" ]
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/desktop-chat" --self-test --profile-dir "$profile"
echo "app: $(du -sh "$app" | cut -f1) unpacked"

bash packaging/macos/make_dmg.sh "$app" "$version"
