"""The regime packs' answers, remembered per distinct question.

A regime decision depends only on the pack directory, the jurisdictions, the declaration date
and the flat facts, so equal questions get equal answers: a checkout quotes the same basket many
times, and a manifest repeats the same parcel to many consumers. The directory revision is part
of every key, so packs reloaded from disk never serve an answer of the packs they replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from clearway.rules import Evaluation, RulesEngine

DOMAIN = "valuation"
#: Remembered answers before the memory is cleared (a few MiB; hits repeat within a day's work).
CAPACITY = 16384

Question = tuple[tuple[str, ...], date, Mapping[str, Any]]


class RegimeDecisions:
    """Parameters and evaluations of the valuation packs, through a bounded memory."""

    def __init__(self, engine: RulesEngine, capacity: int = CAPACITY) -> None:
        """`capacity` 0 remembers nothing: every question goes to the engine."""
        self.engine = engine
        self.capacity = capacity
        self._parameters: dict[tuple[str, tuple[str, ...], date], Mapping[str, Any]] = {}
        self._evaluations: dict[tuple[Any, ...], Evaluation] = {}

    def parameters(self, jurisdictions: tuple[str, ...], on: date) -> Mapping[str, Any]:
        """The merged parameters of the packs in force (read-only, shared)."""
        if not self.capacity:
            return self.engine.parameters(DOMAIN, jurisdictions, on)
        key = (self.engine.revision, jurisdictions, on)
        found = self._parameters.get(key)
        if found is None:
            if len(self._parameters) >= self.capacity:
                self._parameters.clear()
            found = self._parameters[key] = self.engine.parameters(DOMAIN, jurisdictions, on)
        return found

    def evaluate_many(self, questions: Sequence[Question]) -> list[Evaluation]:
        """One evaluation per question; only the questions not seen before reach the engine."""
        if not self.capacity:
            return self.engine.evaluate_many(DOMAIN, questions)
        revision = self.engine.revision
        # flat tuples of atoms: the cyclic GC stops tracking them, so a full memory costs no
        # collection time (nested pairs would stay tracked)
        keys = [
            (revision, jurisdictions, on, *facts.keys(), *facts.values())
            for jurisdictions, on, facts in questions
        ]
        answers: list[Evaluation | None] = [self._evaluations.get(key) for key in keys]
        missing = [index for index, answer in enumerate(answers) if answer is None]
        if missing:
            fresh = self.engine.evaluate_many(DOMAIN, [questions[index] for index in missing])
            if len(self._evaluations) + len(missing) > self.capacity:
                self._evaluations.clear()
            for index, evaluation in zip(missing, fresh, strict=True):
                answers[index] = self._evaluations[keys[index]] = evaluation
        return [answer for answer in answers if answer is not None]
