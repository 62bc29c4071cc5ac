#!/usr/bin/env bash
# Install the given Debian/Ubuntu packages that are not installed yet (no-op when all are there).
set -euo pipefail
missing=()
for package in "$@"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
((${#missing[@]})) || exit 0
command -v apt-get >/dev/null || { echo "Please install: ${missing[*]}" >&2; exit 1; }
echo "Installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
