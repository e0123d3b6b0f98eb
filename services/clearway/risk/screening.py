"""Party screening against sanctions and denied-party lists: normalise, block, score, explain.

Real names reach customs transliterated, reordered, misspelt, with initials, legal-form suffixes
and generic trade words. Matching therefore works on normalised tokens:

* normalisation: Unicode NFKD with diacritics stripped, Cyrillic/Greek transliterated, special
  letters folded (ß → ss, ø → o), every other script romanised (anyascii: Arabic, Hebrew,
  Chinese, Korean, Japanese ...; a Chinese or Korean name as family name + joined given name,
  "习近平" → "xi jinping", the form the lists use), lower case, punctuation removed;
* legal-form suffixes (ltd, llc, ooo, gmbh, dotted ones such as S.A. de C.V., and misspelt long
  ones) are dropped; generic trade words (trading, international, group ..., also with one typo)
  are kept apart and carry no weight, so they can never make a match on their own; a name equal
  word for word, generic words included, matches even when its one distinctive word is common;
* tokens are weighted by their rarity in the lists (inverse document frequency), so "muhammad"
  weighs little and "haniya" much; a common first name alone never reaches the threshold;
* word order does not matter (tokens are aligned one to one), typos are scored with an edit
  similarity, a phonetic key bridges transliteration variants of words of five letters or more
  and about the same length (Mohammed / Muhammad, not Jia / Jiao), a party's initial matches
  the word it abbreviates (a listed initial confirms less of a spelt-out party name), and tokens
  missing from one side weigh less once two tokens agree (missing middle names).

Blocking keeps a query cheap: every list token is indexed under itself, a four-letter prefix, a
four-letter suffix, its first and last two letters, its sorted letters (transpositions), a
phonetic key and, for short words, itself less any one letter (one typo leaves one of them
intact); a query scores only the names sharing a similar token, ranked by the evidence they
share, never the whole list.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, KeysView, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from types import MappingProxyType
from typing import Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import OSA

DEFAULT_THRESHOLD = 0.89
"""Score from which a hit is reported: the lowest threshold whose share of innocent names flagged
stays under 0.5% on the tuning split of `python -m clearway.risk.screening_bench --sweep`."""

LEGAL_SUFFIXES = frozenset(
    """
    ltd limited llc llp lp inc incorporated corp corporation co company cie plc gmbh ag kg mbh
    sa sas sarl sal sac sl srl spa bv nv oy ab as asa aps kft zrt sro doo dd ad ood eood jsc
    ojsc pjsc cjsc zao oao pao ooo ao tov pp fze fzco fzc fzllc dmcc wll est pte pty bhd sdn tbk
    ltda eireli me cv de rl ks kk yk gk obshchestvo ogranichennoi otvetstvennostyu aktsionernoe
    zakrytoe otkrytoe publichnoe
    """.split()
)
"""Legal forms in the languages of the lists; they say what a company is, never which one."""

GENERIC_WORDS = frozenset(
    """
    trading trade traders trader international intl global worldwide world group holding holdings
    company general import imports export exports importers exporters industries industry
    industrial enterprise enterprises services service solutions commercial commerce business
    partners partner investment investments development management logistics shipping
    manufacturing products goods supply supplies store shop online technology technologies tech
    the and of for in et y e und da do di la le el del des der
    """.split()
)
"""Generic words of company names and connectives: present in countless innocent names."""

MIN_EVIDENCE_SHARE = 0.65
"""Least summed rarity (IDF) of the matching tokens, as a share of the IDF of a token found in
one name only: on the full lists (~44k names) a common given name (IDF ~4.5) falls short of
the ~7.0 needed, one unique token (IDF ~10.7) or two ordinary ones reach it."""

COUNTRY_BOOST = 0.04
"""Added to a score of at least COUNTRY_FLOOR when the party's country is the entry's."""
COUNTRY_FLOOR = 0.75

_PHONETIC_MIN_LENGTH = 5
"""Shorter words (syllables of Chinese or Korean names: jia / jiao, yang / jang) differ by a
letter between different names; so do words of unequal length (habib / habiba)."""
_TOKEN_FLOOR = 0.72
"""Token similarity below which two tokens are not considered the same word."""
_EDIT_WEIGHT = 0.8
_INITIAL_SIMILARITY = 0.85
_PHONETIC_SIMILARITY = 0.9
_UNMATCHED_DISCOUNT = 0.35
"""Weight of a token only one side has, once two tokens agree (missing middle names)."""
_MAX_CANDIDATES = 250
"""Names scored in full per query, the best by shared evidence (blocking)."""
_NUMPY_POSTINGS = 300
"""From this many postings numpy sums a party's evidence faster than a loop (measured on the
bench's listed and innocent names and on manifest names: 2,000 was 16% and 5% slower)."""
IntArray = npt.NDArray[np.int32]

MEMO_SIZE = 1 << 14
"""Screenings a PartyScreener remembers for its current lists (least recently used dropped):
a day's manifest names the same marketplace sellers and repeat consumers parcel after parcel.
With the name and token memos below, about 1.2 KB per distinct name: at most ~20 MiB."""
_NAME_MEMO_SIZE = 1 << 14
"""Names whose tokens are remembered (tokenising is a pure function of the text)."""
_TOKEN_MEMO_SIZE = 1 << 14
"""Party tokens outside the lists whose similar list tokens an index remembers (misspelt
given and family names recur); those of the lists' own words are worked out with the index."""

_SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l",
        "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i",  # noqa: RUF001
        "ħ": "h", "Ħ": "h", "ŀ": "l", "ĸ": "k",
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",  # noqa: RUF001
        "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",  # noqa: RUF001
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",  # noqa: RUF001
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "і": "i", "ї": "i", "є": "ye", "ґ": "g",  # noqa: RUF001
        "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",  # noqa: RUF001
        "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",  # noqa: RUF001
        "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",  # noqa: RUF001
        "ω": "o",
        "'": "", "’": "", "`": "", "´": "",  # noqa: RUF001
    }
)  # fmt: skip
_ASCII_SPECIAL_LETTERS = tuple(
    (chr(code), str(replacement)) for code, replacement in _SPECIAL_LETTERS.items() if code < 128
)
"""The few of them ASCII text can hold (apostrophes): replaced one by one, as translate with a
table of strings looks every character up (1.3 µs a name against 0.1)."""
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


_ScreenTokens = Callable[[tuple["NameTokens", ...], str, float], tuple["ScreeningHit", ...]]


class ListedEntry(Protocol):
    """What screening needs of a list entry (clearway.reference.sanctions.ListedParty)."""

    @property
    def list_id(self) -> str: ...
    @property
    def entry_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def countries(self) -> tuple[str, ...]: ...


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces."""
    lowered = text.lower()
    if lowered.isascii():
        # NFKD and the diacritics filter leave ASCII as it is: most names are, so skip them
        for special, replacement in _ASCII_SPECIAL_LETTERS:
            lowered = lowered.replace(special, replacement)
        return _NON_ALNUM.sub(" ", lowered).strip()
    # Han and Hangul first: NFKD would split Hangul syllables into letters
    syllabic = _SYLLABIC_NAME.sub(_family_and_given_name, lowered.translate(_SPECIAL_LETTERS))
    folded = unicodedata.normalize("NFKD", syllabic)
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    ascii_text = ascii_text.translate(_SPECIAL_LETTERS)
    if not ascii_text.isascii():
        ascii_text = anyascii(ascii_text)  # Arabic, Hebrew, kana, Thai, Devanagari ...
    return _NON_ALNUM.sub(" ", ascii_text.lower()).strip()


_SYLLABIC_NAME = re.compile(r"[\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
"""A run of Han or Hangul characters: one romanised syllable each."""
_SYLLABLE = re.compile(r"[A-Z][a-z]*")


def _family_and_given_name(run: re.Match[str]) -> str:
    """A Chinese or Korean name as the lists write it: the family name, then the given name's
    syllables joined ("王伟明" → "Wang Weiming", "김정은" → "Gim Jeongeun")."""
    syllables = _SYLLABLE.findall(anyascii(run.group()))
    if len(syllables) < 2:
        return f" {''.join(syllables)} "
    return f" {syllables[0]} {''.join(syllables[1:])} "


def name_variants(name: str) -> tuple[str, ...]:
    """The name, plus its hyphenated words joined ("AERO-CARIBBEAN" → "AEROCARIBBEAN")."""
    if "-" not in name:
        return (name,)
    return (name, re.sub(r"(?<=\w)-(?=\w)", "", name))


@dataclass(frozen=True, slots=True)
class NameTokens:
    """A name split into the tokens that identify it and the words set aside."""

    significant: tuple[str, ...]
    generic: tuple[str, ...]
    suffixes: tuple[str, ...]

    @property
    def generic_key(self) -> str:
        """A name made only of generic words is matched by this exact key, never fuzzily."""
        return " ".join(sorted(self.generic))

    @property
    def full_key(self) -> str:
        """The name's words but its legal form, in any order: equal keys are the same name."""
        return " ".join(sorted(self.significant + self.generic))


_LONG_LEGAL_SUFFIXES = tuple(sorted(s for s in LEGAL_SUFFIXES if len(s) >= 6))
_GENERIC_IN_ORDER = tuple(sorted(GENERIC_WORDS))
"""The words a typo is corrected to, in a fixed order: "industrias" is one typo from both
"industrial" and "industries", and the first of a set's iteration, which the hash seed
chooses, made two processes give one name two different reasons."""


def _misspelt(token: str, words: tuple[str, ...]) -> str | None:
    """The word of `words` this token misspells by one typo ("internationnal"), if any; of two
    as near, the first."""
    if len(token) < 6:
        return None
    match = process.extractOne(token, words, scorer=OSA.distance, score_cutoff=1)
    return None if match is None else str(match[0])


@lru_cache(maxsize=_NAME_MEMO_SIZE)
def _misspelling(token: str) -> tuple[str, bool] | None:
    """The long legal form (True) or else the generic word (False) a token misspells, if any.
    Remembered by the token alone: a memo keyed on the word list too hashed all of its words
    at every lookup, a third of a microsecond per party word."""
    if suffix := _misspelt(token, _LONG_LEGAL_SUFFIXES):
        return suffix, True
    if word := _misspelt(token, _GENERIC_IN_ORDER):
        return word, False
    return None


