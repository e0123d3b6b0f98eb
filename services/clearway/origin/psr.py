"""Product-specific rules of origin: compile a rule's text into requirements and evaluate them
against a bill of materials.

The UK rule data gives each rule as text plus loose class labels, so the requirements are read
from the text itself: tariff shifts (CC / CTH / CTSH, with their exceptions and same-heading
allowances), MaxNOM, RVC and wholly-obtained materials, joined by "and" within one rule. The
rules of one rule set are alternatives ("or"). Whatever the text asks that a bill of materials
cannot show (a processing step, a weight limit) becomes a manual check: never a silent pass.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Literal, Protocol

from clearway.declarations.model import BillOfMaterials, Material
from clearway.origin.agreements import AgreementTerms
from clearway.origin.figures import (
    Finding,
    at_least_percent,
    money,
    number,
    share_percent,
    show_percent,
    within_percent,
)

Status = Literal["met", "failed", "manual"]
SHIFT_NAMES = {2: "CC", 4: "CTH", 6: "CTSH"}
LEVEL_NAMES = {2: "chapter", 4: "heading", 6: "subheading"}


class PsrRuleLike(Protocol):
    """What the evaluator reads of a rule (clearway.reference.origin_rules.PsrRule)."""

    @property
    def text(self) -> str: ...


class PsrRuleSetLike(Protocol):
    """What the evaluator reads of a rule set (clearway.reference.origin_rules.PsrRuleSet)."""

    @property
    def heading(self) -> str: ...
    @property
    def subdivision(self) -> str: ...
    @property
    def min_code(self) -> str: ...
    @property
    def max_code(self) -> str: ...
    @property
    def rules(self) -> Sequence[PsrRuleLike]: ...


@dataclass(frozen=True)
class CodeRange:
    """A chapter, heading or subheading, or a range of them ("heading 7208 to heading 7217")."""

    low: str
    high: str

    def contains(self, code: str) -> bool:
        size = len(self.low)
        return len(code) >= size and self.low <= code[:size] <= self.high

    def __str__(self) -> str:
        return self.low if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True)
class TariffShift:
    """Every non-originating material classified outside the product's chapter/heading/
    subheading (`digits` 2/4/6), none from `exceptions`; materials of the product's own
    level (or of `allowance_scope`) allowed up to `allowance_percent` of the ex-works price."""

    digits: int
    exceptions: tuple[CodeRange, ...] = ()
    allowance_percent: Decimal | None = None
    allowance_scope: tuple[CodeRange, ...] = ()

    @property
    def label(self) -> str:
        label = SHIFT_NAMES[self.digits]
        if self.exceptions:
            label += " except from " + ", ".join(map(str, self.exceptions))
        if self.allowance_percent is not None:
            label += f" (allowance {number(self.allowance_percent)}%)"
        return label


@dataclass(frozen=True)
class MaxNom:
    """Non-originating materials at most `percent` of the ex-works price."""

    percent: Decimal

    @property
    def label(self) -> str:
        return f"MaxNOM {number(self.percent)}%"


@dataclass(frozen=True)
class RegionalValueContent:
    """Regional value content at least `percent` of the value base (FOB in the rule text)."""

    percent: Decimal

    @property
    def label(self) -> str:
        return f"RVC {number(self.percent)}%"


@dataclass(frozen=True)
class WhollyObtained:
    """The good (no scope) or every material within `scope` wholly obtained."""

    scope: tuple[CodeRange, ...] = ()

    @property
    def label(self) -> str:
        return "WO" if not self.scope else "WO materials of " + ", ".join(map(str, self.scope))


@dataclass(frozen=True)
class ManualCheck:
    """A requirement a bill of materials cannot show (processing, weights, named materials)."""

    text: str

    @property
    def label(self) -> str:
        return "specific processing"


Requirement = TariffShift | MaxNom | RegionalValueContent | WhollyObtained | ManualCheck


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy the rule set: every requirement must be met, within its dates
    when the rule is phased ("(1st Jan 2023 to 31st Dec 2025)")."""

    text: str
    requirements: tuple[Requirement, ...]
    in_force_from: date | None = None
    in_force_to: date | None = None

    def in_force(self, on: date) -> bool:
        return (self.in_force_from is None or self.in_force_from <= on) and (
            self.in_force_to is None or on <= self.in_force_to
        )

    @property
    def label(self) -> str:
        return " and ".join(requirement.label for requirement in self.requirements)


