"""Executing one step, the same for every orchestrator: load inputs, call, check the returned values, write.

A :class:`StepTask` says which step of which run to execute and where its inputs are (artifact records, never
data values), so it can travel to another process. :class:`StepExecutor` runs it wherever it is called, with
the artifact store it was given, and answers with a :class:`Completed` or :class:`Failed` outcome; it records
nothing (the driver does, see ``_driver.py``). An outcome is never half: a failed step's staged outputs are
discarded, and a value whose type does not match its annotation is refused before anything of it is written.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeAlias

import attrs

from zen_materialize import ArtifactReadError, ArtifactWriteError, MaterializerRegistry, write_artifact
from zen_run._artifact_io import STORAGE_FAULTS, ArtifactIO, describe_storage_fault
from zen_run._compile import CompiledPipeline, CompiledStep
from zen_run._logs import LogCapture, capturing
from zen_run._registry import default_registry
from zen_run._returns import check_output, concrete_type, returned_values
from zen_run._tracebacks import user_traceback
from zen_run.errors import OutputTypeError
from zen_store import ArtifactRecord, StagingArea, StepLogs
from zen_types import Input, InputKind, Output, OutputKind
from zen_types.errors import WiringError

__all__ = ["Completed", "Failed", "FailureKind", "StepExecutor", "StepOutcome", "StepTask"]

OutputKey: TypeAlias = tuple[str, str]
"""(step name, output name): an output of the run."""


@attrs.frozen(kw_only=True)
class StepTask:
    """One step of one run to execute: what any process needs, given the project's artifact store."""

    run_id: str
    slot: str
    compiled: CompiledPipeline
    inputs: Mapping[OutputKey, ArtifactRecord]
    """The records of the upstream outputs this step reads, by (step name, output name)."""

    @property
    def step(self) -> CompiledStep:
        """The compiled step."""
        return self.compiled.steps[self.slot]


@attrs.frozen(kw_only=True)
class Completed:
    """The step ran and every output was committed."""

    started_at: float
    ended_at: float
    outputs: Mapping[str, ArtifactRecord]
    values: Mapping[str, object] = attrs.field(factory=dict, repr=False, eq=False)
    """The values written, by output name, when the step ran in this process (handed to downstream steps
    without reading them back); empty from other processes, which return records only."""
    logs: StepLogs = attrs.field(factory=StepLogs)
    """What the step printed while it ran."""


class FailureKind(enum.Enum):
    """Why a step did not complete."""

    RAISED = "raised"
    """The step's own code raised: StepFailedError, chained to its exception."""
    REFUSED = "refused"
    """zen refused its inputs or outputs (a returned type, a wiring error, a storage fault): raised as is."""
    INTERRUPTED = "interrupted"
    """Ctrl-C (or SystemExit) while it ran: the step and its run are recorded as stopped."""
    STORAGE = "storage"
    """Storage failed it while loading its inputs or saving its outputs (``Failed.doing`` says which)."""


@attrs.frozen(kw_only=True)
class Failed:
    """The step did not complete; nothing of it was committed."""

    started_at: float
    ended_at: float
    kind: FailureKind
    error: str
    """What the lineage records: the traceback of the step's exception, or zen's message."""
    summary: str
    """One line naming the exception: ``ValueError: bad input``."""
    exception: BaseException | None = attrs.field(default=None, eq=False)
    """The exception itself, when it could travel here."""
    doing: str | None = None
    """For a storage fault: ``"loading its inputs"`` or ``"saving its outputs"``."""
    logs: StepLogs = attrs.field(factory=StepLogs)
    """What the step printed before it failed."""


StepOutcome: TypeAlias = Completed | Failed


