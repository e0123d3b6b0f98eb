"""Policy simulation: replay the same parcels under several rule-pack sets, in this process.

Each scenario is a rule-pack directory (and optionally a date the parcels are declared on).
The services' own domains do the work: each service's `build_domain` loads the reference
data and model once (for the first scenario); the other scenarios reuse that data with their
own RulesEngine, so only the rule packs differ between them. Nothing is written anywhere: the
risk history is per scenario and in memory, and no store is opened for writing.

The per-parcel flow mirrors the orchestrator's (classify → value ∥ assess risk → decide with
rules/clearance). Origin is not consulted: preferences are not granted in a simulation, so
items pay the rates without preference.

A step is computed once for all scenarios that would compute it identically: when a later
scenario has the same packs of a domain (by pack revision) and the same dates as an earlier
one, and the same inputs (classification feeds valuation and risk), it takes the earlier
scenario's answers. Comparing two valuation thresholds thus classifies and assesses risk once.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
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
from clearway.risk.screening import PartyScreener, ScreeningHit
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


class _RememberingScreener(PartyScreener):
    """The loaded lists, remembering the latest names' hits: sellers and consumers recur from
    parcel to parcel and scenario to scenario, and the lists do not change in a simulation."""

    remembered = 1 << 16

    def __init__(self, screener: PartyScreener) -> None:
        super().__init__(screener.index, screener.threshold)
        self._screen = lru_cache(maxsize=self.remembered)(super().screen)

    def screen(
        self, name: str, country: str = "", threshold: float | None = None
    ) -> tuple[ScreeningHit, ...]:
        return self._screen(name, country, threshold)


@dataclass(frozen=True)
class _Loaded:
    """The domains the services built: their reference data, model and lists."""

    classification: ClassificationDomain
    valuation: Valuation
    risk: RiskDomain


@dataclass
class _Domains:
    classification: ClassificationDomain
    valuation: Valuation
    risk: RiskDomain
    clearance: RulesEngine
    codes: _TariffCodes


@dataclass
class _Parcel:
    """One declaration on its way through a scenario: each step's answer or refusal."""

    declaration: Declaration
    origin: str
    contexts: list[TariffContext] = field(default_factory=list)
    unknown_code: bool = False
    valued: Assessment | ClearwayError | None = None
    assessed: RiskAssessment | ClearwayError | None = None

    @property
    def assessment(self) -> Assessment | None:
        return self.valued if isinstance(self.valued, Assessment) else None

    @property
    def risk(self) -> RiskAssessment | None:
        return self.assessed if isinstance(self.assessed, RiskAssessment) else None

    @property
    def rejected(self) -> bool:
        """A declared code outside HS 2022, or input a service refuses as invalid."""
        return self.unknown_code or any(
            isinstance(a, ClearwayError) and a.code == grpc.StatusCode.INVALID_ARGUMENT
            for a in (self.valued, self.assessed)
        )

    @property
    def manual(self) -> bool:
        """Any other refusal means a manual assessment."""
        return any(isinstance(a, ClearwayError) for a in (self.valued, self.assessed))


@dataclass(frozen=True)
class _Reuse:
    """For each step, the earlier scenario whose answers this one takes (None: compute)."""

    classification: int | None = None
    valuation: int | None = None
    risk: int | None = None


def _reuse(specs: Sequence[ScenarioSpec], engines: Sequence[RulesEngine]) -> list[_Reuse]:
    """Which earlier scenario computes each step exactly as this one would."""

    def packs(engine: RulesEngine, domain: str) -> tuple[tuple[str, str, str], ...]:
        return tuple(
            sorted((p.id, p.jurisdiction, p.revision) for p in engine.packs if p.domain == domain)
        )

    def earliest(index: int, *domains: str) -> int | None:
        key = [packs(engines[index], d) for d in domains]
        for earlier in range(index):
            same_dates = specs[earlier].dates == specs[index].dates
            if same_dates and [packs(engines[earlier], d) for d in domains] == key:
                return earlier
        return None

    return [
        _Reuse(
            earliest(i, "classification"),
            earliest(i, "classification", "valuation"),
            earliest(i, "classification", "risk"),
        )
        for i in range(len(specs))
    ]


