"""A module with its optimizer: training resumes where it stopped, from data and pinned code only.

A :class:`Checkpoint` artifact holds the module exactly as :class:`TorchModuleMaterializer` stores it
(``weights.safetensors`` and ``module.json``) plus two files for the optimizer:

- ``optimizer.safetensors``: every tensor of the optimizer's state (``exp_avg``, ``momentum_buffer``, ``step``...)
  under ``<parameter name>/<state key>``;
- ``optimizer.json``: the optimizer's class as a source string (``torch.optim.adam.Adam@torch_2.13.0``; a
  custom optimizer is pinned to its commit like the module), each parameter group's settings with the
  *names* of its parameters, and any non-tensor state value.

Parameters are recorded by name, not by position, so the optimizer is rebuilt over the rebuilt module's own
parameters, group by group, and its state loaded with ``load_state_dict``. An optimizer over a parameter
that is not in the module, or with state zen cannot store as JSON or safetensors, is refused when written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
import safetensors.torch
import torch

from zen_materialize import ArtifactKind, ArtifactLocation, CorruptArtifactError, Materializer, UnstorableValueError
from zen_materialize.torch import canonical_tensor, load_safetensors
from zen_run._torch_module import TorchModuleMaterializer, pinner_for, resolve_class
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize import MaterializerRegistry

__all__ = ["Checkpoint", "CheckpointMaterializer", "register"]

_STATE: Final = "optimizer.safetensors"
_RECORD: Final = "optimizer.json"
_FORMAT: Final = "zen-torch-checkpoint"
_VERSION: Final = 1
_CHECKPOINT: Final = "zen_run.torch.Checkpoint"


@attrs.frozen
class Checkpoint:
    """A module and the optimizer training it, stored together (``-> Checkpoint`` from a training step)."""

    module: torch.nn.Module
    optimizer: torch.optim.Optimizer


def _encode(value: object, where: str) -> JSONValue:
    """A parameter-group setting or a non-tensor state value as JSON (tuples tagged so they stay tuples)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    raise UnstorableValueError(
        value_type=_CHECKPOINT,
        where=f"the optimizer's {where}",
        problem=f"it is a {type(value).__name__}, which zen cannot store",
        fix="Use plain numbers, strings and tuples in the optimizer's settings.",
    )


def _decode(data: JSONValue) -> object:
    if isinstance(data, dict):
        items = data.get("tuple")
        if not isinstance(items, list):
            raise CorruptArtifactError(f"malformed optimizer setting {data!r}")
        return tuple(_decode(v) for v in items)
    if isinstance(data, list):
        return [_decode(v) for v in data]
    return data


def _names(module: torch.nn.Module) -> dict[int, str]:
    """Parameter identity -> its name in the module (the first name of a tied parameter)."""
    return {id(p): name for name, p in module.named_parameters()}


