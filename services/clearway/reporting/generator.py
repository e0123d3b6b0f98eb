"""Synthetic but realistic e-commerce manifests (`clearway generate`), one JSON line a parcel.

The parcels are what the simulator, the benchmarks and the tests replay, so they follow the
shapes of cross-border low-value e-commerce rather than being uniform noise:

- destinations weighted like a B2C market (the EU, euro and non-euro states, GB, US, AU, CA,
  CN, JP, SG), each in its own currency, converted from euros at a fixed rate of the table;
- item values lognormal in euros (median `exp(value_mu)`, default EUR 18, sigma 1.0: about
  85% of items under EUR 50, a long tail into the hundreds), times a factor by HS chapter;
- goods drawn by HS chapter with the weights of typical e-commerce (apparel, electronics,
  cosmetics, toys, …) from the real labelled parcel descriptions of the reference data
  (classification_refs), keeping only codes that exist in HS 2022;
- repeat consumers and sellers: each drawn from a pool by a Zipf-Mandelbrot law (exponent 1),
  a consumer always at the same address in the same country, a seller in one dispatch country;
- planted at stated rates: sellers named as a listed party (from the loaded sanctions lists),
  split consignments (3-4 parcels on one day to one consignee, each 85-95% of the destination's
  low-value threshold), preference claims under the UK-EU TCA with a statement on origin and a
  bill of materials, and gifts between private persons.

Everything follows from the seed: the same seed and count give the same bytes. Parcels are
produced one at a time, so a million-parcel manifest is written in constant memory.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

from google.protobuf import json_format

from clearway.reference.classification_refs import load_parcel_references
from clearway.reference.hs import load_nomenclature
from clearway.reference.sanctions import SanctionsLists
from clearway.v1 import common_pb2

Document = dict[str, Any]
"""A declaration in the proto3 JSON mapping, as `clearway submit` and `simulate` read it."""

ORDINARY, LISTED, SPLIT, PREFERENCE, GIFT = "ordinary", "listed", "split", "preference", "gift"
KINDS = (ORDINARY, LISTED, SPLIT, PREFERENCE, GIFT)


@dataclass(frozen=True)
class Destination:
    """A destination market: its currency, units per euro, share of parcels, address format."""

    country: str
    currency: str
    per_eur: Decimal
    weight: float
    postal: str
    """Postal-code pattern: L a letter, D a digit, anything else literal."""
    cities: tuple[str, ...]
    threshold: Decimal
    """The low-value threshold a split consignment stays under, in `currency` (rules/risk)."""


_EUR150 = Decimal(150)
DESTINATIONS: tuple[Destination, ...] = (
    Destination("DE", "EUR", Decimal(1), 0.15, "DDDDD", ("Berlin", "Hamburg", "Köln"), _EUR150),
    Destination("FR", "EUR", Decimal(1), 0.10, "DDDDD", ("Paris", "Lyon", "Lille"), _EUR150),
    Destination("NL", "EUR", Decimal(1), 0.05, "DDDD LL", ("Amsterdam", "Utrecht"), _EUR150),
    Destination("IT", "EUR", Decimal(1), 0.06, "DDDDD", ("Milano", "Roma", "Torino"), _EUR150),
    Destination("ES", "EUR", Decimal(1), 0.06, "DDDDD", ("Madrid", "Valencia"), _EUR150),
    Destination("BE", "EUR", Decimal(1), 0.02, "DDDD", ("Bruxelles", "Antwerpen"), _EUR150),
    Destination("AT", "EUR", Decimal(1), 0.02, "DDDD", ("Wien", "Graz"), _EUR150),
    Destination("IE", "EUR", Decimal(1), 0.02, "LDD LDDD", ("Dublin", "Cork"), _EUR150),
    Destination("PL", "PLN", Decimal("4.30"), 0.03, "DD-DDD", ("Warszawa", "Kraków"), _EUR150 * 4),
    Destination("SE", "SEK", Decimal("11.3"), 0.02, "DDD DD", ("Stockholm", "Malmö"), _EUR150 * 11),
    Destination("DK", "DKK", Decimal("7.46"), 0.01, "DDDD", ("København", "Aarhus"), _EUR150 * 7),
    Destination("CZ", "CZK", Decimal(25), 0.01, "DDD DD", ("Praha", "Brno"), _EUR150 * 25),
    Destination("HU", "HUF", Decimal(400), 0.01, "DDDD", ("Budapest", "Debrecen"), _EUR150 * 390),
    Destination("GB", "GBP", Decimal("0.85"), 0.12, "LLD DLL", ("London", "Leeds"), Decimal(135)),
    Destination("US", "USD", Decimal("1.08"), 0.16, "DDDDD", ("Chicago", "Austin"), Decimal(800)),
    Destination("AU", "AUD", Decimal("1.65"), 0.04, "DDDD", ("Sydney", "Perth"), Decimal(1000)),
    Destination("CA", "CAD", Decimal("1.48"), 0.04, "LDL DLD", ("Toronto", "Calgary"), _EUR150),
    Destination(
        "CN", "CNY", Decimal("7.8"), 0.02, "DDDDDD", ("Shanghai", "Chengdu"), Decimal(5000)
    ),
    Destination("JP", "JPY", Decimal(160), 0.03, "DDD-DDDD", ("Tokyo", "Osaka"), Decimal(10000)),
    Destination("SG", "SGD", Decimal("1.45"), 0.02, "DDDDDD", ("Singapore",), Decimal(400)),
)
"""The EU rows' thresholds are EUR 150 in the local currency, a little under the ECB rate so a
split parcel converted at the day's rate still sits just under EUR 150."""

