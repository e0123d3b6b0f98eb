"""Screening speed and quality: `python -m clearway.risk.screening_bench [--split S] [DATA_DIR]`.

Quality: listed names are distorted the way declarations distort them (typos, reordering,
transliteration, a dropped middle name, a given name cut to its initial, a legal suffix, lost
diacritics and punctuation) and must still hit their entry; innocent consumer names, generated
with Faker across 30 locales (romanised where the locale writes another script), must not hit.

The entries are split in two halves by a hash of their list and id, and the innocent names come
from a different seed per half: matching is tuned on `--split tuning` (where `--misses` prints
what was missed and flagged) and reported on `--split evaluation`, which tuning never looks at.
Speed: queries per second of single-party screening. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from faker import Faker

from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import ListedParty, load_sanctions
from clearway.risk.screening import (
    DEFAULT_THRESHOLD,
    GENERIC_WORDS,
    LEGAL_SUFFIXES,
    PartyScreener,
    normalise,
)

LOCALES = (
    "en_US en_GB en_IN en_PK en_NG de_DE fr_FR fr_DZ es_ES es_MX it_IT pt_BR pl_PL nl_NL sv_SE"
    " tr_TR id_ID vi_VN az_AZ uz_UZ ha_NG ro_RO cs_CZ hu_HU ru_RU uk_UA bg_BG el_GR ja_JP zh_CN"
).split()
"""Locales whose names reach customs in Latin script, or in Cyrillic/Greek (which screening
transliterates); Japanese and Chinese names are taken romanised, as declarations carry them."""
PARTY_TYPES = ("individual", "entity", "unknown")
"""Who can be a party to a parcel: listed vessels and aircraft are not sampled."""
ROMANISED = ("ja_JP", "zh_CN")
SPLIT_SEEDS = {"tuning": 20261123, "evaluation": 20261124}
SWEEP = (0.84, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92)
LISTED_SAMPLE = 1500
INNOCENT_SAMPLE = 5000

_TRANSLITERATIONS = (
    ("ou", "u"), ("u", "ou"), ("kh", "h"), ("sh", "sch"), ("ph", "f"), ("y", "i"), ("j", "y"),
    ("ei", "ey"), ("ov", "off"), ("ck", "k"), ("c", "k"), ("w", "v"), ("ii", "y"), ("iy", "y"),
    ("ya", "ia"), ("yu", "iu"), ("q", "k"), ("dh", "d"), ("gh", "g"), ("aa", "a"), ("ee", "i"),
    ("mohammed", "muhammad"), ("muhammad", "mohamed"), ("mad", "med"),
)  # fmt: skip
"""Spelling differences between transliteration systems (Cyrillic, Arabic, Persian, Chinese)."""


def _transliterated(rng: random.Random, tokens: list[str]) -> str | None:
    """The name as another transliteration system spells one of its own words (legal forms and
    generic trade words are translated, not transliterated)."""
    options = [
        (index, source, target)
        for index, token in enumerate(tokens)
        for source, target in _TRANSLITERATIONS
        if len(token) >= 4
        and source in token
        and token not in LEGAL_SUFFIXES
        and token not in GENERIC_WORDS
    ]
    if not options:
        return None
    index, source, target = rng.choice(options)
    changed = list(tokens)
    changed[index] = tokens[index].replace(source, target, 1)
    return " ".join(changed)


def _legal_form_length(tokens: list[str]) -> int:
    """How many of the last tokens are the legal form ("s a de c v"): it stays at the end."""
    count = 0
    for token in reversed(tokens):
        if token in LEGAL_SUFFIXES or token == "de" or len(token) == 1:
            count += 1
        else:
            break
    return count


def distort(rng: random.Random, party: ListedParty, kind: str) -> str | None:
    """One realistic distortion of a listed name, or None when it does not apply."""
    name = party.display_name
    tokens = normalise(name).split()
    if kind == "reordered":
        form = _legal_form_length(tokens)
        words = tokens[: len(tokens) - form]
        return " ".join([*reversed(words), *tokens[len(words) :]]) if len(words) > 1 else None
    if kind == "dropped middle name":
        if party.party_type != "individual" or len(tokens) < 3:
            return None
        return " ".join(tokens[:1] + tokens[2:])
    if kind == "initial for a given name":
        if party.party_type != "individual" or len(tokens) < 2 or len(tokens[0]) < 2:
            return None
        return " ".join([f"{tokens[0][0]}.", *tokens[1:]])
    if kind == "suffix added":
        return f"{name} Ltd"
    if kind == "lower case, no punctuation":
        return normalise(name)
    if kind == "transliteration":
        return _transliterated(rng, tokens)
    longest = max(range(len(tokens)), key=lambda i: len(tokens[i]), default=None)
    if longest is None or len(tokens[longest]) < 5:
        return None
    word = tokens[longest]
    at = rng.randrange(1, len(word) - 1)
    edits = {
        "typo: swapped letters": word[:at] + word[at + 1] + word[at] + word[at + 2 :],
        "typo: dropped letter": word[:at] + word[at + 1 :],
        "typo: doubled letter": word[:at] + word[at] + word[at:],
    }
    tokens[longest] = edits[kind]
    return " ".join(tokens)


KINDS = (
    "reordered",
    "dropped middle name",
    "initial for a given name",
    "suffix added",
    "lower case, no punctuation",
    "transliteration",
    "typo: swapped letters",
    "typo: dropped letter",
    "typo: doubled letter",
)


def in_split(party: ListedParty, split: str) -> bool:
    """Half of the entries, fixed by a hash of the list and id, for each split."""
    digest = hashlib.sha256(f"{party.list_id}:{party.entry_id}".encode()).digest()
    return (digest[0] % 2 == 0) == (split == "tuning")


def innocent_names(seed: int, count: int) -> list[str]:
    """Consumer names across LOCALES (an equal share each), reproducible from the seed."""
    makers: list[Callable[[], str]] = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        makers.append(fake.romanized_name if locale in ROMANISED else fake.name)
    return [makers[n % len(makers)]() for n in range(count)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, help="reference data directory")
    parser.add_argument("--split", choices=sorted(SPLIT_SEEDS), default="evaluation")
    parser.add_argument("--misses", action="store_true", help="print missed and flagged names")
    parser.add_argument(
        "--sweep", action="store_true", help="recall and flagged share at other thresholds"
    )
    args = parser.parse_args(argv)
    seed = SPLIT_SEEDS[args.split]
    rng = random.Random(seed)
    started = time.perf_counter()
    lists = load_sanctions(args.data_dir or resolve_data_dir(None))
    loaded = time.perf_counter()
    screener = PartyScreener.build(lists.parties, lists.versions)
    indexed = time.perf_counter()
    print(
        f"lists: {len(lists)} entries loaded in {loaded - started:.2f} s,"
        f" {screener.index.name_count} names indexed in {indexed - loaded:.2f} s"
    )
    print(f"split: {args.split} (seed {seed})")

    candidates = [
        p
        for p in lists.parties
        if p.party_type in PARTY_TYPES and len(normalise(p.name)) >= 6 and in_split(p, args.split)
    ]
    sample = rng.sample(candidates, min(LISTED_SAMPLE, len(candidates)))
    found = total = 0
    per_kind: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}
    missed: list[str] = []
    listed_scores: list[float] = []
    for party in sample:
        kind = rng.choice(KINDS)
        query = distort(rng, party, kind)
        if query is None:
            continue
        own = [
            h.score
            for h in screener.screen(query, threshold=SWEEP[0])
            if h.entry_id == party.entry_id and h.list_id == party.list_id
        ]
        listed_scores.append(max(own, default=0.0))
        hit = listed_scores[-1] >= DEFAULT_THRESHOLD
        found += hit
        total += 1
        per_kind[kind][0] += hit
        per_kind[kind][1] += 1
        if not hit:
            missed.append(
                f"  [{kind}] {query!r} for {party.display_name!r} (score {listed_scores[-1]})"
            )
    print(f"recall at threshold {DEFAULT_THRESHOLD}: {found}/{total} = {found / total:.2%}")
    for kind, (hits, count) in per_kind.items():
        print(f"  {kind:28s} {hits}/{count}")

    innocents = innocent_names(seed, INNOCENT_SAMPLE)
    flagged = [name for name in innocents if screener.screen(name)]
    print(
        f"innocent consumer names flagged: {len(flagged)}/{len(innocents)}"
        f" = {len(flagged) / len(innocents):.2%}"
    )
    if args.sweep:
        innocent_scores = [
            max((h.score for h in screener.screen(name, threshold=SWEEP[0])), default=0.0)
            for name in innocents
        ]
        for threshold in SWEEP:
            recall = sum(score >= threshold for score in listed_scores) / len(listed_scores)
            share = sum(score >= threshold for score in innocent_scores) / len(innocent_scores)
            print(
                f"  threshold {threshold:.2f}: recall {recall:.2%}, innocents flagged {share:.2%}"
            )
    if args.misses:
        print("missed:", *missed, sep="\n")
        for name in flagged:
            top = screener.screen(name)[0]
            print(f"  flagged {name!r} ~ {top.matched_name!r} {top.score}: {top.reason}")

    queries = [*innocents, *(p.display_name for p in sample)]
    started = time.perf_counter()
    for query in queries:
        screener.screen(query)
    elapsed = time.perf_counter() - started
    print(
        f"speed: {len(queries)} queries in {elapsed:.2f} s = {len(queries) / elapsed:,.0f}"
        f" queries/s, {elapsed / len(queries) * 1000:.3f} ms per party"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
