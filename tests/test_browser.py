"""Every lesson as people use it: JupyterLab in a real browser, Run All, no traceback, every live widget
shows its controls and its default figure, and moving its first control redraws the figure (within the
presenting budget on the shapes model). The student editions, unsolved, on the shapes model, and the solutions
editions on EfficientNet-Lite0 (browser_harness.browser_editions; CNNVIZ_BROWSER_EDITIONS=student drives only the
first). Screenshots and a JSON report go to build/browser/.

The student editions run with nothing solved, so each must also show what tests/edition_rules.py asks (one ✋ line per
check, every figure): these tests stand in for tests/test_student_editions.py where they run, and the solutions
editions' run for the EfficientNet-Lite0 half of tests/test_notebooks_imagenet_path.py. Skipped with a one-line
reason where Chromium or Playwright is missing, or with CNNVIZ_BROWSER=0."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from browser_harness import (CHROMIUM_ARGS, LessonReport, browser_editions, chromium_path, lab_server,
                             missing_browser_reason, run_lessons_side_by_side, wait_for_kernel)
from edition_rules import ShownCell, code_cells, unsolved_run_problems
from selection import heavy_rank, selected_params
from helpers import course
from helpers.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(missing_browser_reason() is not None, reason=str(missing_browser_reason()))

REDRAW_BUDGET_S = 2.0  # a redraw must be quick enough to present live (shapes model)
OUT = REPO_ROOT / "build" / "browser"
EDITIONS = browser_editions()  # edition → (folder, model): the student editions on shapes, the solutions on EfficientNet-Lite0


def _server_env(model: str | None = None) -> dict[str, str]:
    """The test session's environment without the headless switch: real widgets, as students get them. Fast mode
    (fewer steps, the lessons' checks still hold): nbval already runs every lesson in the default mode."""
    env = {k: v for k, v in os.environ.items() if k != "CNNVIZ_HEADLESS"}
    env["CNNVIZ_FAST"] = "1"
    env.setdefault("CNNVIZ_MODEL", "shapes")
    if model:
        env["CNNVIZ_MODEL"] = model
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # one PyTorch thread per kernel: two lessons run side by side (test_browser.edition_reports), one per core
    env["OMP_NUM_THREADS"] = "1"
    return env


def _edition_model(edition: str) -> str:
    """The model the edition's kernels run."""
    return _server_env(EDITIONS[edition][1])["CNNVIZ_MODEL"]


def _screenshot(edition: str, notebook: str) -> Path:
    """Where the browser run of the lesson saves its screenshot."""
    return OUT / edition / notebook.replace(".ipynb", ".png")


@pytest.fixture(scope="module", params=list(EDITIONS))
def edition(request):
    return request.param


@pytest.fixture(scope="module")
def lab(edition):
    """One JupyterLab per edition, whose kernels run that edition's model."""
    with lab_server(REPO_ROOT, _server_env(EDITIONS[edition][1])) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# the longest Run Alls first, so that the two kernels finish together
HEAVY_FIRST = ("14", "08", "04", "07", "09", "06", "03")


@pytest.fixture(scope="module")
def edition_reports(request, edition, lab, browser) -> dict[str, LessonReport]:
    """notebook → what the browser showed, for every selected lesson of this edition. The lessons run two at a
    time, each in its own page and one-thread kernel (browser_harness.run_lessons_side_by_side), all with the
    first test of the edition; each test then judges its own lesson."""
    notebooks = sorted({p["notebook"] for p in selected_params(request, sys.modules[__name__])
                        if "notebook" in p and p.get("edition") == edition},
                       key=lambda notebook: (heavy_rank(notebook, HEAVY_FIRST), notebook))
    folder = EDITIONS[edition][0]
    reports = run_lessons_side_by_side(browser, lab, [(f"{folder}/{notebook}", _screenshot(edition, notebook))
                                                      for notebook in notebooks])
    OUT.mkdir(parents=True, exist_ok=True)
    model = _edition_model(edition)
    with (OUT / "report.jsonl").open("a") as log:
        for report in reports.values():
            log.write(json.dumps({"edition": edition, "model": model, **asdict(report)}) + "\n")
    return {notebook: reports[f"{folder}/{notebook}"] for notebook in notebooks}


@pytest.mark.parametrize("notebook", [name for name, _ in course.LESSONS])
def test_lesson_in_jupyterlab(notebook, edition, edition_reports):
    path = f"{EDITIONS[edition][0]}/{notebook}"
    model = _edition_model(edition)
    report = edition_reports[notebook]
    assert not report.failure, (f"{path} in the browser: {report.failure}"
                                f" (screenshot {_screenshot(edition, notebook)})")
    assert not report.errors, f"{path} shows errors:\n" + "\n---\n".join(report.errors)
    if edition == "student":
        sources = code_cells(REPO_ROOT / path)
        assert len(sources) == len(report.shown), f"{path}: {len(report.shown)} code cells shown, {len(sources)} in the file"
        problems = unsolved_run_problems([ShownCell(c.source, c.metadata.get("tags", []), shown["text"], shown["images"])
                                          for c, shown in zip(sources, report.shown)])
        assert not problems, f"{path}:\n" + "\n".join(problems)
    assert report.widgets, f"{path} has no live widget"
    for widget in report.widgets:
        assert widget.controls and widget.has_figure, f"{path}: a live widget lacks controls or its default figure"
        assert widget.redraw_seconds is not None, f"{path}: moving {widget.controls[0]} did not redraw the figure"
        if model != "shapes":  # the budget is for the shapes model; an ImageNet network's redraw is recorded only
            print(f"{path} on {model}: redraw {widget.redraw_seconds:.2f} s after {widget.moved}")
            continue
        assert widget.redraw_seconds <= REDRAW_BUDGET_S, (
            f"{path}: redraw took {widget.redraw_seconds:.2f} s after {widget.moved} (budget {REDRAW_BUDGET_S} s)")


def test_readme_main_command_opens_the_tour_and_runs_its_first_cells(browser):
    """`jupyter lab notebooks/00_setup_and_tour.ipynb`, as the README says: the tour opens by itself, and running
    its first cells with Shift+Enter prints where the course runs."""
    with lab_server(REPO_ROOT, _server_env(), extra_args=["notebooks/00_setup_and_tour.ipynb"]) as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            # `jupyter lab FILE` opens the browser at /lab/tree/FILE (the server's file URL prefix); --no-browser here
            page.goto(f"{server.url}/lab/tree/notebooks/00_setup_and_tour.ipynb?token={server.token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
            page.wait_for_selector("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current:has-text('00_setup_and_tour.ipynb')",
                                   timeout=30_000)  # the tour is the open, current document tab
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
            wait_for_kernel(server, "notebooks/00_setup_and_tour.ipynb")
            # select the first cell by its prompt (the cell's text holds links) and run four cells: title, badges,
            # Colab cell, set-up cell
            page.locator(".jp-NotebookPanel .jp-Cell").first.locator(".jp-InputPrompt").click()
            page.keyboard.press("Escape")
            for _ in range(4):
                page.keyboard.press("Shift+Enter")
                page.wait_for_timeout(200)
            try:
                page.wait_for_function("() => document.body.innerText.includes('Running on local')", timeout=120_000)
            except Exception:
                OUT.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(OUT / "readme_tour.png"))
                shown = page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')]
                    .slice(0, 3).map(c => c.querySelector('.jp-InputPrompt').innerText + ' '
                                          + (c.querySelector('.jp-OutputArea')?.innerText || '').slice(0, 600))""")
                raise AssertionError(f"the set-up cell did not print where it runs (screenshot {OUT / 'readme_tour.png'});"
                                     f" the first code cells' prompts and outputs: {shown}") from None
        finally:
            context.close()


def test_side_by_side_runs_report_a_lesson_that_fails_and_shut_every_kernel(browser, monkeypatch):
    """A lesson the harness cannot run is reported with its reason while the other one runs; a Run All click that is
    lost is clicked again; no kernel is left."""
    import browser_harness
    clicks = []
    real_start = browser_harness.start_run_all

    def first_click_lost(page) -> None:  # as when a page drops the click while its kernel connects
        clicks.append(page)
        if len(clicks) > 1:
            real_start(page)

    monkeypatch.setattr(browser_harness, "start_run_all", first_click_lost)
    with lab_server(REPO_ROOT, _server_env()) as server:
        reports = run_lessons_side_by_side(browser, server, [("notebooks/no_such_lesson.ipynb", None),
                                                             ("notebooks/00_setup_and_tour.ipynb", None)],
                                           open_timeout_s=15)
        assert "could not open" in reports["notebooks/no_such_lesson.ipynb"].failure
        tour = reports["notebooks/00_setup_and_tour.ipynb"]
        assert not tour.failure and not tour.errors and tour.run_all_seconds > 30 and tour.widgets
        assert tour.run_all_clicks == 2 and len(clicks) == 2
        assert server.api("/api/sessions") == [] and server.api("/api/kernels") == []
