"""Shared builders for the origin unit tests: agreement terms straight from the packs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from clearway.origin.agreements import AgreementTerms, agreements_in
from clearway.rules.loader import parse_pack

PACKS = Path(__file__).resolve().parents[3] / "rules" / "origin"


@pytest.fixture(scope="session")
def agreements() -> Mapping[str, AgreementTerms]:
    """Every agreement the origin packs describe, read with the engine's own pack parser."""
    found: dict[str, AgreementTerms] = {}
    for path in sorted(PACKS.glob("*.yaml")):
        found.update(agreements_in(parse_pack(path, path.read_bytes()).parameters))
    return found


@pytest.fixture(scope="session")
def tca(agreements: Mapping[str, AgreementTerms]) -> AgreementTerms:
    return agreements["uk-eu-tca"]


@pytest.fixture(scope="session")
def cepa(agreements: Mapping[str, AgreementTerms]) -> AgreementTerms:
    return agreements["uk-japan-cepa"]
