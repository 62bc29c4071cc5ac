#!/usr/bin/env bash
# Install Desktop Chat into .venv (with the Qt system libraries on Debian/Ubuntu) and start it.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v dpkg >/dev/null; then
  # shellcheck disable=SC2046
  bash scripts/ensure-apt.sh $(cat scripts/qt-runtime-packages.txt)
fi
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/desktop-chat "$@"
