"""Walk a template's Jinja syntax tree: unknown variables, attribute chains, loop items, unsafe access."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from ..sandbox import RAW_FILTERS
from .problem import Problem

XML_TAG = re.compile(r"<(/?)([A-Za-z_][\w:.-]*)(?:\s[^>]*?)?(/?)>")

# Names that lead from a template to the application or the interpreter.
UNSAFE_NAMES = frozenset({"self", "config", "request", "session", "g", "url_for", "get_flashed_messages"})
UNSAFE_ATTRIBUTES = frozenset(
    {
        "mro", "func_globals", "func_code", "func_closure", "f_globals", "f_locals", "f_builtins",
        "f_code", "f_back", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
        "tb_frame", "tb_next", "im_func", "im_self", "im_class", "co_code", "format", "format_map",
    }
)  # fmt: skip
# Filters that read an attribute named by a string argument: (positional index, keyword).
ATTRIBUTE_FILTERS = {
    "attr": (0, None),
    "map": (None, "attribute"),
    "selectattr": (0, None),
    "rejectattr": (0, None),
    "groupby": (0, "attribute"),
    "sort": (None, "attribute"),
    "sum": (None, "attribute"),
    "unique": (None, "attribute"),
    "min": (None, "attribute"),
    "max": (None, "attribute"),
}


ANY = object()  # a value the check cannot know (a call's result, a number, ...)
GLOBAL = object()  # one of the sandbox's global helpers (range, cycler, ...)
TAINTED = object()  # an expression already reported as unsafe


@dataclass(frozen=True)
class _Value:
    """What the walker knows of an expression: an example value and how to name it."""

    example: Any
    canon: str | None = None  # the path into the provided variables: "actions.what"
    display: str | None = None  # as the template writes it: "a.what"
    owner: str | None = None  # for messages: "supervisor", "each item of actions"


UNKNOWN = _Value(ANY)


class Walker:
    """Follow the template's syntax tree, resolving each variable against the example context."""

    def __init__(self, env: SandboxedEnvironment, provided: Mapping[str, Any], where: Callable):
        self.env, self.provided, self.where = env, provided, where
        self.problems: list[Problem] = []
        self.references: set[str] = set()

    def report(self, kind: str, node: nodes.Node, message: str) -> None:
        self.problems.append(Problem(kind, self.where(node.lineno), message))

    # statements

    def statements(self, body: list[nodes.Node], scope: dict[str, _Value], guards: frozenset[str]) -> None:
        for node in body:
            self.statement(node, scope, guards)

    def statement(self, node: nodes.Node, scope: dict[str, _Value], guards: frozenset[str]) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expr(child, scope, guards)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope, guards)
            self.structure(node, "if", [node.body, node.else_] + [e.body for e in node.elif_])
            self.statements(node.body, scope, guards | _guarded(node.test, True))
            otherwise = guards | _guarded(node.test, False)
            for branch in node.elif_:
                self.expr(branch.test, scope, otherwise)
                self.statements(branch.body, scope, otherwise | _guarded(branch.test, True))
                otherwise |= _guarded(branch.test, False)
            self.statements(node.else_, scope, otherwise)
        elif isinstance(node, nodes.For):
            self.structure(node, "for", [node.body, node.else_])
            items = self.expr(node.iter, scope, guards)
            inner = dict(scope)
            self.bind(node.target, _item(items), inner)
            inner["loop"] = _Value(ANY, display="loop")
            if node.test is not None:
                self.expr(node.test, inner, guards)
            self.statements(node.body, inner, guards)
            self.statements(node.else_, dict(scope), guards)
        elif isinstance(node, nodes.Assign):
            self.bind(node.target, self.expr(node.node, scope, guards), scope)
        elif isinstance(node, nodes.AssignBlock):
            if node.filter is not None:
                self.expr(node.filter, scope, guards)
            self.statements(node.body, dict(scope), guards)
            self.bind(node.target, UNKNOWN, scope)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                self.bind(target, self.expr(value, scope, guards), inner)
            self.statements(node.body, inner, guards)
        elif isinstance(node, nodes.Macro | nodes.CallBlock):
            if isinstance(node, nodes.Macro):
                scope[node.name] = UNKNOWN
            else:
                self.expr(node.call, scope, guards)
            for default in node.defaults:
                self.expr(default, scope, guards)
            inner = dict(scope)
            for name in ("varargs", "kwargs", "caller"):
                inner[name] = UNKNOWN
            for arg in node.args:
                inner[arg.name] = UNKNOWN
            self.statements(node.body, inner, guards)
        elif isinstance(node, nodes.FilterBlock):
            self.expr(node.filter, scope, guards)
            self.statements(node.body, scope, guards)
        elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            self.report("syntax", node, "a form cannot include, import or extend other templates")
        elif isinstance(node, nodes.ExprStmt):
            self.expr(node.node, scope, guards)
        else:  # Scope, Block, EvalContextModifier, ...: check what they hold
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope, guards)
                else:
                    self.statement(child, scope, guards)

    def structure(self, node: nodes.Node, keyword: str, bodies: list[list[nodes.Node]]) -> None:
        """Report a block whose start and end sit at different depths of the Word XML."""
        for body in bodies:
            xml = "".join(
                child.data for stmt in body if isinstance(stmt, nodes.Output)
                for child in stmt.nodes if isinstance(child, nodes.TemplateData)
            )  # fmt: skip
            if not _mirrored(xml):
                self.report(
                    "syntax",
                    node,
                    f"the {{% {keyword} %}} here and its {{% end{keyword} %}} sit in different kinds of place "
                    f"(for example one in a paragraph, the other in a table cell); filling in would break "
                    f"the document. Put {{%p {keyword} … %}} and {{%p end{keyword} %}} in paragraphs of "
                    f"their own, or {{%tr {keyword} … %}} and {{%tr end{keyword} %}} in rows of their own.",
                )
                return

    def bind(self, target: nodes.Node, value: _Value, scope: dict[str, _Value]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = _Value(value.example, value.canon, target.name, value.owner or target.name)
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, UNKNOWN, scope)

    # expressions

    def expr(
        self, node: nodes.Node, scope: dict[str, _Value], guards: frozenset[str], lenient: bool = False
    ) -> _Value:
        if isinstance(node, nodes.Name):
            return self.name(node, scope, guards, lenient)
        if isinstance(node, nodes.Getattr):
            return self.member(node, node.node, node.attr, scope, guards, lenient)
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str | int):
                return self.member(node, node.node, node.arg.value, scope, guards, lenient)
            base = self.expr(node.node, scope, guards)
            self.expr(node.arg, scope, guards)
            return (
                base
                if base.example is TAINTED
                else _item(base)
                if not isinstance(node.arg, nodes.Slice)
                else base
            )
        if isinstance(node, nodes.Const):
            return _Value(node.value, display=repr(node.value))
        if isinstance(node, nodes.Filter | nodes.Test):
            return self.filter_or_test(node, scope, guards)
        if isinstance(node, nodes.And | nodes.Or):
            self.expr(node.left, scope, guards)
            self.expr(node.right, scope, guards | _guarded(node.left, isinstance(node, nodes.And)))
            return UNKNOWN
        if isinstance(node, nodes.CondExpr):
            self.expr(node.test, scope, guards)
            self.expr(node.expr1, scope, guards | _guarded(node.test, True))
            if node.expr2 is not None:
                self.expr(node.expr2, scope, guards | _guarded(node.test, False))
            return UNKNOWN
        if isinstance(node, nodes.Call):
            func = self.expr(node.node, scope, guards)
            for child in [*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs]:
                if child is not None:
                    self.expr(child, scope, guards)
            if func.example is TAINTED:
                return func
            return _Value(ANY, display=f"{func.display or '…'}()")
        for child in node.iter_child_nodes():
            self.expr(child, scope, guards)
        return UNKNOWN

    def name(self, node: nodes.Name, scope: dict, guards: frozenset[str], lenient: bool) -> _Value:
        name = node.name
        if name in scope:
            return scope[name]
        if name in UNSAFE_NAMES:
            self.report(
                "unsafe", node, f"'{name}' reaches the template engine's internals; a form may not use it"
            )
            return _Value(TAINTED)
        if name in self.provided:
            self.references.add(name)
            return _Value(self.provided[name], name, name, name)
        if name in self.env.globals:
            return _Value(GLOBAL, display=name)
        if not (lenient or name in guards):
            hint = _suggest(name, self.provided)
            self.report(
                "unknown_variable",
                node,
                f"unknown variable '{name}': forms of this kind have no such variable{hint}",
            )
        return _Value(ANY, display=name)

    def member(
        self, node: nodes.Node, base_node: nodes.Node, key: str | int, scope: dict, guards, lenient
    ) -> _Value:
        base = self.expr(base_node, scope, guards)
        if base.example is TAINTED:
            return base
        display = f"{base.display or '…'}.{key}" if isinstance(key, str) else f"{base.display or '…'}[{key}]"
        example = base.example
        if isinstance(key, str):
            reason = None
            if key.startswith("_"):
                reason = "names beginning with '_' lead to Python internals"
            elif base.example is GLOBAL:
                reason = f"'{base.display}' is a helper of the template engine, not a value"
            elif key in UNSAFE_ATTRIBUTES and not (isinstance(example, Mapping) and key in example):
                reason = f"'{key}' can reach Python internals"
            elif example is not ANY and not isinstance(example, Mapping) and hasattr(example, key):
                if not self.env.is_safe_attribute(example, key, getattr(example, key)):
                    reason = f"the sandbox refuses '{key}'"
            if reason:
                self.report("unsafe", node, f"'{display}' is not allowed in a form: {reason}")
                return _Value(TAINTED)
        canon = f"{base.canon}.{key}" if base.canon and isinstance(key, str) else base.canon
        if example is ANY:
            return _Value(ANY, canon, display, display)
        if isinstance(example, Mapping) and key in example:
            if canon:
                self.references.add(canon)
            return _Value(example[key], canon, display, canon or display)
        if isinstance(example, list | tuple) and isinstance(key, int):
            return _Value(example[0] if example else ANY, base.canon, display, f"each item of {base.owner}")
        if isinstance(key, str) and hasattr(example, key):  # a method such as items() or upper()
            return _Value(ANY, display=display)
        if not (lenient or display in guards):
            hint = _suggest(key, example) if isinstance(example, Mapping) else ""
            self.report(
                "unknown_variable",
                node,
                f"unknown variable '{display}': {base.owner or base.display} has no '{key}'{hint}",
            )
        return _Value(ANY, display=display)

    def filter_or_test(self, node: nodes.Filter | nodes.Test, scope: dict, guards: frozenset[str]) -> _Value:
        is_filter = isinstance(node, nodes.Filter)
        known = self.env.filters if is_filter else self.env.tests
        lenient = node.name in (("default", "d") if is_filter else ("defined", "undefined"))
        operand = self.expr(node.node, scope, guards, lenient) if node.node is not None else UNKNOWN
        for child in [*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs]:
            if child is not None:
                self.expr(child, scope, guards)
        if node.name not in known:
            what = "filter" if is_filter else "test"
            why = " (it would print a value without escaping)" if node.name in RAW_FILTERS else ""
            self.report("syntax", node, f"there is no {what} named '{node.name}' in a form{why}")
            return UNKNOWN
        if operand.example is TAINTED:
            return operand
        if is_filter and node.name in ATTRIBUTE_FILTERS:
            return self.attribute_filter(node, operand)
        if is_filter and node.name in ("default", "d"):
            return operand
        return UNKNOWN

    def attribute_filter(self, node: nodes.Filter, operand: _Value) -> _Value:
        """Check the attribute named by |attr, |map(attribute=…), |selectattr(…) and the like."""
        index, keyword = ATTRIBUTE_FILTERS[node.name]
        argument = node.args[index] if index is not None and len(node.args) > index else None
        for kw in node.kwargs:
            if kw.key == keyword:
                argument = kw.value
        if argument is None:
            return UNKNOWN
        if not (isinstance(argument, nodes.Const) and isinstance(argument.value, str | int)):
            if node.name == "attr":
                self.report("unsafe", node, "'|attr' with a computed name is not allowed in a form")
                return _Value(TAINTED)
            return UNKNOWN
        path = str(argument.value)
        for key in path.split("."):
            if key.startswith("_") or key in UNSAFE_ATTRIBUTES:
                self.report(
                    "unsafe",
                    node,
                    f"'|{node.name}({path!r})' is not allowed in a form: it reaches Python internals",
                )
                return _Value(TAINTED)
        value = operand if node.name == "attr" else _item(operand)
        for key in path.split("."):
            example = value.example
            if example is ANY or not isinstance(example, Mapping):
                return UNKNOWN
            if key not in example:
                hint = _suggest(key, example)
                self.report(
                    "unknown_variable",
                    node,
                    f"unknown variable in '|{node.name}({path!r})': {value.owner or value.display} has no '{key}'{hint}",
                )
                return UNKNOWN
            canon = f"{value.canon}.{key}" if value.canon else None
            if canon:
                self.references.add(canon)
            value = _Value(example[key], canon, f"{value.display}.{key}", canon)
        return value if node.name == "attr" else UNKNOWN


