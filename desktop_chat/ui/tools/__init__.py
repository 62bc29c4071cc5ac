"""The tools on screen: approval cards, the tool session, tool turns and the Tools menu.

The window uses `window.WindowTools` (the approval panel, the Tools menu and their wiring,
handed the parts they fit into) and the chat controller uses `session.ToolSession` and
`turn.ToolTurnView`. Cards and the menu are the folder's own.

Nothing is re-exported here, so that importing one part never loads another.
"""
