"""`desktop-chat ask`: stream one answer to the terminal, on the same engine as the window.

Plain output: the answer's text on stdout as it arrives; notices (retries, tool calls) on stderr.
`--json`: stdout carries exactly one object once the stream has ended:
    {"text", "reasoning", "tool_calls": [{"id", "name", "arguments"}], "stop_reason",
     "usage": {"input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens"},
     "attempts"}
and "cost" when the endpoint has a price for the model and the provider reported the tokens;
with --attach, "attachments": [{"name", "media_type", "bytes", "bytes_sent"}] as sent (an image
also "pixels": [width, height] as sent and "original_pixels"; a text file sent cut, "cut": true);
when the turn failed, also "error": {"type", "message", "status", "provider_message"};
Ctrl-C prints the object too, with what had arrived and "error": {"type": "interrupted", ...}.
With `--run-tools` the calls the model makes are run (approved by `--approve`) until it answers;
`--json` then adds "steps": [{"text", "tool_calls": [{"id", "name", "arguments", "result",
"is_error", "approved"}]}] and "step_limit_reached", the other fields describing the last turn.
Exit codes: 0 success, 1 the turn failed (or the step limit ended the tool loop), 2 a usage or
settings problem (an attachment that cannot be read or sent included: nothing is sent then),
130 interrupted, 141 stdout's reader went away.

`--attach FILE` (repeatable) sends images (PNG, JPEG, GIF, WebP), PDFs and UTF-8 text files
with the message, as the window does (core/attachment.py); the prompt may then be left out. An
image over the protocol's limits is downscaled with Qt's image code, which `desktop_chat.__main__`
hands in (`image_fitter`) and which loads only when an image needs it.

The prompt is the argument, or stdin when no argument is given (`echo hi | desktop-chat ask`).
Given both, as `llm` does, stdin is the material and the argument the instruction: the message
is stdin's text, a blank line, then the argument (`cat notes.md | desktop-chat ask "summarize"`).
Stdin is read only when it is not a terminal, and not when `--run-tools --approve ask` needs it
for the answers.

The offline demo answers only when asked for (`--demo`) or when no endpoint is saved at all:
with endpoints saved but none active, a script is told so rather than handed a canned answer.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO, TypeVar

from desktop_chat.cli.error import CliError
from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.attachment import (
    TEXT_MAX_CHARS,
    ImageFitter,
    RememberingFitter,
    attachment_from_file,
    outgoing,
)
from desktop_chat.core.conversation import AssistantTurn, Attachment, Conversation, Message, Tool
from desktop_chat.core.engine import ChatRequest, Engine
from desktop_chat.core.errors import AttachmentError, ChatError, ConfigurationError
from desktop_chat.core.events import RetryScheduled, StreamEvent, TextDelta
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.image_header import image_size
from desktop_chat.session.target import Target, address_target, demo_target, saved_target
from desktop_chat.storage.validation import (
    LIMIT_FIELDS,
    MAX_THINKING_BUDGET,
    PROTOCOLS,
    REASONING_EFFORTS,
)

if TYPE_CHECKING:
    from desktop_chat.demo_server import DemoServer
    from desktop_chat.session.saved_turn import SavedTurn
    from desktop_chat.storage.price import ModelPrice
    from desktop_chat.storage.settings import Network, Settings

KEY_VARIABLE = "DESKTOP_CHAT_API_KEY"
MAX_STDIN_BYTES = 16 * 1024 * 1024  # what a pipe may carry into one message
DEFAULT_MAX_TOKENS = 1024
_T = TypeVar("_T")

EXAMPLES = """\
examples:
  desktop-chat ask "What is SSE?"
  echo "Why is the sky blue?" | desktop-chat ask
  cat notes.md | desktop-chat ask "summarize"       stdin, a blank line, then the instruction
  git diff | desktop-chat ask --preset reviewer "review this"
  desktop-chat ask --attach chart.png --attach notes.md "what changed?"
  desktop-chat ask --system-file prompts/terse.md --endpoint work --model gpt-4o "Hi"
  desktop-chat ask --json -c "and in one word?"     continue the last conversation
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "ask",
        help="stream one answer to the terminal",
        description="Stream one answer to stdout. With nothing configured, the demo answers.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "prompt", nargs="?", help="what to ask (default: stdin); with stdin too, the instruction"
    )
    parser.add_argument("--protocol", choices=PROTOCOLS)
    parser.add_argument(
        "--base-url",
        help="e.g. https://api.openai.com/v1 (openai, openai-responses) or "
        "https://api.anthropic.com (anthropic)",
    )
    parser.add_argument("--model")
    parser.add_argument("--endpoint", metavar="NAME", help="a saved endpoint (see `endpoint list`)")
    parser.add_argument(
        "--output-limit-field", choices=LIMIT_FIELDS,
        help="Chat Completions: the request field for --max-tokens (default: the saved "
        "endpoint's, or auto: max_completion_tokens for api.openai.com and Azure OpenAI)",
    )  # fmt: skip
    parser.add_argument(
        "--demo", action="store_true", help="ask the built-in offline demo endpoint"
    )
    parser.add_argument("--system", default="", metavar="TEXT", help="system prompt")
    parser.add_argument("--system-file", metavar="FILE", help="read the system prompt from FILE")
    parser.add_argument(
        "--preset", metavar="NAME",
        help="a saved preset (see `preset list`): its system prompt, model and options, "
        "for those not given here",
    )  # fmt: skip
    parser.add_argument("--tools", metavar="FILE", help="JSON list of OpenAI-format tools")
    parser.add_argument(
        "--attach", action="append", default=[], metavar="FILE",
        help="send FILE with the message: an image (PNG, JPEG, GIF, WebP), a PDF or a text "
        "file (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--max-tokens", type=int, metavar="N", help=f"default: {DEFAULT_MAX_TOKENS}"
    )
    parser.add_argument("--temperature", type=float)
    reasoning = parser.add_argument_group("reasoning (default: the saved endpoint's)")
    reasoning.add_argument(
        "--reasoning-effort", choices=[e for e in REASONING_EFFORTS if e],
        help="OpenAI-style protocols: how hard a reasoning model thinks",
    )  # fmt: skip
    reasoning.add_argument(
        "--thinking-budget", type=int, metavar="N",
        help="Anthropic: extended thinking with N tokens (at least 1024, below --max-tokens; "
        "0: none); the temperature must then be left unset or 1",
    )  # fmt: skip
    parser.add_argument("--max-retries", type=int, metavar="N")
    parser.add_argument("--backoff-base", type=float, metavar="S")
    parser.add_argument("--backoff-max", type=float, metavar="S")
    parser.add_argument("--connect-timeout", type=float, metavar="S")
    parser.add_argument("--read-timeout", type=float, metavar="S")
    parser.add_argument("--total-timeout", type=float, metavar="S")
    parser.add_argument(
        "--idle-timeout", type=float, metavar="S",
        help="give up when the reply carries no answer content for S seconds",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
        help="as `desktop-chat -v`: log each HTTP attempt to stderr and to the log file",
    )  # fmt: skip
    saved = parser.add_argument_group("history")
    saved.add_argument(
        "-c", "--continue", dest="continue_", action="store_true",
        help="continue the most recent conversation, sending its earlier messages",
    )  # fmt: skip
    saved.add_argument(
        "--conversation", metavar="ID", help="continue this conversation (see `history list`)"
    )
    saved.add_argument(
        "--no-history", action="store_true",
        help="do not save this exchange",
    )  # fmt: skip
    tools = parser.add_argument_group("running tools")
    tools.add_argument(
        "--run-tools", action="store_true",
        help="offer the built-in, user-defined and MCP tools and run the calls the model makes",
    )  # fmt: skip
    tools.add_argument(
        "--approve", choices=("all", "none", "ask"), default="ask",
        help="which calls run: all, none, or ask on the terminal (default)",
    )  # fmt: skip
    tools.add_argument("--max-steps", type=int, default=8, metavar="N", help="model turns at most")
    tools.add_argument("--tool-timeout", type=float, default=60.0, metavar="S")
    tools.add_argument(
        "--allow-dir", action="append", default=[], metavar="DIR",
        help="read_text_file may read files below DIR (repeatable; default: none)",
    )  # fmt: skip
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:  # before the stream started: the object still says what happened
        if args.json:
            _print_json(AssistantTurn(), interrupted=True)
        raise