EU = frozenset({"AT", "BE", "CZ", "DE", "DK", "ES", "FR", "HU", "IE", "IT", "NL", "PL", "SE"})
WHOLE_UNITS = frozenset({"JPY", "HUF"})

DISPATCH: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    # dispatch country, share of sellers, cities
    ("CN", 0.52, ("Shenzhen", "Guangzhou", "Yiwu", "Hangzhou")),
    ("HK", 0.06, ("Hong Kong",)),
    ("US", 0.08, ("Los Angeles", "New York")),
    ("GB", 0.06, ("London", "Manchester")),
    ("JP", 0.03, ("Tokyo",)),
    ("KR", 0.04, ("Seoul",)),
    ("VN", 0.04, ("Ho Chi Minh City",)),
    ("TR", 0.04, ("Istanbul",)),
    ("IN", 0.04, ("Mumbai", "Jaipur")),
    ("TW", 0.03, ("Taipei",)),
    ("DE", 0.03, ("Leipzig",)),
    ("IT", 0.03, ("Milano",)),
)
MADE_IN_CHINA_SHARE = 0.35
"""Share of items a seller outside CN dispatches that were made in China."""

CHAPTERS: tuple[tuple[str, float, float, float], ...] = (
    # HS chapter, share of items, value factor, median net mass (kg)
    ("61", 0.10, 1.0, 0.25),
    ("62", 0.08, 1.2, 0.40),
    ("64", 0.06, 1.5, 0.80),
    ("85", 0.13, 1.6, 0.30),
    ("84", 0.03, 1.8, 0.80),
    ("95", 0.07, 1.0, 0.40),
    ("33", 0.08, 0.7, 0.15),
    ("34", 0.02, 0.6, 0.30),
    ("39", 0.07, 0.6, 0.20),
    ("42", 0.05, 1.4, 0.60),
    ("71", 0.04, 1.0, 0.05),
    ("49", 0.04, 0.6, 0.40),
    ("94", 0.04, 1.8, 2.50),
    ("63", 0.03, 0.9, 0.60),
    ("69", 0.02, 0.8, 0.50),
    ("70", 0.02, 0.8, 0.40),
    ("73", 0.02, 0.9, 0.50),
    ("82", 0.02, 0.9, 0.30),
    ("91", 0.02, 1.5, 0.10),
    ("90", 0.02, 1.2, 0.10),
    ("96", 0.02, 0.5, 0.10),
    ("21", 0.01, 0.7, 0.30),
    ("09", 0.01, 0.7, 0.25),
)
"""Chapters absent from the loaded references drop out and the others keep their proportions."""