# -- reading rule texts ------------------------------------------------------------------------

_NUMBER = r"\d+(?:\.\d+)?"
_PERIOD_RE = re.compile(
    r"\((?P<from>\d{1,2})(?:st|nd|rd|th) (?P<from_month>[A-Z][a-z]{2})[a-z]* (?P<from_year>\d{4})"
    r" (?:to (?P<to>\d{1,2})(?:st|nd|rd|th) (?P<to_month>[A-Z][a-z]{2})[a-z]* (?P<to_year>\d{4})"
    r"|onwards)\)"
)
_MONTHS = {name: index for index, name in enumerate(calendar.month_abbr) if name}
_NOTE_RE = re.compile(r"\s*\((?=[A-Z][a-z])(?:[^()]|\([^()]*\))*\)")
_SHIFT_RE = re.compile(
    r"\b(?:CC|CTH|CTSH): All non-originating materials used in the production of the good have"
    r" undergone a change in tariff classification at the (?P<digits>[246])-digit level"
    r" \([^)]*\)"
)
_EXCEPT_RE = re.compile(
    r",? except from (?P<what>(?:[^,.(]|,(?= (?:chapter|heading|subheading) ))*?)"
    r"(?=,(?! (?:chapter|heading|subheading) )|\.(?:\s|$)|\(| provided| with |$)"
)
_ALLOWANCE_RE = re.compile(
    r",? however, non-originating materials of (?P<what>.*?) may be used, provided that their"
    rf" total value does not exceed (?P<pct>{_NUMBER})% of the ex-works price(?: \(EXW\))?"
    r"(?: of the product)?"
)
_MAXNOM_RES = (
    re.compile(
        rf"A maximum of (?P<pct>{_NUMBER})% of the ex-works price \(EXW\) is made up of"
        r" non-originating parts \(MAXNOM\)"
    ),
    re.compile(
        r"the value of (?:all )?(?:the )?non-originating materials used does not exceed"
        rf" (?P<pct>{_NUMBER})% of the ex-works price(?: \(EXW\))?"
        rf"(?: or {_NUMBER}% of the Free on Board \(FOB\) cost)?(?: of the product)?"
    ),
)
_RVC_RE = re.compile(
    rf"Your goods contain a Regional Value Content \(RVC\) of at least (?P<pct>{_NUMBER})% of the"
    r" Free on Board \(FOB\) cost of the goods"
)
_WO_GOOD_RE = re.compile(
    r"Goods are wholly obtained in the country or territory|All animals of chapter 1 are wholly"
    r" obtained"
)
_WO_MATERIALS_RE = re.compile(
    r"all (?:the )?materials of (?P<what>[^.:]+?) (?:used )?are wholly obtained"
)
_CODE_RE = re.compile(
    r"(?P<kind>chapter|heading|subheading) (?P<low>\d{1,6})"
    r"(?: to (?:chapter|heading|subheading) (?P<high>\d{1,6}))?"
)
_CONNECTIVES_RE = re.compile(
    r"\b(?:and|provided that|production in which|in which)\b|[\s,.:;\-]+", re.IGNORECASE
)


def _codes(text: str) -> tuple[CodeRange, ...]:
    ranges = []
    for match in _CODE_RE.finditer(text):
        width = {"chapter": 2, "heading": 4, "subheading": 6}[match["kind"]]
        low = match["low"].zfill(width)
        ranges.append(CodeRange(low, (match["high"] or match["low"]).zfill(width)))
    return tuple(ranges)