def _run(args: argparse.Namespace) -> int:
    from desktop_chat.storage.settings_file import load_settings
    from desktop_chat.storage.validation import SettingsError

    try:
        loaded = load_settings()
    except SettingsError as exc:
        print(f"desktop-chat: {exc}", file=sys.stderr)
        return 2
    if loaded.notice:
        print(f"desktop-chat: {loaded.notice}", file=sys.stderr)
    try:
        _fill_in(args, loaded.settings)
        tools = _read_tools(args.tools) if args.tools else ()
        if args.max_tokens < 1:
            raise CliError("--max-tokens must be at least 1", 2)
        budget = args.thinking_budget
        if budget is not None and not 0 <= budget <= MAX_THINKING_BUDGET:
            raise CliError(f"--thinking-budget must be between 0 and {MAX_THINKING_BUDGET}", 2)
        if args.max_steps < 1 or args.tool_timeout <= 0:
            raise CliError("--max-steps must be at least 1 and --tool-timeout positive", 2)
        if args.no_history and (args.continue_ or args.conversation):
            raise CliError("--no-history cannot continue a conversation (-c, --conversation)", 2)
        if args.continue_ and args.conversation:
            raise CliError("give either -c/--continue or --conversation ID, not both", 2)
        args.attachments = _read_attachments(args.attach)
        transport, policy = _engine_settings(args, loaded.settings.network)
    except CliError as exc:
        print(f"desktop-chat: {exc}", file=sys.stderr)
        return exc.code
    return asyncio.run(_ask(args, loaded.settings, tools, transport, policy))


