"""SIGKILL the orchestrator mid-stream, restart it, resubmit everything: nothing lost or doubled.

The suite runs as separate processes. A generated manifest (the example parcels under new
ids) streams to the orchestrator; after a share of the answers arrived, the orchestrator is
killed with SIGKILL. It is restarted and the whole manifest submitted again. Then:

- every decision acknowledged before the kill is in the store, and is replayed unchanged;
- the store holds exactly one declaration and one decision version per decided parcel.

Durability before acknowledgement is what makes this hold: the orchestrator answers a parcel
only after its decision is committed, and a resubmission of the same payload is a replay.
CLEARWAY_CRASH_PARCELS sets the manifest size: the issue's 20,000 by default, as CI runs it.
Each parcel has its own consignee (process_suite.fresh_parcel), as most real parcels do.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from process_suite import Suite, manifest, sqlite_url, store_rows, suite_env

from clearway.v1 import clearance_pb2, clearance_pb2_grpc, common_pb2

PARCELS = int(os.environ.get("CLEARWAY_CRASH_PARCELS", "20000"))
CHUNK = 250
PARTNER = "crash-test"
KILL_AFTER = 0.4  # share of the answers received before the SIGKILL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    yield request.getfixturevalue("postgres_schema_url")


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    return store_rows(url, sql, PARTNER)


def _stream(
    address: str,
    parcels: list[common_pb2.Declaration],
    acknowledged: dict[str, clearance_pb2.Decision],
    on_answer: object = None,
) -> None:
    """Stream the manifest; record every decision as it is acknowledged."""
    chunks = (
        clearance_pb2.SubmitManifestRequest(declarations=parcels[i : i + CHUNK])
        for i in range(0, len(parcels), CHUNK)
    )
    with grpc.insecure_channel(address) as channel:
        stub = clearance_pb2_grpc.ClearanceServiceStub(channel)
        for response in stub.SubmitManifest(
            chunks, metadata=[("x-clearway-partner", PARTNER)], timeout=1800
        ):
            for result in response.results:
                if result.HasField("decision"):
                    acknowledged[result.declaration_id] = result.decision
            if callable(on_answer):
                on_answer()


def _outcome(decision: clearance_pb2.Decision) -> str:
    return clearance_pb2.Outcome.Name(decision.outcome)


def _held(decision: clearance_pb2.Decision) -> bool:
    """A held parcel is decided again when resubmitted (by design), so it may change."""
    return _outcome(decision) == "OUTCOME_HOLD_PENDING_CHECKS"


@pytest.mark.slow
def test_sigkill_mid_stream_loses_and_doubles_nothing(database_url: str, tmp_path: Path) -> None:
    env = suite_env(tmp_path / "state", database_url, CLEARWAY_CALL_TIMEOUT_SECONDS="30")
    suite = Suite(env, tmp_path)
    parcels = manifest(PARCELS, "CRASH")
    try:
        suite.start_all()
        before_kill: dict[str, clearance_pb2.Decision] = {}
        orchestrator = suite.processes["clearance"]

        def kill_midway() -> None:
            if len(before_kill) >= KILL_AFTER * PARCELS and orchestrator.poll() is None:
                orchestrator.send_signal(signal.SIGKILL)

        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as broken:
            _stream(suite.address("clearance"), parcels, before_kill, kill_midway)
        first_pass = time.monotonic() - started
        assert broken.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
        assert orchestrator.wait(timeout=10) == -signal.SIGKILL
        assert 0 < len(before_kill) < PARCELS

        suite.start("clearance")
        suite.wait("clearance")
        started = time.monotonic()
        after_restart: dict[str, clearance_pb2.Decision] = {}
        _stream(suite.address("clearance"), parcels, after_restart)
        second_pass = time.monotonic() - started
    finally:
        suite.stop()

    held = sum(1 for decision in before_kill.values() if _held(decision))
    assert held < len(before_kill) / 2, f"{held} of {len(before_kill)} held: a service was down"
    lost = [i for i in before_kill if i not in after_restart]
    assert not lost, f"{len(lost)} acknowledged decisions lost, e.g. {lost[:3]}"
    # Compared as messages: serialized bytes of the rules_revisions map are not canonical.
    changed = [
        i
        for i, decision in before_kill.items()
        if after_restart[i] != decision and not _held(decision)
    ]
    assert not changed, (
        f"{len(changed)} acknowledged decisions changed on resubmission, e.g. {changed[:3]}: "
        f"{_outcome(before_kill[changed[0]])} -> {_outcome(after_restart[changed[0]])}"
    )
    declarations = _rows(
        database_url, "SELECT declaration_id FROM declarations WHERE partner_id = %s"
    )
    stored = [row[0] for row in declarations]
    assert len(stored) == len(set(stored)) == len(after_restart), "one record per parcel"
    assert set(stored) == set(after_restart)
    doubled = _rows(
        database_url,
        "SELECT declaration_id, COUNT(*) FROM decisions WHERE partner_id = %s"
        " GROUP BY declaration_id HAVING COUNT(*) > 1",
    )
    assert doubled == [], f"decided twice: {doubled[:3]}"
    print(
        f"\n{PARCELS} parcels: {len(before_kill)} acknowledged before SIGKILL in "
        f"{first_pass:.1f} s ({held} held); full resubmission {second_pass:.1f} s "
        f"({PARCELS / second_pass:.0f} parcels/s, mostly replays)"
    )
