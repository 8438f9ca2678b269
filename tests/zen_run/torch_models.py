"""Small PyTorch modules following zen's constructor contract (one hyperparameter record, kept as ``hparams``),
and a few that break it, for the module materializer's tests."""

from __future__ import annotations

import attrs
import torch
from hypothesis import strategies as st
from torch import nn

from zen_run import BaseStepConfig


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
        a.eval()
        b.eval()
        x = torch.randn(5, a.hparams.sizes[0], generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            assert torch.equal(a(x), b(x))
    return True