async def _ask(
    args: argparse.Namespace,
    settings: Settings,
    tools: tuple[Tool, ...],
    transport: TransportConfig,
    policy: RetryPolicy,
) -> int:
    """Ask, and on Ctrl-C (asyncio.run cancels this task) end with what had arrived."""
    printer = _Printer(sys.stdout, sys.stderr, plain=not args.json)
    try:
        return await _ask_once(args, settings, tools, transport, policy, printer)
    except asyncio.CancelledError:
        printer.end_line()
        if printer.saved is not None:
            printer.saved.interrupt(printer.partial, "interrupted (Ctrl-C)")
            printer.saved.warn(sys.stderr)
        if args.json:
            _print_json(printer.partial, interrupted=True, attachments=printer.attachments)
        print("desktop-chat: interrupted", file=sys.stderr)
        return 130


async def _ask_once(
    args: argparse.Namespace,
    settings: Settings,
    tools: tuple[Tool, ...],
    transport: TransportConfig,
    policy: RetryPolicy,
    printer: _Printer,
) -> int:
    demo = None
    try:
        target, demo = await _resolve_target(args, settings)
    except CliError as exc:
        print(f"desktop-chat: {exc}", file=sys.stderr)
        return exc.code
    try:
        try:
            conversation = _conversation(args, target, printer, settings.active_endpoint)
        except CliError as exc:
            print(f"desktop-chat: {exc}", file=sys.stderr)
            return exc.code
        fitter = _fitter(args, conversation)
        try:
            printer.attachments = _attachments_sent(
                conversation.messages[-1], target.endpoint.protocol, fitter
            )
        except AttachmentError as exc:
            if printer.saved is not None:
                printer.saved.finish(AssistantTurn(), exc)
            print(f"desktop-chat: {exc}", file=sys.stderr)
            return 2
        request = ChatRequest(
            target.model, conversation, args.max_tokens, args.temperature, tools,
            reasoning_effort=args.reasoning_effort, thinking_budget=args.thinking_budget,
            image_fitter=fitter,
        )  # fmt: skip
        try:
            engine = Engine(transport, policy)
        except ChatError as exc:
            if printer.saved is not None:
                printer.saved.finish(AssistantTurn(), exc)
            print(f"desktop-chat: {exc}", file=sys.stderr)
            return 2
        if args.run_tools:
            try:
                return await _ask_with_tools(args, settings, target, request, engine, printer)
            finally:
                await engine.aclose()
        try:
            turn = await engine.run(target.endpoint, request, printer.on_event)
        except ChatError as exc:
            exc = target.explain(exc)
            partial = exc.partial if exc.partial is not None else AssistantTurn()
            printer.end_line()
            if printer.saved is not None:
                printer.saved.finish(partial, exc, cost=_cost(target.price, partial))
                printer.saved.warn(sys.stderr)
            if args.json:
                _print_json(partial, error=exc, price=target.price, attachments=printer.attachments)
            print(f"desktop-chat: {exc}", file=sys.stderr)
            return _failure_status(exc)
        finally:
            await engine.aclose()
        printer.end_line()
        if printer.saved is not None:
            printer.saved.finish(turn, cost=_cost(target.price, turn))
            printer.saved.warn(sys.stderr)
        if args.json:
            _print_json(turn, price=target.price, attachments=printer.attachments)
        else:
            for call in turn.tool_calls:
                print(f"tool call: {call.name}({call.arguments})", file=sys.stderr)
        return 0
    finally:
        if demo is not None:
            demo.stop()


