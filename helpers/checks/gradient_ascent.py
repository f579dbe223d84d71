"""Exercise checks for lesson 07 (gradient ascent: class and channel visualization)."""
from __future__ import annotations

from .core import run_student, verdict  # noqa: F401
