"""Client channels between services: deadlines are the caller's, retries only on UNAVAILABLE."""

from __future__ import annotations

import json

import grpc

from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry

_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [{}],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ],
    }
)


def open_channel(target: str, settings: Settings, telemetry: Telemetry) -> grpc.Channel:
    """A channel to `target` (host:port or dns:///name:port) with round-robin over resolved pods."""
    channel = grpc.insecure_channel(
        target,
        options=[
            ("grpc.service_config", _SERVICE_CONFIG),
            ("grpc.enable_retries", 1),
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.keepalive_time_ms", 30_000),
        ],
    )
    return telemetry.instrument_channel(channel)
