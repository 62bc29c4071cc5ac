"""Test helpers: a scripted SSE server and canned provider streams."""
