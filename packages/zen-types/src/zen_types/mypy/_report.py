"""Reporting an error from a hook, even while mypy tries a call's overloads one by one.

``@step`` and slot calls are typed by overload sets (for checkers without this plugin). mypy runs a hook for
each overload it tries, hides the errors reported meanwhile and takes them to mean "this overload does not
match". zen's errors are about the code, whichever overload matches, so they are reported past those watchers;
mypy drops the repeats of one message on one line.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.errorcodes import ErrorCode
from mypy.nodes import Context
from mypy.plugin import CheckerPluginInterface


def fail(api: CheckerPluginInterface, message: str, context: Context, *, code: ErrorCode) -> None:
    """``api.fail`` that overload matching neither hides nor counts against the overload being tried."""
    errors = api.msg.errors if isinstance(api, TypeChecker) else None
    if errors is None:
        api.fail(message, context, code=code)
        return
    watchers = list(errors._watchers)  # private, but mypy has no public way to report past its watchers
    errors._watchers.clear()
    try:
        api.fail(message, context, code=code)
    finally:
        errors._watchers[:] = watchers
