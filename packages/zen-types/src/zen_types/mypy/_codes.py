"""zen's own mypy error codes: users can silence one kind (``# type: ignore[zen-step]``) without the others."""

from __future__ import annotations

from typing import Final

from mypy import errorcodes as codes
from mypy.errorcodes import ErrorCode

ZEN_STEP: Final = ErrorCode("zen-step", "A @step function zen cannot use", "zen")
# Sub-codes of ``arg-type`` (what mypy itself would report for these calls): ``# type: ignore[arg-type]``
# written before the plugin existed, or for other checkers, keeps covering them.
ZEN_WIRING: Final = ErrorCode(
    "zen-wiring", "A step called with the wrong handles in a pipeline body", "zen", sub_code_of=codes.ARG_TYPE
)
ZEN_BINDING: Final = ErrorCode(
    "zen-binding", "A step given a config of the wrong class", "zen", sub_code_of=codes.ARG_TYPE
)