def _conjunction(text: str) -> tuple[Requirement, ...]:
    """The requirements one rule text joins with "and"; anything not understood is manual."""
    requirements: list[Requirement] = []
    spans: list[tuple[int, int]] = []
    manual = False
    for shift in _SHIFT_RE.finditer(text):
        end = shift.end()
        exceptions: tuple[CodeRange, ...] = ()
        allowance: Decimal | None = None
        scope: tuple[CodeRange, ...] = ()
        if excepted := _EXCEPT_RE.match(text, end):
            exceptions = _codes(excepted["what"])
            manual = manual or not exceptions
            end = excepted.end()
        if allowed := _ALLOWANCE_RE.match(text, end):
            allowance = Decimal(allowed["pct"])
            if "the same" not in allowed["what"]:
                scope = _codes(allowed["what"])
                manual = manual or not scope
            end = allowed.end()
        requirements.append(TariffShift(int(shift["digits"]), exceptions, allowance, scope))
        spans.append((shift.start(), end))

    def free(match: re.Match[str]) -> bool:
        return not any(start < match.end() and match.start() < stop for start, stop in spans)

    for pattern in _MAXNOM_RES:
        for found in filter(free, pattern.finditer(text)):
            requirements.append(MaxNom(Decimal(found["pct"])))
            spans.append(found.span())
    for found in filter(free, _RVC_RE.finditer(text)):
        requirements.append(RegionalValueContent(Decimal(found["pct"])))
        spans.append(found.span())
    for found in filter(free, _WO_GOOD_RE.finditer(text)):
        requirements.append(WhollyObtained())
        spans.append(found.span())
    for found in filter(free, _WO_MATERIALS_RE.finditer(text)):
        scope = _codes(found["what"])
        if scope:
            requirements.append(WhollyObtained(scope))
            spans.append(found.span())
    leftover = "".join(
        text[start:stop]
        for start, stop in zip(
            [0, *(stop for _, stop in sorted(spans))],
            [*(start for start, _ in sorted(spans)), len(text)],
            strict=True,
        )
    )
    if manual or _CONNECTIVES_RE.sub("", leftover):
        requirements.append(ManualCheck(text))
    return tuple(requirements)


@cache
def compile_rule(text: str) -> tuple[Alternative, ...]:
    """The alternatives one rule text offers (usually one; "CTH or <processing>" gives two).

    Kept for every text: the texts come only from the PSR data files, which PsrLibrary
    compiles whole as it loads them, so requests never parse."""
    period = _PERIOD_RE.search(text)
    start = end = None
    if period is not None:
        start = date(int(period["from_year"]), _MONTHS[period["from_month"]], int(period["from"]))
        if period["to"]:
            end = date(int(period["to_year"]), _MONTHS[period["to_month"]], int(period["to"]))
        text = text[: period.start()].rstrip() + text[period.end() :]
    body = _NOTE_RE.sub("", text).strip()
    shift = _SHIFT_RE.match(body)
    if shift is not None and body[shift.end() :].startswith(" or "):
        rest = body[shift.end() + 4 :]
        return (
            Alternative(body[: shift.end()], _conjunction(body[: shift.end()]), start, end),
            Alternative(rest, _conjunction(rest), start, end),
        )
    return (Alternative(text, _conjunction(body), start, end),)


# -- evaluating ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementOutcome:
    status: Status
    figures: tuple[str, ...]
    findings: tuple[Finding, ...]
    tolerance_applied: bool = False


@dataclass(frozen=True)
class AlternativeOutcome:
    alternative: Alternative
    status: Status
    figures: tuple[str, ...]
    findings: tuple[Finding, ...]
    tolerance_applied: bool


@dataclass(frozen=True)
class ProductRuleResult:
    """The answer for one good: satisfied or not, and whether a machine could decide it."""

    satisfied: bool
    evaluable: bool
    rule_text: str
    rule_applied: str
    figures: tuple[str, ...]
    findings: tuple[Finding, ...]
    tolerance_applied: bool
    rule_set: str


def _total(materials: Iterable[Material]) -> Decimal:
    return sum((m.value.amount for m in materials), Decimal(0))


