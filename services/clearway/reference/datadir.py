"""Where the reference data lives: an explicit path, $CLEARWAY_DATA_DIR, ../shared/data, or none.

Services and tests run both on a developer checkout next to the shared data and from an installed
wheel without it; the packaged starter set keeps the demo working in the second case.
"""

from __future__ import annotations

import os
from pathlib import Path

from clearway.reference.errors import ReferenceDataError

ENV_VAR = "CLEARWAY_DATA_DIR"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # services/clearway


def repo_root() -> Path | None:
    """The checkout holding pyproject.toml and services/clearway, or None when installed."""
    for directory in _PACKAGE_DIR.parents:
        has_project = (directory / "pyproject.toml").is_file()
        if has_project and (directory / "services" / "clearway").is_dir():
            return directory
    return None


def find_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The reference data directory, or None when there is none.

    An explicit path wins and must exist; then $CLEARWAY_DATA_DIR (must exist when set); then
    <repo root>/../shared/data when present.
    """
    for candidate, origin in ((explicit, "given path"), (os.environ.get(ENV_VAR) or None, ENV_VAR)):
        if candidate is not None:
            path = Path(candidate).expanduser()
            if not path.is_dir():
                raise ReferenceDataError(path, f"data directory ({origin}) does not exist")
            return path
    root = repo_root()
    if root is not None:
        shared = root.parent / "shared" / "data"
        if shared.is_dir():
            return shared.resolve()
    return None


def starter_data_dir() -> Path:
    """The small illustrative data set shipped inside the package (see starter_data/README.md)."""
    return _PACKAGE_DIR / "starter_data"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """find_data_dir(), falling back to the packaged starter set."""
    return find_data_dir(explicit) or starter_data_dir()
