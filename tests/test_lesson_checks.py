"""Lessons 04–06: every exercise check accepts a right answer and rejects a plausible wrong one (the full sets of
mistakes, each named: tests/test_checks_attribution_lessons.py; lessons 00–03: tests/test_checks_lessons_00_03.py)."""
from __future__ import annotations

import pytest
import torch

from helpers import checks


def _spearman(a, b):
    ra, rb = a.flatten().argsort().argsort().double(), b.flatten().argsort().argsort().double()
    return float(torch.corrcoef(torch.stack([ra, rb]))[0, 1])


def _relu_rules(g, x, rule, upper=float("inf")):
    passes = (x > 0) & (x < upper)
    return {"gradient": g * passes, "deconvnet": g.clamp(min=0), "guided": g.clamp(min=0) * passes}[rule]


CASES = {
    "relu_backward": (checks.check_relu_backward, _relu_rules, lambda g, x, rule, upper=float("inf"): g * (x > 0)),
    "rank_correlation": (checks.check_rank_correlation, _spearman,
                         lambda a, b: float(torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_accepts_right_and_rejects_wrong(name, right_and_wrong):
    run, right, wrong = CASES[name]
    right_and_wrong(run, right, [wrong])


def test_stubs_get_a_friendly_message():
    def stub(*args):
        raise NotImplementedError("Exercise: write f()")
    for run, _, _ in CASES.values():
        with pytest.raises(checks.ExerciseFailed, match="Exercise: write f"):
            run(stub)
