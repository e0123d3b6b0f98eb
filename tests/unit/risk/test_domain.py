"""RiskDomain with the repo's risk packs, a hand-made list and the packaged starter rates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.declarations.model import Address, Declaration, Item, Money, Party
from clearway.reference.datadir import starter_data_dir
from clearway.reference.fx import load_rates
from clearway.risk.domain import AssessmentRequest, RiskDomain
from clearway.risk.history import InMemoryConsigneeHistory
from clearway.risk.sampling import in_control_sample
from clearway.risk.screening import PartyScreener
from clearway.rules import RulesEngine
from clearway.runtime.errors import InvalidArgument
from clearway.store.risk_history import StoredHistory

RULES = Path(__file__).resolve().parents[3] / "rules"


@dataclass(frozen=True)
class Entry:
    list_id: str
    entry_id: str
    name: str
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


ENTRIES = [
    Entry("OFAC_SDN", "25419", "BANK MELLI IRAN", (), ("IR",)),
    *(Entry("TEST", f"f{i}", f"Filler{i:04d} Person{i % 97:02d}") for i in range(300)),
]


@pytest.fixture(scope="module")
def engine() -> Iterator[RulesEngine]:
    with RulesEngine(RULES, reload_interval=None) as rules:
        yield rules


@pytest.fixture(params=["memory", "sqlite"])
def domain(
    request: pytest.FixtureRequest, engine: RulesEngine, tmp_path: Path
) -> Iterator[RiskDomain]:
    """The same assessments with the simulations' history and the service's (a SQLite file)."""
    screener = PartyScreener.build(ENTRIES, {"OFAC_SDN": "test-v1"})
    rates = load_rates(starter_data_dir())
    if request.param == "memory":
        yield RiskDomain(engine, screener, rates, InMemoryConsigneeHistory())
        return
    history = StoredHistory.open(f"sqlite:///{tmp_path / 'clearway.db'}")
    yield RiskDomain(engine, screener, rates, history)
    history.close()


def declaration(
    declaration_id: str = "D-1",
    *,
    items: tuple[Item, ...] | None = None,
    seller: str = "Shenzhen Happy Gadgets Co Ltd",
    consignee: str = "Anna Schmidt",
    destination: str = "DE",
    on: date = date(2025, 3, 3),
) -> Declaration:
    return Declaration(
        declaration_id=declaration_id,
        declaration_date=on,
        destination_country=destination,
        dispatch_country="CN",
        items=items
        or (
            Item(1, "cotton t-shirt", 2, Money(Decimal("18.00"), "EUR"), declared_hs_code="610910"),
        ),
        seller=Party("seller", seller, Address(country="CN")),
        consignee=Party("consignee", consignee, Address(postal_code="10115", country="DE")),
    )


def clean_id(prefix: str) -> str:
    """A declaration id outside the 1% control sample, so channels are the rules' alone."""
    return next(
        f"{prefix}-{n}"
        for n in range(1000)
        if not in_control_sample(f"{prefix}-{n}", Decimal("0.01"))
    )


def test_clean_consignment_is_green(domain: RiskDomain) -> None:
    result = domain.assess(AssessmentRequest(declaration(clean_id("clean"))))
    assert (result.channel, result.score, result.reasons) == ("green", 0, ())
    assert result.list_versions == {"OFAC_SDN": "test-v1"}
    assert result.rules_revision
    assert any(rule.rule_id == "RSK-SCORE-GREEN" for rule in result.fired)


def test_sanctioned_seller_blocks(domain: RiskDomain) -> None:
    result = domain.assess(
        AssessmentRequest(declaration(clean_id("s"), seller="Bank Melli Iran PLC"))
    )
    assert result.channel == "block"
    assert [r.code for r in result.reasons] == ["SANCTIONS_MATCH"]
    (hit,) = result.hits
    assert (hit.role, hit.entry_id, hit.party_name) == ("seller", "25419", "Bank Melli Iran PLC")


def test_undervalued_phone_with_ratio_note(domain: RiskDomain) -> None:
    phone = Item(1, "smartphone 128GB", 1, Money(Decimal("3.00"), "EUR"), declared_hs_code="851713")
    result = domain.assess(AssessmentRequest(declaration(clean_id("u"), items=(phone,))))
    assert [(r.code, r.line_number) for r in result.reasons] == [("UNDERVALUATION_SEVERE", 1)]
    assert result.channel == "red"
    assert "INVOICE_AND_PROOF_OF_PAYMENT" in result.documents
    assert any("is 0.0750 of the reference EUR 40.00 for HS 851713" in n for n in result.notes)


def test_counterfeit_uses_converted_unit_value_and_classified_code(domain: RiskDomain) -> None:
    bag = Item(1, "handbag", 2, Money(Decimal("60.00"), "USD"), brand="Gucci")
    result = domain.assess(
        AssessmentRequest(declaration(clean_id("c"), items=(bag,)), {1: "420221"})
    )
    codes = {r.code for r in result.reasons}
    assert "COUNTERFEIT_INDICATOR" in codes
    assert result.channel == "red"


