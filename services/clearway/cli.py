"""`clearway`: run the suite, one service, a manifest, or the rule packs' golden cases."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from clearway.manifest import count_lines, read_manifest
from clearway.runtime.settings import SERVICE_NAMES, Settings
from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

SERVICE_CLASSES = {
    "classification": "clearway.classification.service:ClassificationService",
    "valuation": "clearway.valuation.service:ValuationService",
    "risk": "clearway.risk.service:RiskService",
    "origin": "clearway.origin.service:OriginService",
    "clearance": "clearway.orchestrator.service:OrchestratorService",
}
STARTUP_SECONDS = 120.0


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
                args.submit, settings.address("clearance"), args.chunk, args.partner, sys.stdout
            )
        print("all services serving; Ctrl-C stops them", file=sys.stderr)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_suite(processes)


def _chunks(
    path: Path, size: int, rejected: list[str]
) -> Iterator[clearance_pb2.SubmitManifestRequest]:
    chunk: list[common_pb2.Declaration] = []
    for line in read_manifest(path):
        if line.declaration is None:
            rejected.append(line.problem)
            continue
        chunk.append(line.declaration)
        if len(chunk) == size:
            yield clearance_pb2.SubmitManifestRequest(declarations=chunk)
            chunk = []
    if chunk:
        yield clearance_pb2.SubmitManifestRequest(declarations=chunk)


def _progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.0f}/s")
    sys.stderr.flush()


def submit_manifest(path: Path, target: str, chunk: int, partner: str, out: TextIO) -> int:
    """Stream a JSONL manifest to the orchestrator; print one decision a line and a summary."""
    total = count_lines(path)
    rejected: list[str] = []
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    done = 0
    with grpc.insecure_channel(target) as channel:
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        responses = stub.SubmitManifest(
            _chunks(path, chunk, rejected), metadata=[("x-clearway-partner", partner)]
        )
        for response in responses:
            for result in response.results:
                done += 1
                if result.HasField("error"):
                    outcomes["REJECTED"] += 1
                    print(f"{result.declaration_id:<24} REJECTED  {result.error.message}", file=out)
                    continue
                decision = result.decision
                outcome = clearance_pb2.Outcome.Name(decision.outcome).removeprefix("OUTCOME_")
                outcomes[outcome] += 1
                due = decision.total_due_at_import
                amount = (
                    f"{due.units + due.nanos / 1e9:,.2f} {due.currency_code}"
                    if due.currency_code
                    else "-"
                )
                replay = " (replayed)" if result.replayed else ""
                print(
                    f"{result.declaration_id:<24} {outcome:<22} {decision.regime or '-':<16} "
                    f"due at import {amount}{replay}",
                    file=out,
                )
                _progress(done, total, started)
    sys.stderr.write("\n")
    for problem in rejected:
        outcomes["UNREADABLE"] += 1
        print(f"unreadable manifest {problem}", file=out)
    summary = ", ".join(f"{count} {name.lower()}" for name, count in sorted(outcomes.items()))
    print(f"{done} declarations decided in {time.monotonic() - started:.1f}s: {summary}", file=out)
    return 0 if not rejected else 1


def command_submit(args: argparse.Namespace) -> int:
    target = args.target or Settings.from_env().address("clearance")
    return submit_manifest(args.file, target, args.chunk, args.partner, sys.stdout)


def command_rules_test(args: argparse.Namespace) -> int:
    from clearway.rules.casetest import run_cases

    rules_dir = args.rules or Settings.from_env().rules_dir
    return run_cases(Path(rules_dir), sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clearway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start all five services on loopback")
    up.add_argument("--submit", type=Path, help="clear this JSONL manifest, then stop the suite")
    up.add_argument("--chunk", type=int, default=100, help="declarations per stream message")
    up.add_argument("--partner", default="default", help="partner id the manifest is submitted as")
    up.set_defaults(handler=command_up)

    serve = commands.add_parser("serve", help="run one service in this process")
    serve.add_argument("name", choices=SERVICE_NAMES)
    serve.set_defaults(handler=command_serve)

    submit = commands.add_parser("submit", help="stream a JSONL manifest to a running orchestrator")
    submit.add_argument("file", type=Path)
    submit.add_argument("--target", help="orchestrator host:port (default from settings)")
    submit.add_argument("--chunk", type=int, default=100, help="declarations per stream message")
    submit.add_argument("--partner", default="default", help="partner id to submit as")
    submit.set_defaults(handler=command_submit)

    rules = commands.add_parser("rules", help="rule packs")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    rules_test = rules_commands.add_parser("test", help="run every pack's golden cases")
    rules_test.add_argument("--rules", type=Path, help="rule pack directory (default: rules/)")
    rules_test.set_defaults(handler=command_rules_test)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
