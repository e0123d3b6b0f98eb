"""Render base, dev and prod once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from k8s_render import TARGETS, Resource, render


@pytest.fixture(scope="session")
def rendered() -> Iterator[dict[str, list[Resource]]]:
    """base, dev and prod, rendered."""
    yield {name: render(path) for name, path in TARGETS.items()}
