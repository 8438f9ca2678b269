"""Run search splits text one way, in Python, for every back-end (``zen_store._search``): the rule's examples,
and the properties the back-ends rely on - a stored word, searched, is that one word again."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zen_store._search import MAX_WORD, SearchTerm, fold, search_terms, search_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Café CAFE cafe", ["cafe"]),
        ("À la carte", ["a", "la", "carte"]),
        ("ﬁt x²", ["fit", "x2"]),
        ("learning_rate=0.01", ["learning", "rate", "0.01"]),
        ("v1.2.3 -1 .5 3.", ["v1.2.3", "1", "5", "3"]),
        ("Straße İstanbul", ["strasse", "istanbul"]),
        ("a\x00b \udcff c", ["a", "b", "c"]),
        ("日本語 テスト", ["日本語", "テスト"]),
        ("", []),
    ],
)
def test_words_follow_the_documented_rule(text: str, words: list[str]) -> None:
    """Case, accents and compatibility forms fold away; words are letters, digits and marks, and a '.' only
    between digits."""
    assert search_words(text) == words


def test_long_words_are_compared_by_their_first_characters() -> None:
    """PostgreSQL refuses lexemes over 2 KB: every back-end keeps a word's first MAX_WORD characters."""
    assert search_words("x" * (MAX_WORD + 50)) == ["x" * MAX_WORD]


def test_query_parts_ending_in_a_star_match_their_last_word_as_a_prefix() -> None:
    """``lr*`` is a prefix; ``learning_ra*`` needs ``learning`` whole and ``ra`` as a prefix; search syntax of
    either back-end is plain text."""
    assert search_terms("lr* 0.0*") == [SearchTerm("lr", prefix=True), SearchTerm("0.0", prefix=True)]
    assert search_terms("learning_ra*") == [SearchTerm("learning"), SearchTerm("ra", prefix=True)]
    assert search_terms('"x" OR y:* & !z') == [
        SearchTerm("x"),
        SearchTerm("or"),
        SearchTerm("y", prefix=True),
        SearchTerm("z"),
    ]
    assert search_terms("* -- ") == []


@given(st.text())
def test_a_stored_word_searched_is_that_word_alone(text: str) -> None:
    """Searching any word a run stored finds it: the word splits into itself, whatever the text was."""
    for word in search_words(text):
        assert search_words(word) == [word]
        assert search_terms(word) == [SearchTerm(word)]


@given(st.text())
def test_stored_words_hold_nothing_a_back_end_would_split_or_fold(text: str) -> None:
    """No space (the separator both back-ends split on), no ASCII but lowercase letters, digits and '.', no
    quote or backslash (query syntax), never empty, at most MAX_WORD characters."""
    for word in search_words(text):
        assert word and len(word) <= MAX_WORD
        assert all(c.isascii() is False or c in "abcdefghijklmnopqrstuvwxyz0123456789." for c in word)
        assert fold(word) == word


@given(st.lists(st.text(), max_size=4))
def test_the_words_of_several_texts_are_the_words_of_each(texts: list[str]) -> None:
    """Splitting a run's names, tags and config lines together or apart gives the same words (what the
    migration relies on when it splits the stored config lines again)."""
    apart = [w for text in texts for w in search_words(text)]
    assert search_words(*texts) == list(dict.fromkeys(apart))
    assert set(search_words(" ".join(texts))) == set(apart)
