"""Which code the other services use: the declared one when it fits, else the classifier's."""

from __future__ import annotations

from clearway.orchestrator.decision import tariff_code_used


def test_a_plausible_declared_code_wins_with_its_national_digits() -> None:
    assert tariff_code_used("6109.10.00", True, "610990", "61099020") == ("610910", "61091000")
    assert tariff_code_used("610910", True, "610990", "61091000") == ("610910", "61091000")


def test_an_implausible_or_missing_code_gives_way_to_the_classifier() -> None:
    assert tariff_code_used("85183000", False, "691200", "69120010") == ("691200", "69120010")
    assert tariff_code_used("", True, "691200", "") == ("691200", "")
