"""The one assignability rule: may a value of type A flow where type B is expected?

The runtime wiring check (bind time), the run-time check of returned values and the mypy plugin all answer this
question the same way, and mypy's own rules are the reference: subclasses flow into bases, ``int`` promotes to
``float`` and ``complex``, unions are checked member by member, and parameterised generics respect variance
(``list`` and ``dict`` are invariant, ``Sequence``/``tuple``/``frozenset`` covariant, ``Mapping`` covariant in
its values). ``tests/zen_types/test_agreement.py`` holds a shared table that both implementations must pass.
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import types
import typing
from collections.abc import Callable
from typing import Final, Literal, TypeAlias, TypeVar, get_args, get_origin

__all__ = ["is_assignable", "type_name", "value_conforms"]

# A type expression as Python hands it to us at run time: a class, a generic alias, a union, None, a NewType...
TypeExpr: TypeAlias = object

_NoneType: Final = type(None)
_UNION_ORIGINS: Final = (typing.Union, types.UnionType)

# Variance of the standard generic classes by position: "+" covariant, "=" invariant.
_VARIANCE: Final[dict[type, str]] = {
    list: "=",
    dict: "==",
    set: "=",
    frozenset: "+",
    tuple: "+",
    type: "+",
    cabc.Sequence: "+",
    cabc.MutableSequence: "=",
    cabc.Mapping: "=+",
    cabc.MutableMapping: "==",
    cabc.Set: "+",
    cabc.MutableSet: "=",
    cabc.Collection: "+",
    cabc.Iterable: "+",
    cabc.Iterator: "+",
    cabc.Reversible: "+",
    cabc.Container: "+",
    cabc.KeysView: "+",
    cabc.ValuesView: "+",
}

# How the standard containers project their type arguments onto the abstract bases they implement.
_SINGLE_ARG_BASES: Final = (
    cabc.Sequence,
    cabc.MutableSequence,
    cabc.Set,
    cabc.MutableSet,
    cabc.Collection,
    cabc.Iterable,
    cabc.Reversible,
    cabc.Container,
)

# The element type of the text classes, which are sequences without type arguments.
_TEXT_ELEMENTS: Final[dict[type, type]] = {str: str, bytes: int, bytearray: int}

# mypy's numeric promotions: an int is accepted where a float or complex is expected.
_PROMOTIONS: Final[dict[type, tuple[type, ...]]] = {int: (float, complex), float: (complex,)}


def _strip(tp: TypeExpr) -> TypeExpr:
    """Remove ``Annotated[...]`` wrappers and turn ``None`` into ``NoneType``."""
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if tp is None:
        return _NoneType
    return tp


def _is_union(tp: TypeExpr) -> bool:
    return get_origin(tp) in _UNION_ORIGINS


def _is_any(tp: TypeExpr) -> bool:
    return tp is typing.Any


def _newtype_super(tp: TypeExpr) -> TypeExpr | None:
    return typing.cast("TypeExpr | None", getattr(tp, "__supertype__", None)) if callable(tp) else None


def _origin_class(tp: TypeExpr) -> type | None:
    """The runtime class behind ``tp`` (``list`` for ``list[int]``), or None for non-class expressions."""
    origin = get_origin(tp)
    candidate = origin if origin is not None else tp
    return candidate if isinstance(candidate, type) else None


def _args_as_seen_from(src: TypeExpr, target: type) -> tuple[TypeExpr, ...] | None:
    """Project ``src``'s type arguments onto the generic class ``target`` (which ``src``'s class inherits).

    ``list[int]`` seen from ``Sequence`` is ``(int,)``; ``dict[str, float]`` seen from ``Mapping`` is
    ``(str, float)``. Returns None when ``src`` carries no arguments (a bare ``list`` means ``list[Any]``).
    """
    origin = _origin_class(src)
    args = get_args(src)
    if origin is None:
        return None
    if not args:
        # A plain class may still fix its bases' arguments (``class Ints(list[int])``, ``class IntBox(Box[int])``).
        own_params: tuple[object, ...] = getattr(origin, "__parameters__", ())
        if origin is target or own_params:
            return None
        for text_class, text_element in _TEXT_ELEMENTS.items():  # str is a Sequence[str], bytes a Sequence[int]
            if issubclass(origin, text_class) and target in _SINGLE_ARG_BASES:
                return (text_element,)
        return _user_generic_projection(origin, (), target)
    if origin is target:
        return args
    if origin is tuple:
        element = args[0] if len(args) == 2 and args[1] is Ellipsis else _union_of(args)
        return (element,) if target in _SINGLE_ARG_BASES else None
    if issubclass(origin, (list, set, frozenset)) and target in _SINGLE_ARG_BASES:
        return args[:1]
    if issubclass(origin, dict):
        if target in (cabc.Mapping, cabc.MutableMapping):
            return args
        if target in _SINGLE_ARG_BASES:
            return args[:1]
    if target in _SINGLE_ARG_BASES and origin in _VARIANCE and len(args) >= 1:
        # Abstract bases project their first argument onto the smaller ones (Mapping -> Collection[K]).
        return args[:1]
    return _user_generic_projection(origin, args, target)


def _user_generic_projection(origin: type, args: tuple[TypeExpr, ...], target: type) -> tuple[TypeExpr, ...] | None:
    """Follow ``__orig_bases__`` of user-defined generics to express ``args`` in ``target``'s parameters."""
    params: tuple[TypeExpr, ...] = getattr(origin, "__parameters__", ())
    if len(params) != len(args):
        return None
    subst = dict(zip(params, args, strict=True))
    for base in getattr(origin, "__orig_bases__", ()):
        base_origin = _origin_class(base)
        if base_origin is None or not issubclass(base_origin, target):
            continue
        base_args = tuple(subst.get(a, a) for a in get_args(base))
        if base_origin is target:
            return base_args or None
        if not base_args:  # a plain intermediate class: ask what it fixes
            return _args_as_seen_from(base_origin, target)
        return _args_as_seen_from(_subscript(base_origin, base_args), target)
    return None


