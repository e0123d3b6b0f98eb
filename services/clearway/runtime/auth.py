"""Who is calling: partner authentication for the partner-facing clearance service.

Two credentials identify a partner, both configured, never trusted on the caller's word:

- a bearer token (`authorization: Bearer <token>`), checked against
  `CLEARWAY_PARTNER_TOKENS_FILE`, a file of `partner_id:sha256-hex-of-token` lines;
  only hashes are stored, every stored hash is compared in constant time, and the
  token is never logged or echoed;
- a client certificate verified by mutual TLS: its subject common name is the partner.

A token, when sent, decides; otherwise the certificate does. The development
default (`CLEARWAY_PARTNER_AUTH=dev-header`, only possible when neither is
configured) takes the partner from the `x-clearway-partner` header unchecked.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc

from clearway.runtime.errors import PermissionDenied, Unauthenticated
from clearway.runtime.settings import PARTNER_AUTH_DEV_HEADER, Settings, SettingsError

log = logging.getLogger(__name__)

PARTNER_HEADER = "x-clearway-partner"
AUTHORIZATION_HEADER = "authorization"
DEFAULT_PARTNER = "default"
_PARTNER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token: what the tokens file holds (`partner:hash`)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PartnerTokens:
    """Partners' token hashes; a partner may have several (rotation)."""

    hashes: tuple[tuple[bytes, str], ...]

    @classmethod
    def load(cls, path: Path) -> PartnerTokens:
        """Read `partner_id:sha256hex` lines (blank lines and `#` comments allowed)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"cannot read CLEARWAY_PARTNER_TOKENS_FILE {path}") from error
        entries: list[tuple[bytes, str]] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            partner, _, digest = line.partition(":")
            digest = digest.strip().lower()
            if not _PARTNER_ID.fullmatch(partner.strip()) or not _SHA256_HEX.fullmatch(digest):
                # The line may hold a pasted secret: name the line, never echo it.
                raise SettingsError(
                    f"{path} line {number}: expected partner_id:sha256-hex-of-token"
                )
            entries.append((bytes.fromhex(digest), partner.strip()))
        if not entries:
            raise SettingsError(f"{path} lists no partner tokens")
        return cls(tuple(entries))

    def partner_for(self, token: str) -> str | None:
        """The partner whose token this is; compares against every hash, in constant time."""
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found: str | None = None
        for digest, partner in self.hashes:
            if hmac.compare_digest(presented, digest):
                found = partner
        return found


class PartnerAuthenticator:
    """Turns a call's credentials into the partner every read and write is scoped to."""

    def __init__(self, settings: Settings) -> None:
        self.dev_header = settings.partner_auth == PARTNER_AUTH_DEV_HEADER
        self.tokens = (
            PartnerTokens.load(settings.partner_tokens_file)
            if settings.partner_tokens_file is not None
            else None
        )
        self.certificates = settings.mutual_tls
        if self.dev_header:
            log.warning(
                "partner authentication is off (CLEARWAY_PARTNER_AUTH=dev-header): the "
                "x-clearway-partner header is trusted as sent; configure "
                "CLEARWAY_PARTNER_TOKENS_FILE or mutual TLS before real partners connect"
            )

    def partner_of(self, context: grpc.ServicerContext) -> str:
        """The authenticated partner, or UNAUTHENTICATED / PERMISSION_DENIED."""
        metadata = _metadata(context)
        claimed = metadata.get(PARTNER_HEADER, "")
        if self.dev_header:
            return claimed or DEFAULT_PARTNER
        partner = self._authenticate(metadata.get(AUTHORIZATION_HEADER), context)
        if claimed and claimed != partner:
            raise PermissionDenied(
                "the x-clearway-partner header names another partner than the credential",
                reason="PARTNER_MISMATCH",
            )
        return partner

    def _authenticate(self, authorization: str | None, context: grpc.ServicerContext) -> str:
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip() or self.tokens is None:
                log.info("partner authentication refused", extra={"cause": "bad_authorization"})
                raise Unauthenticated(
                    "the authorization header is not a known bearer token",
                    reason="PARTNER_TOKEN_INVALID",
                )
            partner = self.tokens.partner_for(token.strip())
            if partner is None:
                log.info("partner authentication refused", extra={"cause": "unknown_token"})
                raise Unauthenticated(
                    "the bearer token is not known", reason="PARTNER_TOKEN_INVALID"
                )
            return partner
        if self.certificates:
            common_names = context.auth_context().get("x509_common_name", [])
            if common_names:
                return bytes(common_names[0]).decode("utf-8", errors="replace")
        log.info("partner authentication refused", extra={"cause": "no_credential"})
        raise Unauthenticated(
            "send a bearer token (authorization: Bearer …) or a client certificate",
            reason="PARTNER_UNAUTHENTICATED",
        )


def _metadata(context: grpc.ServicerContext) -> Mapping[str, str]:
    found: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):
            found.setdefault(key, value)
    return found