def _listing(materials: Sequence[Material]) -> str:
    return ", ".join(f"{m.hs_code} ({money(m.value.amount, m.value.currency)})" for m in materials)


class _Evaluator:
    """Evaluates requirements for one good under one agreement's terms."""

    def __init__(
        self, hs_code: str, bom: BillOfMaterials, terms: AgreementTerms, rule_id: str
    ) -> None:
        self.hs_code = hs_code
        self.bom = bom
        self.terms = terms
        self.rule_id = rule_id
        self.exw = bom.ex_works_price.amount
        self.currency = bom.ex_works_price.currency
        self.non_originating = tuple(m for m in bom.materials if not m.originating)

    def finding(self, code: str, passed: bool, text: str) -> Finding:
        return Finding(code, passed, text, self.rule_id)

    def evaluate(self, requirement: Requirement) -> RequirementOutcome:
        if isinstance(requirement, TariffShift):
            return self.tariff_shift(requirement)
        if isinstance(requirement, MaxNom):
            return self.max_nom(requirement)
        if isinstance(requirement, RegionalValueContent):
            return self.rvc(requirement)
        if isinstance(requirement, WhollyObtained):
            return self.wholly_obtained(requirement)
        return RequirementOutcome(
            "manual",
            (),
            (
                self.finding(
                    "PSR_MANUAL_CHECK",
                    False,
                    f"needs evidence a bill of materials cannot give: {requirement.text}",
                ),
            ),
        )

    def tariff_shift(self, shift: TariffShift) -> RequirementOutcome:
        digits, name = shift.digits, SHIFT_NAMES[shift.digits]
        product = self.hs_code[:digits]
        excepted, same_level, unclear = [], [], []
        for material in self.non_originating:
            code = material.hs_code
            if any(r.contains(code) for r in shift.exceptions):
                excepted.append(material)
            elif len(code) < digits:
                if product.startswith(code):
                    unclear.append(material)
            elif code[:digits] == product:
                same_level.append(material)
        figures: list[str] = []
        findings: list[Finding] = []
        if shift.allowance_percent is not None and same_level:
            allowed = [
                m
                for m in same_level
                if not shift.allowance_scope
                or any(r.contains(m.hs_code) for r in shift.allowance_scope)
            ]
            allowed_value = _total(allowed)
            share = share_percent(allowed_value, self.exw)
            within = within_percent(allowed_value, self.exw, shift.allowance_percent)
            figures.append(
                f"non-originating materials allowed by the rule {show_percent(share)} of"
                f" ex-works price, limit {number(shift.allowance_percent)}%"
            )
            if within:
                same_level = [m for m in same_level if m not in allowed]
        failing = excepted + same_level + unclear
        if not failing:
            findings.append(
                self.finding(
                    "TARIFF_SHIFT_MET",
                    True,
                    f"{name}: every non-originating material is classified outside"
                    f" {LEVEL_NAMES[digits]} {product}",
                )
            )
            return RequirementOutcome("met", tuple(figures), tuple(findings))
        failing_value = _total(failing)
        share = share_percent(failing_value, self.exw)
        reasons = []
        if same_level:
            reasons.append(f"of the product's own {LEVEL_NAMES[digits]} {product}")
        if excepted:
            reasons.append("from the excepted " + ", ".join(map(str, shift.exceptions)))
        if unclear:
            reasons.append(f"with codes too short to tell their {LEVEL_NAMES[digits]}")
        detail = f"non-originating materials {' or '.join(reasons)}: {_listing(failing)}"
        tolerance = self.terms.tolerance
        if tolerance.applies_by_value(self.hs_code):
            within = within_percent(failing_value, self.exw, tolerance.value_percent)
            figures.append(
                f"non-originating materials not meeting {name} {show_percent(share)} of"
                f" ex-works price, general tolerance {number(tolerance.value_percent)}%"
            )
            if within:
                findings.append(
                    self.finding(
                        "TOLERANCE_APPLIED",
                        True,
                        f"{name} met within the general tolerance; {detail}",
                    )
                )
                return RequirementOutcome("met", tuple(figures), tuple(findings), True)
        else:
            figures.append(
                f"non-originating materials not meeting {name} {show_percent(share)} of"
                f" ex-works price; the value tolerance does not apply to chapter"
                f" {self.hs_code[:2]}"
            )
        findings.append(self.finding("TARIFF_SHIFT_NOT_MET", False, f"{name} not met: {detail}"))
        return RequirementOutcome("failed", tuple(figures), tuple(findings))

    def max_nom(self, rule: MaxNom) -> RequirementOutcome:
        value = _total(self.non_originating)
        share = share_percent(value, self.exw)
        ok = within_percent(value, self.exw, rule.percent)
        figure = (
            f"non-originating materials {show_percent(share, rule.percent)} of ex-works price,"
            f" limit {number(rule.percent)}%"
        )
        text = (
            f"{money(value, self.currency)} of non-originating materials against an ex-works"
            f" price of {money(self.exw, self.currency)}"
        )
        code = "MAXNOM_MET" if ok else "MAXNOM_EXCEEDED"
        return RequirementOutcome(
            "met" if ok else "failed", (figure,), (self.finding(code, ok, text),)
        )

    def rvc(self, rule: RegionalValueContent) -> RequirementOutcome:
        base = self.exw
        if self.terms.rvc_method == "build-up":
            content = _total(m for m in self.bom.materials if m.originating)
            method = "build-up: originating materials"
        else:
            content = base - _total(self.non_originating)
            method = "build-down: value base less non-originating materials"
        share = share_percent(content, base)
        ok = at_least_percent(content, base, rule.percent)
        figure = (
            f"regional value content {show_percent(share, rule.percent)} ({method}; ex-works price"
            f" taken as the FOB value), minimum {number(rule.percent)}%"
        )
        code = "RVC_MET" if ok else "RVC_TOO_LOW"
        text = (
            f"regional value content {money(content, self.currency)} of"
            f" {money(base, self.currency)}"
        )
        return RequirementOutcome(
            "met" if ok else "failed", (figure,), (self.finding(code, ok, text),)
        )

    def wholly_obtained(self, rule: WhollyObtained) -> RequirementOutcome:
        if self.bom.wholly_obtained:
            finding = self.finding("WHOLLY_OBTAINED", True, "the good is wholly obtained")
            return RequirementOutcome("met", (), (finding,))
        if not rule.scope:
            finding = self.finding(
                "NOT_WHOLLY_OBTAINED", False, "the rule requires a wholly obtained good"
            )
            return RequirementOutcome("failed", (), (finding,))
        failing = [
            m for m in self.non_originating if any(r.contains(m.hs_code) for r in rule.scope)
        ]
        scope = ", ".join(map(str, rule.scope))
        if failing:
            finding = self.finding(
                "NOT_WHOLLY_OBTAINED",
                False,
                f"non-originating materials of {scope}: {_listing(failing)}",
            )
            return RequirementOutcome("failed", (), (finding,))
        finding = self.finding(
            "WHOLLY_OBTAINED", True, f"every material of {scope} used is originating"
        )
        return RequirementOutcome("met", (), (finding,))

    def alternative(self, alternative: Alternative) -> AlternativeOutcome:
        outcomes = [self.evaluate(r) for r in alternative.requirements]
        statuses = {o.status for o in outcomes}
        status: Status = (
            "failed" if "failed" in statuses else "manual" if "manual" in statuses else "met"
        )
        return AlternativeOutcome(
            alternative,
            status,
            tuple(f for o in outcomes for f in o.figures),
            tuple(f for o in outcomes for f in o.findings),
            any(o.tolerance_applied for o in outcomes),
        )


