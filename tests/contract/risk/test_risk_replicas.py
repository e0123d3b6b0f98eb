"""Two risk services on one database agree on the cross-declaration history (SQLite and
PostgreSQL): split shipments across replicas, a resubmission counted once, repeat offenders,
and concurrent parcels of one consignee each counting the ones committed before them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from google.type import date_pb2, money_pb2

from clearway.reference.datadir import starter_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.risk.sampling import in_control_sample
from clearway.risk.service import RiskService
from clearway.runtime.server import ServiceHost
from clearway.v1 import common_pb2, risk_pb2, risk_pb2_grpc

ServiceStarter = Callable[..., tuple[ServiceHost, grpc.Channel]]
CONTROL_SAMPLE_RATE = Decimal("0.01")
NEAR_THRESHOLD = re.compile(r"consignee or address received (at least )?(\d+) parcels")
SPLIT_CAP = 4
"""The split shipment reads at most min_parcels + 1 near-threshold parcels (pack
risk-consignment); more than that the note gives as "at least"."""


@pytest.fixture(params=["sqlite", "postgres"])
def replicas(
    request: pytest.FixtureRequest, start_service: ServiceStarter, tmp_path: Path
) -> Iterator[tuple[risk_pb2_grpc.RiskServiceStub, risk_pb2_grpc.RiskServiceStub]]:
    url = (
        f"sqlite:///{tmp_path / 'shared.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_schema_url")
    )
    stubs = []
    for _ in range(2):
        _, channel = start_service(
            RiskService, database_url=url, data_dir=starter_data_dir(), rules_reload_seconds=0
        )
        stubs.append(risk_pb2_grpc.RiskServiceStub(channel))
    yield stubs[0], stubs[1]


def clean_ids(prefix: str, count: int) -> list[str]:
    """Declaration ids outside the control sample, so channels are the rules' alone."""
    ids = (f"{prefix}-{n}" for n in range(10_000))
    return [i for i in ids if not in_control_sample(i, CONTROL_SAMPLE_RATE)][:count]


def request(
    declaration_id: str,
    consignee: str,
    *,
    day: int = 3,
    seller: str = "Happy Gadgets Co Ltd",
    euros: int = 140,
) -> risk_pb2.AssessRiskRequest:
    return risk_pb2.AssessRiskRequest(
        partner_id="shop-1",
        declaration=common_pb2.Declaration(
            declaration_id=declaration_id,
            declaration_date=date_pb2.Date(year=2025, month=3, day=day),
            destination_country="DE",
            dispatch_country="CN",
            seller=common_pb2.Party(
                role=common_pb2.PARTY_ROLE_SELLER,
                name=seller,
                address=common_pb2.Address(country_code="CN"),
            ),
            consignee=common_pb2.Party(
                role=common_pb2.PARTY_ROLE_CONSIGNEE,
                name=consignee,
                address=common_pb2.Address(postal_code="10115", country_code="DE"),
            ),
            items=[
                common_pb2.DeclarationItem(
                    line_number=1,
                    description="sneakers",
                    quantity=1,
                    declared_hs_code="640411",
                    intrinsic_value=money_pb2.Money(currency_code="EUR", units=euros),
                )
            ],
        ),
    )


def codes(response: risk_pb2.AssessRiskResponse) -> set[str]:
    return {reason.code for reason in response.reasons}


def near_threshold(response: risk_pb2.AssessRiskResponse) -> int:
    """How many parcels near the threshold the service counted (1 when it wrote no note); at
    the cap, only with "at least"."""
    found = [NEAR_THRESHOLD.search(note) for note in response.explanation.notes]
    match = next((m for m in found if m), None)
    if match is None:
        return 1
    count = int(match.group(2))
    assert (count >= SPLIT_CAP) == bool(match.group(1)), match.group(0)
    return count


def test_split_shipment_across_replicas_counts_a_resubmission_once(
    replicas: tuple[risk_pb2_grpc.RiskServiceStub, risk_pb2_grpc.RiskServiceStub],
) -> None:
    a, b = replicas
    first, second, third = clean_ids("split", 3)
    assert "SPLIT_SHIPMENT" not in codes(a.AssessRisk(request(first, "Greta Lind", day=1)))
    assert near_threshold(b.AssessRisk(request(second, "Greta Lind", day=2))) == 2
    answer = a.AssessRisk(request(third, "Greta Lind", day=3))
    assert "SPLIT_SHIPMENT" in codes(answer) and near_threshold(answer) == 3
    again = b.AssessRisk(request(third, "Greta Lind", day=3))
    assert (codes(again), near_threshold(again)) == (codes(answer), 3)
    batch = b.AssessRiskBatch(
        risk_pb2.AssessRiskBatchRequest(requests=[request(second, "Greta Lind", day=2)])
    )
    assert near_threshold(batch.responses[0]) == 2


def test_repeat_consignee_seen_by_the_other_replica(
    replicas: tuple[risk_pb2_grpc.RiskServiceStub, risk_pb2_grpc.RiskServiceStub],
) -> None:
    a, b = replicas
    listed = next(
        p.name for p in load_sanctions(starter_data_dir()).parties if p.party_type == "entity"
    )
    blocked, later = clean_ids("repeat", 2)
    assert a.AssessRisk(request(blocked, "Oskar Berg", seller=listed, euros=20)).channel == (
        common_pb2.CHANNEL_BLOCK
    )
    answer = b.AssessRisk(request(later, "Oskar Berg", day=4, euros=20))
    assert codes(answer) == {"REPEAT_CONSIGNEE"}


def test_concurrent_parcels_of_one_consignee_on_both_replicas(
    replicas: tuple[risk_pb2_grpc.RiskServiceStub, risk_pb2_grpc.RiskServiceStub],
) -> None:
    """Serialised per consignee: each parcel counts those committed before it and itself, so
    the answers count 1 to the split's cap exactly once each."""
    a, b = replicas
    ids = clean_ids("burst", SPLIT_CAP)
    with ThreadPoolExecutor(SPLIT_CAP) as pool:
        answers = list(
            pool.map(
                lambda pair: (a, b)[pair[0] % 2].AssessRisk(request(pair[1], "Ida Holm")),
                enumerate(ids),
            )
        )
    assert sorted(near_threshold(answer) for answer in answers) == list(range(1, SPLIT_CAP + 1))
