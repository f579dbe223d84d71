"""Exercise checks for lessons 11–12 (texture synthesis and neural style transfer)."""
from __future__ import annotations

from .core import run_student, verdict  # noqa: F401
