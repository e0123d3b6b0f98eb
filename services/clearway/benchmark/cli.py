"""`clearway bench [--quick]`: floor, pipeline, scaling, per service, peers; one report."""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from clearway.benchmark import measure, peers, services
from clearway.benchmark.manifest import generate
from clearway.benchmark.report import (
    build_report,
    cores,
    git_commit,
    missing_required,
    print_table,
    write_report,
)
from clearway.benchmark.suite import DOMAIN_SERVICES, FLOOR, FLOOR_FLOW, REAL, Orchestrator, Suite
from clearway.reference.datadir import resolve_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.generator import listed_names
from clearway.runtime.settings import Settings
from clearway.v1 import common_pb2

POSTGRES_URL = "postgresql://127.0.0.1:5432/test"


@dataclass(frozen=True)
class Plan:
    """How much each part measures; --quick is the same plan, smaller."""

    stream: int
    warmup: int
    latency_calls: int
    scaling_streams: int
    service_seconds: float
    service_singles: int
    rules_evaluations: int
    screening_queries: int
    postgres: bool

    @classmethod
    def full(cls) -> Plan:
        return cls(10_000, 2_000, 2_000, 4, 8.0, 300, 20_000, 1_000, True)

    @classmethod
    def quick(cls) -> Plan:
        return cls(800, 100, 150, 4, 1.0, 50, 3_000, 150, False)


def _say(out: TextIO, message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=out, flush=True)


def _outcome_shares(result: measure.StreamResult) -> dict[str, float]:
    total = max(result.declarations, 1)
    return {
        "held_pending_share": result.outcomes.get("OUTCOME_HOLD_PENDING_CHECKS", 0) / total,
        "rejected_share": result.outcomes.get("REJECTED", 0) / total,
        "refused_share": result.outcomes.get("OUTCOME_REFUSE", 0) / total,
    }


