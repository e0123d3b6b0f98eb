"""Policy simulation: replay the same parcels under several rule-pack sets, in this process.

Each scenario is a rule-pack directory (and optionally a date the parcels are declared on).
The services' own domains do the work: each service's `build_domain` loads the reference
data and model once (for the first scenario); the other scenarios reuse that data with their
own RulesEngine, so only the rule packs differ between them. Nothing is written anywhere: the
risk history is per scenario and in memory, and no store is opened for writing.

The per-parcel flow mirrors the orchestrator's (classify → value ∥ assess risk → decide with
rules/clearance). Origin is not consulted: preferences are not granted in a simulation, so
items pay the rates without preference.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import grpc

from clearway.classification.domain import ClassificationDomain, ItemDescription
from clearway.classification.service import ClassificationService
from clearway.declarations.codec import DeclarationReader
from clearway.declarations.model import Declaration
from clearway.orchestrator.decision import DecisionFacts, decide, tariff_code_used
from clearway.reporting.facts import (
    UNASSESSED,
    ChargeFact,
    LineFact,
    ParcelFacts,
    parcel_origin,
)
from clearway.risk.domain import AssessmentRequest, RiskAssessment, RiskDomain
from clearway.risk.history import InMemoryConsigneeHistory
from clearway.risk.service import RiskService
from clearway.rules import RulesEngine
from clearway.runtime.errors import ClearwayError
from clearway.runtime.server import ClearwayService
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import common_pb2
from clearway.valuation.domain import Valuation
from clearway.valuation.model import Assessment, ChargesRequest, TariffContext
from clearway.valuation.service import ValuationService

log = logging.getLogger(__name__)

CHUNK = 500
PENDING = "HOLD_PENDING_CHECKS"
REJECTED = "REJECTED"
_RELOAD_SECONDS = 3600.0
"""Rule packs are read once per simulation; the services' watchers never get to fire."""

T = TypeVar("T")
R = TypeVar("R")
D = TypeVar("D")


@dataclass(frozen=True)
class DateOverride:
    """Evaluate every parcel as if declared on `as_of`, or `shift_days` later (or earlier)."""

    as_of: date | None = None
    shift_days: int = 0

    def apply(self, declared: date) -> date:
        return (self.as_of or declared) + timedelta(days=self.shift_days)

    @property
    def label(self) -> str:
        if self.as_of is not None:
            return f"as of {self.as_of.isoformat()}" + (
                f" {self.shift_days:+d}d" if self.shift_days else ""
            )
        return f"shifted {self.shift_days:+d}d" if self.shift_days else ""


@dataclass(frozen=True)
class ScenarioSpec:
    """A rule-pack directory and the dates the parcels are evaluated on."""

    rules_dir: Path
    dates: DateOverride = DateOverride()
    name: str = ""

    @property
    def label(self) -> str:
        base = self.name or str(self.rules_dir)
        return f"{base} ({self.dates.label})" if self.dates.label else base


def scenarios(
    rules_dirs: Sequence[Path], as_of: Sequence[date], shift_days: int = 0
) -> list[ScenarioSpec]:
    """Every rule-pack directory under every as-of date (or the declared dates)."""
    overrides = [DateOverride(day, shift_days) for day in as_of] or [DateOverride(None, shift_days)]
    names = [d.name for d in rules_dirs]
    distinct = len(set(names)) == len(names)
    pairs = itertools.product(rules_dirs, overrides)
    return [
        ScenarioSpec(rules, override, rules.name if distinct else str(rules))
        for rules, override in pairs
    ]


@dataclass
class _Domains:
    classification: ClassificationDomain
    valuation: Valuation
    risk: RiskDomain
    clearance: RulesEngine


@dataclass
class _Parcel:
    """One declaration on its way through a scenario."""

    declaration: Declaration
    origin: str
    contexts: list[TariffContext] = field(default_factory=list)
    assessment: Assessment | None = None
    risk: RiskAssessment | None = None
    manual: bool = False
    rejected: bool = False


