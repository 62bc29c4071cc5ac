#!/usr/bin/env bash
# Build the Linux bundle with PyInstaller, then a .tar.gz and a .deb from it.
#
#   bash packaging/linux/build.sh            (PYTHON=path/to/python to use another interpreter)
#
# Needs: the project installed with the `packaging` extra in that Python
# (pip install -e '.[packaging]', or for a release the lock: see packaging/README.md), binutils
# (PyInstaller's objdump/strip), dpkg-deb, icu-devtools (icupkg) and gcc to trim ICU's data.
# Output in dist/:
#   desktop-chat-VERSION-linux-ARCH.tar.gz   the bundle, a .desktop entry, icons, and
#                                            install-desktop-entry.sh to add it to the menu
#   desktop-chat_VERSION_DEBARCH.deb         /opt/desktop-chat, /usr/bin/desktop-chat,
#                                            the menu entry, hicolor icons, AppStream metainfo,
#                                            bash, zsh and fish completion
#   desktop-chat-VERSION.cdx.json            CycloneDX SBOM of every locked dependency
#   SHA256SUMS                               checksums of the files above
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
python=${PYTHON:-$root/.venv/bin/python}
umask 022

version=$("$python" packaging/app_info.py version)
arch=$(uname -m)
deb_arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
# Debian sorts "1.0~rc1" before "1.0"; PEP 440 writes it "1.0rc1".
deb_version=$(printf '%s' "$version" | sed -E 's/\.?(a|b|rc|dev)([0-9]*)$/~\1\2/')

work=build/linux
bundle=build/pyinstaller/dist/desktop-chat
rm -rf "$work" build/pyinstaller
mkdir -p "$work" dist

echo "== PyInstaller ($version)"
started=$SECONDS
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/pyinstaller/dist --workpath build/pyinstaller/work \
  packaging/desktop_chat.spec
echo "PyInstaller took $((SECONDS - started)) s"

echo "== ICU data cut to what Qt uses"
"$python" packaging/linux/trim_icu.py "$bundle"

