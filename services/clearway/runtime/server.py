"""The one bootstrap every service uses: health, reflection, telemetry, errors, graceful shutdown.

A service is a `ClearwayService`: it registers its servicer, then loads what it
needs (rule packs, reference data, a model). Health says NOT_SERVING until the
load is done; calls that arrive earlier get UNAVAILABLE, which clients retry.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from abc import ABC, abstractmethod
from concurrent import futures
from types import FrameType
from typing import Any, Generic, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from clearway.runtime.admission import StreamLimit
from clearway.runtime.errors import ErrorInterceptor, Unavailable
from clearway.runtime.logs import configure_logging
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.runtime.tls import server_credentials

log = logging.getLogger(__name__)

DomainT = TypeVar("DomainT")

YOUNG_COLLECTION_THRESHOLD = 50_000
"""Allocations between two young-generation collections (CPython's default is 700). A constant,
not a setting: it trades a little memory for CPU according to how the code allocates, which no
deployment metric shows, so it changes with the code and a benchmark, not per environment."""


def settle_heap() -> None:
    """Freeze what the loaded domain holds and make young collections rarer.

    A loaded domain (tariff, rate history, rule packs, PSR data, models) is a few hundred
    thousand objects that live as long as the process: left to the cyclic GC, every full
    collection walks them all again; frozen, they are never scanned. A request's own objects
    are acyclic and freed by reference counting, so young collections can run far less often.
    Measured in process by the valuation and origin services: each step ~6-19% throughput.
    Once per process, after the load: later objects stay under the normal GC.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


class ClearwayService(ABC, Generic[DomainT]):
    """A service: its gRPC registration and the domain object it loads before serving."""

    name: str

    def __init__(self, settings: Settings, telemetry: Telemetry) -> None:
        self.settings = settings
        self.telemetry = telemetry
        self._domain: DomainT | None = None

    @abstractmethod
    def register(self, server: grpc.Server) -> tuple[str, ...]:
        """Add the servicer(s) to the server; return their full service names."""

    @abstractmethod
    def build_domain(self) -> DomainT:
        """Load rule packs, reference data and models; may take seconds."""

    def load(self) -> None:
        self._domain = self.build_domain()

    @property
    def domain(self) -> DomainT:
        """The loaded domain; UNAVAILABLE (retryable) while loading."""
        if self._domain is None:
            raise Unavailable(f"{self.name} is still loading", reason="SERVICE_LOADING")
        return self._domain

    def close(self) -> None:
        """Release what build_domain acquired (engines, pools)."""


class ServiceHost:
    """Runs one ClearwayService in a gRPC server, in-process (tests) or as the process (serve)."""

    def __init__(self, service: ClearwayService[Any], settings: Settings, port: int | None = None):
        self.service = service
        self.settings = settings
        self.port = settings.ports[service.name] if port is None else port
        self.health = health.HealthServicer()
        self.server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=settings.max_workers, thread_name_prefix=f"{service.name}-rpc"
            ),
            interceptors=[
                *service.telemetry.server_interceptors(),
                StreamLimit(settings.stream_limit),
                ErrorInterceptor(),
            ],
            options=[
                ("grpc.max_receive_message_length", settings.max_message_bytes),
                ("grpc.max_send_message_length", settings.max_message_bytes),
                ("grpc.so_reuseport", 0),
            ],
            # Calls running or queued for a thread; gRPC refuses one more at once with
            # RESOURCE_EXHAUSTED. Streams are capped lower by StreamLimit (admission.py).
            maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        )
        self._credentials = server_credentials(settings)
        self.health_server: grpc.Server | None = None
        self.health_port: int | None = None
        self._names: tuple[str, ...] = ()
        self._stopped = threading.Event()

    def start(self, *, settle: bool = False) -> int:
        """Bind, start NOT_SERVING, load the domain, then switch to SERVING. Returns the port.

        `settle` runs settle_heap() after the load: for a process that serves this one
        service (serve), not for tests and tools that run several hosts in one process."""
        self._names = self.service.register(self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (*self._names, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        address = f"{self.settings.host}:{self.port}"
        if self._credentials is None:
            bound = self.server.add_insecure_port(address)
        else:
            bound = self.server.add_secure_port(address, self._credentials)
        if bound == 0:
            raise OSError(f"cannot listen on {address}")
        self.port = bound
        self._set_status(health_pb2.HealthCheckResponse.NOT_SERVING)
        if self.settings.health_port:
            self._start_health_server()
        self.server.start()
        log.info(
            "listening",
            extra={
                "port": bound,
                "service": self.service.name,
                "tls": "mutual"
                if self.settings.mutual_tls
                else ("server" if self._credentials else "off"),
            },
        )
        self.service.load()
        if settle:
            settle_heap()
        self._set_status(health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"port": bound})
        return bound

    def _start_health_server(self) -> None:
        """Plaintext health only, on its own port: kubelet's gRPC probes cannot speak TLS."""
        self.health_server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="health"),
            options=[("grpc.max_receive_message_length", 4096), ("grpc.so_reuseport", 0)],
            maximum_concurrent_rpcs=16,
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.health_server)
        address = f"{self.settings.host}:{self.settings.health_port}"
        bound = self.health_server.add_insecure_port(address)
        if bound == 0:
            raise OSError(f"cannot listen on {address} (CLEARWAY_HEALTH_PORT)")
        self.health_port = bound
        self.health_server.start()

    def _set_status(self, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType) -> None:
        for name in ("", *self._names):
            self.health.set(name, status)

    def stop(self, grace: float | None = None) -> None:
        """NOT_SERVING first so balancers drain, then stop accepting and finish calls in flight."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        self.server.stop(self.settings.grace_seconds if grace is None else grace).wait()
        if self.health_server is not None:
            self.health_server.stop(0).wait()
        self.service.close()
        log.info("stopped")

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self) -> None:
        self.server.wait_for_termination()


def serve(service_type: type[ClearwayService[Any]], settings: Settings) -> None:
    """Run a service as this process until SIGTERM or SIGINT."""
    configure_logging(service_type.name, settings.log_level)
    telemetry = Telemetry(service_type.name, settings)
    telemetry.install_globally()
    host = ServiceHost(service_type(settings, telemetry), settings)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal received, shutting down", extra={"signal": signum})
        threading.Thread(target=host.stop, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    host.start(settle=True)
    host.wait()
    telemetry.shutdown()
