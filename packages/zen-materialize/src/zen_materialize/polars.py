"""zen's polars materializer: ``polars.DataFrame`` values as parquet, and every parquet artifact (a pandas
DataFrame, an Arrow table) read as a polars frame (``artifact.read(as_type=polars.DataFrame)``,
``handle.view(polars.DataFrame)``).

Importing this module imports polars; ``import zen_materialize`` does not.
"""

from __future__ import annotations

from zen_materialize._polars import PolarsFrameMaterializer

__all__ = ["PolarsFrameMaterializer"]
