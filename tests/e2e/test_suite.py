"""The whole suite as separate processes: `clearway up --submit` clears the example manifest."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from clearway.cli import wait_until_serving
from clearway.runtime.settings import SERVICE_NAMES

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "examples" / "manifest.jsonl"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def suite_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    env["CLEARWAY_STATE_DIR"] = str(tmp_path / "state")
    for name in SERVICE_NAMES:
        env[f"CLEARWAY_{name.upper()}_PORT"] = str(free_port())
    return env


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clearway.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_up_clears_the_example_manifest_and_replays_it(suite_env: dict[str, str]) -> None:
    first = run_cli(suite_env, "up", "--submit", str(MANIFEST))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    lines = [line for line in first.stdout.splitlines() if line.startswith("DEMO-")]
    assert len(lines) == sum(1 for line in MANIFEST.read_text().splitlines() if line.strip())
    outcomes = {line.split()[0]: line.split()[1] for line in lines}
    regimes = {line.split()[0]: line.split()[2] for line in lines}
    assert outcomes["DEMO-0048"] == "REJECTED", "an unknown declared HS code is rejected"
    assert outcomes["DEMO-0051"] == "REFUSE", "a consignee on the OFAC SDN list is refused"
    assert outcomes["DEMO-0055"] == "INSPECT", "the 4th parcel just under £135 is a split shipment"
    assert (regimes["DEMO-0041"], regimes["DEMO-0042"]) == ("US_DE_MINIMIS", "US_DUTIABLE"), (
        "the US de minimis applies on 2025-08-28 and not on 2025-08-30"
    )
    assert len(set(outcomes.values())) >= 4, f"varied parcels get varied outcomes: {outcomes}"
    assert "HOLD_PENDING_CHECKS" not in outcomes.values(), first.stderr[-3000:]
    assert re.search(r"^\d+ declarations decided", first.stdout, re.MULTILINE)

    again = run_cli(suite_env, "up", "--submit", str(MANIFEST))
    assert again.returncode == 0, again.stderr[-3000:]
    replayed = [line for line in again.stdout.splitlines() if line.endswith("(replayed)")]
    assert len(replayed) == len(lines) - 1, "every decided parcel is replayed, none cleared twice"


@pytest.mark.slow
def test_reflection_lists_the_services_of_a_running_process(suite_env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "clearway.cli", "serve", "origin"],
        env=suite_env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        address = f"127.0.0.1:{suite_env['CLEARWAY_ORIGIN_PORT']}"
        wait_until_serving(address, time.monotonic() + 60)
        with grpc.insecure_channel(address) as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            (answer,) = stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            names = {s.name for s in answer.list_services_response.service}
        assert {"clearway.v1.OriginService", "grpc.health.v1.Health"} <= names
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0, "SIGTERM shuts the service down cleanly"
