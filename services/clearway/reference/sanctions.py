"""Sanctions and denied-party lists (OFAC SDN, OFAC consolidated non-SDN, UN, BIS DPL) in one shape.

Risk screens every party of a declaration against all lists, so each list's format is read into
the same ListedParty record: name as listed, aliases (including reordered "First LAST" forms of
OFAC's "LAST, First"), party type, ISO countries and programmes, plus a per-list version string
so a screening decision names the list it was made against.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from clearway.reference._io import csv_records, decode, digest, expect_fields, read_bytes
from clearway.reference.countries import country_code
from clearway.reference.errors import ReferenceDataError

OFAC_SDN = "OFAC_SDN"
OFAC_CONS = "OFAC_CONS"
UN = "UN"
BIS_DPL = "BIS_DPL"
LIST_IDS = (OFAC_SDN, OFAC_CONS, UN, BIS_DPL)
PARTY_TYPES = ("individual", "entity", "vessel", "aircraft", "unknown")

SANCTIONS_DIR = Path("sanctions")
#: File name patterns (glob) per list file, so a dated export can replace another.
OFAC_SDN_FILES = ("ofac_sdn_*.csv", "ofac_alt_*.csv", "ofac_add_*.csv")
OFAC_CONS_FILES = (
    "ofac_consolidated_nonsdn_prim.csv",
    "ofac_consolidated_nonsdn_alt.csv",
    "ofac_consolidated_nonsdn_add.csv",
)
UN_FILE = "un_consolidated_list.xml"
BIS_DPL_FILE = "bis_denied_persons_list*.txt"

_OFAC_NULL = "-0-"
_OFAC_TYPES = {"individual": "individual", "vessel": "vessel", "aircraft": "aircraft", "": "entity"}
_NATIONALITY_RE = re.compile(
    r"\b(?:nationality of registration|nationality|citizen)\s+(?:possibly\s+)?"
    r"([^;()]+?)\s*(?=;|\.\s|\.$|\(|$)",
    re.IGNORECASE,
)
_NICKNAME_RE = re.compile(r'\s*"[^"]*"\s*')


@dataclass(frozen=True, slots=True)
class ListedParty:
    """One listed person, entity, vessel or aircraft.

    `entry_id` is the list's own identifier (OFAC ent_num, UN DATAID, BIS DPL line number);
    `reference` is the UN reference number (e.g. "CDi.001") where the list has one.
    """

    list_id: str
    entry_id: str
    name: str
    aliases: tuple[str, ...]
    party_type: str
    countries: tuple[str, ...]
    programs: tuple[str, ...]
    remarks: str
    reference: str = ""

    @property
    def display_name(self) -> str:
        """The name in reading order: OFAC's "LAST, First" for individuals becomes "First LAST"."""
        if self.list_id in (OFAC_SDN, OFAC_CONS) and self.party_type == "individual":
            return reorder_last_first(self.name)
        return self.name


#: What each per-format loader returns: the parties and the list's version string.
LoadedList = tuple[tuple[ListedParty, ...], str]


class SanctionsLists:
    """All loaded lists; immutable once built."""

    __slots__ = ("_by_key", "_by_list", "parties", "versions")

    def __init__(self, parties: Iterable[ListedParty], versions: Mapping[str, str]) -> None:
        self.parties = tuple(parties)
        by_list: dict[str, list[ListedParty]] = {list_id: [] for list_id in LIST_IDS}
        for party in self.parties:
            by_list.setdefault(party.list_id, []).append(party)
        self._by_list = {list_id: tuple(items) for list_id, items in by_list.items()}
        self._by_key = {(p.list_id, p.entry_id): p for p in self.parties}
        self.versions: Mapping[str, str] = MappingProxyType(dict(versions))

    def __len__(self) -> int:
        return len(self.parties)

    def __iter__(self) -> Iterator[ListedParty]:
        return iter(self.parties)

    def by_list(self, list_id: str) -> tuple[ListedParty, ...]:
        """The parties of one list ('OFAC_SDN', 'OFAC_CONS', 'UN', 'BIS_DPL')."""
        return self._by_list.get(list_id, ())

    def get(self, list_id: str, entry_id: str) -> ListedParty | None:
        """One entry by list and entry id."""
        return self._by_key.get((list_id, entry_id))


def reorder_last_first(name: str) -> str:
    """'LAST, First Middle' -> 'First Middle LAST'; names without exactly one comma unchanged."""
    last, sep, first = name.partition(",")
    if not sep or "," in first or not first.strip() or not last.strip():
        return name
    return f"{first.strip()} {last.strip()}"


