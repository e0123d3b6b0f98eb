"""`clearway report` over a store filled with known decisions: exact totals on SQLite and
PostgreSQL, the period filter, the inspection hit rate, and the CSV/JSON/HTML outputs."""

from __future__ import annotations

import argparse
import base64
import csv
import html
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import matplotlib.image
import pytest
from google.protobuf import json_format

from clearway.declarations.codec import money_to_proto
from clearway.declarations.model import Money
from clearway.reference.datadir import starter_data_dir
from clearway.reporting.cli import add_commands
from clearway.reporting.inspections import InspectionLog
from clearway.reporting.measure import measure
from clearway.reporting.reader import DecisionReader, Period
from clearway.store import DecisionStore, open_store
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


def test_recorded_inspections_give_the_hit_rate_without_a_file(
    store: DecisionStore, store_url: str, tmp_path: Path
) -> None:
    fill(store)
    results = tmp_path / "results.jsonl"
    results.write_text(
        json.dumps(
            {
                "declaration_id": "A2",
                "found": False,
                "inspected_at": "2026-09-11T09:00:00Z",
                "finding_codes": [],
            }
        )
        + "\n"
        + json.dumps(
            {
                "declaration_id": "A2",
                "partner_id": "p1",
                "found": "yes",
                "inspected_at": "2026-09-12",
                "finding_codes": ["UNDERVALUED", "MISDESCRIBED"],
                "note": "invoice shows EUR 480",
            }
        )
        + "\n"
        + json.dumps({"declaration_id": "A3", "found": True})
        + "\n"
    )
    args = parse(["inspections", "record", str(results), "--db", store_url])
    assert args.handler(args) == 0
    recorded = InspectionLog(store).outcomes(Period())
    assert [(o.partner_id, o.declaration_id, o.found) for o in recorded][:2] == [
        ("p1", "A2", False),
        ("p1", "A2", True),
    ]
    assert recorded[1].finding_codes == ("UNDERVALUED", "MISDESCRIBED")
    assert recorded[1].inspected_at == datetime(2026, 9, 12, tzinfo=UTC)
    assert {o.declaration_id: o.partner_id for o in recorded}["A3"] == "p2", "the only owner"
    # Recording the same dated rows again replaces them instead of adding rows.
    assert args.handler(args) == 0
    assert len(InspectionLog(store).outcomes(Period())) == 4, "only the undated row is new"

    as_json = tmp_path / "report.json"
    report = ["report", "--db", store_url, "--from", "2026-09-01", "--to", "2026-10-01"]
    report += ["--data-dir", str(starter_data_dir()), "--format", "json"]
    args = parse([*report, "--output", str(as_json)])
    assert args.handler(args) == 0
    document = json.loads(as_json.read_text())
    assert document["inspections"][0]["hit_rate"] == "1.0000", "the latest A2 result counts"
    assert document["inspection_results_for_unselected_parcels"] == 1, "A3 was a control"

    overriding = tmp_path / "override.csv"
    overriding.write_text("declaration_id,found\nA2,no\n")
    args = parse([*report, "--inspections", str(overriding), "--output", str(as_json)])
    assert args.handler(args) == 0
    assert json.loads(as_json.read_text())["inspections"][0]["hit_rate"] == "0.0000"


def test_inspections_of_unknown_declarations_are_refused_and_nothing_is_written(
    store: DecisionStore, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store)
    results = tmp_path / "results.csv"
    results.write_text("declaration_id,found,partner_id\nA2,true,p1\nNOPE,false,\nA3,true,p1\n")
    args = parse(["inspections", "record", str(results), "--db", store_url])
    assert args.handler(args) == 2
    errors = capsys.readouterr().err
    assert "line 3.declaration_id: 'NOPE' is not stored" in errors
    assert "line 4.declaration_id: 'A3' is not stored for partner 'p1'" in errors
    assert InspectionLog(store).outcomes(Period()) == []

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"declaration_id": "", "found": "perhaps", "inspected_at": "noon"}\n')
    args = parse(["inspections", "record", str(bad), "--db", store_url])
    assert args.handler(args) == 2
    errors = capsys.readouterr().err
    for field in ("declaration_id", "found", "inspected_at"):
        assert f"line 1.{field}:" in errors


PROBE = """<script>
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("img")].map((image) => {
    const box = image.getBoundingClientRect();
    return {width: image.naturalWidth, height: image.naturalHeight, left: box.left,
            top: box.top + window.scrollY, shown_width: box.width, shown_height: box.height};
  });
  document.body.setAttribute("data-charts", JSON.stringify(charts));
});
</script></body>"""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; .ci/run installs it (apt-get install chromium) before the tests."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "the browser test needs Debian's chromium: apt-get install -y chromium"
    return found


def headless(browser: str, profile: Path, *arguments: str) -> str:
    completed = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return completed.stdout


def test_the_html_report_renders_its_charts_in_a_headless_browser(
    chromium: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'clearway.db'}"
    store = open_store(url)
    try:
        fill(store)
    finally:
        store.close()
    page = tmp_path / "report.html"
    table = tmp_path / "table.txt"
    report = ["report", "--db", url, "--data-dir", str(starter_data_dir())]
    args = parse([*report, "--html", str(page), "--output", str(table)])
    assert args.handler(args) == 0

    # Where each chart is and whether the browser decoded it: a copy of the page with a probe.
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE), encoding="utf-8")
    dom = headless(
        chromium, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()
    )
    found = re.search(r'data-charts="([^"]*)"', dom)
    assert found, "the probe ran after the page loaded"
    charts = json.loads(html.unescape(found.group(1)))
    assert len(charts) == 6
    assert all(c["width"] > 100 and c["height"] > 100 for c in charts), charts

    # The screenshot of the page itself: every chart's box holds a drawing, not a blank.
    width = 1280
    height = int(max(c["top"] + c["shown_height"] for c in charts)) + 40
    shot = tmp_path / "report.png"
    headless(
        chromium,
        tmp_path / "profile",
        f"--window-size={width},{height}",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    pixels = matplotlib.image.imread(shot)[:, :, :3]
    assert pixels.shape[:2] == (height, width)
    for chart in charts:
        top, left = int(chart["top"]), int(chart["left"])
        box = pixels[
            top : top + int(chart["shown_height"]), left : left + int(chart["shown_width"])
        ]
        inked = (box < 0.9).any(axis=2).mean()
        colours = len({tuple(p) for p in (box.reshape(-1, 3) * 255).astype(int)[::7]})
        assert 0.02 < inked < 0.9, (chart, inked)
        assert colours > 8, "axes, labels and coloured bars"
    # 40 px are shot below the lowest chart; its card's border lies within 15 px of it.
    below = pixels[height - 20 :, :]
    assert (below < 0.9).any(axis=2).mean() < 0.02, "blank below the last chart: boxes are right"
