"""Stubs of the four domain services, owned by the orchestrator (never module globals)."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from clearway.runtime.channels import open_channel
from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.v1 import (
    classification_pb2_grpc,
    origin_pb2_grpc,
    risk_pb2_grpc,
    valuation_pb2_grpc,
)


@dataclass
class ServiceClients:
    classification: classification_pb2_grpc.ClassificationServiceStub
    valuation: valuation_pb2_grpc.ValuationServiceStub
    risk: risk_pb2_grpc.RiskServiceStub
    origin: origin_pb2_grpc.OriginServiceStub
    channels: tuple[grpc.Channel, ...]

    @classmethod
    def connect(cls, settings: Settings, telemetry: Telemetry) -> ServiceClients:
        """Channels to each service's target (host:port, or dns:/// with round_robin in k8s)."""
        channels = {
            name: open_channel(settings.targets[name], settings, telemetry)
            for name in ("classification", "valuation", "risk", "origin")
        }
        return cls(
            classification=classification_pb2_grpc.ClassificationServiceStub(
                channels["classification"]
            ),
            valuation=valuation_pb2_grpc.ValuationServiceStub(channels["valuation"]),
            risk=risk_pb2_grpc.RiskServiceStub(channels["risk"]),
            origin=origin_pb2_grpc.OriginServiceStub(channels["origin"]),
            channels=tuple(channels.values()),
        )

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
