"""`clearway`: run the suite, one service, a manifest, or the rule packs' golden cases."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.declarations.codec import money_from_proto
from clearway.manifest import CHUNK_SIZE, count_lines, manifest_requests, read_manifest
from clearway.reporting.cli import add_commands as add_reporting_commands
from clearway.runtime.settings import SERVICE_NAMES, Settings
from clearway.runtime.tls import channel_credentials
from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

SERVICE_CLASSES = {
    "classification": "clearway.classification.service:ClassificationService",
    "valuation": "clearway.valuation.service:ValuationService",
    "risk": "clearway.risk.service:RiskService",
    "origin": "clearway.origin.service:OriginService",
    "clearance": "clearway.orchestrator.service:OrchestratorService",
}
STARTUP_SECONDS = 120.0
TOKEN_VARIABLE = "CLEARWAY_PARTNER_TOKEN"
TOKEN_HELP = f"partner bearer token (default ${TOKEN_VARIABLE}); sent as authorization metadata"


def _service_class(name: str) -> type:
    module, _, attribute = SERVICE_CLASSES[name].partition(":")
    service_type: type = getattr(importlib.import_module(module), attribute)
    return service_type


def command_serve(args: argparse.Namespace) -> int:
    from clearway.runtime.server import serve

    serve(_service_class(args.name), Settings.from_env())
    return 0


def wait_until_serving(address: str, deadline: float) -> None:
    """Poll the standard health service until SERVING (raises TimeoutError at the deadline)."""
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{address} did not become SERVING in time")
            time.sleep(0.2)


def start_suite(settings: Settings, out: TextIO) -> list[subprocess.Popen[bytes]]:
    """Start the five services as separate processes and wait until each is healthy."""
    processes: list[subprocess.Popen[bytes]] = []
    for name in SERVICE_NAMES:
        processes.append(subprocess.Popen([sys.executable, "-m", "clearway.cli", "serve", name]))
    deadline = time.monotonic() + STARTUP_SECONDS
    for name, process in zip(SERVICE_NAMES, processes, strict=True):
        try:
            wait_until_serving(settings.address(name), deadline)
        except TimeoutError:
            stop_suite(processes)
            raise
        if process.poll() is not None:
            stop_suite(processes)
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        print(f"  {name:<15} serving on {settings.address(name)}", file=out)
    return processes


def stop_suite(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every service (graceful: NOT_SERVING, then drain), then wait for them."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def command_up(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    print("starting the Clearway suite on loopback…", file=sys.stderr)
    processes = start_suite(settings, sys.stderr)
    try:
        if args.submit:
            return submit_manifest(
                args.submit,
                settings.address("clearance"),
                args.chunk,
                Caller.of(settings, args.partner, args.token),
                sys.stdout,
            )
        print("all services serving; Ctrl-C stops them", file=sys.stderr)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_suite(processes)


def _declarations_to_send(
    path: Path, skip: set[str], rejected: list[str]
) -> Iterator[common_pb2.Declaration]:
    """The manifest's declarations not answered before; unreadable lines go to `rejected`."""
    for line in read_manifest(path):
        if line.declaration is None:
            rejected.append(line.problem)
        elif line.declaration.declaration_id not in skip:
            yield line.declaration


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = min(width, int(width * done / total)) if total else width
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.0f}/s")
    sys.stderr.flush()


