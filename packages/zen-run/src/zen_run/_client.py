"""The post-execution API: what ran, with which parameters and code, producing which data.

Seed 001 wants ``step.outputs`` after the fact; seed 000 wants runs compared. ``Client()`` opens the project's
stores from any process; runs, step runs and artifacts come back as read-only views over the lineage records,
and an artifact's ``read()`` loads its value with the materializer recorded for it (or a view: ``read(as_type)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from zen_types import PipelineSpec

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from pathlib import Path
    from types import TracebackType

    from zen_materialize import Visualization
    from zen_run._context import RunContext
    from zen_run._values import SmallValue
    from zen_run._verify import VerifyReport
    from zen_store import (
        ArtifactRecord,
        Comparison,
        LineageGraph,
        RunDeletion,
        RunRecord,
        RunStatus,
        StepLogs,
        StepRunRecord,
        StepStatus,
    )
    from zen_types import JSONValue, RunView

__all__ = ["Artifact", "Client", "Run", "StepRun"]


@attrs.frozen(kw_only=True)
class Artifact:
    """A stored artifact: where it is, what it is, and ``read()`` to load it."""

    record: ArtifactRecord
    context: RunContext = attrs.field(repr=False, eq=False)

    @property
    def id(self) -> str:
        """The artifact's id."""
        return self.record.artifact_id

    @property
    def name(self) -> str | None:
        """The artifact's name: ``<pipeline>.<slot>.<output>``, or the one its step gave (``ArtifactName``)."""
        return self.record.name

    @property
    def version(self) -> int | None:
        """Its version among the artifacts of its name (1, 2, ... in the order they were stored)."""
        return self.record.version

    @property
    def uri(self) -> str:
        """Where the artifact's files are (now: in a project folder that was moved, not where they were written)."""
        return self.context.stores.io.finder.current_uri(self.record.uri)

    @property
    def content_hash(self) -> str:
        """blake3 (older artifacts: sha256) over the artifact's files, verified when read."""
        return self.record.content_hash

    @property
    def metadata(self) -> dict[str, JSONValue]:
        """What the materializer (and the step) recorded: shape, dtype, rows, ..."""
        return dict(self.record.metadata)

    def read(self, as_type: object = None) -> object:
        """Load the value (verifying its content hash); ``as_type`` picks a view of the stored format."""
        return self.context.stores.io.read_value(self.context.registry, self.record, as_type, None)

    def small_value(self) -> SmallValue | None:
        """The value when it is a small plain one (a number, a short string, a small dict of metrics), read
        safely: a ``zen-json`` artifact of at most 4 KB, hash verified, nothing unpickled or imported. None
        otherwise."""
        from zen_run._values import read_small_value

        return read_small_value(self.context.stores.io, self.context.registry, self.record)

    def visualize(self) -> Visualization | None:
        """What the artifact's materializer shows of it (HTML, SVG or PNG), reading only what is shown.

        ``None`` when the materializer offers no visualization (or the files were written without one); the
        content hash is not verified here, so a big artifact is not read in full just to show a few rows.
        """
        if self.record.materializer is None:
            return None
        from zen_materialize import Location

        materializer = self.context.registry.by_name(self.record.materializer, format=self.record.format)
        return materializer.visualize(Location(self.context.stores.io.local_path(self.record)))

    def _repr_html_(self) -> str:
        from zen_run import _notebook  # the views' HTML and text, loaded when first shown

        return _notebook.artifact_html(self.record, self.visualize())

    def __repr__(self) -> str:
        from zen_run import _notebook  # the views' HTML and text, loaded when first shown

        return _notebook.artifact_repr(self.record)


@attrs.frozen(kw_only=True)
class StepRun:
    """One step of a run."""

    record: StepRunRecord
    context: RunContext = attrs.field(repr=False, eq=False)

    @property
    def name(self) -> str:
        """The slot name the step was bound to."""
        return self.record.step_name

    @property
    def status(self) -> StepStatus:
        """How the step run ended (or ``running``)."""
        return self.record.status

    @property
    def source(self) -> str:
        """The step's code as a source string: ``module.name@<sha>`` when pinned."""
        return self.record.source

    @property
    def config(self) -> dict[str, JSONValue] | None:
        """The config the step ran with."""
        return self.record.config

    @property
    def error(self) -> str | None:
        """Why the step did not complete: the traceback of its exception, or zen's sentence (None when it did)."""
        return self.record.error

    @property
    def logs(self) -> StepLogs:
        """What the step printed - stdout, stderr and ``logging`` records, as written - while it ran (read from
        the lineage store each time, so a running step's grow). ``logs.text`` is the text, ``logs.cut`` the
        number of characters dropped before it when it printed more than ``zen_store.LOG_LIMIT``."""
        return self.context.stores.lineage.step_logs(self.record.step_run_id)

    @property
    def cached_from(self) -> StepRun | None:
        """For a cached step, which did not run, the step run that made the outputs it reused: its logs, timings
        and inputs tell how they were made. None for a step that ran, or when that step run was deleted with its
        run."""
        made_by = self.record.cached_from
        found = None if made_by is None else self.context.stores.lineage.step_run(made_by)
        return None if found is None else StepRun(record=found, context=self.context)

    @property
    def outputs(self) -> Mapping[str, Artifact]:
        """Output artifacts by name (for a cached step: the reused artifacts)."""
        return {name: Artifact(record=a, context=self.context) for name, a in self.record.outputs.items()}

    @property
    def inputs(self) -> Mapping[str, Artifact]:
        """Input artifacts by name."""
        return {name: Artifact(record=a, context=self.context) for name, a in self.record.inputs.items()}

    def _repr_html_(self) -> str:
        from zen_run import _notebook  # the views' HTML and text, loaded when first shown

        return _notebook.step_html(self.record)

    def __repr__(self) -> str:
        from zen_run import _notebook  # the views' HTML and text, loaded when first shown

        return _notebook.step_repr(self.record)


