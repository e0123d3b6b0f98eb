"""Read one YAML rule pack and validate it into a `Pack`, or raise a PackError that names the
file, the rule and the field. Nothing here touches durable_rules."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

import yaml

from .errors import PackError
from .model import (
    CHANNELS,
    DOMAINS,
    AllOf,
    AnyOf,
    Case,
    Condition,
    FlagSpec,
    Leaf,
    Not,
    Pack,
    PackInfo,
    Rule,
    Scalar,
)
from .values import (
    FACTOR,
    LIMIT,
    SCALE,
    as_number,
    comparable_literal,
    normalise_fact,
    parameter_value,
)

PACK_ID = re.compile(r"[a-z0-9][a-z0-9.-]*")
RULE_ID = re.compile(r"[A-Z0-9][A-Z0-9_-]*")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""Fact names and `set` value names."""
PARAMETER_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
FLAG_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
JURISDICTION = re.compile(r"[A-Z]{2}|\*")

COMPARISONS = ("lt", "lte", "gt", "gte")
OPERATORS = ("eq", "ne", *COMPARISONS, "in", "not_in", "matches", "starts_with", "present")

_PACK_KEYS = {"pack", "parameters", "rules", "cases"}
_META_KEYS = {
    "id", "domain", "jurisdiction", "version", "effective_from", "effective_to", "title",
    "description", "references",
}  # fmt: skip
_RULE_KEYS = {"id", "text", "priority", "when", "then", "description", "references"}
_THEN_KEYS = {"set", "flag", "require_document", "channel"}
_CASE_KEYS = {"name", "date", "jurisdiction", "facts", "expect"}
_EXPECT_KEYS = {"fired", "set", "flags", "documents", "channel"}


class _PackYamlLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys (PyYAML keeps the last one silently) and reads
    floats as exact Decimals (0.1 stays 0.1)."""


def _construct_mapping(loader: _PackYamlLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | bool | datetime.date | Decimal):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a scalar", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_decimal(loader: _PackYamlLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a finite number", node.start_mark
        )
    return number


_PackYamlLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_PackYamlLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def content_revision(content: bytes) -> str:
    """A pack file's revision: the start of the SHA-256 of its bytes."""
    return hashlib.sha256(content).hexdigest()[:16]


def parse_pack(path: Path, content: bytes) -> Pack:
    """Validate one pack file's content; `path` is only used to name it in errors and PackInfo."""
    try:
        document = yaml.load(content, Loader=_PackYamlLoader)
    except yaml.YAMLError as error:
        raise PackError(f"not valid YAML: {error}", path=path) from error
    return _PackReader(path, content_revision(content)).read(document)


def _describe(value: object) -> str:
    """A value as an author would recognise it in an error message."""
    return f"{type(value).__name__} {value!r}"


