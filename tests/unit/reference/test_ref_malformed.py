"""Missing or malformed files raise ReferenceDataError naming the file and the line or record."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from clearway.reference import ReferenceDataError
from clearway.reference.classification_refs import load_search_references
from clearway.reference.duty_oracles import load_worked_lines
from clearway.reference.fx import load_rates
from clearway.reference.hs import load_nomenclature
from clearway.reference.origin_rules import load_psr
from clearway.reference.sanctions import load_sanctions
from clearway.reference.tariff import load_tariff

HS = Path("hs/harmonized-system-2022.csv")
TARIFF = Path("tariff/global-uk-tariff-2021-with-eu-cet.csv")
FX = Path("fx/eurofxref-hist.csv")
SDN = Path("sanctions/ofac_sdn_starter.csv")
ALT = Path("sanctions/ofac_alt_starter.csv")
UN_XML = Path("sanctions/un_consolidated_list.xml")
DPL = Path("sanctions/bis_denied_persons_list_starter.txt")
PSR = Path("origin/uk_psr_eu.json")
SEARCH = Path("classification_refs/uk-search-references.json")


@pytest.fixture
def data(tmp_path: Path, starter_dir: Path) -> Path:
    """A writable copy of the starter set."""
    target = tmp_path / "data"
    shutil.copytree(starter_dir, target)
    return target


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = text
    write_lines(path, lines)


def raises_at(load: Callable[[], object], relative: Path, line: int | None, match: str) -> None:
    with pytest.raises(ReferenceDataError, match=match) as raised:
        load()
    assert raised.value.path.as_posix().endswith(relative.as_posix())
    assert raised.value.line == line
    where = f"{relative.name}:{line}" if line is not None else relative.name
    assert where in str(raised.value)


def test_missing_files(data: Path) -> None:
    (data / HS).unlink()
    raises_at(lambda: load_nomenclature(data), HS, None, "file not found")
    (data / SDN).unlink()
    raises_at(lambda: load_sanctions(data), Path("sanctions/ofac_sdn_*.csv"), None, "not found")
    raises_at(
        lambda: load_worked_lines(data),
        Path("uk_duty_calculator_worked_lines.csv"),
        None,
        "file not found",
    )


def test_hs_bad_level_and_header(data: Path) -> None:
    replace_line(data / HS, 5, "II,090122,Decaf coffee,0901,4")
    raises_at(lambda: load_nomenclature(data), HS, 5, "does not match level")
    replace_line(data / HS, 1, "section,code,description,parent,level")
    raises_at(lambda: load_nomenclature(data), HS, 1, "missing column")


def test_hs_missing_parent(data: Path) -> None:
    lines = (data / HS).read_text(encoding="utf-8").splitlines()
    write_lines(data / HS, lines[:2] + lines[3:])  # drop heading 0901, keep its subheadings
    raises_at(lambda: load_nomenclature(data), HS, 3, "parent 0901 of 090111 is missing")
    replace_line(data / HS, 3, "II,090111,Coffee beans,0909,6")
    raises_at(lambda: load_nomenclature(data), HS, 3, "inconsistent parent '0909'")


def test_tariff_errors_report_physical_lines(data: Path) -> None:
    path = data / TARIFF
    lines = path.read_text(encoding="utf-8").splitlines()
    two_lines = '"Green coffee,\nin two lines"'
    lines[1] = lines[1].replace('"Green coffee beans, with caffeine"', two_lines)
    lines[2] = lines[2].replace(",False,False,False,False", ",Maybe,False,False,False")
    write_lines(path, lines)
    raises_at(lambda: load_tariff(data), TARIFF, 4, "expected True or False")
    lines[2] = "0901210,Short code,7.5%,6.0%,Simplified,False,False,False,False"
    write_lines(path, lines)
    raises_at(lambda: load_tariff(data), TARIFF, 4, "not 8 or 10 digits")
    lines[2] = "09012100,Too few fields,7.5%"
    write_lines(path, lines)
    raises_at(lambda: load_tariff(data), TARIFF, 4, "expected 9 fields, found 3")


def test_tariff_undecodable_byte(data: Path) -> None:
    path = data / TARIFF
    raw = path.read_bytes().split(b"\n")
    raw[4] = raw[4].replace(b"Green", b"Gr\xffen")
    path.write_bytes(b"\n".join(raw))
    raises_at(lambda: load_tariff(data), TARIFF, 5, "not valid utf-8")


def test_fx_bad_values(data: Path) -> None:
    rates = "162.90,0.8480,4.26,10.95,0.934,1.76,1.565,8.16,1.465,"
    replace_line(data / FX, 3, f"2025-05-08,1.12.80,{rates}")
    raises_at(lambda: load_rates(data), FX, 3, "USD: not a number")
    replace_line(data / FX, 3, f"2025-13-08,1.1280,{rates}")
    raises_at(lambda: load_rates(data), FX, 3, "bad date")
    replace_line(data / FX, 3, "2025-05-08,1.1280,")
    raises_at(lambda: load_rates(data), FX, 3, "expected 12 fields")


def test_ofac_alias_of_unknown_entry(data: Path) -> None:
    path = data / ALT
    content = path.read_bytes().removesuffix(b"\x1a")  # keep the DOS end-of-file marker last
    path.write_bytes(content + b'12345,1,"aka","NOBODY",-0- \r\n\x1a')
    raises_at(lambda: load_sanctions(data), ALT, 10, "alias of unknown entry 12345")


def test_ofac_short_record(data: Path) -> None:
    replace_line(data / SDN, 2, '90002,"NAME ONLY"')
    raises_at(lambda: load_sanctions(data), SDN, 2, "expected 12 fields, found 2")


def test_two_files_match_one_list(data: Path) -> None:
    shutil.copy(data / SDN, data / "sanctions" / "ofac_sdn_other.csv")
    with pytest.raises(ReferenceDataError, match="more than one file matches"):
        load_sanctions(data)


def test_un_malformed_xml_and_dtd(data: Path) -> None:
    path = data / UN_XML
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</FIRST_NAME>", "</FIRST>", 1), encoding="utf-8")
    raises_at(lambda: load_sanctions(data), UN_XML, 8, "malformed XML")
    path.write_text(
        text.replace(
            "<CONSOLIDATED_LIST",
            '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<CONSOLIDATED_LIST',
            1,
        ),
        encoding="utf-8",
    )
    raises_at(lambda: load_sanctions(data), UN_XML, None, "DTDs")
    path.write_text(text.replace("<DATAID>99000002</DATAID>", "", 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"\[INDIVIDUAL #2\]: entry has no DATAID"):
        load_sanctions(data)


def test_dpl_bad_header(data: Path) -> None:
    replace_line(data / DPL, 1, "Name\tAddress")
    raises_at(lambda: load_sanctions(data), DPL, 1, "header must be")


def test_psr_bad_json_and_bad_range(data: Path) -> None:
    path = data / PSR
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"valid": true', '"valid": tru', 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"uk_psr_eu.json:\d+: malformed JSON"):
        load_psr(data, PSR.name)
    path.write_text(text.replace('"min": "0901000000"', '"min": "09010"', 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"\[rule_sets\[0\]\]: bad code range"):
        load_psr(data, PSR.name)


def test_search_reference_bad_code(data: Path) -> None:
    path = data / SEARCH
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"9304000000"', '"930400000"', 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"\[air rifles\]: code '930400000'"):
        load_search_references(data)