def rule_set_text(rule_set: PsrRuleSetLike) -> str:
    return " OR ".join(rule.text for rule in rule_set.rules)


def evaluate_rule_set(
    rule_set: PsrRuleSetLike,
    hs_code: str,
    bom: BillOfMaterials,
    terms: AgreementTerms,
    on: date,
) -> ProductRuleResult:
    """Try every alternative in force on `on`; the first one met decides, else the closest
    one is reported."""
    rule_id = f"{terms.agreement}/psr/{rule_set.heading}"
    evaluator = _Evaluator(hs_code, bom, terms, rule_id)
    alternatives = [
        alt for rule in rule_set.rules for alt in compile_rule(rule.text) if alt.in_force(on)
    ]
    outcomes = [evaluator.alternative(alt) for alt in alternatives]
    figures = tuple(f for o in outcomes for f in o.figures)
    text = rule_set_text(rule_set)
    chosen = next((o for o in outcomes if o.status == "met"), None)
    if chosen is not None:
        return ProductRuleResult(
            True,
            True,
            text,
            chosen.alternative.label,
            figures,
            chosen.findings,
            chosen.tolerance_applied,
            rule_set.heading,
        )
    manual = next((o for o in outcomes if o.status == "manual"), None)
    closest = manual or (outcomes[0] if outcomes else None)
    findings = tuple(f for o in outcomes for f in o.findings)
    return ProductRuleResult(
        False,
        manual is None,
        text,
        closest.alternative.label if closest else "",
        figures,
        findings,
        False,
        rule_set.heading,
    )


