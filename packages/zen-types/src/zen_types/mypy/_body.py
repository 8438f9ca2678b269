"""``@pipeline``: the slot calls written in a body, counted where they are written.

The runtime traces a body once, when a pipeline is bound, and refuses a slot called twice or never. Here the
same two rules are checked on the text of the body, only where the text decides them: a slot called twice in
one run of statements, or inside a loop; a slot a written body never names. Calls behind a condition or in
nested functions, and bodies not written yet (``...``), are left to the runtime: the text does not say how
often they run.
"""

from __future__ import annotations

import ast
from pathlib import Path

from mypy.checker import TypeChecker
from mypy.nodes import Context, Decorator
from mypy.plugin import FunctionContext
from mypy.types import Type

from zen_types import _messages
from zen_types.mypy import _codes, _report

_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class _SlotCalls(ast.NodeVisitor):
    """Where each slot is called (in which statement list, inside a loop or not) and where else it is named.

    mypy's own traversers are compiled and cannot be extended by a plugin, so the body is read with ``ast``
    from the module's file.
    """

    def __init__(self, slots: list[str]) -> None:
        self.calls: dict[str, list[tuple[ast.Call, int, bool]]] = {name: [] for name in slots}
        self.mentioned: set[str] = set()
        self.block = 0
        self.loops = 0
        self.nested = 0

    def generic_visit(self, node: ast.AST) -> None:
        loop = isinstance(node, _LOOPS)
        nested = isinstance(node, _NESTED)
        self.loops += loop
        self.nested += nested
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):  # a statement list
                outer, self.block = self.block, id(value)
                for item in value:
                    self.visit(item)
                self.block = outer
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST) and not (isinstance(node, ast.For) and field == "iter" and loop):
                self.visit(value)
        if isinstance(node, (ast.For, ast.AsyncFor)):  # the iterable is evaluated once, outside the loop
            self.loops -= 1
            self.visit(node.iter)
            self.loops += 1
        self.loops -= loop
        self.nested -= nested

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.calls and not self.nested:
            self.calls[func.id].append((node, self.block, self.loops > 0))
            for arg in [*node.args, *(keyword.value for keyword in node.keywords)]:
                self.visit(arg)
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.calls:
            self.mentioned.add(node.id)


def _body(api: object, line: int) -> ast.FunctionDef | None:
    """The ``def`` starting on ``line`` of the module mypy is checking, read from its file (None: unreadable)."""
    path = api.path if isinstance(api, TypeChecker) else None
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8")) if path else None
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.FunctionDef) and node.lineno == line:
            return node
    return None


def check_body(ctx: FunctionContext) -> None:
    """Report a slot the body calls twice, or never names, in the runtime's sentences."""
    decorator = ctx.context
    if not isinstance(decorator, Decorator):
        return
    func = decorator.func
    body = _body(ctx.api, func.line)
    slots = [arg.variable.name for arg in func.arguments]
    if body is None or [a.arg for a in (*body.args.posonlyargs, *body.args.args, *body.args.kwonlyargs)] != slots:
        return  # not the function mypy means: say nothing rather than something wrong
    calls = _SlotCalls(slots)
    for statement in body.body:
        calls.block = id(body.body)
        calls.visit(statement)
    for name, sites in calls.calls.items():
        twice = _second_call(sites)
        if twice is not None:
            where = Context(line=twice.lineno, column=twice.col_offset)
            message = _messages.slot_called_twice(func.name, name)
            _report.fail_in_decorator(ctx.api, message, where, code=_codes.ZEN_WIRING)
    never = [name for name in slots if not calls.calls[name] and name not in calls.mentioned]
    if never and not _placeholder(body):
        message = _messages.slots_never_called(func.name, ", ".join(never))
        _report.fail_in_decorator(ctx.api, message, func, code=_codes.ZEN_WIRING)


def _placeholder(body: ast.FunctionDef) -> bool:
    """A body that is only ``...``, ``pass`` or a docstring: not written yet, left to the runtime."""
    return all(
        isinstance(statement, ast.Pass)
        or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        for statement in body.body
    )


def _second_call(sites: list[tuple[ast.Call, int, bool]]) -> ast.Call | None:
    """The call that is certainly a second one: inside a loop, or after another in the same statement list."""
    seen: set[int] = set()
    for call, block, in_loop in sites:
        if in_loop or block in seen:
            return call
        seen.add(block)
    return None


def pipeline_decorator_hook(ctx: FunctionContext) -> Type:
    """``@pipeline`` applied to a body: count its slot calls; the type is mypy's."""
    check_body(ctx)
    return ctx.default_return_type
