"""The window: the only package that imports Qt.

The window's wiring sits here (app, main_window and its parts window_* and
conversation_switch, chat_controller, target_chooser, engines, self_test), with the few widgets
every folder shares below everything else (banner, message_label, theme, accessibility, bridge).
The features live in folders: chat, settings, tools and inspector. A folder imports the shared
modules, and chat (tools and inspector add their parts to its top bar and transcript), never the
window: the window hands each installer the parts it needs. pyproject.toml's "ui-folders"
contract holds this order.

Nothing is imported here, so that showing the window's frame loads only what it needs.
"""
