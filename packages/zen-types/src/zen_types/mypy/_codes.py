"""zen's own mypy error codes: users can silence one kind (``# type: ignore[zen-step]``) without the others."""

from __future__ import annotations

from typing import Final

from mypy.errorcodes import ErrorCode

ZEN_STEP: Final = ErrorCode("zen-step", "A @step function zen cannot use", "zen")
ZEN_WIRING: Final = ErrorCode("zen-wiring", "A step called with the wrong handles in a pipeline body", "zen")
ZEN_BINDING: Final = ErrorCode("zen-binding", "A step bound to a slot whose interface it does not fit", "zen")
