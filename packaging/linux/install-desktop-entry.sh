#!/usr/bin/env sh
# Add Desktop Chat from this unpacked folder to your applications menu (for your user only).
#   ./install-desktop-entry.sh            add or update the menu entry and icons
#   ./install-desktop-entry.sh --remove   take them out again
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry=$data/applications/desktop-chat.desktop
if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry"
  find "$data/icons/hicolor" -name 'desktop-chat.*' -path '*/apps/*' -delete 2>/dev/null || true
  echo "Removed the Desktop Chat menu entry."
  exit 0
fi
# Exec names this folder; the Desktop Entry spec would need these characters escaped twice.
case $here in
  *[\"\`\$\\]*) echo "Move this folder to a path without \" \` \$ or \\ first." >&2; exit 1 ;;
esac
mkdir -p "$data/applications"
(cd "$here/share" && find icons -type f) | while read -r icon; do
  mkdir -p "$data/$(dirname "$icon")"
  cp "$here/share/$icon" "$data/$icon"
done
exec_path=$(printf '%s' "$here/desktop-chat" | sed 's/%/%%/g')
while IFS= read -r line; do
  case $line in
    Exec=*) printf 'Exec="%s"\n' "$exec_path" ;;
    *) printf '%s\n' "$line" ;;
  esac
done <"$here/share/applications/desktop-chat.desktop" >"$entry"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
touch "$data/icons/hicolor" 2>/dev/null || true
echo "Added Desktop Chat to the applications menu ($entry)."
