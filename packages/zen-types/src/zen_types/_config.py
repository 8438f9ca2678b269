"""``BaseStepConfig``: the run-time parameters of a step, built from keywords, dicts, YAML and the CLI.

Seed 000: a step's parameters are bundled in a ``BaseStepConfig`` subclass so zen can tell them apart from data
artifacts; they are given when a run is created, or from YAML or the command line. A subclass is an attrs class
(frozen, keyword-only, fields from annotations), recognised by type checkers through ``dataclass_transform``.
Values are checked against their annotations on construction, and structuring is strict: ``"3"`` is not an int
unless it came from text (YAML, CLI) where it was written as a bare number, and ``3.7`` never becomes ``3``.
Structuring is done by cattrs in ``zen_types._structure``, imported when the first config is structured or
recorded: a module that only defines steps and configs does not pay for cattrs.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import ClassVar, Self, TypeVar, dataclass_transform

import attrs

from zen_types._assignability import type_name, value_conforms
from zen_types._json import JSONValue
from zen_types._yaml import load_yaml
from zen_types.errors import ConfigError, DefinitionError

__all__ = ["BaseStepConfig", "config_fields", "structure_config", "unstructure_config"]

_T = TypeVar("_T")


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(attrs.field,))
class BaseStepConfig:
    """Base class of step configurations: subclass it and annotate fields, with defaults where sensible.

    >>> class AddConfig(BaseStepConfig):
    ...     add_amount: int = 1
    >>> AddConfig(add_amount=3).add_amount
    3
    """

    __zen_config__: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        attrs.define(cls, frozen=True, kw_only=True, slots=False, auto_attribs=True, eq=True)

    def __attrs_post_init__(self) -> None:
        hints = _field_types(type(self))
        for field in config_fields(type(self)):
            value = getattr(self, field.name)
            expected = hints.get(field.name, object)
            if not value_conforms(value, expected):
                raise ConfigError(
                    f"{type(self).__name__}.{field.name}: expected {type_name(expected)}, got {value!r} "
                    f"({type(value).__name__})."
                )

    @classmethod
    def from_dict(cls, data: Mapping[str, object], *, path: str = "config") -> Self:
        """Build a config from a mapping (JSON-like or parsed YAML); errors start with ``path``."""
        return structure_config(data, cls, path=path)

    @classmethod
    def from_yaml(cls, text: str, *, path: str = "config") -> Self:
        """Build a config from a YAML document (see :mod:`zen_types._yaml` for the pitfalls handled)."""
        data = load_yaml(text, source=path)
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of field names to values, got {type(data).__name__}.")
        return structure_config(data, cls, path=path)

    def to_dict(self) -> dict[str, JSONValue]:
        """The config as JSON-compatible data, as recorded with every run."""
        return unstructure_config(self)


_FIELD_TYPES: dict[type, dict[str, object]] = {}


def _field_types(cls: type) -> dict[str, object]:
    hints = _FIELD_TYPES.get(cls)
    if hints is None:
        try:
            hints = _FIELD_TYPES[cls] = typing.get_type_hints(cls)
        except (NameError, AttributeError) as exc:  # resolved lazily, so a class may name types defined after it
            raise DefinitionError(
                f"Config class {cls.__name__}: a field annotation cannot be resolved ({exc}). Define the types a "
                f"config uses at module level, or import them where the config is defined."
            ) from exc
    return hints


def config_fields(cls: type[BaseStepConfig]) -> tuple[attrs.Attribute[object], ...]:
    """The attrs fields of a config class."""
    return tuple(attrs.fields(typing.cast("type[attrs.AttrsInstance]", cls)))


def structure_config(data: object, cls: type[_T], *, path: str = "config") -> _T:
    """Structure ``data`` into the attrs class ``cls`` strictly (configs, run configs); a failure is one
    ConfigError listing every bad key by its path."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: expected a mapping of field names to values, got {type(data).__name__}.")
    from zen_types import _structure  # cattrs loads with the first config structured, not with zen-types

    return _structure.structure(data, cls, path=path)


def unstructure_config(config: BaseStepConfig) -> dict[str, JSONValue]:
    """The config as JSON-compatible data (recorded with runs, compared between runs)."""
    from zen_types import _structure  # cattrs loads with the first config recorded, not with zen-types

    return _structure.unstructure(config)
