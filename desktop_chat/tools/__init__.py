"""Tools the model may call: built-in ones, user-defined ones and MCP servers' — and the loop.

Qt-free. `registry` says what is offered, `loop` runs turns and approved calls, `mcp_client`
talks to MCP servers; the CLI and the window drive the same loop through its events.
"""
