"""TLS and mutual TLS credentials for servers and for the channels between services.

TLS is on when `CLEARWAY_TLS_CERT_FILE` and `CLEARWAY_TLS_KEY_FILE` are set: every
server then listens with that certificate, and every channel to another service
verifies the server against `CLEARWAY_TLS_CA_FILE` (or the system roots). With
the CA set, TLS is mutual: servers refuse a client without a certificate signed
by that CA, and channels present this process's certificate as the client's.
"""

from __future__ import annotations

from pathlib import Path

import grpc

from clearway.runtime.settings import Settings, SettingsError


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SettingsError(f"cannot read the TLS {what} {path}: {error.strerror}") from error


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """The server's credentials, or None when TLS is not configured (plaintext)."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    key = _read(settings.tls_key_file, "private key")
    chain = _read(settings.tls_cert_file, "certificate")
    ca = _read(settings.tls_ca_file, "CA certificate") if settings.tls_ca_file else None
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=ca, require_client_auth=ca is not None
    )


def channel_credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """A client's credentials for calls to other services, or None for plaintext."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    ca = _read(settings.tls_ca_file, "CA certificate") if settings.tls_ca_file else None
    if ca is None:
        return grpc.ssl_channel_credentials()
    return grpc.ssl_channel_credentials(
        root_certificates=ca,
        private_key=_read(settings.tls_key_file, "private key"),
        certificate_chain=_read(settings.tls_cert_file, "certificate"),
    )