def _item(value: _Value) -> _Value:
    """Return what iterating over value yields: a list's first example item, else anything."""
    if isinstance(value.example, list | tuple) and value.example:
        return _Value(
            value.example[0], value.canon, value.display, f"each item of {value.owner or value.display}"
        )
    return _Value(ANY, display=value.display)


def _guarded(test: nodes.Node, holds: bool) -> frozenset[str]:
    """Return the paths known to be defined where test evaluates to holds."""
    if isinstance(test, nodes.Test) and test.name in ("defined", "undefined"):
        path = _path(test.node)
        return frozenset({path}) if path and (test.name == "defined") == holds else frozenset()
    if isinstance(test, nodes.Not):
        return _guarded(test.node, not holds)
    if isinstance(test, nodes.And) and holds or isinstance(test, nodes.Or) and not holds:
        return _guarded(test.left, holds) | _guarded(test.right, holds)
    return frozenset()


def _path(node: nodes.Node) -> str | None:
    """Return the dotted path an expression names, or None if it is computed."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return base and f"{base}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _path(node.node)
        key = node.arg.value
        return base and (f"{base}.{key}" if isinstance(key, str) else f"{base}[{key}]")
    return None


def _suggest(key: Any, options: Mapping[str, Any]) -> str:
    """Return a 'did you mean' hint for the option closest to key, or nothing."""
    close = difflib.get_close_matches(str(key), [str(option) for option in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _mirrored(xml: str) -> bool:
    """Whether removing or repeating this XML keeps the document well formed (</a></b><b><a>)."""
    closes: list[str] = []
    opens: list[str] = []
    for closing, name, empty in XML_TAG.findall(xml):
        if empty:
            continue
        if not closing:
            opens.append(name)
        elif opens:
            if opens.pop() != name:
                return False
        else:
            closes.append(name)
    return closes == opens[::-1]
