"""How run search splits text into words: one rule, applied in Python, so every lineage back-end agrees.

A run's searchable text (pipeline name, run name, tags, and each step's config as ``slot key value``) is split
by :func:`search_words` when the run is recorded, and stored as its words joined by single spaces; a query is
split by :func:`search_terms` the same way. A back-end then only compares whole words and word prefixes, and
its own tokenizer never gets to decide anything: SQLite's FTS5 uses its ``ascii`` tokenizer with ``.`` as a
word character (it splits on spaces and ASCII punctuation, which the stored words do not contain), PostgreSQL
builds the ``tsvector`` from the word list as it is (``array_to_tsvector``).

The rule (also in docs/concepts.md, "Searching runs"):

- case, accents and compatibility forms do not matter: ``Café``, ``CAFE`` and ``cafe`` are one word, ``ﬁ`` is
  ``fi`` and ``²`` is ``2`` (Unicode NFKD, nonspacing marks dropped, case-folded, NFKC, until nothing changes);
- a word is a run of letters, digits and (spacing) marks; anything else separates words, so ``learning_rate``
  is ``learning`` and ``rate`` - except a ``.`` between two digits: ``0.01`` and ``1.2.3`` are one word each;
- words are compared by their first :data:`MAX_WORD` characters.

Invariants (tested with hypothesis): every word ``w`` that :func:`search_words` returns is returned alone by
``search_words(w)`` (searching a stored word finds it), contains no space, and is never empty.
"""

from __future__ import annotations

import unicodedata
from typing import Final

import attrs

__all__ = ["MAX_WORD", "SearchTerm", "fold", "search_terms", "search_words"]

MAX_WORD: Final = 200
"""Characters of a word that search compares (PostgreSQL refuses lexemes over 2 KB)."""


_ROUNDS: Final = 8
"""Folding and splitting settle in one or two rounds; the bound only guards against a cycle."""


def fold(text: str) -> str:
    """``text`` without case, accents or compatibility forms (see the module docstring), to a fixed point."""
    for _ in range(_ROUNDS):
        decomposed = unicodedata.normalize("NFKD", text)
        bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        folded = unicodedata.normalize("NFKC", bare.casefold())
        if folded == text:
            break
        text = folded
    return text


def _is_word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LNM"


def _is_digit(c: str) -> bool:
    return unicodedata.category(c) == "Nd"


def _split(folded: str) -> list[str]:
    words: list[str] = []
    start: int | None = None
    last = len(folded) - 1
    for i, c in enumerate(folded):
        inside = _is_word_char(c) or (
            c == "." and 0 < i < last and _is_digit(folded[i - 1]) and _is_digit(folded[i + 1])
        )
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            words.append(folded[start:i])
            start = None
    if start is not None:
        words.append(folded[start:])
    return words


def _settled(word: str) -> list[str]:
    """A word cut to :data:`MAX_WORD` and folded again until it splits into itself (cutting or folding a piece
    of text on its own can differ from the piece of the folded whole, at a combining mark or a cut)."""
    pieces = [word]
    for _ in range(_ROUNDS):
        settled = [w for piece in pieces for w in _split(fold(piece[:MAX_WORD]))]
        if settled == pieces:
            break
        pieces = settled
    return pieces


def _words(text: str) -> list[str]:
    return [settled for word in _split(fold(text)) for settled in _settled(word)]


def search_words(*texts: str) -> list[str]:
    """The distinct words of ``texts``, in order of first appearance, as search stores and compares them."""
    return list(dict.fromkeys(word for text in texts for word in _words(text)))


@attrs.frozen
class SearchTerm:
    """One word a found run must contain: whole, or as a prefix of one of its words."""

    word: str
    prefix: bool = False


def search_terms(text: str) -> list[SearchTerm]:
    """The words of a query, every one required. A whitespace-separated part ending in ``*`` matches its last
    word as a prefix (``lr*``, ``learn*``); other search syntax in ``text`` is plain text."""
    terms: list[SearchTerm] = []
    for part in text.split():
        prefix = part.endswith("*")
        words = _words(part.rstrip("*") if prefix else part)
        terms += [SearchTerm(word) for word in words[:-1]]
        if words:
            terms.append(SearchTerm(words[-1], prefix=prefix))
    return list(dict.fromkeys(terms))
