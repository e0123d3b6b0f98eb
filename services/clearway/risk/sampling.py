"""Random control sample: a fixed share of consignments inspected whatever their score.

The draw is a hash of the declaration id, not a random number, so a replay of the same
declaration makes the same choice and the sample's selectivity can be measured afterwards.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

_SCALE = 2**64


def sample_fraction(declaration_id: str, salt: str = "control-sample-v1") -> Decimal:
    """A number in [0, 1) uniformly spread over declaration ids."""
    digest = hashlib.sha256(f"{salt}\x1f{declaration_id}".encode()).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / _SCALE


def in_control_sample(declaration_id: str, rate: Decimal) -> bool:
    """True for about `rate` (0..1) of all declaration ids, always the same ones."""
    return sample_fraction(declaration_id) < rate
