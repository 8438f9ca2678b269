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
with the key path, e.g. ``steps.second.config.add_amount: expected int, got 'x'``. A ``--set`` value is read by
the same reader (``--set second.sizes=[1, 2]`` is ``sizes: [1, 2]``), so the two cannot disagree.
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


_SET_VALUE_HINT = "a --set value is read as YAML, as in a run config: 3, 0.5, true, [1, 2], {a: 1}, or 'quoted text'"


def parse_set_option(options: Sequence[str], instance: PipelineInstance) -> RunConfig:
    """Turn CLI ``--set slot.field=value`` options into a RunConfig, each value read by the YAML reader run
    configs use (so ``[1, 2]`` fills a list field as it would in a file), and check each against the config
    class of ``instance``'s step, so a value that does not fit is refused naming the option it came from."""
    steps: dict[str, dict[str, JSONValue]] = {}
    for option in options:
        key, sep, text = option.partition("=")
        slot, dot, field = key.partition(".")
        if not sep or not dot or not slot or not field:
            raise RunConfigError(f"--set {option!r}: expected SLOT.FIELD=VALUE, e.g. --set second.add_amount=3.")
        value = _set_value(option, text)
        nested_value: JSONValue = value
        for part in reversed(field.split(".")[1:]):
            nested_value = {part: nested_value}
        single = RunConfig(steps={slot: StepRunConfig(config={field.split(".")[0]: nested_value})})
        try:
            single.apply(instance)
        except RunConfigError as exc:
            # Fields this option does not set may be missing from it alone (no bound config, a required field that
            # another option or the run config gives): the run says so if they are still missing then.
            problems = [p for p in str(exc).split("; ") if not p.endswith(": required but missing")]
            if problems:
                detail = "; ".join(problems).replace(f"steps.{slot}.config", slot).replace(f"steps.{slot}", slot)
                detail = detail.rstrip(".").removeprefix(f"{key}: ")
                hint = f" ({_SET_VALUE_HINT})" if "expected" in detail else ""
                raise RunConfigError(f"--set {option}: {detail}{hint}.") from exc
        target = steps.setdefault(slot, {})
        parts = field.split(".")
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                raise RunConfigError(f"--set {option!r}: {part} is set twice, as a value and as a group.")
            target = nested
        target[parts[-1]] = value
    return RunConfig(steps={slot: StepRunConfig(config=cfg) for slot, cfg in steps.items()})


def _set_value(option: str, text: str) -> JSONValue:
    """The value of one ``--set`` option as the run-config YAML reader reads it; an empty value is YAML's empty
    scalar (null), as ``field:`` with nothing after it is in a file."""
    if not text.strip():
        return YamlScalar(text, plain=True)
    try:
        value = load_yaml(text, source=f"--set {option}")
    except ConfigError as exc:
        raise RunConfigError(f"{exc} ({_SET_VALUE_HINT}).") from exc
    if value == {} and "{" not in text:  # a document of nothing but a comment (`#tag`): null, not a mapping
        return YamlScalar("", plain=True)
    return value
