"""Desktop Chat: a native desktop client for LLM APIs that streams every token."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # Read lazily: importlib.metadata costs tens of milliseconds at every start of the window.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("desktop-chat")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
