"""Every exercise check accepts its right answer and rejects at least three plausible wrong answers, each
with a message that points at the mistake (the cases live in the tests/test_checks_*.py modules)."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import helpers.checks
from checkcases import MIN_MISTAKES, Case

CASE_MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_checks_*.py") if p.stem != Path(__file__).stem)


def all_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name in CASE_MODULES:
        for check_name, case in getattr(importlib.import_module(name), "CHECK_CASES", {}).items():
            assert check_name not in cases, f"{check_name} has cases in two modules"
            cases[check_name] = case
    return cases


CASES = all_cases()  # every module's CHECK_CASES


def test_every_check_has_a_case_with_enough_mistakes():
    checks = {name for name in dir(helpers.checks) if name.startswith("check_")}
    missing = sorted(checks - set(CASES))
    assert not missing, f"checks without a right/wrong case: {missing}"
    thin = {name: len(case.mistakes) for name, case in CASES.items() if len(case.mistakes) < MIN_MISTAKES}
    assert not thin, f"checks tested against fewer than {MIN_MISTAKES} mistakes: {thin}"


@pytest.mark.parametrize("check_name", sorted(CASES))
def test_check_accepts_the_right_answer_and_names_each_mistake(check_name, capsys):
    CASES[check_name].run(check_name, capsys)
