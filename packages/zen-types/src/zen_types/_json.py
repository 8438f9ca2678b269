"""The JSON value type shared by every package that records metadata, configs or specs."""

from __future__ import annotations

from typing import TypeAlias

JSONValue: TypeAlias = "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
"""A value that ``json.dumps`` writes and ``json.loads`` reads back unchanged (metadata, configs, specs)."""