def _unique(values: Iterable[str], exclude: str = "") -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value != exclude:
            seen.setdefault(value, None)
    return tuple(seen)


def _codes(names: Iterable[str]) -> tuple[str, ...]:
    return _unique(code for name in names if (code := country_code(name)))


def _find_one(directory: Path, pattern: str) -> Path:
    matches = sorted(directory.glob(pattern))
    if not matches:
        raise ReferenceDataError(directory / pattern, "file not found")
    if len(matches) > 1:
        names = ", ".join(m.name for m in matches)
        raise ReferenceDataError(directory / pattern, f"more than one file matches: {names}")
    return matches[0]


def _ofac_field(value: str) -> str:
    value = value.strip()
    return "" if value == _OFAC_NULL else value


def _ofac_rows(path: Path, fields: int) -> tuple[list[tuple[int, list[str]]], bytes]:
    data = read_bytes(path)
    rows = []
    for line, row in csv_records(path, decode(path, data)):
        expect_fields(path, line, row, fields)
        row = [_ofac_field(value) for value in row]
        if not row[0].isdigit():
            raise ReferenceDataError(path, f"ent_num {row[0]!r} is not a number", line=line)
        rows.append((line, row))
    return rows, data


def load_ofac(primary: Path, aliases: Path, addresses: Path, list_id: str) -> LoadedList:
    """Read an OFAC legacy CSV triple (primary, alt, add; no header, '-0-' = empty).

    Returns the parties and a version string (primary file name and a hash of the three files).
    """
    prim_rows, prim_data = _ofac_rows(primary, 12)
    alt_rows, alt_data = _ofac_rows(aliases, 5)
    add_rows, add_data = _ofac_rows(addresses, 6)
    known = {row[0] for _, row in prim_rows}
    alt_names: dict[str, list[str]] = {}
    for line, row in alt_rows:
        if row[0] not in known:
            raise ReferenceDataError(aliases, f"alias of unknown entry {row[0]}", line=line)
        alt_names.setdefault(row[0], []).append(row[3])
    countries: dict[str, list[str]] = {}
    for line, row in add_rows:
        if row[0] not in known:
            raise ReferenceDataError(addresses, f"address of unknown entry {row[0]}", line=line)
        countries.setdefault(row[0], []).append(row[4])
    parties = []
    seen: set[str] = set()
    for line, row in prim_rows:
        ent_num, name, sdn_type, program = row[0], row[1], row[2].lower(), row[3]
        if ent_num in seen:
            raise ReferenceDataError(primary, f"ent_num {ent_num} repeated", line=line)
        seen.add(ent_num)
        if not name:
            raise ReferenceDataError(primary, "entry has no name", line=line, record=ent_num)
        if sdn_type not in _OFAC_TYPES:
            raise ReferenceDataError(primary, f"unknown type {sdn_type!r}", line=line)
        party_type = _OFAC_TYPES[sdn_type]
        remarks = row[11]
        names = alt_names.get(ent_num, [])
        if party_type == "individual":
            names = [*names, *(reorder_last_first(n) for n in (name, *names))]
        country_names = [*countries.get(ent_num, []), row[9]]
        country_names += [m.group(1) for m in _NATIONALITY_RE.finditer(remarks)]
        parties.append(
            ListedParty(
                list_id=list_id,
                entry_id=ent_num,
                name=name,
                aliases=_unique(names, exclude=name),
                party_type=party_type,
                countries=_codes(country_names),
                programs=_unique(p.strip(" []") for p in program.split("] [")),
                remarks=remarks,
            )
        )
    version = f"{primary.name}@{digest(prim_data + alt_data + add_data)}"
    return tuple(parties), version


def _text(element: ET.Element, tag: str) -> str:
    return " ".join((element.findtext(tag) or "").split())


