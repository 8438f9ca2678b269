"""Strict structuring of configs (``BaseStepConfig`` subclasses, run configs) from dicts, YAML and CLI, by cattrs.

Structuring is strict: ``"3"`` is not an int unless it came from text (YAML, CLI) where it was written as a bare
number, ``3.7`` never becomes ``3``, text never becomes a list of its letters, and unknown keys are refused. Every
failure becomes one ``ConfigError`` listing each bad key by its path. The converter is built on first use and
this module is imported only then (see ``zen_types._config``), so defining steps and configs never loads cattrs.
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import functools
import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Final, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, list_structure_factory, mapping_structure_factory
from cattrs.errors import ClassValidationError, IterableValidationError

from zen_types._assignability import type_name
from zen_types._json import JSONValue
from zen_types._yaml import YamlScalar
from zen_types.errors import ConfigError

__all__ = ["structure", "unstructure"]

_T = TypeVar("_T")

_INT_RE: Final = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
_FLOAT_RE: Final = re.compile(r"[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_MAX_INT_DIGITS: Final = 4300
"""Python's own limit for turning text into an int (``sys.get_int_max_str_digits``): longer is refused clearly."""
_FLOAT_SPECIAL: Final = {".nan": "nan", ".inf": "inf", "+.inf": "inf", "-.inf": "-inf", "nan": "nan", "inf": "inf"}
_TRUE: Final = frozenset({"true", "True", "TRUE"})
_FALSE: Final = frozenset({"false", "False", "FALSE"})
_NULL: Final = frozenset({"null", "Null", "NULL", "~", ""})


def _scalar_text(value: object) -> str | None:
    """The text of a plain (unquoted) YAML/CLI scalar, or None for anything else."""
    return str(value) if isinstance(value, YamlScalar) and value.plain else None


def _fail(expected: str, value: object) -> typing.NoReturn:
    shown = str(value) if isinstance(value, YamlScalar) else value
    raise ValueError(f"expected {expected}, got {shown!r}")


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _scalar_text(value)
    if text is not None and _INT_RE.fullmatch(text):
        digits = text.replace("_", "").lstrip("+-")
        if len(digits) > _MAX_INT_DIGITS:
            raise ValueError(
                f"expected int, got a number with {len(digits)} digits; config ints have at most {_MAX_INT_DIGITS}"
            )
        return int(text.replace("_", ""))
    _fail("int", value)


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = _scalar_text(value)
    if text is not None and text.lower() in _FLOAT_SPECIAL:
        return float(_FLOAT_SPECIAL[text.lower()])
    if text is not None and _FLOAT_RE.fullmatch(text):
        number = float(text.replace("_", ""))
        if math.isinf(number):
            raise ValueError(
                f"expected float, got {text[:20]}… which is too large for a float (write .inf for infinity)"
            )
        return number
    _fail("float", value)


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    text = _scalar_text(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    _fail("bool (true or false)", value)


def _structure_str(value: object, _: type) -> str:
    if isinstance(value, YamlScalar) and value.plain and value in _NULL:
        # ``name: null`` (or ``~``, or nothing) means no value, not the text "null": say how to get either.
        shown = str(value) or "an empty value"
        raise ValueError(f"expected str, got {shown} (YAML null); quote it for text, or annotate the field str | None")
    if isinstance(value, str):
        return str(value)  # a YamlScalar's text, whatever it looked like (so 3.10 and NO stay as written)
    _fail("str", value)


def _origin_type(tp: object) -> type | None:
    origin = get_origin(tp) or tp
    return origin if isinstance(origin, type) else None


def _is_collection(tp: object) -> bool:
    """Lists, tuples, sets and their abstract bases (not text, not NamedTuples, which cattrs handles)."""
    origin = _origin_type(tp)
    return (
        origin is not None
        and issubclass(origin, (cabc.Sequence, cabc.Set))
        and not issubclass(origin, (str, bytes, bytearray))
        and not hasattr(origin, "_fields")
    )


def _is_mapping(tp: object) -> bool:
    origin = _origin_type(tp)
    return origin is not None and issubclass(origin, cabc.Mapping)


def _is_attrs(tp: object) -> bool:
    origin = _origin_type(tp)
    return origin is not None and attrs.has(origin)


def _guarded(conv: cattrs.Converter) -> None:
    """Refuse values of the wrong shape before cattrs iterates them: text into a list would become its letters
    (``tags: abc`` into ``list[str]`` gives ``['a', 'b', 'c']``), a mapping into a list its keys."""

    def collection_hook(tp: object) -> Callable[[object, object], object]:
        origin = typing.cast("type", _origin_type(tp))
        args = get_args(tp)
        element = args[0] if args else object
        as_list: Callable[[object, object], object] = list_structure_factory(
            typing.cast("type", list[element]),  # type: ignore[valid-type]  # element is a type known at run time
            conv,
        )
        base: Callable[[object, object], object] = as_list
        if issubclass(origin, tuple):
            if len(args) == 2 and args[1] is Ellipsis:
                base = homogenous_tuple_structure_factory(typing.cast("type", tp), conv)
            elif args:
                base = typing.cast("Callable[[object, object], object]", conv.gen_structure_hetero_tuple(tp))
            else:
                base = homogenous_tuple_structure_factory(tuple[object, ...], conv)
        elif issubclass(origin, cabc.Set):
            frozen = not issubclass(origin, cabc.MutableSet)

            def as_set(value: object, _: object) -> object:
                items = typing.cast("list[object]", as_list(value, list))
                return frozenset(items) if frozen else set(items)

            base = as_set

        def structure(value: object, cl: object) -> object:
            if isinstance(value, (str, bytes, cabc.Mapping)) or not isinstance(value, cabc.Iterable):
                _fail(type_name(tp), value)
            return base(value, cl)

        return structure

    def mapping_hook(tp: object) -> Callable[[object, object], object]:
        # Not conv.gen_structure_mapping: it also registers its unguarded hook for ``tp`` directly, which every
        # config class built afterwards would get instead of this guarded one.
        origin = _origin_type(tp)
        structure_to = dict if origin in (cabc.Mapping, cabc.MutableMapping) or origin is None else origin
        base = typing.cast(
            "Callable[[object, object], object]",
            mapping_structure_factory(
                typing.cast("type", tp), conv, structure_to, detailed_validation=conv.detailed_validation
            ),
        )

        def structure(value: object, cl: object) -> object:
            if not isinstance(value, cabc.Mapping):
                _fail(type_name(tp), value)
            return base(value, cl)

        return structure

    def attrs_hook(tp: object) -> Callable[[object, object], object]:
        base = typing.cast(
            "Callable[[object, object], object]", conv.gen_structure_attrs_fromdict(typing.cast("type", tp))
        )

        def structure(value: object, cl: object) -> object:
            if not isinstance(value, cabc.Mapping):
                _fail(f"a mapping of {type_name(tp)} fields", value)
            return base(value, cl)

        return structure

    def unstructure_collection(tp: object) -> Callable[[object], object]:
        # JSON has lists only: tuples and sets are recorded as lists (sets sorted, so a spec is deterministic).
        unordered = issubclass(typing.cast("type", _origin_type(tp)), cabc.Set)

        def unstructure(value: object) -> object:
            items = [conv.unstructure(item) for item in typing.cast("cabc.Iterable[object]", value)]
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True)) if unordered else items

        return unstructure

    conv.register_unstructure_hook_factory(_is_collection, unstructure_collection)
    conv.register_structure_hook_factory(_is_collection, collection_hook)
    conv.register_structure_hook_factory(_is_mapping, mapping_hook)
    conv.register_structure_hook_factory(_is_attrs, attrs_hook)


