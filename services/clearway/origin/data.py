"""The origin service's reference data: PSR rule sets per data set, HS codes and FX rates."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from clearway.reference.errors import RateUnavailable, ReferenceDataError
from clearway.reference.fx import ExchangeRates, load_rates
from clearway.reference.origin_rules import AGREEMENT_FILES, PsrRuleSet, find_rule_sets, load_psr

log = logging.getLogger(__name__)

_CACHE_LIMIT = 65536


class PsrLibrary:
    """Loaded PSR data sets by name, with a per-code cache of the covering rule sets."""

    def __init__(self, rule_sets: Mapping[str, tuple[PsrRuleSet, ...]]) -> None:
        self._rule_sets = dict(rule_sets)
        self._found: dict[tuple[str, str], tuple[PsrRuleSet, ...]] = {}

    @classmethod
    def load(cls, data_dir: Path) -> PsrLibrary:
        """Every PSR data set present under data_dir; a missing one is logged, not fatal."""
        loaded = {}
        for source in AGREEMENT_FILES:
            try:
                loaded[source] = load_psr(data_dir, source)
            except ReferenceDataError as error:
                log.warning("PSR data %s not loaded: %s", source, error)
        return cls(loaded)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self._rule_sets)

    def rule_sets(self, source: str, hs_code: str) -> Sequence[PsrRuleSet] | None:
        rule_sets = self._rule_sets.get(source)
        if rule_sets is None:
            return None
        key = (source, hs_code)
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= _CACHE_LIMIT:
                self._found.clear()
            found = self._found[key] = find_rule_sets(rule_sets, hs_code)
        return found


class RateConverter:
    """Converts at the ECB reference rate in force; None when no rate is published for it."""

    def __init__(self, rates: ExchangeRates | None) -> None:
        self.rates = rates

    @classmethod
    def load(cls, data_dir: Path) -> RateConverter:
        try:
            return cls(load_rates(data_dir))
        except ReferenceDataError as error:
            log.warning("exchange rates not loaded: %s", error)
            return cls(None)

    def __call__(self, amount: Decimal, source: str, target: str, on: date) -> Decimal | None:
        if source == target:
            return amount
        if self.rates is None:
            return None
        try:
            return self.rates.convert(amount, source, target, on).amount
        except RateUnavailable:
            return None