class StepExecutor:
    """Executes tasks in this process with one artifact store (``io``) and materializer registry (by default the
    one a run uses: zen-materialize's built-ins and installed materializers, and zen-run's torch ones).

    ``values`` are upstream values already in memory (by output key), used instead of reading the artifact
    back when a step takes a value of the stored type. What a step prints is captured (see ``_logs.py``) into its
    outcome; ``live_logs(task, logs)``, when given, receives what a running step printed so far, and
    ``writing(task, output_name, staging)`` hears when a returned value starts being written into ``staging``.
    """

    def __init__(
        self,
        io: ArtifactIO,
        registry: MaterializerRegistry | None = None,
        *,
        values: Mapping[OutputKey, object] | None = None,
        live_logs: Callable[[StepTask, StepLogs], None] | None = None,
        writing: Callable[[StepTask, str, Path], None] | None = None,
    ) -> None:
        self.io = io
        self.registry = registry if registry is not None else default_registry()
        self.values: Mapping[OutputKey, object] = values if values is not None else {}
        self.live_logs = live_logs
        self.writing = writing

    def execute(self, task: StepTask) -> StepOutcome:
        """Run the step, capturing what it prints; never raises for what the step or its data did (that is the
        outcome)."""
        live = self.live_logs
        capture = LogCapture(live=None if live is None else (lambda logs: live(task, logs)))
        with capturing(capture):
            outcome = self._execute(task, capture)
        logs = capture.logs()
        return attrs.evolve(outcome, logs=logs) if logs.text or logs.cut else outcome  # most steps print nothing

    def _execute(self, task: StepTask, capture: LogCapture) -> StepOutcome:
        call = _Call(self, task)
        started = time.time()
        try:
            kwargs = call.arguments()
        except STORAGE_FAULTS as exc:
            return call.storage_fault(started, exc, doing="loading its inputs")
        except ArtifactReadError as exc:  # a reader's library failed on an input: the step failed, say which
            return call.failed(started, FailureKind.RAISED, exc, error=str(exc))
        except Exception as exc:
            return call.failed(started, FailureKind.REFUSED, exc, error=f"{type(exc).__name__}: {exc}")
        capture.start_live()
        try:
            result = task.step.instance.step.func(**kwargs)
        except Exception as exc:
            return call.failed(started, FailureKind.RAISED, exc, error=user_traceback(exc))
        except (KeyboardInterrupt, SystemExit) as exc:
            return call.failed(started, FailureKind.INTERRUPTED, exc, error="stopped by the user")
        finally:
            capture.stop_live()
        try:
            outputs = call.commit(result)
        except (OutputTypeError, WiringError) as exc:
            return call.failed(started, FailureKind.REFUSED, exc, error=str(exc))
        except ArtifactWriteError as exc:  # the value could not be stored faithfully: the step failed, say why
            if isinstance(exc.__cause__, OSError):  # the disk refused, not the value: a storage fault
                return call.storage_fault(started, exc.__cause__, doing="saving its outputs", chained=exc)
            return call.failed(started, FailureKind.RAISED, exc, error=str(exc))
        except STORAGE_FAULTS as exc:
            return call.storage_fault(started, exc, doing="saving its outputs")
        except Exception as exc:
            return call.failed(started, FailureKind.REFUSED, exc, error=f"{type(exc).__name__}: {exc}")
        return Completed(started_at=started, ended_at=time.time(), outputs=outputs, values=dict(call.written))