class CheckpointMaterializer(Materializer[Checkpoint]):
    """:class:`Checkpoint` as the module's files plus the optimizer's state (safetensors) and settings (JSON)."""

    TYPES: ClassVar[tuple[type, ...]] = (Checkpoint,)
    FORMAT: ClassVar[str] = _FORMAT
    FORMAT_VERSION: ClassVar[int] = _VERSION
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL
    DESCRIPTION: ClassVar[str] = "PyTorch module with its optimizer (safetensors + pinned classes, no pickle)"

    def write(self, value: Checkpoint, artifact: ArtifactLocation) -> None:
        """Check the optimizer's parameters belong to the module, then write the module and the optimizer."""
        if not isinstance(value, Checkpoint):
            raise TypeError(f"CheckpointMaterializer writes Checkpoints, not {type(value).__name__}")
        names = _names(value.module)
        state = value.optimizer.state_dict()
        groups: list[JSONValue] = []
        tensors: dict[str, torch.Tensor] = {}
        scalars: dict[str, JSONValue] = {}
        by_index: dict[int, str] = {}
        for group_index, group in enumerate(value.optimizer.param_groups):
            params = []
            for param in group["params"]:
                name = names.get(id(param))
                if name is None:
                    raise UnstorableValueError(
                        value_type=_CHECKPOINT,
                        where="value.optimizer",
                        problem=f"the optimizer updates a parameter of shape {tuple(param.shape)} that is not in "
                        f"{type(value.module).__qualname__}",
                        fix="Build the optimizer over module.parameters().",
                    )
                params.append(name)
            saved = state["param_groups"][group_index]
            by_index.update(zip(saved["params"], params, strict=True))
            settings = {k: _encode(v, f"setting {k!r}") for k, v in sorted(saved.items()) if k != "params"}
            groups.append({"params": list(params), "settings": settings})
        for index, entries in state["state"].items():
            for key, entry in entries.items():
                where = f"{by_index[index]}/{key}"
                if isinstance(entry, torch.Tensor):
                    tensors[where] = canonical_tensor(entry, f"optimizer state {where!r}", value_type=_CHECKPOINT)
                else:
                    scalars[where] = _encode(entry, f"state {where!r}")
        pinner = pinner_for(type(value.optimizer))
        body: dict[str, JSONValue] = {
            "format": _FORMAT,
            "version": _VERSION,
            "class": str(pinner.pin(type(value.optimizer))),
            "groups": groups,
            "scalars": dict(sorted(scalars.items())),
        }
        TorchModuleMaterializer().write(value.module, artifact)
        safetensors.torch.save_file(tensors, self.path(artifact, _STATE))
        self.path(artifact, _RECORD).write_text(json.dumps(body, sort_keys=True, indent=1), encoding="utf-8")

    def read(self, artifact: ArtifactLocation) -> Checkpoint:
        """Rebuild the module, then the optimizer over its parameters group by group, then load its state."""
        module = TorchModuleMaterializer().read(artifact)
        body = _read_record(self.path(artifact, _RECORD))
        source, groups = body.get("class"), body.get("groups")
        if not isinstance(source, str) or not isinstance(groups, list):
            raise CorruptArtifactError(f"{artifact.uri}: {_RECORD} names no optimizer class or groups.")
        parameters = dict(module.named_parameters(remove_duplicate=False))
        rebuilt: list[dict[str, object]] = []
        saved_groups: list[dict[str, object]] = []
        index_of: dict[str, int] = {}
        for group in groups:
            listed = group.get("params") if isinstance(group, dict) else None
            if not isinstance(group, dict) or not isinstance(listed, list):
                raise CorruptArtifactError(f"{artifact.uri}: malformed optimizer group {group!r}")
            names = [n for n in listed if isinstance(n, str)]
            missing = [n for n in names if n not in parameters]
            if missing:
                raise CorruptArtifactError(
                    f"{artifact.uri}: the optimizer names parameters the module lacks: {missing}"
                )
            settings = group.get("settings")
            decoded = {k: _decode(v) for k, v in settings.items()} if isinstance(settings, dict) else {}
            rebuilt.append({"params": [parameters[n] for n in names]})
            for name in names:
                index_of.setdefault(name, len(index_of))
            saved_groups.append({**decoded, "params": [index_of[n] for n in names]})
        optimizer_cls = resolve_class(source, {})
        try:
            optimizer: object = optimizer_cls(rebuilt)
        except (TypeError, ValueError) as exc:
            raise CorruptArtifactError(
                f"{source} cannot be built from parameter groups alone ({exc}); give its settings defaults."
            ) from exc
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise CorruptArtifactError(f"{source} is not a torch optimizer.")
        state: dict[int, dict[str, object]] = {}
        for where, tensor in load_safetensors(self.path(artifact, _STATE)).items():
            name, _, key = where.rpartition("/")
            state.setdefault(index_of[name], {})[key] = tensor
        scalars = body.get("scalars")
        for where, value in (scalars if isinstance(scalars, dict) else {}).items():
            name, _, key = where.rpartition("/")
            state.setdefault(index_of[name], {})[key] = _decode(value)
        try:
            optimizer.load_state_dict({"state": state, "param_groups": saved_groups})
        except (KeyError, ValueError, RuntimeError) as exc:
            raise CorruptArtifactError(f"{artifact.uri}: the optimizer state does not fit {source}: {exc}") from exc
        return Checkpoint(module=module, optimizer=optimizer)

    def metadata(self, value: Checkpoint) -> dict[str, JSONValue]:
        """The module's metadata and the optimizer's class."""
        return {**TorchModuleMaterializer().metadata(value.module), "optimizer": type(value.optimizer).__qualname__}


def _read_record(path: Path) -> dict[str, JSONValue]:
    try:
        body: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptArtifactError(f"{path} is not valid JSON (truncated or corrupt): {exc}") from exc
    if not isinstance(body, dict) or body.get("format") != _FORMAT or body.get("version") != _VERSION:
        raise CorruptArtifactError(f"{path} is not a {_FORMAT} v{_VERSION} record.")
    return body


def register(registry: MaterializerRegistry) -> None:
    """Register the checkpoint materializer."""
    registry.register(CheckpointMaterializer)
