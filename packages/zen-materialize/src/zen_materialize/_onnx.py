"""ONNX models: stored as they are, and a scikit-learn artifact read as one (a portable view, not a second copy).

``onnx.ModelProto`` values are stored as ``model.onnx`` (protobuf's deterministic serialization, so the same
model gives the same bytes in every process) beside ``onnx.json``, which records the file's length and sha256:
a protobuf cut short can still parse as a smaller, different model, so the read checks both.

Read as ``onnx.ModelProto`` (``artifact.read(as_type=onnx.ModelProto)``, ``handle.view(onnx.ModelProto)``), a
scikit-learn artifact (format ``skops``) is converted by skl2onnx when it is read: nothing extra is stored, and
the stored estimator stays the one source of truth. The graph takes one input ``X``, float32 of shape
``[batch, n_features_in_]``; a classifier outputs ``label`` and ``probabilities`` as plain tensors (no ZipMap).
An estimator skl2onnx has no converter for is refused with its class named. skl2onnx is imported only then.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from typing import TYPE_CHECKING, ClassVar, Final

import onnx

from zen_materialize._base import ArtifactKind, ArtifactLocation, Materializer
from zen_materialize.errors import ArtifactReadError, CorruptArtifactError, UnstorableValueError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["OnnxModelMaterializer", "SklearnOnnxView", "register"]

_FILE: Final = "model.onnx"
_CHECK: Final = "onnx.json"
INPUT_NAME: Final = "X"


def _model_bytes(model: onnx.ModelProto) -> bytes:
    return bytes(model.SerializeToString(deterministic=True))


class OnnxModelMaterializer(Materializer[onnx.ModelProto]):
    """``onnx.ModelProto`` as ``model.onnx`` (deterministic bytes) and ``onnx.json`` (its length and sha256)."""

    TYPES: ClassVar[tuple[type, ...]] = (onnx.ModelProto,)
    FORMAT: ClassVar[str] = "onnx"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "ONNX model (protobuf, deterministic bytes)"
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL

    def write(self, value: onnx.ModelProto, artifact: ArtifactLocation) -> None:
        """Serialize the model deterministically and record the file's length and digest."""
        if not isinstance(value, onnx.ModelProto):
            raise TypeError(f"OnnxModelMaterializer writes onnx.ModelProto values, not {type(value).__name__}")
        data = _model_bytes(value)
        self.path(artifact, _FILE).write_bytes(data)
        check = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        self.path(artifact, _CHECK).write_text(json.dumps(check, sort_keys=True), encoding="utf-8")

    def read(self, artifact: ArtifactLocation) -> onnx.ModelProto:
        """Parse the model after checking the file against its recorded length and digest."""
        path, check_path = self.path(artifact, _FILE), self.path(artifact, _CHECK)
        try:
            data = path.read_bytes()
            check: object = json.loads(check_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CorruptArtifactError(f"{exc.filename} is missing: the artifact is incomplete.") from exc
        except (OSError, ValueError) as exc:
            raise CorruptArtifactError(f"{check_path} is not valid JSON (truncated or corrupt): {exc}") from exc
        expected = (check.get("bytes"), check.get("sha256")) if isinstance(check, dict) else None
        if expected != (len(data), hashlib.sha256(data).hexdigest()):
            raise CorruptArtifactError(f"{path} does not match its recorded length and sha256 (truncated or changed).")
        model = onnx.ModelProto()
        model.ParseFromString(data)  # the digest matched: these are the bytes that were written
        return model

    def metadata(self, value: onnx.ModelProto) -> dict[str, JSONValue]:
        """Producer, opsets, inputs and outputs."""
        return _describe(value)


def _describe(model: onnx.ModelProto) -> dict[str, JSONValue]:
    opsets: dict[str, JSONValue] = {o.domain or "ai.onnx": int(o.version) for o in model.opset_import}
    return {
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "opsets": opsets,
        "inputs": [i.name for i in model.graph.input],
        "outputs": [o.name for o in model.graph.output],
        "nodes": len(model.graph.node),
    }


class SklearnOnnxView(Materializer[onnx.ModelProto]):
    """A scikit-learn artifact (``skops``) read as an ONNX model, converted by skl2onnx when read.

    One-way: an ONNX model cannot be turned back into a scikit-learn estimator, so ``write`` refuses.
    """

    TYPES: ClassVar[tuple[type, ...]] = ()
    READ_TYPES: ClassVar[tuple[type, ...]] = (onnx.ModelProto,)
    FORMAT: ClassVar[str] = "skops"
    FORMAT_VERSION: ClassVar[int] = 1
    DESCRIPTION: ClassVar[str] = "scikit-learn model as an ONNX model (view of skops, converted by skl2onnx)"
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL

    def write(self, value: onnx.ModelProto, artifact: ArtifactLocation) -> None:
        """Refused: store the estimator itself (or the ONNX model with ``OnnxModelMaterializer``)."""
        raise UnstorableValueError(
            value_type="onnx.ModelProto",
            where="value",
            problem="an ONNX model cannot be stored as a scikit-learn model",
            fix="Return the estimator (it reads as ONNX through this view), or store the ONNX model itself "
            "(onnx.ModelProto outputs are stored as format onnx).",
        )

    def read(self, artifact: ArtifactLocation) -> onnx.ModelProto:
        """Load the estimator (skops, trusted types only) and convert it; an estimator that cannot be converted is
        an ``ArtifactReadError`` naming its class and the fix."""
        from zen_materialize._sklearn import SklearnMaterializer

        estimator = SklearnMaterializer().read(artifact)
        try:
            return _convert(estimator)
        except ValueError as exc:
            raise ArtifactReadError(
                artifact=artifact.uri, value_type="onnx.ModelProto", materializer=self.ref().name, reason=str(exc)
            ) from exc


def _convert(estimator: object) -> onnx.ModelProto:
    """Convert a fitted estimator with skl2onnx: input ``X`` float32 ``[batch, n_features_in_]``, no ZipMap."""
    from zen_materialize import _skl2onnx

    name = type(estimator).__qualname__
    features = getattr(estimator, "n_features_in_", None)
    if not isinstance(features, int):
        raise ValueError(
            f"the {name} does not record how many features it was fitted on (n_features_in_), so its ONNX input "
            f"cannot be declared; fit it on a numeric array, or convert it yourself with skl2onnx"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # converters warn about opset choices the caller cannot act on
        return _skl2onnx.convert(estimator, input_name=INPUT_NAME, features=features, estimator_name=name)


def register(registry: MaterializerRegistry) -> None:
    """Register the ONNX model materializer (writer of ``onnx.ModelProto``) and the scikit-learn view."""
    registry.register(OnnxModelMaterializer)
    registry.register(SklearnOnnxView, writer=False)
