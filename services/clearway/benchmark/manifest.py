"""The benchmark's manifest: the synthetic generator's parcels, as declaration messages.

One generator serves the simulator, the tests and the benchmarks (clearway.reporting.generator).
The benchmark asks for more of the expensive parcels than a real day has (listed parties,
preference claims with a bill of materials) and spreads the dates over the regime changes of
2025-2026, so the suite does the work it does in production, not the cheapest path.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from clearway.reference.datadir import resolve_data_dir
from clearway.reporting.generator import ManifestGenerator, Mix, catalogue, to_declaration
from clearway.v1 import common_pb2

BENCH_START = date(2025, 8, 1)
BENCH_DAYS = 480
"""2025-08-01 to 2026-11-23: the US de minimis suspension, the EU flat duty and its successor."""


@dataclass(frozen=True)
class ManifestMix:
    """Shares of the special parcels (the rest are ordinary)."""

    listed_party_share: float = 0.02
    preference_share: float = 0.05


def generate(
    count: int,
    listed_names: Sequence[str],
    *,
    seed: int | None = None,
    prefix: str = "BENCH",
    mix: ManifestMix | None = None,
) -> list[common_pb2.Declaration]:
    """`count` declarations with distinct ids `<prefix>-000001`…; deterministic for a seed.

    Without a seed, the prefix chooses it: each prefix is a manifest of its own, other ids and
    other consumers and parcels. (With one seed for all, a measured stream repeated its
    warm-up's content under new ids, and each phase of a bench the content of the one before,
    so later phases read the services' memos of earlier ones.)
    """
    if seed is None:
        seed = zlib.crc32(prefix.encode())
    mix = mix or ManifestMix()
    shares = Mix(
        listed_share=mix.listed_party_share,
        preference_share=mix.preference_share,
        start=BENCH_START,
        days=BENCH_DAYS,
    )
    goods = catalogue(resolve_data_dir(None))
    parcels = ManifestGenerator(count, seed, goods, listed_names, shares, prefix=prefix)
    return [to_declaration(parcel.document) for parcel in parcels]
