"""The origin service's reference data: PSR rule sets per data file and FX rates."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from clearway.origin.psr import compile_rule
from clearway.reference.errors import RateUnavailable, ReferenceDataError
from clearway.reference.fx import ExchangeRates, load_rates
from clearway.reference.origin_rules import PsrRuleSet, find_rule_sets, load_psr

log = logging.getLogger(__name__)

_CACHE_LIMIT = 65536


class PsrLibrary:
    """The PSR data files the agreement packs name, each loaded once, with a per-code cache of
    the covering rule sets.

    Files are loaded by name when first asked for (a pack added by a rules reload brings its
    own file), or up front by `preload`. Every rule text is compiled as its file loads, so no
    request pays for parsing. A file that fails to load is logged and answers None; it is tried
    again after RETRY_SECONDS, so a data file deployed after its pack is picked up.
    """

    RETRY_SECONDS = 60.0

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._files: dict[str, tuple[PsrRuleSet, ...]] = {}
        self._failed: dict[str, float] = {}
        self._found: dict[tuple[str, str], tuple[PsrRuleSet, ...]] = {}
        self._lock = threading.Lock()

    def preload(self, files: Iterable[str]) -> None:
        for file_name in files:
            self._load(file_name)

    def _load(self, file_name: str) -> tuple[PsrRuleSet, ...] | None:
        loaded = self._files.get(file_name)
        if loaded is not None:
            return loaded
        with self._lock:
            failed_at = self._failed.get(file_name)
            if file_name in self._files or (
                failed_at is not None and time.monotonic() - failed_at < self.RETRY_SECONDS
            ):
                return self._files.get(file_name)
            try:
                rule_sets = load_psr(self.data_dir, file_name)
            except (ReferenceDataError, ValueError) as error:
                log.warning("PSR data %s not loaded: %s", file_name, error)
                self._failed[file_name] = time.monotonic()
                return None
            for rule_set in rule_sets:
                for rule in rule_set.rules:
                    compile_rule(rule.text)
            self._failed.pop(file_name, None)
            self._files[file_name] = rule_sets
            return rule_sets

    def rule_sets(self, source: str, hs_code: str) -> Sequence[PsrRuleSet] | None:
        rule_sets = self._load(source)
        if rule_sets is None:
            return None
        key = (source, hs_code)
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= _CACHE_LIMIT:
                self._found = {}
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