def _subscript(origin: type, args: tuple[TypeExpr, ...]) -> TypeExpr:
    getitem: Callable[[object], TypeExpr] = getattr(origin, "__class_getitem__")  # noqa: B009 - typed access
    return getitem(args if len(args) != 1 else args[0])


def _union_of(args: tuple[TypeExpr, ...]) -> TypeExpr:
    if len(args) == 1:
        return args[0]
    return typing.Union[args]  # noqa: UP007 - building a union from a runtime tuple needs the subscript form


def _variance(origin: type, count: int) -> str:
    if origin in _VARIANCE:
        marks = _VARIANCE[origin]
        return (marks * count)[:count] if len(marks) == 1 else marks
    out = []
    for param in getattr(origin, "__parameters__", ()):
        if isinstance(param, TypeVar) and param.__covariant__:
            out.append("+")
        elif isinstance(param, TypeVar) and param.__contravariant__:
            out.append("-")
        else:
            out.append("=")
    return "".join(out).ljust(count, "=")


def _same(a: TypeExpr, b: TypeExpr) -> bool:
    return is_assignable(a, b) and is_assignable(b, a)


def _tuple_assignable(src_args: tuple[TypeExpr, ...], dst_args: tuple[TypeExpr, ...]) -> bool:
    src_var = len(src_args) == 2 and src_args[1] is Ellipsis
    dst_var = len(dst_args) == 2 and dst_args[1] is Ellipsis
    if dst_var:
        items = src_args[:1] if src_var else src_args
        return all(is_assignable(a, dst_args[0]) for a in items)
    if src_var:
        return False
    return len(src_args) == len(dst_args) and all(is_assignable(a, b) for a, b in zip(src_args, dst_args, strict=True))


def _literal_keys(tp: TypeExpr) -> set[tuple[type, object]]:
    return {(type(v), v) for v in get_args(tp)}


def _is_protocol(cls: type) -> bool:
    return bool(getattr(cls, "_is_protocol", False))


def _protocol_members(cls: type) -> set[str]:
    members: set[str] = set()
    for base in cls.__mro__:
        if base is object or base is typing.Generic or not _is_protocol(base) or base.__name__ == "Protocol":
            continue
        members.update(name for name in vars(base) if not name.startswith("_") or name.startswith("__call__"))
        members.update(getattr(base, "__annotations__", {}))
    return members


def _literal_values_type(tp: TypeExpr) -> TypeExpr:
    return _union_of(tuple(type(v) for v in get_args(tp)))