class Simulator:
    """Holds one set of domains per scenario; `run` replays declarations through all of them."""

    def __init__(
        self, specs: Sequence[ScenarioSpec], settings: Settings, *, share: bool = True
    ) -> None:
        """`share=False` makes every scenario compute every step and remember nothing (the
        plain replay the shared one is measured and tested against)."""
        if not specs:
            raise ValueError("a simulation needs at least one scenario")
        self.specs = tuple(specs)
        self._services: list[ClearwayService[Any]] = []
        self._engines: dict[Path, RulesEngine] = {}
        # The services open their stores (the risk history) at the configured database: here
        # a throwaway one, so a simulation never writes to production.
        self._scratch = tempfile.TemporaryDirectory(prefix="clearway-simulation-")
        self.unreadable = 0
        """Declarations skipped because they cannot be read (refused at submission)."""
        loaded = self._first(specs[0], settings)
        self.rates = loaded.valuation.rates
        """The reference exchange rates the scenarios value with."""
        screener = _RememberingScreener(loaded.risk.screener) if share else loaded.risk.screener
        self._domains = [self._derived(spec, loaded, screener, share) for spec in specs]
        engines = [d.clearance for d in self._domains]
        self._reuse = _reuse(self.specs, engines) if share else [_Reuse()] * len(specs)

    def _first(self, spec: ScenarioSpec, settings: Settings) -> _Loaded:
        """The services build their domains as they do when they serve (same data, same code)."""
        scenario_settings = dataclasses.replace(
            settings,
            rules_dir=spec.rules_dir,
            rules_reload_seconds=_RELOAD_SECONDS,
            database_url=f"sqlite:///{Path(self._scratch.name) / 'simulation.db'}",
        )
        telemetry = Telemetry("simulation", settings)
        classification = self._load(ClassificationService(scenario_settings, telemetry))
        valuation = self._load(ValuationService(scenario_settings, telemetry))
        risk = self._load(RiskService(scenario_settings, telemetry))
        return _Loaded(classification, valuation, risk)

    def _load(self, service: ClearwayService[D]) -> D:
        service.load()
        self._services.append(service)
        return service.domain

    def _derived(
        self, spec: ScenarioSpec, first: _Loaded, screener: PartyScreener, remember: bool
    ) -> _Domains:
        """The loaded reference data, model and lists under this scenario's packs, with a
        consignee history of its own in memory."""
        engine = self._engine(spec.rules_dir)
        classification = ClassificationDomain(
            first.classification.classifier, first.classification.tariff, engine
        )
        return _Domains(
            classification,
            Valuation(engine, first.valuation.tariff, first.valuation.rates),
            RiskDomain(engine, screener, first.risk.rates, InMemoryConsigneeHistory()),
            engine,
            _TariffCodes(classification, remember=remember),
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
        self._scratch.cleanup()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def run(
        self, declarations: Iterable[common_pb2.Declaration], chunk: int = CHUNK
    ) -> Iterator[tuple[int, ParcelFacts]]:
        """(scenario index, facts) for every readable declaration under every scenario."""
        for batch in _batched(declarations, chunk):
            yield from self._finish(self._prepare(batch))

    def _prepare(self, batch: Sequence[common_pb2.Declaration]) -> _Batch:
        """Read the batch, then classify and value it under every scenario."""
        models: list[tuple[Declaration, str]] = []
        unreadable = 0
        for proto in batch:
            model = DeclarationReader().declaration(proto)
            if model is None:
                unreadable += 1
                continue
            models.append((model, parcel_origin(proto)))
        scenarios: list[list[_Parcel]] = []
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
            _classify_and_value(domains, parcels, scenarios, self._reuse[index])
            scenarios.append(parcels)
        return _Batch(unreadable, scenarios)

    def _finish(self, batch: _Batch) -> Iterator[tuple[int, ParcelFacts]]:
        """Assess risk (each scenario's consignee history sees the parcels in manifest order)
        and decide, scenario by scenario."""
        self.unreadable += batch.unreadable
        for index, (domains, parcels) in enumerate(
            zip(self._domains, batch.scenarios, strict=True)
        ):
            _assess_risk(domains, parcels, batch.scenarios, self._reuse[index])
            for facts in _decide(domains.clearance, parcels):
                yield index, facts


@dataclass
class _Batch:
    """A batch read, classified and valued under every scenario, ready for risk."""

    unreadable: int
    scenarios: list[list[_Parcel]]


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _classify_and_value(
    domains: _Domains, parcels: list[_Parcel], earlier: list[list[_Parcel]], reuse: _Reuse
) -> None:
    """Each step computed, or taken from an earlier scenario that computes it identically."""
    if reuse.classification is None:
        domains.codes.assign(parcels)
    else:
        for parcel, done in zip(parcels, earlier[reuse.classification], strict=True):
            parcel.contexts, parcel.unknown_code = done.contexts, done.unknown_code
    if reuse.valuation is None:
        live = [p for p in parcels if not p.unknown_code]
        assessments = _each(
            domains.valuation.assess_many,
            [ChargesRequest(p.declaration, tuple(p.contexts)) for p in live],
        )
        for parcel, assessment in zip(live, assessments, strict=True):
            parcel.valued = assessment
    else:
        for parcel, done in zip(parcels, earlier[reuse.valuation], strict=True):
            parcel.valued = done.valued


def _assess_risk(
    domains: _Domains, parcels: list[_Parcel], earlier: list[list[_Parcel]], reuse: _Reuse
) -> None:
    if reuse.risk is not None:
        for parcel, done in zip(parcels, earlier[reuse.risk], strict=True):
            parcel.assessed = done.assessed
        return
    live = [p for p in parcels if not p.unknown_code]
    risks = _each(
        domains.risk.assess_many,
        [
            AssessmentRequest(p.declaration, {c.line_number: c.hs_code for c in p.contexts})
            for p in live
        ],
    )
    for parcel, risk in zip(live, risks, strict=True):
        parcel.assessed = risk


class _TariffCodes:
    """The tariff code the classification step gave each distinct item, by the classification
    packs in force on the day: the same description, declared code and destination under the
    same packs always get the same code, and parcels repeat their goods."""

    limit = 1 << 18

    def __init__(self, domain: ClassificationDomain, *, remember: bool = True) -> None:
        self.domain = domain
        self.remember = remember
        self._codes: dict[tuple[ItemDescription, tuple[str, ...]], tuple[str, str]] = {}
        self._packs: dict[date, tuple[str, ...]] = {}

    def packs(self, on: date) -> tuple[str, ...]:
        """The revisions of the classification packs in force on `on` (its rules' only input
        from the date)."""
        if on not in self._packs:
            self._packs[on] = tuple(
                sorted(
                    p.revision
                    for p in self.domain.engine.packs
                    if p.domain == "classification" and p.effective_on(on)
                )
            )
        return self._packs[on]

    def assign(self, parcels: list[_Parcel]) -> None:
        """Each item's tariff context: the declared code when it exists and fits the
        description, else the classifier's (as the orchestrator decides it)."""
        if len(self._codes) > self.limit or not self.remember:
            self._codes.clear()
        keys: list[tuple[_Parcel, list[tuple[ItemDescription, tuple[str, ...]]]]] = []
        missing: dict[date, dict[tuple[ItemDescription, tuple[str, ...]], None]] = defaultdict(dict)
        for parcel in parcels:
            declaration = parcel.declaration
            if any(
                i.declared_hs_code and not self.domain.code_exists(i.declared_hs_code)
                for i in declaration.items
            ):
                parcel.unknown_code = True
                continue
            packs = self.packs(declaration.declaration_date)
            items = [
                (
                    ItemDescription(
                        description=item.description,
                        category_path=item.category_path,
                        material=item.material,
                        brand=item.brand,
                        declared_code=item.declared_hs_code,
                        destination=declaration.destination_country,
                    ),
                    packs,
                )
                for item in declaration.items
            ]
            keys.append((parcel, items))
            for key in items:
                if key not in self._codes:
                    missing[declaration.declaration_date][key] = None
        for on, wanted in missing.items():
            requests = [request for request, _packs in wanted]
            for key, answer in zip(wanted, self.domain.classify_many(requests, on), strict=True):
                check = answer.declared_check
                self._codes[key] = tariff_code_used(
                    key[0].declared_code,
                    check is not None and check.plausible,
                    answer.classification.best.hs_code,
                    answer.national_tariff_code,
                )
        for parcel, items in keys:
            parcel.contexts = [
                TariffContext(item.line_number, *self._codes[key])
                for item, key in zip(parcel.declaration.items, items, strict=True)
            ]


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
