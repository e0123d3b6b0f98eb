"""`python -m clearway.benchmark.floor_flow`: the real ClearanceFlow over a null store, meant to
run against the floor's services (clearway.benchmark.floor); ignores its arguments."""

from __future__ import annotations

from typing import Any

from clearway.benchmark.floor import FloorFlowOrchestratorService
from clearway.runtime.server import ClearwayService, serve
from clearway.runtime.settings import Settings

if __name__ == "__main__":
    service: type[ClearwayService[Any]] = FloorFlowOrchestratorService
    serve(service, Settings.from_env())