class _Printer:
    """Write text as it streams; after a retry that voids printed text, start on a fresh line.

    It keeps the turn so far (`partial`), for when the user interrupts.
    """

    def __init__(self, out: TextIO, err: TextIO, *, plain: bool) -> None:
        self._out = out
        self._err = err
        self._plain = plain
        self._mid_line = False
        self._turn = Accumulator()
        self.saved: SavedTurn | None = None  # the answer as saved in the history, if it is
        self.attachments: list[dict[str, object]] = []  # as sent, for --json

    @property
    def partial(self) -> AssistantTurn:
        return self._turn.turn

    def on_event(self, event: StreamEvent) -> None:
        self._turn.feed(event)
        if self.saved is not None:
            self.saved.on_event(event)
        if type(event) is TextDelta:
            if self._plain:
                self._out.write(event.text)
                self._out.flush()
                self._mid_line = not event.text.endswith("\n")
        elif isinstance(event, RetryScheduled):
            self.end_line()
            notice = (
                f"{event.cause.cause_label} — retrying in {event.delay:.1f} s "
                f"(attempt {event.attempt + 1} of {event.max_attempts}): {event.cause}"
            )
            if event.partial_text and self._plain:
                notice += "; the answer restarts below"
            print(f"desktop-chat: {notice}", file=self._err, flush=True)

    def end_line(self) -> None:
        if self._mid_line:
            self._out.write("\n")
            self._out.flush()
            self._mid_line = False


