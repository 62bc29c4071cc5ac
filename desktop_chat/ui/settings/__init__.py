"""The settings on screen: the dialog with its pages and editors, and the keeper of the file.

The window uses `dialog.SettingsDialog` (loaded when first opened), `keeper.SettingsKeeper`
(the settings in use, saved in the background and kept up with the file) and
`broken.FileNotices` (what the window says when the file cannot be read). The pages, the
endpoint and MCP server editors, and the key and header secret rows are the dialog's own.

Nothing is re-exported here: the dialog loads when first opened.
"""
