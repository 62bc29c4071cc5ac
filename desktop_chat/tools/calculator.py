"""Evaluate arithmetic safely: a walk over Python's `ast`, never `eval`.

Allowed: int and float literals, + - * / // % **, unary + and -, parentheses, the functions in
:data:`FUNCTIONS` and the constants in :data:`CONSTANTS`. Everything else is refused with the
reason. Results stay small: exponents and integer sizes are bounded *before* computing, so
``9**9**9`` is refused at once instead of running for minutes.

Every step must end in microseconds, not merely the whole: a single long C call (a huge power,
``10**10**7`` hidden in ``round(1, -10**7)``'s digits, a giant factorial) holds the GIL, so not
even a worker thread would keep the window turning, and no thread can be stopped. So every
operation is bounded by the size of its operands: integers to MAX_INT_BITS, exponents to
MAX_EXPONENT, ``round``'s digits to what can change an operand that size, factorials to a result
that fits, nesting to MAX_DEPTH and the text to MAX_EXPRESSION.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable

from desktop_chat.i18n import _

MAX_EXPRESSION = 1000  # characters
MAX_DEPTH = 50  # nesting; deeper trees are refused before Python's own recursion limit
MAX_INT_BITS = 4096  # about 1233 decimal digits
MAX_EXPONENT = 10_000
# Past this many digits either way, rounding a number within MAX_INT_BITS (about 1233 digits)
# or a float (at most 1e308, at least 5e-324) gives the same result as any further digit count.
ROUND_DIGITS = 1_300

Number = int | float


def _round(value: Number, digits: Number | None = None) -> Number:
    """``round``, with the digit count clamped where it can no longer change the result.

    ``round(1, -10**7)`` computes ``10**10**7`` inside one C call (8 s here); clamping to
    ±ROUND_DIGITS gives the identical result at once.
    """
    if digits is None:
        return round(value)
    if isinstance(digits, int):
        digits = max(-ROUND_DIGITS, min(ROUND_DIGITS, digits))
    return round(value, digits)  # type: ignore[arg-type]  # a float count is the caller's TypeError


CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}
FUNCTIONS: dict[str, Callable[..., Number]] = {
    "abs": abs,
    "round": _round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "hypot": math.hypot,
    "floor": math.floor,
    "ceil": math.ceil,
    "factorial": math.factorial,
    "radians": math.radians,
    "degrees": math.degrees,
}


class CalculatorError(ValueError):
    """Raised for an expression that is not allowed or cannot be computed; says why."""


def evaluate(expression: str) -> Number:
    """Compute `expression`; raise CalculatorError for anything but bounded arithmetic."""
    if len(expression) > MAX_EXPRESSION:
        raise CalculatorError(
            _("the expression is longer than {count} characters").format(count=MAX_EXPRESSION)
        )
    try:
        # The tokenizer warns about text like "1if" on stderr; the expression is refused or
        # computed either way. (catch_warnings is process-wide: this briefly mutes other threads'
        # warnings too, a fair price for a parse of at most MAX_EXPRESSION characters.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise CalculatorError(
            _("not a valid expression: {reason}").format(reason=exc.msg)
        ) from None
    except (MemoryError, RecursionError):  # the parser's own nesting limit, e.g. "(1,(1,(1,…"
        raise CalculatorError(_("the expression is nested too deeply")) from None
    try:
        return _Evaluator().visit(tree.body, 0)
    except (ZeroDivisionError, OverflowError, ValueError, TypeError) as exc:
        if isinstance(exc, CalculatorError):
            raise
        raise CalculatorError(_("cannot compute: {reason}").format(reason=exc)) from None


def format_number(value: Number) -> str:
    """Show integers exactly and floats without noise (``0.30000000000000004`` stays honest)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


class _Evaluator:
    def visit(self, node: ast.expr, depth: int) -> Number:
        if depth > MAX_DEPTH:
            raise CalculatorError(_("the expression is nested too deeply"))
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise CalculatorError(
                    _("only numbers are allowed, not {value!r}").format(value=node.value)
                )
            return _checked(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            operand = self.visit(node.operand, depth + 1)
            return operand if isinstance(node.op, ast.UAdd) else -operand
        if isinstance(node, ast.BinOp):
            left = self.visit(node.left, depth + 1)
            right = self.visit(node.right, depth + 1)
            return _checked(_binary(node.op, left, right))
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise CalculatorError(
                _("unknown name {name!r}; constants: {constants}").format(
                    name=node.id, constants=", ".join(CONSTANTS)
                )
            )
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        raise CalculatorError(
            _("{kind} is not allowed in an expression").format(kind=type(node).__name__)
        )

    def _call(self, node: ast.Call, depth: int) -> Number:
        if not isinstance(node.func, ast.Name):
            raise CalculatorError(
                _("only these functions may be called: {functions}").format(
                    functions=", ".join(FUNCTIONS)
                )
            )
        if node.func.id not in FUNCTIONS:
            raise CalculatorError(
                _("unknown function {name!r}; functions: {functions}").format(
                    name=node.func.id, functions=", ".join(FUNCTIONS)
                )
            )
        if node.keywords:
            raise CalculatorError(_("functions take positional arguments only"))
        args = [self.visit(arg, depth + 1) for arg in node.args]
        if node.func.id == "factorial" and args and isinstance(args[0], int):
            _bound_factorial(args[0])
        return _checked(FUNCTIONS[node.func.id](*args))


def _binary(op: ast.operator, left: Number, right: Number) -> Number:
    if isinstance(op, ast.Add):
        return left + right
    if isinstance(op, ast.Sub):
        return left - right
    if isinstance(op, ast.Mult):
        if isinstance(left, int) and isinstance(right, int):
            _bound_bits(left.bit_length() + right.bit_length())
        return left * right
    if isinstance(op, ast.Div):
        return left / right
    if isinstance(op, ast.FloorDiv):
        return left // right
    if isinstance(op, ast.Mod):
        return left % right
    if isinstance(op, ast.Pow):
        return _power(left, right)
    raise CalculatorError(
        _("the operator {operator} is not allowed").format(operator=type(op).__name__)
    )


def _power(base: Number, exponent: Number) -> Number:
    if abs(exponent) > MAX_EXPONENT:
        raise CalculatorError(_("exponents are limited to ±{limit}").format(limit=MAX_EXPONENT))
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        # Estimate the size first: computing it to find out is what must not happen.
        _bound_bits(max(base.bit_length() - 1, 0) * exponent + 1)
    result: Number = base**exponent
    if isinstance(result, complex):
        raise CalculatorError(_("the result is not a real number"))
    return result


def _bound_factorial(n: int) -> None:
    """Refuse a factorial whose result would be too large, before computing it."""
    if n > 1 and math.lgamma(min(n, 10**6) + 1) / math.log(2) > MAX_INT_BITS:
        raise CalculatorError(
            _("factorial({n}) would have more than {bits} bits").format(n=n, bits=MAX_INT_BITS)
        )


def _bound_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise CalculatorError(
            _("the result would have more than {bits} bits").format(bits=MAX_INT_BITS)
        )


def _checked(value: Number) -> Number:
    if isinstance(value, int):
        _bound_bits(value.bit_length())
    return value
