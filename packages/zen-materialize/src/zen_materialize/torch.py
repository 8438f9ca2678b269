"""zen's PyTorch materializer and views, for naming them in steps and pipelines.

``TensorMaterializer`` stores ``torch.Tensor`` values as safetensors (chosen automatically for tensor outputs).
The views read other artifacts as PyTorch values: ``TableDataset`` and ``TableBatches`` (a DataFrame or Arrow
table as a ``Dataset``, with ``loader()`` for a ready ``DataLoader``) and ``torch.Tensor`` for an ``npy``
artifact (memory-mapped, no copy). ``canonical_tensor`` and ``load_safetensors`` are the helpers other
materializers storing tensors use (zen-run's module materializer). Importing this module imports torch;
``import zen_materialize`` does not.
"""

from __future__ import annotations

from zen_materialize._torch import (
    SAFETENSORS_DTYPES,
    NumpyTensorView,
    TensorMaterializer,
    canonical_tensor,
    load_safetensors,
)
from zen_materialize._torch_tables import TableBatches, TableBatchesView, TableDataset, TableDatasetView

__all__ = [
    "NumpyTensorView",
    "SAFETENSORS_DTYPES",
    "TableBatches",
    "TableBatchesView",
    "TableDataset",
    "TableDatasetView",
    "TensorMaterializer",
    "canonical_tensor",
    "load_safetensors",
]