def is_assignable(src: TypeExpr, dst: TypeExpr) -> bool:
    """True when a value declared as ``src`` may be passed where ``dst`` is expected (mypy's rule)."""
    src, dst = _strip(src), _strip(dst)
    if _is_any(src) or _is_any(dst) or dst is object or src == dst:
        return True
    if _is_union(src):
        return all(is_assignable(member, dst) for member in get_args(src))
    if get_origin(src) is Literal:
        values = get_args(src)
        if len(values) > 1:  # each value on its own: Literal["a", "b"] fits Literal["a"] | Literal["b"]
            return all(is_assignable(Literal[value], dst) for value in values)
        if get_origin(dst) is Literal:  # compared with their types: Literal[True] is not Literal[1]
            return _literal_keys(src) <= _literal_keys(dst)
        if _is_union(dst):
            return any(is_assignable(src, member) for member in get_args(dst))
        return is_assignable(_literal_values_type(src), dst)
    if _is_union(dst):
        return any(is_assignable(src, member) for member in get_args(dst))
    if get_origin(dst) is Literal:
        return False
    dst_super = _newtype_super(dst)
    src_super = _newtype_super(src)
    if dst_super is not None:  # only the NewType itself, or a NewType derived from it, flows into a NewType
        while src is not dst and _newtype_super(src) is not None:
            src = _newtype_super(src)
        return src is dst
    if src_super is not None:
        return is_assignable(src_super, dst)
    if isinstance(src, TypeVar) or isinstance(dst, TypeVar):
        return _typevar_assignable(src, dst)
    return _class_assignable(src, dst)


def _typevar_assignable(src: TypeExpr, dst: TypeExpr) -> bool:
    if isinstance(dst, TypeVar):
        return src is dst
    assert isinstance(src, TypeVar)
    bound = src.__bound__ if src.__bound__ is not None else object
    return is_assignable(bound, dst)


def _class_assignable(src: TypeExpr, dst: TypeExpr) -> bool:
    src_cls, dst_cls = _origin_class(src), _origin_class(dst)
    if src_cls is None or dst_cls is None:
        return False
    if typing.is_typeddict(dst_cls):
        return _typeddict_assignable(src_cls, dst_cls)
    if _is_protocol(dst_cls) and not getattr(dst_cls, "_is_runtime_protocol", False):
        # issubclass() refuses non-runtime protocols. Structural, as mypy checks it: every member present,
        # methods with fitting signatures (the protocol's parameters flow into the class's, its returns into
        # the protocol's), the protocol's type parameters replaced by the arguments it is used with.
        return _protocol_assignable(src_cls, dst_cls, get_args(dst))
    if not issubclass(src_cls, dst_cls):
        # A promotion applies to subclasses too: bool (an int) is accepted where a float is expected.
        promoted = any(dst_cls in _PROMOTIONS.get(base, ()) for base in src_cls.__mro__)
        return promoted and not get_args(dst)
    dst_args = get_args(dst)
    if not dst_args:
        return True
    if dst_cls is tuple:
        own_args = get_args(src)
        if src_cls is tuple:
            return not own_args or _tuple_assignable(own_args, dst_args)
        projected = _args_as_seen_from(src, cabc.Sequence)
        return projected is None or _tuple_assignable((projected[0], Ellipsis), dst_args)
    src_args = _args_as_seen_from(src, dst_cls)
    if src_args is None:
        return True  # a bare generic (``list``) stands for ``list[Any]``
    if len(src_args) != len(dst_args):
        return False
    for mark, a, b in zip(_variance(dst_cls, len(dst_args)), src_args, dst_args, strict=True):
        if mark == "+" and not is_assignable(a, b):
            return False
        if mark == "-" and not is_assignable(b, a):
            return False
        if mark == "=" and not _same(a, b):
            return False
    return True


def _typeddict_assignable(src: type, dst: type) -> bool:
    """mypy's rule for TypedDicts: every key of ``dst``, with the same type and the same required-ness."""
    if not typing.is_typeddict(src):
        return False
    try:
        src_hints, dst_hints = typing.get_type_hints(src), typing.get_type_hints(dst)
    except (NameError, AttributeError, TypeError):
        return src is dst
    src_required: frozenset[str] = getattr(src, "__required_keys__", frozenset())
    dst_required: frozenset[str] = getattr(dst, "__required_keys__", frozenset())
    return all(
        key in src_hints and _same(src_hints[key], tp) and ((key in src_required) == (key in dst_required))
        for key, tp in dst_hints.items()
    )


def _substitute(tp: TypeExpr, mapping: dict[object, TypeExpr]) -> TypeExpr:
    """``tp`` with the protocol's type variables replaced by the arguments it is used with."""
    if isinstance(tp, TypeVar):
        return mapping.get(tp, tp)
    args = get_args(tp)
    origin = get_origin(tp)
    if not args or origin is None or origin is Literal:
        return tp
    new_args = tuple(_substitute(a, mapping) for a in args)
    if _is_union(tp):
        return _union_of(new_args)
    if isinstance(origin, type):
        return types.GenericAlias(origin, new_args)
    return tp