@attrs.frozen(kw_only=True)
class Run:
    """A pipeline run as recorded."""

    record: RunRecord
    context: RunContext = attrs.field(repr=False, eq=False)

    @property
    def id(self) -> str:
        """The run id."""
        return self.record.run_id

    @property
    def name(self) -> str | None:
        """The run name, if one was given."""
        return self.record.run_name

    @property
    def pipeline_name(self) -> str:
        """The pipeline this is a run of."""
        return self.record.pipeline_name

    @property
    def status(self) -> RunStatus:
        """How the run ended (or ``running``)."""
        return self.record.status

    @property
    def started_at(self) -> datetime:
        """When the run started."""
        return self.record.started_at

    @property
    def tags(self) -> tuple[str, ...]:
        """The labels the run was started with."""
        return self.record.tags

    @property
    def dirty(self) -> bool:
        """True when the run started while tracked files had uncommitted changes (modified, staged, deleted);
        untracked files do not count. Which of its code is pinned to a commit its sources say."""
        return self.record.dirty

    @property
    def spec(self) -> PipelineSpec:
        """Exactly what was bound: steps, edges, configs, types."""
        return PipelineSpec.from_json(self.record.spec_json)

    @property
    def steps(self) -> Mapping[str, StepRun]:
        """Step runs by slot name, in execution order."""
        return {
            s.step_name: StepRun(record=s, context=self.context) for s in self.context.stores.lineage.step_runs(self.id)
        }

    def _repr_html_(self) -> str:
        from zen_run import _notebook  # the views' HTML and text, loaded when first shown

        steps = {s.step_name: s for s in self.context.stores.lineage.step_runs(self.id)}
        return _notebook.run_html(self.record, self.spec, steps)

    def __repr__(self) -> str:
        from zen_run import _notebook  # the views' HTML and text, loaded when first shown

        return _notebook.run_repr(self.record)


def _run_status(status: RunStatus | str) -> RunStatus:
    from zen_run.errors import RunConfigError
    from zen_store import RunStatus

    try:
        return RunStatus(status)
    except ValueError:
        known = ", ".join(s.value for s in RunStatus)
        raise RunConfigError(f"run status {status!r} is not one of {known}.") from None


def _open_context(root: Path | str | None, stack: str | None) -> RunContext:
    """The stores of the project at ``root`` (or found from here), which must exist: a client only reads, so it
    never creates ``.zen/`` (running a pipeline does). The rest of zen loads with the first Client."""
    from pathlib import Path

    from zen_run._context import RunContext
    from zen_run._project import Project

    project = Project(Path(root).resolve()) if root is not None else Project.find()
    return RunContext.open(project=project.existing(), stack=stack)