PREFERENCE_MATERIALS: dict[str, tuple[str, str, str]] = {
    # chapter of the finished good: a non-originating material (description, HS, origin)
    "42": ("tanned bovine leather", "4107", "IN"),
    "61": ("cotton yarn", "5205", "IN"),
    "62": ("woven cotton fabric", "5208", "CN"),
    "94": ("sawn wood", "4407", "BR"),
    "33": ("essential oils", "3301", "IN"),
    "69": ("kaolin", "2507", "CN"),
}
TCA_EXPORTERS: tuple[tuple[str, str, str], ...] = (
    ("IT", "Milano", "European Union"),
    ("DE", "Leipzig", "European Union"),
    ("FR", "Lyon", "European Union"),
    ("GB", "Leicester", "United Kingdom"),
)
FIRST_NAMES = (
    "Anna", "Lukas", "Marie", "Noah", "Sofia", "Liam", "Emma", "Mateo", "Julia", "Jan",
    "Olivia", "Lars", "Chloé", "Kenji", "Mei", "Aiden", "Zofia", "Oskar", "Hana", "Ravi",
)  # fmt: skip
SYLLABLES = (
    "bra", "ven", "lor", "mi", "ta", "quo", "sel", "dru", "fen", "ka", "zo", "rin",
    "pel", "stu", "wex", "ny", "gor", "li", "mar", "tis",
)  # fmt: skip
"""Surnames and brands are coined from syllables: no generated party can happen to be a name
on a sanctions list, so the listed parties are exactly the planted ones."""
CARRIERS = ("Parcel Express", "Global Post", "Swift Courier", "Blue Line Logistics")
STREETS = ("High Street", "Station Road", "Park Avenue", "Mill Lane", "Church Street")
SELLER_SUFFIXES = ("Co Ltd", "Trading Co", "Store", "Online Ltd", "E-commerce Co Ltd")


@dataclass(frozen=True)
class Mix:
    """The stated parameters of a generated manifest (shares are of all parcels)."""

    listed_share: float = 0.002
    split_share: float = 0.01
    preference_share: float = 0.01
    gift_share: float = 0.03
    ddp_share: float = 0.2
    ioss_share: float = 0.6
    """Of EU parcels within EUR 150, those whose seller is registered for IOSS."""
    value_mu: float = math.log(18)
    value_sigma: float = 1.0
    consumers_per_parcel: float = 1 / 3
    sellers_per_parcel: float = 1 / 200
    consumer_head: float = 50.0
    """Consumers follow a Zipf-Mandelbrot law with offset pool / consumer_head: the busiest
    consumer gets about consumer_head / (pool * ln(1 + consumer_head)) of the parcels, some 40
    parcels whatever the count."""
    seller_offset: float = 3.0
    """Sellers follow a Zipf-Mandelbrot law with this offset: a few large platform sellers
    (the busiest a few per cent of parcels) and a long tail of small shops."""
    start: date = date(2026, 6, 1)
    days: int = 122
    """Declaration dates run evenly from `start` over `days` days, in parcel order."""
    items_per_parcel: tuple[float, ...] = (0.70, 0.20, 0.07, 0.03)

    def problems(self) -> list[str]:
        """Each unusable parameter, named (the command line reports them all)."""
        shares = {
            "listed_share": self.listed_share,
            "split_share": self.split_share,
            "preference_share": self.preference_share,
            "gift_share": self.gift_share,
            "ddp_share": self.ddp_share,
            "ioss_share": self.ioss_share,
        }
        found = [f"{name} must be between 0 and 1" for name, v in shares.items() if not 0 <= v <= 1]
        special = self.listed_share + self.split_share + self.preference_share + self.gift_share
        if special >= 1:
            found.append("listed, split, preference and gift shares must add up to less than 1")
        if self.consumer_head <= 0 or self.seller_offset <= 0:
            found.append("consumer_head and seller_offset must be positive")
        if self.days < 1:
            found.append("days must be at least 1")
        if self.value_sigma <= 0:
            found.append("value_sigma must be positive")
        return found


@dataclass(frozen=True, slots=True)
class Goods:
    """A real labelled parcel description with its HS-6 code and the chapter's parameters."""

    description: str
    hs6: str
    value_factor: float
    mass_kg: float


@dataclass(frozen=True, slots=True)
class GeneratedParcel:
    """One declaration document and why it is there (one of KINDS)."""

    kind: str
    document: Document


@dataclass(frozen=True, slots=True)
class _Consumer:
    name: str
    destination: Destination
    city: str
    postal_code: str
    street: str


@dataclass(frozen=True, slots=True)
class _Seller:
    name: str
    country: str
    city: str


@dataclass
class Catalogue:
    """The goods by chapter, from the reference data, and the names planted as listed."""

    chapters: tuple[str, ...]
    cumulative: tuple[float, ...]
    goods: dict[str, tuple[Goods, ...]]
    listed: tuple[str, ...] = field(default=())

    def draw(self, rng: random.Random) -> Goods:
        chapter = self.chapters[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]
        return rng.choice(self.goods[chapter])


