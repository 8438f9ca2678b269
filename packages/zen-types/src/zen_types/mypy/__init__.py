"""The mypy plugin of zen: enable it with ``plugins = zen_types.mypy``.

Thin entry: a table from the fully qualified names zen's runtime defines to the hook that types them. Each
check lives in its own module (``_definition`` for ``@step``, ``_body`` for how often a body calls its slots,
``_wiring`` for calls inside pipeline bodies, ``_binding`` for binding steps to slots). The plugin holds no
state: what it computes for a step is stored as a type argument of ``Step``/``StepInstance``, so mypy's cache
carries it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import mypy.plugin

from zen_types.mypy import _binding, _body, _definition, _guards, _names, _types, _wiring

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy.plugin import (
        AttributeContext,
        FunctionContext,
        FunctionSigContext,
        MethodContext,
        MethodSigContext,
        ReportConfigContext,
    )
    from mypy.types import FunctionLike, Type

__all__ = [
    "FUNCTION_HOOKS",
    "FUNCTION_SIGNATURE_HOOKS",
    "METHOD_HOOKS",
    "METHOD_SIGNATURE_HOOKS",
    "PLUGIN_VERSION",
    "ZenPlugin",
    "plugin",
]

PLUGIN_VERSION = "15"
"""Bump whenever any module of this package changes what it reports: mypy re-checks cached modules then."""


FUNCTION_HOOKS: Mapping[str, Callable[[FunctionContext], Type]] = {
    _names.STEP_DECORATOR: _guards.guard_function(_definition.step_decorator_hook),
    _names.PIPELINE_DECORATOR: _guards.guard_function(_body.pipeline_decorator_hook),
}
FUNCTION_SIGNATURE_HOOKS: Mapping[str, Callable[[FunctionSigContext], FunctionLike]] = {
    _names.STEP_DECORATOR: _guards.guard_function_signature(_definition.step_signature_hook),
}
METHOD_HOOKS: Mapping[str, Callable[[MethodContext], Type]] = {
    _names.STEP_DECORATOR_FACTORY_CALL: _guards.guard_method(_definition.step_factory_call_hook),
    _names.PIPELINE_CALL: _guards.guard_method(_binding.pipeline_call_hook),
    _names.STEP_CALL: _guards.guard_method(_wiring.step_call_hook),
    _names.STEP_INSTANCE_CALL: _guards.guard_method(_wiring.step_instance_call_hook),
    _names.SLOT_CALL: _guards.guard_method(_wiring.slot_call_hook),
    **{
        fullname: _guards.guard_method(functools.partial(_wiring.handle_operator_hook, operator=operator))
        for fullname, operator in {**_names.HANDLE_OPERATOR_METHODS, **_names.HANDLE_UNARY_METHODS}.items()
    },
}
METHOD_SIGNATURE_HOOKS: Mapping[str, Callable[[MethodSigContext], FunctionLike]] = {
    _names.STEP_DECORATOR_FACTORY_CALL: _guards.guard_signature(_definition.step_factory_signature_hook),
    _names.STEP_CALL: _guards.guard_signature(_wiring.step_call_signature_hook),
    _names.SLOT_CALL: _guards.guard_signature(_wiring.slot_call_signature_hook),
    _names.PIPELINE_CALL: _guards.guard_signature(_binding.pipeline_call_signature_hook),
    **dict.fromkeys(_names.HANDLE_OPERATOR_METHODS, _guards.guard_signature(_wiring.handle_operator_signature_hook)),
}


class ZenPlugin(mypy.plugin.Plugin):
    """Looks hooks up in the tables above; everything else is mypy's default."""

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return FUNCTION_HOOKS.get(fullname)

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return FUNCTION_SIGNATURE_HOOKS.get(fullname)

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return METHOD_HOOKS.get(fullname)

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, name = fullname.rpartition(".")
        if owner == _names.OUTPUT_HANDLES:  # ``outputs.train``: resolved through OutputHandles.__getattr__
            return _guards.guard_attribute(functools.partial(_types.output_handle_attribute, name=name))
        return None

    def get_method_signature_hook(self, fullname: str) -> Callable[[MethodSigContext], FunctionLike] | None:
        return METHOD_SIGNATURE_HOOKS.get(fullname)

    def report_config_data(self, ctx: ReportConfigContext) -> str:
        # Cached results of every module are invalidated when the plugin's version changes.
        return PLUGIN_VERSION


def plugin(version: str) -> type[mypy.plugin.Plugin]:
    """mypy's entry point; ``version`` is mypy's own, which this plugin supports from 2.4 on."""
    return ZenPlugin
