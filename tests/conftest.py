"""Shared fixtures: a real gRPC server for any Clearway service on an ephemeral loopback port."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import psycopg
import pytest

from clearway.runtime.server import ClearwayService, ServiceHost
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql://127.0.0.1:5432/test"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real reference data; tests that need it skip with the reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (clone ../shared beside the repo)")
    return SHARED_DATA


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL to a fresh private schema on the local server, dropped after the test.

    Skips only when no PostgreSQL server answers.
    """
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_URL}: {error}")
    schema = f"clearway_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for in-process servers: loopback, the repo's rule packs, a private state dir."""
    state = tmp_path_factory.mktemp("state")
    return dataclasses.replace(
        Settings.from_env({}),
        rules_dir=REPO_ROOT / "rules",
        state_dir=state,
        database_url=f"sqlite:///{state / 'clearway.db'}",
        grace_seconds=0.5,
        max_workers=8,
    )


ServiceStarter = Callable[..., tuple[ServiceHost, grpc.Channel]]


@contextmanager
def _service_starter(base_settings: Settings) -> Iterator[ServiceStarter]:
    started: list[tuple[ServiceHost, grpc.Channel]] = []

    def start(
        service_type: type[ClearwayService[object]], port: int = 0, **overrides: object
    ) -> tuple[ServiceHost, grpc.Channel]:
        settings = dataclasses.replace(base_settings, **overrides)  # type: ignore[arg-type]
        telemetry = Telemetry(service_type.name, settings)
        host = ServiceHost(service_type(settings, telemetry), settings, port=port)
        port = host.start()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        started.append((host, channel))
        return host, channel

    try:
        yield start
    finally:
        for host, channel in started:
            channel.close()
            host.stop(grace=0)


@pytest.fixture
def start_service(base_settings: Settings) -> Iterator[ServiceStarter]:
    """Start a service (on an ephemeral port unless given) and return its host and a channel."""
    with _service_starter(base_settings) as start:
        yield start


@pytest.fixture(scope="module")
def start_module_service(base_settings: Settings) -> Iterator[ServiceStarter]:
    """The same, for servers shared by the tests of one module (slow to load)."""
    with _service_starter(base_settings) as start:
        yield start