class Bench:
    def __init__(self, plan: Plan, work_dir: Path, out: TextIO) -> None:
        self.plan = plan
        self.work_dir = work_dir
        self.out = out
        self.lists = load_sanctions(resolve_data_dir(None))
        self.names = listed_names(self.lists)
        self.sections: dict[str, dict[str, float]] = {
            "floor": {},
            "pipeline": {},
            "scaling": {},
            "services": {},
            "rules_engine": {},
            "screening": {},
        }

    def manifest(self, prefix: str, count: int) -> list[common_pb2.Declaration]:
        """Fresh declaration ids per use (a replay would measure the store's lookup only)."""
        return generate(count, self.names, prefix=prefix)

    def _start(self, suite: Suite) -> Suite:
        _say(self.out, f"starting {suite.domain_module} x{suite.replicas}")
        started = time.monotonic()
        suite.start()
        _say(
            self.out,
            f"  {len(suite.processes)} processes serving after {time.monotonic() - started:.1f}s",
        )
        return suite

    def _sqlite(self, name: str) -> str:
        return f"sqlite:///{self.work_dir / name}.db"

    def _stream(
        self, target: str, prefix: str, count: int, streams: int = 1, suite: Suite | None = None
    ) -> measure.StreamResult:
        """A warm-up stream, then the timed one; with `suite`, the cores its processes kept busy."""
        measure.stream_manifest(target, self.manifest(f"{prefix}W", self.plan.warmup))
        before = sum(suite.cpu_seconds().values()) if suite is not None else 0.0
        result = measure.stream_manifest(target, self.manifest(prefix, count), streams=streams)
        if suite is not None:
            busy = (sum(suite.cpu_seconds().values()) - before) / result.seconds
            result = dataclasses.replace(result, busy_cores=busy)
        _say(
            self.out, f"  {prefix}: {result.per_second:,.0f} declarations/s {dict(result.outcomes)}"
        )
        return result

    def _latency(self, target: str, prefix: str) -> dict[str, float]:
        latencies = measure.submit_one_by_one(
            target, self.manifest(prefix, self.plan.latency_calls)
        )
        p50, p99 = measure.percentile(latencies, 0.5), measure.percentile(latencies, 0.99)
        _say(self.out, f"  {prefix}: single submit p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        return {"p50_ms": p50, "p99_ms": p99, "latency_calls": float(len(latencies))}

    def floor(self) -> None:
        """Fake services; the thin floor orchestrator, and the real flow over a null store."""
        unused = self._sqlite("floor")
        suite = self._start(
            Suite(
                FLOOR,
                1,
                (
                    Orchestrator("clearance", FLOOR, 1, unused),
                    Orchestrator("flow", FLOOR_FLOW, 1, unused),
                ),
                self.work_dir,
            )
        )
        floor = self.sections["floor"]
        try:
            target = suite.address_of("clearance")
            result = self._stream(target, "FLOOR", self.plan.stream)
            floor.update(
                decl_per_s=result.per_second,
                declarations=float(result.declarations),
                **self._latency(target, "FLOORL"),
            )
            concurrent = self._stream(target, "FLOORC", self.plan.stream, self.plan.scaling_streams)
            floor["decl_per_s_concurrent"] = concurrent.per_second
            flow = self._stream(suite.address_of("flow"), "FLOW", self.plan.stream)
            floor["flow_decl_per_s"] = flow.per_second
        finally:
            suite.stop()

    def pipeline(self, postgres_url: str | None) -> None:
        """The real suite, two replicas of each domain service: an orchestrator on SQLite that
        reaches one replica of each, one that reaches both, one on PostgreSQL."""
        orchestrators = [
            Orchestrator("sqlite", REAL, 1, self._sqlite("pipeline")),
            Orchestrator("sqlite-2x", REAL, 2, self._sqlite("scaling")),
        ]
        if postgres_url:
            orchestrators.append(Orchestrator("postgres", REAL, 1, postgres_url))
        suite = self._start(Suite(REAL, 2, tuple(orchestrators), self.work_dir))
        pipeline, scaling = self.sections["pipeline"], self.sections["scaling"]
        try:
            target = suite.address_of("sqlite")
            result = self._stream(target, "SQLITE", self.plan.stream)
            pipeline.update(
                decl_per_s=result.per_second,
                decl_per_s_sqlite=result.per_second,
                declarations=float(result.declarations),
                **_outcome_shares(result),
                **self._latency(target, "LATENCY"),
            )
            if postgres_url:
                postgres = self._stream(suite.address_of("postgres"), "POSTGRES", self.plan.stream)
                pipeline["decl_per_s_postgres"] = postgres.per_second
            streams = self.plan.scaling_streams
            one = self._stream(target, "SCALE1", self.plan.stream, streams, suite)
            two = self._stream(
                suite.address_of("sqlite-2x"), "SCALE2", self.plan.stream, streams, suite
            )
            scaling.update(
                streams=float(streams),
                decl_per_s_1x=one.per_second,
                decl_per_s_2x=two.per_second,
                speedup_2x=two.per_second / one.per_second,
                busy_cores_1x=one.busy_cores,
                busy_cores_2x=two.busy_cores,
            )
            self._services_over_grpc(suite)
            for name, mib in suite.resident_mib().items():
                label = name if name in DOMAIN_SERVICES else f"clearance_{name.replace('-', '_')}"
                self.sections["services"][f"{label}_rss_mib"] = mib
        finally:
            suite.stop()

    def _services_over_grpc(self, suite: Suite) -> None:
        for workload in services.workloads(self.manifest("SVC", self.plan.stream // 2)):
            _say(self.out, f"  {workload.service} through gRPC")
            figures = services.measure_over_grpc(
                workload,
                suite.address_of(workload.service),
                self.plan.service_seconds,
                self.plan.service_singles,
            )
            self.sections["services"].update(
                {f"{workload.service}_{key}": value for key, value in figures.items()}
            )

    def postgres_schema(self) -> str | None:
        """A private schema on the local server, or None when no server answers."""
        import psycopg

        schema = f"bench_{datetime.now(UTC):%Y%m%d%H%M%S}_{random.randrange(10**6)}"
        try:
            with psycopg.connect(POSTGRES_URL, connect_timeout=3, autocommit=True) as admin:
                admin.execute(f'CREATE SCHEMA "{schema}"')
        except psycopg.OperationalError as error:
            _say(self.out, f"PostgreSQL does not answer ({error}); skipped")
            return None
        return schema

    @staticmethod
    def drop_schema(schema: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def services_in_process(self) -> None:
        # Their own database: risk records history, which must not land in the user's store.
        settings = dataclasses.replace(Settings.from_env(), database_url=self._sqlite("services"))
        for workload in services.workloads(self.manifest("SVC", self.plan.stream // 2)):
            _say(self.out, f"  {workload.service} in-process")
            figures = services.measure_in_process(
                workload, settings, self.plan.service_seconds, self.plan.service_singles
            )
            self.sections["services"].update(
                {f"{workload.service}_{key}": value for key, value in figures.items()}
            )

    def peers(self) -> None:
        _say(self.out, "rules engine against zen-engine")
        self.sections["rules_engine"].update(
            peers.compare_rules_engines(Settings.from_env().rules_dir, self.plan.rules_evaluations)
        )
        _say(self.out, "screening against a brute-force scan")
        queries = peers.screening_queries(self.lists, self.plan.screening_queries)
        self.sections["screening"].update(peers.compare_screening(self.lists, queries))

    def run(self) -> dict[str, dict[str, float]]:
        self.floor()
        schema = self.postgres_schema() if self.plan.postgres else None
        try:
            self.pipeline(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}" if schema else None)
        finally:
            if schema:
                self.drop_schema(schema)
        floor, pipeline = self.sections["floor"], self.sections["pipeline"]
        pipeline["ratio_to_floor"] = pipeline["decl_per_s"] / floor["decl_per_s"]
        self.services_in_process()
        self.peers()
        return self.sections


def command_bench(args: argparse.Namespace) -> int:
    plan = Plan.quick() if args.quick else Plan.full()
    started = time.monotonic()
    args.results.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="run-", dir=args.results) as work:
        sections = Bench(plan, Path(work), sys.stderr).run()
    report = build_report(sections, git_commit(Path.cwd(), args.report), cores())
    write_report(report, args.report)
    print_table(report, sys.stdout)
    print(f"\nwritten {args.report} in {time.monotonic() - started:.0f}s", file=sys.stdout)
    missing = missing_required(report)
    if missing:
        print(f"missing figures: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def add_commands(subparsers: Any) -> None:
    """Add `bench` to the `clearway` CLI's subcommands."""
    bench = subparsers.add_parser(
        "bench", help="measure the suite against its floor and its peers (bench/report.json)"
    )
    bench.add_argument("--quick", action="store_true", help="smaller counts, under 2 minutes")
    bench.add_argument(
        "--report", type=Path, default=Path("bench/report.json"), help="where the JSON goes"
    )
    bench.add_argument(
        "--results",
        type=Path,
        default=Path("bench/results"),
        help="scratch directory for databases and service logs (removed after the run)",
    )
    bench.set_defaults(handler=command_bench)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clearway")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
