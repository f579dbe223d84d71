"""Exercise check cells: run a student's function on cases with known answers, print a friendly
verdict with the measured figure, and raise on failure so nbval (and the student) notice.
"""
from __future__ import annotations

from typing import Any, Callable

class ExerciseFailed(AssertionError):
    """A check found a wrong answer; the message says what was measured and what was expected."""


def verdict(passed: bool, measured: str, expected: str, hint: str = "") -> None:
    """Print a ✅ line with the measured figure, or raise ExerciseFailed with it and a hint."""
    if passed:
        print(f"✅ Correct: {measured} (expected {expected}).")
        return
    message = f"❌ Not yet: {measured}, expected {expected}."
    if hint:
        message += f" Hint: {hint}"
    raise ExerciseFailed(message)


def run_student(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call the student's function, turning the student edition's stub into a clear message."""
    try:
        return function(*args, **kwargs)
    except NotImplementedError as error:
        raise ExerciseFailed(f"✋ {error or 'This exercise is not done yet'}: fill in the function above, "
                             "run its cell, then run this check again.") from None