async def _ask_with_tools(
    args: argparse.Namespace,
    settings: Settings,
    target: Target,
    request: ChatRequest,
    engine: Engine,
    printer: _Printer,
) -> int:
    """Run the tool loop; stdout gets the answer (or --json with "steps"), stderr each call."""
    from desktop_chat.storage.secrets import KeyStore
    from desktop_chat.tools.headless import HeadlessOptions, run_headless, steps_json

    options = HeadlessOptions(
        args.approve, args.max_steps, args.tool_timeout, tuple(map(Path, args.allow_dir))
    )
    # The steps are saved when the loop ends: one streaming answer cannot hold several steps.
    saved, printer.saved = printer.saved, None
    outcome = await run_headless(
        engine, target.endpoint, request, settings, options,
        on_stream=printer.on_event, end_line=printer.end_line,
        inp=sys.stdin, err=sys.stderr, persist_always_allow=_persist_always_allow,
        keystore=KeyStore(),
    )  # fmt: skip
    printer.end_line()
    result, error = outcome.result, outcome.error
    error = None if error is None else target.explain(error)
    limit = result is not None and result.step_limit_reached
    if saved is not None:
        final = result.turn if result is not None else (error and error.partial) or AssistantTurn()
        saved.finish_steps(result.steps if result is not None else outcome.steps, final, error)
        saved.warn(sys.stderr)
    if args.json:
        partial = None if error is None else error.partial
        turn = result.turn if result is not None else partial or AssistantTurn()
        extra = {"steps": steps_json(outcome.steps), "step_limit_reached": limit}
        _print_json(
            turn, error=error, extra=extra, price=target.price, attachments=printer.attachments
        )
    if error is not None:
        print(f"desktop-chat: {error}", file=sys.stderr)
        return _failure_status(error)
    return 1 if limit else 0


def _conversation(
    args: argparse.Namespace, target: Target, printer: _Printer, active_endpoint: str | None
) -> Conversation:
    """The question, after the earlier messages when continuing; saved first unless opted out.

    The question is committed to the history before the request goes out, and the answer is
    saved as it streams (`printer.saved`); with --run-tools, its steps once the loop has ended.
    """
    question = Message("user", text=args.prompt, attachments=args.attachments)
    if args.no_history:
        return Conversation(args.system, [question])
    from desktop_chat.cli.history import open_store, resolve
    from desktop_chat.session.saved_turn import SavedTurn, earlier_messages
    from desktop_chat.storage.history_schema import HistoryError

    try:
        store = open_store()
        conversation_id = None
        if args.continue_:
            latest = store.latest()  # changed last, pinned or not
            if latest is None:
                raise CliError("there is no saved conversation to continue", 1)
            conversation_id = latest.id
        elif args.conversation:
            conversation_id = resolve(store, args.conversation)
        system, earlier = args.system, list[Message]()
        if conversation_id is not None:
            saved_system, earlier, _ = earlier_messages(store, conversation_id)
            system = args.system or saved_system
        conversation = Conversation(system, [*earlier, question])
        endpoint = target.endpoint
        meta: dict[str, object] = {
            "endpoint": "demo" if args.demo else args.endpoint or active_endpoint,
            "protocol": endpoint.protocol,
            "model": target.model,
            "options": {
                "max_tokens": args.max_tokens, "temperature": args.temperature,
                "output_limit_field": endpoint.output_limit_field,
                "reasoning_effort": args.reasoning_effort or endpoint.reasoning_effort or None,
                "thinking_budget": _pick(args.thinking_budget, endpoint.thinking_budget),
            },
            "headers": dict(endpoint.extra_headers),
        }  # fmt: skip
        printer.saved = SavedTurn.begin(store, conversation_id, conversation, meta)
        printer.saved.start_flushing()
    except HistoryError as exc:
        raise CliError(str(exc), 2) from exc
    return conversation


def _persist_always_allow(key: str) -> None:
    from desktop_chat.storage.settings_file import load_settings
    from desktop_chat.storage.settings_update import kept_notice, save_merged
    from desktop_chat.storage.validation import SettingsError

    def kept(copy: Path) -> None:
        print(f"desktop-chat: warning: {kept_notice(copy)}", file=sys.stderr)

    try:
        settings = load_settings().settings
        allowed = settings.with_tools(settings.tools.with_always_allow(key))
        save_merged(settings, allowed, kept=kept)
    except (OSError, SettingsError) as exc:
        print(f"desktop-chat: warning: could not save 'always allow': {exc}", file=sys.stderr)