def _join_legal_forms(tokens: list[str]) -> list[str]:
    """Dotted legal forms come out of normalisation as letters ("S.A. de C.V." → s a de c v):
    a run of single letters ending the name, or before "de" or another legal form, whose last
    letters spell a legal form becomes that form, so its letters never pass for initials."""
    joined: list[str] = []
    index = 0
    while index < len(tokens):
        end = index
        while end < len(tokens) and len(tokens[end]) == 1:
            end += 1
        if end == index:
            joined.append(tokens[index])
            index += 1
            continue
        run = tokens[index:end]
        closing = end == len(tokens) or tokens[end] == "de" or tokens[end] in LEGAL_SUFFIXES
        size = next(
            (k for k in range(len(run), 1, -1) if closing and "".join(run[-k:]) in LEGAL_SUFFIXES),
            0,
        )
        joined.extend(run[: len(run) - size] + (["".join(run[-size:])] if size else []))
        index = end
    return joined


def tokenise(text: str) -> NameTokens:
    significant: list[str] = []
    generic: list[str] = []
    suffixes: list[str] = []
    for token in _join_legal_forms(normalise(text).split()):
        if token in LEGAL_SUFFIXES:
            suffixes.append(token)
        elif token in GENERIC_WORDS:
            generic.append(token)
        elif corrected := _misspelling(token):
            word, legal_form = corrected
            (suffixes if legal_form else generic).append(word)
        elif token not in significant:
            significant.append(token)
    return NameTokens(tuple(significant), tuple(generic), tuple(suffixes))


@lru_cache(maxsize=_NAME_MEMO_SIZE)
def name_tokens(name: str) -> tuple[NameTokens, ...]:
    """The tokens of each variant of a name (name_variants): all that screening reads of a name,
    so equal tuples screen alike ("ACME Ltd." and "acme LTD")."""
    return tuple(tokenise(variant) for variant in name_variants(name))


_PHONETIC_STEPS = (
    ("sch", "s"), ("ph", "f"), ("kh", "h"), ("gh", "g"), ("ck", "k"), ("sh", "s"), ("ch", "s"),
    ("th", "t"), ("dh", "d"), ("ou", "u"), ("q", "k"), ("c", "k"), ("z", "s"), ("x", "ks"),
    ("w", "v"), ("j", "i"), ("y", "i"),
)  # fmt: skip


def phonetic_key(token: str) -> str:
    """A consonant skeleton that transliteration variants share (mohammed, muhammad → mhmd)."""
    key = token
    for source, target in _PHONETIC_STEPS:
        key = key.replace(source, target)
    if not key:
        return ""
    first = "a" if key[0] in "aeiou" else key[0]
    body = [ch for ch in key[1:] if ch not in "aeiou"]
    collapsed = [first]
    for ch in body:
        if ch != collapsed[-1]:
            collapsed.append(ch)
    return "".join(collapsed)


_DELETION_KEYS_UP_TO = 7
"""Longer words keep a four-letter prefix or suffix intact under one typo."""


def _block_keys(token: str, phonetic: str) -> tuple[str, ...]:
    keys = [f"t:{token}", f"m:{phonetic}"]
    if len(token) >= 5:
        keys += [f"p:{token[:4]}", f"s:{token[-4:]}", f"e:{token[:2]}{token[-2:]}"]
    if len(token) >= 4:
        keys.append(f"a:{''.join(sorted(token))}")
    if 4 <= len(token) <= _DELETION_KEYS_UP_TO:
        # One letter deleted either side: a short word with one typo anywhere ("haam", "haram")
        keys.append(f"d:{token}")
        keys += [f"d:{token[:i]}{token[i + 1 :]}" for i in range(len(token))]
    return tuple(keys)


def edit_similarity(a: str, b: str) -> float:
    """1 - 0.8 x edits / length (transpositions count once): one typo in a 7-letter word keeps
    0.886, one in a 5-letter word 0.84, so a long distinctive word survives a typo alone."""
    return 1.0 - _EDIT_WEIGHT * OSA.normalized_distance(a, b)


def token_similarity(a: str, b: str, key_a: str = "", key_b: str = "") -> float:
    """0..1: equal 1; an initial for its word 0.85; same phonetic key (given or computed) and
    two thirds of the letters right ≥ 0.9; else the edit similarity (transpositions count once)."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return _INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    return _sounding(a, b, edit_similarity(a, b), key_a, key_b)


_NEAR_DISTANCE = 0.4
"""Normalised edit distance beyond which two words get no similarity: 1 - 0.8 x 0.4 = 0.68 is
below both the phonetic credit's 0.7 and the token floor (see token_similarity)."""


def _sounding(a: str, b: str, similarity: float, key_a: str, key_b: str) -> float:
    """token_similarity of two words of two letters or more, given their edit similarity."""
    if (
        similarity >= 0.7
        and min(len(a), len(b)) >= _PHONETIC_MIN_LENGTH
        and abs(len(a) - len(b)) <= 1
    ):
        same_sound = (key_a or phonetic_key(a)) == (key_b or phonetic_key(b))
        if same_sound:
            similarity = max(similarity, _PHONETIC_SIMILARITY)
    return similarity if similarity >= _TOKEN_FLOOR else 0.0


