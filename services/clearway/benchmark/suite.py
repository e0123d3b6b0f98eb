"""Start the five-process topology on free loopback ports, real or floor, with N replicas.

Replicas of a domain service listen on separate ports; the orchestrator reaches them
through one `ipv4:host:p1,host:p2` target, which gRPC resolves to every address and
balances round-robin (the channel's service config), so no runtime change is needed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from clearway.cli import stop_suite, wait_until_serving

DOMAIN_SERVICES = ("classification", "valuation", "risk", "origin")
HOST = "127.0.0.1"
STARTUP_SECONDS = 180.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def resident_kib(pid: int) -> int:
    """VmRSS of a process in KiB, from /proc (0 when the process is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pids: Sequence[int]) -> list[float]:
    """User + system CPU of each process and all its descendants (one reading of /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children[int(_stat(int(entry))[1])].append(int(entry))
            except OSError:
                continue
    totals = []
    for pid in pids:
        total, pending = 0.0, [pid]
        while pending:
            current = pending.pop()
            try:
                fields = _stat(current)
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / TICKS
            pending.extend(children.get(current, ()))
        totals.append(total)
    return totals


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"


@dataclass(frozen=True)
class Orchestrator:
    """One orchestrator process of a topology: what it runs, how many replicas of each domain
    service it reaches, and its database."""

    label: str
    module: str
    replicas: int
    database_url: str


REAL = "clearway.cli"
FLOOR = "clearway.benchmark.floor"
FLOOR_FLOW = "clearway.benchmark.floor_flow"


@dataclass
class Suite:
    """The running topology; a context manager that stops every process it started.

    Domain services run `replicas` times each; every orchestrator listed reaches the first
    `orchestrator.replicas` of them, so one startup serves the one- and two-replica runs.
    """

    domain_module: str
    replicas: int
    orchestrators: tuple[Orchestrator, ...]
    work_dir: Path
    processes: list[ServiceProcess] = field(default_factory=list)

    def __enter__(self) -> Suite:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def address_of(self, label: str) -> str:
        return next(p.address for p in self.processes if p.name == label)

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
        env["CLEARWAY_STATE_DIR"] = str(self.work_dir / "state")
        for key in ("CLEARWAY_DATA_DIR", "CLEARWAY_RULES_DIR"):
            if key in os.environ:
                env[key] = os.environ[key]
        return env

    def _spawn(self, label: str, service: str, module: str, env: dict[str, str]) -> None:
        port = free_port()
        serve = ["serve"] if module == REAL else []
        log_dir = self.work_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / f"{module.rsplit('.', 1)[-1]}-{label}-{port}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", module, *serve, service],
                env={**env, f"CLEARWAY_{service.upper()}_PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self.processes.append(ServiceProcess(label, port, process))

    def start(self) -> None:
        env = self._env()
        for name in DOMAIN_SERVICES:
            for _ in range(self.replicas):
                self._spawn(name, name, self.domain_module, env)
        for orchestrator in self.orchestrators:
            targets = {}
            for name in DOMAIN_SERVICES:
                addresses = ",".join(p.address for p in self.processes if p.name == name)
                chosen = addresses.split(",")[: orchestrator.replicas]
                targets[f"CLEARWAY_{name.upper()}_TARGET"] = (
                    f"ipv4:{','.join(chosen)}" if len(chosen) > 1 else chosen[0]
                )
            self._spawn(
                orchestrator.label,
                "clearance",
                orchestrator.module,
                {**env, **targets, "CLEARWAY_DB": orchestrator.database_url},
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            for service in self.processes:
                self._wait(service, deadline)
        except (TimeoutError, RuntimeError):
            self.stop()
            raise

    def _wait(self, service: ServiceProcess, deadline: float) -> None:
        """Until SERVING; fails at once when the process exits (a crash at load)."""
        while True:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with code {service.process.returncode}"
                    f" (logs in {self.work_dir / 'logs'})"
                )
            try:
                wait_until_serving(service.address, min(deadline, time.monotonic() + 2))
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def stop(self) -> None:
        stop_suite([p.process for p in self.processes])

    def cpu_seconds(self) -> dict[str, float]:
        """User + system CPU each process of the topology has spent so far, by its name
        (replicas of a service summed)."""
        spent: dict[str, float] = defaultdict(float)
        pids = [p.process.pid for p in self.processes]
        for process, seconds in zip(self.processes, cpu_seconds(pids), strict=True):
            spent[process.name] += seconds
        return dict(spent)

    def resident_mib(self) -> dict[str, float]:
        """Resident memory of each domain service (its first replica) and orchestrator, MiB."""
        memory: dict[str, float] = {}
        for service in self.processes:
            if service.name not in memory:
                memory[service.name] = resident_kib(service.process.pid) / 1024
        return memory
