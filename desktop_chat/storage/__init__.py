"""Keep the user's data: settings (a versioned JSON file) and API keys (the OS keyring).

One concern a module: the settings model (settings, tool_settings), their validation
(validation), the file's format, migrations and saving (settings_document, settings_file,
settings_update); the keys (secrets, key_scope, origin, endpoint_key) and the engine's
configuration made from both (engine_config). Qt-free: the GUI and the CLI are two faces on
these modules. Import the submodule you need; this package re-exports nothing, so importing one
part never pays for another.
"""