@dataclass(frozen=True, slots=True)
class ScreeningHit:
    """A party name that matched a list entry, with the score and why."""

    list_id: str
    entry_id: str
    matched_name: str
    score: float
    reason: str
    party_name: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class _IndexedName:
    entry: int
    name: str
    tokens: tuple[str, ...]
    weights: tuple[float, ...]
    removed: tuple[str, ...]
    has_initial: bool


_Postings: TypeAlias = tuple[tuple[IntArray, ...], tuple[float, ...], int]
"""What the ranking reads of a party token's similar list tokens, laid out once: each one's
postings, each one's gain (rarity x similarity) and the postings in all (looking them up for
every party was a tenth of a screening; those of the list words take ~10 MiB). Kept apart
from the similar tokens' map, in a plain tuple: the garbage collector stops tracking a tuple
of untracked objects (arrays, floats), never one holding a dict or a NamedTuple, and an index
holds one per list word."""


@dataclass(slots=True)
class _Alignment:
    """One alignment's outcome (not frozen: a frozen dataclass's __init__ sets each field
    through object.__setattr__, and one is made per candidate aligned)."""

    score: float
    evidence: float
    pairs: tuple[tuple[str, str, float], ...]
    unmatched_listed: tuple[str, ...]
    unmatched_party: tuple[str, ...]