def _narrowest(rule_sets: Sequence[PsrRuleSetLike]) -> list[PsrRuleSetLike]:
    """The rule sets over the narrowest range (the first, found narrowest first)."""
    first = rule_sets[0]
    return [
        rs for rs in rule_sets if (rs.min_code, rs.max_code) == (first.min_code, first.max_code)
    ]


def wholly_obtained_suffices(rule_sets: Sequence[PsrRuleSetLike], on: date) -> bool:
    """Whether a good declared wholly obtained meets the rule with no materials to show: every
    narrowest rule set has an alternative in force asking only for wholly obtained goods or
    materials (live animals, fish, vegetables...)."""
    return bool(rule_sets) and all(
        any(
            alternative.in_force(on)
            and bool(alternative.requirements)
            and all(isinstance(r, WhollyObtained) for r in alternative.requirements)
            for rule in rule_set.rules
            for alternative in compile_rule(rule.text)
        )
        for rule_set in _narrowest(rule_sets)
    )


def evaluate_product(
    rule_sets: Sequence[PsrRuleSetLike],
    hs_code: str,
    bom: BillOfMaterials,
    terms: AgreementTerms,
    on: date,
) -> ProductRuleResult:
    """Evaluate the narrowest rule sets that cover `hs_code` (found narrowest first).

    Several rule sets over the same range are subdivisions told apart by the goods'
    description; the answer is automatic only when they all agree.
    """
    rule_id = f"{terms.agreement}/psr"
    if not rule_sets:
        finding = Finding(
            "PSR_NOT_FOUND", False, f"no product-specific rule covers {hs_code}", rule_id
        )
        return ProductRuleResult(False, True, "", "", (), (finding,), False, "")
    candidates = _narrowest(rule_sets)
    first = candidates[0]
    results = [evaluate_rule_set(rs, hs_code, bom, terms, on) for rs in candidates]
    if len(results) == 1:
        return results[0]
    verdicts = {r.satisfied for r in results}
    evaluable = len(verdicts) == 1 and all(r.evaluable for r in results)
    findings = [f for r in results for f in r.findings]
    if not evaluable:
        subdivisions = "; ".join(rs.subdivision for rs in candidates)
        findings.append(
            Finding(
                "PSR_SUBDIVISION_AMBIGUOUS",
                False,
                f"the rule depends on which subdivision the good falls in: {subdivisions}",
                rule_id,
            )
        )
    return ProductRuleResult(
        satisfied=evaluable and verdicts == {True},
        evaluable=evaluable,
        rule_text=" | ".join(
            f"{rs.subdivision}: {r.rule_text}" for rs, r in zip(candidates, results, strict=True)
        ),
        rule_applied=" | ".join(r.rule_applied for r in results),
        figures=tuple(f for r in results for f in r.figures),
        findings=tuple(findings),
        tolerance_applied=any(r.tolerance_applied for r in results),
        rule_set=first.heading,
    )
