"""Keep generated course files in step with their one source of truth.

`python -m helpers.workbook` refreshes, from `helpers.course` and the solutions notebooks:
the badges and Colab setup cell of every notebook, the README's lesson table, and the student
edition in notebooks/student/: each `# BEGIN SOLUTION` … `# END SOLUTION` block is replaced by a stub
that raises NotImplementedError, and a hidden (collapsed) cell before the exercise registers the solution
as the reference implementation that the lesson uses until the student's own passes its check, so a
student edition runs to the end with nothing solved. Outputs are stripped everywhere. `--check` changes
nothing and exits 1 listing what is stale. `--gallery` also runs every lesson (on the default model, or
`--model`) and rewrites its gallery picture, notebooks/gallery/<lesson>.png, from that run.
"""
from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import nbformat

from . import course
from .paths import REPO_ROOT

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
BADGES_TAG, SETUP_TAG, REFERENCE_TAG = "badges", "colab-setup", "reference-solution"
# A solutions cell tagged `spoiler` contains an earlier lesson's exercise answer as plumbing: the student edition
# collapses it under a title (its first line, a `#@title` comment, says which exercise it gives away).
SPOILER_TAG = "spoiler"
REFERENCE_TITLE = "#@title Reference implementation (hidden: expand it to compare with yours once you have tried)"
README_START, README_END = "<!-- lessons:start -->", "<!-- lessons:end -->"
STUDENT_DIR = "student"


def strip_solutions(source: str) -> str:
    """Replace each solution block with a stub raising NotImplementedError("Exercise: …")."""
    lines, out, inside = source.split("\n"), [], False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if inside:
                raise ValueError(f"nested {BEGIN} at line {i + 1}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            owner = next((m.group(1) for prev in reversed(lines[:i])
                          if (m := re.match(r"\s*def (\w+)", prev))), None)
            task = f"write {owner}()" if owner else "fill in this cell"
            out.append(f"{indent}# Your code here")
            out.append(f'{indent}raise NotImplementedError("Exercise: {task}")')
        elif stripped.startswith(END):
            if not inside:
                raise ValueError(f"{END} without {BEGIN} at line {i + 1}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "\n".join(out)


def reference_source(source: str) -> str:
    """An exercise cell's solution as a hidden reference: markers removed, its function registered with
    `@helpers.checks.reference`. The cell may hold only imports, comments and function definitions (it
    runs twice in the student edition), and exactly one function must hold the solution block."""
    tree = ast.parse(source)
    stray = [type(node).__name__ for node in tree.body
             if not isinstance(node, (ast.FunctionDef, ast.Import, ast.ImportFrom))
             and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    if stray:
        raise ValueError(f"an exercise cell may only define functions (and import), found {stray}:\n{source[:200]}")
    lines = source.split("\n")
    begin = next(i for i, line in enumerate(lines) if line.strip().startswith(BEGIN))
    owners = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.lineno <= begin + 1
              <= node.end_lineno]
    if len(owners) != 1 or source.count(BEGIN) != 1:
        raise ValueError(f"an exercise cell needs exactly one solution block inside one function:\n{source[:200]}")
    owner = owners[0]
    first = min([owner.lineno] + [d.lineno for d in owner.decorator_list]) - 1
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    lines.insert(first, f"{indent}@helpers.checks.reference")
    kept = [line for line in lines if not line.strip().startswith((BEGIN, END))]
    return "\n".join([REFERENCE_TITLE, *kept])


def _reference_cell(source: str):
    cell = nbformat.v4.new_code_cell(reference_source(source))
    cell.metadata.update({"tags": [REFERENCE_TAG], "jupyter": {"source_hidden": True}, "cellView": "form"})
    return cell


def _collapse_spoiler(cell) -> None:
    """Hide a cell that answers an earlier exercise; its source must start with a `#@title` line saying so."""
    if not cell.source.startswith("#@title"):
        raise ValueError(f"a '{SPOILER_TAG}' cell must start with a '#@title' line naming what it gives away:\n"
                         f"{cell.source[:200]}")
    cell.metadata.update({"jupyter": {"source_hidden": True}, "cellView": "form"})


def _strip_outputs(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)


def _refresh_generated_cells(nb, badge_target: str) -> None:
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if BADGES_TAG in tags:
            cell.source = course.badges(badge_target)
        if SETUP_TAG in tags:
            cell.source = course.colab_setup_code()


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def solutions_edition(nb, notebook: str):
    """The solutions notebook as committed: generated cells refreshed, outputs stripped, and the Python 3
    kernel named (without it JupyterLab asks which kernel to start every time a lesson is opened)."""
    nb = copy.deepcopy(nb)
    _refresh_generated_cells(nb, notebook)
    _strip_outputs(nb)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


def student_edition(nb, notebook: str):
    """The student notebook: solutions replaced by stubs, and a note on where it comes from."""
    nb = solutions_edition(nb, notebook)
    _refresh_generated_cells(nb, f"{STUDENT_DIR}/{notebook}")
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and BEGIN in cell.source:
            reference = _reference_cell(cell.source)
            reference.id = f"reference-{index}"
            cells.append(reference)
            cell.source = strip_solutions(cell.source)
        if cell.cell_type == "code" and SPOILER_TAG in cell.metadata.get("tags", []):
            _collapse_spoiler(cell)
        cells.append(cell)
    nb.cells = cells
    note = nbformat.v4.new_markdown_cell(
        f"*Student edition, generated from [../{notebook}](../{notebook}) by `python -m helpers.workbook`: "
        "edit that notebook, not this one.* Each exercise's check tells you whether your function is right. "
        "Until you have written it, the lesson runs on with a reference implementation kept in the collapsed "
        "cell just above the exercise: try first, then expand it to compare.")
    note.id = "student-edition-note"
    nb.cells.insert(0, note)
    return nb


def readme_text(text: str) -> str:
    """README text with the lesson table between its markers regenerated."""
    if README_START not in text or README_END not in text:
        raise ValueError(f"README.md lacks the {README_START} … {README_END} markers")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_START}\n{course.lesson_table()}\n{README_END}{tail}"


def expected_files(root: Path = REPO_ROOT) -> dict[Path, str]:
    """Every generated file's path and the text it should hold."""
    files: dict[Path, str] = {}
    notebooks = root / "notebooks"
    for notebook, _ in course.LESSONS:
        nb = nbformat.read(notebooks / notebook, as_version=4)
        files[notebooks / notebook] = nbformat.writes(solutions_edition(nb, notebook)) + "\n"
        files[notebooks / STUDENT_DIR / notebook] = nbformat.writes(student_edition(nb, notebook)) + "\n"
    readme = root / "README.md"
    files[readme] = readme_text(readme.read_text(encoding="utf-8"))
    return files


def stale_files(root: Path = REPO_ROOT) -> list[Path]:
    """Generated files whose committed text differs from what would be generated now."""
    return [path for path, text in expected_files(root).items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    parser.add_argument("--gallery", action="store_true",
                        help="also run every lesson and rewrite its gallery picture (minutes per lesson)")
    parser.add_argument("--model", help="with --gallery: the model to run the lessons on (default: each lesson's 'auto')")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {path.relative_to(REPO_ROOT)}")
        if stale:
            print("Run `python -m helpers.workbook` and commit the result.")
        return 1 if stale else 0
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    if args.gallery:
        from .timing import run_notebook
        env = {"CNNVIZ_MODEL": args.model} if args.model else {}
        for notebook, _ in course.LESSONS:
            result = run_notebook(REPO_ROOT / "notebooks" / notebook, env, gallery=True)
            print(f"gallery: {notebook} ({result['seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
