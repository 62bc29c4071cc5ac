"""What one assistant answer did on the wire and in the tool loop, kept for the inspector pane.

Qt-free: `Inspection` folds the engine's and the tool loop's events into requests, timeline
entries and tool calls; `export` turns a request into a cURL command or JSON Lines. The dock in
`desktop_chat.ui.inspector.dock` polls `Inspection.revision` and shows only what is new.
"""
