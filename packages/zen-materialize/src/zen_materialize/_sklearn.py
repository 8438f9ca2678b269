"""scikit-learn estimators through skops: a format that loads without executing arbitrary code.

skops refuses, on load, any type not known to be safe unless it is trusted explicitly. zen trusts the types of
scikit-learn, NumPy and SciPy that skops lists, and refuses anything else with the list of types named.

skops output is not byte-stable: its zip carries write times, and its object ids (``__id__``, and the names of
the ``<id>.npy`` array files) are memory addresses. zen rewrites the file canonically - ids renumbered in order
of appearance, members in order, fixed times - so the same model gives the same bytes in any process, and the
content hash (and every downstream cache key) does not change from one run to the next.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import ClassVar, Final

import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin

from zen_materialize._base import ArtifactKind, ArtifactLocation, Materializer
from zen_materialize._previews import skops_preview
from zen_materialize._visualization import Visualization
from zen_materialize.errors import CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

__all__ = ["WRITERS", "SklearnMaterializer"]

_FILE = "model.skops"
_TRUSTED_PREFIXES: Final = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")
_SCHEMA: Final = "schema.json"
_ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)


def _renumber(node: object, ids: dict[int, int], files: dict[str, str]) -> object:
    """``node`` with every ``__id__`` replaced by its order of first appearance and array files renamed to match."""
    if isinstance(node, list):
        return [_renumber(item, ids, files) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, object] = {}
    for key, value in node.items():
        if key == "__id__" and isinstance(value, int):
            out[key] = ids.setdefault(value, len(ids) + 1)
        elif key == "file" and isinstance(value, str):
            out[key] = files.setdefault(value, f"{len(files) + 1}.npy")
        else:
            out[key] = _renumber(value, ids, files)
    return out


def canonical_skops(data: bytes) -> bytes:
    """The same skops archive with ids, file names, member order and times made independent of the process."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    files: dict[str, str] = {}
    schema = _renumber(json.loads(members.pop(_SCHEMA)), {}, files)
    unknown = set(members) - set(files)
    if unknown:  # a skops version storing files zen does not know how to rename: keep its bytes as they are
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
        for old, new in sorted(files.items(), key=lambda item: int(item[1].split(".")[0])):
            target.writestr(zipfile.ZipInfo(new, _ZIP_EPOCH), members[old])
        target.writestr(zipfile.ZipInfo(_SCHEMA, _ZIP_EPOCH), json.dumps(schema, indent=2))
    return out.getvalue()


class SklearnMaterializer(Materializer[object]):
    """scikit-learn estimators (and pipelines) as ``model.skops``."""

    TYPES: ClassVar[tuple[type, ...]] = (BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin)
    FORMAT: ClassVar[str] = "skops"
    FORMAT_VERSION: ClassVar[int] = 1
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL
    DESCRIPTION: ClassVar[str] = "scikit-learn estimator (skops, no pickle)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Dump the estimator with skops; refused when it holds types zen would not trust to load back."""
        cls = type(value)
        label = f"{cls.__module__}.{cls.__qualname__}"
        if not isinstance(value, BaseEstimator):
            raise UnstorableValueError(
                value_type=label, where="value", problem="it is not a scikit-learn estimator", fix=_OTHER
            )
        data = sio.dumps(value)
        refused = [t for t in sio.get_untrusted_types(data=data) if not t.startswith(_TRUSTED_PREFIXES)]
        if refused:
            raise UnstorableValueError(
                value_type=label,
                where="value",
                problem=f"it holds {', '.join(refused)}, which zen does not trust to load back (skops would refuse "
                f"to read it)",
                fix="Use scikit-learn, NumPy and SciPy parts only (no functions of your own in FunctionTransformer "
                "and the like), or choose PickleMaterializer explicitly for this output.",
            )
        (Path(artifact.uri) / _FILE).write_bytes(canonical_skops(data))

    def read(self, artifact: ArtifactLocation) -> object:
        """Load with skops, trusting only scikit-learn, NumPy and SciPy types."""
        path = Path(artifact.uri) / _FILE
        try:
            untrusted = list(sio.get_untrusted_types(file=path))
        except FileNotFoundError as exc:
            raise CorruptArtifactError(f"{path} is missing: the artifact is incomplete.") from exc
        except Exception as exc:  # skops raises zipfile/JSON/key errors for damaged files
            raise CorruptArtifactError(f"{path} is not a valid skops file (truncated or corrupt): {exc}") from exc
        refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if refused:
            raise CorruptArtifactError(
                f"{path} contains types zen does not trust to load: {', '.join(refused)}. Load it yourself with "
                f"skops.io.load(path, trusted=[...]) after reviewing them."
            )
        try:
            model: object = sio.load(path, trusted=untrusted)
        except Exception as exc:  # same reason as above
            raise CorruptArtifactError(f"{path} could not be loaded: {exc}") from exc
        return model

    def metadata(self, value: object) -> dict[str, JSONValue]:
        """The estimator's class and its parameters as text."""
        if not isinstance(value, BaseEstimator):
            return {}
        params = {k: repr(v)[:200] for k, v in value.get_params(deep=False).items()}
        return {"estimator": type(value).__qualname__, "params": dict(params)}

    def visualize(self, artifact: ArtifactLocation) -> Visualization | None:
        """The estimator's class and parameters from the archive's schema (the model is not loaded)."""
        return skops_preview(Path(artifact.uri) / _FILE)


_OTHER: Final = "Choose a materializer for its type."
WRITERS: Final = (SklearnMaterializer,)