class Client:
    """Query the project's runs from any process: ``Client().last_run("add_pipeline")``, or ``with Client() as
    client: ...`` to close its connections. It never creates a project: with none, reads raise ``NoProjectError``."""

    def __init__(self, root: Path | str | None = None, *, stack: str | None = None, context: RunContext | None = None):
        self._owns_context, self._opened, self._where = context is None, context, (root, stack)

    @property
    def context(self) -> RunContext:
        """The project's stores, opened at the first read (``Client().get_run(instance.run().id)`` runs first)."""
        self._opened = self._opened or _open_context(*self._where)
        return self._opened

    def close(self) -> None:
        """Close the stores this client opened (a context passed in stays open: its opener closes it)."""
        if self._owns_context and self._opened is not None:
            self._opened.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, record: RunRecord) -> Run:
        return Run(record=record, context=self.context)

    def runs(
        self,
        pipeline_name: str | None = None,
        *,
        status: RunStatus | str | None = None,
        run_name: str | None = None,
        tag: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[Run]:
        """Runs, newest first, filtered by pipeline, status, run name, tag and start time."""
        records = self.context.stores.lineage.runs(
            pipeline_name=pipeline_name,
            status=None if status is None else _run_status(status),
            run_name=run_name,
            tag=tag,
            since=since,
            until=until,
            limit=limit,
        )
        return [self._run(r) for r in records]

    def search_runs(self, text: str, *, limit: int = 50) -> list[Run]:
        """Runs, newest first, whose pipeline name, run name, tags or step config values contain every word of
        ``text`` (whole words; ``lr*`` matches a prefix)."""
        return [self._run(r) for r in self.context.stores.lineage.search_runs(text, limit=limit)]

    def get_run(self, run_id: str) -> Run:
        """The run with this id (a unique prefix is enough)."""
        return self._run(self.context.stores.lineage.get_run(run_id))

    def last_run(self, pipeline_name: str) -> Run:
        """The newest run of a pipeline."""
        return self._run(self.context.stores.lineage.last_run(pipeline_name))

    def step(self, run_id: str, step_name: str) -> StepRun:
        """One step of a run (a unique run id prefix is enough), by the slot name it was bound to."""
        from zen_store import RecordNotFoundError

        run = self.get_run(run_id)
        steps = run.steps
        found = steps.get(step_name)
        if found is None:
            known = ", ".join(steps) or "none ran yet"
            raise RecordNotFoundError(f"run {run.id} has no step {step_name!r} (steps: {known}).")
        return found

    def logs(self, run_id: str, step_name: str) -> StepLogs:
        """What a step of a run printed (see :attr:`StepRun.logs`)."""
        return self.step(run_id, step_name).logs

    def pipelines(self) -> list[str]:
        """Names of every pipeline with recorded runs."""
        return self.context.stores.lineage.pipelines()

    def artifact(self, key: str, *, version: int | None = None) -> Artifact:
        """An artifact by name - its latest version, or ``version`` - or by id (a unique prefix is enough) or URI:
        ``client.artifact("iris_model")``, ``client.artifact("iris_model", version=3)``."""
        lineage = self.context.stores.lineage
        record = lineage.artifact(key) if version is None else lineage.artifact_version(key, version)
        return Artifact(record=record, context=self.context)

    def artifacts(self, name: str | None = None, *, limit: int = 50) -> list[Artifact]:
        """Stored artifacts, newest first; with ``name``, that name's versions, latest first."""
        return [
            Artifact(record=r, context=self.context)
            for r in self.context.stores.lineage.artifacts(name=name, limit=limit)
        ]

    def delete_run(self, run: RunView | str) -> RunDeletion:
        """Delete a finished run (id or unique prefix) from the lineage store: its steps, their logs and events,
        and the records of its outputs no other run uses. Their files stay until ``zen gc --delete`` frees them.
        A run still in progress is refused with ``RunInProgressError``."""
        return self.context.stores.lineage.delete_run(run if isinstance(run, str) else run.id)

    def compare(self, run_a: RunView | str, run_b: RunView | str) -> Comparison:
        """What differs between two runs: configs, code versions, bound steps, cache hits, output hashes and,
        for small plain outputs (numbers, short strings, small dicts of metrics), their values
        (``outputs.NAME.value``, before the hash difference)."""
        from zen_store import StepDifference

        a = run_a if isinstance(run_a, str) else run_a.id
        b = run_b if isinstance(run_b, str) else run_b.id
        lineage = self.context.stores.lineage
        comparison = lineage.compare(a, b)
        if not any(d.field.endswith(".content_hash") for d in comparison.differences):
            return comparison
        outputs_a = {s.step_name: s.outputs for s in lineage.step_runs(comparison.run_a)}
        outputs_b = {s.step_name: s.outputs for s in lineage.step_runs(comparison.run_b)}
        differences: list[StepDifference] = []
        for difference in comparison.differences:
            prefix, _, output = difference.field.removesuffix(".content_hash").partition(".")
            if prefix == "outputs" and difference.field.endswith(".content_hash"):
                step = difference.step_name
                value_a = self._small(outputs_a.get(step, {}).get(output))
                value_b = self._small(outputs_b.get(step, {}).get(output))
                if value_a is not None and value_b is not None:
                    differences.append(
                        StepDifference(
                            step_name=step, field=f"outputs.{output}.value", a=value_a.value, b=value_b.value
                        )
                    )
            differences.append(difference)
        return attrs.evolve(comparison, differences=tuple(differences))

    def _small(self, record: ArtifactRecord | None) -> SmallValue | None:
        from zen_run._values import read_small_value

        return None if record is None else read_small_value(self.context.stores.io, self.context.registry, record)

    def verify(self, *, full: bool = False) -> VerifyReport:
        """Check every recorded artifact against its content hash (each stored copy once). A quick check trusts
        files this process verified and that are unchanged since; ``full=True`` re-hashes every byte."""
        from zen_run._verify import verify_artifacts

        return verify_artifacts(self.context.stores, full=full)

    def lineage(self, artifact_id: str, *, downstream: bool = False) -> LineageGraph:
        """The upstream (or downstream) graph of an artifact: step runs and artifacts."""
        return self.context.stores.lineage.lineage(artifact_id, downstream=downstream)
