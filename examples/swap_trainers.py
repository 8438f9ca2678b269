"""One pipeline, two trainers: a slot takes any step whose interface fits (seed: swap step logic when the
interface stays). Both trainers take ``(features, labels)`` and return a classifier; their parameter names and
configs differ, and that is fine.

    python examples/swap_trainers.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # make `examples` importable as a script

from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier

from examples.sklearn_pipeline import (
    Features,
    Labels,
    SplitConfig,
    TrainConfig,
    evaluate,
    load,
    split,
    train_logistic,
    training,
)
from zen_run import BaseStepConfig, step


class ForestConfig(BaseStepConfig):
    """Hyper-parameters of the random forest."""

    trees: int = 50
    max_depth: int | None = None
    seed: int = 0


@step
def train_forest(x: Features, y: Labels, config: ForestConfig) -> BaseEstimator:
    """A random forest; same interface as ``train_logistic``, other names and config."""
    model = RandomForestClassifier(n_estimators=config.trees, max_depth=config.max_depth, random_state=config.seed)
    model.fit(x, y)
    return model


logistic = training(
    loader=load(), splitter=split(SplitConfig()), trainer=train_logistic(TrainConfig()), evaluator=evaluate()
)
forest = training(
    loader=load(), splitter=split(SplitConfig()), trainer=train_forest(ForestConfig()), evaluator=evaluate()
)


def main() -> None:
    """Run both bindings and print their accuracy."""
    for label, instance in (("logistic regression", logistic), ("random forest", forest)):
        run = instance.run()
        print(f"{label:<20} run {run.id}: accuracy {run.steps['evaluator'].outputs['accuracy'].read():.3f}")


if __name__ == "__main__":
    main()
