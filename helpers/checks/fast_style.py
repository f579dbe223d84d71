"""Exercise checks for lesson 13 (fast feed-forward style networks)."""
from __future__ import annotations

from .core import run_student, verdict  # noqa: F401