def _print_json(
    turn: AssistantTurn,
    error: ChatError | None = None,
    extra: dict[str, object] | None = None,
    *,
    interrupted: bool = False,
    price: ModelPrice | None = None,
    attachments: list[dict[str, object]] | None = None,
) -> None:
    from desktop_chat.session.saved_turn import usage_of

    result: dict[str, object] = {
        "text": turn.text,
        "reasoning": turn.reasoning,
        "tool_calls": [
            {"id": call.id, "name": call.name, "arguments": call.arguments}
            for call in turn.tool_calls
        ],
        "stop_reason": turn.stop_reason,
        "usage": usage_of(turn),
        "attempts": turn.attempts,
    }
    cost = _cost(price, turn)
    if cost is not None:
        result["cost"] = cost
    if error is not None:
        result["error"] = {
            "type": type(error).__name__.rstrip("_"),
            "message": str(error),
            "status": error.status,
            "provider_message": error.provider_message,
        }
    if interrupted:
        message = "interrupted (Ctrl-C) before the answer was complete"
        result["error"] = {
            "type": "interrupted", "message": message, "status": None, "provider_message": None
        }  # fmt: skip
    if attachments:
        result["attachments"] = attachments
    result.update(extra or {})
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _failure_status(error: ChatError) -> int:
    """2 for a request the provider's rules refuse before sending (a thinking budget, an
    attachment it cannot take), else 1."""
    partial = error.partial
    unsent = partial is not None and partial.attempts == 0
    return 2 if isinstance(error, ConfigurationError | AttachmentError) and unsent else 1


def _read_attachments(paths: list[str]) -> tuple[Attachment, ...]:
    try:
        return tuple(attachment_from_file(Path(path)) for path in paths)
    except AttachmentError as exc:
        raise CliError(str(exc), 2) from exc


def _fitter(args: argparse.Namespace, conversation: Conversation) -> ImageFitter | None:
    """The image fitter `__main__` handed in, remembering its work, when the conversation sent
    holds an image (attached now, or to an earlier message of a continued conversation)."""
    given: ImageFitter | None = getattr(args, "image_fitter", None)
    images = (a for m in conversation.messages for a in m.attachments if a.kind == "image")
    if given is None or next(images, None) is None:
        return None
    return RememberingFitter(given)


def _attachments_sent(
    question: Message, protocol: str, fitter: ImageFitter | None
) -> list[dict[str, object]]:
    """What of each attachment goes out, for --json; raises AttachmentError before sending.

    The images are fitted here, once: the request's fitter remembers them.
    """
    sent = iter(outgoing(question, protocol, fitter).images)
    report: list[dict[str, object]] = []
    for attachment in question.attachments:
        item: dict[str, object] = {
            "name": attachment.name, "media_type": attachment.media_type,
            "bytes": attachment.size, "bytes_sent": attachment.size,
        }  # fmt: skip
        if attachment.kind == "image":
            image = next(sent)
            item.update(media_type=image.media_type, bytes_sent=image.size)
            item["pixels"] = list(image_size(image.data) or ())
            item["original_pixels"] = list(image_size(attachment.data) or ())
        elif attachment.kind == "text":
            text = attachment.data.decode("utf-8", "replace").removeprefix("\ufeff")
            item["bytes_sent"] = len(text[:TEXT_MAX_CHARS].encode())
            if len(text) > TEXT_MAX_CHARS:
                item["cut"] = True
        report.append(item)
    return report


def _cost(price: ModelPrice | None, turn: AssistantTurn) -> float | None:
    return None if price is None else price.cost(turn)


