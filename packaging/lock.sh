#!/usr/bin/env bash
# Regenerate packaging/requirements-build.txt: every package the installers are built from (the
# app's dependencies, the `packaging` extra, the build backend), each pinned with the hashes of
# all its files, for Linux, Windows and macOS on Python 3.11 and later.
#
#   bash packaging/lock.sh            (then commit the changed lock)
#
# Run it after changing dependencies in pyproject.toml or packaging/requirements-build.in; CI
# installs with --require-hashes, so a dependency missing from the lock fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"${PYTHON:-python3}" -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check uv==0.13.8
"$tools/bin/uv" pip compile pyproject.toml packaging/requirements-build.in --extra packaging \
  --universal --python-version 3.11 --generate-hashes --quiet \
  --custom-compile-command "bash packaging/lock.sh" -o packaging/requirements-build.txt
