"""settle_heap: what a served process does once its domain is loaded."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from clearway.runtime.server import YOUNG_COLLECTION_THRESHOLD, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """The test process keeps its own GC settings: thresholds restored, the heap unfrozen."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_the_loaded_heap_is_frozen_and_young_collections_rarer() -> None:
    gc.unfreeze()
    loaded = [{"line": number} for number in range(1000)]
    older = gc.get_threshold()[1:]
    settle_heap()
    assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *older)
