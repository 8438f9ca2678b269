"""Small PyTorch modules following zen's constructor contract (one hyperparameter record, kept as ``hparams``),
and a few that break it, for the module materializer's tests."""

from __future__ import annotations

import attrs
import torch
from hypothesis import strategies as st
from torch import nn

from zen_run import BaseStepConfig
from zen_run.torch import Checkpoint


@attrs.frozen
class MLPParams:
    """Layer sizes and options of :class:`MLP`."""

    sizes: tuple[int, ...]
    activation: str = "relu"
    bias: bool = True
    batch_norm: bool = False


class MLP(nn.Module):
    """A multi-layer perceptron built from one record (batch norm adds buffers, including an int64 counter)."""

    def __init__(self, hparams: MLPParams) -> None:
        super().__init__()
        self.hparams = hparams
        pairs = zip(hparams.sizes, hparams.sizes[1:], strict=False)
        self.layers = nn.ModuleList(nn.Linear(a, b, bias=hparams.bias) for a, b in pairs)
        self.norm = nn.BatchNorm1d(hparams.sizes[-1]) if hparams.batch_norm else nn.Identity()
        self.act = {"relu": nn.ReLU(), "tanh": nn.Tanh(), "gelu": nn.GELU()}[hparams.activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers."""
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index < len(self.layers) - 1:
                x = self.act(x)
        out: torch.Tensor = self.norm(x)
        return out

    def example_inputs(self) -> tuple[torch.Tensor, ...]:
        """One batch of inputs, for exporting the module (as an ONNX model)."""
        return (torch.zeros(2, self.hparams.sizes[0]),)


class TiedParams(BaseStepConfig):
    """A BaseStepConfig works as a hyperparameter record too."""

    vocab: int = 11
    dim: int = 4


class TiedLM(nn.Module):
    """An embedding whose output head shares its weight (stored once, restored shared)."""

    def __init__(self, hparams: TiedParams) -> None:
        super().__init__()
        self.hparams = hparams
        self.embed = nn.Embedding(hparams.vocab, hparams.dim)
        self.head = nn.Linear(hparams.dim, hparams.vocab, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits for each token."""
        out: torch.Tensor = self.head(self.embed(tokens))
        return out


class Doubler(nn.Module):
    """No hyperparameters: constructible with no arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(2.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scale the input."""
        return x * self.scale


class Unrecorded(nn.Module):
    """Breaks the contract: constructor arguments without a record."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)


class DictParams(nn.Module):
    """Breaks the contract: hparams is a plain dict."""

    def __init__(self, hparams: dict[str, int]) -> None:
        super().__init__()
        self.hparams = hparams
        self.linear = nn.Linear(hparams["width"], 1)


@st.composite
def mlps(draw: st.DrawFn) -> MLP:
    """A small random MLP: random sizes and options, random weights from a drawn seed, train or eval mode."""
    sizes = tuple(draw(st.lists(st.integers(1, 6), min_size=2, max_size=4)))
    params = MLPParams(
        sizes=sizes,
        activation=draw(st.sampled_from(["relu", "tanh", "gelu"])),
        bias=draw(st.booleans()),
        batch_norm=draw(st.booleans()),
    )
    torch.manual_seed(draw(st.integers(0, 2**31)))
    model = MLP(params)
    if params.batch_norm:  # move the running statistics off their defaults
        model.train()
        model(torch.randn(8, sizes[0]))
    model.train(draw(st.booleans()))
    return model


def same_module(a: nn.Module, b: nn.Module) -> bool:
    """Same class, record, mode, state (bit for bit) and outputs on a fixed input."""
    assert type(a) is type(b) and getattr(a, "hparams", None) == getattr(b, "hparams", None)
    left, right = a.state_dict(), b.state_dict()
    assert left.keys() == right.keys()
    assert all(left[k].dtype == right[k].dtype and torch.equal(left[k], right[k]) for k in left)
    assert a.training == b.training
    if isinstance(a, MLP) and isinstance(b, MLP):
        mode = a.training
        a.eval()
        b.eval()
        x = torch.randn(5, a.hparams.sizes[0], generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            assert torch.equal(a(x), b(x))
        a.train(mode)  # the comparison leaves both modules as it found them
        b.train(mode)
    return True


def _optimizer(kind: str, model: nn.Module) -> torch.optim.Optimizer:
    if kind == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    if kind == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    head, *rest = list(model.parameters())
    groups: list[dict[str, object]] = [{"params": [head]}, {"params": rest, "lr": 0.002}]
    return torch.optim.Adam(groups, lr=0.01)


@st.composite
def checkpoints(draw: st.DrawFn) -> Checkpoint:
    """A random MLP with an optimizer (SGD with momentum, AdamW, or Adam with two groups) after a few steps."""
    model = draw(mlps())
    model.train()
    optimizer = _optimizer(draw(st.sampled_from(["sgd", "adamw", "adam-groups"])), model)
    generator = torch.Generator().manual_seed(draw(st.integers(0, 1000)))
    for _ in range(draw(st.integers(0, 3))):
        optimizer.zero_grad()
        model(torch.randn(4, model.hparams.sizes[0], generator=generator)).square().sum().backward()
        optimizer.step()
    return Checkpoint(model, optimizer)


def same_checkpoint(a: Checkpoint, b: Checkpoint) -> bool:
    """Same module, same optimizer class, settings and state, and one more identical step from both."""
    assert same_module(a.module, b.module)
    assert type(a.optimizer) is type(b.optimizer)
    left, right = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert left["param_groups"] == right["param_groups"]
    assert left["state"].keys() == right["state"].keys()
    for index, entries in left["state"].items():
        assert entries.keys() == right["state"][index].keys()
        assert all(torch.equal(entries[k], right["state"][index][k]) for k in entries)
    for checkpoint in (a, b):
        module = checkpoint.module
        assert isinstance(module, MLP)
        module.train()
        checkpoint.optimizer.zero_grad()
        module(torch.ones(3, module.hparams.sizes[0])).sum().backward()
        checkpoint.optimizer.step()
    return all(torch.equal(p, q) for p, q in zip(a.module.parameters(), b.module.parameters(), strict=True))
