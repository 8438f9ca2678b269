"""How a run's steps reach the lineage store, and how earlier step runs are reused: the driver's ledger.

:class:`StepRecorder` knows the artifacts the run has so far (:attr:`StepRecorder.outputs`), works out each
step's cache components from them, and records every step run:

- a completed step is recorded with the next write - the starts it makes ready, or :meth:`StepRecorder.flush` -
  so each step costs one lineage transaction;
- a cache hit (from the resumed run, or any earlier one) counts only when its outputs are all intact here and it
  is recorded: a hit whose run was deleted since the look-up is refused by the store, and the step computed.
  Hits are recorded with the next write too, so a run's consecutive hits cost one transaction; when that write is
  refused, the driver rewinds to before it (:meth:`StepRecorder.checkpoint`) and records each hit at once
  (:attr:`StepRecorder.hits_at_once`), which tells the refused one apart;
- a failed or stopped step is recorded at once, with whatever finished before it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import attrs

from zen_run._cache import CacheComponents
from zen_run._compile import CompiledPipeline, CompiledStep
from zen_run._steps import Completed, OutputKey
from zen_run._stores import Stores
from zen_store import ArtifactNotFoundError, ArtifactRecord, CachedStep, FinishedStep, StartedStep, StepLogs, StepStatus

__all__ = ["Checkpoint", "Running", "StepRecorder"]


@attrs.define
class Running:
    """A step handed to the orchestrator: what its cache key is made of, and its step run once recorded."""

    components: CacheComponents
    key: str
    clock: float
    """``perf_counter`` when the step was taken, for progress messages."""
    step_run_id: str = ""


class StepRecorder:
    """One run's step records and cache reuse (see the module docstring)."""

    def __init__(
        self, stores: Stores, compiled: CompiledPipeline, run_id: str, resume_hits: dict[str, CachedStep]
    ) -> None:
        self._stores = stores
        self._compiled = compiled
        self._run_id = run_id
        self._resume_hits = resume_hits
        self.outputs: dict[OutputKey, ArtifactRecord] = {}
        """The run's artifacts so far, by the step and output that made (or reused) them."""
        self._unrecorded: list[FinishedStep] = []
        """Steps that completed or were reused, recorded with the next steps that start (one write per step)."""
        self.hits_at_once = False
        """Record each cache hit by itself as it is found (after a batch of hits was refused), not with the next
        write."""

    def checkpoint(self) -> Checkpoint:
        """What :meth:`rewind` goes back to: how many outputs and unrecorded steps there are (both only grow)."""
        return Checkpoint(outputs=len(self.outputs), unrecorded=len(self._unrecorded))

    def rewind(self, checkpoint: Checkpoint) -> bool:
        """After the store refused the write of what was taken since ``checkpoint``: when a cache hit was in it,
        forget all that and record hits one by one from now on (True); else change nothing (False)."""
        if self.hits_at_once or not any(step.reused_outputs for step in self._unrecorded):
            return False
        self.outputs = dict(list(self.outputs.items())[: checkpoint.outputs])  # a dict keeps its insertion order
        del self._unrecorded[checkpoint.unrecorded :]
        self.hits_at_once = True
        return True

    def components(self, step: CompiledStep) -> tuple[CacheComponents, str]:
        """What the step's cache key is made of, now that its inputs' content hashes are known, and the key (not
        worked out, "", when nothing can use it: the step's cache is off and the resumed run has no hit for it)."""
        edges = self._compiled.spec.inputs_of(step.slot)
        made = _components(step, {name: self.outputs[(e.source_step, e.source_output)] for name, e in edges.items()})
        return made, made.key() if step.cache_enabled or step.slot in self._resume_hits else ""

    def start(self, steps: list[CompiledStep]) -> list[str]:
        """Record these steps as running, with the steps finished since the last write; returns their ids."""
        now = time.time()
        started = [
            StartedStep(run_id=self._run_id, step_name=s.slot, source=s.source, config=s.config_json(), started_at=now)
            for s in steps
        ]
        ids = self._stores.lineage.record_steps(self._unrecorded, started)
        self._unrecorded = []
        return ids

    def flush(self) -> None:
        """Record the steps finished since the last write."""
        if self._unrecorded:
            self._stores.lineage.record_steps(self._unrecorded, [])
            self._unrecorded = []

    def reuse(self, step: CompiledStep, components: CacheComponents, key: str) -> bool:
        """Reuse the step from the resumed run or the cache when its key matches and its artifacts are intact; it is
        recorded with the next write (or at once, with :attr:`hits_at_once`)."""
        hit = _usable_hit(self._stores, self._resume_hits.get(step.slot), step, key)
        if hit is None:
            return False
        self._unrecorded.append(
            self._finished(
                step,
                StepStatus.CACHED,
                time.time(),
                components,
                cache_key=hit.cache_key,
                reused_outputs={name: a.artifact_id for name, a in hit.outputs.items()},
                cached_from=hit.step_run_id,
            )
        )
        if self.hits_at_once:
            try:
                self.flush()  # a cache hit is checked as it is recorded
            except ArtifactNotFoundError:  # its run was deleted since the look-up: nothing was recorded, compute it
                self._unrecorded.pop()  # what finished before it is still recorded with the next write
                return False
        for name, artifact in hit.outputs.items():
            self.outputs[(step.slot, name)] = artifact
        return True

    def completed(self, step: CompiledStep, running: Running, outcome: Completed) -> None:
        """Take the step's outputs into the run, and record it with the next write."""
        for name, artifact in outcome.outputs.items():
            self.outputs[(step.slot, name)] = artifact
        self._unrecorded.append(
            self._finished(
                step,
                StepStatus.COMPLETED,
                outcome.started_at,
                running.components,
                running=running,
                cache_key=running.key if step.cache_enabled else None,
                new_outputs=_named(step, outcome.outputs),
                logs=outcome.logs,
            )
        )

    def ended(
        self,
        step: CompiledStep,
        running: Running,
        status: StepStatus,
        started_at: float,
        *,
        error: str,
        logs: StepLogs | None = None,
    ) -> None:
        """Record a failed or stopped step now (with what finished before it)."""
        finished = self._finished(step, status, started_at, running.components, running=running, error=error, logs=logs)
        self._unrecorded.append(finished)
        self.flush()

    def _finished(
        self,
        step: CompiledStep,
        status: StepStatus,
        started_at: float,
        components: CacheComponents,
        *,
        running: Running | None = None,
        cache_key: str | None = None,
        reused_outputs: Mapping[str, str] | None = None,
        cached_from: str | None = None,
        new_outputs: Mapping[str, ArtifactRecord] | None = None,
        error: str | None = None,
        logs: StepLogs | None = None,
    ) -> FinishedStep:
        """The step run's record (built once: its names are checked as it is made)."""
        edges = self._compiled.spec.inputs_of(step.slot)
        return FinishedStep(
            run_id=self._run_id,
            step_name=step.slot,
            status=status,
            source=step.source,
            config=step.config_json(),
            cache_components=components.to_json(),
            started_at=started_at,
            ended_at=time.time(),
            inputs={n: self.outputs[(e.source_step, e.source_output)].artifact_id for n, e in edges.items()},
            step_run_id=None if running is None else running.step_run_id,
            cache_key=cache_key,
            reused_outputs=dict(reused_outputs or {}),
            cached_from=cached_from,
            new_outputs=dict(new_outputs or {}),
            error=error,
            logs=logs,
        )


