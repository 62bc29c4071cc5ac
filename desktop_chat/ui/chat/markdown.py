"""Render untrusted Markdown into the HTML subset QTextDocument understands, safely.

Model output is untrusted. The parser runs with raw HTML disabled, so `<script>` or `<img>` in a
reply is shown as text; every text run and attribute is escaped; a link survives only for
http/https (any other scheme, `javascript:` and `file:` included, becomes plain text); images
become text; nothing rendered from a reply names a resource (no `<img>`, no `url()`): the only
images are our own icons (`icon_img`), which the view paints itself. Code is highlighted by
Pygments into inline colour spans, so the view needs no style sheet and no class names.

Qt-free on purpose: parsing and highlighting are the expensive part of streaming, and this way they
are tested and measured without a widget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from desktop_chat.i18n import _
from desktop_chat.ui.chat.block_pieces import CONTINUED, FOLLOWED, GOES_ON, IN_PIECE, mark_pieces

# markdown-it and Pygments load on the first render, not before the window is shown.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict
    from pygments.lexer import Lexer
    from pygments.style import StyleMeta
    from pygments.token import _TokenType

# Characters QTextDocument gives a structural meaning (frame start/end, object placeholder,
# paragraph separator) must never arrive as text from the model.
_UNSAFE_CHARS = str.maketrans(
    {"\x00": "\ufffd", "\ufdd0": "\ufffd", "\ufdd1": "\ufffd", "\ufffc": "\ufffd", "\u2029": "\n"}
)
SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def sanitize_text(text: str) -> str:
    """Replace characters that QTextDocument would treat as structure rather than text."""
    return text.translate(_UNSAFE_CHARS)


def is_safe_link(href: str) -> bool:
    """Tell whether a link may be shown as a link: http/https with a host, nothing else."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_LINK_SCHEMES and bool(parts.netloc)


DEFERRED_MODULES = ("markdown_it", "markdown_it.renderer", "pygments.lexers", "pygments.styles")


def fence_language(info: str) -> str:
    """The language a fence's info string names ("" for none)."""
    from markdown_it.common.utils import unescapeAll

    words = unescapeAll(info).split(maxsplit=1)
    return words[0] if words else ""


def attr(value: str) -> str:
    """Escape a value for a double-quoted HTML attribute."""
    return escape(value, quote=True)


ICON_SCHEME = "dc-icon"


def icon_img(name: str, px: int, owner: int | None = None) -> str:
    """An icon of ui/icons.py as an image; the view supplies the pixmap (SafeBrowser).

    `owner` is the message whose action line shows it, so the view can show or hide one
    message's icons by swapping their pixmaps; None for one that always shows.
    """
    key = f"{name}@{px}" if owner is None else f"{name}@{px}/{owner}"
    return f'<img src="{ICON_SCHEME}:{key}" width="{px}" height="{px}" />'