class Simulator:
    """Holds one set of domains per scenario; `run` replays declarations through all of them."""

    def __init__(self, specs: Sequence[ScenarioSpec], settings: Settings) -> None:
        if not specs:
            raise ValueError("a simulation needs at least one scenario")
        self.specs = tuple(specs)
        self._services: list[ClearwayService[Any]] = []
        self._engines: dict[Path, RulesEngine] = {}
        self.unreadable = 0
        """Declarations skipped because they cannot be read (refused at submission)."""
        self._domains = [self._first(specs[0], settings)]
        first = self._domains[0]
        self.rates = first.valuation.rates
        """The reference exchange rates the scenarios value with."""
        for spec in specs[1:]:
            self._domains.append(self._derived(spec, first))

    def _first(self, spec: ScenarioSpec, settings: Settings) -> _Domains:
        """The services build their domains as they do when they serve (same data, same code)."""
        scenario_settings = dataclasses.replace(
            settings, rules_dir=spec.rules_dir, rules_reload_seconds=_RELOAD_SECONDS
        )
        telemetry = Telemetry("simulation", settings)
        classification = self._load(ClassificationService(scenario_settings, telemetry))
        valuation = self._load(ValuationService(scenario_settings, telemetry))
        risk = self._load(RiskService(scenario_settings, telemetry))
        return _Domains(classification, valuation, risk, self._engine(spec.rules_dir))

    def _load(self, service: ClearwayService[D]) -> D:
        service.load()
        self._services.append(service)
        return service.domain

    def _derived(self, spec: ScenarioSpec, first: _Domains) -> _Domains:
        """The first scenario's reference data, model and lists under this scenario's packs."""
        engine = self._engine(spec.rules_dir)
        return _Domains(
            ClassificationDomain(
                first.classification.classifier, first.classification.tariff, engine
            ),
            Valuation(engine, first.valuation.tariff, first.valuation.rates),
            RiskDomain(engine, first.risk.screener, first.risk.rates, InMemoryConsigneeHistory()),
            engine,
        )

    def _engine(self, rules_dir: Path) -> RulesEngine:
        """One engine per pack directory, shared by the domains (it is thread-safe and
        evaluates any domain); packs are read once, never reloaded mid-simulation."""
        key = rules_dir.resolve()
        if key not in self._engines:
            self._engines[key] = RulesEngine(rules_dir, reload_interval=None)
        return self._engines[key]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
        for service in self._services:
            service.close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def run(
        self, declarations: Iterable[common_pb2.Declaration], chunk: int = CHUNK
    ) -> Iterator[tuple[int, ParcelFacts]]:
        """(scenario index, facts) for every readable declaration under every scenario."""
        for batch in _batched(declarations, chunk):
            models: list[tuple[Declaration, str]] = []
            for proto in batch:
                model = DeclarationReader().declaration(proto)
                if model is None:
                    self.unreadable += 1
                    continue
                models.append((model, parcel_origin(proto)))
            for index, (spec, domains) in enumerate(zip(self.specs, self._domains, strict=True)):
                parcels = [
                    _Parcel(
                        dataclasses.replace(
                            model, declaration_date=spec.dates.apply(model.declaration_date)
                        ),
                        origin,
                    )
                    for model, origin in models
                ]
                for facts in _replay(domains, parcels):
                    yield index, facts


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _replay(domains: _Domains, parcels: list[_Parcel]) -> list[ParcelFacts]:
    _classify(domains.classification, parcels)
    live = [p for p in parcels if not p.rejected]
    assessments = _each(
        domains.valuation.assess_many,
        [ChargesRequest(p.declaration, tuple(p.contexts)) for p in live],
    )
    risks = _each(
        domains.risk.assess_many,
        [
            AssessmentRequest(p.declaration, {c.line_number: c.hs_code for c in p.contexts})
            for p in live
        ],
    )
    for parcel, assessment, risk in zip(live, assessments, risks, strict=True):
        if isinstance(assessment, ClearwayError):
            _refuse(parcel, assessment)
        else:
            parcel.assessment = assessment
        if isinstance(risk, ClearwayError):
            _refuse(parcel, risk)
        else:
            parcel.risk = risk
    return _decide(domains.clearance, parcels)