def _is_null(value: object) -> bool:
    return value is None or _scalar_text(value) in _NULL


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
    conv.register_structure_hook(bool, _structure_bool)

    def is_union(tp: object) -> bool:
        return get_origin(tp) in (typing.Union, types.UnionType)

    def union_hook(tp: object) -> Callable[[object, object], object]:
        members = get_args(tp)
        non_none = [m for m in members if m is not type(None)]

        def structure(value: object, _: object) -> object:
            if type(None) in members and _is_null(value):
                return None
            errors: list[str] = []
            for member in non_none:
                try:
                    return conv.structure(value, member)
                except (ValueError, TypeError, cattrs.BaseValidationError) as exc:
                    errors.append(str(exc))
            _fail(type_name(tp), value)

        return structure

    conv.register_structure_hook_factory(is_union, union_hook)

    def is_none(tp: object) -> bool:
        return tp is type(None)

    def none_hook(_: object) -> Callable[[object, object], None]:
        def structure(value: object, __: object) -> None:
            if _is_null(value):
                return
            _fail("None", value)

        return structure

    conv.register_structure_hook_factory(is_none, none_hook)
    _guarded(conv)

    def choose(value: object, allowed: tuple[object, ...]) -> object:
        """The allowed value that ``value`` spells: compared as the allowed value's type (``2`` from YAML is 2)."""
        for option in allowed:
            if type(value) is type(option) and value == option:
                return option
            try:
                candidate = conv.structure(value, type(option))
            except (ValueError, TypeError, cattrs.BaseValidationError):
                continue
            if type(candidate) is type(option) and candidate == option:
                return option
        _fail("one of " + ", ".join(repr(a) for a in allowed), value)

    def is_literal(tp: object) -> bool:
        return get_origin(tp) is typing.Literal

    def literal_hook(tp: object) -> Callable[[object, object], object]:
        allowed = get_args(tp)
        return lambda value, _: choose(value, allowed)

    def is_enum(tp: object) -> bool:
        return isinstance(tp, type) and issubclass(tp, enum.Enum)

    def enum_hook(tp: object) -> Callable[[object, object], object]:
        # Before the int and str hooks, which would take an IntEnum or a str-based Enum for a plain int or str.
        members = tuple(typing.cast("type[enum.Enum]", tp))

        def structure(value: object, _: object) -> object:
            if isinstance(value, enum.Enum) and value in members:
                return value
            chosen = choose(value, tuple(m.value for m in members))
            return next(m for m in members if type(m.value) is type(chosen) and m.value == chosen)

        return structure

    conv.register_structure_hook_factory(is_literal, literal_hook)
    conv.register_structure_hook_factory(is_enum, enum_hook)

    def scalar(base: type, hook: Callable[[object, type], object]) -> Callable[[object, type], object]:
        # cattrs dispatches subclasses (an IntEnum, a str-based Enum, ``class Name(str)``) to their base's hook.
        def structure(value: object, cl: type) -> object:
            if cl is base:
                return hook(value, cl)
            if issubclass(cl, enum.Enum):
                return enum_hook(cl)(value, cl)
            subclass: Callable[[object], object] = cl
            return subclass(hook(value, base))

        return structure

    conv.register_structure_hook(int, scalar(int, _structure_int))
    conv.register_structure_hook(float, scalar(float, _structure_float))
    conv.register_structure_hook(str, scalar(str, _structure_str))
    conv.register_structure_hook_func(_is_json_value, _keep_json)
    return conv


