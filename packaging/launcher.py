"""Start Desktop Chat from a PyInstaller bundle: the entry point of the `desktop-chat` command."""

from __future__ import annotations

from desktop_chat.__main__ import main

if __name__ == "__main__":
    main()
