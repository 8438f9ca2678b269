"""A pipeline instance run again in the same context reuses its compilation only while everything compilation reads
is unchanged: each test changes one such thing between two runs and checks the second run sees it, as a fresh
compilation would."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from tests.zen_git.test_git import Repo
from tests.zen_git.test_git import repo as repo  # noqa: PLC0414 - a real repository with a package of its own
from tests.zen_run import pipelines as p
from zen_git import UnpinnedCodeWarning
from zen_materialize import ArtifactLocation, Materializer, MaterializerRegistry
from zen_run import RunContext, RunOptions, execute
from zen_run._compilations import Compilations
from zen_run._compile import CompiledPipeline, compile_pipeline
from zen_run._pinning import Pinner
from zen_run.errors import CompileError
from zen_types import PipelineInstance


class IntText(Materializer[int]):
    """A second writer for int: registering it makes int's writer ambiguous."""

    TYPES: ClassVar[tuple[type, ...]] = (int,)
    FORMAT: ClassVar[str] = "int-text"

    def write(self, value: int, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / "v").write_text(str(value))

    def read(self, artifact: ArtifactLocation) -> int:
        return int((Path(artifact.uri) / "v").read_text())


def _registry() -> MaterializerRegistry:
    registry = MaterializerRegistry()
    registry.load_module("zen_materialize._builtins")
    return registry


def _instance() -> PipelineInstance:
    return p.add_pipeline(first=p.returns_one(), second=p.adds(p.AddConfig(add_amount=3)))


def _same(a: CompiledPipeline, b: CompiledPipeline) -> None:
    """What a run takes from a compilation is the same in both."""
    assert a.sources == b.sources and a.repo == b.repo
    assert list(a.steps) == list(b.steps)
    for slot, step in a.steps.items():
        other = b.steps[slot]
        assert (step.source, step.code_digest, dict(step.code_parts)) == (
            other.source,
            other.code_digest,
            dict(other.code_parts),
        )
        assert step.config_json() == other.config_json() and step.cache_enabled == other.cache_enabled
        assert {n: type(w) for n, w in step.writers.items()} == {n: type(w) for n, w in other.writers.items()}


def test_an_unchanged_instance_reuses_its_compilation_which_is_what_compiling_gives(project: Path) -> None:
    compilations, registry, pinner = Compilations(), _registry(), Pinner(project)
    instance = _instance()
    first = compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    again = compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    assert again is first
    _same(again, compile_pipeline(instance, registry=registry, pinner=pinner))


def test_a_materializer_registered_between_two_runs_is_seen_by_the_second(project: Path) -> None:
    compilations, registry, pinner = Compilations(), _registry(), Pinner(project)
    instance = _instance()
    compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    registry.register(IntText)
    with pytest.raises(CompileError, match="int"):
        compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})


@pytest.mark.parametrize(
    ("enable_cache", "step_cache"), [(False, {}), (None, {"second": False}), (True, {"first": False})]
)
def test_the_cache_flags_of_each_run_are_its_own(
    project: Path, enable_cache: bool | None, step_cache: dict[str, bool | None]
) -> None:
    compilations, registry, pinner = Compilations(), _registry(), Pinner(project)
    instance = _instance()
    compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    flagged = compilations.compile(
        instance, registry=registry, pinner=pinner, enable_cache=enable_cache, step_cache=step_cache
    )
    fresh = compile_pipeline(
        instance, registry=registry, pinner=pinner, enable_cache=enable_cache, step_cache=step_cache
    )
    _same(flagged, fresh)
    assert not all(step.cache_enabled for step in flagged.steps.values())


def test_a_bound_step_changed_in_place_between_two_runs_is_run_as_it_is_now(project: Path) -> None:
    """A step instance's config, cache flag and chosen materializers can be set on the instance a pipeline holds:
    the next run of that pipeline instance runs with them."""
    context = RunContext.open()
    instance = _instance()
    first = execute(instance, context, RunOptions(progress=False))
    assert first.steps["second"].outputs["output"].read() == 4
    instance.bound["second"].config = p.AddConfig(add_amount=5)
    second = execute(instance, context, RunOptions(progress=False))
    assert second.steps["second"].outputs["output"].read() == 6
    instance.bound["second"].enable_cache = False
    calls = p.CALLS.get("adds", 0)
    execute(instance, context, RunOptions(progress=False))
    assert p.CALLS["adds"] == calls + 1, "the step was taken from the cache although its cache is off now"
    context.close()


def test_a_pipeline_whose_cache_is_turned_off_between_runs_computes_its_steps(project: Path) -> None:
    context = RunContext.open()
    instance = _instance()
    execute(instance, context, RunOptions(progress=False))
    instance.pipeline.enable_cache = False
    calls = p.CALLS.get("returns_one", 0)
    try:
        execute(instance, context, RunOptions(progress=False))
    finally:
        instance.pipeline.enable_cache = None
    assert p.CALLS["returns_one"] == calls + 1
    context.close()


STEPS = """
from zen_run import Slot, pipeline, step


@step
def one() -> int:
    return 1


@pipeline
def only(a: Slot[[], int]) -> None:
    a()
"""


def test_code_committed_between_two_runs_is_pinned_by_the_second(repo: Repo) -> None:
    """Each run pins the code again and reads the repository's state again: a module committed since the last run
    of the instance is pinned now, and another file changed since makes the next run's state dirty."""
    repo.write("flow.py", STEPS)
    notes = repo.write("notes.py", "X = 1\n")
    module = repo.module("flow")
    defined = vars(module)
    instance: PipelineInstance = defined["only"](a=defined["one"]())
    compilations, registry, pinner = Compilations(), _registry(), Pinner(repo.root)
    with pytest.warns(UnpinnedCodeWarning):
        before = compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    head = repo.commit()
    after = compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    assert "@" not in before.steps["a"].source
    assert after.steps["a"].source == f"{repo.pkg}.flow.one@{head}"
    assert after.repo.head_sha == head and not after.repo.dirty
    _same(after, compile_pipeline(instance, registry=registry, pinner=pinner))
    notes.write_text("X = 2\n")
    dirty = compilations.compile(instance, registry=registry, pinner=pinner, enable_cache=None, step_cache={})
    assert dirty.repo.dirty and dirty.steps["a"].source == after.steps["a"].source
