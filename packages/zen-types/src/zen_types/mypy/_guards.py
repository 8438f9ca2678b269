"""Hooks that never crash mypy: if a hook meets something it was not written for, mypy's default stands.

Every hook the plugin's tables hand mypy is wrapped by one of these, by the kind of context it receives.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from mypy.plugin import AttributeContext, FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.types import FunctionLike, Type

__all__ = ["guard_attribute", "guard_function", "guard_function_signature", "guard_method", "guard_signature"]


def guard_function(hook: Callable[[FunctionContext], Type]) -> Callable[[FunctionContext], Type]:
    """Never crash mypy: if a hook meets something it was not written for, mypy's default type stands."""

    @functools.wraps(hook)
    def guarded(ctx: FunctionContext) -> Type:
        try:
            return hook(ctx)
        except Exception:  # a plugin bug must not stop the user's type check
            return ctx.default_return_type

    return guarded


def guard_method(hook: Callable[[MethodContext], Type]) -> Callable[[MethodContext], Type]:
    """As :func:`guard_function`, for method hooks."""

    @functools.wraps(hook)
    def guarded(ctx: MethodContext) -> Type:
        try:
            return hook(ctx)
        except Exception:  # see guard_function
            return ctx.default_return_type

    return guarded


def guard_signature(hook: Callable[[MethodSigContext], FunctionLike]) -> Callable[[MethodSigContext], FunctionLike]:
    """As :func:`guard_function`, for signature hooks."""

    @functools.wraps(hook)
    def guarded(ctx: MethodSigContext) -> FunctionLike:
        try:
            return hook(ctx)
        except Exception:  # see guard_function
            return ctx.default_signature

    return guarded


def guard_function_signature(
    hook: Callable[[FunctionSigContext], FunctionLike],
) -> Callable[[FunctionSigContext], FunctionLike]:
    """As :func:`guard_function`, for function signature hooks."""

    @functools.wraps(hook)
    def guarded(ctx: FunctionSigContext) -> FunctionLike:
        try:
            return hook(ctx)
        except Exception:  # see guard_function
            return ctx.default_signature

    return guarded


def guard_attribute(hook: Callable[[AttributeContext], Type]) -> Callable[[AttributeContext], Type]:
    """As :func:`guard_function`, for attribute hooks."""

    @functools.wraps(hook)
    def guarded(ctx: AttributeContext) -> Type:
        try:
            return hook(ctx)
        except Exception:  # see guard_function
            return ctx.default_attr_type

    return guarded
