"""PyTorch modules as data plus pinned code: weights in safetensors, the class as a git-pinned source.

A ``torch.nn.Module`` artifact never holds code. It is two files:

- ``weights.safetensors``: the module's ``state_dict`` (parameters and persistent buffers), each tensor
  detached, on the CPU and contiguous; a tensor that is the same as an earlier one (tied weights) is stored
  once and recorded as an alias;
- ``module.json``: the module's class and its hyperparameter record's class as source strings pinned through
  zen-git (``package.models.Net@<sha>`` when their folder is committed), the record's fields through cattrs, the
  aliases, and whether the module was in training mode.

Reading loads the class from the pinned commit (or uses the live class when it is exactly that code), builds
the module with ``Net(hparams)`` (or ``Net()`` for a module without a record), and loads the weights with
``load_state_dict(strict=True)``: the same outputs on the same inputs, and nothing unpickled.

The constructor contract (checked when writing, refused with the fix named): the module keeps the one record it
was built from as ``self.hparams`` (an attrs class, a dataclass or a ``BaseStepConfig``) and its class accepts
that record as its only argument; a module with no ``hparams`` attribute must be constructible with no
arguments. Classes defined in ``__main__`` or inside functions cannot be loaded again and are refused.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
import cattrs
import cattrs.preconf.json
import safetensors.torch
import torch

import zen_git
from zen_materialize import ArtifactKind, ArtifactLocation, CorruptArtifactError, Materializer, UnstorableValueError
from zen_materialize.torch import canonical_tensor, load_safetensors
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize import MaterializerRegistry

__all__ = ["TorchModuleMaterializer", "pinner_for", "register", "resolve_class"]

_WEIGHTS: Final = "weights.safetensors"
_RECORD: Final = "module.json"
_FORMAT: Final = "zen-torch-module"
_VERSION: Final = 1
_HPARAMS: Final = "hparams"
_CONVERTER: Final = cattrs.preconf.json.make_converter()
_SOURCES: Final = zen_git.SourceCache()
"""Module files' facts (blob ids, imports) by file state and commit trees by commit, for every pin this module
makes. A materializer is called without the run that holds the project's cache, and without one each write and
each read re-hashed and re-parsed the class's modules through a dozen git commands (~45 ms each way, a third of a
25M-parameter module's write+read). Its entries stay true until the file or commit they describe changes (they
are keyed by its state), so nothing needs to clear it; it lives as long as the process, bounded by the module
files and commits pinned."""

_CONTRACT: Final = (
    "zen rebuilds a module from one hyperparameter record: keep it as self.hparams (an attrs class, a dataclass "
    "or a BaseStepConfig) and accept it as the only constructor argument, for example "
    "`def __init__(self, hparams: NetParams) -> None: super().__init__(); self.hparams = hparams`."
)


def _label(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _loadable(cls: type, role: str, module: type) -> None:
    if cls.__module__ == "__main__" or "<locals>" in cls.__qualname__:
        where = "__main__" if cls.__module__ == "__main__" else "a function"
        raise UnstorableValueError(
            value_type=_label(module),
            where="value" if cls is module else "value.hparams",
            problem=f"the {role} {cls.__qualname__} is defined in {where}, so no other process can load it to "
            f"rebuild the module",
            fix="Define it at the top level of an importable module.",
        )


def _record_of(module: torch.nn.Module) -> object | None:
    """The module's hyperparameter record, after checking the constructor contract."""
    cls = type(module)
    record: object | None = getattr(module, _HPARAMS, None)
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # pragma: no cover - builtin extension classes
        signature = None
    shown = f"{cls.__qualname__}({', '.join(signature.parameters) if signature is not None else '...'})"
    if record is None:
        if signature is not None:
            try:
                signature.bind()
            except TypeError as exc:
                raise UnstorableValueError(
                    value_type=_label(cls),
                    where="value",
                    problem=f"{shown} takes constructor arguments zen cannot record",
                    fix=_CONTRACT,
                ) from exc
        return None
    if not (attrs.has(type(record)) or dataclasses.is_dataclass(record)) or isinstance(record, type):
        raise UnstorableValueError(
            value_type=_label(cls),
            where="value.hparams",
            problem=f"{cls.__qualname__}.hparams is a {type(record).__name__}, not a record zen can store",
            fix=_CONTRACT,
        )
    if signature is not None:
        try:
            signature.bind(record)
        except TypeError as exc:
            raise UnstorableValueError(
                value_type=_label(cls),
                where="value",
                problem=f"{shown} cannot be called with its hparams record alone",
                fix=_CONTRACT,
            ) from exc
    _loadable(type(record), "hyperparameter record", cls)
    return record