class ScreeningIndex:
    """An immutable index over every name and alias of the loaded lists."""

    def __init__(self, entries: Iterable[ListedEntry], versions: Mapping[str, str]) -> None:
        self.entries: tuple[ListedEntry, ...] = tuple(entries)
        self.versions: Mapping[str, str] = MappingProxyType(dict(versions))
        names: list[tuple[int, str, NameTokens]] = []
        self._generic: dict[str, list[int]] = defaultdict(list)
        self._exact: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for position, entry in enumerate(self.entries):
            spellings = {
                variant: name
                for name in (entry.name, *entry.aliases)
                for variant in name_variants(name)
            }
            for variant, name in spellings.items():
                tokens = tokenise(variant)
                if tokens.significant:
                    names.append((position, name, tokens))
                    if tokens.generic:
                        self._exact[tokens.full_key].append((position, name))
                elif tokens.generic:
                    self._generic[tokens.generic_key].append(position)
        document_frequency: dict[str, int] = defaultdict(int)
        for _, _, tokens in names:
            for token in tokens.significant:
                document_frequency[token] += 1
        self._size = max(len(names), 1)
        self._idf = {
            token: math.log(1 + self._size / count) for token, count in document_frequency.items()
        }
        self._unseen_idf = math.log(1 + self._size)
        self.min_evidence = MIN_EVIDENCE_SHARE * self._unseen_idf
        postings: dict[str, list[int]] = defaultdict(list)
        indexed: list[_IndexedName] = []
        for number, (position, name, tokens) in enumerate(names):
            indexed.append(
                _IndexedName(
                    entry=position,
                    name=name,
                    tokens=tokens.significant,
                    weights=tuple(self._idf[t] for t in tokens.significant),
                    removed=tokens.suffixes + tokens.generic,
                    has_initial=any(len(t) == 1 for t in tokens.significant),
                )
            )
            for token in tokens.significant:
                postings[token].append(number)
        self._names = tuple(indexed)
        self._postings = {
            token: np.array(numbers, dtype=np.int32) for token, numbers in postings.items()
        }
        self._totals_list = [sum(name.weights) for name in indexed]
        self._totals = np.array(self._totals_list, dtype=np.float64)
        self.numpy_from = _NUMPY_POSTINGS
        """Candidates are summed with numpy from this many postings on (see _candidates)."""
        self._has_initial = np.array([name.has_initial for name in indexed], dtype=np.bool_)
        self._initials_bytes = self._has_initial.tobytes()
        self._entry_list = [name.entry for name in indexed]
        """The same as compact Python sequences for the Python ranking tail, which read each
        touched name's record for them, scattered in memory the brute-force scan evicts."""
        self._phonetic = {token: phonetic_key(token) for token in self._postings}
        blocks: dict[str, list[str]] = defaultdict(list)
        for token, sound in self._phonetic.items():
            for key in _block_keys(token, sound):
                blocks[key].append(token)
        self._blocks = {key: tuple(tokens) for key, tokens in blocks.items()}
        self._initial_blocks = frozenset(
            key for key, tokens in blocks.items() if any(len(token) == 1 for token in tokens)
        )
        self._similar_to = lru_cache(maxsize=_TOKEN_MEMO_SIZE)(self._similar_listed)
        self._listed_similar: dict[str, Mapping[str, float]] = {}
        """The similar tokens of every list word, worked out once (0.6 s and 9 MiB for the
        22,000 words of the lists): nine in ten party words are list words, and finding their
        similar words anew was a fifth of a first screening of them (0.16 -> 0.125 ms a party
        on the bench's names)."""
        self._listed_postings: dict[str, _Postings] = {}
        for token in self._postings:
            self._listed_similar[token], self._listed_postings[token] = self._similar_listed(token)

    @property
    def name_count(self) -> int:
        return len(self._names)

    def weight(self, token: str) -> float:
        return self._idf.get(token, self._unseen_idf)

    def screen(
        self, name: str, country: str = "", threshold: float = DEFAULT_THRESHOLD
    ) -> tuple[ScreeningHit, ...]:
        """Hits at or above `threshold`, best first, one per list entry."""
        return self.screen_tokens(name_tokens(name), country, threshold)

    def screen_tokens(
        self, variants: tuple[NameTokens, ...], country: str, threshold: float
    ) -> tuple[ScreeningHit, ...]:
        """screen() of a name given as name_tokens(name)."""
        best: dict[int, ScreeningHit] = {}
        for tokens in variants:
            self._screen_variant(tokens, country, threshold, best)
        return tuple(sorted(best.values(), key=lambda hit: (-hit.score, hit.list_id, hit.entry_id)))

    def _screen_variant(
        self, party: NameTokens, country: str, threshold: float, best: dict[int, ScreeningHit]
    ) -> None:
        if not party.significant:
            for position in self._generic.get(party.generic_key, ()) if party.generic else ():
                entry = self.entries[position]
                reason = f"exact match on generic name '{party.generic_key}'"
                best[position] = self._hit(entry, entry.name, 1.0, reason)
            return
        if party.generic:
            # Every word equal: the name as a whole is specific even when its one
            # significant word is common ("OIL INDUSTRY INVESTMENT COMPANY").
            for position, name in self._exact.get(party.full_key, ()):
                reason = f"exact match on '{party.full_key}'"
                best[position] = self._hit(self.entries[position], name, 1.0, reason)
        similar, postings = self._similar_tokens(party.significant)
        with_initials = any(len(token) == 1 for token in party.significant)
        candidates = self._candidates(postings, 0.0 if with_initials else threshold, country)
        if not candidates:
            return
        weights = [self.weight(token) for token in party.significant]
        similar_words = [found.keys() for found in similar]
        boost = COUNTRY_BOOST if country else 0.0
        names, totals = self._names, self._totals_list
        reach: _Reach | None = None  # made for the first candidate that gets this far
        for number, ceiling in candidates:
            indexed, total = names[number], totals[number]
            if not with_initials and not indexed.has_initial:
                ceiling = _party_side_ceiling(
                    ceiling, weights, similar_words, indexed, total, boost
                )
                if ceiling < threshold:
                    continue  # the party's words this name lacks keep it below the threshold
            previous = best.get(indexed.entry)
            if previous is not None and not with_initials and previous.score >= ceiling:
                continue  # another name of the entry already scores more than this one can
            if reach is None:
                reach = _Reach(party.significant, similar)
            evidence, most = reach.of(indexed, total)
            most += boost + 1e-9
            if (
                evidence + 1e-9 < self.min_evidence
                or most < threshold
                or (previous is not None and previous.score >= most)
            ):
                continue  # the best similarity of each listed word cannot make a hit
            alignment = self._align(party.significant, indexed, similar)
            if alignment.evidence < self.min_evidence:
                continue
            entry = self.entries[indexed.entry]
            score = alignment.score
            country_matches = bool(country) and country in entry.countries
            if country_matches and score >= COUNTRY_FLOOR:
                score = min(1.0, score + COUNTRY_BOOST)
            previous = best.get(indexed.entry)
            if score < threshold or (previous is not None and previous.score >= score):
                continue
            reason = _explain(party, indexed, alignment, country if country_matches else "")
            best[indexed.entry] = self._hit(entry, indexed.name, score, reason)

    @staticmethod
    def _hit(entry: ListedEntry, matched: str, score: float, reason: str) -> ScreeningHit:
        return ScreeningHit(entry.list_id, entry.entry_id, matched, round(score, 4), reason)

    def _similar_tokens(
        self, tokens: Sequence[str]
    ) -> tuple[list[Mapping[str, float]], list[_Postings]]:
        """Per party token, the list tokens sharing a blocking key that are similar enough, and
        their postings laid out."""
        similar: list[Mapping[str, float]] = []
        postings: list[_Postings] = []
        for token in tokens:
            found = self._listed_similar.get(token)
            if found is None:
                found, laid = self._similar_to(token)
            else:
                laid = self._listed_postings[token]
            similar.append(found)
            postings.append(laid)
        return similar, postings

    def _similar_listed(self, token: str) -> tuple[Mapping[str, float], _Postings]:
        """The list tokens similar to one party token (remembered per index, shared: read only),
        in the order the blocks name them, with their postings and gains.

        One rapidfuzz call measures the edit distance to every token sharing a block key and
        keeps the near ones (_NEAR_DISTANCE), so only those reach token_similarity's rules in
        Python: a token of two letters or more is at distance 0.5 or more of a listed initial,
        which is therefore scored apart, where a block holds initials."""
        if len(token) < 2:
            return {}, ((), (), 0)
        key = phonetic_key(token)
        blocks = _block_keys(token, key)
        listed = list(dict.fromkeys(chain.from_iterable(self._blocks.get(b, ()) for b in blocks)))
        near = process.extract(
            token, listed, scorer=OSA.normalized_distance, limit=None, score_cutoff=_NEAR_DISTANCE
        )
        scored = [
            (
                position,
                _sounding(token, other, 1.0 - _EDIT_WEIGHT * distance, key, self._phonetic[other]),
            )
            for other, distance, position in near
        ]
        if not self._initial_blocks.isdisjoint(blocks):
            scored += [
                (position, token_similarity(token, other))
                for position, other in enumerate(listed)
                if len(other) == 1
            ]
        scored.sort()
        similar = {listed[position]: value for position, value in scored if value}
        postings = tuple([self._postings[other] for other in similar])
        gains = tuple([self._idf[other] * value for other, value in similar.items()])
        return similar, (postings, gains, sum(map(len, postings)))

    def _candidates(
        self, postings: Sequence[_Postings], floor: float, country: str
    ) -> list[tuple[int, float]]:
        """Blocking: names sharing a similar token, the strongest evidence first.

        The shared evidence g bounds what alignment can match, so with the unmatched discount
        a name of total weight T scores at most sqrt(g / (d*T + (1-d)*g)); names whose bound
        is below `floor` (less COUNTRY_BOOST where the entry names the party's country) are
        not scored (names with initials are always scored). Each comes with its ceiling: the
        most it can score, its bound's square root with the country boost it may get, and a
        margin for rounding (infinite for a name with initials, whose evidence the initials do
        not show).

        A party whose similar tokens have few postings (most names) is summed in Python; one
        with many (a common word of the lists) with numpy, which costs more per call and less
        per posting. Both add the gains in the same order, so they answer alike to the bit.
        """
        if sum(size for _, _, size in postings) < self.numpy_from:
            return self._ranked_few(postings, floor, country)
        return self._ranked_many(postings, floor, country)

    def _ranked_few(
        self, postings: Sequence[_Postings], floor: float, country: str
    ) -> list[tuple[int, float]]:
        # a plain dict and get(): CPython specialises a dict's subscripts, not a defaultdict's
        evidence: dict[int, float] = {}
        known = evidence.get
        for arrays, gains, _ in postings:
            for numbers, gain in zip(arrays, gains, strict=True):
                for number in numbers.tolist():
                    evidence[number] = known(number, 0.0) + gain
        return self._ranked(evidence.items(), floor, country)

    def _ranked_many(
        self, postings: Sequence[_Postings], floor: float, country: str
    ) -> list[tuple[int, float]]:
        arrays = [numbers for token_arrays, _, _ in postings for numbers in token_arrays]
        gains = [gain for _, token_gains, _ in postings for gain in token_gains]
        weights = np.repeat(gains, [len(numbers) for numbers in arrays])
        numbers = np.concatenate(arrays)
        evidence = np.bincount(numbers, weights, minlength=len(self._names))
        # read where the postings point, not across all names: a name in several postings
        # shows as often, the dict below keeps it once
        touched = numbers[evidence[numbers] >= self.min_evidence * 0.999]
        share = _least_share(_least_floor(floor, COUNTRY_BOOST if country else 0.0))
        # a name short of the least share cannot reach the floor: _ranked reads only the rest
        kept = touched[
            (evidence[touched] >= share * self._totals[touched]) | self._has_initial[touched]
        ]
        found = dict(zip(kept.tolist(), evidence[kept].tolist(), strict=True))
        return self._ranked(found.items(), floor, country)

    def _ranked(
        self, evidence: Iterable[tuple[int, float]], floor: float, country: str
    ) -> list[tuple[int, float]]:
        """The names whose shared evidence may reach the floor, by share of their weight, with
        their ceilings (see _candidates): one tail for both sums, which kept them bit-equal
        (numpy's was a pass per step over every touched name, 0.5-1 µs a step here)."""
        discount, lowest = _UNMATCHED_DISCOUNT, self.min_evidence * 0.999
        rest = 1 - discount
        least = {boost: _least_floor(floor, boost) for boost in (0.0, COUNTRY_BOOST)}
        share = _least_share(least[COUNTRY_BOOST if country else 0.0])
        least_bound = {boost: value * value for boost, value in least.items()}
        totals, initials, entry_of = self._totals_list, self._initials_bytes, self._entry_list
        entries, sqrt = self.entries, math.sqrt
        ranked = []
        # constants hoisted and min() spelt out: a few hundred names per party pass here
        for number, gain in evidence:
            if gain < lowest:
                continue
            total = totals[number]
            if initials[number]:
                ranked.append((gain / total, number, math.inf))
                continue
            if gain < share * total:
                continue  # its bound, worked out below, would be short of the floor
            bound = gain / (discount * total + rest * (gain if gain < total else total))
            boost = (
                COUNTRY_BOOST if country and country in entries[entry_of[number]].countries else 0.0
            )
            if bound >= least_bound[boost]:
                ranked.append((gain / total, number, sqrt(bound) + boost + 1e-9))
        ranked.sort(reverse=True)
        return [(number, ceiling) for _, number, ceiling in ranked[:_MAX_CANDIDATES]]

    def _align(
        self, party: Sequence[str], listed: _IndexedName, similar: Sequence[Mapping[str, float]]
    ) -> _Alignment:
        """One-to-one token alignment, best pairs first; weighted coverage of both names."""
        scored = []
        tokens = listed.tokens
        for i, p in enumerate(party):
            if len(p) == 1 or listed.has_initial:
                for j, t in enumerate(tokens):
                    if len(p) == 1 or len(t) == 1:
                        similarity = token_similarity(p, t)
                    else:
                        similarity = similar[i].get(t, 0.0)
                    if similarity:
                        scored.append((similarity, i, j))
            else:
                found = similar[i]
                for j, t in enumerate(tokens):
                    if t in found:
                        scored.append((found[t], i, j))
        scored.sort(reverse=True)
        used_party: set[int] = set()
        used_listed: set[int] = set()
        pairs: list[tuple[str, str, float]] = []
        matched = evidence = abbreviated = 0.0
        for similarity, i, j in scored:
            if i in used_party or j in used_listed:
                continue
            used_party.add(i)
            used_listed.add(j)
            pairs.append((party[i], listed.tokens[j], similarity))
            weight = listed.weights[j]
            matched += weight * similarity
            if len(party[i]) > 1 and len(listed.tokens[j]) > 1:
                evidence += weight * similarity
            elif len(party[i]) > 1:
                # the list abbreviates a word the party spells out: the party's word stays
                # mostly unconfirmed ("Aisha KABIR" is not shown to be "A. KABIR")
                abbreviated += max(0.0, self.weight(party[i]) - weight)
        if len(pairs) == 1 and pairs[0][2] < 1.0 and min(len(pairs[0][0]), len(pairs[0][1])) > 1:
            # one token alone carries the match: a shared sound is not enough, spelling counts
            p, t, boosted = pairs[0]
            raw = edit_similarity(p, t)
            weight = listed.weights[listed.tokens.index(t)]
            matched -= weight * (boosted - raw)
            evidence -= weight * (boosted - raw)
            pairs[0] = (p, t, raw)
        if evidence < self.min_evidence:  # set aside by the caller whatever the score
            return _Alignment(0.0, evidence, tuple(pairs), (), ())
        # loops, not generators: one alignment per candidate that gets this far
        solid = 0
        for _, _, similarity in pairs:
            if similarity >= 0.8:
                solid += 1
        discount = _UNMATCHED_DISCOUNT if solid >= 2 else 1.0
        unmatched_tokens: list[str] = []
        unmatched_weight = 0.0
        for j, t in enumerate(listed.tokens):
            if j not in used_listed:
                unmatched_tokens.append(t)
                unmatched_weight += listed.weights[j]
        unmatched_party = tuple([p for i, p in enumerate(party) if i not in used_party])
        matched_weight = 0.0
        for j in used_listed:
            matched_weight += listed.weights[j]
        listed_total = matched_weight + discount * unmatched_weight
        party_weight = 0.0
        for p in unmatched_party:
            party_weight += self.weight(p)
        party_total = matched_weight + abbreviated + discount * party_weight
        unmatched_listed = tuple(unmatched_tokens)
        coverage_listed = matched / listed_total if listed_total else 0.0
        coverage_party = matched / party_total if party_total else 0.0
        return _Alignment(
            score=math.sqrt(coverage_listed * coverage_party),
            evidence=evidence,
            pairs=tuple(pairs),
            unmatched_listed=unmatched_listed,
            unmatched_party=unmatched_party,
        )


