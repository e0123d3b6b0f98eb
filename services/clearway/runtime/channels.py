"""Client channels between services: deadlines are the caller's, retries only on UNAVAILABLE."""

from __future__ import annotations

import json

import grpc

from clearway.runtime.settings import Settings
from clearway.runtime.telemetry import Telemetry
from clearway.runtime.tls import channel_credentials

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
    """A channel to `target` (host:port or dns:///name:port) with round-robin over resolved pods.

    Over TLS (mutual when a CA is configured) when the settings name a certificate.
    """
    options = [
        ("grpc.service_config", _SERVICE_CONFIG),
        ("grpc.enable_retries", 1),
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        # A restarted service is reached again within ~2 s (gRPC's default backoff grows to
        # 120 s, holding parcels that long after the service is back).
        ("grpc.initial_reconnect_backoff_ms", 250),
        ("grpc.min_reconnect_backoff_ms", 250),
        ("grpc.max_reconnect_backoff_ms", 2_000),
    ]
    credentials = channel_credentials(settings)
    if credentials is None:
        channel = grpc.insecure_channel(target, options=options)
    else:
        channel = grpc.secure_channel(target, credentials, options=options)
    return telemetry.instrument_channel(channel)
