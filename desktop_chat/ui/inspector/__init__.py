"""The inspector on screen: a dock with the requests, events and tool calls of each answer.

The window uses `link.install_inspector` (the Ctrl+I action and the top-bar button, handed the
parts they need) and feeds the `link.InspectorLink` it returns. The dock, its model and views
are the folder's own; the dock is made the first time it is opened.

Nothing is re-exported here, so that the dock stays out of the window's start-up.
"""