class ManifestSummary:
    """Counts per outcome, money due and collected per currency, and why parcels are held."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.due: dict[str, Decimal] = {}
        self.at_sale: dict[str, Decimal] = {}
        self.held: Counter[str] = Counter()

    def add(self, result: clearance_pb2.ManifestResult) -> str:
        """Account for one result; returns its line for the terminal."""
        if result.HasField("error"):
            self.outcomes["REJECTED"] += 1
            return f"{result.declaration_id:<24} REJECTED  {result.error.message}"
        decision = result.decision
        outcome = clearance_pb2.Outcome.Name(decision.outcome).removeprefix("OUTCOME_")
        self.outcomes[outcome] += 1
        for total, into in (
            (decision.total_due_at_import, self.due),
            (decision.total_collected_at_sale, self.at_sale),
        ):
            if total.currency_code:
                into[total.currency_code] = into.get(
                    total.currency_code, Decimal(0)
                ) + money_from_proto(total)
        if outcome == "HOLD_PENDING_CHECKS":
            for reason in decision.reasons:
                if reason.code == "SERVICE_UNAVAILABLE":
                    self.held[f"{reason.source} not assessed"] += 1
        due = decision.total_due_at_import
        amount = f"{money_from_proto(due):,.2f} {due.currency_code}" if due.currency_code else "-"
        replay = " (replayed)" if result.replayed else ""
        return (
            f"{result.declaration_id:<24} {outcome:<22} {decision.regime or '-':<16} "
            f"due at import {amount}{replay}"
        )

    def lines(self, elapsed: float) -> list[str]:
        decided = sum(self.outcomes.values())
        counts = ", ".join(f"{n} {name.lower()}" for name, n in sorted(self.outcomes.items()))
        lines = [f"{decided} declarations decided in {elapsed:.1f}s: {counts}"]
        for label, totals in (("due at import", self.due), ("collected at sale", self.at_sale)):
            if totals:
                money = ", ".join(f"{c} {a:,.2f}" for c, a in sorted(totals.items()))
                lines.append(f"{label}: {money}")
        if self.held:
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(self.held.items()))
            lines.append(f"held pending checks: {why} (re-evaluated on resubmission)")
        return lines


def _already_answered(output: Path | None) -> set[str]:
    """Declaration ids already written to --output: a resumed submission skips them."""
    if output is None or not output.exists():
        return set()
    answered = set()
    with output.open(encoding="utf-8") as handle:
        for raw in handle:
            try:
                answered.add(json.loads(raw)["declaration_id"])
            except (json.JSONDecodeError, KeyError):
                continue
    return answered


@dataclass(frozen=True)
class Caller:
    """How this command identifies itself to the orchestrator."""

    metadata: tuple[tuple[str, str], ...]
    credentials: grpc.ChannelCredentials | None = None

    @classmethod
    def of(cls, settings: Settings, partner: str, token: str) -> Caller:
        """A bearer token when one is given (never printed), else the dev partner header;
        TLS (mutual when CLEARWAY_TLS_CA_FILE is set) when CLEARWAY_TLS_* name a certificate."""
        if token:
            metadata = (("authorization", f"Bearer {token}"),)
        else:
            metadata = (("x-clearway-partner", partner),)
        return cls(metadata, channel_credentials(settings))

    def channel(self, target: str) -> grpc.Channel:
        if self.credentials is None:
            return grpc.insecure_channel(target)
        return grpc.secure_channel(target, self.credentials)


def submit_manifest(
    path: Path,
    target: str,
    chunk: int,
    caller: Caller,
    out: TextIO,
    output: Path | None = None,
) -> int:
    """Stream a JSONL manifest to the orchestrator; print one decision a line and a summary.

    With `output`, every result is appended there as one JSON line as soon as it
    arrives, and a rerun skips the declarations already answered (resume).
    """
    skip = _already_answered(output)
    total = count_lines(path) - len(skip)
    rejected: list[str] = []
    summary = ManifestSummary()
    started = time.monotonic()
    done = 0
    with ExitStack() as stack:
        sink = stack.enter_context(output.open("a", encoding="utf-8")) if output else None
        channel = stack.enter_context(caller.channel(target))
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        responses = stub.SubmitManifest(
            manifest_requests(_declarations_to_send(path, skip, rejected), chunk),
            metadata=caller.metadata,
        )
        for response in responses:
            for result in response.results:
                done += 1
                print(summary.add(result), file=out)
                if sink is not None:
                    sink.write(
                        json.dumps(
                            json_format.MessageToDict(result, preserving_proto_field_name=True)
                        )
                        + "\n"
                    )
                _progress(done, total, started)
            if sink is not None:
                sink.flush()
    sys.stderr.write("\n")
    for problem in rejected:
        print(f"unreadable manifest {problem}", file=out)
    if skip:
        print(f"{len(skip)} declarations already answered in {output} were skipped", file=out)
    for line in summary.lines(time.monotonic() - started):
        print(line, file=out)
    return 0 if not rejected else 1


def command_submit(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    caller = Caller.of(settings, args.partner, args.token)
    target = args.target or settings.address("clearance")
    return submit_manifest(args.file, target, args.chunk, caller, sys.stdout, args.output)


def reevaluate_held(target: str, limit: int, caller: Caller, out: TextIO) -> int:
    """Have the orchestrator decide again the partner's parcels held pending checks (after a
    service came back); print each new decision and a summary."""
    started = time.monotonic()
    try:
        with caller.channel(target) as channel:
            response = clearance_pb2_grpc.ClearanceServiceStub(channel).ReevaluateHeld(
                clearance_pb2.ReevaluateHeldRequest(limit=limit), metadata=caller.metadata
            )
    except grpc.RpcError as error:
        print(f"reevaluate failed: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    summary = ManifestSummary()
    for decision in response.decisions:
        result = clearance_pb2.ManifestResult(
            declaration_id=decision.declaration_id, decision=decision
        )
        print(summary.add(result), file=out)
    print(
        f"{len(response.decisions)} held parcels re-evaluated, {response.still_held} still held",
        file=out,
    )
    if response.decisions:
        for line in summary.lines(time.monotonic() - started):
            print(line, file=out)
    return 0


def command_reevaluate(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    caller = Caller.of(settings, args.partner, args.token)
    target = args.target or settings.address("clearance")
    return reevaluate_held(target, args.limit, caller, sys.stdout)


def command_rules_test(args: argparse.Namespace) -> int:
    from clearway.rules.casetest import run_cases

    rules_dir = args.rules or Settings.from_env().rules_dir
    return run_cases(Path(rules_dir), sys.stdout)


def _run_delegated(target: str, arguments: list[str]) -> int:
    """Pass the arguments to a module's own `main(argv)` (it has its own --help)."""
    module, _, function = target.partition(":")
    entry: Callable[[list[str]], int] = getattr(importlib.import_module(module), function)
    return entry(arguments)


