"""torch.nn.Module artifacts: weights as safetensors, the class as pinned code, the constructor's record through
cattrs. Rebuilt modules compute the same outputs, nothing is unpickled, and contract breaches are refused with
the fix named."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from torch import nn

from tests.zen_git.test_git import Repo
from tests.zen_run.torch_models import (
    MLP,
    DictParams,
    Doubler,
    MLPParams,
    TiedLM,
    TiedParams,
    Unrecorded,
    checkpoints,
    mlps,
    same_checkpoint,
    same_module,
)
from zen_git import UnpinnedCodeWarning
from zen_materialize import CorruptArtifactError, Location, UnstorableValueError
from zen_materialize.testing import check_roundtrip
from zen_run._registry import default_registry
from zen_run._torch_module import TorchModuleMaterializer
from zen_run.torch import Checkpoint, CheckpointMaterializer


def test_random_modules_round_trip_with_identical_outputs() -> None:
    """Random MLPs (weights, buffers, modes) come back equal, computing the same outputs."""
    check_roundtrip(TorchModuleMaterializer(), mlps(), equal=same_module, max_examples=25)


@settings(max_examples=15, deadline=None)
@given(mlps())
def test_the_artifact_is_weights_and_json_only(model: MLP) -> None:
    """Two files, neither a pickle: safetensors weights and a JSON record naming the class."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        TorchModuleMaterializer().write(model, Location(folder))
        assert sorted(p.name for p in Path(folder).iterdir()) == ["module.json", "weights.safetensors"]
        record = json.loads((Path(folder) / "module.json").read_text())
        assert record["class"].startswith("tests.zen_run.torch_models.MLP")
        assert record["hparams"]["sizes"] == list(model.hparams.sizes)
        assert b"\x80\x04" not in (Path(folder) / "weights.safetensors").read_bytes()[:16]  # no pickle header


def test_tied_weights_are_stored_once_and_stay_tied(tmp_path: Path) -> None:
    """A shared parameter is one tensor in the file and one Parameter again after reading."""
    torch.manual_seed(1)
    model = TiedLM(TiedParams(vocab=7, dim=3))
    TorchModuleMaterializer().write(model, Location(str(tmp_path)))
    record = json.loads((tmp_path / "module.json").read_text())
    assert record["aliases"] == {"head.weight": "embed.weight"}
    back = TorchModuleMaterializer().read(Location(str(tmp_path)))
    assert isinstance(back, TiedLM) and back.head.weight is back.embed.weight
    tokens = torch.tensor([0, 3, 6])
    with torch.no_grad():
        assert torch.equal(back(tokens), model(tokens))


def test_a_module_without_hyperparameters_is_built_with_no_arguments(tmp_path: Path) -> None:
    """No record: the class is called with no arguments."""
    model = Doubler()
    with torch.no_grad():
        model.scale.fill_(3.5)
    TorchModuleMaterializer().write(model, Location(str(tmp_path)))
    back = TorchModuleMaterializer().read(Location(str(tmp_path)))
    assert isinstance(back, Doubler) and float(back.scale.detach()) == 3.5


def _local_module() -> nn.Module:
    class Inner(nn.Module):
        pass

    return Inner()


def _complex_buffer_module() -> nn.Module:
    model = MLP(MLPParams(sizes=(2, 2)))
    model.register_buffer("phase", torch.zeros(1, dtype=torch.complex128))
    return model


