"""An answer's explanation in its proto form: the rules that fired and the notes."""

from __future__ import annotations

from collections.abc import Iterable

from clearway.rules.model import FiredRule
from clearway.v1 import common_pb2


def put_explanation(
    target: common_pb2.Explanation, fired: Iterable[FiredRule], notes: Iterable[str]
) -> None:
    """Fill the explanation field of an answer in place: an Explanation built first and handed
    to its parent is copied into it, and every service explains every parcel it answers."""
    target.SetInParent()
    add = target.fired_rules.add
    for rule in fired:
        add(rule_id=rule.rule_id, pack_id=rule.pack_id, text=rule.text)
    target.notes.extend(notes)
