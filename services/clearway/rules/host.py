"""A private durable_rules host: no module globals, no timer threads, one session per fact.

The caller (RulesEngine) serialises every call into a host with its lock; durable_rules takes
no locks of its own.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import durable_rules_engine
from durable import engine

from .errors import EvaluationError

_ACTION_NAME = re.compile(r'\{"([^"]+)"')
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
"""durable's own json.dumps(..., ensure_ascii=False) builds an encoder per call; messages are
flat, so one shared encoder without the cycle check writes the same text."""


class _DrainingRuleset(engine.Ruleset):
    """A ruleset whose matches are read straight off the C engine.

    durable's own dispatch runs a Python closure per match (a Closure object, a state update and
    two JSON round trips, ~30 us each) and swallows any exception an action raises into the
    session state. Clearway's rules have no code to run: a match only has to be named. So
    `matches` asserts the fact into the C engine itself and takes each pending action's rule
    name and completes it, about six times faster when many rules fire, and a C error is
    raised, never swallowed.
    """

    def matches(self, message: dict[str, Any]) -> list[str]:
        """Assert `message` as a fact and name every rule that matched it."""
        result = durable_rules_engine.assert_fact(self._handle, _ENCODE(message))
        state_handle = self._handle_result(result, message)
        fired: list[str] = []
        result = durable_rules_engine.start_action_for_state(self._handle, state_handle)
        action = result[1] if result else None
        while action:
            match = _ACTION_NAME.match(action)
            if match is None:
                raise EvaluationError(f"unexpected durable_rules action {action[:80]!r}")
            fired.append(match.group(1))
            action = durable_rules_engine.complete_and_start_action(self._handle, state_handle)
        return fired


class RulesHost(engine.Host):
    """Owns the rulesets of one loaded pack set; `close()` frees them in the C engine."""

    def __init__(self) -> None:
        self._sessions = itertools.count(1)
        super().__init__()

    def _run(self) -> None:
        """Start no dispatch or timer threads: nothing here uses timers or queued actions, and
        those threads would call into durable_rules outside the engine's lock."""

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        """Rules carry only a name; _DrainingRuleset reads matches without running actions."""

        def unreachable(closure: Any) -> None:
            raise EvaluationError(f"durable dispatched action {action_name}; it must not")

        return unreachable

    def register_rulesets(self, ruleset_definitions: Mapping[str, Any]) -> list[str]:
        """Register rulesets as _DrainingRuleset; a name can be registered only once."""
        for name, definition in ruleset_definitions.items():
            if name in self._ruleset_directory:
                raise EvaluationError(f"ruleset {name} is already registered")
            ruleset = _DrainingRuleset(name, self, definition)
            self._ruleset_directory[name] = ruleset
            self._ruleset_list.append(ruleset)
        return list(ruleset_definitions)

    def fire(self, ruleset_name: str, message: dict[str, Any]) -> list[str]:
        """Assert `message` as a fact in a fresh session and return the names of the rules
        that matched (a rule appears once per match path). The session is always deleted:
        durable holds at most 1,024 live sessions and carries state over within one.

        The ruleset must contain a rule every message matches (compiler.SEEN): see there for
        why, and why MessageNotHandledException therefore cannot occur."""
        ruleset: _DrainingRuleset = self._ruleset_directory[ruleset_name]
        sid = str(next(self._sessions))
        message["sid"] = sid
        message["id"] = "fact"
        failed = True
        try:
            fired = ruleset.matches(message)
            failed = False
        except durable_rules_engine.error as error:
            raise EvaluationError(f"durable_rules could not evaluate the facts: {error}") from error
        finally:
            self._end_session(ruleset_name, sid, failed=failed)
        return fired

    def _end_session(self, ruleset_name: str, sid: str, *, failed: bool) -> None:
        """Delete the session; after a failed assert it may not exist, and that error wins."""
        try:
            durable_rules_engine.delete_state(self._ruleset_directory[ruleset_name]._handle, sid)
        except durable_rules_engine.error as error:
            if not failed:
                raise EvaluationError(f"durable_rules kept session {sid}: {error}") from error

    def close(self) -> None:
        """Free every ruleset in the C engine; the host is unusable afterwards."""
        for ruleset in self._ruleset_list:
            durable_rules_engine.delete_ruleset(ruleset._handle)
        self._ruleset_list.clear()
        self._ruleset_directory.clear()
