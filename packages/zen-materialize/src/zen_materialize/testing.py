"""The materializer kit: check any materializer the way zen checks its built-ins.

``check_roundtrip(MyMaterializer(), strategy)`` runs, for every value the strategy generates:

- **round trip**: write into a fresh directory, read back, compare with ``equal`` (by default
  :func:`same_value`: the same class at every level, floats bit for bit, dict order, time zones and ``fold``);
- **same bytes**: a second write of the same value - a deep copy of it, so at other memory addresses - gives the
  same file names and bytes, and so does one value written twice in two different seconds (a writer that embeds
  a time, even to the second, a memory address or a random name fails here, because the content hash is part of
  every downstream cache key);
- **views**: the value reads back through a registry as each class a step could declare for it that the
  materializer claims (each class of its MRO that is, or derives from, a claimed type: ``Pipeline`` and
  ``BaseEstimator`` for a pipeline), and reading it as a subclass it was not written from is refused;
- **damage**: every file, truncated to half, raises ``CorruptArtifactError`` (or still reads back the same
  value), and every file, deleted, raises ``CorruptArtifactError``;
- the metadata is JSON, and the class registers without a definition error.

``examples=[...]`` adds values tried on every run before the generated ones (hypothesis's ``@example``): one
that failed once stays tried. ``strategy_for(tp)`` derives a strategy from a type where hypothesis can. Needs the
``testing`` extra (hypothesis).
"""

from __future__ import annotations

from zen_materialize._testing import check_roundtrip, same_value, strategy_for

__all__ = ["check_roundtrip", "same_value", "strategy_for"]
