"""The UK Global Tariff 2021 with the EU Common External Tariff 2020, per 8/10-digit tariff line.

Valuation looks up the duty rate for a declared commodity code; when the declared code is less
precise than the tariff (HS-6) or more precise than a line that exists, `best_line` finds the
line that applies. The rates are a dated snapshot, so the snapshot name and content hash travel
with every answer.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from clearway.reference._io import (
    decode,
    digest,
    expect_fields,
    headed_records,
    parse_bool,
    read_bytes,
)
from clearway.reference.duty_rates import (
    DayPeriod,
    DutyRate,
    SeasonalRate,
    SpecificDuty,
    parse_duty_rate,
)
from clearway.reference.errors import ReferenceDataError

__all__ = [
    "SNAPSHOT_NAME",
    "TARIFF_FILE",
    "DayPeriod",
    "DutyRate",
    "SeasonalRate",
    "SpecificDuty",
    "Tariff",
    "TariffLine",
    "load_tariff",
    "parse_duty_rate",
]

TARIFF_FILE = Path("tariff") / "global-uk-tariff-2021-with-eu-cet.csv"
#: Optional one-line file naming a snapshot other than the official one (the starter set has it).
SNAPSHOT_NAME_FILE = Path("tariff") / "SNAPSHOT"
SNAPSHOT_NAME = "uk-global-tariff-2021+eu-cet-2020"

_COLUMNS = (
    "commodity",
    "description",
    "cet_duty_rate",
    "ukgt_duty_rate",
    "change",
    "trade_remedy_applies",
    "cet_applies_until_trade_remedy_transition_reviews_concluded",
    "suspension_applies",
    "atq_applies",
)
_FLAG_COLUMNS = _COLUMNS[5:]


@dataclass(frozen=True, slots=True)
class TariffLine:
    """One 8- or 10-digit commodity code with its EU CET (2020) and UK Global Tariff (2021) rates.

    `trade_remedy`, `suspension` and `quota` flag lines where the plain rate may not be the duty
    due (anti-dumping or safeguard measures, a tariff suspension, a tariff quota).
    `change` is how the UKGT rate differs from the CET (e.g. "Simplified", "No change").
    """

    code: str
    description: str
    eu_cet: DutyRate
    uk_global: DutyRate
    trade_remedy: bool
    suspension: bool
    quota: bool
    change: str = ""
    cet_until_trade_remedy_review: bool = False

    @property
    def hs6(self) -> str:
        """The HS subheading the line belongs to."""
        return self.code[:6]


class Tariff:
    """Tariff lines indexed by commodity code; immutable once built."""

    __slots__ = ("_by_code", "_by_subheading", "_codes", "_rate_texts", "snapshot")

    def __init__(self, lines: Iterable[TariffLine], snapshot: str) -> None:
        self._by_code = {line.code: line for line in lines}
        self._codes = tuple(sorted(self._by_code))
        by_subheading: dict[str, list[TariffLine]] = {}
        for code in self._codes:
            by_subheading.setdefault(code[:6], []).append(self._by_code[code])
        self._by_subheading = {hs6: tuple(found) for hs6, found in by_subheading.items()}
        self._rate_texts: dict[tuple[str, str], frozenset[str]] = {}
        self.snapshot = snapshot

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[TariffLine]:
        return (self._by_code[code] for code in self._codes)

    def line(self, code: str) -> TariffLine | None:
        """The line with exactly this 8- or 10-digit code, or None."""
        return self._by_code.get(code)

    def _under(self, prefix: str) -> tuple[str, ...]:
        start = bisect.bisect_left(self._codes, prefix)
        stop = bisect.bisect_left(self._codes, prefix + ":")  # ':' sorts right after '9'
        return self._codes[start:stop]

    def lines_for_subheading(self, hs6: str) -> tuple[TariffLine, ...]:
        """Every national line under an HS-6 subheading, in code order."""
        return self._by_subheading.get(hs6, ()) if len(hs6) == 6 else ()

    def rate_texts(self, hs6: str, column: str) -> frozenset[str]:
        """The distinct rates (as written) of a column under a subheading, e.g. to say that a
        6-digit code is ambiguous; computed once per subheading (valuation asks per item)."""
        key = (hs6, column)
        found = self._rate_texts.get(key)
        if found is None:
            lines = self.lines_for_subheading(hs6)
            found = self._rate_texts[key] = frozenset(getattr(o, column).text for o in lines)
        return found

    def best_line(self, code: str) -> TariffLine | None:
        """The line that applies to a 6-, 8- or 10-digit code.

        The exact line if it exists; else, for a 10-digit code, its 8-digit line; else the first
        line (in code order) under the longest prefix that has any (10, 8, then 6 digits).
        """
        if len(code) not in (6, 8, 10) or not code.isdigit():
            return None
        exact = self._by_code.get(code)
        if exact is not None:
            return exact
        if len(code) == 10 and code[:8] in self._by_code:
            return self._by_code[code[:8]]
        for length in (10, 8, 6):
            if length <= len(code):
                found = self._under(code[:length])
                if found:
                    return self._by_code[found[0]]
        return None

    def unparsed_rates(self) -> tuple[tuple[str, str, str], ...]:
        """(code, 'eu_cet' | 'uk_global', text) for each rate that could not be parsed."""
        return tuple(
            (line.code, column, rate.text)
            for line in self
            for column, rate in (("eu_cet", line.eu_cet), ("uk_global", line.uk_global))
            if not rate.parsed
        )


def load_tariff(data_dir: Path) -> Tariff:
    """Load tariff/global-uk-tariff-2021-with-eu-cet.csv from `data_dir`."""
    path = data_dir / TARIFF_FILE
    data = read_bytes(path)
    col, width, records = headed_records(path, decode(path, data), _COLUMNS)
    rates: dict[str, DutyRate] = {}  # many lines share a rate text; parse each text once
    lines: dict[str, TariffLine] = {}
    for line_no, row in records:
        expect_fields(path, line_no, row, width)
        code = row[col["commodity"]].strip()
        if len(code) not in (8, 10) or not code.isdigit():
            raise ReferenceDataError(
                path, f"commodity code {code!r} is not 8 or 10 digits", line=line_no
            )
        if code in lines:
            raise ReferenceDataError(path, f"commodity code {code} repeated", line=line_no)
        parsed: list[DutyRate] = []
        for column in ("cet_duty_rate", "ukgt_duty_rate"):
            text = row[col[column]].strip()
            if not text:
                raise ReferenceDataError(path, f"{column} is empty", line=line_no, record=code)
            if text not in rates:
                rates[text] = parse_duty_rate(text)
            parsed.append(rates[text])

        flags = {c: parse_bool(path, line_no, c, row[col[c]].strip()) for c in _FLAG_COLUMNS}
        lines[code] = TariffLine(
            code=code,
            description=row[col["description"]].strip(),
            eu_cet=parsed[0],
            uk_global=parsed[1],
            trade_remedy=flags["trade_remedy_applies"],
            suspension=flags["suspension_applies"],
            quota=flags["atq_applies"],
            change=row[col["change"]].strip(),
            cet_until_trade_remedy_review=flags[
                "cet_applies_until_trade_remedy_transition_reviews_concluded"
            ],
        )
    return Tariff(lines.values(), snapshot=f"{_snapshot_name(data_dir)}@{digest(data)}")


def _snapshot_name(data_dir: Path) -> str:
    path = data_dir / SNAPSHOT_NAME_FILE
    if not path.exists():
        return SNAPSHOT_NAME
    name = decode(path, read_bytes(path)).strip()
    if not name or len(name.splitlines()) != 1:
        raise ReferenceDataError(path, "expected one line naming the tariff snapshot")
    return name
