"""Compile the rules of a set of packs into one durable_rules ruleset (its JSON form), and
encode facts into the message that ruleset matches.

Facts reach durable_rules as typed properties, only those the rules read:

    s_<fact>   the string value              (string eq/ne)
    l_<fact>   floor(value * 10**6)          (numbers; see values.py for why two integers)
    h_<fact>   ceil(value * 10**6)
    b_<fact>   the boolean value
    p_<fact>   1 when the fact is present    (present, ne)
    t_<n>      1 when derived test n holds   (in, not_in, starts_with, matches)
    cwfact     1 on every message            (the discriminator every rule requires, so no rule
                                              can ever match durable's session-state object)

Rule i of the program is the durable rule (and action) named r<i>; see SEEN for the one extra.

The tests for `in`, `not_in`, `starts_with` and `matches` run in Python and reach the engine as
t_<n> flags: durable_rules' own regex dialect is a small DFA subset with whole-string
semantics, and a list inside `$or` becomes one match path per item, so an HS prefix list of 200
would cost 200 paths per rule. Everything else (comparisons, equality, presence and the
all/any/not structure) is matched by durable_rules.

`not` is pushed down to the leaves (durable_rules has no negation of an expression), keeping the
rule that a missing fact makes a comparison false: `not (x < 5)` is "x missing or x >= 5".
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import PackError
from .model import (
    AllOf,
    AnyOf,
    Condition,
    FiredRule,
    Flag,
    Leaf,
    Not,
    Pack,
    PackInfo,
    Rule,
    Scalar,
)
from .values import as_number, comparable_literal, fact_text, scaled_bounds

DISCRIMINATOR = "cwfact"
SEEN = "seen"
"""A rule every fact matches. durable_rules 2.0.28 never initialises a session's action context
(createStateNode leaves context.messages/stateFact as whatever the pool memory held) and frees
it in delete_state: a session that ran no action can crash the process when deleted. Matching
`seen` always runs one action, which sets and then clears that context. It also means
MessageNotHandledException cannot occur: "no rule fired" is a session where only `seen` did."""
MAX_ALTERNATIVES = 64
"""A rule's condition, in disjunctive normal form, becomes this many durable match paths."""

DERIVED_OPERATORS = ("in", "not_in", "starts_with", "matches")
REMEMBERED_TEXTS = 4096
"""Text facts whose derived tests a program remembers; it starts again when full."""
REMEMBERED_MATCHES = 4096
"""Message signatures whose matches a program remembers; it starts again when full."""

_COMPARISONS = frozenset({"$lt", "$lte", "$gt", "$gte", "$neq"})
"""The operators whose answer a value's place among the literals decides (see signature)."""

Expression = dict[str, Any]
FactTest = Callable[[Any], bool]


def alternatives(condition: Condition, negated: bool = False) -> int:
    """How many match paths durable_rules builds for `condition` (its DNF size)."""
    if isinstance(condition, Not):
        return alternatives(condition.child, not negated)
    if isinstance(condition, AllOf | AnyOf):
        counts = [alternatives(child, negated) for child in condition.children]
        if isinstance(condition, AllOf) != negated:
            product = 1
            for count in counts:
                product *= count
            return product
        return sum(counts)
    return _leaf_alternatives(condition, negated)


def _leaf_alternatives(leaf: Leaf, negated: bool) -> int:
    if leaf.op in DERIVED_OPERATORS or leaf.op == "present":
        return 1
    if leaf.op in ("lt", "lte", "gt", "gte"):
        return 2 if negated else 1
    number = isinstance(leaf.operand, Decimal)
    if leaf.op == "eq":
        return (3 if number else 2) if negated else 1
    return 2 if negated else (3 if number else 2)


def facts_read_as_text(packs: Iterable[Pack]) -> frozenset[str]:
    """The facts a rule of `packs` reads as written text (starts_with, matches): there a
    number's "0.00" is not its "0"; everywhere else numbers compare by value."""
    found: set[str] = set()
    pending = [rule.when for pack in packs for rule in pack.rules if rule.when is not None]
    while pending:
        condition = pending.pop()
        if isinstance(condition, Leaf):
            if condition.op in ("starts_with", "matches"):
                found.add(condition.fact)
        elif isinstance(condition, Not):
            pending.append(condition.child)
        else:
            pending.extend(condition.children)
    return frozenset(found)


def check_rule(pack: PackInfo, rule: Rule) -> None:
    """Refuse a condition whose expansion would make durable_rules slow or unbounded."""
    if rule.when is None:
        return
    count = alternatives(rule.when)
    if count > MAX_ALTERNATIVES:
        raise PackError(
            f"the condition expands to {count} alternatives (at most {MAX_ALTERNATIVES}); "
            "split the rule, or use in/starts_with lists instead of any: of eq leaves",
            path=pack.path,
            rule_id=rule.id,
            field="when",
        )


