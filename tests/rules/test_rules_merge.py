"""Merging the outcomes of every fired rule, parameters across packs, and evaluate's contract."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.rules import Evaluation, FactError, Flag, PackError, RulesEngine

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]
EngineFactory = Callable[..., RulesEngine]

ON = datetime.date(2026, 8, 1)

MERGE_RULES = """
- id: LOW
  text: Default regime
  when: {fact: value, gte: 0}
  then:
    set: {regime: STANDARD, basis: CIF}
    flag: {code: CHECKED, reason: checked}
    require_document: INVOICE
    channel: green
- id: HIGH
  text: Low-value regime
  priority: 10
  when: {fact: value, lte: 150}
  then:
    set: {regime: LOW_VALUE}
    flag: [{code: LOW, score: 5, reason: low value}, {code: SPLIT_RISK, score: 20}]
    require_document: [INVOICE, IOSS_PROOF]
    channel: yellow
- id: RED
  text: Red when declared as a gift
  when: {fact: gift, eq: true}
  then: {channel: red, require_document: GIFT_DECLARATION}
"""


@pytest.fixture
def merge_engine(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> RulesEngine:
    write_pack("valuation/merge.yaml", pack_yaml(MERGE_RULES, domain="valuation"))
    return make_engine()


def test_merge_order_values_flags_documents_channel(merge_engine: RulesEngine) -> None:
    result = merge_engine.evaluate("valuation", "EU", ON, {"value": Decimal("100"), "gift": True})
    assert [rule.rule_id for rule in result.fired] == ["HIGH", "LOW", "RED"]
    assert dict(result.values) == {"regime": "LOW_VALUE", "basis": "CIF"}
    assert result.flags == (
        Flag("LOW", 5, "low value", "HIGH"),
        Flag("SPLIT_RISK", 20, "Low-value regime", "HIGH"),
        Flag("CHECKED", 0, "checked", "LOW"),
    )
    assert result.documents == ("INVOICE", "IOSS_PROOF", "GIFT_DECLARATION")
    assert result.channel == "red"
    assert result.fired[0].text == "Low-value regime"
    assert result.fired[0].pack_id == "test-pack"


def test_lower_priority_only(merge_engine: RulesEngine) -> None:
    result = merge_engine.evaluate("valuation", "EU", ON, {"value": Decimal("150.01")})
    assert [rule.rule_id for rule in result.fired] == ["LOW"]
    assert result.values["regime"] == "STANDARD"
    assert result.channel == "green"


def test_nothing_fires(merge_engine: RulesEngine) -> None:
    result = merge_engine.evaluate("valuation", "EU", ON, {"gift": False})
    assert result.fired == () and result.flags == () and result.documents == ()
    assert result.channel is None and dict(result.values) == {}
    assert result.revision


def test_no_pack_in_force(merge_engine: RulesEngine) -> None:
    result = merge_engine.evaluate("valuation", "US", ON, {"value": 1})
    assert result == Evaluation((), {}, (), (), None, result.revision, {})
    assert merge_engine.evaluate("risk", "EU", ON, {}).fired == ()


def test_equal_priority_conflict_is_a_pack_error(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    rules = """
    - {id: A, text: a, when: {fact: v, gt: 1}, then: {set: {regime: X, same: "1.0"}}}
    - {id: B, text: b, when: {fact: v, gt: 2}, then: {set: {regime: Y, same: 1}}}
    - {id: C, text: c, priority: 5, when: {fact: v, gt: 3}, then: {set: {regime: Z}}}
    """
    path = write_pack("risk/conflict.yaml", pack_yaml(rules))
    engine = make_engine()
    assert engine.evaluate("risk", "EU", ON, {"v": 2}).values["regime"] == "X"
    assert engine.evaluate("risk", "EU", ON, {"v": 4}).values["regime"] == "Z"
    with pytest.raises(PackError) as caught:
        engine.evaluate("risk", "EU", ON, {"v": 3})
    error = caught.value
    assert (error.path, error.rule_id, error.field) == (str(path), "B", "then.set.regime")
    assert "test-pack/A and test-pack/B" in error.problem and "'X' and 'Y'" in error.problem


def test_packs_merge_by_id_at_equal_priority(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/b.yaml", pack_yaml("- {id: R, text: b, then: {flag: {code: B}}}", pack_id="b"))
    write_pack(
        "risk/a.yaml",
        pack_yaml("- {id: R, text: a, then: {flag: {code: A}}}", pack_id="a", jurisdiction="*"),
    )
    engine = make_engine()
    result = engine.evaluate("risk", "EU", ON, {})
    assert [(rule.pack_id, rule.rule_id) for rule in result.fired] == [("a", "R"), ("b", "R")]
    assert [flag.code for flag in result.flags] == ["A", "B"]


def test_parameters_specific_jurisdiction_wins(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    rule = "- {{id: R, text: t, priority: {0}, when: {{fact: v, lte: {{param: threshold}}}},"
    rule += " then: {{set: {{rate: {{param: rates.DE}}}}}}}}"
    write_pack(
        "valuation/all.yaml",
        pack_yaml(rule.format(0), pack_id="all", jurisdiction="*", domain="valuation",
                  parameters='threshold: "10"\nrates: {DE: "1"}\nonly_global: yes'),
    )  # fmt: skip
    write_pack(
        "valuation/eu.yaml",
        pack_yaml(rule.format(1), pack_id="eu", domain="valuation",
                  parameters='threshold: "150.00"\nrates: {DE: "19", FR: "20"}'),
    )  # fmt: skip
    engine = make_engine()
    parameters = engine.parameters("valuation", "EU", ON)
    assert parameters["threshold"] == Decimal("150.00")
    assert parameters["rates"] == {"DE": Decimal("19"), "FR": Decimal("20")}
    assert parameters["only_global"] is True
    assert engine.parameters("valuation", "US", ON)["threshold"] == Decimal("10")
    result = engine.evaluate("valuation", ["DE", "EU"], ON, {"v": 5})
    assert result.parameters["threshold"] == Decimal("150.00")
    assert [(rule.pack_id, rule.rule_id) for rule in result.fired] == [("eu", "R"), ("all", "R")]
    assert result.values["rate"] == Decimal("19")
    with pytest.raises(TypeError):
        parameters["threshold"] = Decimal("0")  # type: ignore[index]


def test_revision_per_answer_is_reproducible(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/eu.yaml", pack_yaml("- {id: R, text: t, then: {channel: red}}", pack_id="eu"))
    write_pack(
        "risk/us.yaml",
        pack_yaml("- {id: R, text: t, then: {channel: red}}", pack_id="us", jurisdiction="US"),
    )
    engine = make_engine()
    eu = engine.evaluate("risk", "EU", ON, {}).revision
    assert eu == engine.evaluate("risk", ["EU"], ON, {"x": 1}).revision
    assert eu != engine.evaluate("risk", "US", ON, {}).revision
    assert len(engine.revision) >= 12 and engine.revision not in (eu,)
    assert {info.id: info.jurisdiction for info in engine.packs} == {"eu": "EU", "us": "US"}


def test_bad_requests(merge_engine: RulesEngine) -> None:
    with pytest.raises(ValueError, match="unknown domain"):
        merge_engine.evaluate("tax", "EU", ON, {})
    with pytest.raises(FactError, match="at most 250"):
        merge_engine.evaluate("valuation", "EU", ON, {f"f{i}": i for i in range(251)})
    with pytest.raises(FactError, match="fact 'value' has type list"):
        merge_engine.evaluate("valuation", "EU", ON, {"value": [1]})
    with pytest.raises(FactError, match="finite"):
        merge_engine.evaluate("valuation", "EU", ON, {"value": Decimal("NaN")})
    with pytest.raises(FactError, match=r"datetime\.date"):
        merge_engine.evaluate("valuation", "EU", "2026-01-01", {})  # type: ignore[arg-type]


def test_evaluate_many_matches_evaluate(merge_engine: RulesEngine) -> None:
    requests = [("EU", ON, {"value": Decimal(value)}) for value in ("1", "150", "150.01", "-5")]
    batch = merge_engine.evaluate_many("valuation", requests)
    assert batch == [merge_engine.evaluate("valuation", *request) for request in requests]
