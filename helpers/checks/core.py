"""Exercise check cells: run a student's function on cases with known answers, print a friendly
verdict with the measured figure, and raise on failure so nbval (and the student) notice.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import torch


class ExerciseFailed(AssertionError):
    """A check found a wrong answer; the message says what was measured and what was expected."""


class ExerciseNotDone(ExerciseFailed):
    """The student's function is still the student edition's stub (it raised NotImplementedError)."""


# Reference implementations registered by the student editions' hidden cells, by function name: a check
# hands one back while its exercise is not done yet, so the rest of the lesson keeps running.
_REFERENCES: dict[str, Callable] = {}


def reference(function: Callable) -> Callable:
    """Decorator for a student edition's hidden reference implementation: remember it by name, return it."""
    _REFERENCES[function.__name__] = function
    return function


def exercise_check(check: Callable) -> Callable:
    """Wrap a check so that it returns the function the lesson should use from then on.

    The student's function when it passes; the registered reference implementation, with a one-line
    notice, when the exercise is not done yet (no reference registered: the notice is raised instead);
    a wrong answer raises ExerciseFailed, loudly.
    """
    @functools.wraps(check)
    def wrapped(function: Callable, *args: Any, **kwargs: Any) -> Callable:
        try:
            check(function, *args, **kwargs)
        except ExerciseNotDone as not_done:
            name = getattr(function, "__name__", "")
            if name not in _REFERENCES:
                raise
            print(f"✋ {name}() is not written yet: the lesson goes on with the reference implementation (the "
                  "hidden cell above the exercise). Write yours, run its cell, then run this check again.")
            del not_done
            return _REFERENCES[name]
        return function
    return wrapped


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
        raise ExerciseNotDone(f"✋ {error or 'This exercise is not done yet'}: fill in the function above, "
                              "run its cell, then run this check again.") from None


def same_values(answer: Any, expected: torch.Tensor, atol: float = 1e-5, rtol: float = 1e-4) -> bool:
    """True when `answer` is a tensor (or array) of `expected`'s shape with the same values."""
    try:
        answer = torch.as_tensor(answer, dtype=expected.dtype)
    except (TypeError, ValueError, RuntimeError):
        return False
    return answer.shape == expected.shape and bool(torch.allclose(answer, expected, atol=atol, rtol=rtol))


def spot_mistake(answer: Any, mistakes: dict[str, torch.Tensor], atol: float = 1e-5, rtol: float = 1e-4) -> str:
    """The hint of the first known mistake whose result `answer` reproduces, or '' when none matches.

    `mistakes` maps a hint ("you used the probability, not the logit") to what that mistake computes on
    the check's own inputs, so a wrong answer is told what went wrong rather than only that it is wrong.
    """
    for hint, result in mistakes.items():
        if same_values(answer, result, atol, rtol):
            return hint
    return ""


def attempt(function: Callable, *args: Any, where: str = "", hint: str = "", **kwargs: Any) -> Any:
    """`run_student`, with any other error of the student's function turned into a failed check that says
    where it happened (and, given one, a hint); the original error stays attached to the traceback."""
    try:
        return run_student(function, *args, **kwargs)
    except ExerciseFailed:
        raise
    except Exception as error:  # noqa: BLE001 - any error of the student's code becomes a verdict
        name = getattr(function, "__name__", "your function")
        message = f"❌ Not yet: {name}() raised {type(error).__name__}: {error}" + (f" ({where})" if where else "")
        raise ExerciseFailed(message + (f". Hint: {hint}" if hint else "")) from error
