#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian/Ubuntu machine and run them all:
# Qt's system libraries, Xvfb, gnome-keyring for a real Secret Service, a virtual environment with
# the project and its dev tools; then lint, type-check and check the layers, and the tests inside a
# private D-Bus session. Then the tests that need no Qt again, in a second environment without Qt,
# which proves that everything below ui runs without it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2046
bash scripts/ensure-apt.sh $(cat scripts/qt-runtime-packages.txt) \
  xvfb xauth dbus-daemon gnome-keyring libsecret-1-0 zsh fish
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

# The same pins minus Qt, pytest-qt and the lint tools; the project itself without its deps.
[ -x .venv-noqt/bin/python ] || "${PYTHON:-python3}" -m venv .venv-noqt
.venv/bin/python - > .venv-noqt/requirements.txt <<'PY'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
left_out = re.compile(r"(PySide6|qasync|shiboken6|pytest-qt|ruff|mypy|types-)", re.IGNORECASE)
for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
    if not left_out.match(requirement):
        print(requirement)
PY
.venv-noqt/bin/python -m pip install -q --disable-pip-version-check -r .venv-noqt/requirements.txt
.venv-noqt/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
if .venv-noqt/bin/python -c "import PySide6" 2>/dev/null; then
  echo "test.sh: PySide6 is installed in .venv-noqt; the run without Qt would prove nothing" >&2
  exit 1
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache --no-logo

export QT_QPA_PLATFORM=offscreen
# Two workers or more (-n auto): most tests wait on subprocesses, servers and the event loop, so the
# run takes about half the time even on two cores. Each worker starts its own keyring daemon.
timeout --kill-after=30 1500 dbus-run-session -- .venv/bin/python -m pytest -n auto "$@"
# The end-to-end and benchmark tests run other processes on code the first run has just checked:
# left out here, they would triple this run's time (measured: ~50 s without them, ~4 min with).
status=0
timeout --kill-after=30 600 dbus-run-session -- .venv-noqt/bin/python -m pytest -n auto -m "not gui" \
  --ignore=tests/e2e --ignore=tests/test_benchmarks_smoke.py "$@" || status=$?
# 5 is "no tests collected": the arguments chose GUI tests only, which the first run has run.
[ "$status" -eq 5 ] && status=0
exit "$status"