DELEGATED_COMMANDS = {
    "classify": (
        "clearway.classification.batch:main",
        "classify a file of descriptions (plain lines or JSONL) to JSON lines",
    ),
    "bench": (
        "clearway.benchmark.cli:main",
        "measure the suite against its floor and its peers; writes bench/report.json",
    ),
    "quote": (
        "clearway.valuation.quote:main",
        "charges of JSONL declarations or baskets, one JSON breakdown a line",
    ),
    "classify-eval": (
        "clearway.classification.evaluate:main",
        "measure the classifier on the held-out parcel references",
    ),
    "screen": (
        "clearway.risk.screen:main",
        "screen JSONL names against the sanctions lists, one JSON match a line",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clearway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start all five services on loopback")
    up.add_argument("--submit", type=Path, help="clear this JSONL manifest, then stop the suite")
    up.add_argument("--chunk", type=int, default=CHUNK_SIZE, help="declarations per stream message")
    up.add_argument("--partner", default="default", help="partner id the manifest is submitted as")
    up.add_argument("--token", default=os.environ.get(TOKEN_VARIABLE, ""), help=TOKEN_HELP)
    up.set_defaults(handler=command_up)

    serve = commands.add_parser("serve", help="run one service in this process")
    serve.add_argument("name", choices=SERVICE_NAMES)
    serve.set_defaults(handler=command_serve)

    submit = commands.add_parser("submit", help="stream a JSONL manifest to a running orchestrator")
    submit.add_argument("file", type=Path)
    submit.add_argument("--target", help="orchestrator host:port (default from settings)")
    submit.add_argument(
        "--chunk", type=int, default=CHUNK_SIZE, help="declarations per stream message"
    )
    submit.add_argument("--partner", default="default", help="partner id to submit as (dev mode)")
    submit.add_argument("--token", default=os.environ.get(TOKEN_VARIABLE, ""), help=TOKEN_HELP)
    submit.add_argument(
        "--output", type=Path, help="append one JSON result a line; a rerun resumes after them"
    )
    submit.set_defaults(handler=command_submit)

    reevaluate = commands.add_parser(
        "reevaluate", help="decide again the parcels held pending checks (a service is back)"
    )
    reevaluate.add_argument("--target", help="orchestrator host:port (default from settings)")
    reevaluate.add_argument("--partner", default="default", help="partner id (dev mode)")
    reevaluate.add_argument("--token", default=os.environ.get(TOKEN_VARIABLE, ""), help=TOKEN_HELP)
    reevaluate.add_argument(
        "--limit", type=int, default=0, help="at most this many, oldest first (0: up to 1000)"
    )
    reevaluate.set_defaults(handler=command_reevaluate)

    rules = commands.add_parser("rules", help="rule packs")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    rules_test = rules_commands.add_parser("test", help="run every pack's golden cases")
    rules_test.add_argument("--rules", type=Path, help="rule pack directory (default: rules/)")
    rules_test.set_defaults(handler=command_rules_test)

    add_reporting_commands(commands)
    for name, (_target, summary) in DELEGATED_COMMANDS.items():
        commands.add_parser(name, help=summary + f" (see: clearway {name} --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in DELEGATED_COMMANDS:
        return _run_delegated(DELEGATED_COMMANDS[arguments[0]][0], arguments[1:])
    args = build_parser().parse_args(arguments)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
