"""`clearway rules test`: run every pack's golden cases against the engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from .engine import RulesEngine
from .errors import EvaluationError, FactError, PackError
from .model import Case, Evaluation
from .values import same_value


def run_cases(rules_dir: Path, out: TextIO) -> int:
    """Print PASS/FAIL per case and a closing "N passed, M failed"; 0 if all pass, else 1.
    A directory that does not load counts as one failure."""
    try:
        engine = RulesEngine(rules_dir, reload_interval=None)
    except PackError as error:
        print(f"FAIL {error}", file=out)
        print("0 passed, 1 failed", file=out)
        return 1
    passed = failed = 0
    with engine:
        for info, case in engine.cases():
            problems = _run_case(engine, info.domain, case)
            label = f"{info.id} :: {case.name}"
            if problems:
                failed += 1
                print(f"FAIL {label}: {'; '.join(problems)}", file=out)
            else:
                passed += 1
                print(f"PASS {label}", file=out)
    print(f"{passed} passed, {failed} failed", file=out)
    return 0 if failed == 0 else 1


def _run_case(engine: RulesEngine, domain: str, case: Case) -> list[str]:
    try:
        result = engine.evaluate(domain, case.jurisdiction, case.date, case.facts)
    except (PackError, FactError, EvaluationError) as error:
        return [f"error: {error}"]
    return _differences(case.expect, result)


def _differences(expect: Mapping[str, Any], result: Evaluation) -> list[str]:
    """What the evaluation got wrong, one phrase per expectation key."""
    problems = []
    actual_sets = {
        "fired": {fired.rule_id for fired in result.fired},
        "flags": {flag.code for flag in result.flags},
        "documents": set(result.documents),
    }
    for key, actual in actual_sets.items():
        if key in expect and expect[key] != actual:
            problems.append(_set_difference(key, expect[key], actual))
    for key, wanted in expect.get("set", {}).items():
        if key not in result.values:
            problems.append(f"set.{key}: expected {wanted!r}, not set")
        elif not same_value(wanted, result.values[key]):
            problems.append(f"set.{key}: expected {wanted!r}, got {result.values[key]!r}")
    if "channel" in expect and expect["channel"] != result.channel:
        problems.append(f"channel: expected {expect['channel']}, got {result.channel}")
    return problems


def _set_difference(key: str, expected: Iterable[str], actual: Iterable[str]) -> str:
    wanted, got = set(expected), set(actual)
    detail = [
        f"{label} {', '.join(sorted(items))}"
        for label, items in (("missing", wanted - got), ("unexpected", got - wanted))
        if items
    ]
    summary = f"{key}: expected [{', '.join(sorted(wanted))}], got [{', '.join(sorted(got))}]"
    return f"{summary} ({'; '.join(detail)})"
