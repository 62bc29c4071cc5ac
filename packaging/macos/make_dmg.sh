#!/usr/bin/env bash
# Pack "Desktop Chat.app" into dist/desktop-chat-VERSION-macos-ARCH.dmg (the app next to an
# Applications link, for drag-and-drop install); sign and notarize it when credentials are set.
#
#   bash packaging/macos/make_dmg.sh "build/pyinstaller/dist/Desktop Chat.app" VERSION
#
# Signing (optional for local builds; macOS 15 and later no longer open an unsigned download
# with right-click > Open: the user must allow it in System Settings > Privacy & Security):
#   MACOS_SIGN_IDENTITY     a "Developer ID Application: NAME (TEAMID)" certificate in the
#                           keychain. Must also be set while PyInstaller runs: the spec signs
#                           every binary and the .app with it (hardened runtime,
#                           packaging/macos/entitlements.plist). Here it signs the .dmg.
# Notarization (needs signing; either set of variables):
#   MACOS_NOTARY_PROFILE    a profile saved with `xcrun notarytool store-credentials`, or
#   MACOS_NOTARY_APPLE_ID, MACOS_NOTARY_TEAM_ID, MACOS_NOTARY_PASSWORD
#                           an Apple ID, its team, and an app-specific password for it.
# The release workflow imports the certificate from MACOS_CERTIFICATE_P12 (base64) and
# MACOS_CERTIFICATE_PASSWORD secrets into a temporary keychain first. With MACOS_REQUIRE_SIGNING
# set, a missing identity or notarization credential is an error here too, and so is a
# notarization that Apple does not accept.
set -euo pipefail
cd "$(dirname "$0")/../.."
app=$1
version=$2
arch=$(uname -m)
dmg="dist/desktop-chat-$version-macos-$arch.dmg"
mkdir -p dist

notarize=${MACOS_NOTARY_PROFILE:-}${MACOS_NOTARY_APPLE_ID:-}
if [ -n "${MACOS_REQUIRE_SIGNING:-}" ] && { [ -z "${MACOS_SIGN_IDENTITY:-}" ] || [ -z "$notarize" ]; }; then
  echo "MACOS_REQUIRE_SIGNING is set but signing or notarization credentials are missing" >&2
  exit 1
fi
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --verify --deep --strict --verbose=2 "$app"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
ditto "$app" "$stage/$(basename "$app")"  # ditto keeps the bundle's symlinks and signatures
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "Desktop Chat $version" -srcfolder "$stage" -fs HFS+ -format UDZO \
  -imagekey zlib-level=9 -ov "$dmg" >/dev/null

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
  if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    credentials=(--keychain-profile "$MACOS_NOTARY_PROFILE")
  else
    credentials=(--apple-id "${MACOS_NOTARY_APPLE_ID:-}" --team-id "${MACOS_NOTARY_TEAM_ID:-}"
      --password "${MACOS_NOTARY_PASSWORD:-}")
  fi
  if [ -n "$notarize" ]; then
    # `submit --wait` can exit 0 for a rejected upload: read the verdict and show Apple's log.
    result=$(xcrun notarytool submit "$dmg" "${credentials[@]}" --wait --output-format json)
    echo "$result"
    field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" <<<"$result"; }
    status=$(field status)
    if [ "$status" != "Accepted" ]; then
      id=$(field id)
      xcrun notarytool log "$id" "${credentials[@]}" >&2 || true
      echo "notarization: $status" >&2
      exit 1
    fi
    # The ticket travels inside the .dmg, so Gatekeeper need not reach Apple on first open.
    xcrun stapler staple "$dmg"
    xcrun stapler validate "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose "$dmg"
  fi
fi
echo "dmg: $(du -h "$dmg" | cut -f1) ($dmg)"
