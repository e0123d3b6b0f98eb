"""The mTLS suite of the security tests and its helpers (fixtures re-exported by conftest)."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pki import CertificateAuthority, Issued

from clearway.cli import _service_class
from clearway.runtime.auth import token_hash
from clearway.runtime.server import ServiceHost
from clearway.runtime.settings import PARTNER_AUTH_REQUIRED, Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import common_pb2

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "examples" / "manifest.jsonl"
DOMAIN_SERVICES = ("classification", "valuation", "risk", "origin")
TOKENS = {"partner-a": "token-of-partner-a-0123456789", "partner-b": "token-of-partner-b-9876"}


def example(index: int) -> common_pb2.Declaration:
    line = MANIFEST.read_text().splitlines()[index]
    return json_format.Parse(line, common_pb2.Declaration())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class Pki:
    ca: CertificateAuthority
    service: Issued
    partner_a: Issued
    partner_b: Issued
    stranger: Issued  # CN partner-a, but issued by another CA
    tokens_file: Path

    def credentials(self, client: Issued | None) -> grpc.ChannelCredentials:
        """Trust the CA; present `client` when given."""
        if client is None:
            return grpc.ssl_channel_credentials(root_certificates=self.ca.cert_file.read_bytes())
        key, chain = client.pair
        return grpc.ssl_channel_credentials(
            root_certificates=self.ca.cert_file.read_bytes(),
            private_key=key,
            certificate_chain=chain,
        )


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority(directory / "ca")
    other = CertificateAuthority(directory / "other", name="Someone else's CA")
    tokens_file = directory / "partner-tokens"
    tokens_file.write_text(
        "# partner_id:sha256(token)\n"
        + "".join(f"{partner}:{token_hash(token)}\n" for partner, token in TOKENS.items())
    )
    return Pki(
        ca=ca,
        service=ca.issue("clearway-service", server=True),
        partner_a=ca.issue("partner-a"),
        partner_b=ca.issue("partner-b"),
        stranger=other.issue("partner-a"),
        tokens_file=tokens_file,
    )


@dataclasses.dataclass
class SecureSuite:
    hosts: dict[str, ServiceHost]
    pki: Pki
    spans: InMemorySpanExporter

    @property
    def clearance_address(self) -> str:
        return f"127.0.0.1:{self.hosts['clearance'].port}"

    def channel(self, service: str, client: Issued | None) -> grpc.Channel:
        """A TLS channel to a service, presenting `client` (None: no client certificate)."""
        return grpc.secure_channel(
            f"127.0.0.1:{self.hosts[service].port}", self.pki.credentials(client)
        )


@pytest.fixture(scope="session")
def secure_suite(base_settings: Settings, pki: Pki) -> Iterator[SecureSuite]:
    """The five services, mutual TLS between all of them, partner tokens on clearance."""
    settings = dataclasses.replace(
        base_settings,
        tls_cert_file=pki.service.cert,
        tls_key_file=pki.service.key,
        tls_ca_file=pki.ca.cert_file,
        partner_tokens_file=pki.tokens_file,
        partner_auth=PARTNER_AUTH_REQUIRED,
        database_url=f"sqlite:///{base_settings.state_dir / 'secure.db'}",
        call_timeout_seconds=10.0,
    )
    spans = InMemorySpanExporter()
    hosts: dict[str, ServiceHost] = {}

    def start(name: str, **overrides: object) -> ServiceHost:
        own = dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]
        telemetry = Telemetry(name, own, span_exporter=spans)
        host = ServiceHost(_service_class(name)(own, telemetry), own, port=0)
        host.start()
        return host

    try:
        for name in DOMAIN_SERVICES:
            hosts[name] = start(name)
        targets = {name: f"127.0.0.1:{host.port}" for name, host in hosts.items()}
        hosts["clearance"] = start("clearance", targets=targets, health_port=free_port())
        yield SecureSuite(hosts, pki, spans)
    finally:
        for host in hosts.values():
            host.stop(grace=0)


class JsonRecords(logging.Handler):
    """Keeps every log record as the JSON line the services would print."""

    def __init__(self) -> None:
        from clearway.runtime.logs import JsonFormatter

        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs() -> Iterator[JsonRecords]:
    """Every record of every logger, at DEBUG, formatted as JSON, during one test."""
    handler = JsonRecords()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
