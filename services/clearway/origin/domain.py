"""The origin domain: agreements from the rule packs, PSR data, proof checks and the preference
decision. Plain Python; the servicer translates protos in and out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from clearway.declarations.codes import customs_territory
from clearway.declarations.model import BillOfMaterials, Declaration, Item
from clearway.origin.agreements import AgreementTerms, agreements_in
from clearway.origin.figures import Finding, money
from clearway.origin.proof import Converter, ProofCheck, ProofChecker
from clearway.origin.psr import (
    ProductRuleResult,
    PsrRuleSetLike,
    evaluate_product,
    wholly_obtained_suffices,
)
from clearway.rules import Evaluation, EvaluationMemo, FiredRule
from clearway.runtime.errors import ClearwayError, FieldViolations, InvalidArgument

DOMAIN = "origin"
_TERMS_CACHE_LIMIT = 512
REMEMBERED_DECISIONS = 4096
"""Preference answers remembered: the decision facts are a handful of flags and names, so a
day's traffic asks the packs the same few questions again and again."""


class RulesSource(Protocol):
    """What the origin domain needs of the rules engine."""

    @property
    def revision(self) -> str: ...

    def parameters(self, domain: str, jurisdiction: str, on: date) -> Mapping[str, Any]: ...

    def evaluate_many(
        self,
        domain: str,
        requests: Sequence[tuple[Sequence[str], date, Mapping[str, Any]]],
        *,
        memo: EvaluationMemo | None = None,
    ) -> list[Evaluation]: ...


class HsCodes(Protocol):
    def exists(self, code: str) -> bool: ...


class PsrSource(Protocol):
    """The product-specific rules of one PSR data set (`terms.psr_file`)."""

    def rule_sets(self, source: str, hs_code: str) -> Sequence[PsrRuleSetLike] | None:
        """Covering rule sets, narrowest first; None when the data set is not loaded."""


@dataclass(frozen=True)
class ItemDecision:
    """Granted or refused for one item claiming preference, and why."""

    line_number: int
    agreement: str
    granted: bool
    rule_applied: str
    figures: tuple[str, ...]
    findings: tuple[Finding, ...]
    fired: tuple[FiredRule, ...]
    documents: tuple[str, ...]


@dataclass(frozen=True)
class PreferenceDecision:
    declaration_id: str
    proof_valid: bool
    items: tuple[ItemDecision, ...]
    revision: str


@dataclass(frozen=True)
class PreferenceRequest:
    """One declaration and the HS code classification decided per line (may be empty)."""

    declaration: Declaration
    item_codes: Mapping[int, str]
    path: str = "declaration"