@lru_cache(maxsize=4)
def catalogue(data_dir: Path) -> Catalogue:
    """Real parcel descriptions of the e-commerce chapters whose code is in HS 2022."""
    nomenclature = load_nomenclature(data_dir)
    by_chapter: dict[str, list[Goods]] = {}
    parameters = {chapter: (factor, mass) for chapter, _w, factor, mass in CHAPTERS}
    for reference in load_parcel_references(data_dir):
        chapter = reference.hs6[:2]
        if chapter in parameters and nomenclature.exists(reference.hs6):
            factor, mass = parameters[chapter]
            goods = Goods(reference.text[:200], reference.hs6, factor, mass)
            by_chapter.setdefault(chapter, []).append(goods)
    present = [(c, w) for c, w, _f, _m in CHAPTERS if by_chapter.get(c)]
    if not present:
        raise ValueError(f"{data_dir}: no parcel references in the e-commerce HS chapters")
    return Catalogue(
        chapters=tuple(c for c, _w in present),
        cumulative=tuple(itertools.accumulate(w for _c, w in present)),
        goods={
            c: tuple(sorted(by_chapter[c], key=lambda g: (g.hs6, g.description)))
            for c, _ in present
        },
    )


def listed_names(lists: SanctionsLists, count: int = 25, seed: int = 7) -> list[str]:
    """Listed entity names to plant as sellers (deterministic for a seed)."""
    entities = sorted(
        p.display_name for p in lists.parties if p.party_type == "entity" and len(p.name) >= 10
    )
    return random.Random(seed).sample(entities, min(count, len(entities)))


