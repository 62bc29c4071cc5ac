#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian/Ubuntu machine and run them all:
# Qt's system libraries, Xvfb, gnome-keyring for a real Secret Service, a virtual environment with
# the project and its dev tools; then lint and type-check, and the tests inside a private D-Bus
# session.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2046
bash scripts/ensure-apt.sh $(cat scripts/qt-runtime-packages.txt) \
  xvfb xauth dbus-daemon gnome-keyring libsecret-1-0
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache --no-logo

export QT_QPA_PLATFORM=offscreen
exec timeout --kill-after=30 1500 dbus-run-session -- .venv/bin/python -m pytest "$@"
