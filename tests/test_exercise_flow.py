"""A check hands back the function the lesson should use: the student's when right, the hidden reference
(with a one-line notice) while the exercise is not done, and a loud failure for a wrong answer."""
from __future__ import annotations

import pytest

from helpers.checks.core import ExerciseFailed, ExerciseNotDone, exercise_check, reference, run_student, verdict


@exercise_check
def check_double(function) -> None:
    verdict(run_student(function, 21) == 42, f"double(21) = {run_student(function, 21)}", "42")


def test_right_answer_is_kept(capsys):
    def double(x):
        return 2 * x
    assert check_double(double) is double
    assert "✅" in capsys.readouterr().out


def test_unsolved_exercise_continues_with_the_reference(capsys):
    @reference
    def double(x):
        return x + x
    reference_version = double

    def double(x):  # noqa: F811 - the student edition's stub, defined after the hidden reference
        raise NotImplementedError("Exercise: write double()")
    assert check_double(double) is reference_version
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("✋ double() is not written yet")  # one clear line


def test_wrong_answer_fails_loudly_even_with_a_reference():
    @reference
    def triple(x):
        return 3 * x

    def triple(x):  # noqa: F811
        return x
    with pytest.raises(ExerciseFailed):
        exercise_check(lambda f: verdict(f(2) == 6, f"triple(2) = {f(2)}", "6"))(triple)


def test_unsolved_without_a_reference_raises_the_notice():
    def halve(x):
        raise NotImplementedError("Exercise: write halve()")
    with pytest.raises(ExerciseNotDone, match="write halve"):
        exercise_check(lambda f: run_student(f, 4))(halve)