def _fill_in(args: argparse.Namespace, settings: Settings) -> None:
    """Settle the prompt, the system prompt and the options from stdin, files and the preset.

    What the command line gives wins; the preset fills in the rest; then the defaults.
    """
    from desktop_chat.cli.presets import read_system_file

    if args.system and args.system_file:
        raise CliError("give either --system or --system-file, not both", 2)
    if args.system_file:
        args.system = read_system_file(args.system_file)
    if args.preset:
        preset = settings.preset(args.preset)
        if preset is None:
            raise CliError(f"no preset named {args.preset!r} (see `desktop-chat preset list`)", 2)
        explicit_system = args.system or args.system_file
        args.system = args.system if explicit_system else preset.system
        args.model = args.model or preset.model or None
        args.temperature = _pick(args.temperature, preset.temperature)
        args.max_tokens = _pick(args.max_tokens, preset.max_tokens)
    args.max_tokens = _pick(args.max_tokens, DEFAULT_MAX_TOKENS)
    args.prompt = _prompt(args)


def _prompt(args: argparse.Namespace) -> str:
    """The message to send: the argument, stdin, or stdin's material then the argument."""
    answers_on_stdin = args.run_tools and args.approve == "ask" and args.prompt is not None
    material = None if answers_on_stdin or _is_terminal(sys.stdin) else _read_stdin()
    if material is not None and not material.strip():
        material = None  # an empty pipe (or /dev/null) adds nothing
    if args.prompt is None and material is None and args.attach:
        return ""  # the attachments are the message
    if args.prompt is None and material is None:
        raise CliError(
            "nothing to ask: give the prompt as an argument or on stdin "
            '(`desktop-chat ask "..."`, `echo ... | desktop-chat ask`)',
            2,
        )
    if material is None:
        return str(args.prompt)
    material = material.rstrip("\n")
    return material if args.prompt is None else f"{material}\n\n{args.prompt}"


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is None or stream.isatty()
    except ValueError:  # closed
        return True


def _read_stdin() -> str | None:
    """Stdin's text, bounded; None when there is no stdin to read."""
    buffer: BinaryIO | None = getattr(sys.stdin, "buffer", None)  # None: a test's StringIO
    raw: bytes | str
    try:
        raw = buffer.read(MAX_STDIN_BYTES + 1) if buffer is not None else sys.stdin.read()
    except (OSError, ValueError):
        return None  # no stdin at all (closed): nothing was piped
    if isinstance(raw, str):
        return raw
    if len(raw) > MAX_STDIN_BYTES:
        raise CliError(f"stdin holds more than {MAX_STDIN_BYTES // 1024**2} MiB: too much", 2)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"stdin is not UTF-8 text (byte {exc.start})", 2) from exc


def _read_tools(path: str) -> tuple[Tool, ...]:
    try:
        with open(path, encoding="utf-8") as file:
            specs = json.load(file)
    except OSError as exc:
        raise CliError(f"cannot read the tools file {path!r}: {exc.strerror}", 2) from exc
    except ValueError as exc:
        raise CliError(f"the tools file {path!r} is not valid JSON: {exc}", 2) from exc
    if not isinstance(specs, list):
        raise CliError(f"the tools file {path!r} must hold a JSON list of tools", 2)
    try:
        return tuple(Tool.from_openai(spec) for spec in specs)
    except (ValueError, AttributeError) as exc:
        raise CliError(f"the tools file {path!r}: {exc}", 2) from exc


