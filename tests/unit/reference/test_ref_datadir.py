"""Locating the data directory: explicit path, environment, ../shared/data, starter fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.reference import ReferenceDataError, datadir
from clearway.reference.datadir import (
    ENV_VAR,
    find_data_dir,
    repo_root,
    resolve_data_dir,
    starter_data_dir,
)


def test_explicit_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere"))
    assert find_data_dir(tmp_path) == tmp_path
    assert find_data_dir(str(tmp_path)) == tmp_path


def test_missing_explicit_or_env_path_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ReferenceDataError, match="does not exist"):
        find_data_dir(tmp_path / "absent")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(ReferenceDataError, match=ENV_VAR):
        find_data_dir(None)


def test_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert find_data_dir(None) == tmp_path


def test_shared_data_next_to_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    root = repo_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    shared = root.parent / "shared" / "data"
    assert find_data_dir(None) == (shared.resolve() if shared.is_dir() else None)


def test_installed_without_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(datadir, "_PACKAGE_DIR", tmp_path / "site-packages" / "clearway")
    assert repo_root() is None
    assert find_data_dir(None) is None
    assert resolve_data_dir(None) == tmp_path / "site-packages" / "clearway" / "starter_data"


def test_starter_dir_is_packaged() -> None:
    starter = starter_data_dir()
    for folder in ("hs", "tariff", "fx", "sanctions", "origin", "classification_refs"):
        assert (starter / folder).is_dir(), folder
    assert (starter / "README.md").is_file()
