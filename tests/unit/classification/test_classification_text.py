"""Normalisation of parcel descriptions: sizes, quantities, abbreviations, plurals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clearway.classification.text import char_ngrams, fold, singular, skeleton, tokens


def test_sizes_quantities_and_stop_words_are_dropped() -> None:
    assert tokens("lack n wll shlf 110x26 white") == ["lack", "wll", "shlf", "white"]
    assert tokens("100 ariel pods") == ["ariel", "pod"]
    assert tokens("Shampoo 500ml pack of 12") == ["shampoo"]
    assert tokens("kendamil toddler mlk stg3 12to") == ["kendamil", "toddler", "mlk", "stg"]


def test_hyphenated_letters_and_synonyms_join() -> None:
    assert tokens("Men's T-Shirt") == tokens("mens t shirt") == ["men", "tshirt"]
    assert tokens("cotton tee") == ["cotton", "tshirt"]


def test_accents_and_ampersand_fold() -> None:
    assert fold("Crème & Co") == "creme  and  co"
    assert tokens("Crème brûlée") == ["creme", "brulee"]


def test_plurals() -> None:
    assert singular("coasters") == "coaster"
    assert singular("batteries") == "battery"
    assert singular("dresses") == "dress"
    assert singular("glass") == "glass"


def test_skeleton_matches_vowel_dropping_abbreviations() -> None:
    assert skeleton("moisturiser") == "mstrsr"
    assert skeleton("shelf") == skeleton("shlf")
    assert skeleton("wall") == skeleton("wll")


def test_char_ngrams_mark_word_edges() -> None:
    assert char_ngrams("ab") == ["<ab", "ab>", "<ab>"]


@given(st.text(max_size=80))
def test_tokens_are_lowercase_letters_without_stop_words(text: str) -> None:
    for word in tokens(text):
        assert word.isascii() and word.isalpha() and word == word.lower()
        assert len(word) >= 2


@given(st.text(max_size=40))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
