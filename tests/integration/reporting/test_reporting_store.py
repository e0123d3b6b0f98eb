"""`clearway report` over a store filled with known decisions: exact totals on SQLite and
PostgreSQL, the period filter, the inspection hit rate, and the CSV/JSON/HTML outputs."""

from __future__ import annotations

import argparse
import base64
import csv
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from google.protobuf import json_format

from clearway.declarations.codec import money_to_proto
from clearway.declarations.model import Money
from clearway.reference.datadir import starter_data_dir
from clearway.reporting.cli import add_commands
from clearway.reporting.measure import measure
from clearway.reporting.reader import DecisionReader, Period
from clearway.store import DecisionStore
from clearway.store.base import DecisionRecord
from clearway.v1 import clearance_pb2, common_pb2, valuation_pb2

T0 = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)


def charge(kind: str, amount: str, point: str, line: int = 1) -> valuation_pb2.Charge:
    return valuation_pb2.Charge(
        type=f"CHARGE_TYPE_{kind}",
        amount=money_to_proto(Money(Decimal(amount), "EUR")),
        collected_at=f"COLLECTION_POINT_{point}",
        line_number=line,
    )


def record(
    declaration_id: str,
    *,
    declared: str,
    value: str,
    regime: str,
    charges: list[valuation_pb2.Charge],
    outcome: str = "RELEASE",
    channel: str = "GREEN",
    destination: str = "DE",
    risk_rule: str = "",
    partner: str = "p1",
) -> DecisionRecord:
    declaration = common_pb2.Declaration(
        declaration_id=declaration_id,
        destination_country=destination,
        dispatch_country="CN",
        items=[
            common_pb2.DeclarationItem(line_number=1, description="t-shirt", origin_country="CN")
        ],
    )
    decision = clearance_pb2.Decision(
        declaration_id=declaration_id,
        outcome=f"OUTCOME_{outcome}",
        regime=regime,
        charges=charges,
        risk_channel=f"CHANNEL_{channel}",
        items=[common_pb2.ItemTariffContext(line_number=1, hs_code="610910")],
        reasons=[clearance_pb2.DecisionReason(source="risk", code="X", rule_id=risk_rule)]
        if risk_rule
        else [],
    )
    valuation = valuation_pb2.CalculateChargesResponse(
        regime=regime,
        intrinsic_value=money_to_proto(Money(Decimal(value), "EUR")),
        items=[
            valuation_pb2.ItemValuation(
                line_number=1, intrinsic_value=money_to_proto(Money(Decimal(value), "EUR"))
            )
        ],
    )
    return DecisionRecord(
        partner_id=partner,
        declaration_id=declaration_id,
        payload=declaration.SerializeToString(deterministic=True),
        destination_country=destination,
        declaration_date=declared,
        outcome=outcome,
        decided_at=T0,
        decision=decision.SerializeToString(deterministic=True),
        service_answers={
            "valuation": json_format.MessageToDict(valuation, preserving_proto_field_name=True)
        },
        rules_revisions={"clearance": "r1"},
    )


def fill(store: DecisionStore) -> None:
    store.save_many(
        [
            record(
                "A1",
                declared="2026-09-01",
                value="45.50",
                regime="EU_IOSS",
                charges=[charge("VAT", "8.65", "AT_SALE"), charge("FLAT_DUTY", "3.00", "AT_SALE")],
            ),
            record(
                "A2",
                declared="2026-09-10",
                value="210.00",
                regime="EU_STANDARD",
                outcome="INSPECT",
                channel="RED",
                risk_rule="RISK-UNDERVALUATION",
                charges=[
                    charge("CUSTOMS_DUTY", "25.20", "AT_IMPORT"),
                    charge("VAT", "44.69", "AT_IMPORT"),
                ],
            ),
            record(
                "A3",
                declared="2026-09-20",
                value="19.99",
                regime="EU_IOSS",
                destination="FR",
                partner="p2",
                charges=[charge("VAT", "4.00", "AT_SALE"), charge("FLAT_DUTY", "3.00", "AT_SALE")],
            ),
            record("OLD", declared="2026-08-31", value="99.00", regime="EU_IOSS", charges=[]),
        ]
    )


def test_reader_gives_exact_totals_for_a_period(store: DecisionStore) -> None:
    fill(store)
    reader = DecisionReader(store, page_size=2)
    summary = measure(reader.parcels(Period(date(2026, 9, 1), date(2026, 10, 1))))
    ((currency, total),) = summary.total()
    assert currency == "EUR"
    assert total.parcels == 3, "OLD is declared before the period"
    assert total.declared_value == Decimal("275.49")
    assert total.at_sale == Decimal("18.65")
    assert total.at_import == Decimal("69.89")
    assert total.by_type == {
        "VAT": Decimal("57.34"),
        "FLAT_DUTY": Decimal("6.00"),
        "CUSTOMS_DUTY": Decimal("25.20"),
    }
    assert total.full_declarations == 1 and total.selected == 1
    by_destination = {k: t.assessed for k, _c, t in summary.rows("destination")}
    assert by_destination == {"DE": Decimal("81.54"), "FR": Decimal("7.00")}
    only_p2 = measure(reader.parcels(Period(), partner_id="p2"))
    assert only_p2.parcels == 1


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="clearway")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_report_command_writes_json_csv_and_html(
    store: DecisionStore, store_url: str, tmp_path: Path
) -> None:
    fill(store)
    inspections = tmp_path / "inspections.csv"
    inspections.write_text("declaration_id,found\nA2,true\n")
    common = ["report", "--db", store_url, "--from", "2026-09-01", "--to", "2026-10-01"]
    common += ["--data-dir", str(starter_data_dir())]
    extra = ["--inspections", str(inspections)]
    as_json = tmp_path / "report.json"
    args = parse([*common, *extra, "--format", "json", "--output", str(as_json)])
    assert args.handler(args) == 0
    document = json.loads(as_json.read_text())
    assert document["parcels"] == 3
    total = next(g for g in document["groups"] if g["dimension"] == "total")
    assert (total["assessed"], total["at_sale"], total["at_import"]) == ("88.54", "18.65", "69.89")
    assert document["inspections"][0]["hit_rate"] == "1.0000"

    as_csv = tmp_path / "report.csv"
    args = parse([*common, "--format", "csv", "--by", "regime", "--output", str(as_csv)])
    assert args.handler(args) == 0
    rows = list(csv.DictReader(as_csv.open()))
    assert {r["key"]: r["parcels"] for r in rows} == {"EU_IOSS": "2", "EU_STANDARD": "1"}

    page = tmp_path / "report.html"
    args = parse([*common, *extra, "--output", str(tmp_path / "table.txt"), "--html", str(page)])
    assert args.handler(args) == 0
    assert "by destination" in (tmp_path / "table.txt").read_text()
    html = page.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 6
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "http" not in html.replace("http-equiv", ""), "the page fetches nothing"


def test_a_bad_inspection_file_is_refused(store_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"declaration_id": "A2", "found": "perhaps"}\n')
    args = parse(["report", "--db", store_url, "--inspections", str(bad)])
    assert args.handler(args) == 2


@pytest.mark.parametrize("flag", ["--from", "--to"])
def test_a_bad_date_is_an_argument_error(flag: str) -> None:
    with pytest.raises(SystemExit):
        parse(["report", flag, "15/09/2026"])
