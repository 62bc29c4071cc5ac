#!/usr/bin/env bash
# Check what makes the installed Linux app fit every desktop, beyond running at all:
#   - the bundle is under 100 MiB unpacked, with ICU's data trimmed (packaging/linux/trim_icu.py),
#   - the self-test sorts Chinese, Japanese and Swedish words and draws CJK text,
#   - QT_QPA_PLATFORM=wayland does not abort the app (it falls back to xcb: no Wayland plugin),
#   - the AppStream metainfo is installed and valid, the .deb depends on ca-certificates and
#     recommends a CJK font,
#   - the SBOM is CycloneDX and SHA256SUMS matches the files.
#
#   bash packaging/linux/check_desktop_extras.sh APP BUNDLE_DIR DEB SBOM
#
# Called by ci-check.sh with the installed .deb (APP=/usr/bin/desktop-chat,
# BUNDLE_DIR=/opt/desktop-chat); needs Xvfb and appstreamcli.
set -euo pipefail
app=$1 bundle=$2 deb=$3 sbom=$4
fail() { echo "check_desktop_extras: $*" >&2; exit 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
bytes() { find "$@" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

# The size packaging/README.md records, and where it goes.
size=$(bytes "$bundle")
lib=$bundle/_internal/PySide6/Qt/lib
echo "bundle $(mib "$size") MiB: ICU $(mib "$(bytes "$lib"/libicu*)"), Qt libraries" \
  "$(mib "$(bytes "$lib"/libQt6*)"), Qt plugins $(mib "$(bytes "$bundle/_internal/PySide6/Qt/plugins")"), PySide6" \
  "modules $(mib "$(bytes "$bundle/_internal/PySide6" -maxdepth 1)"), shiboken6" \
  "$(mib "$(bytes "$bundle/_internal/shiboken6")"), cryptography $(mib "$(bytes "$bundle/_internal/cryptography")")," \
  "OpenSSL $(mib "$(bytes "$bundle"/_internal/libssl* "$bundle"/_internal/libcrypto*)"), libpython" \
  "$(mib "$(bytes "$bundle"/_internal/libpython*)"), Python code (base_library.zip, PYZ)" \
  "$(mib "$(bytes "$bundle/_internal/base_library.zip" "$bundle/desktop-chat")")"
((size < 100 * 1048576)) || fail "the bundle is $(mib "$size") MiB, over the 100 MiB budget"
icudata=$(bytes "$lib"/libicudata.so.*)
((icudata < 10 * 1048576)) || fail "libicudata is $(mib "$icudata") MiB: trim_icu.py did not run"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
report=$(QT_QPA_PLATFORM=offscreen timeout 120 "$app" --self-test --profile-dir "$profile/text")
echo "$report"
case $report in
  *"3 collations"*"CJK text drawn"*) ;;
  *) fail "the self-test did not check sorting and CJK text (is fonts-wqy-microhei installed?)" ;;
esac

# No Wayland plugin is bundled: without the runtime hook's fallback Qt aborts (exit 134).
[ ! -e "$bundle/_internal/PySide6/Qt/plugins/platforms/libqwayland.so" ] \
  || echo "note: the Wayland plugin is bundled; this checks the explicit request instead"
timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" env -u WAYLAND_DISPLAY QT_QPA_PLATFORM=wayland \
  "$app" --self-test --profile-dir "$profile/wayland" \
  || fail "QT_QPA_PLATFORM=wayland does not fall back to xcb"

metainfo=/usr/share/metainfo/local.desktop_chat.DesktopChat.metainfo.xml
test -s "$metainfo" || fail "$metainfo is not installed"
appstreamcli validate --no-net "$metainfo"
dpkg-deb -f "$deb" Depends | grep -qw ca-certificates || fail "the .deb does not depend on ca-certificates"
dpkg-deb -f "$deb" Recommends | grep -q fonts-noto-cjk || fail "the .deb recommends no CJK font"

python3 - "$sbom" <<'PY' || fail "$sbom is not a CycloneDX SBOM of the locked dependencies"
import json, sys
bom = json.load(open(sys.argv[1], encoding="utf-8"))
names = {c["name"].lower() for c in bom["components"]}
assert bom["bomFormat"] == "CycloneDX" and {"pyside6-essentials", "httpx", "pyinstaller"} <= names
PY
(cd "$(dirname "$sbom")" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
echo "desktop extras passed"
