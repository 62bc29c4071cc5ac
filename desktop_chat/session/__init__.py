"""The conversation and its rules, shared by the window and `ask`, with no Qt.

What will live here: the message list and its rules (send, edit and resend, regenerate keeping the
earlier answer, tool turns) as plain methods with callbacks the window subscribes to; the one place
that turns settings and the key store into a turn's target and its endpoint configuration; moving a
key when an endpoint is renamed, copied or removed; the connection probe. It sits above storage,
tools and the inspector and below ui and cli (see the layer contract in pyproject.toml).
"""