# The menu entry and icons, laid out as under /usr/share.
share=$work/share
install -Dm644 packaging/linux/desktop-chat.desktop "$share/applications/desktop-chat.desktop"
metainfo=local.desktop_chat.DesktopChat.metainfo.xml
install -Dm644 "packaging/linux/$metainfo" "$share/metainfo/$metainfo"
install -Dm644 resources/icons/desktop-chat.svg "$share/icons/hicolor/scalable/apps/desktop-chat.svg"
for png in resources/icons/hicolor/*/apps/desktop-chat.png; do
  install -Dm644 "$png" "$share/icons/${png#resources/icons/}"
done
# Shell completion, generated from the command line's own parser (`desktop-chat completion`),
# where bash-completion, zsh and fish look for the scripts of installed packages.
mkdir -p "$share/bash-completion/completions" "$share/zsh/vendor-completions" \
  "$share/fish/vendor_completions.d"
"$python" -m desktop_chat completion bash >"$share/bash-completion/completions/desktop-chat"
"$python" -m desktop_chat completion zsh >"$share/zsh/vendor-completions/_desktop-chat"
"$python" -m desktop_chat completion fish >"$share/fish/vendor_completions.d/desktop-chat.fish"

echo "== tar.gz"
name=desktop-chat-$version-linux-$arch
stage=$work/tar/$name
mkdir -p "$stage"
cp -a "$bundle/." "$stage/"
cp -a "$share" "$stage/share"
install -m755 packaging/linux/install-desktop-entry.sh "$stage/install-desktop-entry.sh"
tarball=dist/$name.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$work/tar" -cf - "$name" \
  | gzip -6 >"$tarball"

echo "== deb"
pkg=$work/deb
mkdir -p "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/doc/desktop-chat" "$pkg/DEBIAN"
cp -a "$bundle" "$pkg/opt/desktop-chat"
cp -a "$share/." "$pkg/usr/share/"
ln -s /opt/desktop-chat/desktop-chat "$pkg/usr/bin/desktop-chat"
cat >"$pkg/usr/share/doc/desktop-chat/copyright" <<'EOF'
Desktop Chat
License: MIT

Bundled third-party components, each under its own license: CPython (PSF-2.0), Qt 6 and
PySide6 (LGPL-3.0, dynamically linked: the libraries in /opt/desktop-chat/_internal can be
replaced), ICU (Unicode-3.0), OpenSSL (Apache-2.0), httpx, keyring, qasync, markdown-it-py,
Pygments, cryptography, certifi, truststore and their dependencies (see each package's metadata in
/opt/desktop-chat/_internal/*.dist-info).
EOF

# The newest glibc symbol version any bundled file uses is the oldest glibc it can run on.
glibc=$(find "$bundle" -type f \( -name '*.so*' -o -name desktop-chat \) -exec objdump -T {} + \
  2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
# What Qt links against and the bundle leaves to the system (bundle_filter.SYSTEM_LIBRARIES);
# libdbus-1 is loaded by QtDBus at run time, so no ELF file names it. check_bundle.py verifies
# that every library the bundle links against belongs to one of these packages.
# ca-certificates: the trust store the bundled OpenSSL reads for HTTPS.
depends="libc6 (>= ${glibc:-2.35}), ca-certificates, libstdc++6, libgcc-s1, libglib2.0-0t64 | libglib2.0-0,
 libdbus-1-3, libfontconfig1, libfreetype6, libegl1, libgl1, libx11-6, libx11-xcb1, libxcb1,
 libxcb-glx0, libxcb-randr0, libxcb-render0, libxcb-shape0, libxcb-shm0, libxcb-sync1,
 libxcb-xfixes0, libxcb-xkb1, libxkbcommon0, libzstd1"
installed_kb=$(du -sk "$pkg" --exclude=DEBIAN | cut -f1)
cat >"$pkg/DEBIAN/control" <<EOF
Package: desktop-chat
Version: $deb_version
Architecture: $deb_arch
Maintainer: Desktop Chat maintainers <maintainers@desktop-chat.invalid>
Installed-Size: $installed_kb
Depends: $(printf '%s' "$depends" | tr -d '\n')
Recommends: gnome-keyring | keepassxc, xdg-utils,
 fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei
Section: net
Priority: optional
Description: desktop client for LLM APIs that streams every token
 Chat with OpenAI-compatible endpoints (OpenAI, DeepSeek, OpenRouter, Ollama, vLLM,
 LM Studio) and the Anthropic Messages API. Answers stream in token by token; API keys
 are kept in the system keyring (Secret Service), never in a file. Works offline with a
 built-in demo endpoint.
EOF
deb=dist/desktop-chat_${deb_version}_${deb_arch}.deb
# gzip: xz saves ~15 % of the download but takes ~4x as long on two cores.
dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$deb" >/dev/null

echo "== SBOM and checksums"
# Every dependency the build lock pins, with its hashes (the same for the three OS builds). The
# tool runs from a virtualenv of its own: its dependencies must not reach the bundle.
sbom=dist/desktop-chat-$version.cdx.json
tools=build/sbom-venv
[ -x "$tools/bin/python" ] || "$python" -m venv "$tools"
"$tools/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
  -r packaging/requirements-sbom.txt
"$tools/bin/python" -W ignore::UserWarning -m cyclonedx_py requirements --pyproject pyproject.toml \
  --output-reproducible --of JSON -o "$sbom" packaging/requirements-build.txt
(cd dist && sha256sum -- "${tarball#dist/}" "${deb#dist/}" "${sbom#dist/}" >SHA256SUMS)

# For ci-check.sh and the release workflow: where everything ended up.
printf 'version=%q\nbundle=%q\ntarball=%q\ndeb=%q\nsbom=%q\n' "$version" "$bundle" "$tarball" \
  "$deb" "$sbom" >"$work/artifacts.env"

size_mb() { du -sb "$1" | awk '{printf "%.1f MiB (%.1f MB)", $1 / 1048576, $1 / 1e6}'; }
echo "== built $version"
echo "bundle:  $(size_mb "$bundle") unpacked ($bundle)"
echo "tar.gz:  $(size_mb "$tarball") ($tarball)"
echo "deb:     $(size_mb "$deb") ($deb)"
