"""HS 2022 nomenclature loader: counts from the data README, hierarchy, starter consistency."""

from __future__ import annotations

import pytest

from clearway.reference.hs import HsEntry, Nomenclature


@pytest.mark.shared_data
def test_real_counts_match_readme(real_hs: Nomenclature) -> None:
    assert len(real_hs.chapters()) == 97
    assert len(real_hs.headings()) == 1229
    assert len(real_hs.subheadings()) == 5613
    assert len(real_hs) == 97 + 1229 + 5613
    assert len(real_hs.sections) == 21


@pytest.mark.shared_data
def test_real_known_entries_and_hierarchy(real_hs: Nomenclature) -> None:
    horses = real_hs.get("010121")
    assert horses == HsEntry(
        code="010121",
        description="Horses; live, pure-bred breeding animals",
        parent="0101",
        level=6,
        section="I",
    )
    assert [e.code for e in real_hs.ancestors("010121")] == ["01", "0101"]
    assert [e.code for e in real_hs.ancestors("0101")] == ["01"]
    assert real_hs.ancestors("01") == ()
    chapter = real_hs.get("01")
    assert chapter is not None and chapter.parent == "" and chapter.level == 2
    assert real_hs.exists("6109") and real_hs.exists("610910") and real_hs.exists("61")
    assert not real_hs.exists("610900") and not real_hs.exists("TOTAL")
    assert real_hs.get("851713") is not None  # smartphones: new in HS 2022
    assert real_hs.section_name("XI") == "Textiles and textile articles"
    assert real_hs.section_name("XXII") is None
    assert [e.code for e in real_hs.children("0902")] == [
        "090210",
        "090220",
        "090230",
        "090240",
    ]


@pytest.mark.shared_data
def test_real_chapter_99_has_no_section(real_hs: Nomenclature) -> None:
    # The source marks chapter 99 with the sentinel section "TOTAL"; it is loaded as "".
    unspecified = real_hs.get("999999")
    assert real_hs.get("99") is not None
    assert unspecified is not None and unspecified.section == ""


@pytest.mark.shared_data
def test_starter_entries_agree_with_hs_2022(
    starter_hs: Nomenclature, real_hs: Nomenclature
) -> None:
    for entry in starter_hs:
        real = real_hs.get(entry.code)
        assert real is not None, entry.code
        assert (real.parent, real.level, real.section) == (entry.parent, entry.level, entry.section)


def test_starter_set_loads(starter_hs: Nomenclature) -> None:
    assert 110 <= len(starter_hs) <= 160
    chapters = {e.code for e in starter_hs.chapters()}
    parcel_chapters = {"09", "21", "33", "42", "49", "61", "62", "64", "71", "84", "85", "91", "95"}
    assert parcel_chapters <= chapters
    assert starter_hs.get("851713") is not None
    assert [e.code for e in starter_hs.ancestors("640411")] == ["64", "6404"]
    assert {e.level for e in starter_hs.subheadings()} == {6}
    assert [e.code for e in starter_hs.under("6404")] == ["6404", "640411", "640419"]
