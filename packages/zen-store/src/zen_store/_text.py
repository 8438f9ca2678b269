"""Which text a lineage store keeps: one rule for every back-end, applied before a back-end sees the text.

SQLite cannot encode an unpaired surrogate (``"\\ud800"``, what ``surrogateescape`` makes of a byte that is not
UTF-8) and PostgreSQL refuses NUL (``"\\x00"``) in text - so text holding either would be kept by one back-end
and not the other. The rule:

- **Names** - pipeline, run, step, stack, output and artifact names, tags, type names, URIs - are compared,
  indexed and printed. One holding NUL or an unpaired surrogate is refused before anything is written, with
  :class:`~zen_store.errors.UnstorableTextError` naming the field, the character and the fix.
- **JSON values** - step configs, artifact metadata, pinned sources - are stored as JSON text with such
  characters escaped, so every back-end gives back exactly what it was given.
- **Free text about what happened** - a step's error message, what it printed - cannot be refused (the step
  already ran): it is kept with NUL as U+FFFD and unpaired surrogates as ``\\udcXX`` escapes (:func:`kept`).
- **Lookups** by text that holds either character find nothing (nothing stored holds one), on every back-end:
  a query with such a parameter returns no rows (:func:`matchable`), so the usual "not found" message follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from zen_store.errors import UnstorableTextError

__all__ = ["check_fields", "check_name", "kept", "matchable", "unstorable"]

_SURROGATES: Final = range(0xD800, 0xE000)


def unstorable(text: str) -> str | None:
    """The first character of ``text`` no lineage store keeps (NUL or an unpaired surrogate), or None."""
    if "\x00" in text:
        return "\x00"
    if text.isascii():
        return None
    return next((c for c in text if ord(c) in _SURROGATES), None)


def check_name(field: str, value: str | None) -> None:
    """Refuse ``value`` (the ``field`` of a record) when it holds a character no lineage store keeps."""
    if value is not None:
        bad = unstorable(value)
        if bad is not None:
            raise UnstorableTextError(field, value, bad)


def check_fields(fields: Sequence[tuple[str, str | None]]) -> None:
    """:func:`check_name` for each ``(field, value)`` of a record, in order. One look over all the values joined
    decides the usual case (nothing to refuse); the fields are looked at one by one only to name the culprit."""
    if unstorable("".join([value for _, value in fields if value is not None])) is not None:
        for field, value in fields:
            check_name(field, value)


def kept(text: str) -> str:
    """Free text as every lineage store keeps it: NUL as U+FFFD, an unpaired surrogate as a ``\\udcXX`` escape."""
    if unstorable(text) is None:
        return text
    return text.replace("\x00", "\ufffd").encode("utf-8", "backslashreplace").decode("utf-8")


def matchable(params: Iterable[object] | Mapping[str, object]) -> bool:
    """False when a query parameter is text no lineage store keeps: no stored row can match it, so the query is
    not sent (SQLite cannot encode such text, PostgreSQL refuses it)."""
    values = params.values() if isinstance(params, Mapping) else params
    return all(not isinstance(v, str) or unstorable(v) is None for v in values)
