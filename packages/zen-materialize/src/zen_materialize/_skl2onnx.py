"""The one module that talks to skl2onnx, which ships no type information: a fitted estimator in, an ONNX model
out, or a ``ValueError`` whose message says why (the caller names the artifact)."""

from __future__ import annotations

import onnx
from skl2onnx import to_onnx  # type: ignore[import-untyped]  # skl2onnx has no py.typed marker
from skl2onnx.common.data_types import FloatTensorType  # type: ignore[import-untyped]  # as above

__all__ = ["convert"]


def _classifiers(estimator: object) -> list[object]:
    """The estimator and the estimators nested in it (pipeline steps) that are classifiers."""
    from sklearn.base import BaseEstimator, is_classifier

    get_params = getattr(estimator, "get_params", None)
    nested = list(get_params(deep=True).values()) if callable(get_params) else []
    return [e for e in [estimator, *nested] if isinstance(e, BaseEstimator) and is_classifier(e)]


def convert(estimator: object, *, input_name: str, features: int, estimator_name: str) -> onnx.ModelProto:
    """``estimator`` as an ONNX graph with one float32 input ``[batch, features]``; classifiers without ZipMap."""
    try:
        model: object = to_onnx(
            estimator,
            initial_types=[(input_name, FloatTensorType([None, features]))],
            options={id(c): {"zipmap": False} for c in _classifiers(estimator)},
        )
    except (RuntimeError, NotImplementedError, TypeError, ValueError, KeyError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise ValueError(
            f"skl2onnx cannot convert the {estimator_name} to ONNX ({reason}); read it as the estimator itself, or "
            f"register a converter for it with skl2onnx.update_registered_converter."
        ) from exc
    if not isinstance(model, onnx.ModelProto):  # pragma: no cover - to_onnx returns a ModelProto
        raise ValueError(f"skl2onnx returned a {type(model).__name__} for the {estimator_name}.")
    return model
