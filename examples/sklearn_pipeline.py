"""An end-to-end scikit-learn pipeline on a dataset scikit-learn ships (the wine recognition data).

load -> split -> train (with a config) -> evaluate -> a metrics artifact. Run twice with different configs and
compare the runs:

    python examples/sklearn_pipeline.py

The ``trainer`` slot takes any step with the interface ``(features, labels) -> classifier``, so the same
pipeline runs with a logistic regression or a random forest (see ``examples/swap_trainers.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from zen_run import BaseStepConfig, Client, Slot, pipeline, step

Features = NDArray[np.float64]
Labels = NDArray[np.int64]


class Dataset(NamedTuple):
    """The whole dataset as two arrays."""

    features: Features
    labels: Labels


class Split(NamedTuple):
    """Train and test partitions."""

    train_x: Features
    train_y: Labels
    test_x: Features
    test_y: Labels


class SplitConfig(BaseStepConfig):
    """How the data is split."""

    test_fraction: float = 0.25
    seed: int = 0


class TrainConfig(BaseStepConfig):
    """Hyper-parameters of the logistic regression."""

    c: float = 1.0
    max_iter: int = 1000


class Metrics(NamedTuple):
    """Evaluation results, stored as one artifact each."""

    accuracy: float
    f1_macro: float


@step
def load() -> Dataset:
    """The wine recognition dataset that scikit-learn ships (no download)."""
    data = load_wine()
    return Dataset(np.asarray(data.data, dtype=np.float64), np.asarray(data.target, dtype=np.int64))


@step
def split(features: Features, labels: Labels, config: SplitConfig) -> Split:
    """A stratified train/test split."""
    tx, vx, ty, vy = train_test_split(
        features, labels, test_size=config.test_fraction, random_state=config.seed, stratify=labels
    )
    return Split(tx, ty, vx, vy)


@step
def train_logistic(train_x: Features, train_y: Labels, config: TrainConfig) -> BaseEstimator:
    """A standardised logistic regression."""
    model = make_pipeline(StandardScaler(), LogisticRegression(C=config.c, max_iter=config.max_iter))
    model.fit(train_x, train_y)
    return model


@step
def evaluate(model: BaseEstimator, test_x: Features, test_y: Labels) -> Metrics:
    """Accuracy and macro F1 on the held-out data."""
    predicted = model.predict(test_x)
    return Metrics(float(accuracy_score(test_y, predicted)), float(f1_score(test_y, predicted, average="macro")))


@pipeline
def training(
    loader: Slot[[], Dataset],
    splitter: Slot[[Features, Labels], Split],
    trainer: Slot[[Features, Labels], BaseEstimator],
    evaluator: Slot[[BaseEstimator, Features, Labels], Metrics],
) -> None:
    """Data dependencies between the four slots."""
    data = loader()
    parts = splitter(data.features, data.labels)
    model = trainer(parts.train_x, parts.train_y)
    evaluator(model, parts.test_x, parts.test_y)


instance = training(
    loader=load(), splitter=split(SplitConfig()), trainer=train_logistic(TrainConfig()), evaluator=evaluate()
)


def main() -> None:
    """Two runs with different configs, then their comparison."""
    strong = training(
        loader=load(), splitter=split(SplitConfig()), trainer=train_logistic(TrainConfig(c=0.01)), evaluator=evaluate()
    )
    weak = instance
    run_a = weak.run(run_name="c=1.0")
    run_b = strong.run(run_name="c=0.01")
    for run in (run_a, run_b):
        acc = run.steps["evaluator"].outputs["accuracy"].read()
        print(f"{run.id}: accuracy {acc:.3f}")
    comparison = Client().compare(run_a.id, run_b.id)
    for difference in comparison.differences:
        print(f"  step {difference.step_name}: {difference.field}: {difference.a!r} -> {difference.b!r}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from examples.sklearn_pipeline import main as main_from_module  # steps pinned by module name, not __main__

    main_from_module()
