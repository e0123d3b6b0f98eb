"""An agreement's origin facts, read from its rule pack's parameters (data, not code).

Each origin pack keeps its agreement's facts under one parameter key, the agreement id
(e.g. `uk-eu-tca`), so packs in force together never clash. The pack names its product-specific
rules data file (`psr_file`, under the data directory's origin/), so a new agreement is a pack
and a data file: no code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clearway.declarations.codes import customs_territory
from clearway.reference.origin_rules import PSR_FILE_RE

RVC_METHODS = ("build-down", "build-up")


class AgreementTermsError(ValueError):
    """A pack's agreement parameters are missing or malformed (a pack bug, not a caller's)."""


def chapter_set(spec: str) -> frozenset[str]:
    """Two-digit chapters from a spec such as "02,04-24" (kept as text: chapters are codes)."""
    chapters: set[str] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 99:
            raise AgreementTermsError(f"bad chapter range {part!r}")
        chapters.update(f"{chapter:02d}" for chapter in range(first, last + 1))
    return frozenset(chapters)


def _psr_file(value: object) -> str:
    """The pack's PSR data file name, refused at once when it could not name one file."""
    name = str(value)
    if not PSR_FILE_RE.fullmatch(name):
        raise AgreementTermsError(f"psr_file {name!r} must be a .json file name under origin/")
    return name


@dataclass(frozen=True)
class ExporterReference:
    """Which exporter registration a party's exporters quote, and above which value it is due."""

    formats: Mapping[str, re.Pattern[str]]
    required_above: Decimal | None
    currency: str


@dataclass(frozen=True)
class Tolerance:
    """The general tolerance: non-originating materials failing a rule, as a share of EXW."""

    value_percent: Decimal
    excluded_chapters: frozenset[str]
    weight_chapters: frozenset[str]

    def applies_by_value(self, hs_code: str) -> bool:
        chapter = hs_code[:2]
        return (
            self.value_percent > 0
            and chapter not in self.excluded_chapters
            and chapter not in self.weight_chapters
        )


@dataclass(frozen=True)
class AgreementTerms:
    """The origin facts of one agreement as its pack states them."""

    agreement: str
    title: str
    preferential: bool
    psr_file: str
    parties: frozenset[str]
    proof_types: frozenset[str]
    proof_validity_months: int
    exporter_reference: ExporterReference
    statement_phrase: str
    goods_value_tolerance_percent: Decimal
    tolerance: Tolerance
    rvc_method: str

    def party_of(self, country: str) -> str | None:
        """The party a country belongs to (an EU member state belongs to "EU"), or None."""
        territory = customs_territory(country)
        return territory if territory in self.parties else None

    @classmethod
    def from_parameters(cls, agreement: str, raw: Mapping[str, Any]) -> AgreementTerms:
        try:
            reference = raw["exporter_reference"]
            tolerance = raw["tolerance"]
            required_above = reference.get("required_above")
            method = str(raw.get("rvc_method", "build-down"))
            if method not in RVC_METHODS:
                raise AgreementTermsError(f"rvc_method must be one of {RVC_METHODS}")
            return cls(
                agreement=agreement,
                title=str(raw["title"]),
                preferential=bool(raw["preferential"]),
                psr_file=_psr_file(raw["psr_file"]),
                parties=frozenset(str(p) for p in raw["parties"]),
                proof_types=frozenset(str(p) for p in raw.get("proof_types", ())),
                proof_validity_months=int(raw["proof_validity_months"]),
                exporter_reference=ExporterReference(
                    formats={
                        str(party): re.compile(str(pattern))
                        for party, pattern in reference.get("formats", {}).items()
                    },
                    required_above=None if required_above is None else Decimal(required_above),
                    currency=str(reference.get("currency", "EUR")),
                ),
                statement_phrase=str(raw.get("statement_phrase", "")),
                goods_value_tolerance_percent=Decimal(raw["goods_value_tolerance_percent"]),
                tolerance=Tolerance(
                    value_percent=Decimal(tolerance["value_percent"]),
                    excluded_chapters=chapter_set(str(tolerance.get("excluded_chapters", ""))),
                    weight_chapters=chapter_set(str(tolerance.get("weight_chapters", ""))),
                ),
                rvc_method=method,
            )
        except (KeyError, TypeError, ArithmeticError, re.error) as error:
            raise AgreementTermsError(
                f"agreement {agreement!r}: bad parameters ({error})"
            ) from error


def agreements_in(parameters: Mapping[str, Any]) -> dict[str, AgreementTerms]:
    """Every agreement described in the merged parameters of the origin packs in force."""
    return {
        key: AgreementTerms.from_parameters(key, value)
        for key, value in parameters.items()
        if isinstance(value, Mapping) and "psr_file" in value
    }
