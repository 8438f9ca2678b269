"""scikit-learn estimators through skops: a format that loads without executing arbitrary code.

skops refuses, on load, any type not known to be safe unless it is trusted explicitly. zen trusts the types of
scikit-learn, NumPy and SciPy that skops lists, and refuses anything else with the list of types named.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Final

import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin

from zen_materialize._base import ArtifactKind, ArtifactLocation, Materializer
from zen_materialize.errors import CorruptArtifactError
from zen_types import JSONValue

if TYPE_CHECKING:
    from zen_materialize._registry import MaterializerRegistry

__all__ = ["SklearnMaterializer", "register"]

_FILE = "model.skops"
_TRUSTED_PREFIXES: Final = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class SklearnMaterializer(Materializer[object]):
    """scikit-learn estimators (and pipelines) as ``model.skops``."""

    TYPES: ClassVar[tuple[type, ...]] = (BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin)
    FORMAT: ClassVar[str] = "skops"
    FORMAT_VERSION: ClassVar[int] = 1
    KIND: ClassVar[ArtifactKind] = ArtifactKind.MODEL
    DESCRIPTION: ClassVar[str] = "scikit-learn estimator (skops, no pickle)"

    def write(self, value: object, artifact: ArtifactLocation) -> None:
        """Dump the estimator with skops."""
        if not isinstance(value, BaseEstimator):
            raise TypeError(f"SklearnMaterializer writes scikit-learn estimators, not {type(value).__name__}")
        sio.dump(value, Path(artifact.uri) / _FILE)

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


def register(registry: MaterializerRegistry) -> None:
    """Register the scikit-learn materializer."""
    registry.register(SklearnMaterializer)
