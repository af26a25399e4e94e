"""The Jinja sandbox every form renders and is checked in: escaped output, bounded work.

Jinja's own sandbox stops a form reaching Python internals but not asking for unbounded work:
two nested ``range(100000)`` loops, or ``"x" * 10**9``, would hold a worker for minutes and take
gigabytes. This sandbox bounds ranges (each, and all of them together in one render), the size
of what ``*``, ``+``, ``**`` and ``%`` build, the widths that formatting and padding pad to,
and the text a render prints. What it cannot see (``~`` joins, items a loop runs over from a
list) is left to the resource limits of app/rendering/isolated.py for forms a trust uploads.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import string
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

# Control characters are not allowed in XML, and docxtpl turns \a and \f in a rendered
# value into a new paragraph and a page break; \t and \n become a tab and a line break.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Filters whose output is raw markup: with them a template could insert a value unescaped.
RAW_FILTERS = ("safe", "urlize", "xmlattr")
# A printf-style conversion's width and precision: "%-30s", "%.2f", "%*d".
PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
# str methods that pad to a width given as their first argument.
PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


@dataclass(frozen=True)
class SandboxLimits:
    """How much work one render of a form may ask for."""

    max_range: int = 10_000  # items in one range()
    max_range_items: int = 100_000  # items all the ranges of one render yield together
    max_length: int = 1_000_000  # characters or items in a text or list a form builds, or pads to
    max_digits: int = 4_300  # digits of a number * or ** may produce (Python prints no more)
    max_printed: int = 20_000_000  # characters one render prints


# Compiled parts kept for the next render: docxtpl compiles every part of a form on each render,
# and compiling was a tenth of filling a contract. Code holds no render's state; each render runs
# it in its own environment, with its own limits and record of what it printed.
COMPILED = 64
_compiled: OrderedDict[tuple[Any, ...], CodeType] = OrderedDict()
_compiled_lock = threading.Lock()


class LimitError(SecurityError):
    """A form asked for more work than a form may: a huge range, text, list or number."""


class LimitedSandbox(SandboxedEnvironment):
    """A sandboxed environment that refuses a form asking for unbounded time or memory."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: SandboxLimits, **options: Any) -> None:
        super().__init__(**options)
        self.limits = limits
        self.range_items = 0  # spent by this environment's renders, which is one render of a form
        self.printed_chars = 0
        self.globals["range"] = self.bounded_range
        for name, bounded in BOUNDED_FILTERS.items():
            original = self.filters[name]
            wrapper = functools.partial(bounded, self, original)
            if hasattr(original, "jinja_pass_arg"):  # Jinja reads this when compiling: replace wants eval_ctx
                wrapper.jinja_pass_arg = original.jinja_pass_arg  # type: ignore[attr-defined]
            self.filters[name] = wrapper

    def compile(  # type: ignore[override]  # Jinja's overloads: here always code, never raw source
        self, source: Any, name: str | None = None, filename: str | None = None, raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Compile as Jinja does, reusing the code compiled before from the same source in an environment like this one."""
        if raw or not isinstance(source, str):
            return super().compile(source, name, filename, raw, defer_init)
        key = (hashlib.sha256(source.encode()).digest(), name, filename, defer_init, self._compiles_alike())
        with _compiled_lock:
            if key in _compiled:
                _compiled.move_to_end(key)
                return _compiled[key]
        code = super().compile(source, name, filename, raw, defer_init)
        with _compiled_lock:
            _compiled[key] = code
            while len(_compiled) > COMPILED:
                _compiled.popitem(last=False)
        return code

    def _compiles_alike(self) -> tuple[Any, ...]:
        """What the code Jinja generates depends on besides the source: syntax, filters and tests, escaping."""
        def named(functions: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
            return tuple(sorted((n, getattr(f, "jinja_pass_arg", None)) for n, f in functions.items()))

        return (
            type(self), self.block_start_string, self.block_end_string, self.variable_start_string,
            self.variable_end_string, self.comment_start_string, self.comment_end_string,
            self.line_statement_prefix, self.line_comment_prefix, self.trim_blocks, self.lstrip_blocks,
            self.newline_sequence, self.keep_trailing_newline, self.optimized, self.is_async,
            tuple(sorted(self.extensions)), named(self.filters), named(self.tests),
            self.autoescape if isinstance(self.autoescape, bool) else id(self.autoescape),
            self.finalize is not None and getattr(self.finalize, "jinja_pass_arg", None),
            self.intercepted_binops, self.intercepted_unops,
        )  # fmt: skip

    def bounded_range(self, *args: int) -> CountedRange:
        """Return range(*args) if it is small enough, counting its items against the render's budget."""
        items = range(*args)
        if len(items) > self.limits.max_range:
            raise LimitError(
                f"the form asks for a range of {len(items)} items; at most {self.limits.max_range} are allowed"
            )
        return CountedRange(items, self)

    def spend_range_item(self) -> None:
        """Count one item a range yields; refuse once the render has used its budget."""
        self.range_items += 1
        if self.range_items > self.limits.max_range_items:
            raise LimitError(
                f"the form's loops over ranges run more than {self.limits.max_range_items} times in all "
                "(nested loops?); a form may not repeat that often"
            )

    def count_printed(self, text: str) -> None:
        """Count printed characters; refuse once the render has printed too much."""
        self.printed_chars += len(text)
        if self.printed_chars > self.limits.max_printed:
            raise LimitError(f"the form prints more than {self.limits.max_printed} characters")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse * + ** % whose result would be too large, before building it."""
        if operator == "*":
            self.check_repeat(left, right)
        elif operator == "+":
            if _is_sequence(left) and _is_sequence(right):
                self.check_length(len(left) + len(right), "joins texts or lists into")
        elif operator == "**":
            self.check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            self.check_printf(left)
        return super().call_binop(context, operator, left, right)

    def check_repeat(self, left: Any, right: Any) -> None:
        """Refuse text or list * n longer than max_length, and a product of two very large numbers."""
        for sequence, times in ((left, right), (right, left)):
            if _is_sequence(sequence) and _is_int(times):
                self.check_length(len(sequence) * max(times, 0), "repeats a text or list to")
                return
        if _is_int(left) and _is_int(right) and left and right:
            self.check_digits(_digits(left) + _digits(right))

    def check_power(self, base: Any, exponent: Any) -> None:
        """Refuse an integer power with more than max_digits digits."""
        if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
            self.check_digits(exponent * math.log10(abs(base)))

    def check_digits(self, digits: float) -> None:
        """Refuse a number of more than max_digits digits."""
        if digits > self.limits.max_digits:
            raise LimitError(
                f"the form asks for a number of about {int(digits)} digits; "
                f"at most {self.limits.max_digits} are allowed"
            )

    def check_length(self, length: int, verb: str) -> None:
        """Refuse a text or list of more than max_length items."""
        if length > self.limits.max_length:
            raise LimitError(
                f"the form {verb} {length} characters or items; at most {self.limits.max_length} are allowed"
            )

    def check_width(self, width: Any) -> None:
        """Refuse padding to a width larger than max_length."""
        if _is_int(width) and width > self.limits.max_length:
            raise LimitError(
                f"the form pads text to {width} characters; at most {self.limits.max_length} are allowed"
            )

    def check_printf(self, template: str) -> None:
        """Refuse a %-format whose width or precision is computed or too large."""
        for field in PRINTF_FIELD.finditer(template):
            for size in field.groups():
                if size == "*":
                    raise LimitError(
                        "the form formats text to a computed width ('%*'); give the width as a number"
                    )
                if size is not None:
                    self.check_width(int(size))

    def check_format_spec(self, template: str) -> None:
        """Refuse a str.format field whose width or precision is computed or too large."""
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            return  # str.format will raise the same error itself
        for _, _, spec, _ in fields:
            if spec and "{" in spec:
                raise LimitError(
                    "the form formats text to a computed width ('{:{}}'); give the width as a number"
                )
            for size in re.findall(r"\d+", spec or ""):
                self.check_width(int(size))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandbox str.format as Jinja does, refusing huge or computed widths first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def bounded(*args: Any, **kwargs: Any) -> str:
            self.check_format_spec(template)
            return wrapped(*args, **kwargs)

        return bounded

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call from sandboxed code, refusing str padding methods asked for a huge width."""
        if (
            isinstance(getattr(__obj, "__self__", None), str)
            and getattr(__obj, "__name__", "") in PADDING_METHODS
        ):
            for width in (*args[:1], *kwargs.values()):
                __self.check_width(width)
        return super().call(__context, __obj, *args, **kwargs)


class CountedRange(Sequence[int]):
    """A range whose items, as a loop takes them, count against the render's budget."""

    # Private names: the sandbox refuses attributes beginning with "_", so a form can reach
    # neither the uncounted range nor the environment through one of these.
    def __init__(self, items: range, environment: LimitedSandbox) -> None:
        self._items, self._environment = items, environment

    def __iter__(self) -> Iterator[int]:
        for item in self._items:
            self._environment.spend_range_item()
            yield item

    def __reversed__(self) -> Iterator[int]:
        for item in reversed(self._items):
            self._environment.spend_range_item()
            yield item

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        found = self._items[index]
        return CountedRange(found, self._environment) if isinstance(found, range) else found

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __repr__(self) -> str:
        return repr(self._items)


def sandboxed_environment(printed: list[str], limits: SandboxLimits | None = None) -> LimitedSandbox:
    """Return a bounded sandbox that escapes every printed value and records it in printed."""

    def finalize(value: Any) -> Any:
        if isinstance(value, Undefined):
            return value  # StrictUndefined raises when printed
        if value is None:
            return ""
        if hasattr(value, "__html__"):  # already escaped, e.g. the output of |join
            text = Markup(value.__html__())
        else:
            text = escape(str(value))
        text = Markup(CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n")))
        env.count_printed(text)
        printed.append(text.unescape())
        return text

    env = LimitedSandbox(
        limits or SandboxLimits(), autoescape=True, undefined=StrictUndefined, finalize=finalize
    )
    for raw in RAW_FILTERS:
        env.filters.pop(raw, None)
    return env


def _is_sequence(value: Any) -> bool:
    return isinstance(value, str | list | tuple | CountedRange)


def _digits(number: int) -> float:
    """Return about how many decimal digits a non-zero integer has."""
    return math.log10(abs(number)) + 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bounded_center(env: LimitedSandbox, center: Callable[..., str], value: Any, width: int = 80) -> str:
    """Centre value as Jinja does, refusing a huge width."""
    env.check_width(width)
    return center(value, width)


def _bounded_indent(
    env: LimitedSandbox, indent: Callable[..., str], s: Any, width: Any = 4, *args: Any, **kwargs: Any
) -> str:
    """Indent s as Jinja does, refusing an indent that would make it too long."""
    step = len(width) if isinstance(width, str) else width if _is_int(width) else 0
    env.check_length(len(str(s)) + (str(s).count("\n") + 1) * step, "indents text to")
    return indent(s, width, *args, **kwargs)


def _bounded_format(
    env: LimitedSandbox, format_: Callable[..., str], value: Any, *args: Any, **kwargs: Any
) -> str:
    """Apply a %-format as Jinja's |format does, refusing huge or computed widths."""
    env.check_printf(str(value))
    return format_(value, *args, **kwargs)


def _bounded_replace(
    env: LimitedSandbox,
    replace: Callable[..., str],
    eval_ctx: Any,
    s: Any,
    old: Any,
    new: Any,
    count: int | None = None,
) -> str:
    """Replace as Jinja's |replace does, refusing a result that would be too long."""
    text, old, new = str(s), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    env.check_length(len(text) + hits * (len(new) - len(old)), "replaces text to make")
    return replace(eval_ctx, s, old, new, count)


BOUNDED_FILTERS: dict[str, Callable[..., str]] = {
    "center": _bounded_center,
    "indent": _bounded_indent,
    "format": _bounded_format,
    "replace": _bounded_replace,
}
