"""Exercise check cells: run a student's function on cases with known answers, print a friendly
verdict with the measured figure, and raise on failure so nbval (and the student) notice.

One module per lesson group; every `check_*` function is available as `helpers.checks.check_*`, wrapped so that
it returns the function the lesson goes on with (`fn = helpers.checks.check_fn(fn, ...)`): the student's when
right, the hidden reference while the exercise is not done yet (see `core.exercise_check`).
"""
from __future__ import annotations

from . import (adversarial, attribution_lessons, fast_style, gradient_ascent, inversion_and_dream, lessons_00_03,
               style, trust)
from .core import ExerciseFailed, ExerciseNotDone, exercise_check, reference, run_student, verdict

_LESSON_MODULES = (lessons_00_03, attribution_lessons, gradient_ascent, adversarial, inversion_and_dream, style,
                   fast_style, trust)
_owner: dict[str, str] = {}
for _module in _LESSON_MODULES:
    for _name in (n for n in dir(_module) if n.startswith("check_")):
        if _name in _owner:  # two lessons must not silently share (and overwrite) one check name
            raise ImportError(f"{_name} is defined in both {_owner[_name]} and {_module.__name__}")
        _owner[_name] = _module.__name__
        globals()[_name] = exercise_check(getattr(_module, _name))  # returns the function to use from then on

__all__ = ["ExerciseFailed", "ExerciseNotDone", "exercise_check", "reference", "run_student", "verdict"] + sorted(
    name for name in globals() if name.startswith("check_"))