def pinner_for(cls: type) -> zen_git.Pinner:
    """A pinner for the repository holding ``cls``'s module (one ``git status`` for every class it pins)."""
    file = getattr(sys.modules.get(cls.__module__), "__file__", None)
    return zen_git.Pinner(Path(file).parent if isinstance(file, str) else Path.cwd(), cache=_SOURCES)


def resolve_class(source: str, pinners: dict[str, zen_git.Pinner]) -> type:
    """The class ``source`` names: the live class when it is exactly the pinned code, else from history."""
    ref = zen_git.SourceRef.parse(source)
    try:
        live = zen_git.resolve(ref.dotted)
        if ref.pinned and isinstance(live, type):
            top = live.__module__.split(".")[0]
            pinner = pinners.get(top) or pinners.setdefault(top, pinner_for(live))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", zen_git.UnpinnedCodeWarning)
                current = str(pinner.pin(live))
            if current == source:
                return live
        found = zen_git.resolve(source) if ref.pinned else live
    except zen_git.SourceResolutionError as exc:
        raise CorruptArtifactError(f"the stored module needs {source}, which cannot be loaded: {exc}") from exc
    if not isinstance(found, type):
        raise CorruptArtifactError(f"{source} is not a class.")
    return found


def _split_aliases(state: dict[str, torch.Tensor], value_type: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors to store and ``alias -> stored key`` for entries that are the same tensor as an earlier one.
    A tensor overlapping another's memory in a different way is copied (safetensors stores no shared memory)."""
    stored: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[tuple[int, int, tuple[int, ...], tuple[int, ...], torch.dtype], str] = {}
    storages: set[int] = set()
    for key, tensor in state.items():
        canonical = canonical_tensor(tensor, f"state_dict entry {key!r}", value_type=value_type)
        identity = (
            canonical.untyped_storage().data_ptr(),
            int(canonical.storage_offset()),
            tuple(canonical.shape),
            tuple(canonical.stride()),
            canonical.dtype,
        )
        if identity in seen and canonical.numel():
            aliases[key] = seen[identity]
            continue
        pointer = identity[0]
        if pointer in storages and canonical.numel():
            canonical = canonical.clone()
            pointer = canonical.untyped_storage().data_ptr()
        seen[identity] = key
        storages.add(pointer)
        stored[key] = canonical
    return stored, aliases


def _state_dict(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    for key, value in module.state_dict(keep_vars=False).items():
        if not isinstance(value, torch.Tensor):
            raise UnstorableValueError(
                value_type=_label(type(module)),
                where=f"state_dict entry {key!r}",
                problem=f"it is a {type(value).__name__}, not a tensor (get_extra_state); zen stores tensors only",
                fix="Keep that state in a buffer or in hparams.",
            )
        state[key] = value
    return state


class TorchModuleMaterializer(Materializer[torch.nn.Module]):
    """``torch.nn.Module`` as safetensors weights plus its pinned class and hyperparameter record."""

    TYPES: ClassVar[tuple[type, ...]] = (torch.nn.Module,)
    FORMAT: ClassVar[str] = _FORMAT
    FORMAT_VERSION: ClassVar[int] = _VERSION
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL
    DESCRIPTION: ClassVar[str] = "PyTorch module (safetensors weights + pinned class + hparams record, no pickle)"

    def write(self, value: torch.nn.Module, artifact: ArtifactLocation) -> None:
        """Check the constructor contract, then write the weights and the record of how to rebuild the module."""
        if not isinstance(value, torch.nn.Module):
            raise TypeError(f"TorchModuleMaterializer writes torch modules, not {type(value).__name__}")
        cls = type(value)
        _loadable(cls, "module class", cls)
        record = _record_of(value)
        stored, aliases = _split_aliases(_state_dict(value), _label(cls))
        pinner = pinner_for(cls)
        body: dict[str, JSONValue] = {
            "format": _FORMAT,
            "version": _VERSION,
            "class": str(pinner.pin(cls)),
            "hparams_class": str(pinner.pin(type(record))) if record is not None else None,
            "hparams": _hparams_json(record) if record is not None else None,
            "aliases": dict(sorted(aliases.items())),
            "training": value.training,
        }
        safetensors.torch.save_file(stored, self.path(artifact, _WEIGHTS))
        self.path(artifact, _RECORD).write_text(json.dumps(body, sort_keys=True, indent=1), encoding="utf-8")

    def read(self, artifact: ArtifactLocation) -> torch.nn.Module:
        """Rebuild the module from its pinned class and record, and load the weights (strictly)."""
        body = _read_record(self.path(artifact, _RECORD))
        source, hparams_source = body.get("class"), body.get("hparams_class")
        if not isinstance(source, str):
            raise CorruptArtifactError(f"{artifact.uri}: {_RECORD} names no module class.")
        pinners: dict[str, zen_git.Pinner] = {}
        cls = resolve_class(source, pinners)
        arguments: tuple[object, ...] = ()
        if isinstance(hparams_source, str):
            record_cls = resolve_class(hparams_source, pinners)
            try:
                arguments = (_CONVERTER.structure(body.get("hparams"), record_cls),)
            except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
                raise CorruptArtifactError(f"{artifact.uri}: cannot rebuild {hparams_source}: {exc}") from exc
        weights = load_safetensors(self.path(artifact, _WEIGHTS))
        aliases = body.get("aliases")
        aliases = aliases if isinstance(aliases, dict) else {}
        for alias, key in aliases.items():
            if not isinstance(key, str) or key not in weights:
                raise CorruptArtifactError(f"{artifact.uri}: alias {alias!r} points to a missing tensor.")
            weights[alias] = weights[key]
        try:
            module = _build_on_meta(cls, arguments, weights, aliases)
            if module is None:
                module = _build(cls, arguments, source)
                module.load_state_dict(weights, strict=True)
        except RuntimeError as exc:
            raise CorruptArtifactError(
                f"{artifact.uri}: the stored weights do not fit {source} (was the class changed without pinning?): "
                f"{exc}"
            ) from exc
        module.train(body.get("training") is True)
        return module

    def metadata(self, value: torch.nn.Module) -> dict[str, JSONValue]:
        """The class, its parameter count and the hyperparameters."""
        record = getattr(value, _HPARAMS, None)
        meta: dict[str, JSONValue] = {
            "module": type(value).__qualname__,
            "parameters": sum(p.numel() for p in value.parameters()),
        }
        if record is not None and (attrs.has(type(record)) or dataclasses.is_dataclass(record)):
            meta["hparams"] = _hparams_json(record)
        return meta


def _build(cls: type, arguments: tuple[object, ...], source: str) -> torch.nn.Module:
    module: object = cls(*arguments)
    if not isinstance(module, torch.nn.Module):
        raise CorruptArtifactError(f"{source} did not build a torch module.")
    return module


def _build_on_meta(
    cls: type, arguments: tuple[object, ...], weights: dict[str, torch.Tensor], aliases: dict[str, JSONValue]
) -> torch.nn.Module | None:
    """The module built on the meta device (no memory, no random initialisation) with the loaded tensors put in
    place of its parameters and buffers; None when that cannot give the complete module (its constructor needs
    real data, or state outside the state_dict such as non-persistent buffers stays empty), so the caller builds
    it normally. For a large model this halves the reading time: initialising weights costs as much as loading.
    """
    try:
        with torch.device("meta"):
            module: object = cls(*arguments)
    except Exception:
        return None
    if not isinstance(module, torch.nn.Module):
        return None
    module.load_state_dict(weights, strict=True, assign=True)
    for alias, key in aliases.items():  # assign gives each name its own Parameter: tie them again
        if isinstance(key, str):
            owner, _, name = alias.rpartition(".")
            shared = module.get_parameter(key) if key in dict(module.named_parameters()) else None
            if shared is not None:
                setattr(module.get_submodule(owner), name, shared)
    if any(t.is_meta for t in (*module.parameters(), *module.buffers())):
        return None
    return module


def _hparams_json(record: object) -> JSONValue:
    try:
        data: JSONValue = json.loads(json.dumps(_CONVERTER.unstructure(record), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise UnstorableValueError(
            value_type=_label(type(record)),
            where="value",
            problem=f"the hyperparameter record {type(record).__qualname__} has values that are not JSON ({exc})",
            fix="Use numbers, strings, booleans, lists and nested records.",
        ) from exc
    return data


def _read_record(path: Path) -> dict[str, JSONValue]:
    try:
        body: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptArtifactError(f"{path} is not valid JSON (truncated or corrupt): {exc}") from exc
    if not isinstance(body, dict) or body.get("format") != _FORMAT:
        raise CorruptArtifactError(f"{path} is not a {_FORMAT} record.")
    if body.get("version") != _VERSION:
        raise CorruptArtifactError(f"{path} has {_FORMAT} version {body.get('version')}; this zen reads {_VERSION}.")
    return body


def register(registry: MaterializerRegistry) -> None:
    """Register the module materializer."""
    registry.register(TorchModuleMaterializer)
