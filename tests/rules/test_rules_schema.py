"""Bad packs are refused at load with a message naming the file, the rule and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clearway.rules import PackError, RulesEngine

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]

GOOD_RULE = """
- id: R1
  text: Value over 100
  when: {fact: value, gt: 100}
  then: {flag: {code: HIGH, score: 10}}
"""


def load_error(pack_dir: Path) -> PackError:
    with pytest.raises(PackError) as caught:
        RulesEngine(pack_dir, reload_interval=None)
    return caught.value


@pytest.mark.parametrize(
    ("rules", "rule_id", "field", "problem"),
    [
        (
            "- {id: R1, text: t, when: {fact: v, lte_: 1}, then: {channel: red}}",
            "R1",
            "when",
            "unknown operator(s) lte_",
        ),
        (
            "- {id: R1, text: t, when: {fact: v, gt: 1, lt: 5}, then: {channel: red}}",
            "R1",
            "when",
            "exactly one operator",
        ),
        ("- {id: R1, text: t, then: {channel: orange}}", "R1", "then.channel", "'orange'"),
        (
            "- {id: R1, text: t, when: {fact: v, lte: {param: nope}}, then: {channel: red}}",
            "R1",
            "when.lte.param",
            "unknown parameter 'nope'",
        ),
        ("- {id: R1, when: {fact: v, eq: 1}, then: {channel: red}}", "R1", "text", "required"),
        ("- {id: r1, text: t, then: {channel: red}}", None, "rules[0].id", "does not match"),
        (
            "- {id: R1, text: t, when: {fact: v, lt: abc}, then: {channel: red}}",
            "R1",
            "when.lt",
            "lt needs a number",
        ),
        (
            "- {id: R1, text: t, when: {fact: v, lt: 0.1234567}, then: {channel: red}}",
            "R1",
            "when.lt",
            "at most 6 decimal places",
        ),
        (
            "- {id: R1, text: t, when: {fact: v, matches: '(unclosed'}, then: {channel: red}}",
            "R1",
            "when.matches",
            "not a valid regular expression",
        ),
        (
            "- {id: R1, text: t, when: {all: [{fact: v, eq: 1}, {fact: w, in: []}]},"
            " then: {channel: red}}",
            "R1",
            "when.all[1].in",
            "non-empty list",
        ),
        (
            "- {id: R1, text: t, when: {fact: v, eq: 1}, prority: 3, then: {channel: red}}",
            "R1",
            None,
            "unknown key(s) prority",
        ),
        ("- {id: R1, text: t, when: {fact: v, eq: 1}, then: {}}", "R1", "then", "at least one"),
        (
            "- {id: R1, text: t, then: {flag: {code: high-risk, score: 1}}}",
            "R1",
            "then.flag.code",
            "does not match",
        ),
        (
            "- {id: R1, text: t, then: {flag: {code: HIGH, score: '5'}}}",
            "R1",
            "then.flag.score",
            "expected an integer",
        ),
        (
            "- {id: R1, text: t, when: {fact: hs, starts_with: [8517, '8471']},"
            " then: {channel: red}}",
            "R1",
            "when.starts_with[0]",
            "quote it",
        ),
        (
            "- {id: R1, text: t, when: {any: [{fact: v, eq: 1}]}, then: {channel: red}}\n"
            "- {id: R1, text: u, then: {channel: red}}",
            "R1",
            "id",
            "duplicate rule id",
        ),
    ],
)
def test_bad_rule_is_named(
    pack_dir: Path,
    write_pack: PackWriter,
    pack_yaml: PackYaml,
    rules: str,
    rule_id: str | None,
    field: str | None,
    problem: str,
) -> None:
    path = write_pack("risk/bad.yaml", pack_yaml(rules))
    error = load_error(pack_dir)
    assert error.path == str(path)
    assert error.rule_id == rule_id
    assert error.field == field
    assert problem in error.problem
    assert str(path) in str(error)
    if rule_id:
        assert f"rule {rule_id}" in str(error)


@pytest.mark.parametrize(
    ("overrides", "field", "problem"),
    [
        ({"domain": "tax"}, "pack.domain", "not one of"),
        ({"jurisdiction": "Germany"}, "pack.jurisdiction", "ISO 3166"),
        ({"pack_id": "Bad_Id"}, "pack.id", "does not match"),
        ({"effective_to": "2019-01-01"}, "pack.effective_to", "after effective_from"),
    ],
)
def test_bad_metadata_is_named(
    pack_dir: Path,
    write_pack: PackWriter,
    pack_yaml: PackYaml,
    overrides: dict[str, str],
    field: str,
    problem: str,
) -> None:
    write_pack("risk/bad.yaml", pack_yaml(GOOD_RULE, **overrides))  # type: ignore[arg-type]
    error = load_error(pack_dir)
    assert (error.field, error.rule_id) == (field, None)
    assert problem in error.problem


def test_unquoted_version_says_quote_it(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack("risk/bad.yaml", pack_yaml(GOOD_RULE).replace('version: "1"', "version: 2026.1"))
    error = load_error(pack_dir)
    assert error.field == "pack.version"
    assert "quote it" in error.problem


def test_duplicate_yaml_key_is_refused(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack(
        "risk/bad.yaml",
        pack_yaml("- id: R1\n  text: t\n  when: {fact: v, eq: 1}\n  when: {fact: v, eq: 2}\n"
                  "  then: {channel: red}"),
    )  # fmt: skip
    error = load_error(pack_dir)
    assert "duplicate key 'when'" in str(error)


def test_invalid_yaml_names_the_file(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    path = write_pack("risk/bad.yaml", "pack: [unclosed\n")
    error = load_error(pack_dir)
    assert error.path == str(path)
    assert "not valid YAML" in error.problem


def test_duplicate_pack_id_across_files(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack("risk/a.yaml", pack_yaml(GOOD_RULE))
    second = write_pack("risk/b.yaml", pack_yaml(GOOD_RULE))
    error = load_error(pack_dir)
    assert (error.path, error.field) == (str(second), "pack.id")
    assert "already used" in error.problem


def test_conflicting_parameters_in_force_together(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack("risk/a.yaml", pack_yaml(GOOD_RULE, pack_id="a", parameters="limit: '10'"))
    write_pack("risk/b.yaml", pack_yaml(GOOD_RULE, pack_id="b", parameters="limit: '20'"))
    error = load_error(pack_dir)
    assert error.field == "parameters.limit"
    assert "a.yaml" in error.problem


def test_same_parameter_in_successive_periods_is_fine(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    write_pack(
        "risk/a.yaml",
        pack_yaml(GOOD_RULE, pack_id="a", parameters="limit: '10'", effective_to="2025-01-01"),
    )
    write_pack(
        "risk/b.yaml",
        pack_yaml(GOOD_RULE, pack_id="b", parameters="limit: '20'", effective_from="2025-01-01"),
    )
    RulesEngine(pack_dir, reload_interval=None).close()


def test_condition_that_explodes_is_refused(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    branch = "{any: [{fact: a, eq: 1}, {fact: b, eq: 2}, {fact: c, eq: 3}]}"
    condition = f"{{all: [{', '.join([branch] * 4)}]}}"
    rules = f"- {{id: BIG, text: t, when: {condition}, then: {{channel: red}}}}"
    write_pack("risk/bad.yaml", pack_yaml(rules))
    error = load_error(pack_dir)
    assert (error.rule_id, error.field) == ("BIG", "when")
    assert "81 alternatives" in error.problem


def test_case_needs_jurisdiction_when_pack_is_global(
    pack_dir: Path, write_pack: PackWriter, pack_yaml: PackYaml
) -> None:
    cases = "- {name: no place, date: 2026-01-01, facts: {value: 1}, expect: {fired: []}}"
    write_pack("risk/bad.yaml", pack_yaml(GOOD_RULE, jurisdiction="*", cases=cases))
    error = load_error(pack_dir)
    assert error.field == "cases[0] (no place).jurisdiction"


def test_missing_directory(tmp_path: Path) -> None:
    error = load_error(tmp_path / "absent")
    assert "does not exist" in error.problem
