"""The clearance decision: the services' answers as flat facts, judged by rules/clearance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from clearway.declarations.codes import hs_digits
from clearway.rules import Evaluation, EvaluationMemo, RulesEngine

CHANNEL_NAMES = {0: "green", 1: "green", 2: "yellow", 3: "red", 4: "block"}
DOMAIN = "clearance"
MEMO_LIMIT = 65536
"""Clearance answers remembered: the pack decides on a handful of flat facts, so most parcels
of a manifest repeat a combination already decided (green, nothing due, DAP...), and one
durable_rules evaluation costs more than the rest of the decision."""


@dataclass(frozen=True)
class DecisionFacts:
    """What the clearance pack decides on; flat, so the engine can match it."""

    destination_country: str
    pending_checks: bool
    manual_assessment: bool
    risk_channel: str
    due_at_import: Decimal
    incoterm: str

    def as_facts(self) -> dict[str, object]:
        return {
            "pending_checks": self.pending_checks,
            "manual_assessment": self.manual_assessment,
            "risk_channel": self.risk_channel,
            "due_at_import": self.due_at_import,
            "incoterm": self.incoterm or "DAP",
        }


def tariff_code_used(
    declared: str, declared_plausible: bool, classified: str, classified_national: str
) -> tuple[str, str]:
    """The (HS-6, national line) valuation, risk and origin use for an item.

    The declared code when it fits the description, else the classifier's; the
    declared code's national digits win over the classifier's national line.
    """
    declared = hs_digits(declared)
    if declared and declared_plausible:
        return declared[:6], declared if len(declared) > 6 else classified_national
    return classified, classified_national


def decide(
    engine: RulesEngine,
    facts: Sequence[tuple[date, DecisionFacts]],
    memo: EvaluationMemo | None = None,
) -> list[Evaluation]:
    """Evaluate the clearance pack for a chunk of declarations in one engine call, reusing
    the answers `memo` remembers."""
    return engine.evaluate_many(
        DOMAIN, [(f.destination_country, on, f.as_facts()) for on, f in facts], memo=memo
    )
