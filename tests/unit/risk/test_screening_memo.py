"""The screener remembers answers per normalised name, country and threshold, per loaded lists."""

from __future__ import annotations

import pytest
from test_screening_matching import ENTRIES, FILLER, Entry

from clearway.risk.screening import (
    NameTokens,
    PartyScreener,
    ScreeningHit,
    ScreeningIndex,
    name_tokens,
    normalise,
)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The generic keys of the name variants the index actually scores."""
    scored: list[str] = []
    original = ScreeningIndex._screen_variant

    def counting(
        self: ScreeningIndex,
        party: NameTokens,
        country: str,
        threshold: float,
        best: dict[int, ScreeningHit],
    ) -> None:
        scored.append(party.full_key)
        original(self, party, country, threshold, best)

    monkeypatch.setattr(ScreeningIndex, "_screen_variant", counting)
    return scored


def test_a_repeated_party_is_scored_once_with_the_same_hits(counted: list[str]) -> None:
    s = PartyScreener.build([*ENTRIES, *FILLER], {"UN": "v1"})
    first = s.screen("Eric Badege", "CD")
    assert first and first == s.index.screen("Eric Badege", "CD", s.threshold)
    counted.clear()
    # the same name in another case and punctuation normalises alike: answered from memory
    assert s.screen("ERIC  badege.", "CD") == first
    assert counted == []
    # the country and the threshold change the answer, so they are part of the key
    s.screen("Eric Badege", "FR")
    s.screen("Eric Badege", "CD", threshold=0.95)
    assert len(counted) == 2


def test_a_reload_forgets_the_answers_of_the_old_lists() -> None:
    s = PartyScreener.build([*ENTRIES, *FILLER], {"UN": "v1"})
    assert s.screen("New Person Listed") == ()
    s.reload([Entry("UN", "9", "NEW PERSON LISTED"), *FILLER], {"UN": "v2"})
    assert [h.entry_id for h in s.screen("New Person Listed")] == ["9"]
    assert s.screen("Eric Badege") == ()


def test_answers_stay_right_when_the_memo_drops_old_ones() -> None:
    s = PartyScreener(ScreeningIndex([*ENTRIES, *FILLER], {"UN": "v1"}), memo_size=2)
    answers = {name: s.screen(name) for name in ("Eric Badege", "Bank Melli", "Jose Munoz")}
    assert answers == {name: s.index.screen(name, "", s.threshold) for name in answers}


def test_ascii_names_skip_unicode_folding_with_the_same_result() -> None:
    assert normalise("O'Brien-Smith  & Co.") == "obrien smith co"
    assert normalise("Müller KELVIN \u212a") == "muller kelvin k"  # Kelvin sign lowers to ASCII
    assert name_tokens("AERO-CARIBBEAN") == name_tokens("aero-caribbean")
    assert len(name_tokens("AERO-CARIBBEAN")) == 2  # the name and its joined variant
