"""Seed 001 style: complex data through ``Output[...]`` / ``Input[...]`` parameters with a ``.uri``, and a
custom materializer that works inside steps and outside them.

    python examples/seed001.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # make `examples` importable as a script

from zen_materialize import ArtifactKind, ArtifactLocation, Location, Materializer, default_registry
from zen_run import Input, Output, Slot, pipeline, step


class Model:
    """A toy model: a threshold on one number."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def predict(self, value: float) -> bool:
        """True above the threshold."""
        return value > self.threshold


class ModelMaterializer(Materializer[Model]):
    """Stores a Model as ``model.json``: the materializer owns the writing logic, not the step (seed 001)."""

    TYPES: ClassVar[tuple[type, ...]] = (Model,)
    FORMAT: ClassVar[str] = "toy-model-json"
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL
    DESCRIPTION: ClassVar[str] = "toy threshold model"

    def write(self, value: Model, artifact: ArtifactLocation) -> None:
        """Write the threshold."""
        (Path(artifact.uri) / "model.json").write_text(json.dumps({"threshold": value.threshold}))

    def read(self, artifact: ArtifactLocation) -> Model:
        """Read the threshold back."""
        return Model(json.loads((Path(artifact.uri) / "model.json").read_text())["threshold"])


default_registry().register(ModelMaterializer)


@step
def data() -> list[float]:
    """Some measurements."""
    return [0.2, 0.4, 0.9, 1.3]


@step
def train(values: Input[list[float]], model: Output[Model]) -> None:
    """Seed 001: the step gets an Output handle; the registered materializer does the writing."""
    measured = values.read()
    model.write(Model(threshold=sum(measured) / len(measured)))
    model.metadata["trained_on"] = len(measured)


@step
def evaluate(model: Input[Model], values: list[float]) -> float:
    """Seed 001: an Input handle; read() uses the materializer recorded for the artifact."""
    loaded = model.read()
    return sum(loaded.predict(v) for v in values) / len(values)


@pipeline
def toy(
    source: Slot[[], list[float]], trainer: Slot[[list[float]], Model], evaluator: Slot[[Model, list[float]], float]
) -> None:
    """Wiring by data dependencies."""
    values = source()
    outputs = trainer(values)
    evaluator(outputs, values)


def main() -> None:
    """Run, then use the materializer outside any step to look at the stored model."""
    from examples.seed001 import data, evaluate, toy, train  # run from the module, so the steps can be pinned

    run = toy(source=data(), trainer=train(), evaluator=evaluate()).run()
    model_artifact = run.steps["trainer"].outputs["model"]
    outside = ModelMaterializer().read(Location(model_artifact.uri))
    print(f"run {run.id}: positive rate {run.steps['evaluator'].outputs['output'].read()}")
    print(f"model read back outside a step: threshold {outside.threshold:.3f}, metadata {model_artifact.metadata}")


if __name__ == "__main__":
    main()
