"""Policy simulation: replay the same parcels under several rule-pack sets, without services.

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
scenario's answers. Comparing two valuation thresholds thus classifies and assesses risk once,
and values and decides a parcel twice only where the packs in force for its destination differ.

`summarise` uses two processes: this one reads, classifies and assesses risk (the consignee
history needs every parcel in manifest order, and a marketplace seller links most consignees,
so the manifest cannot be split by party), a forked worker values, decides and measures. Per
batch the worker receives the declarations as protobuf bytes and each parcel's tariff codes
and risk answer; it returns only the per-scenario summaries, so the answers are those of the
single-process replay. `read_in_background` parses a JSON manifest in a third process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import logging
import multiprocessing
import os
import queue
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

import grpc

from clearway.classification.domain import ClassificationDomain, ItemDescription
from clearway.classification.service import ClassificationService
from clearway.declarations.codec import DeclarationReader
from clearway.declarations.codes import customs_territory
from clearway.declarations.model import Declaration
from clearway.manifest import read_manifest
from clearway.orchestrator.decision import MEMO_LIMIT, DecisionFacts, decide, tariff_code_used
from clearway.reporting.facts import (
    UNASSESSED,
    ChargeFact,
    LineFact,
    ParcelFacts,
    parcel_origin,
)
from clearway.reporting.measure import Measurement, Summary, rate_converter
from clearway.risk.domain import AssessmentRequest, RiskAssessment, RiskDomain
from clearway.risk.history import InMemoryConsigneeHistory
from clearway.risk.screening import PartyScreener
from clearway.risk.service import RiskService
from clearway.rules import EvaluationMemo, RulesEngine
from clearway.runtime.errors import ClearwayError
from clearway.runtime.server import ClearwayService, settle_heap
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

    def dated(self, declaration: Declaration) -> Declaration:
        """The declaration as the scenario evaluates it (itself when no date changes)."""
        if self.as_of is None and not self.shift_days:
            return declaration
        return declaration._replace(declaration_date=self.apply(declaration.declaration_date))

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


SCREENINGS_REMEMBERED = 1 << 19
"""Screenings a simulation remembers: every distinct party of a million-parcel manifest (some
340,000 with the generator's consumers, each seen three times on average, far apart), where
the service remembers a day's names; the lists do not change in a simulation."""


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
    valuation_packs: _PacksInForce
    clearance_packs: _PacksInForce
    decisions: EvaluationMemo | None
    """The clearance answers remembered, as the orchestrator remembers them."""


@dataclass(frozen=True, slots=True)
class _Refusal:
    """A domain refused the parcel; `invalid`: as invalid input (the parcel is rejected), else
    it needs a manual assessment."""

    invalid: bool


@dataclass(frozen=True, slots=True)
class _Risk:
    """What the decision and the measurement use of a risk assessment (small, so it crosses
    to the worker process cheaply)."""

    channel: str
    score: int
    rules: tuple[str, ...]

    @classmethod
    def of(cls, assessment: RiskAssessment) -> _Risk:
        rules = tuple(sorted({r.rule_id or r.code for r in assessment.reasons}))
        return cls(assessment.channel, assessment.score, rules)


@dataclass
class _Parcel:
    """One declaration on its way through a scenario: each step's answer or refusal."""

    declaration: Declaration
    origin: str
    contexts: list[TariffContext] = field(default_factory=list)
    unknown_code: bool = False
    valued: Assessment | _Refusal | None = None
    assessed: _Risk | _Refusal | None = None
    facts: ParcelFacts | None = None
    """The decided parcel as measured."""

    @property
    def assessment(self) -> Assessment | None:
        return self.valued if isinstance(self.valued, Assessment) else None

    @property
    def risk(self) -> _Risk | None:
        return self.assessed if isinstance(self.assessed, _Risk) else None

    @property
    def rejected(self) -> bool:
        """A declared code outside HS 2022, or input a service refuses as invalid."""
        return self.unknown_code or any(
            isinstance(a, _Refusal) and a.invalid for a in (self.valued, self.assessed)
        )

    @property
    def manual(self) -> bool:
        """Any other refusal means a manual assessment."""
        return any(isinstance(a, _Refusal) for a in (self.valued, self.assessed))


_Screened = tuple[bool, list[TariffContext], _Risk | _Refusal | None]
"""A parcel's unknown-code flag, tariff contexts and risk answer under one scenario."""


@dataclass(frozen=True)
class _Handover:
    """One batch as the worker receives it: the readable declarations (protobuf bytes) and,
    per scenario, each parcel's classification and risk answers."""

    declarations: list[bytes]
    screened: list[list[_Screened]]


class _WorkerFailed(Exception):
    """The worker process raised; carries its traceback."""


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
        listed = loaded.risk.screener
        screener = (
            PartyScreener(listed.index, listed.threshold, memo_size=SCREENINGS_REMEMBERED)
            if share
            else listed
        )
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
            _PacksInForce(engine, "valuation", territory=True),
            _PacksInForce(engine, "clearance", territory=False),
            EvaluationMemo(MEMO_LIMIT) if remember else None,
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

    def _start(self) -> None:
        """Every replay starts from an empty consignee history and count of unreadables."""
        self.unreadable = 0
        for domains in self._domains:
            risk = domains.risk
            domains.risk = RiskDomain(
                risk.engine, risk.screener, risk.rates, InMemoryConsigneeHistory()
            )

    def run(
        self, declarations: Iterable[common_pb2.Declaration], chunk: int = CHUNK
    ) -> Iterator[tuple[int, ParcelFacts]]:
        """(scenario index, facts) for every readable declaration under every scenario."""
        self._start()
        for batch in _batched(declarations, chunk):
            scenarios = self._parcels(self._read(batch))
            self._screen(scenarios)
            yield from self._settle(scenarios)

    def summarise(
        self,
        declarations: Iterable[common_pb2.Declaration],
        currency: str,
        *,
        chunk: int = CHUNK,
        workers: int = 2,
    ) -> list[Summary]:
        """Each scenario's measurement of the replay, in `currency`: with `workers` >= 2 the
        valuation, decision and measurement run in a forked worker process while this one
        reads, classifies and assesses risk; the summaries are the same."""
        with _settled_heap():
            if workers < 2:
                measurements = self._measurements(currency)
                for index, facts in self.run(declarations, chunk):
                    measurements[index].add(facts)
                return [m.summary() for m in measurements]
            return self._pipelined(declarations, currency, chunk)

    def _measurements(self, currency: str) -> list[Measurement]:
        convert = rate_converter(self.rates, currency)
        return [Measurement(currency=currency, convert=convert) for _ in self.specs]

    def _read(
        self, batch: Sequence[common_pb2.Declaration]
    ) -> list[tuple[common_pb2.Declaration, Declaration]]:
        """The readable declarations of the batch, with their models."""
        readable = []
        for proto in batch:
            model = DeclarationReader().declaration(proto)
            if model is None:
                self.unreadable += 1
            else:
                readable.append((proto, model))
        return readable

    def _parcels(
        self, readable: Sequence[tuple[common_pb2.Declaration, Declaration]]
    ) -> list[list[_Parcel]]:
        """Each scenario's parcels, dated as the scenario evaluates them."""
        origins = [parcel_origin(proto) for proto, _model in readable]
        return [
            [
                _Parcel(spec.dates.dated(model), origin)
                for (_proto, model), origin in zip(readable, origins, strict=True)
            ]
            for spec in self.specs
        ]

    def _screen(self, scenarios: list[list[_Parcel]]) -> None:
        """Classify and assess risk under every scenario (each scenario's consignee history
        sees the parcels in manifest order)."""
        for domains, parcels, reuse in zip(self._domains, scenarios, self._reuse, strict=True):
            _classify(domains, parcels, scenarios, reuse)
            _assess_risk(domains, parcels, scenarios, reuse)

    def _settle(self, scenarios: list[list[_Parcel]]) -> Iterator[tuple[int, ParcelFacts]]:
        """Value and decide, scenario by scenario (neither keeps state between parcels)."""
        for index, (domains, parcels) in enumerate(zip(self._domains, scenarios, strict=True)):
            reuse = self._reuse[index]
            source = reuse.classification if reuse.valuation is None else reuse.valuation
            if reuse.valuation is None and source is not None:
                _take_same_valuations(self._domains[source], scenarios[source], domains, parcels)
            _value(domains, parcels, scenarios, reuse)
            if source is not None:
                _take_same_decisions(self._domains[source], scenarios[source], domains, parcels)
            _decide(domains.clearance, parcels, domains.decisions)
            for parcel in parcels:
                assert parcel.facts is not None
                yield index, parcel.facts

    def _pipelined(
        self, declarations: Iterable[common_pb2.Declaration], currency: str, chunk: int
    ) -> list[Summary]:
        """This process screens batch after batch and hands them over; the forked worker (it
        inherits the loaded domains) values, decides and measures them."""
        self._start()
        context = multiprocessing.get_context("fork")
        batches: multiprocessing.Queue[_Handover | None] = context.Queue(maxsize=_QUEUED)
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(
            target=self._work, args=(batches, send, currency), name="clearway-simulate"
        )
        # The heap is settled (summarise): the collector would touch every inherited object,
        # and so copy each memory page the processes share.
        worker.start()
        send.close()
        finished = False
        try:
            for batch in _batched(declarations, chunk):
                readable = self._read(batch)
                scenarios = self._parcels(readable)
                self._screen(scenarios)
                handover = _Handover(
                    [proto.SerializeToString() for proto, _model in readable],
                    [[(p.unknown_code, p.contexts, p.assessed) for p in s] for s in scenarios],
                )
                _hand(batches, handover, worker)
            _hand(batches, None, worker)
            result: list[Summary] | _WorkerFailed = receive.recv()
            finished = True
        except EOFError as error:
            raise _WorkerFailed(f"worker ended with exit code {worker.exitcode}") from error
        finally:
            _end(worker, finished)
            batches.close()
            receive.close()
        if isinstance(result, _WorkerFailed):
            raise result
        return result

    def _work(
        self, batches: multiprocessing.Queue[_Handover | None], results: Connection, currency: str
    ) -> None:
        """The worker: value, decide and measure each batch handed over, then send the
        summaries (or the failure) back."""
        try:
            measurements = self._measurements(currency)
            while (handover := batches.get()) is not None:
                protos = [common_pb2.Declaration.FromString(b) for b in handover.declarations]
                scenarios = self._parcels([(p, _readable(p)) for p in protos])
                for parcels, screened in zip(scenarios, handover.screened, strict=True):
                    for parcel, (unknown, contexts, assessed) in zip(
                        parcels, screened, strict=True
                    ):
                        parcel.unknown_code, parcel.contexts, parcel.assessed = (
                            unknown,
                            contexts,
                            assessed,
                        )
                for index, facts in self._settle(scenarios):
                    measurements[index].add(facts)
            results.send([m.summary() for m in measurements])
        except Exception:
            results.send(_WorkerFailed(traceback.format_exc()))
            raise
        finally:
            results.close()


@contextlib.contextmanager
def _settled_heap() -> Iterator[None]:
    """A replay's heap as a server's (runtime.server.settle_heap): the loaded domains frozen
    out of the collector's sight, young collections rarer. The memos a replay fills are
    millions of objects that full collections would otherwise walk again and again: on
    100,000 parcels 20-27% less CPU, the same summaries. Undone afterwards, since a Simulator
    may live in a longer process."""
    threshold = gc.get_threshold()
    settle_heap()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def read_in_background(
    path: Path, problems: list[str], chunk: int = CHUNK
) -> Iterator[common_pb2.Declaration]:
    """The manifest's declarations, parsed from JSON by a forked process (its lines that
    cannot be read are added to `problems`): parsing is a tenth of a replay's work, and the
    replaying process is the busier of the two."""
    # Opened here: the forked process cannot open /dev/stdin, multiprocessing closes its stdin.
    descriptor = os.open(path, os.O_RDONLY)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    reader = context.Process(
        target=_parse, args=(descriptor, send, chunk), name="clearway-simulate-read"
    )
    reader.start()
    send.close()
    os.close(descriptor)
    finished = False
    try:
        while (batch := receive.recv()) is not None:
            payloads, found = batch
            problems.extend(found)
            for payload in payloads:
                yield common_pb2.Declaration.FromString(payload)
        finished = True
    except EOFError as error:
        raise _WorkerFailed(f"manifest reader ended with exit code {reader.exitcode}") from error
    finally:
        receive.close()
        _end(reader, finished)


def _end(process: BaseProcess, finished: bool) -> None:
    """Wait for a process that did its work; stop one still at it when its caller failed."""
    if not finished:
        process.terminate()
    process.join()


def _parse(descriptor: int, batches: Connection, chunk: int) -> None:
    """The reading process: each batch of lines as protobuf bytes and the problems found."""
    try:
        for lines in _batched(read_manifest(Path(f"/dev/fd/{descriptor}")), chunk):
            batches.send(
                (
                    [
                        line.declaration.SerializeToString()
                        for line in lines
                        if line.declaration is not None
                    ],
                    [line.problem for line in lines if line.declaration is None],
                )
            )
        batches.send(None)
    finally:
        batches.close()


_QUEUED = 4
"""Batches screened ahead of the worker (bounds the memory when the worker is slower)."""


def _hand(
    batches: multiprocessing.Queue[_Handover | None], item: _Handover | None, worker: BaseProcess
) -> None:
    """Queue `item` for the worker, noticing if it died instead of waiting for ever."""
    while True:
        try:
            batches.put(item, timeout=1.0)
            return
        except queue.Full:
            if not worker.is_alive():
                raise _WorkerFailed(f"worker ended with exit code {worker.exitcode}") from None


def _readable(proto: common_pb2.Declaration) -> Declaration:
    """The model of a declaration this process already read once."""
    model = DeclarationReader().declaration(proto)
    if model is None:
        raise _WorkerFailed(f"declaration {proto.declaration_id} no longer reads")
    return model


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _classify(
    domains: _Domains, parcels: list[_Parcel], earlier: list[list[_Parcel]], reuse: _Reuse
) -> None:
    """Computed, or taken from an earlier scenario that computes it identically."""
    if reuse.classification is None:
        domains.codes.assign(parcels)
        return
    for parcel, done in zip(parcels, earlier[reuse.classification], strict=True):
        parcel.contexts, parcel.unknown_code = done.contexts, done.unknown_code


def _value(
    domains: _Domains, parcels: list[_Parcel], earlier: list[list[_Parcel]], reuse: _Reuse
) -> None:
    if reuse.valuation is not None:
        for parcel, done in zip(parcels, earlier[reuse.valuation], strict=True):
            parcel.valued = done.valued
        return
    live = [p for p in parcels if not p.unknown_code and p.valued is None]
    assessments = _each(
        domains.valuation.assess_many,
        [ChargesRequest(p.declaration, tuple(p.contexts)) for p in live],
    )
    for parcel, assessment in zip(live, assessments, strict=True):
        parcel.valued = assessment


def _take_same_valuations(
    theirs: _Domains, valued: list[_Parcel], mine: _Domains, parcels: list[_Parcel]
) -> None:
    """An earlier scenario with the same tariff codes and dates valued these parcels; take its
    answer for each parcel whose destination has the same valuation packs in force."""
    for parcel, done in zip(parcels, valued, strict=True):
        if theirs.valuation_packs.same(mine.valuation_packs, parcel.declaration):
            parcel.valued = done.valued


def _take_same_decisions(
    theirs: _Domains, decided: list[_Parcel], mine: _Domains, parcels: list[_Parcel]
) -> None:
    """Where a parcel has the very answers an earlier scenario decided on (the same objects)
    and its destination the same clearance packs, the earlier facts are this scenario's."""
    for parcel, done in zip(parcels, decided, strict=True):
        if (
            parcel.valued is done.valued
            and parcel.assessed is done.assessed
            and parcel.declaration is done.declaration
            and theirs.clearance_packs.same(mine.clearance_packs, parcel.declaration)
        ):
            parcel.facts = done.facts


class _PacksInForce:
    """The packs (id, revision) of a domain in force for a destination on a day: with the
    parcel's facts, all its answer depends on (the engine selects the packs of the destination,
    its customs territory when `territory`, and "*", in force on the day)."""

    def __init__(self, engine: RulesEngine, domain: str, *, territory: bool) -> None:
        self._packs = [p for p in engine.packs if p.domain == domain]
        self._territory = territory
        self._known: dict[tuple[str, date], tuple[tuple[str, str], ...]] = {}

    def same(self, other: _PacksInForce, declaration: Declaration) -> bool:
        destination, on = declaration.destination_country, declaration.declaration_date
        return self(destination, on) == other(destination, on)

    def __call__(self, destination: str, on: date) -> tuple[tuple[str, str], ...]:
        found = self._known.get((destination, on))
        if found is None:
            places = {destination, "*"}
            if self._territory:
                places.add(customs_territory(destination))
            found = self._known[destination, on] = tuple(
                sorted(
                    (p.id, p.revision)
                    for p in self._packs
                    if p.jurisdiction in places and p.effective_on(on)
                )
            )
        return found


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
        parcel.assessed = _Risk.of(risk) if isinstance(risk, RiskAssessment) else risk


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


def _each(call: Callable[[Sequence[T]], list[R]], requests: list[T]) -> list[R | _Refusal]:
    """The batch in one call; when the domain refuses a parcel, each on its own, so a refusal
    stays with the parcel it concerns (as the orchestrator reads per-declaration refusals)."""
    if not requests:
        return []
    try:
        return list(call(requests))
    except ClearwayError:
        answers: list[R | _Refusal] = []
        for request in requests:
            try:
                answers.append(call([request])[0])
            except ClearwayError as error:
                log.debug("parcel refused in simulation: %s", error)
                answers.append(_Refusal(error.code == grpc.StatusCode.INVALID_ARGUMENT))
        return answers


def _decide(engine: RulesEngine, parcels: list[_Parcel], memo: EvaluationMemo | None) -> None:
    """The facts of each parcel not yet decided."""
    parcels = [p for p in parcels if p.facts is None]
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
        for p, evaluation in zip(live, decide(engine, facts, memo) if facts else [], strict=True)
    }
    for parcel in parcels:
        parcel.facts = _facts(parcel, outcomes.get(id(parcel), REJECTED))


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
        risk_rules=risk.rules if risk is not None else (),
    )
