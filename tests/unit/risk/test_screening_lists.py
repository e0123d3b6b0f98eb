"""Screening against the real lists (../shared/data): variants must hit, innocent names not."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.reference.sanctions import load_sanctions
from clearway.risk.screening import DEFAULT_THRESHOLD, PartyScreener, _Reach, name_tokens


@pytest.fixture(scope="module")
def screener(shared_data: Path) -> PartyScreener:
    lists = load_sanctions(shared_data)
    return PartyScreener.build(lists.parties, lists.versions)


def entries(screener: PartyScreener, name: str, country: str = "") -> set[tuple[str, str]]:
    return {(hit.list_id, hit.entry_id) for hit in screener.screen(name, country)}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Joaquin GUZMAN LOERA", ("OFAC_SDN", "6861")),  # exact
        ("Loera Joaquin Guzman", ("OFAC_SDN", "6861")),  # reordered
        ("Joaquín Guzmán Loera", ("OFAC_SDN", "6861")),  # diacritics
        ("Joaqin Guzman Loera", ("OFAC_SDN", "6861")),  # typo
        ("Ismail Haniya", ("OFAC_CONS", "9639")),  # missing middle names
        ("I. Haniya", ("OFAC_CONS", "9639")),  # initial
        ("Ismael Haniyeh", ("OFAC_SDN", "23627")),  # transliteration
        ("Banco Nacional de Cuba S.A.", ("OFAC_SDN", "306")),  # suffix added
        ("Bank Melli Iran LLC", ("OFAC_SDN", "25419")),  # suffix changed
        ("Aerocaribean", ("OFAC_SDN", "36")),  # typo in a hyphenated alias
        ("Eric Badege", ("UN", "6907993")),  # UN list
    ],
)
def test_listed_variants_hit(screener: PartyScreener, name: str, expected: tuple[str, str]) -> None:
    assert expected in entries(screener, name)


def test_hit_names_list_entry_score_and_reason(screener: PartyScreener) -> None:
    hits = screener.screen("Bank Melli Iran PLC", "IR")
    hit = next(h for h in hits if h.entry_id == "25419")
    assert hit.list_id == "OFAC_SDN"
    assert DEFAULT_THRESHOLD <= hit.score <= 1.0
    assert "'plc'" in hit.reason and "bank" in hit.reason and "melli" in hit.reason
    assert set(screener.versions) == {"OFAC_SDN", "OFAC_CONS", "UN", "BIS_DPL"}


@pytest.mark.parametrize(
    "name",
    [
        "Global Trading International Ltd",
        "International Trading Company",
        "Mohammed",
        "Maria",
        "John",
        "Ali",
        "John Smith",
        "Maria Garcia",
        "Anna Müller",
        "Wang Wei",
        "Jean Dupont",
        "General Import Export Group",
    ],
)
def test_innocent_or_generic_names_do_not_hit(screener: PartyScreener, name: str) -> None:
    assert screener.screen(name) == ()


def test_candidates_summed_in_python_or_numpy_give_the_same_hits(screener: PartyScreener) -> None:
    """Few postings are summed in a loop, many with numpy: forced either way, every hit,
    score, matched name and reason is the same (the gains are added in one order)."""
    names = [
        "Joaquin GUZMAN LOERA",
        "guzman loera joaquin",
        "Ismail Haniya",
        "Maria Garcia",
        "Oil Industry Investment Company",
        "Islamic Revolutionary Guard Corps",
        "A KABIR",
        "Bank Melli",
        "Wei Wang",
        "Trading Company Limited",
    ]
    index, threshold = screener.index, screener.threshold
    default = index.numpy_from
    answers = {}
    try:
        for numpy_from in (0, 10**9):
            index.numpy_from = numpy_from
            answers[numpy_from] = [
                index.screen(name, country, threshold) for name in names for country in ("", "IR")
            ]
    finally:
        index.numpy_from = default
    assert answers[0] == answers[10**9]
    assert sum(bool(hits) for hits in answers[0]) >= 6


def test_alignment_bounds_never_fall_below_the_alignment(screener: PartyScreener) -> None:
    """Candidates are skipped on _Reach's bounds without being aligned: for every candidate of
    names with and without initials on either side, the bounds hold what alignment gives."""
    index = screener.index
    names = [
        "Joaqin Guzman Loera",
        "I. Haniya",
        "Ismael Haniyeh",
        "Wei Dubois",
        "A KABIR",
        "Aisha Kabir",
        "Sergei G Podoprigorov",
        "Ramirez Abadia Cia S C",
        "Bank Melli Iran",
        "Mohammed Ali",
    ]
    checked = 0
    for name in names:
        for party in name_tokens(name):
            similar, postings = index._similar_tokens(party.significant)
            reach = _Reach(party.significant, similar)
            for number, _ in index._candidates(postings, 0.0, ""):
                listed = index._names[number]
                evidence, most = reach.of(listed, index._totals_list[number])
                alignment = index._align(party.significant, listed, similar)
                assert alignment.evidence <= evidence + 1e-9
                if alignment.evidence >= index.min_evidence:
                    assert alignment.score <= most + 1e-9
                checked += 1
    assert checked > 500


def test_similar_words_worked_out_with_the_index_are_those_found_on_demand(
    screener: PartyScreener,
) -> None:
    """The lists' own words have their similar words worked out when the index is built (a
    party word outside the lists, on demand): built once the blocks are complete, they are
    the same words, in the same order, with the same similarities, postings and gains."""
    index = screener.index
    words = sorted(index._listed_similar)
    for word in words[:: len(words) // 300]:
        tokens, (arrays, gains, size) = index._similar_listed(word)
        assert list(index._listed_similar[word].items()) == list(tokens.items())
        built_arrays, built_gains, built_size = index._listed_postings[word]
        assert (built_gains, built_size) == (gains, size)
        assert all(a is b for a, b in zip(built_arrays, arrays, strict=True))