class _Reach:
    """What aligning a party name with a candidate can give at most, for a few lookups per
    listed token: most candidates that reach alignment fall short, above all those with
    initials, which the ranking cannot bound (a party word "wei" shares evidence there with
    every name holding "w", but an initial is never evidence).

    Alignment pairs a listed token at most once, at best at its highest similarity s_j with
    any party token: a whole word's with a party word (similar tokens), an initial's 1 with
    the same initial and 0.85 with a word it may abbreviate, a word's 0.85 with the party's
    initial of it. So the matched weight is at most A = sum w_j s_j, the listed coverage at
    most A / (d*T + (1-d)*A) with the least discount d, the party's at most 1, and the
    evidence, which counts whole words only, at most the sum of w_j s_j over listed words and
    their best party words. (A lone pair's phonetic credit, which alignment takes back, only
    lowers what it gives.)
    """

    __slots__ = ("initials", "letters", "words")

    def __init__(self, party: Sequence[str], similar: Sequence[Mapping[str, float]]) -> None:
        # merged a whole map at a time: party words rarely share a similar list word, so
        # only the shared ones, kept apart before the update, need their best taken
        self.words: dict[str, float] = dict(similar[0]) if similar else {}
        for found in similar[1:]:
            shared = {listed: self.words[listed] for listed in found.keys() & self.words.keys()}
            self.words.update(found)
            for listed, similarity in shared.items():
                if similarity > found[listed]:
                    self.words[listed] = similarity
        self.initials = frozenset(token for token in party if len(token) == 1)
        self.letters = {token[0]: _INITIAL_SIMILARITY for token in party if len(token) > 1}
        self.letters.update(dict.fromkeys(self.initials, 1.0))

    def of(self, listed: _IndexedName, total: float) -> tuple[float, float]:
        """The most evidence and the highest score (country boost aside) of the alignment."""
        evidence = matched = 0.0
        words, initials = self.words.get, self.initials
        for token, weight in zip(listed.tokens, listed.weights, strict=True):
            if len(token) == 1:
                matched += weight * self.letters.get(token, 0.0)
                continue
            similarity = words(token, 0.0)
            evidence += weight * similarity
            if initials and token[0] in initials and similarity < _INITIAL_SIMILARITY:
                similarity = _INITIAL_SIMILARITY
            matched += weight * similarity
        if not matched:
            return evidence, 0.0
        discount = _UNMATCHED_DISCOUNT
        return evidence, math.sqrt(matched / (discount * total + (1 - discount) * matched))


