"""Import sqlite-utils without its optional pandas/numpy imports.

sqlite-utils imports pandas and numpy at module load when they are installed, only to convert their values on
insert, which zen never does. With pandas installed that costs about two seconds per process (every ``zen``
command, every worker). While importing it we mark pandas and numpy as unavailable unless the process already
imported them; their real imports are unaffected afterwards.
"""

from __future__ import annotations

import sys

__all__ = ["sqlite_utils"]

_HIDDEN = [name for name in ("pandas", "numpy") if name not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]  # makes `import pandas` raise ImportError, by design
try:
    import sqlite_utils
finally:
    for _name in _HIDDEN:
        if sys.modules.get(_name) is None:
            del sys.modules[_name]