class _PackReader:
    """Walks one document, keeping the file and current rule so every error can name them."""

    def __init__(self, path: Path, revision: str) -> None:
        self.path = path
        self.revision = revision
        self.rule_id: str | None = None
        self.parameters: Mapping[str, Any] = MappingProxyType({})

    def fail(self, field: str, problem: str) -> NoReturn:
        raise PackError(problem, path=self.path, rule_id=self.rule_id, field=field or None)

    # -- structure helpers -------------------------------------------------------------------

    def mapping(self, value: object, field: str, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(field, f"expected a mapping, got {_describe(value)}")
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            self.fail(field, f"unknown key(s) {', '.join(unknown)}; allowed: {sorted(allowed)}")
        return value

    def required(self, node: Mapping[str, Any], key: str, field: str) -> Any:
        if key not in node or node[key] is None:
            self.fail(f"{field}.{key}" if field else key, "is required")
        return node[key]

    def text(self, value: object, field: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            hint = " (quote it)" if isinstance(value, int | Decimal | datetime.date) else ""
            self.fail(field, f"expected a non-empty string{hint}, got {_describe(value)}")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(field, f"{value!r} does not match {pattern.pattern}")
        return value

    def texts(
        self, value: object, field: str, pattern: re.Pattern[str] | None = None
    ) -> tuple[str, ...]:
        """A string or a non-empty list of strings."""
        if isinstance(value, str):
            return (self.text(value, field, pattern),)
        if not isinstance(value, list) or not value:
            self.fail(
                field, f"expected a string or a non-empty list of strings, got {_describe(value)}"
            )
        return tuple(
            self.text(item, f"{field}[{index}]", pattern) for index, item in enumerate(value)
        )

    def date(self, value: object, field: str) -> datetime.date:
        if isinstance(value, datetime.datetime):
            self.fail(field, f"expected a date (YYYY-MM-DD), got a timestamp {value}")
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(field, f"expected a date (YYYY-MM-DD), got {_describe(value)}")

    def integer(self, value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"expected an integer, got {_describe(value)}")
        return value

    # -- the pack ----------------------------------------------------------------------------

    def read(self, document: object) -> Pack:
        root = self.mapping(document, "(document)", _PACK_KEYS)
        info = self.meta(self.required(root, "pack", ""))
        self.parameters = self.read_parameters(root.get("parameters"))
        raw_rules = root.get("rules") or []
        if not isinstance(raw_rules, list):
            self.fail("rules", f"expected a list of rules, got {_describe(raw_rules)}")
        rules: list[Rule] = []
        seen: set[str] = set()
        for index, raw_rule in enumerate(raw_rules):
            rule = self.rule(raw_rule, f"rules[{index}]")
            if rule.id in seen:
                self.fail("id", "duplicate rule id in this pack")
            seen.add(rule.id)
            rules.append(rule)
            self.rule_id = None
        raw_cases = root.get("cases") or []
        if not isinstance(raw_cases, list):
            self.fail("cases", f"expected a list of cases, got {_describe(raw_cases)}")
        cases = tuple(
            self.case(raw, f"cases[{index}]", info) for index, raw in enumerate(raw_cases)
        )
        return Pack(info=info, parameters=self.parameters, rules=tuple(rules), cases=cases)

    def meta(self, value: object) -> PackInfo:
        meta = self.mapping(value, "pack", _META_KEYS)
        domain = self.text(self.required(meta, "domain", "pack"), "pack.domain")
        if domain not in DOMAINS:
            self.fail("pack.domain", f"{domain!r} is not one of {', '.join(DOMAINS)}")
        jurisdiction = self.text(self.required(meta, "jurisdiction", "pack"), "pack.jurisdiction")
        if not JURISDICTION.fullmatch(jurisdiction):
            self.fail(
                "pack.jurisdiction",
                f'{jurisdiction!r} is not an ISO 3166 alpha-2 code, "EU" or "*"',
            )
        effective_from = self.date(
            self.required(meta, "effective_from", "pack"), "pack.effective_from"
        )
        effective_to = None
        if meta.get("effective_to") is not None:
            effective_to = self.date(meta["effective_to"], "pack.effective_to")
            if effective_to <= effective_from:
                self.fail("pack.effective_to", "must be after effective_from (it is exclusive)")
        if "description" in meta:
            self.text(meta["description"], "pack.description")
        if "references" in meta:
            self.texts(meta["references"], "pack.references")
        return PackInfo(
            id=self.text(self.required(meta, "id", "pack"), "pack.id", PACK_ID),
            domain=domain,
            jurisdiction=jurisdiction,
            version=self.text(self.required(meta, "version", "pack"), "pack.version"),
            effective_from=effective_from,
            effective_to=effective_to,
            path=self.path,
            revision=self.revision,
            title=self.text(self.required(meta, "title", "pack"), "pack.title"),
        )

    def read_parameters(self, value: object) -> Mapping[str, Any]:
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, Mapping):
            self.fail("parameters", f"expected a mapping, got {_describe(value)}")
        self.check_parameter(value, "parameters")
        frozen: Mapping[str, Any] = parameter_value(value)
        return frozen

    def check_parameter(self, value: object, field: str) -> None:
        """Keys are plain names (dots would clash with dotted references); no nulls."""
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str) or not PARAMETER_KEY.fullmatch(key):
                    self.fail(
                        f"{field}.{key}",
                        f"parameter keys are strings matching {PARAMETER_KEY.pattern}"
                        f' (quote codes such as "0101"), got {_describe(key)}',
                    )
                self.check_parameter(item, f"{field}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.check_parameter(item, f"{field}[{index}]")
        elif value is None:
            self.fail(field, "null is not a value; leave the key out")

    def parameter(self, name: object, field: str) -> Any:
        """Resolve `{param: a.b}` against this pack's parameters."""
        if not isinstance(name, str) or not name:
            self.fail(field, f"param must name a parameter, got {_describe(name)}")
        value: Any = self.parameters
        for part in name.split("."):
            if not isinstance(value, Mapping) or part not in value:
                self.fail(field, f"unknown parameter {name!r}")
            value = value[part]
        return value

    def operand(self, value: object, field: str) -> Any:
        """A literal, or the value of a `{param: NAME}` reference."""
        if isinstance(value, Mapping):
            if set(value) != {"param"}:
                self.fail(field, "a mapping here must be {param: NAME}")
            return self.parameter(value["param"], f"{field}.param")
        return value

    # -- rules -------------------------------------------------------------------------------

    def rule(self, value: object, field: str) -> Rule:
        if not isinstance(value, Mapping):
            self.fail(field, f"expected a rule mapping, got {_describe(value)}")
        rule_id = self.text(self.required(value, "id", field), f"{field}.id", RULE_ID)
        self.rule_id = rule_id
        raw = self.mapping(value, "", _RULE_KEYS)
        priority = self.integer(raw["priority"], "priority") if "priority" in raw else 0
        when = self.condition(raw["when"], "when") if "when" in raw else None
        if "description" in raw:
            self.text(raw["description"], "description")
        if "references" in raw:
            self.texts(raw["references"], "references")
        text = self.text(self.required(raw, "text", ""), "text")
        then = self.mapping(self.required(raw, "then", ""), "then", _THEN_KEYS)
        if not then:
            self.fail("then", f"needs at least one of {', '.join(sorted(_THEN_KEYS))}")
        channel = None
        if "channel" in then:
            channel = self.text(then["channel"], "then.channel")
            if channel not in CHANNELS:
                self.fail("then.channel", f"{channel!r} is not one of {', '.join(CHANNELS)}")
        return Rule(
            id=rule_id,
            text=text,
            priority=priority,
            when=when,
            set=self.outcome_values(then.get("set")),
            flags=self.flags(then.get("flag"), text),
            documents=(
                self.texts(then["require_document"], "then.require_document")
                if "require_document" in then
                else ()
            ),
            channel=channel,
        )

    def outcome_values(self, value: object) -> Mapping[str, Any]:
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, Mapping) or not value:
            self.fail("then.set", f"expected a non-empty mapping, got {_describe(value)}")
        values: dict[str, Any] = {}
        for key, item in value.items():
            field = f"then.set.{key}"
            if not isinstance(key, str) or not NAME.fullmatch(key):
                self.fail(field, f"value names match {NAME.pattern}")
            if item is None:
                self.fail(field, "null is not a value")
            resolved = self.operand(item, field)
            if isinstance(item, Mapping):
                values[key] = resolved
            else:
                self.check_parameter(resolved, field)
                values[key] = _frozen(resolved)
        return MappingProxyType(values)

    def flags(self, value: object, rule_text: str) -> tuple[FlagSpec, ...]:
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        if not items:
            self.fail("then.flag", "expected a flag or a non-empty list of flags")
        flags = []
        for index, item in enumerate(items):
            field = f"then.flag[{index}]" if isinstance(value, list) else "then.flag"
            raw = self.mapping(item, field, {"code", "score", "reason"})
            code = self.text(self.required(raw, "code", field), f"{field}.code", FLAG_CODE)
            score = self.integer(raw["score"], f"{field}.score") if "score" in raw else 0
            reason = self.text(raw["reason"], f"{field}.reason") if "reason" in raw else rule_text
            flags.append(FlagSpec(code=code, score=score, reason=reason))
        return tuple(flags)

    # -- conditions --------------------------------------------------------------------------

    def condition(self, value: object, field: str) -> Condition:
        if not isinstance(value, Mapping):
            self.fail(
                field,
                f"a condition is a mapping (all/any/not or a fact leaf), got {_describe(value)}",
            )
        if "fact" in value:
            return self.leaf(value, field)
        if len(value) != 1 or next(iter(value)) not in ("all", "any", "not"):
            self.fail(
                field,
                "expected exactly one of all, any, not, or a fact leaf;"
                f" got keys {sorted(map(str, value))}",
            )
        ((kind, body),) = value.items()
        if kind == "not":
            return Not(self.condition(body, f"{field}.not"))
        if not isinstance(body, list) or not body:
            self.fail(
                f"{field}.{kind}", f"expected a non-empty list of conditions, got {_describe(body)}"
            )
        children = tuple(
            self.condition(child, f"{field}.{kind}[{index}]") for index, child in enumerate(body)
        )
        return AllOf(children) if kind == "all" else AnyOf(children)

    def leaf(self, value: Mapping[str, Any], field: str) -> Leaf:
        fact = self.text(value["fact"], f"{field}.fact", NAME)
        operators = [key for key in value if key != "fact"]
        unknown = [str(key) for key in operators if key not in OPERATORS]
        if unknown:
            self.fail(
                field,
                f"unknown operator(s) {', '.join(unknown)}; use one of {', '.join(OPERATORS)}",
            )
        if len(operators) != 1:
            self.fail(field, f"a leaf has exactly one operator, got {len(operators)}")
        op = operators[0]
        field = f"{field}.{op}"
        operand = self.operand(value[op], field)
        if op == "present":
            if not isinstance(operand, bool):
                self.fail(field, f"present takes true or false, got {_describe(operand)}")
            return Leaf(fact, op, operand)
        if op in COMPARISONS:
            return Leaf(fact, op, self.comparable(operand, field, op))
        if op in ("eq", "ne"):
            return Leaf(fact, op, self.scalar(operand, field, op))
        if op in ("in", "not_in"):
            if not isinstance(operand, list | tuple) or not operand:
                self.fail(field, f"{op} needs a non-empty list, got {_describe(operand)}")
            members = []
            for index, item in enumerate(operand):
                member_field = f"{field}[{index}]"
                members.append(self.scalar(self.operand(item, member_field), member_field, op))
            return Leaf(fact, op, tuple(members))
        if op == "starts_with":
            if not isinstance(operand, list | tuple):
                return Leaf(fact, op, (self.pattern_text(operand, field),))
            if not operand:
                self.fail(field, "starts_with needs a prefix or a non-empty list of prefixes")
            prefixes = tuple(
                self.pattern_text(item, f"{field}[{index}]") for index, item in enumerate(operand)
            )
            return Leaf(fact, op, prefixes)
        pattern = self.pattern_text(operand, field)
        try:
            return Leaf(fact, op, re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            self.fail(field, f"not a valid regular expression: {error}")

    def comparable(self, operand: object, field: str, op: str) -> Decimal:
        """A number durable_rules can compare exactly (see values.py)."""
        number = as_number(operand)
        if number is None or comparable_literal(number) is None:
            self.fail(
                field,
                f"{op} needs a number with at most {SCALE} decimal places, below"
                f" {LIMIT // FACTOR:,} in size, got {_describe(operand)}",
            )
        return number

    def scalar(self, operand: object, field: str, op: str) -> Scalar:
        """An eq/ne/in operand: numbers and numeric strings compare by value, other strings as
        text. eq/ne run inside durable_rules, so their numbers must be exactly comparable."""
        if isinstance(operand, bool):
            return operand
        if isinstance(operand, int | Decimal):
            return self.comparable(operand, field, op) if op in ("eq", "ne") else Decimal(operand)
        if isinstance(operand, str) and operand:
            if op in ("eq", "ne"):
                return operand if comparable_literal(operand) is None else Decimal(operand)
            number = as_number(operand)
            return operand if number is None else number
        self.fail(
            field, f"{op} compares with a string, number or boolean, got {_describe(operand)}"
        )

    def pattern_text(self, operand: object, field: str) -> str:
        """A prefix or regex. Parameters turned numeric strings into Decimal: write them back
        (exact, since only canonical numerals become Decimal); YAML integers are refused
        because leading zeros are already lost ("0101" unquoted is 65)."""
        if isinstance(operand, Decimal):
            return format(operand, "f")
        return self.text(operand, field)

    # -- cases -------------------------------------------------------------------------------

    def case(self, value: object, field: str, info: PackInfo) -> Case:
        raw = self.mapping(value, field, _CASE_KEYS)
        name = self.text(self.required(raw, "name", field), f"{field}.name")
        field = f"{field} ({name})"
        jurisdiction: str | tuple[str, ...]
        if raw.get("jurisdiction") is not None:
            codes = self.texts(raw["jurisdiction"], f"{field}.jurisdiction", JURISDICTION)
            jurisdiction = codes[0] if isinstance(raw["jurisdiction"], str) else codes
        elif info.jurisdiction == "*":
            self.fail(f"{field}.jurisdiction", 'is required when the pack\'s jurisdiction is "*"')
        else:
            jurisdiction = info.jurisdiction
        raw_facts = raw.get("facts") or {}
        if not isinstance(raw_facts, Mapping):
            self.fail(f"{field}.facts", f"expected a mapping, got {_describe(raw_facts)}")
        facts: dict[str, Any] = {}
        for key, fact in raw_facts.items():
            try:
                facts[str(key)] = normalise_fact(str(key), fact)
            except ValueError as error:
                self.fail(f"{field}.facts.{key}", str(error))
        expect = self.mapping(raw.get("expect") or {}, f"{field}.expect", _EXPECT_KEYS)
        checked: dict[str, Any] = {}
        for key in ("fired", "flags", "documents"):
            if key in expect:
                items = expect[key] or []
                if not isinstance(items, list):
                    self.fail(f"{field}.expect.{key}", f"expected a list, got {_describe(items)}")
                checked[key] = frozenset(
                    self.text(item, f"{field}.expect.{key}[{index}]")
                    for index, item in enumerate(items)
                )
        if "set" in expect:
            values = expect["set"]
            if not isinstance(values, Mapping):
                self.fail(f"{field}.expect.set", f"expected a mapping, got {_describe(values)}")
            checked["set"] = MappingProxyType({str(key): item for key, item in values.items()})
        if "channel" in expect:
            channel = expect["channel"]
            if channel is not None and channel not in CHANNELS:
                self.fail(
                    f"{field}.expect.channel",
                    f"{channel!r} is not null or one of {', '.join(CHANNELS)}",
                )
            checked["channel"] = channel
        return Case(
            name=name,
            date=self.date(self.required(raw, "date", field), f"{field}.date"),
            jurisdiction=jurisdiction,
            facts=MappingProxyType(facts),
            expect=MappingProxyType(checked),
        )


def _frozen(value: Any) -> Any:
    """A literal outcome value made read-only; strings stay strings (use YAML numbers or
    {param:} for numbers)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _frozen(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value