def _engine_settings(
    args: argparse.Namespace, network: Network
) -> tuple[TransportConfig, RetryPolicy]:
    """Saved network settings, overridden by the command line."""
    from desktop_chat.storage.engine_config import retry_policy, transport_config
    from desktop_chat.storage.settings import OPTIONS

    overrides = {
        "--max-retries": args.max_retries,
        "--backoff-base": args.backoff_base,
        "--backoff-max": args.backoff_max,
        "--connect-timeout": args.connect_timeout,
        "--read-timeout": args.read_timeout,
        "--total-timeout": args.total_timeout,
        "--idle-timeout": args.idle_timeout,
    }
    for flag, value in overrides.items():
        # The same bounds as the saved options, e.g. network.max_retries for --max-retries.
        option = OPTIONS["network." + flag.removeprefix("--").replace("-", "_")]
        lo, hi = option.lo, option.hi
        if value is None or lo is None or hi is None:
            continue
        if not (math.isfinite(value) and lo <= value <= hi):
            raise CliError(f"{flag} must be between {lo:g} and {hi:g}", 2)
    saved_policy = retry_policy(network)
    policy = RetryPolicy(
        max_retries=_pick(args.max_retries, saved_policy.max_retries),
        base_delay=_pick(args.backoff_base, saved_policy.base_delay),
        max_delay=_pick(args.backoff_max, saved_policy.max_delay),
    )
    transport = dataclasses.replace(
        transport_config(network),
        connect_timeout=_pick(args.connect_timeout, network.connect_timeout),
        read_timeout=_pick(args.read_timeout, network.read_timeout),
        total_timeout=_pick(args.total_timeout, network.total_timeout),
        idle_timeout=_pick(args.idle_timeout, network.idle_timeout),
    )
    return transport, policy


def _pick(given: _T | None, saved: _T) -> _T:
    return saved if given is None else given


async def _resolve_target(
    args: argparse.Namespace, settings: Settings
) -> tuple[Target, DemoServer | None]:
    """Where to send the question: flags, else the active endpoint; the demo only if chosen.

    Without --demo the demo answers only a profile with no endpoint at all (a first try).
    """
    if args.demo or not (args.base_url or args.endpoint or settings.endpoints):
        from desktop_chat.demo_server import DEMO_MODEL, DemoServer

        demo = DemoServer()
        base_url = await asyncio.to_thread(demo.start)
        return demo_target(base_url, args.model or DEMO_MODEL), demo
    if args.base_url:
        if not args.protocol:
            raise CliError(f"--base-url needs --protocol ({', '.join(PROTOCOLS)})", 2)
        if not args.model:
            raise CliError("--model is required with --base-url", 2)
        key = os.environ.get(KEY_VARIABLE) or None
        limit_field = args.output_limit_field or "auto"
        return address_target(args.protocol, args.base_url, args.model, key, limit_field), None
    if not args.endpoint and settings.active_endpoint is None:
        count = len(settings.endpoints)
        listed = ", ".join(repr(ep.name) for ep in settings.endpoints[:10])
        listed += f" and {count - 10} more" if count > 10 else ""
        raise CliError(
            f"no endpoint is active (saved: {listed}); choose one with `desktop-chat endpoint "
            "use NAME`, or pass --endpoint NAME (or --demo for the offline demo)",
            2,
        )
    return await _saved_target(args, settings), None


async def _saved_target(args: argparse.Namespace, settings: Settings) -> Target:
    from desktop_chat.storage.endpoint_key import KeyMovedError, cli_remedy, endpoint_key
    from desktop_chat.storage.secrets import KeyStore, KeyStoreError

    name: str = args.endpoint or settings.active_endpoint or ""
    saved = settings.endpoint(name)
    if saved is None:
        raise CliError(f"no saved endpoint named {name!r} (see `desktop-chat endpoint list`)", 2)
    key = os.environ.get(KEY_VARIABLE) or None
    missing = None
    if key is None:
        try:
            found = await endpoint_key(KeyStore(), saved, cli_remedy(saved))
        except KeyMovedError as exc:
            raise CliError(str(exc), 2) from exc
        except KeyStoreError as exc:
            raise CliError(f"{exc}; set {KEY_VARIABLE} instead", 2) from exc
        key, missing = found.value, found.missing
    model = (
        args.model or (settings.active_model if not args.endpoint else None) or saved.default_model
    )
    if not model:
        raise CliError(f"endpoint {name!r} has no default model: pass --model", 2)
    return saved_target(
        saved,
        model,
        key=key,
        missing_key=None if missing is None else [missing],
        protocol=args.protocol,
        output_limit_field=args.output_limit_field,
    )
