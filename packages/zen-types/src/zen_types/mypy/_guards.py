"""Hooks that never crash mypy: if a hook meets something it was not written for, mypy's default stands.

Every hook the plugin's tables hand mypy is wrapped by one of these, by the kind of context it receives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from mypy.plugin import AttributeContext, FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.types import FunctionLike, Type

__all__ = ["guard_attribute", "guard_function", "guard_function_signature", "guard_method", "guard_signature"]

_C = TypeVar("_C")
_R = TypeVar("_R")


def _guarded(hook: Callable[[_C], _R], default: Callable[[_C], _R]) -> Callable[[_C], _R]:
    """``hook``, answering ``default(ctx)`` when it raises: a plugin bug must not stop the user's type check."""

    @functools.wraps(hook)
    def guarded(ctx: _C) -> _R:
        try:
            return hook(ctx)
        except Exception:  # any bug of ours; mypy's own answer stands
            return default(ctx)

    return guarded


def guard_function(hook: Callable[[FunctionContext], Type]) -> Callable[[FunctionContext], Type]:
    """Never crash mypy: if a hook meets something it was not written for, mypy's default type stands."""
    return _guarded(hook, lambda ctx: ctx.default_return_type)


def guard_method(hook: Callable[[MethodContext], Type]) -> Callable[[MethodContext], Type]:
    """As :func:`guard_function`, for method hooks."""
    return _guarded(hook, lambda ctx: ctx.default_return_type)


def guard_signature(hook: Callable[[MethodSigContext], FunctionLike]) -> Callable[[MethodSigContext], FunctionLike]:
    """As :func:`guard_function`, for signature hooks."""
    return _guarded(hook, lambda ctx: ctx.default_signature)


def guard_function_signature(
    hook: Callable[[FunctionSigContext], FunctionLike],
) -> Callable[[FunctionSigContext], FunctionLike]:
    """As :func:`guard_function`, for function signature hooks."""
    return _guarded(hook, lambda ctx: ctx.default_signature)


def guard_attribute(hook: Callable[[AttributeContext], Type]) -> Callable[[AttributeContext], Type]:
    """As :func:`guard_function`, for attribute hooks."""
    return _guarded(hook, lambda ctx: ctx.default_attr_type)
