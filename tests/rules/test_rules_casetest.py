"""`clearway rules test`: golden cases, one line each and a closing summary."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from clearway.rules.casetest import run_cases

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]

RULES = """
- id: EU-IOSS-001
  text: Intrinsic value at most 150 EUR declared under IOSS
  priority: 10
  when:
    all:
      - {fact: intrinsic_value_eur, lte: {param: ioss_threshold_eur}}
      - {fact: ioss_number, present: true}
  then:
    set: {regime: IOSS_LOW_VALUE, vat_collected_at: SALE, threshold: {param: ioss_threshold_eur}}
    require_document: [INVOICE]
    channel: green
"""
PASSING = """
- name: "149.99 under IOSS"
  date: 2026-08-01
  facts: {intrinsic_value_eur: "149.99", ioss_number: IM0000000001}
  expect:
    fired: [EU-IOSS-001]
    set: {regime: IOSS_LOW_VALUE, threshold: "150"}
    flags: []
    documents: [INVOICE]
    channel: green
- name: "150.01 is not low value"
  date: 2026-08-01
  jurisdiction: [DE, EU]
  facts: {intrinsic_value_eur: 150.01, ioss_number: IM0000000001}
  expect: {fired: [], channel: null}
"""
FAILING = """
- name: wrong expectations
  date: 2026-08-01
  facts: {intrinsic_value_eur: "10", ioss_number: IM1}
  expect:
    fired: [EU-IOSS-002]
    set: {regime: STANDARD, missing: 1}
    channel: red
"""


def run(pack_dir: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = run_cases(pack_dir, out)
    return code, out.getvalue().splitlines()


def test_passing_cases(pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml) -> None:
    write_pack(
        "valuation/eu-ioss.yaml",
        pack_yaml(RULES, pack_id="eu-ioss", domain="valuation",
                  parameters='ioss_threshold_eur: "150.00"', cases=PASSING),
    )  # fmt: skip
    code, lines = run(pack_dir)
    assert lines == [
        "PASS eu-ioss :: 149.99 under IOSS",
        "PASS eu-ioss :: 150.01 is not low value",
        "2 passed, 0 failed",
    ]
    assert code == 0


def test_failing_case_shows_the_differences(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack(
        "valuation/eu-ioss.yaml",
        pack_yaml(RULES, pack_id="eu-ioss", domain="valuation",
                  parameters='ioss_threshold_eur: "150.00"', cases=PASSING + FAILING),
    )  # fmt: skip
    code, lines = run(pack_dir)
    assert code == 1
    assert lines[-1] == "2 passed, 1 failed"
    failure = lines[2]
    assert failure.startswith("FAIL eu-ioss :: wrong expectations: ")
    assert "fired: expected [EU-IOSS-002], got [EU-IOSS-001]" in failure
    assert "missing EU-IOSS-002; unexpected EU-IOSS-001" in failure
    assert "set.regime: expected 'STANDARD', got 'IOSS_LOW_VALUE'" in failure
    assert "set.missing: expected 1, not set" in failure
    assert "channel: expected red, got green" in failure


def test_pack_that_does_not_load(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack("valuation/bad.yaml", pack_yaml("- {id: R, text: t, then: {channel: pink}}"))
    code, lines = run(pack_dir)
    assert code == 1
    assert lines[0].startswith("FAIL ") and "bad.yaml: rule R: then.channel" in lines[0]
    assert lines[-1] == "0 passed, 1 failed"


def test_repository_packs_pass() -> None:
    """The packs committed under rules/ keep their golden cases green."""
    repository_rules = Path(__file__).resolve().parents[2] / "rules"
    code, lines = run(repository_rules)
    assert code == 0, "\n".join(line for line in lines if not line.startswith("PASS"))
