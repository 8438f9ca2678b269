"""zen's PyTorch module materializer, for naming it in steps (``step(materializers={"output": ...})``).

``TorchModuleMaterializer`` stores a ``torch.nn.Module`` as safetensors weights plus its class pinned through
zen-git and its hyperparameter record; it is chosen automatically for module outputs. It lives in zen-run
because it joins zen-materialize (the weights) and zen-git (the pinned class).
``Checkpoint(module, optimizer)`` stores a module with its optimizer's state (``CheckpointMaterializer``), so
training can resume in another process. Importing this module imports torch; ``import zen_run`` does not.
"""

from __future__ import annotations

from zen_run._torch_checkpoint import Checkpoint, CheckpointMaterializer
from zen_run._torch_module import TorchModuleMaterializer

__all__ = ["Checkpoint", "CheckpointMaterializer", "TorchModuleMaterializer"]
