"""Write examples/manifest.jsonl: a varied, reproducible demo manifest (proto JSON, one a line).

The parcels exercise what the suite decides: low-value regimes per destination,
the dated US and EU changes, gifts, a preference claim with proof of origin,
goods risk (knives, counterfeit signs, batteries), a listed party, split
shipments to one consignee, a wrong declared code and an unknown one.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "examples" / "manifest.jsonl"

GOODS = [
    ("Mens cotton t-shirt crew neck size L", "610910", "cotton", "0.20", "CN"),
    ("womens running shoes textile upper", "640411", "", "0.70", "VN"),
    ("Bluetooth wireless earbuds with charging case", "851830", "", "0.15", "CN"),
    ("stainless steel kitchen knife set 5 pcs", "821192", "steel", "1.20", "CN"),
    ("lego compatible building blocks 500 pcs", "950300", "plastic", "0.90", "CN"),
    ("organic green tea leaves 250g", "090210", "", "0.25", "JP"),
    ("vitamin c supplement capsules 120 ct", "210690", "", "0.18", "US"),
    ("silicone phone case iphone 15", "392690", "silicone", "0.05", "CN"),
    ("lipstick matte long lasting", "330410", "", "0.03", "FR"),
    ("wooden wall shelf 110x26 white", "940360", "wood", "3.50", "PL"),
    ("paperback novel english", "490199", "", "0.40", "GB"),
    ("leather handbag for women", "420221", "leather", "0.80", "IT"),
    ("ceramic coffee mug 350ml", "691200", "ceramic", "0.35", "CN"),
    ("yoga mat 6mm non slip", "392690", "", "1.10", "CN"),
    ("wrist watch quartz analogue", "910211", "", "0.12", "CH"),
]

DESTINATIONS = [
    ("DE", "EUR"),
    ("FR", "EUR"),
    ("NL", "EUR"),
    ("IT", "EUR"),
    ("ES", "EUR"),
    ("GB", "GBP"),
    ("US", "USD"),
    ("AU", "AUD"),
    ("CA", "CAD"),
    ("CN", "CNY"),
    ("JP", "JPY"),
    ("SG", "SGD"),
]


def money(amount: Decimal, currency: str) -> dict[str, object]:
    units = int(amount)
    nanos = int((amount - units) * 1_000_000_000)
    return {"currencyCode": currency, "units": str(units), "nanos": nanos}


def day(text: str) -> dict[str, int]:
    year, month, dom = (int(part) for part in text.split("-"))
    return {"year": year, "month": month, "day": dom}


def parcel(
    number: int,
    destination: str,
    currency: str,
    goods: list[tuple[str, str, str, str, str]],
    values: list[str],
    *,
    on: str = "2026-09-15",
    dispatch: str = "CN",
    consignee: str = "",
    **extra: object,
) -> dict[str, object]:
    items = []
    for line, ((description, code, material, mass, origin), value) in enumerate(
        zip(goods, values, strict=True), start=1
    ):
        items.append(
            {
                "lineNumber": line,
                "description": description,
                "declaredHsCode": code,
                "quantity": 1,
                "netMassKg": {"value": mass},
                "intrinsicValue": money(Decimal(value), currency),
                "originCountry": origin,
                "material": material,
            }
        )
    declaration: dict[str, object] = {
        "declarationId": f"DEMO-{number:04d}",
        "declarationDate": day(on),
        "destinationCountry": destination,
        "dispatchCountry": dispatch,
        "seller": {
            "role": "PARTY_ROLE_SELLER",
            "name": "Shenzhen Bright Goods Co Ltd",
            "address": {"city": "Shenzhen", "countryCode": dispatch},
        },
        "consignee": {
            "role": "PARTY_ROLE_CONSIGNEE",
            "name": consignee or f"Customer {number}",
            "address": {
                # A named consignee is one household across parcels (split shipments).
                "lines": [f"{len(consignee) if consignee else number} High Street"],
                "city": "Town",
                "postalCode": f"{10000 + (len(consignee) if consignee else number)}",
                "countryCode": destination,
            },
        },
        "transportDocument": {
            "type": "HAWB",
            "number": f"HAWB{900000 + number}",
            "mode": "TRANSPORT_MODE_EXPRESS",
            "carrier": "Demo Express",
        },
        "items": items,
        "freight": money(Decimal("8.50"), currency),
        "incoterm": "INCOTERM_DAP",
        "orderReference": f"ORD-{number:06d}",
    }
    declaration.update(extra)
    return declaration


def build() -> list[dict[str, object]]:
    rng = random.Random(2026)
    parcels: list[dict[str, object]] = []
    number = 1
    for destination, currency in DESTINATIONS:
        for _ in range(3):
            picked = rng.sample(GOODS, rng.randint(1, 3))
            scale = {"JPY": 150, "CNY": 7, "AUD": 1.5, "CAD": 1.4, "SGD": 1.3}.get(currency, 1)
            values = [f"{rng.uniform(5, 90) * scale:.2f}" for _ in picked]
            extra: dict[str, object] = {}
            if destination in {"DE", "FR", "NL", "IT", "ES"} and number % 2:
                extra["iossNumber"] = f"IM{2760000000 + number:010d}"
            parcels.append(parcel(number, destination, currency, picked, values, **extra))
            number += 1
    # Above the EU and UK low-value thresholds: duty and import VAT at the border.
    parcels.append(parcel(number, "DE", "EUR", [GOODS[11], GOODS[14]], ["180.00", "95.00"]))
    number += 1
    parcels.append(parcel(number, "GB", "GBP", [GOODS[2]], ["210.00"]))
    number += 1
    # Exactly at the IOSS threshold, before and after the EU flat duty of 2026-07-01.
    for on in ("2026-06-30", "2026-07-01"):
        parcels.append(
            parcel(
                number,
                "FR",
                "EUR",
                [GOODS[0], GOODS[8]],
                ["120.00", "30.00"],
                on=on,
                iossNumber="IM2500000001",
            )
        )
        number += 1
    # The US de minimis on either side of its suspension on 2025-08-29, and a gift.
    for on in ("2025-08-28", "2025-08-30"):
        parcels.append(parcel(number, "US", "USD", [GOODS[1]], ["65.00"], on=on))
        number += 1
    parcels.append(parcel(number, "US", "USD", [GOODS[10]], ["40.00"], gift=True))
    number += 1
    parcels.append(parcel(number, "GB", "GBP", [GOODS[10]], ["30.00"], gift=True, dispatch="US"))
    number += 1
    # CUSMA courier thresholds into Canada.
    parcels.append(parcel(number, "CA", "CAD", [GOODS[6]], ["35.00"], dispatch="US"))
    number += 1
    parcels.append(parcel(number, "CA", "CAD", [GOODS[6]], ["120.00"], dispatch="US"))
    number += 1
    # A UK-EU TCA preference claim with a statement on origin.
    parcels.append(
        parcel(
            number,
            "GB",
            "GBP",
            [("leather handbag for women", "420221", "leather", "0.80", "IT")],
            ["420.00"],
            dispatch="IT",
            originClaim={
                "agreement": "uk-eu-tca",
                "proof": {
                    "type": "PROOF_TYPE_STATEMENT_ON_ORIGIN",
                    "reference": "INV-2026-0917",
                    "issuer": "Pelletteria Demo Srl",
                    "issuingCountry": "IT",
                    "exporterRegistration": "ITREXIT01234567890",
                    "issueDate": day("2026-09-01"),
                    "statementText": "The exporter of the products covered by this document "
                    "declares that, except where otherwise clearly indicated, these products "
                    "are of European Union preferential origin.",
                    "consignmentReferences": [f"ORD-{number:06d}"],
                    "goods": [
                        {
                            "description": "leather handbag",
                            "hsCode": "420221",
                            "quantity": 1,
                            "value": money(Decimal("420.00"), "GBP"),
                        }
                    ],
                },
            },
        )
    )
    parcels[-1]["items"][0]["preferenceClaimed"] = True  # type: ignore[index]
    parcels[-1]["items"][0]["billOfMaterials"] = {  # type: ignore[index]
        "exWorksPrice": money(Decimal("300.00"), "GBP"),
        "materials": [
            {
                "description": "tanned leather",
                "hsCode": "4107",
                "value": money(Decimal("90.00"), "GBP"),
                "originCountry": "IN",
            },
            {
                "description": "zip fastener",
                "hsCode": "9607",
                "value": money(Decimal("6.00"), "GBP"),
                "originCountry": "CN",
            },
        ],
    }
    number += 1
    # Goods risk: a replica pistol, a luxury brand at an implausible price, loose batteries.
    parcels.append(
        parcel(
            number,
            "DE",
            "EUR",
            [("airsoft replica pistol metal", "930420", "", "0.90", "CN")],
            ["45.00"],
        )
    )
    number += 1
    parcels.append(
        parcel(
            number,
            "NL",
            "EUR",
            [("Rolex Submariner watch mens", "910211", "", "0.15", "CN")],
            ["25.00"],
            iossNumber="IM5280000003",
        )
    )
    number += 1
    parcels.append(
        parcel(
            number,
            "AU",
            "AUD",
            [("lithium ion battery 18650 3000mah 4 pcs", "850760", "", "0.20", "CN")],
            ["22.00"],
        )
    )
    number += 1
    # A consignee on the OFAC SDN list.
    parcels.append(
        parcel(number, "US", "USD", [GOODS[2]], ["55.00"], consignee="BANCO NACIONAL DE CUBA")
    )
    number += 1
    # Split shipment: one consignee, four parcels each just under £135 in three days.
    for offset in range(4):
        parcels.append(
            parcel(
                number,
                "GB",
                "GBP",
                [GOODS[2]],
                [f"{129 + offset}.00"],
                on=f"2026-09-{14 + offset:02d}",
                consignee="Jordan Example",
            )
        )
        number += 1
    # A declared code that does not fit the description, and one that does not exist.
    parcels.append(
        parcel(
            number,
            "DE",
            "EUR",
            [("ceramic coffee mug 350ml", "851830", "ceramic", "0.35", "CN")],
            ["12.00"],
            iossNumber="IM2760000099",
        )
    )
    number += 1
    parcels.append(
        parcel(
            number,
            "FR",
            "EUR",
            [("ceramic coffee mug 350ml", "999999", "ceramic", "0.35", "CN")],
            ["12.00"],
        )
    )
    number += 1
    # CN cross-border retail, JP and SG low-value thresholds, Australia above A$1,000.
    parcels.append(
        parcel(number, "CN", "CNY", [GOODS[8], GOODS[6]], ["380.00", "260.00"], dispatch="FR")
    )
    number += 1
    parcels.append(parcel(number, "JP", "JPY", [GOODS[4]], ["12000"], dispatch="US"))
    number += 1
    parcels.append(parcel(number, "SG", "SGD", [GOODS[2]], ["399.00"], dispatch="US"))
    number += 1
    parcels.append(
        parcel(number, "AU", "AUD", [GOODS[9], GOODS[11]], ["700.00", "450.00"], dispatch="IT")
    )
    return parcels


def main() -> None:
    parcels = build()
    OUT.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in parcels))
    print(f"{len(parcels)} declarations written to {OUT}")


if __name__ == "__main__":
    main()
