"""PSR data files are loaded by the name a pack gives, once, and a missing one is retried."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clearway.origin.agreements import AgreementTerms, AgreementTermsError
from clearway.origin.data import PsrLibrary
from clearway.rules.loader import parse_pack

ONE_RULE = {
    "rule_sets": [
        {
            "heading": "9503", "subdivision": "", "min": "9503000000", "max": "9503999999",
            "valid": True,
            "rules": [{"rule": "CTH", "class": ["CTH"], "operator": None, "footnotes": []}],
        }
    ]
}  # fmt: skip


def test_files_load_by_name_and_a_missing_one_is_retried(tmp_path: Path) -> None:
    library = PsrLibrary(tmp_path)
    assert library.rule_sets("toys.json", "950300") is None  # not there yet
    (tmp_path / "origin").mkdir()
    (tmp_path / "origin" / "toys.json").write_text(json.dumps(ONE_RULE), encoding="utf-8")
    assert library.rule_sets("toys.json", "950300") is None  # within the retry interval
    library.RETRY_SECONDS = 0
    (found,) = library.rule_sets("toys.json", "950300") or ()
    assert found.heading == "9503"
    assert library.rule_sets("toys.json", "950400") == ()
    assert library.rule_sets("../toys.json", "950300") is None  # only names under origin/


def test_a_pack_naming_no_plain_file_is_refused() -> None:
    pack = Path(__file__).resolve().parents[3] / "rules" / "origin" / "uk-eu-tca.yaml"
    raw = dict(parse_pack(pack, pack.read_bytes()).parameters["uk-eu-tca"])
    assert AgreementTerms.from_parameters("uk-eu-tca", raw).psr_file == "uk_psr_eu.json"
    with pytest.raises(AgreementTermsError, match=re.escape("psr_file '../hs/x.json' must be")):
        AgreementTerms.from_parameters("uk-eu-tca", raw | {"psr_file": "../hs/x.json"})
