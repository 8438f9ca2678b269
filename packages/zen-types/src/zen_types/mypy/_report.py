"""Reporting an error from a hook that mypy runs while it tries a call's overloads one by one.

mypy tries each overload of an overloaded callee under an ``ErrorWatcher`` and takes any error reported
meanwhile to mean "this overload does not match". Most of zen's hooks report with the public ``api.fail``:
their callees (``Slot.__call__``, ``step(func)`` written as a call) pass through a signature hook, which
gives every overload the same parameters, so a reported error makes each overload fail in turn and mypy
falls back to checking the call once more against the first overload, outside any watcher, where the hook
reports its error exactly once.

``@step`` written as a decorator is the exception, and the one caller of :func:`fail_in_decorator`. mypy
checks a decorator with ``ExpressionChecker.check_call`` directly (``TypeChecker.visit_decorator_inner``),
which applies no signature hook: every shape overload keeps its own parameters. An error reported while one
is tried makes mypy reject that shape, then the catch-all, and its fallback re-checks the function against
the first shape, adding an unrelated ``arg-type`` error to zen's. Not reporting while watched loses the
error instead: the watched attempt is the only one when an overload matches. mypy's public plugin API
(``CheckerPluginInterface.fail``, ``MessageBuilder.fail``/``report``, ``Errors.report``) always passes
through the watchers, and ``Errors.get_watchers()`` only lists them; so this one function sets them aside,
through ``Errors._watchers``, for the length of one report. ``tests/typing`` runs every definition mistake
through it on the pinned mypy, so a change of that private attribute fails there, never silently.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.errorcodes import ErrorCode
from mypy.nodes import Context
from mypy.plugin import CheckerPluginInterface


def fail_in_decorator(api: CheckerPluginInterface, message: str, context: Context, *, code: ErrorCode) -> None:
    """``api.fail`` that the matching of ``@step``'s shape overloads neither hides nor counts against one."""
    errors = api.msg.errors if isinstance(api, TypeChecker) else None
    watchers = getattr(errors, "_watchers", None)
    if errors is None or not isinstance(watchers, list):
        api.fail(message, context, code=code)
        return
    saved = list(watchers)
    watchers.clear()
    try:
        api.fail(message, context, code=code)
    finally:
        watchers[:] = saved
