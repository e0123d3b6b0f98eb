"""Loaders for Clearway's reference data: HS nomenclature, tariff, FX rates, sanctions lists,
rules of origin, classification references and duty-calculation oracles.

Each loader takes the data directory and returns immutable, indexed objects; nothing is cached
globally, the caller keeps what it loads. Missing or malformed files raise ReferenceDataError.
"""

from clearway.reference.errors import RateUnavailable, ReferenceDataError

__all__ = ["RateUnavailable", "ReferenceDataError"]
