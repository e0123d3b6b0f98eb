"""Normalisation of goods descriptions as they are written on parcels and marketplace listings.

Parcel descriptions are short, cut at ~30 characters, abbreviated ("shwrgel", "mstrsr"),
misspelt, mixed with sizes and counts ("110x26", "500ml", "pack of 12") and brand names. The
model compares descriptions by words and by character n-grams; this module turns raw text into
the tokens both are built from, so reference texts and queries are treated the same way.
"""

from __future__ import annotations

import re
import unicodedata

#: A token that is only a size, a quantity or a count: "500ml", "110x26", "2s", "x12", "12pk".
_SIZE_OR_QUANTITY = re.compile(
    r"""^(?:
        x?\d+(?:[.,]\d+)?                              # 100, 1.5, x12
        (?:x\d+(?:[.,]\d+)?)*                          # 110x26, 10x20x30
        (?:ml|cl|dl|l|ltr|litre|litres|liter|g|gr|grams?|kg|kgs|mg|oz|lb|lbs|cm|mm|m|
           in|inch|ft|pcs|pc|pce|pk|pks|pack|packs|s|x|w|v|mah|gb|tb|mb|st|nd|rd|th|
           pairs?|pr|ct|cnt|tabs?|caps?|sheets?|rolls?|yrs?|months?|m|y)?
    )$""",
    re.VERBOSE,
)
_SPLIT = re.compile(r"[^a-z0-9]+")
#: A single letter hyphenated to a word is one word: "t-shirt" -> "tshirt", "e-book" -> "ebook".
_LETTER_PREFIX = re.compile(r"\b([a-z])-(?=[a-z]{3,})|\b(t) (?=shirt)")
#: Spellings of the same goods that share no characters worth matching.
_SYNONYMS = {"tee": "tshirt", "tees": "tshirt"}
_DIGITS = re.compile(r"\d+")

#: Words that carry no evidence about the goods (packaging, counting, glue words).
STOP_WORDS = frozenset(
    """a an and or of the for with in on to by at from per x pack packs case cases box boxes
    new item items piece pieces pcs pc size qty quantity each assorted mixed various other
    de la le les el en und mit fur der die das""".split()
)

_VOWELS = frozenset("aeiouy")


def fold(text: str) -> str:
    """Lower-case, strip accents and map '&' to 'and' (e.g. 'Crème & Co' -> 'creme and co')."""
    text = text.replace("&", " and ")
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    """The content words of a description: sizes, quantities, digits and stop words removed."""
    words: list[str] = []
    for raw in _SPLIT.split(_LETTER_PREFIX.sub(r"\1\2", fold(text))):
        if not raw or _SIZE_OR_QUANTITY.match(raw):
            continue
        word = _DIGITS.sub("", raw) if not raw.isalpha() else raw
        if len(word) >= 2 and word not in STOP_WORDS:
            words.append(_SYNONYMS.get(word) or singular(word))
    return words


def singular(word: str) -> str:
    """A light English plural stripper: 'coasters' -> 'coaster', 'batteries' -> 'battery'."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def skeleton(word: str) -> str:
    """First letter plus the consonants, doubled letters collapsed: the shape of an abbreviation.

    Parcel abbreviations drop vowels ("mstrsr" for moisturiser, "shlf" for shelf, "wll" for
    wall), so a word and its abbreviation share a skeleton.
    """
    if not word:
        return ""
    kept = [word[0]]
    for char in word[1:]:
        if char not in _VOWELS and char != kept[-1]:
            kept.append(char)
    return "".join(kept)


def char_ngrams(word: str, sizes: tuple[int, ...] = (3, 4, 5)) -> list[str]:
    """Character n-grams of a word padded with '<' and '>' so prefixes and suffixes are marked."""
    padded = f"<{word}>"
    grams: list[str] = []
    for size in sizes:
        if len(padded) < size:
            continue
        grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams
