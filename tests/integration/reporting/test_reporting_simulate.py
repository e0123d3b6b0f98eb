"""`clearway simulate`: the same parcels under two rule-pack directories that differ in one
threshold (the UK low-value limit), in process, without a store or running services."""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.manifest import read_manifest
from clearway.reference.datadir import starter_data_dir
from clearway.reference.sanctions import load_sanctions
from clearway.reporting.cli import add_commands
from clearway.reporting.generator import (
    LISTED,
    SPLIT,
    ManifestGenerator,
    Mix,
    catalogue,
    listed_names,
    to_declaration,
    write_manifest,
)
from clearway.reporting.simulation import Simulator, read_in_background, scenarios
from clearway.runtime.settings import Settings
from clearway.v1 import common_pb2

REPO_RULES = Path(__file__).resolve().parents[3] / "rules"


def gb_parcel(declaration_id: str, value: int) -> dict[str, object]:
    return {
        "declarationId": declaration_id,
        "declarationDate": {"year": 2026, "month": 9, "day": 15},
        "destinationCountry": "GB",
        "dispatchCountry": "CN",
        "seller": {
            "role": "PARTY_ROLE_SELLER",
            "name": "Bright Goods Co Ltd",
            "address": {"city": "Shenzhen", "countryCode": "CN"},
        },
        "consignee": {
            "role": "PARTY_ROLE_CONSIGNEE",
            "name": f"Customer {declaration_id}",
            "address": {
                "lines": ["1 High Street"],
                "city": "Town",
                "postalCode": "AB1 2CD",
                "countryCode": "GB",
            },
        },
        "items": [
            {
                "lineNumber": 1,
                "description": "paperback novel english",
                "declaredHsCode": "490199",
                "quantity": 1,
                "netMassKg": {"value": "0.40"},
                "intrinsicValue": {"currencyCode": "GBP", "units": str(value)},
                "originCountry": "CN",
            }
        ],
        "freight": {"currencyCode": "GBP", "units": "0"},
        "incoterm": "INCOTERM_DAP",
        "orderReference": f"ORD-{declaration_id}",
    }


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """Two copies of the repo's packs; in `lower` the UK low-value limit is GBP 50."""
    root = tmp_path_factory.mktemp("packs")
    current, lower = root / "current", root / "lower"
    shutil.copytree(REPO_RULES, current)
    shutil.copytree(REPO_RULES, lower)
    pack = lower / "valuation" / "gb-2021-01-01.yaml"
    text = pack.read_text()
    assert 'low_value_threshold: "135.00"' in text
    pack.write_text(text.replace('low_value_threshold: "135.00"', 'low_value_threshold: "50.00"'))
    yield current, lower


@pytest.fixture(scope="module")
def settings() -> Settings:
    """The settings with the starter reference data the tests' names and goods come from."""
    return dataclasses.replace(Settings.from_env(), data_dir=starter_data_dir())


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.jsonl"
    parcels = [gb_parcel("GB-30", 30), gb_parcel("GB-80", 80), gb_parcel("GB-200", 200)]
    path.write_text("".join(json.dumps(p) + "\n" for p in parcels) + "{not json\n")
    return path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="clearway")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_a_lower_threshold_moves_a_parcel_to_a_full_declaration(
    packs: tuple[Path, Path], manifest: Path, tmp_path: Path
) -> None:
    current, lower = packs
    output = tmp_path / "comparison.json"
    page = tmp_path / "comparison.html"
    code = run(
        [
            "simulate",
            "--manifest",
            str(manifest),
            "--rules",
            str(current),
            "--rules",
            str(lower),
            "--data-dir",
            str(starter_data_dir()),
            "--currency",
            "GBP",
            "--selectivity",
            "1",
            "--format",
            "json",
            "--output",
            str(output),
            "--html",
            str(page),
        ]
    )
    assert code == 0
    document = json.loads(output.read_text())
    assert document["unreadable_declarations"] == 1
    assert [s["label"] for s in document["scenarios"]] == ["current", "lower"]
    rows = {
        (r["scenario"], r["dimension"]): r for r in document["rows"] if r["key"] in ("GB", "ALL")
    }
    before, after = rows["current", "destination"], rows["lower", "destination"]
    assert (before["parcels"], after["parcels"]) == (3, 3)
    assert (before["full_declarations"], after["full_declarations"]) == (1, 2)
    assert after["delta_full_declarations"] == 1
    assert after["delta_inspection_workload"] == 1, "selectivity 1: every full declaration"
    # GBP 80 no longer has VAT charged at the sale (20% of 80.00): it is due at import instead.
    assert Decimal(before["at_sale"]) - Decimal(after["at_sale"]) == Decimal("16.00")
    assert Decimal(after["at_import"]) > Decimal(before["at_import"])
    assert Decimal(after["delta_assessed"]) >= 0
    assert page.read_text().count("data:image/png;base64,") == 4


def test_as_of_dates_make_scenarios_from_one_pack_directory(
    packs: tuple[Path, Path], tmp_path: Path
) -> None:
    current, _lower = packs
    declared = gb_parcel("EU-1", 40)
    declared |= {"destinationCountry": "DE", "iossNumber": "IM2760000001"}
    declared["items"][0]["intrinsicValue"]["currencyCode"] = "EUR"  # type: ignore[index]
    declared["freight"] = {"currencyCode": "EUR", "units": "0"}
    manifest = tmp_path / "eu.jsonl"
    manifest.write_text(json.dumps(declared) + "\n")
    output = tmp_path / "eu.csv"
    code = run(
        [
            "simulate",
            "--manifest",
            str(manifest),
            "--rules",
            str(current),
            "--as-of",
            "2026-06-30",
            "--as-of",
            "2026-07-01",
            "--data-dir",
            str(starter_data_dir()),
            "--format",
            "csv",
            "--output",
            str(output),
        ]
    )
    assert code == 0
    lines = output.read_text().splitlines()
    header = lines[0].split(",")
    totals = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    total = [r for r in totals if r["dimension"] == "total"]
    assert [r["scenario"] for r in total] == [
        "current (as of 2026-06-30)",
        "current (as of 2026-07-01)",
    ]
    assert total[0]["flat_duty"] == "0.00" and total[1]["flat_duty"] == "3.00"
    assert total[1]["delta_assessed"] == "3.00", "the EUR 3 flat duty per item category"


def test_simulate_needs_exactly_one_source(tmp_path: Path) -> None:
    assert run(["simulate"]) == 2
    assert run(["simulate", "--manifest", str(tmp_path / "missing.jsonl")]) == 2


def test_generate_piped_into_simulate_through_the_command_line(
    packs: tuple[Path, Path], tmp_path: Path
) -> None:
    current, lower = packs
    clearway = str(Path(sys.executable).with_name("clearway"))
    data = ["--data-dir", str(starter_data_dir())]
    generate = subprocess.Popen(
        [clearway, "generate", "--parcels", "150", "--seed", "9", *data],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    rules = ["--rules", str(current), "--rules", str(lower)]
    simulate = subprocess.run(
        [
            clearway,
            "simulate",
            "--manifest",
            "-",
            *rules,
            *data,
            "--currency",
            "GBP",
            "--format",
            "json",
        ],
        stdin=generate.stdout,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert generate.stdout is not None
    generate.stdout.close()
    assert generate.wait(timeout=60) == 0
    assert simulate.returncode == 0, simulate.stderr.decode()
    document = json.loads(simulate.stdout)
    assert document["unreadable_declarations"] == 0
    assert [s["parcels"] for s in document["scenarios"]] == [150, 150]
    gb = {r["scenario"]: r for r in document["rows"] if r["key"] == "GB"}
    assert gb["lower"]["full_declarations"] > gb["current"]["full_declarations"]
    assert gb["lower"]["delta_full_declarations"] > 0


def test_shared_steps_and_remembered_codes_give_what_each_scenario_computes_alone(
    packs: tuple[Path, Path], settings: Settings
) -> None:
    current, lower = packs
    goods = catalogue(starter_data_dir())
    parcels = [
        to_declaration(p.document)
        for p in ManifestGenerator(200, 3, goods, ("Korea Mining Development Trading Corporation",))
    ]
    specs = scenarios([current, lower, current], [])
    replays = []
    for share in (True, False):
        with Simulator(specs, settings, share=share) as simulator:
            replays.append(list(simulator.run(parcels, chunk=60)))
    shared, alone = replays
    assert shared == alone
    assert len(shared) == 3 * 200
    by_scenario = [[f for i, f in shared if i == index] for index in range(3)]
    assert by_scenario[0] == by_scenario[2], "the same packs and dates: the same parcels"
    assert by_scenario[0] != by_scenario[1], "the lower UK threshold changes some"


def test_two_processes_measure_exactly_what_one_does(
    packs: tuple[Path, Path], settings: Settings, tmp_path: Path
) -> None:
    """Risk in this process, valuation and measurement in a worker, the manifest parsed in a
    third: the same summaries, to the last digit, as the replay in one process."""
    current, lower = packs
    manifest = tmp_path / "manifest.jsonl"
    listed = listed_names(load_sanctions(starter_data_dir()))
    mix = Mix(split_share=0.05, listed_share=0.01)
    generator = ManifestGenerator(2000, 5, catalogue(starter_data_dir()), listed, mix)
    with manifest.open("w", encoding="utf-8") as out:
        kinds = write_manifest(iter(generator), out)
        out.write("{not json\n")
    assert kinds[SPLIT] >= 40 and kinds[LISTED] >= 10
    with Simulator(scenarios([current, lower], []), settings) as simulator:
        read = (d for line in read_manifest(manifest) if (d := line.declaration) is not None)
        alone = simulator.summarise(read, "EUR", chunk=300, workers=1)
        problems: list[str] = []
        pipelined = read_in_background(manifest, problems, chunk=300)
        together = simulator.summarise(pipelined, "EUR", chunk=300, workers=2)
    assert together == alone
    assert len(problems) == 1 and problems[0].startswith("line 2001")
    assert [s.parcels for s in alone] == [2000, 2000]
    assert "RSK-SPLIT-SHIPMENT" in alone[0].rule_hits
    assert "block" in {key for key, _currency, _totals in alone[0].rows("channel")}, "sanctions"
    assert alone[0] != alone[1], "the lower UK threshold changes the measurement"
    assert multiprocessing.active_children() == []


def test_a_failing_source_stops_the_worker_and_reaches_the_caller(
    packs: tuple[Path, Path], settings: Settings
) -> None:
    current, _lower = packs
    goods = catalogue(starter_data_dir())

    def broken() -> Iterator[common_pb2.Declaration]:
        for number, parcel in enumerate(ManifestGenerator(30, 2, goods, ())):
            if number == 20:
                raise OSError("manifest went away")
            yield to_declaration(parcel.document)

    simulator = Simulator(scenarios([current], []), settings)
    with simulator, pytest.raises(OSError, match="went away"):
        simulator.summarise(broken(), "EUR", chunk=10, workers=2)
    assert multiprocessing.active_children() == []
