"""How every exercise check is tested: its right answer passes, and each plausible wrong answer fails with a
message that names the mistake.

A test module `tests/test_checks_<group>.py` declares `CHECK_CASES = {"check_name": Case(...)}`;
`tests/test_checks_catch_mistakes.py` runs them all and makes sure every check in `helpers.checks` has a case
with at least three mistakes."""
from __future__ import annotations

import functools

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

import helpers.checks
from helpers.checks import ExerciseFailed

MIN_MISTAKES = 3


@dataclass
class Case:
    """The right answer, the mistakes (expected words in the failure message → wrong implementation) and a
    function that builds the check's other arguments (called once per run, so each run gets fresh inputs)."""

    right: Callable
    mistakes: dict[str, Callable]
    arguments: Callable[[], tuple] = field(default=lambda: ())

    def run(self, check_name: str, capsys) -> None:
        check = getattr(helpers.checks, check_name)
        kept = check(self.right, *self.arguments())
        assert "✅" in capsys.readouterr().out, f"{check_name} did not accept its right answer"
        assert kept is self.right, f"{check_name} must hand back the student's function when it is right"
        for words, wrong in self.mistakes.items():
            with pytest.raises(ExerciseFailed) as failure:
                check(wrong, *self.arguments())
            message = str(failure.value)
            assert words.lower() in message.lower(), (
                f"{check_name} rejected the mistake '{words}' but its message does not point at it: {message}")


def assert_case(check_name: str, case: Any, capsys) -> None:
    assert isinstance(case, Case)
    case.run(check_name, capsys)


@functools.lru_cache(maxsize=1)
def shapes_bundle():
    """The shapes model on the CPU with its weights frozen, loaded once for every case module."""
    import helpers
    bundle = helpers.load_model("shapes", device="cpu", env_override=False)
    for p in bundle.model.parameters():
        p.requires_grad_(False)
    return bundle


def with_shapes() -> tuple:
    """Case arguments for checks that take only the shapes bundle."""
    return (shapes_bundle(),)
