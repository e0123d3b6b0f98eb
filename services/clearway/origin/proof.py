"""Checks of a proof of origin (statement on origin, certificate, importer's knowledge) against
the declaration it supports and the agreement it is made out under.

Consignment-level checks (type, issuer, exporter registration, dates, references) decide
whether the proof holds at all; goods-level checks (is this item on it, in this quantity and
value) decide it per item.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clearway.declarations.codes import hs_digits
from clearway.declarations.model import Declaration, Item, ProofOfOrigin
from clearway.origin.agreements import AgreementTerms
from clearway.origin.figures import Finding, money, number, within_percent

#: Converts an amount between currencies at the rate in force on a date; None when no rate.
Converter = Callable[[Decimal, str, str, date], Decimal | None]

DOCUMENT_PROOFS = frozenset({"CERTIFICATE", "STATEMENT_ON_ORIGIN"})
_REFERENCE_NOISE = re.compile(r"[\s/_.-]+")


@dataclass(frozen=True)
class ProofCheck:
    """The findings of one proof: consignment-level, then per item (line number → findings)."""

    consignment: tuple[Finding, ...]
    goods: Mapping[int, tuple[Finding, ...]]

    @property
    def consignment_valid(self) -> bool:
        return all(f.passed for f in self.consignment)

    def valid_for(self, line_number: int) -> bool:
        """Whether the proof holds for one item."""
        return self.consignment_valid and all(f.passed for f in self.goods.get(line_number, ()))

    @property
    def valid(self) -> bool:
        return self.consignment_valid and all(
            f.passed for findings in self.goods.values() for f in findings
        )

    def findings(self) -> tuple[Finding, ...]:
        return self.consignment + tuple(f for fs in self.goods.values() for f in fs)


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _reference_key(reference: str) -> str:
    return _REFERENCE_NOISE.sub("", reference).upper()


class ProofChecker:
    """Checks one declaration's origin claim under one agreement's terms."""

    def __init__(self, terms: AgreementTerms, convert: Converter) -> None:
        self.terms = terms
        self.convert = convert

    def _finding(
        self, check: str, code: str, passed: bool, text: str, line: int | None = None
    ) -> Finding:
        return Finding(code, passed, text, f"{self.terms.agreement}/proof/{check}", line)

    def check(self, declaration: Declaration, item_codes: Mapping[int, str]) -> ProofCheck:
        """Every check of the declaration's proof; `item_codes` maps line numbers to HS codes."""
        claim = declaration.origin_claim
        proof = claim.proof if claim is not None else None
        if not self.terms.preferential:
            return ProofCheck(
                (
                    self._finding(
                        "agreement",
                        "AGREEMENT_NOT_PREFERENTIAL",
                        False,
                        f"{self.terms.title} confers origin, not a tariff preference",
                    ),
                ),
                {},
            )
        if proof is None:
            return ProofCheck(
                (self._finding("type", "PROOF_MISSING", False, "no proof of origin was given"),),
                {},
            )
        findings = [self._type(proof), *self._parties(declaration, proof)]
        if proof.type in DOCUMENT_PROOFS:
            findings += [
                self._registration(declaration, proof),
                *self._validity(declaration.declaration_date, proof),
                *self._statement(proof),
                self._references(declaration, proof),
            ]
        goods = {
            item.line_number: self._goods(
                declaration, proof, item, item_codes.get(item.line_number, "")
            )
            for item in declaration.items
            if item.preference_claimed
        }
        return ProofCheck(tuple(findings), goods)

    def _type(self, proof: ProofOfOrigin) -> Finding:
        allowed = ", ".join(sorted(self.terms.proof_types))
        if proof.type in self.terms.proof_types:
            return self._finding("type", "PROOF_TYPE_ALLOWED", True, f"{proof.type} is accepted")
        return self._finding(
            "type",
            "PROOF_TYPE_NOT_ALLOWED",
            False,
            f"{proof.type or 'an unspecified proof'} is not a proof {self.terms.title} accepts"
            f" ({allowed})",
        )

    def _parties(self, declaration: Declaration, proof: ProofOfOrigin) -> list[Finding]:
        terms = self.terms
        parties = ", ".join(sorted(terms.parties))
        dispatch_party = terms.party_of(declaration.dispatch_country)
        destination_party = terms.party_of(declaration.destination_country)
        findings = []
        if destination_party is None or destination_party == dispatch_party:
            findings.append(
                self._finding(
                    "parties",
                    "DESTINATION_NOT_PARTY",
                    False,
                    f"goods going to {declaration.destination_country} from"
                    f" {declaration.dispatch_country} do not move between the parties ({parties})",
                )
            )
        if proof.type not in DOCUMENT_PROOFS:
            if dispatch_party is None:
                findings.append(
                    self._finding(
                        "parties",
                        "DISPATCH_COUNTRY_NOT_PARTY",
                        False,
                        f"dispatch country {declaration.dispatch_country} is not a party"
                        f" ({parties})",
                    )
                )
            return findings
        issuing = proof.issuing_country
        issuing_party = terms.party_of(issuing) if issuing else None
        if not issuing:
            findings.append(
                self._finding(
                    "issuer", "ISSUING_COUNTRY_MISSING", False, "the proof names no issuing country"
                )
            )
        elif issuing_party is None:
            findings.append(
                self._finding(
                    "issuer",
                    "ISSUING_COUNTRY_NOT_PARTY",
                    False,
                    f"issuing country {issuing} is not a party to the agreement ({parties})",
                )
            )
        elif issuing_party != dispatch_party:
            findings.append(
                self._finding(
                    "issuer",
                    "ISSUING_COUNTRY_MISMATCH",
                    False,
                    f"the proof is issued in {issuing} ({issuing_party}) but the goods are"
                    f" dispatched from {declaration.dispatch_country}",
                )
            )
        else:
            findings.append(
                self._finding(
                    "issuer",
                    "ISSUING_COUNTRY_PARTY",
                    True,
                    f"issued in {issuing}, party {issuing_party}, matching the dispatch country",
                )
            )
        return findings

    def _registration(self, declaration: Declaration, proof: ProofOfOrigin) -> Finding:
        reference = self.terms.exporter_reference
        registration = proof.exporter_registration.strip().upper()
        party = self.terms.party_of(proof.issuing_country) if proof.issuing_country else None
        if registration:
            pattern = reference.formats.get(party or "")
            if pattern is None:
                return self._finding(
                    "exporter",
                    "EXPORTER_REGISTRATION_INVALID",
                    False,
                    "no exporter registration is defined for exporters in"
                    f" {proof.issuing_country or 'an unnamed country'}",
                )
            if not pattern.fullmatch(registration):
                return self._finding(
                    "exporter",
                    "EXPORTER_REGISTRATION_INVALID",
                    False,
                    f"{registration} is not a valid exporter reference for a {party} exporter"
                    f" (expected {pattern.pattern})",
                )
            return self._finding(
                "exporter",
                "EXPORTER_REGISTRATION_VALID",
                True,
                f"{registration} is a well-formed exporter reference for a {party} exporter",
            )
        if reference.required_above is None:
            return self._finding(
                "exporter",
                "EXPORTER_REFERENCE_OPTIONAL",
                True,
                "no exporter reference given; the agreement does not require one",
            )
        value = declaration.intrinsic_value
        converted = self.convert(
            value.amount, value.currency, reference.currency, declaration.declaration_date
        )
        threshold = f"{reference.currency} {number(reference.required_above)}"
        if converted is None:
            return self._finding(
                "exporter",
                "EXPORTER_REFERENCE_MISSING",
                False,
                f"no exporter reference, and the consignment value {value} cannot be converted to"
                f" {reference.currency} on {declaration.declaration_date} to show it is within"
                f" {threshold}",
            )
        shown = money(converted, reference.currency)
        if converted > reference.required_above:
            return self._finding(
                "exporter",
                "EXPORTER_REFERENCE_MISSING",
                False,
                f"consignment value {shown} exceeds {threshold}: the statement needs the"
                " exporter's reference number",
            )
        return self._finding(
            "exporter",
            "EXPORTER_REFERENCE_NOT_REQUIRED",
            True,
            f"consignment value {shown} does not exceed {threshold}: no exporter reference needed",
        )

    def _validity(self, declared_on: date, proof: ProofOfOrigin) -> list[Finding]:
        issued = proof.issue_date or proof.valid_from
        if issued is None:
            return [
                self._finding(
                    "validity", "PROOF_DATE_MISSING", False, "the proof has no issue date"
                )
            ]
        months = self.terms.proof_validity_months
        expiry = add_months(issued, months)
        if proof.valid_to is not None and proof.valid_to < expiry:
            expiry = proof.valid_to
        start = max(d for d in (proof.issue_date, proof.valid_from) if d is not None)
        if declared_on < start:
            return [
                self._finding(
                    "validity",
                    "PROOF_NOT_YET_VALID",
                    False,
                    f"the proof is valid from {start}, after the declaration date {declared_on}",
                )
            ]
        if declared_on > expiry:
            return [
                self._finding(
                    "validity",
                    "PROOF_EXPIRED",
                    False,
                    f"the proof issued on {issued} was valid until {expiry} ({months} months at"
                    f" most); the declaration is dated {declared_on}",
                )
            ]
        return [
            self._finding(
                "validity",
                "PROOF_IN_VALIDITY",
                True,
                f"declaration date {declared_on} is within the validity {start} to {expiry}",
            )
        ]

    def _statement(self, proof: ProofOfOrigin) -> list[Finding]:
        phrase = self.terms.statement_phrase
        if proof.type != "STATEMENT_ON_ORIGIN" or not proof.statement_text or not phrase:
            return []
        if phrase.lower() in proof.statement_text.lower():
            return [
                self._finding(
                    "statement", "STATEMENT_TEXT_VALID", True, f"the statement declares {phrase}"
                )
            ]
        return [
            self._finding(
                "statement",
                "STATEMENT_TEXT_INVALID",
                False,
                f"the statement on origin does not declare the products of {phrase}",
            )
        ]

    def _references(self, declaration: Declaration, proof: ProofOfOrigin) -> Finding:
        covered = {_reference_key(r) for r in proof.consignment_references if r.strip()}
        declared = {
            _reference_key(r)
            for r in (declaration.order_reference, declaration.transport_document_number)
            if r.strip()
        }
        if not covered:
            return self._finding(
                "consignment",
                "CONSIGNMENT_REFERENCE_MISSING",
                False,
                "the proof names no invoice, order or transport reference",
            )
        if covered & declared:
            return self._finding(
                "consignment",
                "CONSIGNMENT_MATCHED",
                True,
                "the proof covers this consignment's order or transport reference",
            )
        return self._finding(
            "consignment",
            "CONSIGNMENT_MISMATCH",
            False,
            "none of the proof's references matches the declaration's order reference or"
            " transport document",
        )

    def _goods(
        self, declaration: Declaration, proof: ProofOfOrigin, item: Item, hs_code: str
    ) -> tuple[Finding, ...]:
        line = item.line_number
        if proof.type not in DOCUMENT_PROOFS:
            return ()
        if not proof.goods:
            if proof.type == "STATEMENT_ON_ORIGIN":
                return ()
            return (
                self._finding(
                    "goods",
                    "GOODS_NOT_COVERED",
                    False,
                    f"item {line}: the certificate lists no goods",
                    line,
                ),
            )
        hs6 = hs_code[:6]
        matches = [g for g in proof.goods if hs6 and hs_digits(g.hs_code)[:6] == hs6]
        if not matches:
            return (
                self._finding(
                    "goods",
                    "GOODS_NOT_COVERED",
                    False,
                    f"item {line} ({hs6 or 'no HS code'}) is not among the goods the proof covers",
                    line,
                ),
            )
        covered = matches[0]
        findings = []
        if covered.quantity != item.quantity:
            findings.append(
                self._finding(
                    "goods",
                    "GOODS_QUANTITY_MISMATCH",
                    False,
                    f"item {line}: {item.quantity} declared, {covered.quantity} on the proof",
                    line,
                )
            )
        if covered.value is not None:
            declared = item.intrinsic_value
            value = self.convert(
                covered.value.amount,
                covered.value.currency,
                declared.currency,
                declaration.declaration_date,
            )
            tolerance = self.terms.goods_value_tolerance_percent
            if value is None or not within_percent(
                abs(value - declared.amount), declared.amount, tolerance
            ):
                shown = covered.value
                findings.append(
                    self._finding(
                        "goods",
                        "GOODS_VALUE_MISMATCH",
                        False,
                        f"item {line}: declared {declared}, {shown} on the proof (tolerance"
                        f" {number(tolerance)}%)",
                        line,
                    )
                )
        if not findings:
            findings.append(
                self._finding(
                    "goods",
                    "GOODS_COVERED",
                    True,
                    f"item {line} matches goods {hs6} on the proof",
                    line,
                )
            )
        return tuple(findings)
