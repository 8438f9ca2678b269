"""Run configuration from YAML files and CLI options: run name, cache flags and per-step configs.

```yaml
run_name: nightly            # optional
enable_cache: true           # optional; false turns caching off for the whole run
steps:
  second:                    # a slot name
    enable_cache: false      # optional, per step
    config:                  # fields of the step's BaseStepConfig, merged over the bound config
      add_amount: 3
```

Parsing is strict (see zen_types' YAML reader): unknown keys, duplicate keys and wrongly typed values fail
with the key path, e.g. ``steps.second.config.add_amount: expected int, got 'x'``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from zen_run.errors import RunConfigError
from zen_types import JSONValue, PipelineInstance, YamlScalar, load_yaml, read_yaml_text, structure_config
from zen_types.errors import ConfigError

__all__ = ["RunConfig", "StepRunConfig", "parse_set_option"]


@attrs.frozen(kw_only=True)
class StepRunConfig:
    """Per-step settings of one run."""

    enable_cache: bool | None = None
    config: dict[str, JSONValue] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RunConfig:
    """Settings of one run, from YAML, CLI options or Python."""

    run_name: str | None = None
    enable_cache: bool | None = None
    steps: dict[str, StepRunConfig] = attrs.field(factory=dict)

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "run config") -> RunConfig:
        """Parse a YAML run configuration strictly (unknown keys and wrong types fail with their path)."""
        try:
            data = load_yaml(text, source=source)
            return structure_config(data, cls, path=source)
        except ConfigError as exc:
            raise RunConfigError(str(exc)) from exc

    @classmethod
    def from_file(cls, path: Path) -> RunConfig:
        """Read and parse a YAML run configuration file."""
        try:
            text = read_yaml_text(path)
        except OSError as exc:
            raise RunConfigError(f"cannot read run config {path}: {exc.strerror}") from exc
        except ConfigError as exc:
            raise RunConfigError(str(exc)) from exc
        return cls.from_yaml(text, source=str(path))

    def merged(self, other: RunConfig) -> RunConfig:
        """``other`` layered over this one (CLI options over a file)."""
        steps = dict(self.steps)
        for slot, step in other.steps.items():
            base = steps.get(slot, StepRunConfig())
            steps[slot] = StepRunConfig(
                enable_cache=step.enable_cache if step.enable_cache is not None else base.enable_cache,
                config={**base.config, **step.config},
            )
        return RunConfig(
            run_name=other.run_name or self.run_name,
            enable_cache=other.enable_cache if other.enable_cache is not None else self.enable_cache,
            steps=steps,
        )

    def apply(self, instance: PipelineInstance) -> PipelineInstance:
        """The pipeline instance with these per-step configs merged over the bound ones."""
        unknown = [slot for slot in self.steps if slot not in instance.bound]
        if unknown:
            raise RunConfigError(
                f"steps.{unknown[0]}: pipeline {instance.name!r} has no slot {unknown[0]!r} "
                f"(slots: {', '.join(instance.bound)})."
            )
        configs: dict[str, Mapping[str, object]] = {s: c.config for s, c in self.steps.items() if c.config}
        if not configs:
            return instance
        try:
            return instance.with_configs(configs)
        except ConfigError as exc:
            raise RunConfigError(str(exc)) from exc


def parse_set_option(options: Sequence[str]) -> RunConfig:
    """Turn CLI ``--set slot.field=value`` options into a RunConfig (values typed by the config class later)."""
    steps: dict[str, dict[str, JSONValue]] = {}
    for option in options:
        key, sep, value = option.partition("=")
        slot, dot, field = key.partition(".")
        if not sep or not dot or not slot or not field:
            raise RunConfigError(f"--set {option!r}: expected SLOT.FIELD=VALUE, e.g. --set second.add_amount=3.")
        target = steps.setdefault(slot, {})
        parts = field.split(".")
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                raise RunConfigError(f"--set {option!r}: {part} is set twice, as a value and as a group.")
            target = nested
        target[parts[-1]] = YamlScalar(value, plain=True)
    return RunConfig(steps={slot: StepRunConfig(config=cfg) for slot, cfg in steps.items()})
