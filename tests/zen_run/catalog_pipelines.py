"""Steps and pipelines with named outputs, metrics and a big output (module level, so they can be pinned)."""

from __future__ import annotations

import enum
from typing import Annotated, NamedTuple

from zen_run import ArtifactName, BaseStepConfig, Output, PipelineInstance, Slot, pipeline, step


class FitConfig(BaseStepConfig):
    """What the model scores."""

    accuracy: float = 0.91
    size: int = 10


class Scores(NamedTuple):
    """A named metric and a default-named one."""

    accuracy: Annotated[float, ArtifactName("iris_accuracy")]
    report: dict[str, float]


class Colour(enum.Enum):
    """An enum: stored tagged, so not shown as a small value."""

    RED = "red"


@step
def load(rows: Output[Annotated[list[int], ArtifactName("iris_rows")]], config: FitConfig) -> None:
    """Writes the data through an Output parameter."""
    rows.write(list(range(config.size)))


@step
def fit(rows: list[int], config: FitConfig) -> Annotated[list[float], ArtifactName("iris_model")]:
    """A "model": one weight per row."""
    return [config.accuracy * r for r in rows]


@step
def score(model: list[float], config: FitConfig) -> Scores:
    """Metrics of the model: a float and a small dict."""
    return Scores(config.accuracy, {"accuracy": config.accuracy, "loss": round(1 - config.accuracy, 4)})


@step
def colour() -> Colour:
    """An enum output."""
    return Colour.RED


@pipeline
def iris(
    loader: Slot[[], list[int]], trainer: Slot[[list[int]], list[float]], scorer: Slot[[list[float]], Scores]
) -> None:
    """Load, fit, score."""
    scorer(trainer(loader()))


def training(accuracy: float = 0.91, size: int = 10) -> PipelineInstance:
    """An iris pipeline instance with these settings."""
    config = FitConfig(accuracy=accuracy, size=size)
    return iris(loader=load(config), trainer=fit(config), scorer=score(config))


@step
def also_iris_model() -> Annotated[list[float], ArtifactName("iris_model")]:
    """A second output taking a name already taken in the same pipeline."""
    return [1.0]


@pipeline
def clash(first: Slot[[], list[float]], second: Slot[[], list[float]]) -> None:
    """Two outputs named iris_model."""
    first()
    second()


@pipeline
def colours(only: Slot[[], Colour]) -> None:
    """One enum output."""
    only()
