"""Fixtures for the reference-data loaders: the real data (skipped when absent) and the starter set.

Loaded objects are session-scoped because they are immutable and loading the real files several
times would only slow the suite down.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.reference.datadir import find_data_dir, starter_data_dir
from clearway.reference.fx import ExchangeRates, load_rates
from clearway.reference.hs import Nomenclature, load_nomenclature
from clearway.reference.sanctions import SanctionsLists, load_sanctions
from clearway.reference.tariff import Tariff, load_tariff

SKIP_REASON = "real reference data not found (set CLEARWAY_DATA_DIR or provide ../shared/data)"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The real data directory; skips the test when there is none."""
    found = find_data_dir(None)
    if found is None or not (found / "hs").is_dir():
        pytest.skip(SKIP_REASON)
    return found


@pytest.fixture(scope="session")
def starter_dir() -> Path:
    return starter_data_dir()


@pytest.fixture(scope="session")
def real_hs(real_dir: Path) -> Nomenclature:
    return load_nomenclature(real_dir)


@pytest.fixture(scope="session")
def real_tariff(real_dir: Path) -> Tariff:
    return load_tariff(real_dir)


@pytest.fixture(scope="session")
def real_fx(real_dir: Path) -> ExchangeRates:
    return load_rates(real_dir)


@pytest.fixture(scope="session")
def real_sanctions(real_dir: Path) -> SanctionsLists:
    return load_sanctions(real_dir)


@pytest.fixture(scope="session")
def starter_hs(starter_dir: Path) -> Nomenclature:
    return load_nomenclature(starter_dir)


@pytest.fixture(scope="session")
def starter_tariff(starter_dir: Path) -> Tariff:
    return load_tariff(starter_dir)


@pytest.fixture(scope="session")
def starter_fx(starter_dir: Path) -> ExchangeRates:
    return load_rates(starter_dir)


@pytest.fixture(scope="session")
def starter_sanctions(starter_dir: Path) -> SanctionsLists:
    return load_sanctions(starter_dir)
