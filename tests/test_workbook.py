"""Workbook plumbing: solution stripping, generated files in sync, notebooks committed stripped."""
from __future__ import annotations

import json

import nbformat
import pytest

from helpers import course
from helpers.paths import REPO_ROOT
from helpers.workbook import stale_files, strip_solutions, student_edition


def test_strip_solutions_keeps_signature_and_names_the_exercise():
    source = "def f(x):\n    \"\"\"Doc.\"\"\"\n    # BEGIN SOLUTION\n    return x + 1\n    # END SOLUTION\n\nprint(f)"
    stub = strip_solutions(source)
    assert "return x + 1" not in stub
    assert '    raise NotImplementedError("Exercise: write f()")' in stub
    assert stub.startswith("def f(x):") and stub.endswith("print(f)")
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


@pytest.mark.parametrize("source", ["# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION",
                                    "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION"])
def test_unbalanced_markers_are_errors(source):
    with pytest.raises(ValueError):
        strip_solutions(source)


def test_student_edition_has_no_solutions():
    for notebook, _ in course.LESSONS:
        nb = nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4)
        n_solutions = sum("# BEGIN SOLUTION" in c.source for c in nb.cells)
        assert n_solutions >= 2, f"{notebook} needs at least two exercises"
        student = student_edition(nb, notebook)
        text = "\n".join(c.source for c in student.cells)
        assert "BEGIN SOLUTION" not in text
        assert text.count("NotImplementedError(\"Exercise:") == n_solutions


def test_generated_files_are_in_sync():
    stale = stale_files()
    assert not stale, f"stale generated files {stale}: run `python -m helpers.workbook` and commit"


def test_notebooks_committed_without_outputs():
    for path in (REPO_ROOT / "notebooks").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in path.parts:
            continue
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, path.name


def test_badges_and_readme_come_from_one_url():
    readme = (REPO_ROOT / "README.md").read_text()
    for notebook, _ in course.LESSONS:
        assert course.colab_url(notebook) in readme and course.binder_url(notebook) in readme
        nb = nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4)
        assert course.badges(notebook) in [c.source for c in nb.cells]
        assert course.colab_setup_code() in [c.source for c in nb.cells]
    assert course.binder_url("00_a.ipynb").endswith("labpath=notebooks%2F00_a.ipynb")


def test_reference_cell_registers_the_solution_and_refuses_cells_that_do_more():
    from helpers.workbook import reference_source
    source = ("import math\n\ndef area(r):\n    \"\"\"Disc area.\"\"\"\n    # BEGIN SOLUTION\n    return math.pi * r * r\n"
              "    # END SOLUTION")
    text = reference_source(source)
    assert "BEGIN SOLUTION" not in text and "@helpers.checks.reference\ndef area(r):" in text
    namespace = {"helpers": __import__("helpers")}
    exec(text, namespace)
    from helpers.checks.core import _REFERENCES
    assert _REFERENCES["area"](1.0) == pytest.approx(3.14159, rel=1e-5)
    with pytest.raises(ValueError, match="may only define functions"):
        reference_source(source + "\nprint(area(2))")


def test_student_editions_hide_a_reference_before_every_exercise():
    from helpers.workbook import REFERENCE_TAG
    for notebook, _ in course.LESSONS:
        nb = nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4)
        student = student_edition(nb, notebook)
        for index, cell in enumerate(student.cells):
            if "NotImplementedError(\"Exercise:" in cell.source:
                hidden = student.cells[index - 1]
                assert REFERENCE_TAG in hidden.metadata.get("tags", []), (notebook, index)
                assert hidden.metadata["jupyter"]["source_hidden"] is True
                assert "@helpers.checks.reference" in hidden.source


def test_gallery_has_one_picture_per_lesson_from_its_tagged_cell():
    """The README's lesson table shows notebooks/gallery/<lesson>.png: every lesson tags exactly one code cell
    that draws it, every picture exists, is small, and no picture belongs to a lesson that is gone."""
    from PIL import Image

    from helpers import gallery
    expected = set()
    for notebook, _ in course.LESSONS:
        nb = nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4)
        cells = gallery.gallery_cells(nb)
        assert len(cells) == 1, f"{notebook}: tag exactly one code cell '{gallery.GALLERY_TAG}', found {len(cells)}"
        assert "plt.show" in cells[0].source or "show_images" in cells[0].source, f"{notebook}: the gallery cell draws nothing"
        path = gallery.gallery_path(notebook)
        assert path.is_file(), f"{path.name} is missing: run `python -m helpers.workbook --gallery`"
        with Image.open(path) as picture:
            assert picture.format == "PNG" and 120 <= picture.width <= gallery.MAX_WIDTH and picture.height >= 60
        assert path.stat().st_size < 400_000
        assert course.gallery_picture(notebook) in (REPO_ROOT / "README.md").read_text()
        expected.add(path.name)
    assert {p.name for p in gallery.GALLERY_DIR.glob("*.png")} == expected


