"""Desktop Chat: a native desktop client for LLM APIs that streams every token."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("desktop-chat")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
