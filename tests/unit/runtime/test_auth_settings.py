"""Partner authentication and TLS settings: explicit dev default, no silent weakening."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.runtime.auth import PartnerTokens, token_hash
from clearway.runtime.settings import (
    PARTNER_AUTH_DEV_HEADER,
    PARTNER_AUTH_REQUIRED,
    Settings,
    SettingsError,
)


def test_nothing_configured_is_the_explicit_development_mode() -> None:
    settings = Settings.from_env({})
    assert settings.partner_auth == PARTNER_AUTH_DEV_HEADER
    assert not settings.tls_enabled and not settings.mutual_tls and settings.health_port == 0


def test_configured_credentials_make_authentication_required(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"acme:{token_hash('t')}\n")
    by_tokens = Settings.from_env({"CLEARWAY_PARTNER_TOKENS_FILE": str(tokens)})
    assert by_tokens.partner_auth == PARTNER_AUTH_REQUIRED
    by_certificates = Settings.from_env(
        {
            "CLEARWAY_TLS_CERT_FILE": "c.pem",
            "CLEARWAY_TLS_KEY_FILE": "k.pem",
            "CLEARWAY_TLS_CA_FILE": "ca.pem",
            "CLEARWAY_HEALTH_PORT": "8081",
        }
    )
    assert by_certificates.partner_auth == PARTNER_AUTH_REQUIRED
    assert by_certificates.mutual_tls and by_certificates.health_port == 8081


@pytest.mark.parametrize(
    "env",
    [
        {"CLEARWAY_TLS_CERT_FILE": "c.pem"},
        {"CLEARWAY_TLS_CA_FILE": "ca.pem"},
        {"CLEARWAY_PARTNER_AUTH": "required"},
        {"CLEARWAY_PARTNER_AUTH": "none"},
        {"CLEARWAY_PARTNER_AUTH": "dev-header", "CLEARWAY_PARTNER_TOKENS_FILE": "t"},
    ],
)
def test_incoherent_security_settings_are_refused_at_start(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_tokens_file_holds_hashes_and_finds_the_partner(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(
        "# comment\n\n"
        f"acme:{token_hash('first')}\n"
        f"acme:{token_hash('rotated')}\n"
        f"globex : {token_hash('other').upper()}\n"
    )
    tokens = PartnerTokens.load(path)
    assert tokens.partner_for("first") == tokens.partner_for("rotated") == "acme"
    assert tokens.partner_for("other") == "globex"
    assert tokens.partner_for("firs") is None and tokens.partner_for("") is None


@pytest.mark.parametrize(
    "content",
    [
        "acme:plaintext-secret-token\n",
        "acme\n",
        f":{'a' * 64}\n",
        f"bad partner:{'a' * 64}\n",
        "# only a comment\n",
    ],
)
def test_a_bad_tokens_file_is_refused_without_echoing_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "tokens"
    path.write_text(content)
    with pytest.raises(SettingsError) as raised:
        PartnerTokens.load(path)
    assert "plaintext-secret-token" not in str(raised.value)