def test_split_shipment_over_a_window(domain: RiskDomain) -> None:
    parcels = [
        declaration(
            f"split-{n}",
            items=(
                Item(1, "sneakers", 1, Money(Decimal("140.00"), "EUR"), declared_hs_code="640411"),
            ),
            on=date(2025, 3, 1 + n),
        )
        for n in range(3)
    ]
    results = domain.assess_many([AssessmentRequest(p) for p in parcels])
    assert "SPLIT_SHIPMENT" not in {r.code for r in results[1].reasons}
    assert "SPLIT_SHIPMENT" in {r.code for r in results[2].reasons}
    assert "ORDER_AND_PAYMENT_RECORDS" in results[2].documents
    replay = domain.assess(AssessmentRequest(parcels[2]))
    assert {r.code for r in replay.reasons} == {r.code for r in results[2].reasons}


def test_split_shipment_to_one_address_under_several_names(domain: RiskDomain) -> None:
    flat = Address(("12 Rue des Lilas",), "Paris", "75011", "", "FR")
    parcels = [
        declaration(
            clean_id(f"addr-{name}"),
            items=(Item(1, "watch", 1, Money(Decimal("145.00"), "EUR"), "910211"),),
            destination="FR",
        )._replace(consignee=Party("consignee", name, flat))
        for name in ("Marie Martin", "Luc Martin", "M. Martin")
    ]
    *_, last = domain.assess_many([AssessmentRequest(p, partner_id="shop") for p in parcels])
    assert "SPLIT_SHIPMENT" in {r.code for r in last.reasons}
    assert any("consignee or address received 3 parcels" in n for n in last.notes)


def test_repeat_consignee_and_control_sample_is_no_offence(domain: RiskDomain) -> None:
    sampled = next(f"rs-{n}" for n in range(2000) if in_control_sample(f"rs-{n}", Decimal("0.01")))
    assert domain.assess(AssessmentRequest(declaration(sampled))).channel == "red"
    after_sample = domain.assess(AssessmentRequest(declaration(clean_id("rs-a"))))
    assert "REPEAT_CONSIGNEE" not in {r.code for r in after_sample.reasons}
    phone = Item(1, "smartphone 128GB", 1, Money(Decimal("3.00"), "EUR"), declared_hs_code="851713")
    flagged = domain.assess(AssessmentRequest(declaration(clean_id("rs-b"), items=(phone,))))
    assert flagged.score >= 40  # repeat_offender.high_risk_score in the pack
    again = domain.assess(AssessmentRequest(declaration(clean_id("rs-c"))))
    assert [r.code for r in again.reasons] == ["REPEAT_CONSIGNEE"]
    assert again.channel == "yellow"
    other_partner = domain.assess(AssessmentRequest(declaration(clean_id("rs-b")), partner_id="p2"))
    assert "REPEAT_CONSIGNEE" in {r.code for r in other_partner.reasons}


def test_counts_past_their_caps_say_at_least(domain: RiskDomain) -> None:
    """The history stops counting one above the pack's thresholds; the notes say so."""
    phone = Item(1, "smartphone 128GB", 1, Money(Decimal("3.00"), "EUR"), declared_hs_code="851713")
    for n in range(3):
        domain.assess(AssessmentRequest(declaration(clean_id(f"cap-{n}"), items=(phone,))))
    later = domain.assess(AssessmentRequest(declaration(clean_id("cap-later"))))
    # Their seller is not a repeat offender for scores alone: only inspection findings count.
    assert {r.code for r in later.reasons} == {"REPEAT_CONSIGNEE"}
    assert "consignee had at least 2 earlier high-risk declarations in 365 days" in later.notes
    assert not any("seller" in note for note in later.notes)
    sneakers = Item(1, "sneakers", 1, Money(Decimal("140.00"), "EUR"), declared_hs_code="640411")
    parcels = [
        declaration(clean_id(f"many-{n}"), items=(sneakers,), consignee="Jan Kowalski")
        for n in range(6)
    ]
    *_, last = domain.assess_many([AssessmentRequest(p) for p in parcels])
    assert "SPLIT_SHIPMENT" in {r.code for r in last.reasons}
    assert any("received at least 4 parcels each between" in n for n in last.notes)
    assert any("together at least EUR 560.00" in n for n in last.notes)


def test_gb_threshold_comes_from_the_destination_pack(domain: RiskDomain) -> None:
    item = Item(1, "jacket", 1, Money(Decimal("120.00"), "GBP"), declared_hs_code="620193")
    results = domain.assess_many(
        [
            AssessmentRequest(declaration(f"gb-{n}", items=(item,), destination="GB"))
            for n in range(3)
        ]
    )
    assert "SPLIT_SHIPMENT" in {r.code for r in results[2].reasons}


def test_control_sample_is_reproducible(domain: RiskDomain) -> None:
    sampled = next(f"cs-{n}" for n in range(2000) if in_control_sample(f"cs-{n}", Decimal("0.01")))
    first = domain.assess(AssessmentRequest(declaration(sampled)))
    again = domain.assess(AssessmentRequest(declaration(sampled)._replace(gift=True)))
    assert first.channel == again.channel == "red"
    assert "CONTROL_SAMPLE" in {r.code for r in first.reasons}


def test_missing_consignee_asks_for_identification(domain: RiskDomain) -> None:
    result = domain.assess(AssessmentRequest(declaration(clean_id("nc"))._replace(consignee=None)))
    assert "CONSIGNEE_MISSING" in {r.code for r in result.reasons}
    assert result.channel == "yellow"


def test_screen_parties_rejects_a_threshold_out_of_range(domain: RiskDomain) -> None:
    with pytest.raises(InvalidArgument):
        domain.screen_parties([Party("seller", "x")], threshold=1.5)
