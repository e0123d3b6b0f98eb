"""Customs value, duty and tax of a consignment under the regime its destination's packs decide.

The split of work: the domain computes the money (conversion, apportionment, customs value,
duty, tax, rounding) and flat facts about the consignment (intrinsic value in the destination
currency, IOSS number, gift, dispatch country ...); the effective-dated rule packs in
rules/valuation decide the regime from those facts (what is due, where it is collected, on which
base) and carry the tables (VAT rates, MFN rates, preferences, additional duties, fees).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import grpc

from clearway.declarations.codes import EU_MEMBER_STATES, customs_territory
from clearway.declarations.model import Item, Money
from clearway.reference.duty_rates import DutyRate
from clearway.reference.fx import ExchangeRates
from clearway.reference.tariff import Tariff
from clearway.rules import Evaluation, EvaluationMemo, FiredRule, RulesEngine
from clearway.runtime.errors import ClearwayError, FieldViolations
from clearway.valuation.conversion import Converter, RateMemory
from clearway.valuation.duty import DutyNotComputable, Measures, compute_duty
from clearway.valuation.model import (
    AT_IMPORT,
    AT_SALE,
    Assessment,
    Charge,
    ChargesRequest,
    ItemValuation,
    Quote,
    TariffContext,
)
from clearway.valuation.money import (
    HUNDRED,
    ZERO,
    apportion,
    percent_of,
    round_money,
    show,
    show_percent,
)
from clearway.valuation.taxes import (
    RegionalTax,
    consignee_region,
    consumption_tax_rate,
    dated,
    in_force,
    regional_tax,
)

CIF = "CIF"
FOB = "FOB"
DOMAIN = "valuation"
REMEMBERED_DECISIONS = 16384
"""Regime answers remembered: a checkout quotes the same basket many times, and a manifest
repeats the same parcel to many consumers."""

#: Tariff columns a pack may name; anything else is looked up in the pack's MFN table.
_TARIFF_COLUMNS = {"eu_cet": "EU Common External Tariff", "uk_global": "UK Global Tariff"}
_TAX_TYPES = ("VAT", "GST", "CONSUMPTION_TAX")
_EXCISE_PREFIXES = ("2203", "2204", "2205", "2206", "2207", "2208", "24")


class RegimeUndecided(ClearwayError):
    """The rule packs in force do not cover the destination on the declaration date."""

    reason = "DESTINATION_NOT_SUPPORTED"


class TariffLineNotFound(ClearwayError):
    """The tariff snapshot has no line for the code (it predates HS 2022 in places)."""

    reason = "TARIFF_LINE_NOT_FOUND"


class PackIncomplete(ClearwayError):
    """A valuation pack lacks a table the regime it decided needs: our fault, not the caller's."""

    code = grpc.StatusCode.INTERNAL
    reason = "VALUATION_PACK_INCOMPLETE"


@dataclass(slots=True)
class _Line:
    """One item on its way through the assessment (destination currency, unrounded duty).

    Internal and never changed once built; not frozen, since a frozen dataclass is several
    times dearer to build and this one is built for every item."""

    index: int
    item: Item
    context: TariffContext
    code: str
    intrinsic: Decimal
    freight: Decimal
    insurance: Decimal
    customs_value: Decimal


@dataclass(slots=True)
class _Totals:
    """Consignment amounts in the currency the regime thresholds are written in."""

    intrinsic: Decimal
    freight: Decimal
    insurance: Decimal
    basis: str

    @property
    def customs_value(self) -> Decimal:
        if self.basis == CIF:
            return self.intrinsic + self.freight + self.insurance
        return self.intrinsic


@dataclass(slots=True)
class _LineTax:
    """A VAT-like tax charged per item on a base: VAT, GST, HST or a provincial sales tax."""

    type: str
    name: str
    percent: Decimal
    region: str

    def charge(
        self,
        line: _Line,
        parts: Sequence[tuple[Decimal, str]],
        factor: Decimal,
        collected_at: str,
        rule: FiredRule,
        currency: str,
        notes: list[str],
    ) -> Charge:
        effective = self.percent * factor
        effective_text = rate_text = show_percent(effective)
        if factor != 1:
            rate_text = f"{effective_text} ({show_percent(self.percent)} * {factor})"
        label = f"{self.name} ({self.region})" if self.region else self.name
        base = sum((amount for amount, _ in parts), ZERO)
        amount = round_money(percent_of(base, effective), currency)
        shown = " + ".join(
            f"{show(value, currency)}{' ' + name if name else ''}"
            for value, name in parts
            if value or not name
        )
        notes.append(
            f"item {line.item.line_number} {label} = {rate_text} * ({shown}) = "
            f"{effective_text} * {show(base, currency)} = {show(amount, currency)} "
            f"{currency}, collected {'at sale' if collected_at == AT_SALE else 'at import'}"
        )
        return Charge(
            self.type,
            Money(amount, currency),
            collected_at,
            Money(base, currency),
            f"{rate_text} {label}" if self.region else rate_text,
            line.item.line_number,
            rule.rule_id,
        )