def _member_hints(owner: type, name: str) -> dict[str, TypeExpr] | None:
    member = getattr(owner, name, None)
    if not callable(member):
        return None
    try:
        return typing.get_type_hints(member)
    except (NameError, AttributeError, TypeError):
        return None


def _protocol_assignable(src: type, dst: type, args: tuple[TypeExpr, ...]) -> bool:
    params: tuple[TypeExpr, ...] = getattr(dst, "__parameters__", ())
    mapping = dict(zip(params, args, strict=False)) if args else {}
    for member in _protocol_members(dst):
        if not hasattr(src, member):
            return False
        wanted, got = _member_hints(dst, member), _member_hints(src, member)
        if wanted is None or got is None:
            continue  # an attribute, or a signature we cannot read: present is all we can say
        wanted_params = [_substitute(tp, mapping) for key, tp in wanted.items() if key != "return"]
        got_params = [tp for key, tp in got.items() if key != "return"]
        if len(wanted_params) != len(got_params):
            return False
        if not all(is_assignable(w, g) for w, g in zip(wanted_params, got_params, strict=True)):
            return False
        if (
            "return" in wanted
            and "return" in got
            and not is_assignable(got["return"], _substitute(wanted["return"], mapping))
        ):
            return False
    return True


def type_name(tp: TypeExpr) -> str:
    """A short, mypy-like spelling of a type for messages: ``int``, ``list[int]``, ``DataFrame | None``."""
    tp = _strip(tp)
    if tp is _NoneType:
        return "None"
    if _is_any(tp):
        return "Any"
    if tp is Ellipsis:
        return "..."
    if _is_union(tp):
        return " | ".join(type_name(a) for a in get_args(tp))
    origin = get_origin(tp)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in get_args(tp)) + "]"
    if origin is not None:
        base = type_name(origin)
        args = get_args(tp)
        if args and isinstance(args[0], list):  # Callable[[...], R] and ParamSpec-style lists
            inner = "[" + ", ".join(type_name(a) for a in args[0]) + "]"
            return f"{base}[{', '.join([inner, *(type_name(a) for a in args[1:])])}]"
        return f"{base}[{', '.join(type_name(a) for a in args)}]" if args else base
    if isinstance(tp, type):
        return tp.__qualname__ if tp.__module__ not in ("builtins",) else tp.__name__
    name = getattr(tp, "__name__", None)
    return name if isinstance(name, str) else repr(tp)


# Above this many elements, containers are checked on a bounded sample so the run-time check stays cheap.
_SAMPLE: Final = 1000


def value_conforms(value: object, tp: TypeExpr) -> bool:
    """True when ``value`` is a plausible instance of ``tp`` (checked deeply, containers sampled)."""
    tp = _strip(tp)
    if _is_any(tp) or tp is object:
        return True
    if tp is _NoneType:
        return value is None
    if isinstance(tp, TypeVar):
        return value_conforms(value, tp.__bound__ if tp.__bound__ is not None else object)
    if _is_union(tp):
        return any(value_conforms(value, member) for member in get_args(tp))
    origin = get_origin(tp)
    if origin is Literal:
        return any(value == v and type(value) is type(v) for v in get_args(tp))
    supertype = _newtype_super(tp)
    if supertype is not None:
        return value_conforms(value, supertype)
    cls = _origin_class(tp)
    if cls is None:
        return True  # a form we cannot check at run time (a Protocol-like alias): trust the static check
    if not _instance_of(value, cls):
        return False
    args = get_args(tp)
    if not args:
        return True
    return _elements_conform(value, cls, args)


def _instance_of(value: object, cls: type) -> bool:
    if isinstance(value, bool) and cls in (int, float, complex):
        return cls is int
    if isinstance(value, cls):
        return True
    return any(isinstance(value, promoted) for promoted, targets in _PROMOTIONS.items() if cls in targets) and not (
        isinstance(value, enum.Enum)
    )


def _elements_conform(value: object, cls: type, args: tuple[TypeExpr, ...]) -> bool:
    if cls is tuple and isinstance(value, tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return all(value_conforms(v, args[0]) for v in value[:_SAMPLE])
        return len(value) == len(args) and all(value_conforms(v, a) for v, a in zip(value, args, strict=True))
    if isinstance(value, cabc.Mapping) and len(args) == 2:
        items = list(value.items())[:_SAMPLE]
        return all(value_conforms(k, args[0]) and value_conforms(v, args[1]) for k, v in items)
    if isinstance(value, cabc.Iterable) and len(args) == 1 and not isinstance(value, cabc.Iterator):
        for count, item in enumerate(value):
            if count >= _SAMPLE:
                break
            if not value_conforms(item, args[0]):
                return False
    return True
