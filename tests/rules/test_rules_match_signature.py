"""A ruleset's matches are remembered by message signature: messages the signature cannot tell
apart must fire the same rules in durable_rules, for every ruleset the shipped packs compile."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from clearway.rules.compiler import DISCRIMINATOR, Program
from clearway.rules.engine import load_pack_set, read_pack_files

RULES = Path(__file__).resolve().parents[2] / "rules"


def _random_message(program: Program, rng: random.Random) -> dict[str, Any]:
    """Properties present or not, integers on, beside or far from the rules' literals, strings
    among the literals or not: what makes signatures collide and what could tell them apart."""
    message: dict[str, Any] = {DISCRIMINATOR: 1}
    for encoding in program.encodings:
        if rng.random() < 0.3:
            continue
        if encoding.present:
            message[encoding.present] = 1
        if encoding.boolean and rng.random() < 0.3:
            message[encoding.boolean] = rng.random() < 0.5
            continue
        if encoding.text:
            known = sorted(program.texts.get(encoding.text, ()))
            message[encoding.text] = rng.choice([*known, "zz", "other", ""])
        for prop in (encoding.low, encoding.high):
            if prop:
                bounds = program.bounds.get(prop, ())
                near = rng.choice(bounds) if bounds and rng.random() < 0.8 else 0
                message[prop] = near + rng.choice((-1, 0, 0, 1, rng.randint(-(10**7), 10**7)))
    for _fact, tests in program.tests:
        for test in tests:
            if rng.random() < 0.3:
                message[test.prop] = 1
    return message


def test_messages_with_one_signature_fire_the_same_rules() -> None:
    pack_set = load_pack_set(RULES, read_pack_files(RULES))
    rng = random.Random(7)
    collisions = 0
    for program in pack_set.programs.values():
        if not program.rules:
            continue
        fired_by_signature: dict[tuple[Any, ...], list[str]] = {}
        for _ in range(150):
            message = _random_message(program, rng)
            fired = sorted(pack_set.host.fire(program.name, dict(message)))
            signature = program.signature(message)
            if signature in fired_by_signature:
                collisions += 1
                assert fired_by_signature[signature] == fired, (program.name, message)
            fired_by_signature[signature] = fired
    assert collisions > 500, "the random messages must share signatures for the check to bite"


def test_a_value_on_a_literal_is_told_apart_from_its_neighbours() -> None:
    program = next(
        p for p in load_pack_set(RULES, read_pack_files(RULES)).programs.values() if p.bounds
    )
    prop, bounds = next(iter(program.bounds.items()))
    literal = bounds[0]

    def signature(value: int) -> tuple[Any, ...]:
        return program.signature({DISCRIMINATOR: 1, prop: value})

    assert signature(literal - 2) == signature(literal - 1)
    assert len({signature(literal - 1), signature(literal), signature(literal + 1)}) == 3