@dataclass(slots=True)
class _Prepared:
    """A declaration converted and reduced to facts, ready for the regime packs."""

    request: ChargesRequest
    jurisdictions: tuple[str, ...]
    parameters: Mapping[str, Any]
    currency: str
    basis: str
    converter: Converter
    lines: tuple[_Line, ...]
    freight: Decimal
    insurance: Decimal
    facts: dict[str, Any]
    notes: list[str]
    intrinsic: Decimal
    """The items' intrinsic values summed (destination currency)."""
    customs_value: Decimal
    """The items' customs values summed (destination currency)."""


class Valuation:
    """Assesses declarations and quotes; holds the rule engine, the tariff and the FX history."""

    def __init__(
        self,
        engine: RulesEngine,
        tariff: Tariff,
        rates: ExchangeRates,
        remembered_decisions: int = REMEMBERED_DECISIONS,
    ) -> None:
        self.engine = engine
        self.tariff = tariff
        self.rates = rates
        self.memo = EvaluationMemo(remembered_decisions)
        self.looked_up = RateMemory()

    # -- public API --------------------------------------------------------------------------

    def assess(self, request: ChargesRequest) -> Assessment:
        """The charges of one declaration."""
        return self.assess_many([request])[0]

    def assess_many(self, requests: Sequence[ChargesRequest]) -> list[Assessment]:
        """The charges of many declarations; the first refusal is raised."""
        assessments = []
        for result in self.assess_each(requests):
            if isinstance(result, ClearwayError):
                raise result
            assessments.append(result)
        return assessments

    def assess_each(self, requests: Sequence[ChargesRequest]) -> list[Assessment | ClearwayError]:
        """Per declaration its assessment, or the refusal that stops it.

        One parcel whose duty cannot be computed must not sink the batch it came
        in: the regime packs are still evaluated in one batch for the others.
        """
        results: list[Assessment | ClearwayError | None] = [None] * len(requests)
        prepared = []
        for index, request in enumerate(requests):
            try:
                prepared.append((index, self._prepare(request)))
            except ClearwayError as error:
                results[index] = _indexed(error, index, len(requests))
        evaluations = self.engine.evaluate_many(
            DOMAIN,
            [
                (p.jurisdictions, p.request.declaration.declaration_date, p.facts)
                for _, p in prepared
            ],
            memo=self.memo,
        )
        for (index, p), evaluation in zip(prepared, evaluations, strict=True):
            try:
                results[index] = self._charge(p, evaluation)
            except ClearwayError as error:
                results[index] = _indexed(error, index, len(requests))
        return [r for r in results if r is not None]

    def quote(self, request: ChargesRequest, quote_currency: str = "") -> Quote:
        """A landed-cost quote: the same assessment, expressed in `quote_currency`."""
        assessment = self.assess(request)
        currency = quote_currency or assessment.customs_value.currency
        converter = Converter(self.rates, request.declaration.declaration_date, self.looked_up)

        def to_quote(money: Money) -> Money:
            converted = converter.convert(money.amount, money.currency, currency)
            return Money(round_money(converted, currency), currency)

        charges = tuple(
            replace(
                charge,
                amount=to_quote(charge.amount),
                base=to_quote(charge.base) if charge.base is not None else None,
            )
            for charge in assessment.charges
        )
        goods = to_quote(assessment.intrinsic_value)
        freight = to_quote(assessment.freight)
        insurance = to_quote(assessment.insurance)
        total_charges = round_money(sum((c.amount.amount for c in charges), ZERO), currency)
        landed = goods.amount + freight.amount + insurance.amount + total_charges
        notes = [*assessment.notes, *converter.notes]
        notes.append(
            f"landed cost = {show(goods.amount, currency)} goods + {show(freight.amount, currency)}"
            f" shipping + {show(insurance.amount, currency)} insurance + "
            f"{show(total_charges, currency)} charges = {show(landed, currency)} {currency}"
        )
        rates = {(r.from_currency, r.to_currency): r for r in assessment.exchange_rates}
        rates.update({(r.from_currency, r.to_currency): r for r in converter.rates_used})
        return Quote(
            regime=assessment.regime,
            currency=currency,
            charges=charges,
            goods_total=goods,
            total_charges=Money(total_charges, currency),
            landed_cost=Money(landed, currency),
            exchange_rates=tuple(rates.values()),
            rules_revision=assessment.rules_revision,
            fired=assessment.fired,
            notes=tuple(notes),
        )

    # -- customs value and facts -------------------------------------------------------------

    def _prepare(self, request: ChargesRequest) -> _Prepared:
        declaration = request.declaration
        on = declaration.declaration_date
        destination = declaration.destination_country
        territory = customs_territory(destination)
        jurisdictions = (destination, territory) if territory != destination else (destination,)
        parameters = self.engine.parameters(DOMAIN, jurisdictions, on)
        if "currency" not in parameters or "valuation_basis" not in parameters:
            raise RegimeUndecided(
                f"no valuation rule pack for {destination} is in force on {on.isoformat()}",
                metadata={"destination_country": destination, "date": on.isoformat()},
            )
        currency = _national_currency(parameters, destination, on)
        threshold_currency = str(parameters.get("threshold_currency", currency))
        basis = str(parameters["valuation_basis"])
        paths = request.paths
        converter = Converter(self.rates, on, self.looked_up)
        notes: list[str] = []

        def convert(money: Money, to: str) -> Decimal:
            converted = round_money(converter.convert(money.amount, money.currency, to), to)
            if money.currency != to:
                used = converter.rate_used(money.currency, to)
                notes.append(
                    f"{money.currency} {show(money.amount, money.currency)} * {used.rate} "
                    f"(ECB {used.rate_date.isoformat()}) = {show(converted, to)} {to}"
                )
            return converted

        def to_destination(money: Money) -> Decimal:
            return convert(money, currency)

        if basis == CIF and declaration.freight is None:
            violations = FieldViolations()
            violations.add(
                paths.freight,
                f"is required: {destination} values goods CIF (send 0 when shipping is free)",
            )
            violations.raise_if_any("freight is required for a CIF valuation")
        intrinsic = [to_destination(item.intrinsic_value) for item in declaration.items]
        freight = to_destination(declaration.freight) if declaration.freight else ZERO
        insurance = to_destination(declaration.insurance) if declaration.insurance else ZERO
        freight_shares = apportion(freight, intrinsic, currency)
        insurance_shares = apportion(insurance, intrinsic, currency)
        contexts = {context.line_number: context for context in request.tariff}
        lines = []
        for index, item in enumerate(declaration.items):
            context = contexts.get(item.line_number, TariffContext(item.line_number))
            code = context.national_tariff_code or context.hs_code or item.declared_hs_code
            value = intrinsic[index]
            if basis == CIF:
                value += freight_shares[index] + insurance_shares[index]
            lines.append(
                _Line(
                    index,
                    item,
                    context,
                    code,
                    intrinsic[index],
                    freight_shares[index],
                    insurance_shares[index],
                    value,
                )
            )
        intrinsic_total = sum(intrinsic, ZERO)
        if threshold_currency == currency:
            totals = _Totals(intrinsic_total, freight, insurance, basis)
        else:
            totals = _Totals(
                sum(
                    (
                        convert(item.intrinsic_value, threshold_currency)
                        for item in declaration.items
                    ),
                    ZERO,
                ),
                convert(declaration.freight, threshold_currency) if declaration.freight else ZERO,
                convert(declaration.insurance, threshold_currency)
                if declaration.insurance
                else ZERO,
                basis,
            )
            notes.append(
                f"the thresholds of {destination} are in {threshold_currency}: intrinsic value = "
                f"{show(totals.intrinsic, threshold_currency)} {threshold_currency}, customs value "
                f"= {show(totals.customs_value, threshold_currency)} {threshold_currency}"
            )
        facts = self._facts(request, lines, currency, totals, parameters)
        return _Prepared(
            request,
            jurisdictions,
            parameters,
            currency,
            basis,
            converter,
            tuple(lines),
            freight,
            insurance,
            facts,
            notes,
            intrinsic_total,
            sum((line.customs_value for line in lines), ZERO),
        )

    @staticmethod
    def _facts(
        request: ChargesRequest,
        lines: Sequence[_Line],
        currency: str,
        totals: _Totals,
        parameters: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The flat facts the regime packs decide on (amounts in the thresholds' currency)."""
        declaration = request.declaration
        year_total = request.consumer_year_total if "annual_limit" in parameters else None
        year_after = totals.customs_value
        if year_total is not None:
            limit_currency = str(parameters.get("threshold_currency", currency))
            if year_total.currency != limit_currency:
                violations = FieldViolations()
                violations.add(
                    f"{request.paths.consumer_year_total}.currency_code",
                    f"must be {limit_currency}, the currency of the annual limit",
                )
                violations.raise_if_any("the consumer's yearly total is in another currency")
            year_after += year_total.amount
        categories = {line.code[:6] for line in lines if line.code}
        uncoded = sum(1 for line in lines if not line.code)
        origins = sorted({line.item.origin_country for line in lines if line.item.origin_country})
        return {
            "destination": declaration.destination_country,
            "dispatch_country": declaration.dispatch_country,
            "origin_countries": ",".join(origins),
            "currency": currency,
            "valuation_basis": totals.basis,
            "intrinsic_value": totals.intrinsic,
            "customs_value": totals.customs_value,
            "freight": totals.freight,
            "insurance": totals.insurance,
            "has_ioss": bool(declaration.ioss_number)
            or (request.seller_registered and declaration.destination_country in EU_MEMBER_STATES),
            "seller_registered": request.seller_registered
            or bool(declaration.low_value_scheme_id or declaration.ioss_number),
            "gift": declaration.gift,
            "courier": declaration.transport_mode != "POST",
            "excise_goods": any(line.code.startswith(_EXCISE_PREFIXES) for line in lines),
            "item_count": len(lines),
            "category_count": len(categories) + uncoded,
            "consignee_region": consignee_region(declaration, parameters),
            "consumer_year_total_known": year_total is not None,
            "consumer_year_total_after": year_after,
        }

    # -- charges -----------------------------------------------------------------------------

    def _charge(self, prepared: _Prepared, evaluation: Evaluation) -> Assessment:
        declaration = prepared.request.declaration
        values = evaluation.values
        parameters = evaluation.parameters
        currency = prepared.currency
        regime = values.get("regime")
        if not regime:
            raise RegimeUndecided(
                f"the valuation packs for {declaration.destination_country} decided no regime "
                f"on {declaration.declaration_date.isoformat()}",
                metadata={"destination_country": declaration.destination_country},
            )
        regime_rule = _rule(evaluation.fired, "REGIME")
        notes = list(prepared.notes)
        notes.extend(self._value_notes(prepared))
        notes.append(
            f"regime {regime} ({regime_rule.text})" if regime_rule.rule_id else f"regime {regime}"
        )
        if "annual_limit" in parameters:
            notes.append(_annual_limit_note(prepared, parameters))

        charges: list[Charge] = []
        duty_point = str(values.get("duty_collected_at", AT_IMPORT))
        duty_mode = str(values.get("duty", "NONE"))
        item_duties = {line.line_number: ZERO for line in declaration.items}
        valuations: list[ItemValuation] = []

        def convert(amount: Decimal, from_currency: str) -> Decimal:
            return prepared.converter.convert(amount, from_currency, currency)

        for line in prepared.lines:
            rate_text, tariff_line, preference = "none", "", False
            customs_value = Money(line.customs_value, currency)
            if duty_mode == "TARIFF":
                rate, rate_text, tariff_line, preference = self._duty_rate(prepared, line, notes)
                figure = compute_duty(
                    rate,
                    line.customs_value,
                    Measures(
                        line.item.quantity,
                        line.item.net_mass_kg,
                        line.item.gross_mass_kg,
                        prepared.request.paths.items + f"[{line.index}]",
                    ),
                    declaration.declaration_date,
                    convert,
                    currency,
                )
                amount = round_money(figure.amount, currency)
                item_duties[line.item.line_number] += amount
                charges.append(
                    Charge(
                        "CUSTOMS_DUTY",
                        Money(amount, currency),
                        duty_point,
                        customs_value,
                        rate_text,
                        line.item.line_number,
                        regime_rule.rule_id,
                    )
                )
                notes.append(
                    f"item {line.item.line_number} duty = {figure.working} = "
                    f"{show(amount, currency)} {currency}"
                )
            valuations.append(
                ItemValuation(
                    line.item.line_number,
                    line.code[:6],
                    tariff_line,
                    Money(line.intrinsic, currency),
                    customs_value,
                    rate_text,
                    preference,
                )
            )
        if duty_mode == "FLAT_PER_CATEGORY":
            charges.append(self._flat_duty(prepared, parameters, duty_point, regime_rule, notes))
        elif duty_mode == "NONE":
            notes.append(f"no customs duty under {regime}")
        if values.get("additional_duties"):
            charges.extend(
                self._additional_duties(prepared, parameters, item_duties, notes, evaluation)
            )
        charges.extend(self._taxes(prepared, values, parameters, item_duties, regime_rule, notes))
        if values.get("handling_fee"):
            charges.append(self._handling_fee(prepared, values, parameters, evaluation, notes))

        at_sale = sum((c.amount.amount for c in charges if c.collected_at == AT_SALE), ZERO)
        at_import = sum((c.amount.amount for c in charges if c.collected_at == AT_IMPORT), ZERO)
        notes.append(
            f"total collected at sale = {show(at_sale, currency)} {currency}; "
            f"total due at import = {show(at_import, currency)} {currency}"
        )
        notes.extend(prepared.converter.notes)
        return Assessment(
            declaration_id=declaration.declaration_id,
            regime=str(regime),
            valuation_basis=prepared.basis,
            intrinsic_value=Money(prepared.intrinsic, currency),
            customs_value=Money(prepared.customs_value, currency),
            freight=Money(prepared.freight, currency),
            insurance=Money(prepared.insurance, currency),
            items=tuple(valuations),
            charges=tuple(charges),
            total_at_sale=Money(round_money(at_sale, currency), currency),
            total_at_import=Money(round_money(at_import, currency), currency),
            exchange_rates=prepared.converter.rates_used,
            rules_revision=evaluation.revision,
            fired=evaluation.fired,
            notes=tuple(notes),
        )

    @staticmethod
    def _value_notes(prepared: _Prepared) -> list[str]:
        currency = prepared.currency
        notes = []
        for line in prepared.lines:
            parts = [show(line.intrinsic, currency)]
            if prepared.basis == CIF:
                if line.freight:
                    parts.append(f"{show(line.freight, currency)} freight")
                if line.insurance:
                    parts.append(f"{show(line.insurance, currency)} insurance")
            working = f"{' + '.join(parts)} = " if len(parts) > 1 else ""
            notes.append(
                f"item {line.item.line_number} customs value ({prepared.basis}) = "
                f"{working}{show(line.customs_value, currency)} {currency}"
            )
        if prepared.basis == FOB and (prepared.freight or prepared.insurance):
            notes.append(
                f"freight {show(prepared.freight, currency)} and insurance "
                f"{show(prepared.insurance, currency)} {currency} are not part of the FOB "
                "customs value"
            )
        notes.append(
            f"consignment intrinsic value = {show(prepared.intrinsic, currency)} {currency}; "
            f"customs value = {show(prepared.customs_value, currency)} {currency}"
        )
        return notes

    def _duty_rate(
        self, prepared: _Prepared, line: _Line, notes: list[str]
    ) -> tuple[DutyRate, str, str, bool]:
        """The rate for one item: preference, tariff column or the pack's MFN table."""
        parameters = prepared.parameters
        destination = prepared.request.declaration.destination_country
        if not line.code:
            violations = FieldViolations()
            violations.add(
                prepared.request.paths.item(line.index, prepared.request.paths.hs_code_field),
                "is required: duty is due and no HS code was declared or decided for the item",
            )
            violations.raise_if_any("an HS code is needed to compute the duty")
        agreement = line.context.preference_agreement
        preferences = parameters.get("preferential_percent", {})
        if agreement and agreement in preferences:
            percent = Decimal(preferences[agreement])
            text = f"{show_percent(percent)} (preference {agreement})"
            return _ad_valorem(percent, text), text, "", True
        if agreement:
            notes.append(
                f"item {line.item.line_number}: preference {agreement} has no preferential rate in "
                f"{destination}'s pack; the MFN rate applies"
            )
        column = str(parameters.get("tariff_column", ""))
        if column in _TARIFF_COLUMNS:
            tariff_line = self.tariff.best_line(line.code)
            if tariff_line is None:
                raise TariffLineNotFound(
                    f"no line of the tariff snapshot {self.tariff.snapshot} covers {line.code}",
                    metadata={"hs_code": line.code},
                )
            rate: DutyRate = getattr(tariff_line, column)
            if len(line.code) < len(tariff_line.code):
                others = self.tariff.rate_texts(line.code[:6], column)
                if len(others) > 1:
                    notes.append(
                        f"item {line.item.line_number}: {line.code} is less precise than the "
                        "tariff; "
                        f"line {tariff_line.code} is applied (declare the national code for the "
                        f"exact rate; rates under {line.code[:6]} range over {sorted(others)})"
                    )
            return rate, f"{rate.text} ({_TARIFF_COLUMNS[column]})", tariff_line.code, False
        table = parameters.get("mfn_percent_by_chapter", {})
        chapter = line.code[:2]
        if chapter not in table:
            raise DutyNotComputable(
                f"{destination}'s MFN table has no rate for HS chapter {chapter} (first version: "
                "e-commerce chapters only)",
                metadata={"hs_code": line.code, "destination_country": destination},
            )
        percent = Decimal(table[chapter])
        label = str(parameters.get("mfn_table_label", "approximate MFN table"))
        text = f"{show_percent(percent)} ({label}, chapter {chapter})"
        return _ad_valorem(percent, text), text, "", False

    @staticmethod
    def _flat_duty(
        prepared: _Prepared,
        parameters: Mapping[str, Any],
        collected_at: str,
        rule: FiredRule,
        notes: list[str],
    ) -> Charge:
        lines = prepared.lines
        uncoded = [line for line in lines if not line.code]
        if uncoded:
            violations = FieldViolations()
            for line in uncoded:
                violations.add(
                    prepared.request.paths.item(line.index, prepared.request.paths.hs_code_field),
                    "is required: the flat duty is charged per distinct tariff subheading",
                )
            violations.raise_if_any("HS codes are needed for the flat duty per item category")
        flat = parameters["flat_duty_per_category"]
        flat_currency = str(parameters.get("flat_duty_currency", "EUR"))
        categories = sorted({line.code[:6] for line in lines})
        per_category = prepared.converter.convert(Decimal(flat), flat_currency, prepared.currency)
        amount = round_money(per_category * len(categories), prepared.currency)
        converted = ""
        if flat_currency != prepared.currency:
            used = prepared.converter.rate_used(flat_currency, prepared.currency)
            total = Decimal(flat) * len(categories)
            converted = (
                f"{flat_currency} {show(total, flat_currency)} * {used.rate} "
                f"(ECB {used.rate_date.isoformat()}) = "
            )
        notes.append(
            f"flat duty = {len(categories)} categor{'y' if len(categories) == 1 else 'ies'} "
            f"({', '.join(categories)}) * {flat_currency} {show(Decimal(flat), flat_currency)} = "
            f"{converted}{show(amount, prepared.currency)} {prepared.currency}"
        )
        return Charge(
            "FLAT_DUTY",
            Money(amount, prepared.currency),
            collected_at,
            None,
            f"{flat_currency} {show(Decimal(flat), flat_currency)} per category",
            0,
            rule.rule_id,
        )

    @staticmethod
    def _additional_duties(
        prepared: _Prepared,
        parameters: Mapping[str, Any],
        item_duties: dict[int, Decimal],
        notes: list[str],
        evaluation: Evaluation,
    ) -> list[Charge]:
        table = parameters.get("additional_duty_percent_by_origin", {})
        on = prepared.request.declaration.declaration_date
        rule = _rule(evaluation.fired, "ADDITIONAL")
        currency = prepared.currency
        violations = FieldViolations()
        charges = []
        for line in prepared.lines:
            origin = line.item.origin_country
            if not origin:
                violations.add(
                    prepared.request.paths.item(line.index, "origin_country"),
                    "is required: additional duties depend on the country of origin",
                )
                continue
            percent = in_force(table[origin], on) if origin in table else None
            if percent is None:
                continue
            amount = round_money(percent_of(line.customs_value, percent), currency)
            item_duties[line.item.line_number] += amount
            charges.append(
                Charge(
                    "ADDITIONAL_DUTY",
                    Money(amount, currency),
                    AT_IMPORT,
                    Money(line.customs_value, currency),
                    f"{show_percent(percent)} (origin {origin})",
                    line.item.line_number,
                    rule.rule_id,
                )
            )
            notes.append(
                f"item {line.item.line_number} additional duty (origin {origin}) = "
                f"{show_percent(percent)} * {show(line.customs_value, currency)} = "
                f"{show(amount, currency)} {currency}"
            )
        violations.raise_if_any("the origin is needed for additional duties")
        return charges

    @staticmethod
    def _taxes(
        prepared: _Prepared,
        values: Mapping[str, Any],
        parameters: Mapping[str, Any],
        item_duties: Mapping[int, Decimal],
        rule: FiredRule,
        notes: list[str],
    ) -> list[Charge]:
        tax = str(values.get("tax", "NONE"))
        if tax == "NONE":
            notes.append("no VAT/GST is charged under this regime")
            return []
        if tax not in _TAX_TYPES:
            raise PackIncomplete(f"the valuation pack set an unknown tax {tax!r}")
        declaration = prepared.request.declaration
        on = declaration.declaration_date
        federal = _LineTax(tax, tax, _tax_rate(parameters, declaration.destination_country, on), "")
        regional = _regional(prepared, parameters, notes)
        if regional is not None and regional.replaces_federal:
            federal = _LineTax(
                regional.charge_type, regional.name, regional.percent, regional.region
            )
        extra = (
            _LineTax(regional.charge_type, regional.name, regional.percent, regional.region)
            if regional is not None and not regional.replaces_federal
            else None
        )
        factor = Decimal(values.get("tax_rate_factor", 1))
        base_kind = str(values.get("tax_base", "CUSTOMS_VALUE_PLUS_DUTY"))
        collected_at = str(values.get("tax_collected_at", AT_IMPORT))
        with_excise = bool(values.get("consumption_tax"))
        currency = prepared.currency
        charges: list[Charge] = []
        for line in prepared.lines:
            duty = item_duties[line.item.line_number]
            if base_kind == "SALE_PRICE":
                parts = [
                    (line.intrinsic, ""),
                    (line.freight, "freight"),
                    (line.insurance, "insurance"),
                ]
            elif base_kind == "CIF_PLUS_DUTY":
                parts = [
                    (line.intrinsic, ""),
                    (line.freight, "freight"),
                    (line.insurance, "insurance"),
                    (duty, "duty"),
                ]
            else:
                parts = [(line.customs_value, ""), (duty, "duty")]
            if with_excise:
                statutory = _consumption_tax(
                    prepared, line, parts, factor, collected_at, rule, notes, charges
                )
                if statutory is not None:
                    parts.append((statutory, "consumption tax"))
            charges.append(federal.charge(line, parts, factor, collected_at, rule, currency, notes))
            if extra is not None:
                charges.append(
                    extra.charge(line, parts, factor, collected_at, rule, currency, notes)
                )
        return charges

    @staticmethod
    def _handling_fee(
        prepared: _Prepared,
        values: Mapping[str, Any],
        parameters: Mapping[str, Any],
        evaluation: Evaluation,
        notes: list[str],
    ) -> Charge:
        fee = Decimal(parameters["handling_fee_per_consignment"])
        fee_currency = str(parameters.get("handling_fee_currency", "EUR"))
        amount = round_money(
            prepared.converter.convert(fee, fee_currency, prepared.currency), prepared.currency
        )
        notes.append(
            f"handling fee = {fee_currency} {show(fee, fee_currency)} per consignment = "
            f"{show(amount, prepared.currency)} {prepared.currency}"
        )
        return Charge(
            "HANDLING_FEE",
            Money(amount, prepared.currency),
            str(values.get("handling_fee_collected_at", AT_IMPORT)),
            None,
            f"{fee_currency} {show(fee, fee_currency)} per consignment",
            0,
            _rule(evaluation.fired, "FEE").rule_id,
        )


def _ad_valorem(percent: Decimal, text: str) -> DutyRate:
    return DutyRate(percent, (), None, None, text)


def _rule(fired: Sequence[FiredRule], kind: str) -> FiredRule:
    """The fired rule of a kind; pack rule ids read `<JURISDICTION>-<KIND>-<NAME>`."""
    for rule in fired:
        if f"-{kind}-" in rule.rule_id:
            return rule
    return FiredRule("", "", "")


def _national_currency(parameters: Mapping[str, Any], destination: str, on: date) -> str:
    """The currency duties and taxes are assessed in: a member state outside the euro area
    charges in its own (`currency_by_country`), every other destination in the pack's."""
    history = parameters.get("currency_by_country", {}).get(destination)
    national = dated(history, on) if history else None
    return str(national or parameters["currency"])


def _tax_rate(parameters: Mapping[str, Any], destination: str, on: date) -> Decimal:
    """The standard rate in force on `on` from `tax_rates: {COUNTRY: {"YYYY-MM-DD": percent}}`."""
    history = parameters.get("tax_rates", {}).get(destination)
    rate = in_force(history, on) if history else None
    if rate is None:
        raise PackIncomplete(
            f"the valuation pack has no VAT/GST rate for {destination} on {on.isoformat()}"
        )
    return rate


def _regional(
    prepared: _Prepared, parameters: Mapping[str, Any], notes: list[str]
) -> RegionalTax | None:
    """The consignee's regional sales tax where the pack has a table of them (CA provinces)."""
    if "regional_taxes" not in parameters:
        return None
    region = str(prepared.facts["consignee_region"])
    if not region:
        notes.append(
            "consignee province unknown (neither consignee.address.region nor a postal code "
            "names one): only the federal GST is charged; in an HST province the HST (13-15%) "
            "replaces it and in BC, SK, MB and QC a provincial sales tax is also due"
        )
        return None
    found = regional_tax(parameters, region, prepared.request.declaration.declaration_date)
    if found is None:
        notes.append(f"consignee province {region}: no provincial sales tax, GST only")
    return found


def _consumption_tax(
    prepared: _Prepared,
    line: _Line,
    parts: Sequence[tuple[Decimal, str]],
    factor: Decimal,
    collected_at: str,
    rule: FiredRule,
    notes: list[str],
    charges: list[Charge],
) -> Decimal | None:
    """Charge an item's consumption tax; return its statutory amount (part of the VAT base).

    Ad valorem consumption tax is levied on (value + duty) / (1 - rate); the cross-border retail
    reduction applies the same factor to it as to the VAT, whose base holds the full amount.
    """
    currency = prepared.currency
    quantity = max(line.item.quantity, 1)
    rate = consumption_tax_rate(
        prepared.parameters,
        line.code,
        line.intrinsic / quantity,
        prepared.request.declaration.declaration_date,
    )
    if rate is None:
        return None
    base = sum((amount for amount, _ in parts), ZERO)
    statutory = round_money(base * rate.percent / (HUNDRED - rate.percent), currency)
    amount = round_money(statutory * factor, currency)
    reduction = f" * {factor}" if factor != 1 else ""
    notes.append(
        f"item {line.item.line_number} consumption tax ({rate.goods}) = "
        f"{show(base, currency)} * {show_percent(rate.percent)} / (1 - "
        f"{show_percent(rate.percent)}) = {show(statutory, currency)}{reduction} = "
        f"{show(amount, currency)} {currency}" + (f"; {rate.note}" if rate.note else "")
    )
    charges.append(
        Charge(
            "EXCISE",
            Money(amount, currency),
            collected_at,
            Money(base, currency),
            f"{show_percent(rate.percent)} consumption tax ({rate.goods}){reduction}",
            line.item.line_number,
            rule.rule_id,
        )
    )
    return statutory


def _annual_limit_note(prepared: _Prepared, parameters: Mapping[str, Any]) -> str:
    """How the consumer's yearly limit was checked, or that it could not be."""
    limit = Decimal(parameters["annual_limit"])
    currency = str(parameters.get("threshold_currency", prepared.currency))
    year_total = prepared.request.consumer_year_total
    if year_total is None:
        return (
            f"yearly total unknown: the consumer's annual limit of {currency} "
            f"{show(limit, currency)} was not checked (no consumer_year_total in the request)"
        )
    after = Decimal(prepared.facts["consumer_year_total_after"])
    return (
        f"consumer's yearly total = {year_total.currency} "
        f"{show(year_total.amount, year_total.currency)} before this declaration, "
        f"{show(after, currency)} {currency} with it (annual limit {show(limit, currency)})"
    )


def _indexed(error: ClearwayError, index: int, batch_size: int) -> ClearwayError:
    """Name the request of a batch the refusal is about."""
    if batch_size > 1:
        error.metadata.setdefault("request_index", str(index))
    return error
