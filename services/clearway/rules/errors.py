"""The rules engine's errors: a bad pack, bad facts, or an engine failure."""

from __future__ import annotations

from pathlib import Path


class PackError(Exception):
    """A rule pack is invalid, or two of its rules disagree when they fire together.

    The message names the file, the rule id and the field, so a pack author can fix it without
    reading engine code. It is a policy error, not bad input: services report it as internal.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.rule_id = rule_id
        self.field = field
        parts = [part for part in (self.path, rule_id and f"rule {rule_id}", field) if part]
        super().__init__(": ".join([*parts, problem]))


class FactError(ValueError):
    """The facts handed to `evaluate` cannot be evaluated (bad type, too many): bad input."""


class EvaluationError(RuntimeError):
    """durable_rules failed while evaluating: an engine bug, never the caller's fault."""
