"""Sanctions lists: counts from the data README, known records, one shape across four formats."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from clearway.reference.countries import country_code
from clearway.reference.sanctions import (
    BIS_DPL,
    OFAC_CONS,
    OFAC_SDN,
    PARTY_TYPES,
    UN,
    SanctionsLists,
    reorder_last_first,
)

#: Country names in the real lists that deliberately map to no ISO code.
UNMAPPED_NAMES = {
    "undetermined",  # OFAC
    "None Identified",  # OFAC vessel flag
    "Region: Kafia Kingi",  # OFAC: disputed between Sudan and South Sudan
    "Netherlands Antilles",  # OFAC: dissolved in 2010, no successor code
    "former Soviet Union",  # UN nationality
    "na",  # UN: not available
    "NM",  # BIS: not an ISO code
}


@pytest.mark.shared_data
def test_real_counts(real_sanctions: SanctionsLists) -> None:
    assert len(real_sanctions.by_list(OFAC_SDN)) == 8976
    assert len(real_sanctions.by_list(OFAC_CONS)) == 442
    un_types = Counter(p.party_type for p in real_sanctions.by_list(UN))
    assert un_types == {"individual": 730, "entity": 273}
    assert len(real_sanctions.by_list(BIS_DPL)) == 581
    assert len(real_sanctions) == 8976 + 442 + 1003 + 581
    sdn_types = Counter(p.party_type for p in real_sanctions.by_list(OFAC_SDN))
    assert sdn_types == {"individual": 4620, "entity": 3673, "vessel": 406, "aircraft": 277}
    assert {p.party_type for p in real_sanctions} <= set(PARTY_TYPES)


@pytest.mark.shared_data
def test_real_versions(real_sanctions: SanctionsLists) -> None:
    versions = real_sanctions.versions
    assert set(versions) == {OFAC_SDN, OFAC_CONS, UN, BIS_DPL}
    assert versions[OFAC_SDN].startswith("ofac_sdn_2021-07_watchman-bench.csv@")
    assert "dateGenerated=2026-02-27T00:00:09.554Z" in versions[UN]


@pytest.mark.shared_data
def test_real_ofac_records(real_sanctions: SanctionsLists) -> None:
    bank = real_sanctions.get(OFAC_SDN, "306")
    assert bank is not None
    assert bank.name == "BANCO NACIONAL DE CUBA" and bank.party_type == "entity"
    assert "NATIONAL BANK OF CUBA" in bank.aliases
    assert bank.programs == ("CUBA",) and "CH" in bank.countries
    person = real_sanctions.get(OFAC_SDN, "4325")
    assert person is not None and person.name == "GALINDO HERRERA, Diego Alexander"
    assert person.display_name == "Diego Alexander GALINDO HERRERA"
    assert person.display_name in person.aliases
    assert person.countries == ("CO",) and person.programs == ("SDNT",)
    multi = [p for p in real_sanctions.by_list(OFAC_SDN) if len(p.programs) > 2]
    assert multi and all("]" not in prog and "[" not in prog for p in multi for prog in p.programs)
    haniya = real_sanctions.get(OFAC_CONS, "9639")
    assert haniya is not None and "HANIYYA, Ismaeel" in haniya.aliases
    assert haniya.programs == ("NS-PLC",)


@pytest.mark.shared_data
def test_real_un_and_dpl_records(real_sanctions: SanctionsLists) -> None:
    badege = real_sanctions.get(UN, "6907993")
    assert badege is not None and badege.name == "ERIC BADEGE"
    assert badege.reference == "CDi.001" and badege.programs == ("DRC",)
    assert badege.countries == ("CD", "RW")
    adf = real_sanctions.get(UN, "6908402")
    assert adf is not None and adf.party_type == "entity" and "NALU" in adf.aliases
    elashi = [p for p in real_sanctions.by_list(BIS_DPL) if p.name.startswith("IHSAN MEDHAT")]
    assert len(elashi) == 3  # one row per address
    assert elashi[0].aliases == ("IHSAN MEDHAT ELASHI",) and elashi[0].countries == ("US",)


@pytest.mark.shared_data
def test_real_country_names_all_mapped(real_dir: Path) -> None:
    folder = real_dir / "sanctions"
    names: set[str] = set()
    for pattern, column in (("ofac_add_*.csv", 4), ("ofac_consolidated_nonsdn_add.csv", 4)):
        for path in folder.glob(pattern):
            with path.open(encoding="utf-8", newline="") as handle:
                names |= {r[column].strip() for r in csv.reader(handle) if len(r) > column}
    with next(folder.glob("ofac_sdn_*.csv")).open(encoding="utf-8", newline="") as handle:
        names |= {r[9].strip() for r in csv.reader(handle) if len(r) > 9}
    root = ET.parse(folder / "un_consolidated_list.xml").getroot()
    names |= {v.text.strip() for n in root.iter("NATIONALITY") for v in n if v.text}
    for tag in ("INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
        names |= {c.text.strip() for a in root.iter(tag) for c in a.iter("COUNTRY") if c.text}
    with next(folder.glob("bis_denied_persons_list*.txt")).open(encoding="utf-8") as handle:
        names |= {r["Country"] for r in csv.DictReader(handle, delimiter="\t")}
    names -= {"", "-0-"}
    assert len(names) > 150
    assert {name for name in names if country_code(name) is None} == UNMAPPED_NAMES


def test_reorder_last_first() -> None:
    assert reorder_last_first("HANIYA, Ismail Abdul Salah") == "Ismail Abdul Salah HANIYA"
    assert reorder_last_first("DELOS REYES, Feliciano, Jr.") == "DELOS REYES, Feliciano, Jr."
    assert reorder_last_first("ABU ZUBAYDAH") == "ABU ZUBAYDAH"


def test_starter_lists(starter_sanctions: SanctionsLists) -> None:
    counts = {
        list_id: len(starter_sanctions.by_list(list_id))
        for list_id in (OFAC_SDN, OFAC_CONS, UN, BIS_DPL)
    }
    assert counts == {OFAC_SDN: 10, OFAC_CONS: 2, UN: 3, BIS_DPL: 3}
    person = starter_sanctions.get(OFAC_SDN, "90001")
    assert person is not None and person.party_type == "individual"
    assert person.display_name == "Osric Tamblyn BRACKENWOLD"
    assert "BRACKENVOLD, Ozrik Tamblin" in person.aliases and person.countries == ("IR",)
    types = {p.party_type for p in starter_sanctions.by_list(OFAC_SDN)}
    assert types == {"individual", "entity", "vessel", "aircraft"}
    vessel = starter_sanctions.get(OFAC_SDN, "90003")
    assert vessel is not None and vessel.countries == ("PA",)
    un_person = starter_sanctions.get(UN, "99000001")
    assert un_person is not None and un_person.countries == ("SY", "TR")
    assert all("invented" in p.remarks.lower() for p in starter_sanctions.by_list(UN))
    assert starter_sanctions.versions[UN].startswith("un_consolidated_list.xml dateGenerated=")
