"""A small PyTorch classifier trained in a zen pipeline, its data read through the DataLoader view.

make_data (a generated DataFrame of two noisy blobs) -> train (reads the frame as a torch Dataset and trains a
two-layer network) -> evaluate (accuracy on the same view). The trained network is an artifact: weights as
safetensors, the class pinned to this file's commit, the hyperparameters as a record. A second process reads
it back and checks it predicts exactly what the first one did:

    python examples/torch_classifier.py
"""

# pandas ships no type information (without pandas-stubs), so DataFrame is Any in the signatures below.
# mypy: disable-error-code="no-any-unimported"

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import torch
from torch import nn

from zen_materialize.torch import TableDataset
from zen_run import BaseStepConfig, Slot, pipeline, step


class DataConfig(BaseStepConfig):
    """How many points, how noisy, which seed."""

    rows: int = 400
    noise: float = 0.6
    seed: int = 0


class TrainConfig(BaseStepConfig):
    """Optimisation settings."""

    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 0.05
    seed: int = 0


@attrs.frozen
class ClassifierParams:
    """The network's shape: what zen records to rebuild it."""

    features: int = 2
    hidden: int = 16
    classes: int = 2


class Classifier(nn.Module):
    """A two-layer perceptron built from one hyperparameter record (zen's constructor contract)."""

    def __init__(self, hparams: ClassifierParams) -> None:
        super().__init__()
        self.hparams = hparams
        self.hidden = nn.Linear(hparams.features, hparams.hidden)
        self.out = nn.Linear(hparams.hidden, hparams.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits."""
        logits: torch.Tensor = self.out(torch.relu(self.hidden(x)))
        return logits


def _features(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.stack([batch["x0"], batch["x1"]], dim=1).float()


@step
def make_data(config: DataConfig) -> pd.DataFrame:
    """Two Gaussian blobs, labelled 0 and 1."""
    rng = np.random.default_rng(config.seed)
    labels = rng.integers(0, 2, config.rows)
    centres = np.where(labels[:, None] == 1, 1.5, -1.5)
    points = centres + rng.normal(0.0, config.noise, (config.rows, 2))
    return pd.DataFrame({"x0": points[:, 0], "x1": points[:, 1], "label": labels})


@step
def train(data: TableDataset, config: TrainConfig) -> Classifier:
    """Mini-batch SGD over the DataLoader the dataset view provides."""
    torch.manual_seed(config.seed)
    model = Classifier(ClassifierParams())
    optimiser = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    loss = nn.CrossEntropyLoss()
    for _ in range(config.epochs):
        for batch in data.loader(batch_size=config.batch_size, shuffle=True, seed=config.seed):
            optimiser.zero_grad()
            loss(model(_features(batch)), batch["label"]).backward()
            optimiser.step()
    return model.eval()


@step
def evaluate(model: Classifier, data: TableDataset) -> float:
    """Accuracy on the data."""
    correct = 0
    with torch.no_grad():
        for batch in data.loader(batch_size=256):
            correct += int((model(_features(batch)).argmax(dim=1) == batch["label"]).sum())
    return correct / len(data)


@pipeline
def torch_training(
    maker: Slot[[], pd.DataFrame],
    trainer: Slot[[TableDataset], Classifier],
    evaluator: Slot[[Classifier, TableDataset], float],
) -> None:
    """The frame is stored once as parquet; both steps read it through the dataset view."""
    frame = maker()
    model = trainer(frame.view(TableDataset))
    evaluator(model, frame.view(TableDataset))


instance = torch_training(maker=make_data(DataConfig()), trainer=train(TrainConfig()), evaluator=evaluate())

PROBE = [[-2.0, -1.0], [0.1, 0.2], [1.0, 2.5], [-0.3, 0.4]]

_READ_BACK = """
import torch
from zen_run import Client
model = Client().last_run("torch_training").steps["trainer"].outputs["output"].read()
with torch.no_grad():
    print(model(torch.tensor({probe})).tolist())
"""


def main() -> None:
    """Run the pipeline, then read the model back in a fresh process and compare predictions."""
    run = instance.run()
    accuracy = run.steps["evaluator"].outputs["output"].read()
    print(f"{run.id}: accuracy {accuracy:.3f}")
    model = run.steps["trainer"].outputs["output"].read()
    assert isinstance(model, nn.Module)
    with torch.no_grad():
        here = model(torch.tensor(PROBE)).tolist()
    code = _READ_BACK.format(probe=PROBE)
    there = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    same = repr(here) == there.strip()
    print(f"model read back in a new process predicts the same: {same}")
    if not same:
        sys.exit(f"predictions differ: {here} != {there.strip()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from examples.torch_classifier import main as main_from_module  # steps pinned by module name, not __main__

    main_from_module()