@dataclass(frozen=True)
class CompiledRule:
    """A rule in a program, at the index durable_rules reports it by (its action name r<i>),
    with the explanation and flags it contributes built once, not per answer."""

    pack: PackInfo
    rule: Rule
    fired: FiredRule
    flags: tuple[Flag, ...]

    @classmethod
    def of(cls, pack: PackInfo, rule: Rule) -> CompiledRule:
        return cls(
            pack=pack,
            rule=rule,
            fired=FiredRule(rule.id, pack.id, rule.text),
            flags=tuple(Flag(spec.code, spec.score, spec.reason, rule.id) for spec in rule.flags),
        )


@dataclass(frozen=True)
class FactEncoding:
    """The properties one fact becomes; None where the rules don't read that form."""

    name: str
    present: str | None
    boolean: str | None
    text: str | None
    low: str | None
    high: str | None


@dataclass(frozen=True)
class DerivedTest:
    """A Python-side test whose truth reaches durable_rules as the flag `prop`."""

    prop: str
    fact: str
    test: FactTest


@dataclass(frozen=True)
class Program:
    """One durable_rules ruleset for one set of packs, plus how to feed and read it.

    Used under the engine's lock: `passed` and `matches` fill as it answers."""

    name: str
    definition: Mapping[str, Any]
    rules: tuple[CompiledRule, ...]
    encodings: tuple[FactEncoding, ...]
    tests: tuple[tuple[str, tuple[DerivedTest, ...]], ...]
    """The derived tests, grouped by the fact they read."""
    revision: str
    bounds: Mapping[str, tuple[int, ...]]
    """Per integer property, the sorted literals the rules compare it with."""
    texts: Mapping[str, frozenset[str]]
    """Per string property, the literals the rules compare it with."""
    passed: dict[tuple[str, str], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """The derived tests a text fact passes, by (fact, text): descriptions and codes repeat
    across parcels whose amounts differ, and the pattern searches are most of a message."""
    matches: dict[tuple[Hashable, ...], list[str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """The rules durable_rules matched, by message signature (see `signature`)."""

    def message(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The fact message for durable_rules: typed properties of the facts the rules read."""
        message: dict[str, Any] = {DISCRIMINATOR: 1}
        for encoding in self.encodings:
            value = facts.get(encoding.name)
            if value is None:
                continue
            if encoding.present:
                message[encoding.present] = 1
            if isinstance(value, bool):
                if encoding.boolean:
                    message[encoding.boolean] = value
                continue
            if encoding.text and isinstance(value, str):
                message[encoding.text] = value
            if encoding.low or encoding.high:
                number = as_number(value)
                if number is not None:
                    low, high = scaled_bounds(number)
                    if encoding.low:
                        message[encoding.low] = low
                    if encoding.high:
                        message[encoding.high] = high
        for fact, tests in self.tests:
            value = facts.get(fact)
            if value is not None:
                for prop in self._passed(fact, value, tests):
                    message[prop] = 1
        return message

    def signature(self, message: Mapping[str, Any]) -> tuple[Hashable, ...]:
        """What of `message` the rules can tell apart: which properties are present, and each
        value only as far as the rules' literals separate it (an integer by its place among
        them and whether it equals one, a string by which literal it is, if any). The rules
        only compare properties with literals, so equal signatures match the same rules: a
        unit value of 12.34 or 12.35 against a bound of 80 is one question to durable_rules."""
        signature: list[Hashable] = []
        for prop, value in message.items():
            bounds = self.bounds.get(prop)
            if bounds is not None and type(value) is int:
                place = bisect.bisect_left(bounds, value)
                signature.append((prop, place, place < len(bounds) and bounds[place] == value))
                continue
            texts = self.texts.get(prop)
            if texts is not None and type(value) is str and value not in texts:
                signature.append((prop,))
            else:
                signature.append((prop, value))
        return tuple(signature)

    def remember_matches(self, signature: tuple[Hashable, ...], names: list[str]) -> None:
        """Keep what durable_rules matched for `signature`; the table starts again when full."""
        if len(self.matches) >= REMEMBERED_MATCHES:
            self.matches.clear()
        self.matches[signature] = names

    def _passed(self, fact: str, value: Any, tests: tuple[DerivedTest, ...]) -> tuple[str, ...]:
        """The flags of the tests on `fact` that `value` passes; remembered for a str only (a
        number's tests read its written form, which equal numbers need not share)."""
        if type(value) is not str:
            return tuple(derived.prop for derived in tests if derived.test(value))
        key = (fact, value)
        passed = self.passed.get(key)
        if passed is None:
            if len(self.passed) >= REMEMBERED_TEXTS:
                self.passed.clear()
            passed = tuple(derived.prop for derived in tests if derived.test(value))
            self.passed[key] = passed
        return passed


def packs_revision(packs: Iterable[PackInfo]) -> str:
    """The revision of an answer: a hash over the ids and contents of the packs evaluated."""
    digest = hashlib.sha256()
    for info in sorted(packs, key=lambda info: info.id):
        digest.update(f"{info.id}:{info.revision}\n".encode())
    return digest.hexdigest()[:16]


def compile_program(name: str, packs: Sequence[Pack]) -> Program:
    """Compile the rules of `packs` into one ruleset named `name`, rules in merge order."""
    ordered = sorted(
        (
            (-rule.priority, pack.info.id, index, CompiledRule.of(pack.info, rule))
            for pack in packs
            for index, rule in enumerate(pack.rules)
        ),
        key=lambda entry: entry[:3],
    )
    compiler = _Compiler()
    rules = tuple(entry[3] for entry in ordered)
    expressions = {
        **{
            f"r{index}": compiler.rule_expression(compiled.rule.when)
            for index, compiled in enumerate(rules)
        },
        SEEN: compiler.rule_expression(None),
    }
    definition = {
        name: {"all": [{"m": expression}], "run": name} for name, expression in expressions.items()
    }
    literals: dict[str, set[Any]] = {}
    for expression in expressions.values():
        _compared_literals(expression, literals)
    return Program(
        name=name,
        definition=definition,
        rules=rules,
        encodings=compiler.encodings(),
        tests=compiler.tests_by_fact(),
        revision=packs_revision(pack.info for pack in packs),
        bounds={
            prop: tuple(sorted(found))
            for prop, found in literals.items()
            if all(type(literal) is int for literal in found)
        },
        texts={
            prop: frozenset(found)
            for prop, found in literals.items()
            if all(type(literal) is str for literal in found)
        },
    )


def _compared_literals(expression: Expression, found: dict[str, set[Any]]) -> None:
    """Add the literals each property is compared with in `expression`. A presence test
    ($nex) compares nothing; any other operator adds None, which keeps that property's values
    whole in a signature."""
    for key, value in expression.items():
        if key in ("$and", "$or"):
            for part in value:
                _compared_literals(part, found)
        elif not key.startswith("$"):
            found.setdefault(key, set()).add(value)
        elif key != "$nex":
            for prop, literal in value.items():
                # an order (lt, gte...) separates strings beyond equality: keep those whole
                ordered = key != "$neq" and type(literal) is not int
                kept = key in _COMPARISONS and not ordered
                found.setdefault(prop, set()).add(literal if kept else None)


def _all(parts: Sequence[Expression]) -> Expression:
    flat: list[Expression] = []
    for part in parts:
        flat.extend(part["$and"] if set(part) == {"$and"} else [part])
    return flat[0] if len(flat) == 1 else {"$and": flat}


def _any(parts: Sequence[Expression]) -> Expression:
    flat: list[Expression] = []
    for part in parts:
        flat.extend(part["$or"] if set(part) == {"$or"} else [part])
    return flat[0] if len(flat) == 1 else {"$or": flat}


def _is(prop: str, value: object) -> Expression:
    return {prop: value}


def _op(op: str, prop: str, value: object) -> Expression:
    return {op: {prop: value}}


def _missing(prop: str) -> Expression:
    return {"$nex": {prop: 1}}


def _member_test(members: tuple[Scalar, ...], negated: bool) -> FactTest:
    """`in` with the same equality as eq: numbers by value, other strings as text."""
    texts = frozenset(member for member in members if isinstance(member, str))
    numbers = frozenset(member for member in members if isinstance(member, Decimal))
    booleans = frozenset(member for member in members if isinstance(member, bool))

    def test(value: Any) -> bool:
        if isinstance(value, bool):
            found = value in booleans
        elif isinstance(value, str) and value in texts:
            found = True
        else:
            number = as_number(value)
            found = number is not None and number in numbers
        return found != negated

    return test


def _prefix_test(prefixes: tuple[str, ...]) -> FactTest:
    def test(value: Any) -> bool:
        text = fact_text(value)
        return text is not None and text.startswith(prefixes)

    return test


_PATTERN_ANSWERS: dict[tuple[str, int], dict[str, bool]] = {}
"""Per pattern, whether it was found in each text searched: shared by the programs of every
pack set (each destination's packs compile to a program of their own, whose `passed` memo
starts empty), since a search of a long alternation costs ~17,000 instructions and parcel
descriptions repeat across destinations. Bounded per pattern; a pure function of the pattern
and the text, so a reload never makes an answer stale."""


def _pattern_test(pattern: Any) -> FactTest:
    answers = _PATTERN_ANSWERS.setdefault((pattern.pattern, pattern.flags), {})

    def test(value: Any) -> bool:
        text = fact_text(value)
        if text is None:
            return False
        found = answers.get(text)
        if found is None:
            if len(answers) >= REMEMBERED_TEXTS:
                answers.clear()
            found = answers[text] = pattern.search(text) is not None
        return found

    return test


class _Compiler:
    """Builds expressions for one program, recording which fact forms and tests they read."""

    def __init__(self) -> None:
        self.forms: dict[str, set[str]] = {}
        self.tests: dict[tuple[str, str, Any], DerivedTest] = {}

    def prop(self, form: str, fact: str) -> str:
        self.forms.setdefault(fact, set()).add(form)
        return f"{form}_{fact}"

    def encodings(self) -> tuple[FactEncoding, ...]:
        def named(form: str, fact: str, forms: set[str]) -> str | None:
            return f"{form}_{fact}" if form in forms else None

        return tuple(
            FactEncoding(
                name=fact,
                present=named("p", fact, forms),
                boolean=named("b", fact, forms),
                text=named("s", fact, forms),
                low=named("l", fact, forms),
                high=named("h", fact, forms),
            )
            for fact, forms in sorted(self.forms.items())
        )

    def tests_by_fact(self) -> tuple[tuple[str, tuple[DerivedTest, ...]], ...]:
        grouped: dict[str, list[DerivedTest]] = {}
        for derived in self.tests.values():
            grouped.setdefault(derived.fact, []).append(derived)
        return tuple((fact, tuple(tests)) for fact, tests in grouped.items())

    def rule_expression(self, when: Condition | None) -> Expression:
        guard = _is(DISCRIMINATOR, 1)
        return guard if when is None else _all([guard, self.expression(when, negated=False)])

    def expression(self, condition: Condition, negated: bool) -> Expression:
        if isinstance(condition, Not):
            return self.expression(condition.child, not negated)
        if isinstance(condition, AllOf | AnyOf):
            parts = [self.expression(child, negated) for child in condition.children]
            return _all(parts) if isinstance(condition, AllOf) != negated else _any(parts)
        return self.leaf(condition, negated)

    def leaf(self, leaf: Leaf, negated: bool) -> Expression:
        if leaf.op in DERIVED_OPERATORS:
            prop = self.derived(leaf)
            return _missing(prop) if negated else _is(prop, 1)
        if leaf.op == "present":
            present = self.prop("p", leaf.fact)
            return _is(present, 1) if leaf.operand != negated else _missing(present)
        if leaf.op == "eq":
            return self.equality(leaf, negated)
        if leaf.op == "ne":
            present = self.prop("p", leaf.fact)
            if negated:
                return _any([_missing(present), self.equality(leaf, negated=False)])
            return _all([_is(present, 1), self.equality(leaf, negated=True)])
        return self.comparison(leaf, negated)

    def comparison(self, leaf: Leaf, negated: bool) -> Expression:
        """lt/gte read the floor, lte/gt the ceiling (exact for any Decimal; see values.py)."""
        scaled = comparable_literal(leaf.operand)
        op, reverse, form = {
            "lt": ("$lt", "$gte", "l"),
            "gte": ("$gte", "$lt", "l"),
            "lte": ("$lte", "$gt", "h"),
            "gt": ("$gt", "$lte", "h"),
        }[leaf.op]
        prop = self.prop(form, leaf.fact)
        if negated:
            return _any([_missing(prop), _op(reverse, prop, scaled)])
        return _op(op, prop, scaled)

    def equality(self, leaf: Leaf, negated: bool) -> Expression:
        operand = leaf.operand
        if isinstance(operand, Decimal):
            scaled = comparable_literal(operand)
            low, high = self.prop("l", leaf.fact), self.prop("h", leaf.fact)
            if negated:
                return _any([_missing(low), _op("$neq", low, scaled), _op("$neq", high, scaled)])
            return _all([_is(low, scaled), _is(high, scaled)])
        prop = self.prop("b" if isinstance(operand, bool) else "s", leaf.fact)
        if negated:
            return _any([_missing(prop), _op("$neq", prop, operand)])
        return _is(prop, operand)

    def derived(self, leaf: Leaf) -> str:
        key = (leaf.fact, leaf.op, leaf.operand)
        if key not in self.tests:
            if leaf.op in ("in", "not_in"):
                test = _member_test(leaf.operand, negated=leaf.op == "not_in")
            elif leaf.op == "starts_with":
                test = _prefix_test(leaf.operand)
            else:
                test = _pattern_test(leaf.operand)
            self.tests[key] = DerivedTest(prop=f"t_{len(self.tests)}", fact=leaf.fact, test=test)
        return self.tests[key].prop
