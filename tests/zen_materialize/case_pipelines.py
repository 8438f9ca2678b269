"""A two-step pipeline per declared type, for running tricky values through real runs (fresh and cached).

``case_pipeline(tp)`` builds, for a declared type ``tp``: ``produce() -> tp`` returning ``VALUE["value"]``, and
``consume(x: Input[tp], config) -> bool`` answering whether what it read is exactly that value. Changing the
config's ``nonce`` re-runs ``consume`` while ``produce`` is cached, so the value is read back from the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np

from zen_materialize import ArtifactLocation, Materializer
from zen_materialize.testing import same_value
from zen_run import BaseStepConfig, Input, Output, pipeline, step
from zen_types import PipelineInstance

VALUE: dict[str, object] = {}
EQUAL: dict[str, Callable[[object, object], bool]] = {"equal": same_value}


class Nonce(BaseStepConfig):
    """Changes to re-run the reading step."""

    nonce: int = 0


def case_pipeline(tp: object, nonce: int) -> PipelineInstance:
    """The bound two-step pipeline for values declared as ``tp``."""

    def produce() -> object:
        return VALUE["value"]

    def consume(x: Input[object], config: Nonce) -> bool:
        return EQUAL["equal"](x.read(), VALUE["value"])

    produce.__annotations__ = {"return": tp}
    consume.__annotations__ = {"x": Input[tp], "config": Nonce, "return": bool}  # type: ignore[valid-type]  # built at run time

    @pipeline
    def fidelity(source, reader) -> None:  # type: ignore[no-untyped-def]  # slots are untyped here
        reader(source())

    return fidelity(source=step(produce)(), reader=step(consume)(Nonce(nonce=nonce)))


@step
def writes_masked(array: Output[np.ndarray[tuple[int], np.dtype[np.int64]]]) -> None:
    """Writes a masked array through its Output handle (refused: .npy has no place for the mask)."""
    array.write(np.ma.masked_array([1, 2], mask=[False, True]))


@pipeline
def masked(source) -> None:  # type: ignore[no-untyped-def]  # slots are untyped here
    """One step writing through an Output handle."""
    source()


masked_instance = masked(source=writes_masked())


class Crate:
    """A value whose materializer writes fine and whose library fails when reading it back."""

    def __init__(self, size: int) -> None:
        self.size = size


class CrateMaterializer(Materializer[Crate]):
    """Reads fail the way a third-party library fails: with its own exception, not a zen error."""

    TYPES: ClassVar[tuple[type, ...]] = (Crate,)
    FORMAT: ClassVar[str] = "crate"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "a crate whose reader's library fails"

    def write(self, value: Crate, artifact: ArtifactLocation) -> None:
        (Path(artifact.uri) / "crate.txt").write_text(str(value.size))

    def read(self, artifact: ArtifactLocation) -> Crate:
        raise LookupError("the crate library lost its schema")


@step(materializers={"output": CrateMaterializer})
def packs() -> Crate:
    """Writes a crate."""
    return Crate(3)


@step(materializers={"crate": CrateMaterializer})
def unpacks(crate: Crate) -> int:
    """Reads the crate with the chosen reader, whose library fails."""
    return crate.size


@pipeline
def crates(source, reader) -> None:  # type: ignore[no-untyped-def]  # slots are untyped here
    """A step reading what another wrote, with a reader that fails."""
    reader(source())


crates_instance = crates(source=packs(), reader=unpacks())