def _classify(domain: ClassificationDomain, parcels: list[_Parcel]) -> None:
    """The code each item is valued under: the declared one when it exists and fits the
    description, else the classifier's (as the orchestrator decides it)."""
    by_date: dict[date, list[tuple[_Parcel, int]]] = defaultdict(list)
    for parcel in parcels:
        items = parcel.declaration.items
        if any(i.declared_hs_code and not domain.code_exists(i.declared_hs_code) for i in items):
            parcel.rejected = True
            continue
        for index in range(len(items)):
            by_date[parcel.declaration.declaration_date].append((parcel, index))
    for on, positions in by_date.items():
        requests = [
            ItemDescription(
                description=item.description,
                category_path=item.category_path,
                material=item.material,
                brand=item.brand,
                declared_code=item.declared_hs_code,
                destination=parcel.declaration.destination_country,
            )
            for parcel, index in positions
            for item in (parcel.declaration.items[index],)
        ]
        for (parcel, index), answer in zip(
            positions, domain.classify_many(requests, on), strict=True
        ):
            item = parcel.declaration.items[index]
            check = answer.declared_check
            hs_code, national = tariff_code_used(
                item.declared_hs_code,
                check is not None and check.plausible,
                answer.classification.best.hs_code,
                answer.national_tariff_code,
            )
            parcel.contexts.append(TariffContext(item.line_number, hs_code, national))


def _each(call: Callable[[Sequence[T]], list[R]], requests: list[T]) -> list[R | ClearwayError]:
    """The batch in one call; when the domain refuses a parcel, each on its own, so a refusal
    stays with the parcel it concerns (as the orchestrator reads per-declaration refusals)."""
    if not requests:
        return []
    try:
        return list(call(requests))
    except ClearwayError:
        answers: list[R | ClearwayError] = []
        for request in requests:
            try:
                answers.append(call([request])[0])
            except ClearwayError as error:
                log.debug("parcel refused in simulation: %s", error)
                answers.append(error)
        return answers


def _refuse(parcel: _Parcel, error: ClearwayError) -> None:
    """Bad input rejects the declaration; any other refusal means a manual assessment."""
    if error.code == grpc.StatusCode.INVALID_ARGUMENT:
        parcel.rejected = True
    else:
        parcel.manual = True


def _decide(engine: RulesEngine, parcels: list[_Parcel]) -> list[ParcelFacts]:
    live = [p for p in parcels if not p.rejected]
    facts = [
        (
            p.declaration.declaration_date,
            DecisionFacts(
                destination_country=p.declaration.destination_country,
                pending_checks=False,
                manual_assessment=p.manual,
                risk_channel=p.risk.channel if p.risk is not None else "green",
                due_at_import=(
                    p.assessment.total_at_import.amount if p.assessment is not None else Decimal(0)
                ),
                incoterm=p.declaration.incoterm,
            ),
        )
        for p in live
    ]
    outcomes = {
        id(p): str(evaluation.values.get("outcome", PENDING))
        for p, evaluation in zip(live, decide(engine, facts) if facts else [], strict=True)
    }
    return [_facts(p, outcomes.get(id(p), REJECTED)) for p in parcels]


def _facts(parcel: _Parcel, outcome: str) -> ParcelFacts:
    declaration = parcel.declaration
    assessment, risk = parcel.assessment, parcel.risk
    if assessment is not None:
        currency = assessment.intrinsic_value.currency
        declared_value = assessment.intrinsic_value.amount
        lines = tuple(
            LineFact(item.line_number, item.hs_code, item.intrinsic_value.amount)
            for item in assessment.items
        )
        charges = tuple(
            ChargeFact(c.type, c.amount.amount, c.amount.currency, c.collected_at, c.line_number)
            for c in assessment.charges
        )
    else:
        currency, declared_value, charges = "", Decimal(0), ()
        lines = tuple(LineFact(c.line_number, c.hs_code, Decimal(0)) for c in parcel.contexts)
    return ParcelFacts(
        declaration_id=declaration.declaration_id,
        declaration_date=declaration.declaration_date,
        destination=declaration.destination_country,
        origin=parcel.origin,
        regime=assessment.regime if assessment is not None else UNASSESSED,
        outcome=outcome,
        channel=risk.channel if risk is not None else "none",
        risk_score=risk.score if risk is not None else 0,
        currency=currency,
        declared_value=declared_value,
        charges=charges,
        lines=lines,
        risk_rules=tuple(sorted({r.rule_id or r.code for r in risk.reasons}))
        if risk is not None
        else (),
    )
