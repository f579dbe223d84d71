"""Exercise check cells: run a student's function on cases with known answers, print a friendly
verdict with the measured figure, and raise on failure so nbval (and the student) notice.

One module per lesson group; every `check_*` function is available as `helpers.checks.check_*`.
"""
from __future__ import annotations

from . import lessons_00_06, gradient_ascent, adversarial, inversion_and_dream, style, fast_style
from .core import ExerciseFailed, run_student, verdict

_LESSON_MODULES = (lessons_00_06, gradient_ascent, adversarial, inversion_and_dream, style, fast_style,)
for _module in _LESSON_MODULES:
    globals().update({name: getattr(_module, name) for name in dir(_module) if name.startswith("check_")})

__all__ = ["ExerciseFailed", "run_student", "verdict"] + sorted(
    name for name in globals() if name.startswith("check_"))
