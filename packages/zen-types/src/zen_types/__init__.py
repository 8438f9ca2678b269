"""zen-types: the bottom layer of zen.

It defines what users write (``@step``, ``@pipeline``, ``Input[T]``, ``Output[T]``, ``BaseStepConfig``), the
one assignability rule shared by the runtime wiring checks and the mypy plugin, the compiled pipeline spec
that the runner and the stores consume, and the root of the error tree. It imports no other zen package.
"""

from __future__ import annotations

from zen_types._json import JSONValue
from zen_types.errors import ZenError

__all__ = ["JSONValue", "ZenError"]