class _Call:
    """One execution of one step: its staged outputs and the values written to them."""

    def __init__(self, executor: StepExecutor, task: StepTask) -> None:
        self.executor = executor
        self.task = task
        self.step = task.step
        self.staged: dict[str, StagingArea] = {}
        self.handles: dict[str, Output[object]] = {}
        self.written: dict[str, object] = {}

    def storage_fault(
        self, started: float, exc: Exception, *, doing: str, chained: BaseException | None = None
    ) -> Failed:
        cause = describe_storage_fault(exc)
        for area in self.staged.values():
            self.executor.io.discard_staged(area)
        return Failed(
            started_at=started,
            ended_at=time.time(),
            kind=FailureKind.STORAGE,
            error=f"failed while {doing}: {cause}. Nothing of this step was committed; fix the cause and run again.",
            summary=cause,
            exception=chained or exc,
            doing=doing,
        )

    def failed(self, started: float, kind: FailureKind, exc: BaseException, *, error: str) -> Failed:
        for area in self.staged.values():
            self.executor.io.discard_staged(area)
        summary = str(exc) if kind is FailureKind.REFUSED else f"{type(exc).__name__}: {exc}"
        return Failed(started_at=started, ended_at=time.time(), kind=kind, error=error, summary=summary, exception=exc)

    # -- before the call ---------------------------------------------------------------------------------------

    def arguments(self) -> dict[str, object]:
        """The inputs (values or handles), a handle per ``Output[T]`` parameter, and the config."""
        kwargs = self._inputs()
        for out in self.step.outputs:
            if out.kind is OutputKind.PARAM:
                self.staged[out.name] = self.executor.io.stage()
                self.handles[out.name] = self._output_handle(out.name, out.type, self.staged[out.name])
        kwargs.update(self.handles)
        config_param = self.step.instance.step.signature.config
        if config_param is not None and self.step.config is not None:
            kwargs[config_param.name] = self.step.config
        return kwargs

    def _inputs(self) -> dict[str, object]:
        kwargs: dict[str, object] = {}
        signature = self.step.instance.step.signature
        for name, edge in self.task.compiled.spec.inputs_of(self.step.slot).items():
            param = signature.input(name)
            assert param is not None  # the spec was built from this signature
            key = (edge.source_step, edge.source_output)
            artifact = self.task.inputs[key]
            reader = self.step.readers.get(name)
            if param.kind is InputKind.VALUE:
                if key in self.executor.values and reader is None and name not in self.step.views:
                    kwargs[name] = self.executor.values[key]  # in memory; the stored artifact holds the same value
                else:
                    kwargs[name] = self._read(artifact, param.type, reader)
            else:
                kwargs[name] = self._input_handle(name, artifact, param.type, reader)
        return kwargs

    def _read(self, artifact: ArtifactRecord, as_type: object, reader: type | None) -> object:
        return self.executor.io.read_value(self.executor.registry, artifact, as_type, reader)

    def _input_handle(self, name: str, artifact: ArtifactRecord, as_type: object, reader: type | None) -> Input[object]:
        def load() -> object:
            return self._read(artifact, as_type, reader)

        return Input(uri=self.executor.io.local_path(artifact), load=load, name=name, metadata=artifact.metadata)

    def _output_handle(self, name: str, declared: object, staged: StagingArea) -> Output[object]:
        writer = self.step.writers[name]

        def store(value: object) -> None:
            check_output(self.step, name, declared, value)
            write_artifact(writer, value, staged, artifact=name, step=self.step.slot)
            self.written[name] = value

        return Output(uri=staged.uri, store=store, name=name)

    # -- after the call ---------------------------------------------------------------------------------------

    def _on_staged(self, output_name: str) -> Callable[[StagingArea], None] | None:
        writing = self.executor.writing
        if writing is None:
            return None
        return lambda staged: writing(self.task, output_name, staged.path)

    def commit(self, result: object) -> dict[str, ArtifactRecord]:
        """Check every returned value first, then write and commit every output, and make them durable with one
        barrier (before the driver records them)."""
        returned = returned_values(self.step, result)
        io = self.executor.io
        written: dict[str, ArtifactRecord] = {}
        for out in self.step.outputs:
            writer = self.step.writers[out.name]
            if out.kind is OutputKind.RETURN:
                value = returned[out.name]
                written[out.name] = io.write_value(
                    writer,
                    value,
                    type_name=self.step.type_names[out.name],
                    value_type=concrete_type(out.type, value),
                    step_name=self.step.slot,
                    output_name=out.name,
                    on_staged=self._on_staged(out.name),
                )
                self.written[out.name] = value
            else:
                handle = self.handles[out.name]
                written[out.name] = io.commit_staged(
                    self.staged[out.name],
                    writer if handle.written else None,
                    type_name=self.step.type_names[out.name],
                    metadata=handle.metadata,
                    value=self.written.get(out.name),
                    value_type=concrete_type(out.type, self.written[out.name]) if out.name in self.written else None,
                )
        io.sync()
        return written