def _least_floor(floor: float, boost: float) -> float:
    """The least bound's square root a name needs to be scored (none for a floor of 0)."""
    return max(0.0, floor - boost) if floor else 0.0


def _least_share(least: float) -> float:
    """The share of a name's total weight T its gain g needs for the ranking's bound
    g / (d*T + (1-d)*min(g, T)) to reach least², less a margin for rounding: the bound grows
    with g, so a gain below this share of T is ruled out by one product instead of the bound.
    0 (no shortcut) for a least of 0 or above 1."""
    if not 0.0 < least <= 1.0:
        return 0.0
    squared, discount = least * least, _UNMATCHED_DISCOUNT
    return squared * discount / (1 - (1 - discount) * squared) * (1 - 1e-9)


def _party_side_ceiling(
    ceiling: float,
    weights: Sequence[float],
    similar_words: Sequence[KeysView[str]],
    listed: _IndexedName,
    total: float,
    boost: float,
) -> float:
    """The candidate's ceiling, lowered by what the party's side can cover.

    The ranking bounds the listed name's coverage only. A party word with no similar word in
    this name stays unmatched (alignment pairs only similar words when neither side has an
    initial), so the party's coverage is at most T / (T + d x W): T the name's total weight,
    which bounds what is matched, W the unmatched words' weight, d the least discount. The
    score is the geometric mean of both coverages; the country boost, which the ranking's
    ceiling may hold, is added back whole, so this stays an upper bound. (Bounding the matched
    weight by each listed word's best similarity too pruned 2% more and cost more than that.)
    """
    unmatched = 0.0
    tokens = listed.tokens
    for weight, found in zip(weights, similar_words, strict=True):
        if found.isdisjoint(tokens):
            unmatched += weight
    if not unmatched:
        return ceiling
    return ceiling * math.sqrt(total / (total + _UNMATCHED_DISCOUNT * unmatched)) + boost + 1e-9