class OriginDomain:
    """Answers the origin service's questions from the origin packs and the PSR data."""

    def __init__(self, rules: RulesSource, psr: PsrSource, hs: HsCodes, convert: Converter) -> None:
        self.rules = rules
        self.psr = psr
        self.hs = hs
        self.convert = convert
        self._terms_cache: dict[int, tuple[Mapping[str, Any], dict[str, AgreementTerms]]] = {}
        self._decisions = EvaluationMemo(REMEMBERED_DECISIONS)

    @property
    def revision(self) -> str:
        return self.rules.revision

    # -- agreements ---------------------------------------------------------------------------

    def agreements(self, on: date) -> Mapping[str, AgreementTerms]:
        """The agreements whose origin pack is in force on `on`.

        The engine hands out one parameters mapping per (packs, date) selection until a reload,
        so the terms read from it are kept by that mapping's identity (the mapping is held too,
        so its id cannot be reused while cached).
        """
        parameters = self.rules.parameters(DOMAIN, "*", on)
        cached = self._terms_cache.get(id(parameters))
        if cached is not None and cached[0] is parameters:
            return cached[1]
        if len(self._terms_cache) >= _TERMS_CACHE_LIMIT:
            self._terms_cache.clear()
        terms = agreements_in(parameters)
        self._terms_cache[id(parameters)] = (parameters, terms)
        return terms

    def terms(self, agreement: str, on: date, field: str) -> AgreementTerms:
        """The agreement's terms; INVALID_ARGUMENT AGREEMENT_UNKNOWN naming `field` otherwise."""
        known = self.agreements(on)
        found = known.get(agreement)
        if found is None:
            names = ", ".join(sorted(known)) or "none"
            raise InvalidArgument(
                f"no origin rules for agreement {agreement!r} on {on} (known: {names})",
                reason="AGREEMENT_UNKNOWN",
                metadata={"agreement": agreement},
                violations=FieldViolations.single(field, f"unknown agreement; one of {names}"),
            )
        return found

    # -- validation shared by the RPCs --------------------------------------------------------

    def check_hs_code(self, code: str, path: str, violations: FieldViolations) -> None:
        """A product HS code: 6 to 10 digits whose subheading exists in HS 2022."""
        if not code.isdigit() or not 6 <= len(code) <= 10 or len(code) % 2:
            violations.add(path, "must be 6, 8 or 10 digits")
        elif not self.hs.exists(code[:6]):
            violations.add(path, f"subheading {code[:6]} is not in HS 2022")

    def check_bill_of_materials(
        self, bom: BillOfMaterials, path: str, violations: FieldViolations
    ) -> None:
        """Materials in the ex-works currency, known headings, a total within the price, and
        only originating materials in a good declared wholly obtained."""
        price = bom.ex_works_price
        if price.amount <= 0:
            violations.add(f"{path}.ex_works_price", "must be greater than zero")
        for index, material in enumerate(bom.materials):
            mpath = f"{path}.materials[{index}]"
            if material.value.currency != price.currency:
                violations.add(
                    f"{mpath}.value.currency_code",
                    f"must be the ex-works price's currency {price.currency}",
                )
            code = material.hs_code
            known = code[:6] if len(code) >= 6 else code[:4]
            if code.isdigit() and len(code) >= 4 and not self.hs.exists(known):
                violations.add(f"{mpath}.hs_code", f"{code} is not in HS 2022")
        if bom.wholly_obtained:
            for index, material in enumerate(bom.materials):
                if not material.originating:
                    violations.add(
                        f"{path}.wholly_obtained",
                        f"contradicts materials[{index}] ({material.hs_code}), which is not"
                        " originating: a wholly obtained good uses no non-originating material",
                    )
        total = sum((m.value.amount for m in bom.materials), Decimal(0))
        if total > price.amount > 0:
            violations.add(
                f"{path}.materials",
                f"materials total {money(total, price.currency)} exceeds the ex-works price"
                f" {money(price.amount, price.currency)}",
            )

    # -- the three questions ------------------------------------------------------------------

    def check_proof(
        self, declaration: Declaration, item_codes: Mapping[int, str], path: str = "declaration"
    ) -> ProofCheck:
        claim = declaration.origin_claim
        if claim is None:
            raise InvalidArgument(
                "the declaration makes no origin claim",
                reason="ORIGIN_CLAIM_MISSING",
                violations=FieldViolations.single(f"{path}.origin_claim", "is required"),
            )
        terms = self.terms(
            claim.agreement, declaration.declaration_date, f"{path}.origin_claim.agreement"
        )
        return ProofChecker(terms, self.convert).check(declaration, item_codes)

    def evaluate_product_rule(
        self, agreement: str, hs_code: str, bom: BillOfMaterials, on: date
    ) -> ProductRuleResult:
        return self._evaluate(self.terms(agreement, on, "agreement"), hs_code, bom, on)

    def _evaluate(
        self, terms: AgreementTerms, hs_code: str, bom: BillOfMaterials, on: date
    ) -> ProductRuleResult:
        rule_sets = self.psr.rule_sets(terms.psr_file, hs_code)
        if rule_sets is None:
            raise ClearwayError(
                f"the product-specific rules {terms.psr_file!r} are not loaded",
                reason="PSR_DATA_UNAVAILABLE",
            )
        return evaluate_product(rule_sets, hs_code, bom, terms, on)

    def _bom_missing(
        self, terms: AgreementTerms, hs_code: str, declaration: Declaration, line: int
    ) -> Finding:
        """Why an item without a bill of materials cannot be granted, and what would do.

        A bill of materials is how the rule is shown, whatever the proof: an importer's
        knowledge rests on the importer's records, which hold the same figures. A wholly
        obtained good (live animals, fish caught by the party's vessels) has no materials, but
        must still be declared wholly obtained: the absence of a bill says nothing either way.
        """
        rule_sets = self.psr.rule_sets(terms.psr_file, hs_code) or ()
        if wholly_obtained_suffices(rule_sets, declaration.declaration_date):
            need = (
                f"the rule for {hs_code} asks for wholly obtained goods: declare the good wholly"
                " obtained (bill_of_materials.wholly_obtained with its ex-works price);"
                " no materials need listing"
            )
        else:
            source = (
                " from the importer's records"
                if _proof_type(declaration) == "IMPORTER_KNOWLEDGE"
                else ""
            )
            need = (
                "the product-specific rule needs each material's HS code, value and origin and"
                f" the ex-works price{source}, or the good declared wholly obtained"
            )
        return Finding(
            "BILL_OF_MATERIALS_MISSING",
            False,
            f"item {line}: no bill of materials; {need}",
            f"{terms.agreement}/psr",
            line,
        )

    def decide(self, requests: Sequence[PreferenceRequest]) -> list[PreferenceDecision]:
        """Decide every claiming item of every declaration, with one engine call for all."""
        pending: list[tuple[int, Item, str, list[Finding], list[str], str, dict[str, Any]]] = []
        checks: list[ProofCheck | None] = []
        checkers: dict[tuple[str, date], ProofChecker] = {}
        for index, request in enumerate(requests):
            declaration = request.declaration
            claim = declaration.origin_claim
            if claim is None:
                checks.append(None)
                continue
            key = (claim.agreement, declaration.declaration_date)
            checker = checkers.get(key)
            if checker is None:  # a batch spans few agreements and dates
                terms = self.terms(*key, f"{request.path}.origin_claim.agreement")
                checker = checkers[key] = ProofChecker(terms, self.convert)
            terms = checker.terms
            check = checker.check(declaration, request.item_codes)
            checks.append(check)
            for item in declaration.items:
                if item.preference_claimed:
                    pending.append(self._item_facts(index, request, terms, check, item))
        evaluations = self.rules.evaluate_many(
            DOMAIN,
            [
                (_jurisdictions(requests[index].declaration), on, facts)
                for index, *_, facts in pending
                for on in (requests[index].declaration.declaration_date,)
            ],
            memo=self._decisions,
        )
        items: dict[int, list[ItemDecision]] = {}
        for (index, item, agreement, findings, figures, applied, _), evaluation in zip(
            pending, evaluations, strict=True
        ):
            granted = evaluation.values.get("preference") == "granted"
            findings += [
                Finding(flag.code, granted, flag.reason, flag.rule_id, item.line_number)
                for flag in evaluation.flags
            ]
            items.setdefault(index, []).append(
                ItemDecision(
                    item.line_number,
                    agreement,
                    granted,
                    applied,
                    tuple(figures),
                    tuple(findings),
                    evaluation.fired,
                    evaluation.documents,
                )
            )
        decisions = []
        for index, request in enumerate(requests):
            proof_check = checks[index]
            claiming = [i for i in request.declaration.items if i.preference_claimed]
            decided = items.get(index, [])
            if proof_check is None:
                decided = [_no_claim(item) for item in claiming]
            decisions.append(
                PreferenceDecision(
                    request.declaration.declaration_id,
                    proof_check is not None and proof_check.consignment_valid,
                    tuple(decided),
                    self.revision,
                )
            )
        return decisions

    def _item_facts(
        self,
        index: int,
        request: PreferenceRequest,
        terms: AgreementTerms,
        check: ProofCheck,
        item: Item,
    ) -> tuple[int, Item, str, list[Finding], list[str], str, dict[str, Any]]:
        declaration = request.declaration
        line = item.line_number
        findings = [*check.consignment, *check.goods.get(line, ())]
        figures: list[str] = []
        applied = ""
        exporting = terms.party_of(declaration.dispatch_country)
        origin = item.origin_country or declaration.dispatch_country
        origin_in_party = terms.party_of(origin) is not None and terms.party_of(origin) == exporting
        if not origin_in_party:
            findings.append(
                Finding(
                    "ORIGIN_COUNTRY_NOT_PARTY",
                    False,
                    f"item {line}: origin {origin} is not the exporting party"
                    f" {exporting or declaration.dispatch_country}",
                    f"{terms.agreement}/origin-country",
                    line,
                )
            )
        hs_code = request.item_codes.get(line) or item.declared_hs_code
        psr_satisfied, psr_evaluable, tolerance = False, True, False
        if not terms.preferential:
            pass
        elif not hs_code:
            findings.append(
                Finding(
                    "HS_CODE_MISSING",
                    False,
                    f"item {line}: no HS code to find its rule",
                    f"{terms.agreement}/psr",
                    line,
                )
            )
        elif item.bill_of_materials is None:
            findings.append(self._bom_missing(terms, hs_code, declaration, line))
        else:
            result = self._evaluate(
                terms, hs_code, item.bill_of_materials, declaration.declaration_date
            )
            psr_satisfied, psr_evaluable = result.satisfied, result.evaluable
            tolerance = result.tolerance_applied
            figures.extend(result.figures)
            applied = result.rule_applied
            findings.extend(
                Finding(f.code, f.passed, f"item {line}: {f.text}", f.rule_id, line)
                for f in result.findings
            )
        facts: dict[str, Any] = {
            "agreement": terms.agreement,
            "proof_type": _proof_type(declaration) or "NONE",
            "proof_valid": check.valid_for(line),
            "psr_satisfied": psr_satisfied,
            "psr_evaluable": psr_evaluable,
            "tolerance_applied": tolerance,
            "origin_in_party": origin_in_party,
            "bom_provided": item.bill_of_materials is not None,
        }
        return index, item, terms.agreement, findings, figures, applied, facts


def _proof_type(declaration: Declaration) -> str:
    claim = declaration.origin_claim
    return claim.proof.type if claim is not None and claim.proof is not None else ""


def _jurisdictions(declaration: Declaration) -> tuple[str, ...]:
    """The destination, its customs territory, then every-jurisdiction packs."""
    destination = declaration.destination_country
    return tuple(dict.fromkeys((destination, customs_territory(destination), "*")))


def _no_claim(item: Item) -> ItemDecision:
    finding = Finding(
        "ORIGIN_CLAIM_MISSING",
        False,
        f"item {item.line_number} claims preference but the declaration makes no origin claim",
        "origin/claim",
        item.line_number,
    )
    return ItemDecision(item.line_number, "", False, "", (), (finding,), (), ())
