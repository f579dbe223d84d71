"""What a student edition run with nothing solved must show, read from any run (nbclient or the browser):
each check reports its unsolved exercise in one ✋ line, and every cell that draws unconditionally shows a figure."""
from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

from helpers.workbook import REFERENCE_TAG

DRAWS = re.compile(r"^(plt\.show\(\)|show_images\(|helpers\.live\()", re.M)  # a figure drawn outside any `if`
CHECK = re.compile(r"= helpers\.checks\.check_\w+\(")


@dataclass
class ShownCell:
    """One code cell after a run: its source and tags (from the notebook file), its printed text, its figures."""

    source: str
    tags: list
    text: str
    images: int


def code_cells(notebook_path) -> list:
    """The notebook's code cells, in the order a run shows them."""
    return [c for c in nbformat.read(notebook_path, as_version=4).cells if c.cell_type == "code"]


def unsolved_run_problems(cells: list[ShownCell]) -> list[str]:
    """Everything wrong with an unsolved student edition's run; an empty list when it is as it should be."""
    problems = []
    exercises = [c for c in cells if 'NotImplementedError("Exercise:' in c.source]
    checks = [c for c in cells if CHECK.search(c.source)]
    if not exercises or len(checks) < len(exercises):
        problems.append(f"{len(exercises)} exercises but {len(checks)} check cells")
    for cell in checks:
        notices = [line for line in cell.text.splitlines() if line.strip().startswith("✋")]
        if len(notices) != 1 or "not written yet" not in notices[0] or "✅" in cell.text or "❌" in cell.text:
            problems.append(f"check cell {cell.source.strip()[:60]!r} printed {cell.text.strip()[:300]!r}")
    for cell in cells:
        if REFERENCE_TAG not in cell.tags and DRAWS.search(cell.source) and cell.images < 1:
            problems.append(f"no figure from {cell.source.strip()[:80]!r}")
    return problems