_JSON_VALUE_NAMES: Final = frozenset({"JSONValue", JSONValue})
"""How the ``JSONValue`` alias appears unresolved: by its name, or by its text where a container resolved it once
(``dict[str, JSONValue]`` resolves to a union whose ``list[...]`` holds ``ForwardRef('bool | int | ...')``)."""


def _is_json_value(tp: object) -> bool:
    """True for the ``JSONValue`` alias however far it was resolved: unresolved (a ``ForwardRef``), or the union it
    stands for (one of whose members is ``list`` of the unresolved alias). Without this, cattrs would structure raw
    YAML into that union and type each scalar by its spelling (``3.10`` a float) before the config class could."""
    if isinstance(tp, typing.ForwardRef):
        return tp.__forward_arg__ in _JSON_VALUE_NAMES
    if get_origin(tp) not in (typing.Union, types.UnionType):
        return False
    return any(
        get_origin(arg) is list
        and isinstance(get_args(arg)[0], typing.ForwardRef)
        and get_args(arg)[0].__forward_arg__ in _JSON_VALUE_NAMES
        for arg in get_args(tp)
    )


def _keep_json(value: object, _: object) -> object:
    """Raw JSON/YAML data is kept as it is (YAML scalars keep their text until a config class types them)."""
    return value


@functools.cache
def _converter() -> cattrs.Converter:
    """The one converter for configs, built on first use: building it (and importing cattrs) is most of what
    importing zen-types would otherwise cost, and a pipeline module that only defines configs never needs it."""
    return _make_converter()


def _render_path(base: str, parts: list[str]) -> str:
    text = base
    for part in parts:
        text += part if part.startswith("[") else f".{part}"
    return text


def _flatten(exc: BaseException, base: str, parts: list[str], out: list[str]) -> None:
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        for inner in exc.exceptions:
            note = _location(inner)
            _flatten(inner, base, [*parts, *note], out)
        return
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        keys = ", ".join(sorted(exc.extra_fields))
        fields = ", ".join(a.name for a in attrs.fields(exc.cl)) if attrs.has(exc.cl) else "?"
        out.append(f"{_render_path(base, parts)}: unknown key(s) {keys} (known: {fields})")
        return
    if isinstance(exc, KeyError):
        out.append(f"{_render_path(base, parts)}: required but missing")
        return
    message = str(exc)
    out.append(f"{_render_path(base, parts)}: {message}")


def _location(exc: BaseException) -> list[str]:
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, str) and note.startswith("Structuring class ") and " @ attribute " in note:
            return [note.rsplit(" @ attribute ", 1)[1]]
        if isinstance(note, str) and " @ index " in note:
            return [f"[{note.rsplit(' @ index ', 1)[1]}]"]
        if isinstance(note, str) and " @ key " in note:
            return [note.rsplit(" @ key ", 1)[1].strip("'\"")]
    return []


def structure(data: Mapping[str, object], cls: type[_T], *, path: str) -> _T:
    """Structure ``data`` into the attrs class ``cls`` strictly; a failure is one ConfigError listing every bad
    key by its path."""
    try:
        return _converter().structure(dict(data), cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        if isinstance(exc, ConfigError):
            raise
        problems: list[str] = []
        _flatten(exc, path, [], problems)
        raise ConfigError("; ".join(problems) or f"{path}: {exc}") from exc


def unstructure(config: object) -> dict[str, JSONValue]:
    """A config (an attrs instance: ``BaseStepConfig``, run configs) as JSON-compatible data."""
    data = _converter().unstructure(config)
    if not isinstance(data, dict):  # pragma: no cover - attrs classes unstructure to dicts
        raise ConfigError(f"cannot record config {config!r}")
    return typing.cast("dict[str, JSONValue]", data)
