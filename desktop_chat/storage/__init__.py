"""Keep the user's data: settings (versioned JSON), API keys (OS keyring) and history (SQLite).

Qt-free: the GUI and the CLI are two faces on these modules. Import the submodule you need
(``desktop_chat.storage.settings``, ``desktop_chat.storage.secrets``); this package re-exports
nothing, so importing one part never pays for another.
"""
