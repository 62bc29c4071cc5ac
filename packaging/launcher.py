"""Start Desktop Chat from a PyInstaller bundle: the entry point of the `desktop-chat` command.

With ``DESKTOP_CHAT_BUNDLE_PROBE=1`` it reports what the bundle's Qt finds instead of starting
the app (bundle_probe.py): the packaging check's only way to look at the frozen Qt from inside.
"""

from __future__ import annotations

import os
import sys

from desktop_chat.__main__ import main

if __name__ == "__main__":
    if os.environ.get("DESKTOP_CHAT_BUNDLE_PROBE") == "1":
        import bundle_probe

        sys.exit(bundle_probe.main())
    main()
