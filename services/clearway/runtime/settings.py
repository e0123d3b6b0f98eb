"""One settings object for every process, from environment variables with documented defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_NAMES = ("classification", "valuation", "risk", "origin", "clearance")

DEFAULT_PORTS: Mapping[str, int] = {
    "clearance": 50050,
    "classification": 50051,
    "valuation": 50052,
    "risk": 50053,
    "origin": 50054,
}


PARTNER_AUTH_DEV_HEADER = "dev-header"
PARTNER_AUTH_REQUIRED = "required"
PARTNER_AUTH_MODES = (PARTNER_AUTH_DEV_HEADER, PARTNER_AUTH_REQUIRED)


class SettingsError(ValueError):
    """An environment variable holds a value Clearway cannot use."""


def _repo_root() -> Path | None:
    """The source checkout this package runs from, if any (None for an installed wheel)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "rules").is_dir():
            return parent
    return None


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not an integer") from exc
    if value < minimum:
        raise SettingsError(f"{name}={value} must be at least {minimum}")
    return value


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "")
    return Path(raw) if raw else None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a number") from exc


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; every field has an environment variable (README "Configuration")."""

    host: str = "127.0.0.1"
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    targets: Mapping[str, str] = field(default_factory=dict)
    data_dir: Path | None = None
    rules_dir: Path = Path("rules")
    state_dir: Path = Path("var")
    database_url: str = ""
    rules_reload_seconds: float = 2.0
    grace_seconds: float = 5.0
    max_workers: int = 16
    max_concurrent_rpcs: int = 256
    max_streams: int | None = None
    pipeline_depth: int = 3
    max_message_bytes: int = 16 * 1024 * 1024
    call_timeout_seconds: float = 5.0
    log_level: str = "INFO"
    otlp_endpoint: str = ""
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_ca_file: Path | None = None
    health_port: int = 0
    partner_tokens_file: Path | None = None
    partner_auth: str = PARTNER_AUTH_DEV_HEADER

    def __post_init__(self) -> None:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise SettingsError("CLEARWAY_TLS_CERT_FILE and CLEARWAY_TLS_KEY_FILE go together")
        if self.tls_ca_file is not None and self.tls_cert_file is None:
            raise SettingsError(
                "CLEARWAY_TLS_CA_FILE (mutual TLS) needs CLEARWAY_TLS_CERT_FILE and _KEY_FILE"
            )
        if self.max_streams is not None and 1 < self.max_workers <= self.max_streams:
            raise SettingsError(
                f"CLEARWAY_MAX_STREAMS={self.max_streams} must be below CLEARWAY_MAX_WORKERS="
                f"{self.max_workers}: streams holding every thread leave none for single calls"
            )
        if self.partner_auth not in PARTNER_AUTH_MODES:
            raise SettingsError(
                f"CLEARWAY_PARTNER_AUTH={self.partner_auth!r} is not one of {PARTNER_AUTH_MODES}"
            )
        if self.partner_auth == PARTNER_AUTH_REQUIRED and not self.partner_credentials_configured:
            raise SettingsError(
                "CLEARWAY_PARTNER_AUTH=required needs CLEARWAY_PARTNER_TOKENS_FILE "
                "or mutual TLS (CLEARWAY_TLS_CA_FILE)"
            )
        if self.partner_auth == PARTNER_AUTH_DEV_HEADER and self.partner_credentials_configured:
            raise SettingsError(
                "partner credentials are configured: CLEARWAY_PARTNER_AUTH=dev-header would "
                "ignore them; unset it (or set it to required)"
            )

    @property
    def stream_limit(self) -> int:
        """Streams served at once: CLEARWAY_MAX_STREAMS, by default half the threads.

        A stream holds its thread for its whole life; the rest stay free for single calls.
        """
        if self.max_streams is not None:
            return self.max_streams
        return max(1, self.max_workers // 2)

    @property
    def tls_enabled(self) -> bool:
        """Serve TLS and call other services over TLS (certificate and key configured)."""
        return self.tls_cert_file is not None

    @property
    def mutual_tls(self) -> bool:
        """Servers demand a client certificate signed by the CA; clients present theirs."""
        return self.tls_ca_file is not None

    @property
    def partner_credentials_configured(self) -> bool:
        return self.partner_tokens_file is not None or self.mutual_tls

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from the environment (os.environ when env is None)."""
        env = os.environ if env is None else env
        root = _repo_root()
        ports = {
            name: _int(env, f"CLEARWAY_{name.upper()}_PORT", port, 0)
            for name, port in DEFAULT_PORTS.items()
        }
        host = env.get("CLEARWAY_HOST", "127.0.0.1")
        targets = {
            name: env.get(f"CLEARWAY_{name.upper()}_TARGET", f"{host}:{ports[name]}")
            for name in SERVICE_NAMES
        }
        default_rules = root / "rules" if root else Path("rules")
        state_dir = Path(env.get("CLEARWAY_STATE_DIR", str(root / "var" if root else "var")))
        data_dir_raw = env.get("CLEARWAY_DATA_DIR", "")
        database_url = env.get("CLEARWAY_DB", "") or f"sqlite:///{state_dir / 'clearway.db'}"
        tokens_file = _path(env, "CLEARWAY_PARTNER_TOKENS_FILE")
        ca_file = _path(env, "CLEARWAY_TLS_CA_FILE")
        credentials = tokens_file is not None or ca_file is not None
        partner_auth = env.get("CLEARWAY_PARTNER_AUTH", "") or (
            PARTNER_AUTH_REQUIRED if credentials else PARTNER_AUTH_DEV_HEADER
        )
        return cls(
            host=host,
            ports=ports,
            targets=targets,
            data_dir=Path(data_dir_raw) if data_dir_raw else None,
            rules_dir=Path(env.get("CLEARWAY_RULES_DIR", str(default_rules))),
            state_dir=state_dir,
            database_url=database_url,
            rules_reload_seconds=_float(env, "CLEARWAY_RULES_RELOAD_SECONDS", 2.0),
            grace_seconds=_float(env, "CLEARWAY_GRACE_SECONDS", 5.0),
            max_workers=_int(env, "CLEARWAY_MAX_WORKERS", 16, 1),
            max_concurrent_rpcs=_int(env, "CLEARWAY_MAX_CONCURRENT_RPCS", 256, 1),
            max_streams=_int(env, "CLEARWAY_MAX_STREAMS", 0, 1) or None,
            pipeline_depth=_int(env, "CLEARWAY_PIPELINE_DEPTH", 3, 1),
            max_message_bytes=_int(env, "CLEARWAY_MAX_MESSAGE_BYTES", 16 * 1024 * 1024, 1024),
            call_timeout_seconds=_float(env, "CLEARWAY_CALL_TIMEOUT_SECONDS", 5.0),
            log_level=env.get("CLEARWAY_LOG_LEVEL", "INFO").upper(),
            otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
            tls_cert_file=_path(env, "CLEARWAY_TLS_CERT_FILE"),
            tls_key_file=_path(env, "CLEARWAY_TLS_KEY_FILE"),
            tls_ca_file=ca_file,
            health_port=_int(env, "CLEARWAY_HEALTH_PORT", 0, 0),
            partner_tokens_file=tokens_file,
            partner_auth=partner_auth,
        )

    def address(self, service: str) -> str:
        """The host:port a service listens on."""
        return f"{self.host}:{self.ports[service]}"
