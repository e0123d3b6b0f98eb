"""The Harmonized System 2022 nomenclature: chapters, headings and subheadings, indexed by code.

Classification validates declared codes against it and walks it for candidate codes, so lookups
are dictionary hits and the hierarchy (chapter -> heading -> subheading) is explicit.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from clearway.reference._io import (
    decode,
    digest,
    expect_fields,
    headed_records,
    read_bytes,
)
from clearway.reference.errors import ReferenceDataError

NOMENCLATURE_FILE = Path("hs") / "harmonized-system-2022.csv"
SECTIONS_FILE = Path("hs") / "sections.csv"

#: The source uses "TOTAL" as the parent of chapters and as the section of chapter 99, and adds
#: one aggregate row (code TOTAL, level 5) that is not a commodity; it is skipped.
_NONE_MARKER = "TOTAL"
_LEVELS = (2, 4, 6)


@dataclass(frozen=True, slots=True)
class HsEntry:
    """One chapter (level 2), heading (level 4) or subheading (level 6) of HS 2022."""

    code: str
    description: str
    parent: str
    level: int
    section: str

    @property
    def chapter(self) -> str:
        """The two-digit chapter this entry belongs to."""
        return self.code[:2]


class Nomenclature:
    """HS 2022 indexed by code; immutable once built."""

    __slots__ = ("_by_code", "_children", "_codes", "_sections", "_subheadings", "version")

    def __init__(
        self, entries: Iterable[HsEntry], sections: Mapping[str, str], version: str = ""
    ) -> None:
        by_code = {entry.code: entry for entry in entries}
        children: dict[str, list[HsEntry]] = {}
        for entry in by_code.values():
            if entry.parent:
                children.setdefault(entry.parent, []).append(entry)
        self._by_code: Mapping[str, HsEntry] = MappingProxyType(by_code)
        self._children = {
            code: tuple(sorted(kids, key=lambda e: e.code)) for code, kids in children.items()
        }
        self._codes = tuple(sorted(by_code))
        self._subheadings = tuple(by_code[c] for c in self._codes if by_code[c].level == 6)
        self._sections: Mapping[str, str] = MappingProxyType(dict(sections))
        self.version = version

    def get(self, code: str) -> HsEntry | None:
        """The entry for a 2-, 4- or 6-digit code, or None."""
        return self._by_code.get(code)

    def exists(self, code: str) -> bool:
        """Whether a 2-, 4- or 6-digit code is in HS 2022."""
        return code in self._by_code

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[HsEntry]:
        return (self._by_code[c] for c in self._codes)

    def chapters(self) -> tuple[HsEntry, ...]:
        """All chapters, in code order."""
        return tuple(e for e in self if e.level == 2)

    def headings(self) -> tuple[HsEntry, ...]:
        """All headings, in code order."""
        return tuple(e for e in self if e.level == 4)

    def subheadings(self) -> tuple[HsEntry, ...]:
        """All six-digit subheadings, in code order (the HS-6 classification targets)."""
        return self._subheadings

    def children(self, code: str) -> tuple[HsEntry, ...]:
        """Direct children of a chapter or heading, in code order."""
        return self._children.get(code, ())

    def under(self, prefix: str) -> tuple[HsEntry, ...]:
        """Every entry whose code starts with `prefix` (including the entry itself)."""
        start = bisect.bisect_left(self._codes, prefix)
        stop = bisect.bisect_left(self._codes, prefix + "\uffff")
        return tuple(self._by_code[c] for c in self._codes[start:stop])

    def ancestors(self, code: str) -> tuple[HsEntry, ...]:
        """Chapter then heading above `code` (empty for a chapter or an unknown code)."""
        entry = self._by_code.get(code)
        chain: list[HsEntry] = []
        while entry is not None and entry.parent:
            entry = self._by_code.get(entry.parent)
            if entry is not None:
                chain.append(entry)
        return tuple(reversed(chain))

    @property
    def sections(self) -> Mapping[str, str]:
        """Section numeral (I..XXI) to section title."""
        return self._sections

    def section_name(self, section: str) -> str | None:
        """Title of a section given by its Roman numeral, or None if there is no such section."""
        return self._sections.get(section)


def _load_sections(path: Path) -> dict[str, str]:
    columns, width, records = headed_records(
        path, decode(path, read_bytes(path)), ("section", "name")
    )
    sections: dict[str, str] = {}
    for line, row in records:
        expect_fields(path, line, row, width)
        numeral = row[columns["section"]].strip()
        if not numeral or numeral in sections:
            raise ReferenceDataError(path, f"empty or repeated section {numeral!r}", line=line)
        sections[numeral] = row[columns["name"]].strip()
    return sections


def load_nomenclature(data_dir: Path) -> Nomenclature:
    """Load hs/harmonized-system-2022.csv and hs/sections.csv from `data_dir`."""
    sections = _load_sections(data_dir / SECTIONS_FILE)
    path = data_dir / NOMENCLATURE_FILE
    data = read_bytes(path)
    col, width, records = headed_records(
        path, decode(path, data), ("section", "hscode", "description", "parent", "level")
    )
    entries: dict[str, HsEntry] = {}
    lines: dict[str, int] = {}
    for line, row in records:
        expect_fields(path, line, row, width)
        code = row[col["hscode"]].strip()
        if code == _NONE_MARKER:
            continue
        level_text = row[col["level"]].strip()
        level = int(level_text) if level_text.isdigit() else 0
        if level not in _LEVELS or len(code) != level or not code.isdigit():
            raise ReferenceDataError(
                path, f"code {code!r} does not match level {level_text!r}", line=line
            )
        if code in entries:
            raise ReferenceDataError(path, f"code {code} repeated", line=line)
        parent = row[col["parent"]].strip()
        parent = "" if parent == _NONE_MARKER else parent
        if (level == 2) != (parent == "") or (parent and not code.startswith(parent)):
            raise ReferenceDataError(
                path, f"code {code} has inconsistent parent {parent!r}", line=line
            )
        section = row[col["section"]].strip()
        section = "" if section == _NONE_MARKER else section
        if section and section not in sections:
            raise ReferenceDataError(path, f"unknown section {section!r}", line=line)
        entries[code] = HsEntry(code, row[col["description"]].strip(), parent, level, section)
        lines[code] = line
    for code, entry in entries.items():
        if entry.parent and entry.parent not in entries:
            raise ReferenceDataError(
                path, f"parent {entry.parent} of {code} is missing", line=lines[code]
            )
    version = f"{NOMENCLATURE_FILE.name}@{digest(data)}"
    return Nomenclature(entries.values(), sections, version=version)
