"""Steps whose values are more precise than their declared types (module level: the CLI tests copy this file
into a project folder and run it)."""

from __future__ import annotations

from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from zen_run import Slot, pipeline, step


@step
def build() -> BaseEstimator:
    """A scikit-learn pipeline, declared as any estimator."""
    return Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])


@step
def count() -> int | str:
    """An int, declared as an int or a str."""
    return 3


@step
def listed() -> list[int]:
    """A list, declared with its parameters: its class says nothing more."""
    return [1, 2]


@pipeline
def precise(model: Slot[[], BaseEstimator], number: Slot[[], int | str], numbers: Slot[[], list[int]]) -> None:
    model()
    number()
    numbers()


instance = precise(model=build(), number=count(), numbers=listed())