# The transcript's one type scale, as multiples of the body size (docs: design of issue 17).
HEADING_SCALE = {1: 1.5, 2: 1.3, 3: 1.15}
CODE_SCALE = 0.95
SMALL_SCALE = 0.85  # role marks, code headers, figures
LINE_HEIGHT = 145  # percent, for prose


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours (#rrggbb), the body size and the code font the HTML is rendered with.

    Built from the palette and the text zoom (safe_browser.theme_from_palette). Sizes are
    points, not Qt's relative keywords: QTextDocument knows no `em`, and its `<h1>`..`<h6>`
    scale the font by fixed factors that override any size given, so headings are drawn as
    sized paragraphs and the whole scale follows `font_pt`.
    """

    dark: bool = False
    text: str = "#1f1f1f"
    muted: str = "#6b6b6b"
    accent: str = "#1a62c7"
    link: str = "#1a62c7"
    code_background: str = "#f0f0f0"
    code_header: str = "#e4e4e4"
    tint: str = "#f2f2f2"
    border: str = "#c8c8c8"
    background: str = "#ffffff"  # the page's own, behind the cells of a table drawn in pieces
    warning: str = "#9a5b00"
    error_text: str = "#a50e0e"
    error_background: str = "#fce8e6"
    mono_family: str = "monospace"
    font_pt: float = 10.0

    def pt(self, scale: float = 1.0) -> str:
        """A CSS font size `scale` times the body size."""
        return f"{self.font_pt * scale:.2f}pt"

    @property
    def pygments_style(self) -> str:
        """Name the Pygments style whose token colours read well on this background."""
        return "github-dark" if self.dark else "default"

    @property
    def mono_css(self) -> str:
        """Return the code font as a CSS font-family value."""
        family = self.mono_family.replace("'", "").replace('"', "").replace(";", "")
        return f"'{family}', monospace"


@dataclass(slots=True)
class RenderStats:
    """Counters that let tests and benchmarks prove what was (not) rendered again."""

    blocks: int = 0
    code_lines: int = 0
    characters: int = 0  # of Markdown parsed: what a streamed frame costs grows with it
    frames: int = 0  # streamed frames drawn (counted by the view)


class CodeHighlighter:
    """Turn code into escaped HTML with inline colour spans; lexers and span styles are cached."""

    def __init__(self, style_name: str, stats: RenderStats) -> None:
        self._style_name = style_name
        self._style: StyleMeta | None = None
        self._spans: dict[_TokenType, str] = {}
        self._lexers: dict[str, Lexer | None] = {}
        self._stats = stats

    def to_html(self, code: str, language: str) -> str:
        """Highlight `code` (no trailing newline is added); unknown languages are only escaped."""
        self._stats.code_lines += code.count("\n") + 1
        lexer = self._lexer(language)
        if lexer is None or not code:
            return escape(code, quote=False)
        runs: list[tuple[str, str]] = []
        for ttype, value in lexer.get_tokens(code):
            span = self._span(ttype)
            if runs and runs[-1][0] == span:
                runs[-1] = (span, runs[-1][1] + value)
            else:
                runs.append((span, value))
        # Pygments ends its output with a newline that the code may not have had.
        if runs and not code.endswith("\n") and runs[-1][1].endswith("\n"):
            runs[-1] = (runs[-1][0], runs[-1][1][:-1])
        out = []
        for span, value in runs:
            text = escape(value, quote=False)
            out.append(f'<span style="{span}">{text}</span>' if span and text else text)
        return "".join(out)

    def _lexer(self, language: str) -> Lexer | None:
        name = language.lower()
        if name not in self._lexers:
            from pygments.lexers import get_lexer_by_name
            from pygments.util import ClassNotFound

            try:
                self._lexers[name] = get_lexer_by_name(name, stripnl=False) if name else None
            except ClassNotFound:
                self._lexers[name] = None
        return self._lexers[name]

    def _span(self, ttype: _TokenType) -> str:
        span = self._spans.get(ttype)
        if span is None:
            if self._style is None:
                from pygments.styles import get_style_by_name

                self._style = get_style_by_name(self._style_name)
            style = self._style.style_for_token(ttype)
            rules = []
            if style["color"]:
                rules.append(f"color:#{style['color']}")
            if style["bold"]:
                rules.append("font-weight:600")
            if style["italic"]:
                rules.append("font-style:italic")
            span = self._spans[ttype] = ";".join(rules)
        return span


@dataclass(slots=True)
class RenderContext:
    """Per-render state: how to link code blocks, their numbering, and the code they hold.

    A long block is drawn in pieces (markdown_stream.py). `continued` says the first block
    rendered goes on from a piece before it: no top margin, no code label or table head, and
    fenced code keeps the earlier pieces' number, its code being `code_before` and this piece.
    `followed` says the last block goes on in a piece after it: no bottom margin.
    """

    code_link: Callable[[int], str] | None = None
    next_code: int = 0
    code: dict[int, str] = field(default_factory=dict)
    in_safe_link: bool = False
    continued: bool = False
    followed: bool = False
    code_before: str = ""
    copied_code: int | None = None  # the code block just copied: its link says so for a moment


class MarkdownRenderer:
    """Parse Markdown into top-level block tokens and render token runs to safe Qt-ready HTML."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self.stats = RenderStats()
        self._highlighter = CodeHighlighter(theme.pygments_style, self.stats)
        self._parser: tuple[MarkdownIt, RendererHTML] | None = None

    def _markdown_it(self) -> tuple[MarkdownIt, RendererHTML]:
        if self._parser is None:
            from markdown_it import MarkdownIt
            from markdown_it.renderer import RendererHTML

            md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
            md.enable(["table", "strikethrough"])
            assert isinstance(md.renderer, RendererHTML)
            # Typed as bound methods of the renderer; plain callables with the same arguments work.
            rules = cast("dict[str, Callable[..., str]]", md.renderer.rules)
            rules["fence"] = self._fence
            rules["code_block"] = self._code_block
            rules["code_inline"] = self._code_inline
            rules["link_open"] = self._link_open
            rules["link_close"] = self._link_close
            rules["image"] = self._image
            rules["softbreak"] = self._softbreak
            rules["table_open"] = self._table_open
            rules["blockquote_open"] = self._blockquote_open
            rules["th_open"] = self._th_open
            rules["td_open"] = self._td_open
            rules["heading_open"] = self._heading_open
            rules["heading_close"] = self._heading_close
            self._parser = (md, md.renderer)
        return self._parser

    def parse(self, source: str) -> list[Token]:
        """Parse Markdown (already passed through `sanitize_text`) into block tokens."""
        self.stats.characters += len(source)
        return self._markdown_it()[0].parse(source, {})

    def render(self, tokens: Sequence[Token], context: RenderContext) -> str:
        """Render a balanced run of tokens; fenced code is numbered from `context.next_code`."""
        starts = [i for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0]
        self.stats.blocks += len(starts)
        if starts and (context.continued or context.followed):
            tokens = mark_pieces(
                list(tokens), starts, continued=context.continued, followed=context.followed
            )
        md, renderer = self._markdown_it()
        html: str = renderer.render(tokens, md.options, {"dc": context})
        # Newlines here are only layout between tags, which Qt would turn into stray spaces;
        # soft breaks render as spaces and code lines as "&#10;", so none carries meaning.
        return html.replace("\n", "")

    def typing_html(self, text: str) -> str:
        """Show a line that is still being typed as plain text ("" for none)."""
        if not text.strip():
            return ""
        return (
            f'<p style="margin-top:0px; margin-bottom:0px; color:{self.theme.muted};'
            f' font-family:{self.theme.mono_css}; white-space:pre-wrap;">'
            f"{escape(text, quote=False).replace(chr(10), '<br />')}</p>"
        )

    def code_html(
        self,
        code: str,
        language: str,
        number: int,
        context: RenderContext,
        *,
        first: bool = True,
        last: bool = True,
    ) -> str:
        """Render (a run of lines of) a code block: a header line (language, Copy), then the code.

        A block streamed in several runs is drawn as one box: only the first run has the header,
        only the last one the bottom margin. Lines never wrap (`<pre>`): QTextDocument cannot
        scroll one block sideways, so a line wider than the column widens the page and the view
        scrolls sideways instead; wrapping would change what the code says, eliding would hide it.
        """
        theme = self.theme
        parts = []
        if first:
            label = escape(language, quote=False) or "code"
            copy = ""
            if context.code_link is not None:
                href = attr(context.code_link(number))
                copied = context.copied_code == number
                link = _("Copied") if copied else _("Copy code")
                copy = (
                    f' &nbsp;&nbsp;<a href="{href}" style="color:{theme.muted};'
                    f' text-decoration:none;" title="{attr(_("Copy this code block"))}">'
                    f"{icon_img('check' if copied else 'copy', 12)}&nbsp;{escape(link)}</a>"
                )
            parts.append(
                f'<p style="background-color:{theme.code_header}; color:{theme.muted};'
                f" margin-top:8px; margin-bottom:0px; font-size:{theme.pt(SMALL_SCALE)};"
                f' text-indent:10px;">{label}{copy}</p>'
            )
        body = self._highlighter.to_html(code, language).replace("\n", "&#10;")
        parts.append(
            f'<pre style="background-color:{theme.code_background}; margin-top:0px;'
            f" margin-bottom:{12 if last else 0}px; font-family:{theme.mono_css};"
            f' font-size:{theme.pt(CODE_SCALE)}; text-indent:10px;">{body}</pre>'
        )
        return "".join(parts)

    # -- render rules: (tokens, idx, options, env) -> html -------------------------------------

    def _fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        context: RenderContext = env["dc"]
        if not token.meta.get(CONTINUED) and not token.meta.get(FOLLOWED):
            return self._numbered_code(token.content, fence_language(token.info), context)
        code = token.content[:-1] if token.content.endswith("\n") else token.content
        if token.meta.get(CONTINUED):
            number = context.next_code - 1
            # A long line cut for display goes on in the same line (block_pieces.py).
            seam = "" if code.startswith(GOES_ON) else "\n"
            code = code.removeprefix(GOES_ON)
            context.code[number] = context.code_before + seam + code
        else:
            number = context.next_code
            context.next_code += 1
            context.code[number] = code
        return self.code_html(
            code,
            fence_language(token.info),
            number,
            context,
            first=not token.meta.get(CONTINUED),
            last=not token.meta.get(FOLLOWED),
        )

    def _code_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._numbered_code(tokens[idx].content, "", env["dc"])

    def _numbered_code(self, content: str, language: str, context: RenderContext) -> str:
        code = content[:-1] if content.endswith("\n") else content
        number = context.next_code
        context.next_code += 1
        context.code[number] = code
        return self.code_html(code, language, number, context)

    def _softbreak(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return " "

    def _code_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        text = escape(tokens[idx].content, quote=False)
        return (
            f'<code style="background-color:{self.theme.code_background};'
            f' font-family:{self.theme.mono_css}; font-size:{self.theme.pt(CODE_SCALE)};">'
            f"{text}</code>"
        )

    def _link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        href = str(tokens[idx].attrGet("href") or "")
        context: RenderContext = env["dc"]
        context.in_safe_link = is_safe_link(href)
        if not context.in_safe_link:
            return ""
        return f'<a href="{attr(href)}" style="color:{self.theme.link}" title="{attr(href)}">'

    def _link_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        context: RenderContext = env["dc"]
        was_link = context.in_safe_link
        context.in_safe_link = False
        return "</a>" if was_link else ""

    def _image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # Never an <img>: loading it would call out to the network or the disk.
        token = tokens[idx]
        alt = self._markdown_it()[1].renderInlineAsText(token.children or [], options, env)
        label = f'<span style="color:{self.theme.muted}">[image: {escape(alt, quote=False)}]</span>'
        src = str(token.attrGet("src") or "")
        context: RenderContext = env["dc"]
        if is_safe_link(src) and not context.in_safe_link:
            link = attr(src)
            return f'<a href="{link}" style="color:{self.theme.link}" title="{link}">{label}</a>'
        return label

    def _table_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        meta = tokens[idx].meta
        # A piece that goes on from one above it overlaps it by a line: one line between them.
        top = -1 if meta.get(CONTINUED) else 8
        bottom = 0 if meta.get(FOLLOWED) else 12
        if not meta:
            return (
                f'<table border="1" cellspacing="0" cellpadding="6"'
                f' style="border-color:{self.theme.border}; border-style:solid;'
                f' border-collapse:collapse; margin-top:{top}px; margin-bottom:{bottom}px;">'
            )
        # The pieces of a long table are tables of their own, as wide as the view, so that
        # their columns line up. Their lines are the table's colour showing between cells of the
        # page's colour, not collapsed borders: Qt paints those cell by cell and edge by edge,
        # 4-6 ms for a view full of rows against under 1 ms, and a table that streams is painted
        # again every frame. The margins put the lines where collapsed borders would be.
        return (
            f'<table border="0" cellspacing="1" cellpadding="6" width="100%"'
            f' bgcolor="{self.theme.border}" style="margin-top:{top}px;'
            f' margin-bottom:{bottom}px; margin-left:1px; margin-right:2px;">'
        )

    def _th_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self._cell_open(tokens[idx], self.theme.tint)

    def _td_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        if not token.meta.get(IN_PIECE):
            return self._markdown_it()[1].renderToken(tokens, idx, options, env)
        return self._cell_open(token, self.theme.background)

    def _cell_open(self, token: Token, background: str) -> str:
        """A cell, aligned as its column; in a table drawn in pieces, of an equal width."""
        width = token.attrGet("width")
        sized = f' width="{attr(str(width))}"' if width else ""
        align = token.attrGet("style") or ""
        return f'<{token.tag}{sized} style="background-color:{background}; {attr(str(align))}">'

    def _blockquote_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        # QTextDocument draws no border beside a block, nor padding inside one: a tinted block
        # with an indented first line marks the quote.
        style = (
            f"color:{self.theme.muted}; background-color:{self.theme.tint};"
            " margin-left:0px; margin-right:0px; text-indent:10px; line-height:160%;"
        )
        margins = tokens[idx].attrGet("style")  # a quote drawn in pieces (block_pieces.py)
        if margins:
            style += f" {margins};"
        return f'<blockquote style="{style}">'

    def _heading_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        level = int(tokens[idx].tag[1:])
        scale = HEADING_SCALE.get(level, 1.0)
        top = 20 if level <= 2 else 16
        style = f"font-size:{self.theme.pt(scale)}; font-weight:600;"
        margins = str(tokens[idx].attrGet("style") or "")  # a heading drawn in pieces
        top_margin = "0px" if margins and "margin-top:0px" in margins else f"{top}px"
        bottom_margin = "0px" if margins and "margin-bottom:0px" in margins else "8px"
        return f'<p style="{style} margin-top:{top_margin}; margin-bottom:{bottom_margin};">'

    def _heading_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return "</p>"
