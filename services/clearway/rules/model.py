"""What the engine answers with, and the validated form of a pack it compiles from."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

DOMAINS = ("classification", "valuation", "risk", "origin", "clearance")
CHANNELS = ("green", "yellow", "red", "block")
"""Channels from least to most severe; merging keeps the most severe."""


@dataclass(frozen=True)
class FiredRule:
    """One rule that matched, with its human text: the explanation of an answer."""

    rule_id: str
    pack_id: str
    text: str


@dataclass(frozen=True)
class Flag:
    """A reason code raised by a rule, with a score the risk service adds up."""

    code: str
    score: int
    reason: str
    rule_id: str


@dataclass(frozen=True)
class Evaluation:
    """The merged outcome of every rule that fired, and the packs' revision that produced it."""

    fired: tuple[FiredRule, ...]
    values: Mapping[str, Any]
    flags: tuple[Flag, ...]
    documents: tuple[str, ...]
    channel: str | None
    revision: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class PackInfo:
    """A loaded pack's metadata, for listings, health and audit."""

    id: str
    domain: str
    jurisdiction: str
    version: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    path: Path
    revision: str
    title: str

    def effective_on(self, on: datetime.date) -> bool:
        """True when `on` lies in [effective_from, effective_to)."""
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


# The validated pack. Conditions are trees of these nodes; operands are already resolved
# (parameters substituted, numeric strings classified), so compiling needs no pack context.

Scalar = str | int | bool | Decimal


@dataclass(frozen=True)
class Leaf:
    """`{fact: NAME, <op>: operand}`; `operand` is a Scalar, a tuple of Scalars, or a pattern."""

    fact: str
    op: str
    operand: Any


@dataclass(frozen=True)
class AllOf:
    """True when every child is true."""

    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    """True when at least one child is true."""

    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """True when the child is false (a missing fact makes a comparison false, so `not` true)."""

    child: Condition


Condition = Leaf | AllOf | AnyOf | Not


@dataclass(frozen=True)
class FlagSpec:
    """A flag a rule raises (the rule id is added when it fires)."""

    code: str
    score: int
    reason: str


@dataclass(frozen=True)
class Rule:
    """A validated rule: its condition (None = always) and its outcome."""

    id: str
    text: str
    priority: int
    when: Condition | None
    set: Mapping[str, Any]
    flags: tuple[FlagSpec, ...]
    documents: tuple[str, ...]
    channel: str | None


@dataclass(frozen=True)
class Case:
    """A golden case: facts on a date in a jurisdiction, and what must come out."""

    name: str
    date: datetime.date
    jurisdiction: str | tuple[str, ...]
    facts: Mapping[str, Any]
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class Pack:
    """A validated pack, ready to compile."""

    info: PackInfo
    parameters: Mapping[str, Any]
    rules: tuple[Rule, ...]
    cases: tuple[Case, ...]
