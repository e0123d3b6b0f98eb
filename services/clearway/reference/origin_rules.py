"""UK product-specific rules of origin (PSRs) by commodity-code range, per agreement.

Origin checks whether a claimed preference holds: it needs the rule sets that cover a commodity
code and, per rule, its plain text, its rule classes (WO, CTH, CTSH, CC, MAXNOM, RVC ...) and the
thresholds it states (e.g. 50% of the ex-works price).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from clearway.reference._io import decode, read_bytes
from clearway.reference.errors import ReferenceDataError

ORIGIN_DIR = Path("origin")
#: A PSR data file's name as an agreement pack gives it: one file directly under origin/.
PSR_FILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.json")

_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG_RE = re.compile(r"<[^>]+>")
_EMPHASIS_RE = re.compile(r"\*{1,2}([^*]+)\*{1,2}")
_BOLD_PERCENT_RE = re.compile(r"\*\*(\d+(?:\.\d+)?)\s*%\*\*")
_SPACES_RE = re.compile(r"[ \t]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")


@dataclass(frozen=True, slots=True)
class PsrRule:
    """One alternative rule of a rule set.

    `classes` are the source's rule classes as written (e.g. 'WO', 'CTH', 'MAXNOM', 'RVC',
    'PROCESSING_TEXTILE'); `operator` ('or' or None) joins it to the next rule; `percentages`
    are the thresholds the text states, in order (e.g. MaxNOM 50 -> Decimal('50')).
    """

    text: str
    classes: tuple[str, ...]
    operator: str | None
    footnotes: tuple[str, ...]
    percentages: tuple[Decimal, ...] = ()
    quota: bool = False


@dataclass(frozen=True, slots=True)
class PsrRuleSet:
    """The rules for the commodity codes from `min_code` to `max_code` (10 digits, inclusive)."""

    heading: str
    subdivision: str
    min_code: str
    max_code: str
    rules: tuple[PsrRule, ...]
    valid: bool
    chapter: str = ""

    def covers(self, low: str, high: str) -> bool:
        """Whether the range low..high (10-digit codes) overlaps this rule set's range."""
        return low <= self.max_code and high >= self.min_code


def plain_text(markup: str) -> str:
    """Strip the markdown links, HTML tags, emphasis and entities of a rule text."""
    text = _LINK_RE.sub(r"\1", markup)
    text = _TAG_RE.sub("", text)
    text = _EMPHASIS_RE.sub(r"\1", text)
    text = html.unescape(text).replace("\xa0", " ")
    text = _SPACES_RE.sub(" ", text)
    text = _BLANK_LINES_RE.sub("\n", text)
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _field(raw: dict[str, Any], key: str, kind: type, path: Path, record: str) -> Any:
    if key not in raw:
        raise ReferenceDataError(path, f"missing field {key!r}", record=record)
    value = raw[key]
    if not isinstance(value, kind):
        raise ReferenceDataError(path, f"field {key!r} is not a {kind.__name__}", record=record)
    return value


def _rule(raw: object, path: Path, record: str) -> PsrRule:
    if not isinstance(raw, dict):
        raise ReferenceDataError(path, "rule is not an object", record=record)
    markup = _field(raw, "rule", str, path, record)
    classes = _field(raw, "class", list, path, record)
    footnotes = _field(raw, "footnotes", list, path, record)
    operator = raw.get("operator")
    if operator is not None and not isinstance(operator, str):
        raise ReferenceDataError(path, "field 'operator' is not a string", record=record)
    return PsrRule(
        text=plain_text(markup),
        classes=tuple(str(c) for c in classes),
        operator=operator,
        footnotes=tuple(plain_text(str(f)) for f in footnotes),
        percentages=tuple(Decimal(p) for p in _BOLD_PERCENT_RE.findall(markup)),
        quota=bool(raw.get("quota", False)),
    )


def _rule_set(raw: object, path: Path, index: int) -> PsrRuleSet:
    record = f"rule_sets[{index}]"
    if not isinstance(raw, dict):
        raise ReferenceDataError(path, "rule set is not an object", record=record)
    low = _field(raw, "min", str, path, record)
    high = _field(raw, "max", str, path, record)
    if len(low) != 10 or len(high) != 10 or not (low + high).isdigit() or low > high:
        raise ReferenceDataError(path, f"bad code range {low!r}..{high!r}", record=record)
    rules = _field(raw, "rules", list, path, record)
    chapter = raw.get("chapter", "")
    return PsrRuleSet(
        heading=str(_field(raw, "heading", str, path, record)),
        subdivision=str(_field(raw, "subdivision", str, path, record)),
        min_code=low,
        max_code=high,
        rules=tuple(_rule(r, path, f"{record}.rules[{i}]") for i, r in enumerate(rules)),
        valid=bool(_field(raw, "valid", bool, path, record)),
        chapter=f"{chapter:02d}" if isinstance(chapter, int) else str(chapter),
    )


def psr_path(data_dir: Path, file_name: str) -> Path:
    """Where the PSR data file an agreement pack names lives (a plain name under origin/)."""
    if not PSR_FILE_RE.fullmatch(file_name):
        raise ValueError(
            f"PSR data file {file_name!r} must be a .json file name directly under"
            f" {ORIGIN_DIR}/ (letters, digits, '.', '_', '-')"
        )
    return data_dir / ORIGIN_DIR / file_name


def load_psr(data_dir: Path, file_name: str) -> tuple[PsrRuleSet, ...]:
    """Load the rule sets of one PSR data file (e.g. 'uk_psr_eu.json'), the file an agreement's
    origin pack names, so a new agreement needs a data file and a pack, never code."""
    path = psr_path(data_dir, file_name)
    try:
        document = json.loads(decode(path, read_bytes(path)))
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(path, f"malformed JSON: {exc.msg}", line=exc.lineno) from exc
    rule_sets = document.get("rule_sets") if isinstance(document, dict) else None
    if not isinstance(rule_sets, list):
        raise ReferenceDataError(path, "expected an object with a 'rule_sets' list")
    return tuple(_rule_set(raw, path, i) for i, raw in enumerate(rule_sets))


def find_rule_sets(rule_sets: Iterable[PsrRuleSet], hs_code: str) -> tuple[PsrRuleSet, ...]:
    """Rule sets whose code range covers `hs_code` (2 to 10 digits).

    A shorter code stands for all codes under it (padded with 0s low and 9s high), so a heading
    also finds the rule sets of its subdivisions. Narrowest ranges come first (a catch-all rule
    set spanning every code comes last); equal ranges keep the file's order.
    """
    if not hs_code.isdigit() or not 2 <= len(hs_code) <= 10:
        return ()
    low, high = hs_code.ljust(10, "0"), hs_code.ljust(10, "9")
    found = [rule_set for rule_set in rule_sets if rule_set.covers(low, high)]
    found.sort(key=lambda rule_set: int(rule_set.max_code) - int(rule_set.min_code))
    return tuple(found)
