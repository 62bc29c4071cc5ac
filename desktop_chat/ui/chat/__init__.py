"""The conversation on screen: transcript, Markdown streaming, composer, top and status bars.

Other folders and the window use `transcript.Transcript`, `composer.Composer`,
`top_bar.TopBar`, `status_bar.StatusBar`, `markdown.MarkdownRenderer` and
`tool_call_html.pretty_arguments` (a tool card shows arguments as the transcript does). The rest
(message blocks, the live message, folding, the frame budget, the block writer, the safe
browser) is the transcript's own.

Nothing is re-exported here: the Markdown stack loads after the window is shown.
"""
