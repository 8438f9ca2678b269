"""A strict YAML reader whose scalars are typed later, by the config class they are structured into.

YAML 1.1 resolvers guess types from spelling: ``NO`` and ``on`` become booleans, ``3.10`` becomes the float
3.1, and a duplicated key silently wins. zen reads every scalar as text (remembering whether it was quoted),
refuses duplicate keys and merge keys, and caps alias expansion (a "billion laughs" document fails fast), the
size of a document and how deeply it nests (checked on the parser's event stream, before anything recursive). The
config's annotations then decide: a ``str`` field keeps ``"3.10"``, an ``int`` field accepts only digits, a
``bool`` field only ``true``/``false``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from zen_types._json import JSONValue
from zen_types.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    import yaml  # imported where a document is read: most processes never read YAML, and PyYAML is slow to import

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "YamlScalar", "load_yaml", "read_yaml_text"]

MAX_YAML_NODES: Final = 100_000
"""Most nodes a document may expand to through aliases before it is refused."""
MAX_YAML_DEPTH: Final = 100
"""Deepest nesting of lists and mappings a document may have (a config is rarely deeper than five)."""
MAX_YAML_BYTES: Final = 10_000_000
"""Largest document read, in characters."""


class YamlScalar(str):
    """The text of a YAML scalar; ``plain`` is False when it was quoted (so ``"null"`` stays a string)."""

    __slots__ = ("plain",)
    plain: bool

    def __new__(cls, text: str, *, plain: bool) -> YamlScalar:
        obj = super().__new__(cls, text)
        obj.plain = plain
        return obj


YamlValue = JSONValue  # what load_yaml returns; every scalar inside is a YamlScalar


class _Counter:
    def __init__(self, source: str) -> None:
        self.count = 0
        self.source = source

    def tick(self) -> None:
        self.count += 1
        if self.count > MAX_YAML_NODES:
            raise ConfigError(
                f"{self.source}: the YAML document expands to more than {MAX_YAML_NODES} nodes through "
                f"aliases; refusing to load it (an alias bomb?). Write the values out without '*' aliases."
            )


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _construct(node: yaml.Node, counter: _Counter) -> YamlValue:
    import yaml

    counter.tick()
    if isinstance(node, yaml.ScalarNode):
        return YamlScalar(str(node.value), plain=node.style is None)
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, counter) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        out: dict[str, YamlValue] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(f"{counter.source}: mapping keys must be plain text ({_where(key_node)}).")
            key = YamlScalar(str(key_node.value), plain=key_node.style is None)  # typed later, like values
            if key == "<<" and key_node.style is None:
                raise ConfigError(
                    f"{counter.source}: merge keys ('<<') are not supported ({_where(key_node)}); "
                    f"write the merged keys out."
                )
            if key in out:
                raise ConfigError(
                    f"{counter.source}: duplicate key {key!r} ({_where(key_node)}); each key may appear once."
                )
            out[key] = _construct(value_node, counter)
        return out
    raise ConfigError(f"{counter.source}: unsupported YAML node at {_where(node)}.")  # pragma: no cover


def _check_depth(text: str, source: str) -> None:
    """Refuse documents nested deeper than MAX_YAML_DEPTH, reading the parser's events (no recursion), before
    PyYAML's recursive composer could run out of stack."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                mark = event.start_mark
                where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"
                raise ConfigError(
                    f"{source}: the YAML document nests lists and mappings more than {MAX_YAML_DEPTH} deep "
                    f"({where}); flatten it."
                )
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def load_yaml(text: str, *, source: str = "<yaml>") -> YamlValue:
    """Parse one YAML document into dicts, lists and :class:`YamlScalar` texts; an empty document is ``{}``."""
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError(
            f"{source}: the YAML document has {len(text)} characters, more than the {MAX_YAML_BYTES} a config may "
            f"have; keep data in artifacts, not in configs."
        )
    import yaml

    try:
        _check_depth(text, source)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML{_yaml_problem(exc)}") from exc
    if node is None:
        return {}
    return _construct(node, _Counter(source))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what PyYAML found wrong, on one line (its own text spans several, with a caret under a copy of the
    line): ``at line 1, column 4: expected the node content, but found '<stream end>'``."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem is not None:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return f"{where}: {exc.problem}"
    return f": {exc}"


def read_yaml_text(path: Path) -> str:
    """The text of a YAML file, read no further than the largest document zen accepts (a path such as
    ``/dev/zero`` ends in the size error, not in memory exhaustion), decoded as UTF-8 with a sentence naming the
    first byte that is not. Raises OSError when the file cannot be read."""
    with path.open("rb") as handle:
        data = handle.read(4 * MAX_YAML_BYTES + 1)  # UTF-8 spends at most 4 bytes on a character
    if len(data) > 4 * MAX_YAML_BYTES:
        raise ConfigError(
            f"{path}: the YAML document has more than the {MAX_YAML_BYTES} characters a config may have; keep data "
            f"in artifacts, not in configs."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8."
        ) from exc