def _explain(party: NameTokens, listed: _IndexedName, alignment: _Alignment, country: str) -> str:
    """A sentence an officer can check: how the names matched and what was set aside."""
    matched = " ".join(t for _, t, _ in alignment.pairs)
    exact = (
        all(similarity == 1.0 for _, _, similarity in alignment.pairs)
        and not alignment.unmatched_listed
        and not alignment.unmatched_party
        and [p for p, _, _ in alignment.pairs] == list(listed.tokens)
    )
    kind = "exact" if exact else "token-set"
    parts = [f"{kind} match on '{matched}'"]
    removed = sorted(set(party.suffixes + party.generic + listed.removed))
    if removed:
        parts[0] += " after removing " + ", ".join(f"'{word}'" for word in removed)
    variants = [
        f"'{p}' ~ '{t}'" + (" (initial)" if len(p) == 1 or len(t) == 1 else "")
        for p, t, similarity in alignment.pairs
        if similarity < 1.0
    ]
    if variants:
        parts.append("spelling variants " + ", ".join(variants))
    if alignment.unmatched_listed:
        extra = ", ".join(f"'{t}'" for t in alignment.unmatched_listed)
        parts.append(f"listed name also has {extra}")
    if alignment.unmatched_party:
        extra = ", ".join(f"'{t}'" for t in alignment.unmatched_party)
        parts.append(f"party name also has {extra}")
    if country:
        parts.append(f"country {country} matches")
    return "; ".join(parts)


class PartyScreener:
    """The current screening index; a reload builds a new index and swaps it in atomically, so a
    screening in flight finishes against the lists it started with.

    Answers are remembered (at most `memo_size`, least recently used dropped) by what they
    depend on: the name's tokens (name_tokens), the country and the threshold. The memo belongs
    to one index, i.e. to one set of list versions, and is swapped with it: a reload starts
    an empty memo, so no answer outlives the lists it was computed against.
    """

    def __init__(
        self,
        index: ScreeningIndex,
        threshold: float = DEFAULT_THRESHOLD,
        memo_size: int = MEMO_SIZE,
    ) -> None:
        self._memo_size = memo_size
        self._current = self._remembering(index)
        self._swap = threading.Lock()
        self.threshold = threshold

    def _remembering(self, index: ScreeningIndex) -> tuple[ScreeningIndex, _ScreenTokens]:
        return index, lru_cache(maxsize=self._memo_size)(index.screen_tokens)

    @classmethod
    def build(
        cls,
        entries: Iterable[ListedEntry],
        versions: Mapping[str, str],
        threshold: float = DEFAULT_THRESHOLD,
    ) -> PartyScreener:
        return cls(ScreeningIndex(entries, versions), threshold)

    @property
    def index(self) -> ScreeningIndex:
        return self._current[0]

    @property
    def versions(self) -> Mapping[str, str]:
        return self._current[0].versions

    def reload(self, entries: Iterable[ListedEntry], versions: Mapping[str, str]) -> None:
        current = self._remembering(ScreeningIndex(entries, versions))
        with self._swap:
            self._current = current

    def screen(
        self, name: str, country: str = "", threshold: float | None = None
    ) -> tuple[ScreeningHit, ...]:
        remembered = self._current[1]
        chosen = self.threshold if threshold is None else threshold
        return remembered(name_tokens(name), country, chosen)