def _un_party(element: ET.Element, kind: str, path: Path, index: int) -> ListedParty:
    data_id = _text(element, "DATAID")
    if not data_id:
        raise ReferenceDataError(path, "entry has no DATAID", record=f"{kind} #{index}")
    if kind == "INDIVIDUAL":
        parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
        name = " ".join(p for p in (_text(element, tag) for tag in parts) if p)
        country_names = [
            *(v.text or "" for n in element.findall("NATIONALITY") for v in n.findall("VALUE")),
            *(a.findtext("COUNTRY") or "" for a in element.findall("INDIVIDUAL_ADDRESS")),
        ]
    else:
        name = _text(element, "FIRST_NAME")
        country_names = [a.findtext("COUNTRY") or "" for a in element.findall("ENTITY_ADDRESS")]
    if not name:
        raise ReferenceDataError(path, "entry has no name", record=f"DATAID {data_id}")
    aliases = [
        " ".join((alias.findtext("ALIAS_NAME") or "").split())
        for alias in element.findall(f"{kind}_ALIAS")
    ]
    if kind == "INDIVIDUAL":
        aliases += [reorder_last_first(alias) for alias in aliases]
    aliases.append(_text(element, "NAME_ORIGINAL_SCRIPT"))
    list_type = _text(element, "UN_LIST_TYPE")
    return ListedParty(
        list_id=UN,
        entry_id=data_id,
        name=name,
        aliases=_unique(aliases, exclude=name),
        party_type="individual" if kind == "INDIVIDUAL" else "entity",
        countries=_codes(country_names),
        programs=(list_type,) if list_type else (),
        remarks=_text(element, "COMMENTS1"),
        reference=_text(element, "REFERENCE_NUMBER"),
    )


def load_un(path: Path) -> LoadedList:
    """Read the UN Security Council consolidated list XML (individuals and entities).

    Documents with a DTD are refused, so no entity, internal or external, is ever expanded.
    """
    data = read_bytes(path)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ReferenceDataError(path, "DTDs and entity declarations are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ReferenceDataError(path, f"malformed XML: {exc}", line=exc.position[0]) from exc
    if root.tag != "CONSOLIDATED_LIST":
        raise ReferenceDataError(path, f"root element is {root.tag}, not CONSOLIDATED_LIST")
    parties = []
    for group, kind in (("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")):
        for index, element in enumerate(root.iterfind(f"{group}/{kind}"), start=1):
            parties.append(_un_party(element, kind, path, index))
    generated = root.get("dateGenerated", "")
    return tuple(parties), f"{path.name} dateGenerated={generated}@{digest(data)}"


_DPL_COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
_DPL_ADDRESS = ("Street_Address", "City", "State", "Postal_Code", "Country")


def load_bis_dpl(path: Path) -> LoadedList:
    """Read the BIS Denied Persons List (tab-separated, header row, one row per name and address).

    Each row is one party, identified by its line number; a nickname in quotes
    ('JOHN "JACK" DOE') also yields the alias without it.
    """
    data = read_bytes(path)
    records = csv_records(path, decode(path, data), delimiter="\t")
    first = next(records, None)
    if first is None or tuple(c.strip() for c in first[1]) != _DPL_COLUMNS:
        raise ReferenceDataError(path, f"header must be {', '.join(_DPL_COLUMNS)}", line=1)
    parties = []
    for line, row in records:
        expect_fields(path, line, row, len(_DPL_COLUMNS))
        field = dict(zip(_DPL_COLUMNS, (" ".join(v.split()) for v in row), strict=True))
        name = field["Name"]
        if not name:
            raise ReferenceDataError(path, "row has no name", line=line)
        address = ", ".join(field[c] for c in _DPL_ADDRESS if field[c])
        remarks = "; ".join(
            part
            for part in (
                address,
                f"effective {field['Effective_Date']}" if field["Effective_Date"] else "",
                f"expires {field['Expiration_Date']}" if field["Expiration_Date"] else "",
                field["FR_Citation"],
            )
            if part
        )
        parties.append(
            ListedParty(
                list_id=BIS_DPL,
                entry_id=str(line),
                name=name,
                aliases=_unique([_NICKNAME_RE.sub(" ", name).strip()], exclude=name),
                party_type="unknown",
                countries=_codes([field["Country"]]),
                programs=(),
                remarks=remarks,
            )
        )
    return tuple(parties), f"{path.name}@{digest(data)}"


def load_sanctions(data_dir: Path) -> SanctionsLists:
    """Load all four lists from `data_dir`/sanctions."""
    directory = data_dir / SANCTIONS_DIR
    sdn_prim, sdn_alt, sdn_add = (_find_one(directory, pattern) for pattern in OFAC_SDN_FILES)
    sdn, sdn_version = load_ofac(sdn_prim, sdn_alt, sdn_add, OFAC_SDN)
    cons_prim, cons_alt, cons_add = (directory / name for name in OFAC_CONS_FILES)
    cons, cons_version = load_ofac(cons_prim, cons_alt, cons_add, OFAC_CONS)
    un, un_version = load_un(directory / UN_FILE)
    dpl, dpl_version = load_bis_dpl(_find_one(directory, BIS_DPL_FILE))
    return SanctionsLists(
        (*sdn, *cons, *un, *dpl),
        {OFAC_SDN: sdn_version, OFAC_CONS: cons_version, UN: un_version, BIS_DPL: dpl_version},
    )
