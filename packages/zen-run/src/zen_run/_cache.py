"""Cache keys that explain themselves.

A step is reused when nothing that could change its outputs changed: its code (the step function and the
in-repository code it calls, normalised so formatting and comments do not matter), its config, the content
hashes of its inputs, the materializers (and their format versions) of its outputs, and zen's version. The key
is a digest over those components; the components themselves are recorded with the step run so
``zen cache explain`` can say which one differed from the closest earlier run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache

import attrs

from zen_types import JSONValue

__all__ = ["CacheComponents", "config_digest", "diff_components", "zen_version"]


@cache
def zen_version() -> str:
    """The installed zen-run version (read once, when a cache key is first made: not at import)."""
    from importlib.metadata import version

    return version("zen-run")


@attrs.frozen(kw_only=True)
class CacheComponents:
    """Everything a step's cache key is made of, kept readable for explanations."""

    code: str
    """Digest of the step's normalised code and the in-repository code it calls."""
    code_parts: dict[str, str] = attrs.field(factory=dict)
    """Per function/class digests behind ``code`` (qualified name -> digest)."""
    config: str
    """Canonical JSON of the config (``null`` without one)."""
    inputs: dict[str, str] = attrs.field(factory=dict)
    """Input name -> content hash of the artifact read."""
    materializers: dict[str, str] = attrs.field(factory=dict)
    """Output name -> materializer name and format version."""
    zen_version: str = attrs.field(factory=zen_version)

    def key(self) -> str:
        """The cache key: a sha256 over the components (code parts excluded: ``code`` already covers them)."""
        payload = json.dumps(
            {
                "code": self.code,
                "config": self.config,
                "inputs": self.inputs,
                "materializers": self.materializers,
                "zen": self.zen_version,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_json(self) -> dict[str, JSONValue]:
        """The components as JSON, as recorded with the step run."""
        return {
            "code": self.code,
            "code_parts": dict(self.code_parts),
            "config": self.config,
            "inputs": dict(self.inputs),
            "materializers": dict(self.materializers),
            "zen_version": self.zen_version,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CacheComponents:
        """Rebuild recorded components (tolerant of missing keys in older records)."""

        def strings(value: object) -> dict[str, str]:
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}

        return cls(
            code=str(data.get("code", "")),
            code_parts=strings(data.get("code_parts")),
            config=str(data.get("config", "null")),
            inputs=strings(data.get("inputs")),
            materializers=strings(data.get("materializers")),
            zen_version=str(data.get("zen_version", "")),
        )


def config_digest(config: Mapping[str, JSONValue] | None) -> str:
    """Canonical JSON of a config, so key order and spacing never cause a miss."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def diff_components(now: CacheComponents, before: CacheComponents) -> list[str]:
    """Human sentences naming every component that differs between two step runs (empty: same key)."""
    reasons: list[str] = []
    if now.code != before.code:
        changed = sorted(
            name
            for name in set(now.code_parts) | set(before.code_parts)
            if now.code_parts.get(name) != before.code_parts.get(name)
        )
        detail = f" ({', '.join(changed)})" if changed else ""
        reasons.append(f"code changed{detail}")
    if now.config != before.config:
        reasons.append(f"config changed: {before.config} -> {now.config}")
    for name in sorted(set(now.inputs) | set(before.inputs)):
        if now.inputs.get(name) != before.inputs.get(name):
            reasons.append(
                f"input {name!r} content changed: {_short(before.inputs.get(name))} -> {_short(now.inputs.get(name))}"
            )
    for name in sorted(set(now.materializers) | set(before.materializers)):
        if now.materializers.get(name) != before.materializers.get(name):
            reasons.append(
                f"materializer of output {name!r} changed: "
                f"{before.materializers.get(name)} -> {now.materializers.get(name)}"
            )
    if now.zen_version != before.zen_version:
        reasons.append(f"zen version changed: {before.zen_version} -> {now.zen_version}")
    return reasons


def _short(digest: str | None) -> str:
    return "none" if digest is None else digest[:12]
