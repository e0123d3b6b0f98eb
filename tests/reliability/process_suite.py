"""The suite as separate processes for the reliability tests: start, kill, restart, inspect.

Shared by the crash test and the overload test: each service is `clearway serve NAME` on a
free loopback port, its log in the test's directory; the store is read directly afterwards.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import psycopg
from google.protobuf import json_format

from clearway.benchmark.suite import free_port
from clearway.cli import stop_suite, wait_until_serving
from clearway.runtime.settings import SERVICE_NAMES
from clearway.v1 import common_pb2

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "examples" / "manifest.jsonl"
STARTUP_SECONDS = 120.0
SELLER_PARCELS = 100


def examples() -> list[common_pb2.Declaration]:
    """The example declarations of examples/manifest.jsonl."""
    return [
        json_format.Parse(line, common_pb2.Declaration())
        for line in MANIFEST.read_text().splitlines()
        if line.strip()
    ]


def fresh_parcel(
    example: common_pb2.Declaration, number: int, prefix: str
) -> common_pb2.Declaration:
    """The example as a new parcel: its own id, its own consignee, one of many sellers.

    The examples share one seller and a few dozen consignees. Cycled as they are, every
    party gathers thousands of parcels, and risk scans a party's whole history window on
    each assessment (about 20 ms a parcel once the seller has 17,000 rows, on SQLite), so a
    20,000-parcel run slowed down as it went, quadratically. Names stay as they are
    (screening is unchanged); the postal codes, part of the pseudonymous party keys, make
    the consignee new and the seller one of number // SELLER_PARCELS.
    """
    parcel = common_pb2.Declaration()
    parcel.CopyFrom(example)
    parcel.declaration_id = f"{prefix}-{number:07d}"
    if parcel.HasField("consignee"):
        parcel.consignee.address.postal_code = f"{prefix}{number}"
        parcel.consignee.address.lines[:] = [f"{number} {prefix} Street"]
    if parcel.HasField("seller"):
        parcel.seller.address.postal_code = f"{prefix}{number // SELLER_PARCELS}"
    return parcel


def manifest(count: int, prefix: str) -> list[common_pb2.Declaration]:
    """`count` fresh parcels cycling over the example declarations."""
    pool = examples()
    return [fresh_parcel(pool[index % len(pool)], index, prefix) for index in range(count)]


def suite_env(state_dir: Path, database_url: str, **settings: str) -> dict[str, str]:
    """This process's environment without CLEARWAY_*, free ports, the store, `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    env.update(
        {f"CLEARWAY_{name.upper()}_PORT": str(free_port()) for name in SERVICE_NAMES},
        CLEARWAY_STATE_DIR=str(state_dir),
        CLEARWAY_DB=database_url,
    )
    env.update(settings)
    return env


class Suite:
    """The five services as processes; any of them can be killed and started again."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, **settings: str) -> None:
        """Start one service; `settings` are environment variables for it alone."""
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "clearway.cli", "serve", name],
                env={**self.env, **settings},
                cwd=REPO,
                stdout=log,
                stderr=log,
            )

    def start_all(self, **orchestrator_settings: str) -> None:
        """Every service, then wait until all are SERVING."""
        for name in SERVICE_NAMES:
            self.start(name, **(orchestrator_settings if name == "clearance" else {}))
        for name in SERVICE_NAMES:
            self.wait(name)

    def wait(self, name: str) -> None:
        wait_until_serving(self.address(name), time.monotonic() + STARTUP_SECONDS)

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.env[f'CLEARWAY_{name.upper()}_PORT']}"

    def stop(self) -> None:
        stop_suite(list(self.processes.values()))


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'clearway.db'}"


def store_rows(url: str, sql: str, partner: str) -> list[tuple[object, ...]]:
    """Rows of a query on the store (SQLite or PostgreSQL) whose one parameter is `partner`."""
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            return list(connection.execute(sql.replace("%s", "?"), (partner,)))
    with psycopg.connect(url) as connection:
        return list(connection.execute(sql, (partner,)))