def test_gallery_picture_is_the_first_figure_of_the_tagged_cell(tmp_path):
    import base64
    import io

    from PIL import Image

    from helpers import gallery
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 500), "red").save(buffer, format="PNG")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("plt.show()", metadata={"tags": ["gallery"]})
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(buffer.getvalue()).decode()})]
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), cell]
    path = gallery.save_from_run(nb, "99_test.ipynb", root=tmp_path)
    with Image.open(path) as picture:
        assert picture.size == (gallery.MAX_WIDTH, 240) and picture.getpixel((5, 5)) == (255, 0, 0)
    cell.outputs = []
    with pytest.raises(ValueError, match="no figure"):
        gallery.save_from_run(nb, "99_test.ipynb", root=tmp_path)
    nb.cells.append(nbformat.v4.new_code_cell("y", metadata={"tags": ["gallery"]}))
    with pytest.raises(ValueError, match="exactly one"):
        gallery.save_from_run(nb, "99_test.ipynb", root=tmp_path)


# Lines every gradient method starts or ends with: shared plumbing, not any exercise's answer.
GENERIC_LINES = {"x = x.detach().clone().requires_grad_(True)", "n, c, h, w = features.shape"}


def _solution_lines(source: str) -> set[str]:
    """The substantial lines inside a cell's solution blocks, stripped (comments and short lines left out)."""
    from helpers.workbook import BEGIN, END
    lines, inside = set(), False
    for line in source.splitlines():
        text = line.strip()
        if text.startswith(BEGIN):
            inside = True
        elif text.startswith(END):
            inside = False
        elif inside and len(text) >= 25 and not text.startswith("#") and text not in GENERIC_LINES:
            lines.add(text)
    return lines


def test_student_editions_never_show_an_exercise_answer_in_sight():
    """No visible cell of any student edition repeats a line of any lesson's solution (lesson 12 must not print
    lesson 11's gram_matrix); a cell that needs one is tagged `spoiler` and comes collapsed."""
    from helpers.workbook import REFERENCE_TAG
    editions = {nb: student_edition(nbformat.read(REPO_ROOT / "notebooks" / nb, as_version=4), nb)
                for nb, _ in course.LESSONS}
    answers = {}
    for notebook in editions:
        solutions = nbformat.read(REPO_ROOT / "notebooks" / notebook, as_version=4)
        for cell in solutions.cells:
            for line in _solution_lines(cell.source):
                answers.setdefault(line, notebook)
    assert len(answers) > 40
    for notebook, nb in editions.items():
        for index, cell in enumerate(nb.cells):
            hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
            if cell.cell_type != "code" or hidden or REFERENCE_TAG in cell.metadata.get("tags", []):
                continue
            shown = {line.strip() for line in cell.source.splitlines()}
            leaked = sorted(line for line in answers if line in shown)
            assert not leaked, f"{notebook} cell {index} shows the answer of {answers[leaked[0]]}: {leaked[0]!r}"


def test_spoiler_cells_are_collapsed_under_a_title_in_the_student_edition():
    from helpers.workbook import SPOILER_TAG
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("#@title Lesson 04's answer\nx = 1")]
    nb.cells[0].metadata["tags"] = [SPOILER_TAG]
    student = student_edition(nb, "00_a.ipynb")
    cell = [c for c in student.cells if c.cell_type == "code"][0]
    assert cell.metadata["jupyter"]["source_hidden"] is True and cell.metadata["cellView"] == "form"
    nb.cells[0].source = "x = 1"
    with pytest.raises(ValueError, match="#@title"):
        student_edition(nb, "00_a.ipynb")


def test_unsolved_run_rules_catch_a_silent_check_and_a_missing_figure():
    from edition_rules import ShownCell, unsolved_run_problems
    stub = ShownCell('def f():\n    raise NotImplementedError("Exercise: write f")', [], "", 0)
    check = ShownCell("f = helpers.checks.check_f(f)", [], "✋ f() is not written yet: the lesson goes on …\n", 0)
    draw = ShownCell("show_images(maps)\nplt.show()", [], "", 1)
    assert unsolved_run_problems([stub, check, draw]) == []
    problems = unsolved_run_problems([stub, ShownCell(check.source, [], "✅ Correct: …", 0),
                                      ShownCell(draw.source, [], "", 0)])
    assert len(problems) == 2 and "printed" in problems[0] and "no figure" in problems[1]
    assert unsolved_run_problems([stub, draw])  # an exercise without a check
