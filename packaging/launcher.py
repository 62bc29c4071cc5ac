"""Start Desktop Chat from a PyInstaller bundle: the entry point of the `desktop-chat` command.

With ``DESKTOP_CHAT_BUNDLE_PROBE`` set (``1`` or ``type``) it runs bundle_probe.py instead of
the app: the packaging check's only way to look at the frozen Qt from inside.
"""

from __future__ import annotations

import os
import sys

from desktop_chat.__main__ import main

if __name__ == "__main__":
    probe = os.environ.get("DESKTOP_CHAT_BUNDLE_PROBE")
    if probe in ("1", "type"):
        import bundle_probe

        sys.exit(bundle_probe.main(probe))
    main()
