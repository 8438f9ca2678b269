"""Building the types the plugin computes: handles, wiring signatures, slot interfaces.

DESIGN.md: ``named_generic_type`` on zen's own classes crashed mypy, so classes are found through the symbol
table (``lookup_fully_qualified_or_none``) and instances built directly. Every builder returns ``None`` when
something is not where it should be, and the hooks then keep mypy's default type.
"""

from __future__ import annotations

from mypy.checker import TypeChecker
from mypy.nodes import ARG_POS, ARG_STAR, ARG_STAR2, ArgKind, TypeInfo
from mypy.plugin import AttributeContext, CheckerPluginInterface
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    Parameters,
    ProperType,
    TupleType,
    Type,
    TypedDictType,
    TypeOfAny,
    get_proper_type,
)

from zen_types import _messages
from zen_types.mypy import _names
from zen_types.mypy._codes import ZEN_WIRING


def lookup_info(api: CheckerPluginInterface, fullname: str) -> TypeInfo | None:
    """The class ``fullname`` as mypy knows it, or None (not imported in this build, or not a class)."""
    if not isinstance(api, TypeChecker):
        return None
    module_name, _, name = fullname.rpartition(".")
    module = api.modules.get(module_name)
    node = module.names.get(name) if module is not None else None
    if node is None or not isinstance(node.node, TypeInfo):
        return None
    return node.node


def instance(api: CheckerPluginInterface, fullname: str, args: list[Type]) -> Instance | None:
    """``fullname[args]`` or None."""
    info = lookup_info(api, fullname)
    if info is None or len(info.defn.type_vars) != len(args):
        return None
    return Instance(info, args)


def named_tuple_fields(tp: ProperType) -> list[tuple[str, Type]] | None:
    """The ``(name, type)`` fields of a NamedTuple class type, or None for any other type."""
    info = tp.partial_fallback.type if isinstance(tp, TupleType) else tp.type if isinstance(tp, Instance) else None
    if info is None or info.tuple_type is None:
        return None
    meta = info.metadata.get("namedtuple")
    if not isinstance(meta, dict):
        return None
    names = meta.get("fields")
    items = info.tuple_type.items
    if not isinstance(names, list) or len(names) != len(items):
        return None
    return [(str(name), item) for name, item in zip(names, items, strict=True)]


def outputs_by_name(api: CheckerPluginInterface, names: list[str], types: list[Type]) -> Type | None:
    """A step's several named outputs as a TypedDict (``{name: type}`` in order); None when mypy lacks one."""
    info = lookup_info(api, "typing._TypedDict") or lookup_info(api, "typing_extensions._TypedDict")
    if info is None or len(names) != len(types):
        return None
    return TypedDictType(dict(zip(names, types, strict=True)), set(names), set(), Instance(info, []))


def output_fields(tp: Type) -> list[tuple[str, Type]] | None:
    """The named outputs a step or slot declares (a NamedTuple's fields, or those of ``outputs_by_name``)."""
    proper = get_proper_type(tp)
    if isinstance(proper, TypedDictType):
        return list(proper.items.items())
    return named_tuple_fields(proper)


def handles_result(api: CheckerPluginInterface, outputs: list[Type], *, named: Type | None) -> Type | None:
    """What a wiring call returns: None, one ``Handle[T]``, or a tuple of handles typed as ``OutputHandles``.

    ``named`` is the NamedTuple class of several named outputs (``Any`` when there is none, or for a slot
    interface, where the field names are not compared by mypy); None for a single output.
    """
    handles: list[Type] = []
    for out in outputs:
        handle = instance(api, _names.HANDLE, [out])
        if handle is None:
            return None
        handles.append(handle)
    if not handles:
        return NoneType()
    if len(handles) == 1 and named is None:
        return handles[0]
    fallback = instance(api, _names.OUTPUT_HANDLES, [named or AnyType(TypeOfAny.special_form)])
    if fallback is None:
        return None
    return TupleType(handles, fallback)


def wiring_signature(
    api: CheckerPluginInterface,
    *,
    name: str | None,
    inputs: list[tuple[str | None, Type, ArgKind]],
    result: Type,
    handles: bool,
) -> CallableType | None:
    """``def (input: T, ...) -> result``, the interface of a step or slot (as ``step``'s overloads type it,
    with parameter names on top); ``handles``: ``def (input: Handle[T], ...)``, a slot called in a body."""
    arg_types: list[Type] = []
    for _, tp, _ in inputs:
        handle = instance(api, _names.HANDLE, [tp]) if handles else tp
        if handle is None:
            return None
        arg_types.append(handle)
    return CallableType(
        arg_types,
        [kind for _, _, kind in inputs],
        [param for param, _, _ in inputs],
        result,
        api.named_generic_type("builtins.function", []),
        name=name,
    )


def slot_signature(api: CheckerPluginInterface, slot: Instance, *, as_interface: bool) -> CallableType | None:
    """The signature a ``Slot[[A, B], R]`` stands for (``Slot[..., R]``: any inputs).

    ``as_interface``: for binding, ``def (A, B) -> R``, compared with a step's interface; a slot whose output
    is ``None`` accepts a step with any outputs, so its output becomes ``object``. Otherwise the slot called in
    a pipeline body: ``def (Handle[A], Handle[B]) -> Handle[R]`` (the handles of each field of a NamedTuple
    ``R``; nothing usable for a sink).
    """
    if len(slot.args) != 2:
        return None
    params = get_proper_type(slot.args[0])
    output = get_proper_type(slot.args[1])
    result: Type | None
    fields = named_tuple_fields(output)
    if isinstance(output, NoneType) or (isinstance(output, Instance) and output.type.fullname == "builtins.object"):
        # A sink (``Slot[[X], object]``; ``None`` too, for this plugin and the runtime): any outputs, or none.
        result = api.named_generic_type("builtins.object", []) if as_interface else NoneType()
    elif as_interface:
        result = output
    elif fields is not None:
        result = handles_result(api, [tp for _, tp in fields], named=output)
    else:
        result = handles_result(api, [output], named=None)
    if result is None:
        return None
    if isinstance(params, Parameters) and not params.is_ellipsis_args:
        if any(kind != ARG_POS for kind in params.arg_kinds):
            return None
        inputs: list[tuple[str | None, Type, ArgKind]] = [(None, tp, ARG_POS) for tp in params.arg_types]
        return wiring_signature(api, name=None, inputs=inputs, result=result, handles=not as_interface)
    if isinstance(params, (Parameters, AnyType)):
        anything = AnyType(TypeOfAny.explicit)
        return CallableType(
            [anything, anything],
            [ARG_STAR, ARG_STAR2],
            [None, None],
            result,
            api.named_generic_type("builtins.function", []),
            is_ellipsis_args=True,
        )
    return None


def output_handle_attribute(ctx: AttributeContext, name: str) -> Type:
    """``outputs.train`` on the handles of a NamedTuple-returning step: the handle of field ``train``."""
    handles = get_proper_type(ctx.type)
    if not isinstance(handles, TupleType) or not handles.partial_fallback.args:
        return ctx.default_attr_type
    fields = named_tuple_fields(get_proper_type(handles.partial_fallback.args[0]))
    if fields is None or len(fields) != len(handles.items):
        return ctx.default_attr_type
    for (field, _), handle in zip(fields, handles.items, strict=True):
        if field == name:
            return handle
    known = ", ".join(field for field, _ in fields)
    ctx.api.fail(_messages.unknown_output(name, known), ctx.context, code=ZEN_WIRING)
    return AnyType(TypeOfAny.from_error)  # reported once here, not again where the handle is passed
