"""Hot reload: a changed pack directory serves without restart; a bad edit keeps the old."""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from clearway.rules import RulesEngine

PackWriter = Callable[[str, str], Path]
PackYaml = Callable[..., str]
EngineFactory = Callable[..., RulesEngine]

ON = datetime.date(2026, 8, 1)
V1 = "- {id: V1, text: version one, when: {fact: value, gt: 100}, then: {channel: yellow}}"
V2 = "- {id: V2, text: version two, when: {fact: value, gt: 50}, then: {channel: red}}"


def fired(engine: RulesEngine, value: int) -> list[str]:
    return [rule.rule_id for rule in engine.evaluate("risk", "EU", ON, {"value": value}).fired]


def test_changed_pack_applies_after_reload(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/pack.yaml", pack_yaml(V1))
    engine = make_engine()
    revision, answer_revision = engine.revision, engine.evaluate("risk", "EU", ON, {}).revision
    assert fired(engine, 80) == []
    assert engine.reload_if_changed() is False

    write_pack("risk/pack.yaml", pack_yaml(V2))
    assert engine.reload_if_changed() is True
    assert fired(engine, 80) == ["V2"]
    assert engine.revision != revision
    assert engine.evaluate("risk", "EU", ON, {}).revision != answer_revision
    assert engine.reload_if_changed() is False

    write_pack("risk/extra.yaml", pack_yaml(V1, pack_id="extra"))
    assert engine.reload_if_changed() is True
    assert sorted(fired(engine, 120)) == ["V1", "V2"]


def test_bad_edit_keeps_the_old_packs(
    write_pack: PackWriter,
    pack_yaml: PackYaml,
    make_engine: EngineFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_pack("risk/pack.yaml", pack_yaml(V1))
    engine = make_engine()
    revision = engine.revision
    write_pack("risk/pack.yaml", pack_yaml(V2.replace("red", "purple")))
    with caplog.at_level(logging.ERROR, logger="clearway.rules.engine"):
        assert engine.reload_if_changed() is False
    assert "then.channel" in caplog.text and "keep serving" in caplog.text
    assert engine.last_reload_error is not None and engine.last_reload_error.rule_id == "V2"
    assert fired(engine, 120) == ["V1"]
    assert engine.revision == revision

    caplog.clear()
    assert engine.reload_if_changed() is False
    assert caplog.text == "", "the same bad content is reported once"

    write_pack("risk/pack.yaml", pack_yaml(V2))
    assert engine.reload_if_changed() is True
    assert engine.last_reload_error is None
    assert fired(engine, 80) == ["V2"]


def test_watcher_picks_up_changes_and_close_stops_it(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/pack.yaml", pack_yaml(V1))
    engine = make_engine(reload_interval=0.02)
    watchers = [thread for thread in threading.enumerate() if thread.name == "rules-reload"]
    assert len(watchers) == 1 and watchers[0].daemon
    write_pack("risk/pack.yaml", pack_yaml(V2))
    deadline = time.monotonic() + 5
    while fired(engine, 80) != ["V2"]:
        assert time.monotonic() < deadline, "the change was not picked up"
        time.sleep(0.01)
    engine.close()
    assert not watchers[0].is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        fired(engine, 80)


def test_evaluations_continue_during_reloads(
    write_pack: PackWriter, pack_yaml: PackYaml, make_engine: EngineFactory
) -> None:
    write_pack("risk/pack.yaml", pack_yaml(V1))
    engine = make_engine()
    answers: set[tuple[str, ...]] = set()
    stop = threading.Event()

    def evaluate() -> None:
        while not stop.is_set():
            answers.add(tuple(fired(engine, 120)))

    thread = threading.Thread(target=evaluate)
    thread.start()
    try:
        for version in range(6):
            write_pack("risk/pack.yaml", pack_yaml(V1 if version % 2 else V2))
            assert engine.reload_if_changed() is True
    finally:
        stop.set()
        thread.join()
    assert answers <= {("V1",), ("V2",)}