def _components(step: CompiledStep, inputs: Mapping[str, ArtifactRecord]) -> CacheComponents:
    return CacheComponents(
        code=step.code_digest,
        code_parts=dict(step.code_parts),
        config=step.config_digest,
        inputs={name: artifact.content_hash for name, artifact in inputs.items()},
        materializers=dict(step.materializer_versions),
    )


def _usable_hit(stores: Stores, resumed: CachedStep | None, step: CompiledStep, key: str) -> CachedStep | None:
    """The resumed step run, else the newest cached one, for ``key``, when it has the step's outputs and they are
    intact in the artifact store."""
    hit = resumed if resumed is not None and resumed.cache_key == key else None
    if hit is None and step.cache_enabled:
        hit = stores.lineage.find_cached(key)
    if hit is None or set(hit.outputs) != {o.name for o in step.outputs}:
        return None
    if not all(stores.artifact_intact(artifact) for artifact in hit.outputs.values()):
        return None
    return hit


@attrs.frozen
class Checkpoint:
    """A :class:`StepRecorder`'s state at one moment (see :meth:`StepRecorder.checkpoint`)."""

    outputs: int
    """How many artifacts the run had."""
    unrecorded: int
    """How many steps were waiting for the next write."""


def _named(step: CompiledStep, outputs: Mapping[str, ArtifactRecord]) -> dict[str, ArtifactRecord]:
    """The step's new artifacts, each with the name its annotation gives (``ArtifactName``); the lineage store
    names the others ``<pipeline>.<slot>.<output>`` and gives every one its next version."""
    names = {o.name: o.artifact_name for o in step.outputs}
    return {
        out: art if names.get(out) in (None, art.name) else attrs.evolve(art, name=names[out])
        for out, art in outputs.items()
    }
