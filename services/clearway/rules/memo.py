"""EvaluationMemo: the engine's answers remembered per complete question, until the packs change.

An evaluation is a pure function of the packs in force and the facts, and the services ask the
same few questions again and again (a manifest repeats the same parcel, a handful of flags
decides a preference), while one durable_rules evaluation costs far more than a dict lookup.
Pass a memo to `RulesEngine.evaluate` / `evaluate_many` (`memo=`) to reuse answers.

The contract:

- The key is complete: the packs in force for the question (the ids the engine selects by
  domain, jurisdictions and date, in the order whose parameters win; the domain is implied)
  and every fact with its value and exact type. The answer is a pure function of these, so a
  hit is never a wrong answer. Dates with the same packs in force share their answers.
- Equal questions key equal where the engine cannot tell them apart: Decimal("0"),
  Decimal("0.00") and Decimal("0E+2") are one value, equal strings one string. Where a pack in
  force reads a fact as text (starts_with, matches) its written form is keyed too, since
  there "0.00" and "0" differ. Types key apart: True == 1 in Python but not in the engine.
  Keys are built from the facts as given, without normalising them first, so a few equal
  questions key apart: 1 and Decimal(1), a float and its Decimal, a None fact and a missing
  one, the same facts in another order (services build their facts in one order). Each costs
  one more evaluation, never a wrong answer, and keeps a hit cheap.
- It is invalidated by a reload: answers are kept per loaded pack set (its generation); a
  different pack set starts an empty table. Lookups and stores run under the engine's lock
  with the pack set that computes the answers, so an answer of replaced packs is never served.
- It is bounded: at most `capacity` answers; when full it is emptied and starts again
  (clear-when-full, not LRU). A hit costs one dict lookup and no bookkeeping, where an LRU
  would reorder on every hit; the questions a service repeats are few, so a full memo means a
  flood of distinct questions, which an LRU would not serve better. `capacity` 0 remembers
  nothing.
- It is thread-safe: the engine's lock serialises its use, and the table is replaced, never
  cleared in place, so even a memo shared by two engines only loses answers.
- One memo per domain, so one domain's flood does not empty another's answers.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from .model import Evaluation
from .values import fact_text, normalise_fact

CAPACITY = 16384
"""Answers remembered by default: ~100 bytes of key and a shared Evaluation each, a few MiB."""

QuestionKey = tuple[Hashable, ...]


def facts_key(facts: Mapping[str, Any]) -> QuestionKey:
    """The facts as asked, each with its exact type: names, values and types, in order.

    Equal values of one type are the same fact to the engine (Decimal("0") and
    Decimal("0.00") compare by value; their written forms are keyed apart by written_facts
    where a pack reads them as text), while True == 1 in Python but not in the engine, so the
    types are part of the key. Tuples of atoms: the cyclic GC stops tracking them once it has
    seen them, so a full memo costs no collection time. Built before the facts are checked:
    an invalid fact is never remembered, so it cannot be found either (an unhashable one
    raises TypeError at the lookup).
    """
    values = tuple(facts.values())
    return (tuple(facts), values, tuple(map(type, values)))


def written_facts(facts: Mapping[str, Any], text_facts: tuple[str, ...]) -> tuple[str | None, ...]:
    """How the facts the packs read as text (starts_with, matches) are written, numbers
    included: there "0.00" and "0" differ. Raises ValueError for a value the engine refuses."""
    written: list[str | None] = []
    for name in text_facts:
        value = facts.get(name)
        if value is None or type(value) is str:  # as written in facts_key already
            written.append(None)
        else:
            written.append(fact_text(normalise_fact(name, value)))
    return tuple(written)


class EvaluationMemo:
    """Answers of one domain's packs remembered per question; see the module for the contract.

    Used only through `RulesEngine.evaluate(..., memo=)` and `evaluate_many(..., memo=)`.
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 0:
            raise ValueError("capacity must be 0 or more")
        self.capacity = capacity
        self._table: tuple[int, dict[QuestionKey, Evaluation]] = (0, {})

    def __len__(self) -> int:
        return len(self._table[1])

    def recall(self, generation: int, key: QuestionKey) -> Evaluation | None:
        """The answer pack set `generation` gave to `key`, if remembered."""
        remembered, answers = self._table
        return answers.get(key) if remembered == generation else None

    def remember(self, generation: int, key: QuestionKey, answer: Evaluation) -> None:
        """Keep the answer pack set `generation` gave; a new table when the packs changed or
        the table is full."""
        remembered, answers = self._table
        if remembered != generation or len(answers) >= self.capacity:
            answers = {}
            self._table = (generation, answers)
        answers[key] = answer
