"""Exercise checks for lessons 09–10 (feature inversion and DeepDream)."""
from __future__ import annotations

from .core import run_student, verdict  # noqa: F401
