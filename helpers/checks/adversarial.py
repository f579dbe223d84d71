"""Exercise checks for lesson 08 (adversarial examples)."""
from __future__ import annotations

from .core import run_student, verdict  # noqa: F401
