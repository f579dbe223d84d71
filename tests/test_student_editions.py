"""Every student edition runs top to bottom with nothing solved (nbval runs the solutions editions): each
exercise's check reports it in one ✋ line, the lesson goes on with the hidden reference, and every figure shows.
Fast mode with the shapes model, headless. Where the browser tests run (tests/test_browser.py), they drive the
student editions in JupyterLab and assert the same, so this headless run is skipped there."""
from __future__ import annotations

import pytest

from browser_harness import missing_browser_reason
from edition_rules import ShownCell, unsolved_run_problems
from helpers import course
from helpers.paths import REPO_ROOT
from helpers.timing import run_notebook
from helpers.workbook import STUDENT_DIR

pytestmark = pytest.mark.skipif(missing_browser_reason() is None,
                                reason="the browser tests drive every student edition with the same assertions")


def _text(cell) -> str:
    return "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")


@pytest.mark.parametrize("notebook", [name for name, _ in course.LESSONS])
def test_student_edition_runs_unsolved_and_shows_every_figure(notebook):
    path = REPO_ROOT / "notebooks" / STUDENT_DIR / notebook
    run = run_notebook(path, env={"CNNVIZ_MODEL": "shapes", "CNNVIZ_FAST": "1", "CNNVIZ_HEADLESS": "1"}, keep=True)
    cells = [ShownCell(c.source, c.metadata.get("tags", []), _text(c),
                       sum("image/png" in out.get("data", {}) for out in c.get("outputs", [])))
             for c in run["executed"].cells if c.cell_type == "code"]
    problems = unsolved_run_problems(cells)
    assert not problems, f"{notebook}:\n" + "\n".join(problems)