@pytest.mark.parametrize(
    ("make", "fix"),
    [
        (lambda: Unrecorded(3), r"Unrecorded\(width\) takes constructor arguments .* self.hparams"),
        (lambda: DictParams({"width": 2}), r"DictParams.hparams is a dict.*attrs class"),
        (_local_module, "defined in a function"),
        (_complex_buffer_module, "complex64"),
    ],
    ids=["constructor-arguments", "dict-hparams", "local-class", "unstorable-dtype"],
)
def test_modules_zen_cannot_rebuild_are_refused_naming_the_fix(make: object, fix: str, tmp_path: Path) -> None:
    """The contract is checked when writing: each breach names what to change, and nothing is written."""
    assert callable(make)
    model = make()
    with pytest.raises(UnstorableValueError, match=fix):
        TorchModuleMaterializer().write(model, Location(str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_weights_that_do_not_fit_the_class_are_corrupt_not_loaded(tmp_path: Path) -> None:
    """A weights file for another shape is refused (strict load), not half-loaded."""
    TorchModuleMaterializer().write(MLP(MLPParams(sizes=(2, 3))), Location(str(tmp_path)))
    record = json.loads((tmp_path / "module.json").read_text())
    record["hparams"]["sizes"] = [2, 4]
    (tmp_path / "module.json").write_text(json.dumps(record))
    with pytest.raises(CorruptArtifactError, match="do not fit"):
        TorchModuleMaterializer().read(Location(str(tmp_path)))


def test_the_registry_finds_the_module_writer_for_user_subclasses_lazily() -> None:
    """zen-run's registry knows nn.Module by name and loads the materializer when a subclass is written."""
    registry = default_registry()
    assert isinstance(registry.writer_for(MLP), TorchModuleMaterializer)
    assert isinstance(
        registry.by_name(TorchModuleMaterializer.ref().name, format="zen-torch-module"), TorchModuleMaterializer
    )


_MODEL_V1 = """
import attrs
import torch
from torch import nn


@attrs.frozen
class Params:
    width: int = 3


class Net(nn.Module):
    def __init__(self, hparams: Params) -> None:
        super().__init__()
        self.hparams = hparams
        self.linear = nn.Linear(hparams.width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) {op}
"""

_READER = """
import sys
import torch
sys.path.insert(0, sys.argv[2])
from zen_materialize import Location
from zen_run._torch_module import TorchModuleMaterializer
from zen_run.torch import Checkpoint, CheckpointMaterializer
model = TorchModuleMaterializer().read(Location(sys.argv[1]))
with torch.no_grad():
    print(model(torch.ones(1, 3)).item())
"""


def test_a_pinned_class_is_loaded_from_its_commit_after_the_code_changed(tmp_path: Path) -> None:
    """The module records Net@sha; after Net's forward changed and was committed, a new process rebuilds the
    old Net from history and computes the original output."""
    repo = Repo(tmp_path / "repo")
    repo.write("__init__.py", "")
    repo.write("net.py", _MODEL_V1.format(op=""))
    sha = repo.commit()
    sys.path.insert(0, str(repo.root))
    try:
        module = repo.module("net")
        torch.manual_seed(0)
        classes = vars(module)
        net = classes["Net"](classes["Params"]())
        with torch.no_grad():
            expected = float(net(torch.ones(1, 3)))
        artifact = tmp_path / "artifact"
        artifact.mkdir()
        TorchModuleMaterializer().write(net, Location(str(artifact)))
    finally:
        sys.path.remove(str(repo.root))
    record = json.loads((artifact / "module.json").read_text())
    assert record["class"] == f"{repo.pkg}.net.Net@{sha}"
    assert record["hparams_class"] == f"{repo.pkg}.net.Params@{sha}"
    repo.write("net.py", _MODEL_V1.format(op="* 100.0 + 7.0"))
    repo.commit()
    done = subprocess.run(
        [sys.executable, "-c", _READER, str(artifact), str(repo.root)], check=True, capture_output=True, text=True
    )
    assert float(done.stdout.strip()) == pytest.approx(expected)


def test_a_class_changed_after_an_earlier_write_in_the_same_process_is_pinned_as_it_is_now(tmp_path: Path) -> None:
    """Pins are decided from facts kept for the process (by file state): a write after the class's file changed
    records the change (unpinned while uncommitted, the new commit once committed), never the first write's pin."""
    repo = Repo(tmp_path / "repo")
    repo.write("__init__.py", "")
    repo.write("net.py", _MODEL_V1.format(op=""))
    first = repo.commit()
    sys.path.insert(0, str(repo.root))

    def written(name: str) -> str:
        classes = vars(repo.module("net"))
        artifact = tmp_path / name
        artifact.mkdir()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnpinnedCodeWarning)
            TorchModuleMaterializer().write(classes["Net"](classes["Params"]()), Location(str(artifact)))
        source: str = json.loads((artifact / "module.json").read_text())["class"]
        return source

    try:
        assert written("first") == f"{repo.pkg}.net.Net@{first}"
        repo.write("net.py", _MODEL_V1.format(op="* 2.0"))
        assert written("changed") == f"{repo.pkg}.net.Net"
        second = repo.commit()
        assert written("committed") == f"{repo.pkg}.net.Net@{second}"
    finally:
        sys.path.remove(str(repo.root))


_SAME_BYTES = """
import sys
import torch
from zen_materialize import Location
from zen_run._torch_module import TorchModuleMaterializer
from zen_run.torch import Checkpoint, CheckpointMaterializer
from tests.zen_run.torch_models import MLP, MLPParams
torch.manual_seed(3)
TorchModuleMaterializer().write(MLP(MLPParams(sizes=(4, 8, 2), batch_norm=True)), Location(sys.argv[1]))
"""


def test_module_files_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """The same module written by two processes gives the same bytes (and so the same content hash)."""
    root = Path(__file__).resolve().parents[2]
    files = []
    for index in range(2):
        folder = tmp_path / str(index)
        folder.mkdir()
        subprocess.run([sys.executable, "-c", _SAME_BYTES, str(folder)], check=True, cwd=root)
        files.append({p.name: p.read_bytes() for p in folder.iterdir()})
    assert files[0] == files[1]


def test_checkpoints_resume_training_identically() -> None:
    """A module with its optimizer (several kinds, one with two parameter groups) comes back with the same
    settings and state: one more step from the original and from the copy gives the same weights."""
    check_roundtrip(CheckpointMaterializer(), checkpoints(), equal=same_checkpoint, max_examples=20)


def test_an_optimizer_over_foreign_parameters_is_refused(tmp_path: Path) -> None:
    """The optimizer must train the module's own parameters (they are recorded by name)."""
    model = MLP(MLPParams(sizes=(2, 2)))
    stray = nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.SGD([*model.parameters(), stray], lr=0.1)
    with pytest.raises(UnstorableValueError, match=r"not in MLP\. Build the optimizer over module.parameters\(\)"):
        CheckpointMaterializer().write(Checkpoint(model, optimizer), Location(str(tmp_path)))


def test_the_registry_writes_checkpoints_with_their_own_materializer() -> None:
    """A Checkpoint is an attrs class, but its own materializer wins over the record writer."""
    assert isinstance(default_registry().writer_for(Checkpoint), CheckpointMaterializer)
