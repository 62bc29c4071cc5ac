#!/usr/bin/env bash
# Regenerate the locks: every package the installers are built from (the app's dependencies, the
# `packaging` extra, the build backend), and apart from them the SBOM tool, each pinned with the
# hashes of all its files, for Linux, Windows and macOS on Python 3.11 and later.
#
#   bash packaging/lock.sh            (then commit the changed packaging/requirements-*.txt)
#
# Run it after changing dependencies in pyproject.toml or packaging/requirements-*.in; builds
# install with --require-hashes, so a dependency missing from a lock fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"${PYTHON:-python3}" -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check uv==0.13.8
compile() {
  "$tools/bin/uv" pip compile "$@" --universal --python-version 3.11 --generate-hashes --quiet \
    --custom-compile-command "bash packaging/lock.sh"
}
compile pyproject.toml packaging/requirements-build.in --extra packaging \
  -o packaging/requirements-build.txt
compile packaging/requirements-sbom.in -o packaging/requirements-sbom.txt
