#!/usr/bin/env bash
# Build "Desktop Chat.app" with PyInstaller, self-test it, and pack it into a .dmg.
#
#   bash packaging/macos/build.sh           (PYTHON=path/to/python to use another interpreter)
#
# Needs the project installed with the `packaging` extra in that Python. Signing and
# notarization happen when their environment variables are set (see make_dmg.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-$PWD/.venv/bin/python}

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
