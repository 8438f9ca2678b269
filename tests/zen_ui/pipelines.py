"""Pipelines the dashboard tests run: a DataFrame, an array, metrics, a failing step, hostile names and cells,
and a step that waits for a file (so a run stays running while a browser watches it)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from zen_run import BaseStepConfig, Slot, pipeline, step

XSS = "<script>window.zenPwned=1</script><img src=x onerror=window.zenPwned=2>"


class LoadConfig(BaseStepConfig):
    """How many rows to load."""

    rows: int = 30


@step
def load(config: LoadConfig) -> pd.DataFrame:
    """A small frame with a hostile cell."""
    frame = pd.DataFrame(
        {"x": np.arange(config.rows, dtype="float64"), "label": [f"row {i}" for i in range(config.rows)]}
    )
    frame.loc[0, "label"] = XSS
    return frame


@step
def to_array(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The numeric column as an array."""
    values: npt.NDArray[np.float64] = frame["x"].to_numpy(dtype="float64")
    return values


@step
def score(values: npt.NDArray[np.float64]) -> dict[str, float]:
    """Metrics."""
    return {"mean": float(values.mean()), "max": float(values.max())}


@step
def explode(values: npt.NDArray[np.float64]) -> float:
    """Prints (markup too), then always fails with a recognisable message."""
    print(f"scoring {len(values)} rows")
    print(f"a hostile line: {XSS}")
    raise RuntimeError(f"the model diverged after {len(values)} rows")


@step
def wait_for_file(frame: pd.DataFrame) -> int:
    """Blocks until the file named by ``ZEN_UI_GATE`` exists (at most a minute)."""
    gate = Path(os.environ["ZEN_UI_GATE"])
    print("waiting for the gate", flush=True)
    deadline = time.monotonic() + 60
    while not gate.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(frame)


@pipeline
def analysis(
    loader: Slot[[], pd.DataFrame],
    arrays: Slot[[pd.DataFrame], npt.NDArray[np.float64]],
    scorer: Slot[[npt.NDArray[np.float64]], dict[str, float]],
) -> None:
    """Load, convert, score."""
    frame = loader()
    scorer(arrays(frame))


@pipeline
def broken(
    loader: Slot[[], pd.DataFrame],
    arrays: Slot[[pd.DataFrame], npt.NDArray[np.float64]],
    boom: Slot[[npt.NDArray[np.float64]], float],
) -> None:
    """The last step fails."""
    boom(arrays(loader()))


@pipeline(name=XSS)
def hostile(loader: Slot[[], pd.DataFrame]) -> None:
    """A pipeline whose name is markup."""
    loader()


@pipeline
def gated(loader: Slot[[], pd.DataFrame], waiter: Slot[[pd.DataFrame], int]) -> None:
    """The second step waits for a file."""
    waiter(loader())


analysis_instance = analysis(loader=load(), arrays=to_array(), scorer=score())
analysis_more_rows = analysis(loader=load(LoadConfig(rows=50)), arrays=to_array(), scorer=score())
broken_instance = broken(loader=load(), arrays=to_array(), boom=explode())
hostile_instance = hostile(loader=load())
gated_instance = gated(loader=load(), waiter=wait_for_file())


@step
def draw_digits() -> npt.NDArray[np.uint8]:
    """Forty 28x28 grey "digits": image k is filled with grey level 6k."""
    return (np.arange(40, dtype=np.uint8)[:, None, None] * 6) * np.ones((1, 28, 28), dtype=np.uint8)


@pipeline
def digits(draw: Slot[[], npt.NDArray[np.uint8]]) -> None:
    """One batch of images."""
    draw()


digits_instance = digits(draw=draw_digits())