class ManifestGenerator:
    """Produces the parcels of one manifest, lazily; see the module docstring for the shapes."""

    cache_size = 8192
    """Consumers and sellers remembered (the Zipf heads); the rest are derived again from the
    seed when drawn, so memory does not grow with the count."""

    def __init__(
        self,
        count: int,
        seed: int,
        goods: Catalogue,
        listed: Sequence[str] = (),
        mix: Mix | None = None,
        prefix: str = "SYN",
    ) -> None:
        self.count = count
        self.seed = seed
        self.goods = goods
        self.listed = tuple(listed)
        self.mix = mix or Mix()
        if not self.listed and self.mix.listed_share:
            # Without names to plant, that share of parcels stays ordinary.
            self.mix = replace(self.mix, listed_share=0.0)
        self.prefix = prefix
        self.width = max(6, len(str(count)))
        self._consumer_pool = max(10, int(count * self.mix.consumers_per_parcel))
        self._seller_pool = max(5, int(count * self.mix.sellers_per_parcel))
        self._consumer_offset = max(1.0, self._consumer_pool / self.mix.consumer_head)
        self._destination_weights = tuple(itertools.accumulate(d.weight for d in DESTINATIONS))
        self._dispatch_weights = tuple(itertools.accumulate(w for _c, w, _t in DISPATCH))
        self._consumer = lru_cache(maxsize=self.cache_size)(self._make_consumer)
        self._seller = lru_cache(maxsize=self.cache_size)(self._make_seller)

    def __iter__(self) -> Iterator[GeneratedParcel]:
        mix = self.mix
        rng = random.Random(self.seed)
        mean_group = 3.5
        split_start = mix.split_share / (mean_group * (1 - mix.split_share) + mix.split_share)
        # Per draw (one parcel, or a split group of 3-4): the other kinds' chances are raised
        # by 1/(1 - split share) so that each is its stated share of all parcels.
        other = 1 - mix.split_share
        bounds = tuple(
            itertools.accumulate(
                (mix.listed_share / other, mix.preference_share / other, mix.gift_share / other)
            )
        )
        number = 0
        while number < self.count:
            if rng.random() < split_start:
                size = rng.choice((3, 4))
                if number + size <= self.count:
                    for parcel in self._split(rng, number, size):
                        number += 1
                        yield parcel
                    continue
            number += 1
            roll = rng.random()
            if roll < bounds[0]:
                yield GeneratedParcel(LISTED, self._ordinary(rng, number, listed=True))
            elif roll < bounds[1]:
                yield GeneratedParcel(PREFERENCE, self._preference(rng, number))
            elif roll < bounds[2]:
                yield GeneratedParcel(GIFT, self._gift(rng, number))
            else:
                yield GeneratedParcel(ORDINARY, self._ordinary(rng, number))

    # Parties -----------------------------------------------------------------------------

    @staticmethod
    def _zipf(rng: random.Random, pool: int, offset: float) -> int:
        """A rank in [0, pool) by a continuous Zipf-Mandelbrot law of exponent 1."""
        rank = int(offset * ((pool + offset) / offset) ** rng.random() - offset)
        return min(rank, pool - 1)

    def _make_consumer(self, key: str, country: str = "") -> _Consumer:
        """The consumer `key`: the same name and address every time it is drawn."""
        rng = random.Random(f"{self.seed}:consumer:{key}")
        destination = DESTINATIONS[
            bisect.bisect(self._destination_weights, rng.random() * self._destination_weights[-1])
        ]
        if country:
            destination = next(d for d in DESTINATIONS if d.country == country)
        return _Consumer(
            name=f"{rng.choice(FIRST_NAMES)} {_coined(rng)}",
            destination=destination,
            city=rng.choice(destination.cities),
            postal_code=_postal_code(rng, destination.postal),
            street=f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
        )

    def _make_seller(self, key: str) -> _Seller:
        rng = random.Random(f"{self.seed}:seller:{key}")
        country, _w, cities = DISPATCH[
            bisect.bisect(self._dispatch_weights, rng.random() * self._dispatch_weights[-1])
        ]
        city = rng.choice(cities)
        return _Seller(f"{city} {_coined(rng)} {rng.choice(SELLER_SUFFIXES)}", country, city)

    def _seller_for(self, rng: random.Random, destination: str) -> _Seller:
        """A repeat seller that exports to `destination` (never from inside its customs area)."""
        for _ in range(20):
            seller = self._seller(str(self._zipf(rng, self._seller_pool, self.mix.seller_offset)))
            if _imports(seller.country, destination):
                return seller
        country, _w, cities = next(d for d in DISPATCH if _imports(d[0], destination))
        return _Seller(f"{cities[0]} {_coined(rng)} Trading Co", country, cities[0])

    # Parcels -----------------------------------------------------------------------------

    def _ordinary(self, rng: random.Random, number: int, *, listed: bool = False) -> Document:
        consumer = self._consumer(str(self._zipf(rng, self._consumer_pool, self._consumer_offset)))
        seller = self._seller_for(rng, consumer.destination.country)
        count = _pick_index(rng, self.mix.items_per_parcel) + 1
        lines, euros = self._lines(rng, count, seller.country, destination=consumer.destination)
        name = rng.choice(self.listed) if listed else seller.name
        return self._declaration(rng, number, consumer, name, seller, lines, euros)

    def _split(self, rng: random.Random, number: int, size: int) -> Iterator[GeneratedParcel]:
        """One order split into `size` parcels on one day, each just under the threshold."""
        consumer = self._make_consumer(f"split-{number}")
        destination = consumer.destination
        seller = self._seller_for(rng, destination.country)
        goods = self.goods.draw(rng)
        origin = _origin(rng, seller.country)
        for part in range(1, size + 1):
            share = Decimal(rng.randint(85, 95)) / 100
            value = _quantize(destination.threshold * share, destination.currency)
            item = _item_document(1, goods, 1, origin, _mass(rng, goods), value, destination)
            document = self._declaration(
                rng, number + part, consumer, seller.name, seller, [item], None, number + 1
            )
            yield GeneratedParcel(SPLIT, document)

    def _gift(self, rng: random.Random, number: int) -> Document:
        consumer = self._consumer(str(self._zipf(rng, self._consumer_pool, self._consumer_offset)))
        sender = next(
            s
            for s in (self._make_seller(f"gift-{number}-{n}") for n in itertools.count())
            if _imports(s.country, consumer.destination.country)
        )
        person = _Seller(f"{rng.choice(FIRST_NAMES)} {_coined(rng)}", sender.country, sender.city)
        lines, euros = self._lines(
            rng, 1, person.country, shift=-0.3, destination=consumer.destination
        )
        document = self._declaration(rng, number, consumer, person.name, person, lines, euros)
        document["gift"] = True
        document["incoterm"] = "INCOTERM_DAP"
        document.pop("iossNumber", None)
        return document

    def _preference(self, rng: random.Random, number: int) -> Document:
        """A UK-EU TCA claim with a statement on origin and a bill of materials."""
        country, city, area = rng.choice(TCA_EXPORTERS)
        destination_code = "DE" if country == "GB" else "GB"
        consumer = self._make_consumer(f"preference-{number}", destination_code)
        exporter = _Seller(f"{city} {_coined(rng)} Manufacturing Ltd", country, city)
        chapters = [c for c in PREFERENCE_MATERIALS if c in self.goods.goods] or [
            self.goods.chapters[0]
        ]
        goods = rng.choice(self.goods.goods[rng.choice(chapters)])
        value = self._value(rng, goods, consumer.destination, shift=1.2)
        item = _item_document(1, goods, 1, country, _mass(rng, goods), value, consumer.destination)
        item["preferenceClaimed"] = True
        currency = consumer.destination.currency
        material = PREFERENCE_MATERIALS.get(goods.hs6[:2], ("other materials", "3926", "CN"))
        share = Decimal(rng.randint(15, 40)) / 100
        item["billOfMaterials"] = {
            "exWorksPrice": item["intrinsicValue"],
            "materials": [
                {
                    "description": material[0],
                    "hsCode": material[1],
                    "originCountry": material[2],
                    "value": _money(_quantize(value * share, currency), currency),
                }
            ],
        }
        document = self._declaration(rng, number, consumer, exporter.name, exporter, [item], None)
        registration = (
            f"GB{rng.randint(10**11, 10**12 - 1)}000"
            if country == "GB"
            else f"{country}REX{country}{rng.randint(10**14, 10**15 - 1)}"
        )
        document["originClaim"] = {
            "agreement": "uk-eu-tca",
            "proof": {
                "type": "PROOF_TYPE_STATEMENT_ON_ORIGIN",
                "reference": f"INV-{document['orderReference']}",
                "issuer": exporter.name,
                "issuingCountry": country,
                "exporterRegistration": registration,
                "issueDate": document["declarationDate"],
                "statementText": (
                    "The exporter of the products covered by this document declares that, "
                    "except where otherwise clearly indicated, these products are of "
                    f"{area} preferential origin."
                ),
                "consignmentReferences": [document["orderReference"]],
                "goods": [
                    {
                        "description": goods.description,
                        "hsCode": goods.hs6,
                        "quantity": 1,
                        "value": item["intrinsicValue"],
                    }
                ],
            },
        }
        return document

    def _lines(
        self,
        rng: random.Random,
        count: int,
        dispatch: str,
        *,
        destination: Destination,
        shift: float = 0.0,
    ) -> tuple[list[Document], Decimal]:
        """`count` item lines and their intrinsic value in euros."""
        lines: list[Document] = []
        total = Decimal(0)
        for line in range(1, count + 1):
            goods = self.goods.draw(rng)
            quantity = _pick_index(rng, (0.85, 0.10, 0.05)) + 1
            origin, mass = _origin(rng, dispatch), _mass(rng, goods)
            euros = self._euros(rng, goods, shift) * quantity
            total += euros
            value = _quantize(euros * destination.per_eur, destination.currency)
            lines.append(_item_document(line, goods, quantity, origin, mass, value, destination))
        return lines, total

    def _euros(self, rng: random.Random, goods: Goods, shift: float = 0.0) -> Decimal:
        euros = rng.lognormvariate(self.mix.value_mu + shift, self.mix.value_sigma)
        return Decimal(f"{max(euros * goods.value_factor, 0.5):.2f}")

    def _value(
        self, rng: random.Random, goods: Goods, destination: Destination, shift: float = 0.0
    ) -> Decimal:
        return _quantize(self._euros(rng, goods, shift) * destination.per_eur, destination.currency)

    def _declaration(
        self,
        rng: random.Random,
        number: int,
        consumer: _Consumer,
        seller_name: str,
        seller: _Seller,
        lines: list[Document],
        ioss_euros: Decimal | None,
        first: int | None = None,
    ) -> Document:
        """The declaration around `lines`; an EU parcel within EUR 150 (`ioss_euros`) may carry
        its seller's IOSS number. Parcels of one order (`first`) share its date and reference."""
        destination = consumer.destination
        order = first or number
        on = self.mix.start + timedelta(days=(order - 1) * self.mix.days // self.count)
        freight = _quantize(
            Decimal(f"{rng.lognormvariate(math.log(6), 0.4):.2f}") * destination.per_eur,
            destination.currency,
        )
        post = seller.country == "CN" and rng.random() < 0.4
        document: Document = {
            "declarationId": f"{self.prefix}-{number:0{self.width}d}",
            "declarationDate": {"year": on.year, "month": on.month, "day": on.day},
            "destinationCountry": destination.country,
            "dispatchCountry": seller.country,
            "seller": {
                "role": "PARTY_ROLE_SELLER",
                "name": seller_name,
                "address": {"city": seller.city, "countryCode": seller.country},
            },
            "consignee": {
                "role": "PARTY_ROLE_CONSIGNEE",
                "name": consumer.name,
                "address": {
                    "lines": [consumer.street],
                    "city": consumer.city,
                    "postalCode": consumer.postal_code,
                    "countryCode": destination.country,
                },
            },
            "transportDocument": {
                "type": "CN22" if post else "HAWB",
                "number": f"{'RR' if post else 'HAWB'}{self.seed % 1000:03d}{number:09d}",
                "mode": "TRANSPORT_MODE_POST" if post else "TRANSPORT_MODE_EXPRESS",
                "carrier": "China Post" if post else rng.choice(CARRIERS),
            },
            "items": lines,
            "freight": _money(freight, destination.currency),
            "incoterm": "INCOTERM_DDP" if rng.random() < self.mix.ddp_share else "INCOTERM_DAP",
            "orderReference": f"ORD-{self.seed}-{order:0{self.width}d}",
        }
        if (
            ioss_euros is not None
            and destination.country in EU
            and ioss_euros <= _EUR150
            and rng.random() < self.mix.ioss_share
        ):
            document["iossNumber"] = f"IM{2500000000 + _stable(seller.name) % 10**9:010d}"
        return document


def _imports(dispatch: str, destination: str) -> bool:
    """Whether a parcel from `dispatch` to `destination` crosses a customs border."""
    return dispatch != destination and not (dispatch in EU and destination in EU)


def _origin(rng: random.Random, dispatch: str) -> str:
    if dispatch != "CN" and rng.random() < MADE_IN_CHINA_SHARE:
        return "CN"
    return dispatch


def _mass(rng: random.Random, goods: Goods) -> Decimal:
    return Decimal(f"{max(rng.lognormvariate(math.log(goods.mass_kg), 0.5), 0.01):.3f}")


def _pick_index(rng: random.Random, weights: Sequence[float]) -> int:
    roll = rng.random() * sum(weights)
    for index, weight in enumerate(weights):
        roll -= weight
        if roll < 0:
            return index
    return len(weights) - 1


def _coined(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


def _postal_code(rng: random.Random, pattern: str) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    return "".join(
        rng.choice(letters) if c == "L" else str(rng.randint(0, 9)) if c == "D" else c
        for c in pattern
    )


def _stable(text: str) -> int:
    """A hash of `text` that does not change between runs (str hashes are salted)."""
    return zlib.crc32(text.encode())


def _quantize(amount: Decimal, currency: str) -> Decimal:
    step = Decimal(1) if currency in WHOLE_UNITS else Decimal("0.01")
    return max(amount.quantize(step), step)


def _money(amount: Decimal, currency: str) -> Document:
    units = int(amount)
    nanos = int((amount - units) * 10**9)
    money: Document = {"currencyCode": currency, "units": str(units)}
    if nanos:
        money["nanos"] = nanos
    return money


def _item_document(
    line: int,
    goods: Goods,
    quantity: int,
    origin: str,
    mass: Decimal,
    value: Decimal,
    destination: Destination,
) -> Document:
    return {
        "lineNumber": line,
        "description": goods.description,
        "declaredHsCode": goods.hs6,
        "quantity": quantity,
        "netMassKg": {"value": str(mass * quantity)},
        "intrinsicValue": _money(value, destination.currency),
        "originCountry": origin,
    }


def write_manifest(parcels: Iterator[GeneratedParcel], out: TextIO) -> Counter[str]:
    """Write each parcel as one JSON line; the count of each kind written."""
    kinds: Counter[str] = Counter()
    for parcel in parcels:
        out.write(json.dumps(parcel.document, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        kinds[parcel.kind] += 1
    return kinds


def to_declaration(document: Document) -> common_pb2.Declaration:
    """The declaration message of a generated document (as `clearway submit` reads it)."""
    return json_format.ParseDict(document, common_pb2.Declaration())
