"""Drive the lessons in JupyterLab in a real browser (Debian's Chromium, through Playwright), as people use
them: start a JupyterLab server, open a notebook in a fresh workspace, Run All, read what is shown, move
the live widgets' controls and time their redraws. Used by tests/test_browser.py."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 # two lessons run side by side in two pages: neither may be throttled as a background page
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]
# JupyterLab settings for the test server: render every cell (JupyterLab 4 otherwise renders only the cells
# in view), start the notebook's kernel without asking, never save a notebook (the outputs a run leaves must
# not reach the repository), and fetch no news (there is no internet).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none",
                                                                   "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
CONTROL_SELECTOR = ".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-checkbox, .widget-radio"


def chromium_path() -> str | None:
    """The system Chromium, or None (Playwright's own browser download does not work offline)."""
    found = os.environ.get("CNNVIZ_CHROMIUM") or next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None)
    return found if found and Path(found).exists() else None


BROWSER_SWITCH = "CNNVIZ_BROWSER"  # set to 0 to skip the browser tests on a machine that has Chromium


def missing_browser_reason() -> str | None:
    """Why the browser tests do not run here (one line that says how to change it), or None."""
    if os.environ.get(BROWSER_SWITCH) == "0":
        return f"browser tests switched off ({BROWSER_SWITCH}=0)"
    if chromium_path() is None:
        return "no Chromium: install it with `apt-get install -y chromium` (CI's .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401 - only its presence matters here
    except ImportError:
        return "Playwright for Python is missing: pip install -e '.[test]'"
    return None


EDITIONS_SWITCH = "CNNVIZ_BROWSER_EDITIONS"  # which editions the browser tests drive: "student,solutions" (the default)
# Each edition runs on its own model, in fast mode: the student editions on the shapes model (unsolved, as students
# start), the solutions editions on the trained EfficientNet-Lite0, where every lesson asserts its claims on photos;
# they stand in for the headless EfficientNet-Lite0 run of tests/test_notebooks_imagenet_path.py. Two lessons at a
# time (run_lessons_side_by_side), the student editions take 391 s and the solutions editions 503 s on 2 cores.
# "student" drives the student editions only (the solutions editions then run headless).
EDITION_FOLDERS = {"student": ("notebooks/student", None), "solutions": ("notebooks", "efficientnet_lite0")}


def browser_editions() -> dict[str, tuple[str, str | None]]:
    """edition → (folder, model; None: the test session's model, shapes unless CNNVIZ_TEST_MODEL says otherwise)."""
    names = [n.strip() for n in os.environ.get(EDITIONS_SWITCH, "student,solutions").split(",") if n.strip()]
    unknown = [n for n in names if n not in EDITION_FOLDERS]
    if unknown:
        raise ValueError(f"{EDITIONS_SWITCH} names {unknown}; the editions are {sorted(EDITION_FOLDERS)}")
    return {name: EDITION_FOLDERS[name] for name in names}


def browser_runs_solutions_on(model: str) -> bool:
    """True when the browser tests run here and drive the solutions editions on `model`."""
    return missing_browser_reason() is None and browser_editions().get("solutions", ("", None))[1] == model


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab server: its URL, token and process."""

    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_notebook(self, path: str) -> None:
        """Shut down the kernel of every session open on `path` (a path under the server root)."""
        for session in self.api("/api/sessions"):
            if session.get("path") == path:
                self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def shutdown_kernels(self) -> None:
        """Shut down every session's kernel (each lesson runs in a fresh one)."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")


@contextmanager
def lab_server(repo: Path, env: dict[str, str], startup_timeout: float = 120,
               extra_args: list[str] | None = None) -> Iterator[LabServer]:
    """Start `jupyter lab [extra_args]` on a free local port with a random token, serving a fresh copy of the
    repository's notebooks/ (so nothing a run does can change the committed notebooks); shut it and its
    kernels down on exit, also when the body fails."""
    work = Path(tempfile.mkdtemp(prefix="cnnviz-lab-"))
    root = work / "root"
    shutil.copytree(repo / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, value in LAB_SETTINGS.items():
        path = work / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    server_env = {**env, "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
                  "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces")}
    log = work / "server.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
               f"--LabApp.workspaces_dir={work / 'workspaces'}", *(extra_args or [])]
    process = subprocess.Popen(command, env=server_env, cwd=root, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = LabServer(f"http://127.0.0.1:{port}", token, process, log)
    try:
        deadline = time.time() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start-up:\n{log.read_text()[-2000:]}")
            try:
                server.api("/api/status")
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer in {startup_timeout} s:\n{log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield server
    finally:
        try:
            server.shutdown_kernels()
        except Exception:
            pass
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class WidgetReport:
    """One live widget: its controls, whether its default figure showed, and the first control's redraw."""

    controls: list[str]
    has_figure: bool
    moved: str = ""
    redraw_seconds: float | None = None
    busy_shown: bool = False


@dataclass
class LessonReport:
    """What a person saw when running one notebook: timings, error outputs, widgets."""

    notebook: str
    open_seconds: float = 0.0
    run_all_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    widgets: list[WidgetReport] = field(default_factory=list)
    cells: int = 0
    shown: list[dict] = field(default_factory=list)  # per code cell: the text its outputs show, its images
    failure: str = ""  # what stopped the harness on this lesson (a timeout, a missing element), if anything
    run_all_clicks: int = 1  # Run All is clicked again, once, when no cell has started 30 s after the first click
    side_by_side: int = 1  # how many lessons ran at a time (Run All seconds are longer when two share the CPU)


def shown_outputs(page) -> list[dict]:
    """What each code cell of the open notebook shows, in order: its output text and how many images."""
    return page.evaluate("""() => {
        const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
        return [...panel.querySelectorAll('.jp-CodeCell')].map(cell => {
            const area = cell.querySelector('.jp-OutputArea');
            return {text: area ? area.innerText : '', images: area ? area.querySelectorAll('img').length : 0};
        });
    }""")


def wait_for_kernel(server: LabServer, path: str, timeout_s: float = 120) -> None:
    """Wait until the server holds a session on `path` whose kernel has started and is idle: the page's execution
    indicator can show idle before that, and cells run then are lost."""
    deadline = time.time() + timeout_s
    while not any(s.get("path") == path and s["kernel"]["execution_state"] == "idle" for s in server.api("/api/sessions")):
        if time.time() > deadline:
            raise TimeoutError(f"the kernel of {path} did not start in {timeout_s:.0f} s: {server.api('/api/sessions')}")
        time.sleep(0.5)


def open_notebook(page, server: LabServer, notebook: str, timeout_ms: int = 120_000) -> float:
    """Open `notebook` (a path under the server root) in a fresh workspace; wait for its kernel. Seconds."""
    start = time.perf_counter()
    page.goto(f"{server.url}/lab/workspaces/t{secrets.token_hex(4)}/tree/{notebook}?reset&token={server.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout_ms)
    wait_for_kernel(server, notebook, timeout_ms / 1000)
    return time.perf_counter() - start


RUN_ALL_DONE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    const idle = document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']");
    const stopped = [...panel.querySelectorAll('.jp-OutputArea-output')]
        .some(o => o.innerText.includes('Traceback (most recent call last)'));
    // a cell whose input is collapsed (the student edition's hidden references) shows no prompt text
    const shown = prompts.filter(t => t !== '');
    return idle && shown.length > 0 && !shown.some(t => t.startsWith('[*]'))
           && (stopped || (shown.every(t => /^\\[\\d+\\]/.test(t)) && /^\\[\\d+\\]/.test(prompts[prompts.length - 1])));
}"""  # every code cell has run, or Run All stopped at an error, and the kernel is idle


def start_run_all(page) -> None:
    """Run > Run All Cells, as a person does it."""
    page.click(".jp-NotebookPanel .jp-Notebook")
    page.locator("li.lm-MenuBar-item", has_text="Run").first.click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()


RUN_ALL_STARTED = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
    .some(p => /^\\[(\\*|\\d+)\\]/.test(p.textContent.trim()))"""  # a cell is queued, running or has run


def run_all_done(page) -> bool:
    """Whether the Run All started by start_run_all has finished (or stopped at an error)."""
    return bool(page.evaluate(RUN_ALL_DONE))


def error_outputs(page) -> list[str]:
    """Texts of outputs that show a traceback or a widget that failed to display."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
        .map(o => o.innerText)
        .filter(t => t.includes('Traceback (most recent call last)') || t.includes('Error displaying widget'))
        .map(t => t.slice(0, 800))""")


def _figure_signature(box) -> str:
    """What the widget's figure shows now: the data URLs of its images (changes when it is redrawn)."""
    return "|".join(img.get_attribute("src") or "" for img in box.query_selector_all(".widget-output img"))


def move_first_control(page, box, timeout_s: float = 60.0) -> WidgetReport:
    """Change the widget's first control the way a presenter would (a slider one step right, a dropdown to its
    next option) and time until the figure has been redrawn."""
    controls = box.query_selector_all(CONTROL_SELECTOR)
    kinds = [k.strip()[1:] for k in CONTROL_SELECTOR.split(",")]
    names = [next((k for k in kinds if k in (c.get_attribute("class") or "").split()), "control") for c in controls]
    report = WidgetReport(names, bool(box.query_selector(".widget-output img")))
    if not controls:
        return report
    first, before = controls[0], _figure_signature(box)
    status = box.query_selector(".widget-html")
    start = time.perf_counter()
    if "widget-dropdown" in names[0]:
        select = first.query_selector("select")
        options = select.eval_on_selector_all("option", "os => os.map(o => o.value)")
        current = select.evaluate("s => s.value")
        target = options[(options.index(current) + 1) % len(options)]
        start = time.perf_counter()
        select.select_option(target)
        report.moved = f"dropdown → {target}"
    elif "widget-slider" in names[0]:
        handle = first.query_selector(".noUi-handle, .ui-slider-handle")
        handle.focus()
        start = time.perf_counter()
        page.keyboard.press("ArrowRight")
        report.moved = "slider one step right"
    else:
        clickable = first.query_selector("button, input")
        start = time.perf_counter()
        clickable.click()
        report.moved = "clicked"
    deadline = start + timeout_s
    while time.perf_counter() < deadline:
        text = status.inner_text() if status else ""
        if text.startswith("⏳"):
            report.busy_shown = True
        if _figure_signature(box) != before and text.startswith("drawn in"):
            report.redraw_seconds = time.perf_counter() - start
            break
        page.wait_for_timeout(25)
    return report


def inspect_lesson(page, report: LessonReport, screenshot: Path | None = None) -> None:
    """After Run All: read what the notebook shows, probe every live widget, save a screenshot."""
    report.cells = len(page.query_selector_all(".jp-NotebookPanel .jp-CodeCell"))
    report.errors = error_outputs(page)
    report.shown = shown_outputs(page)
    for box in page.query_selector_all(".cnnviz-live"):
        box.scroll_into_view_if_needed()
        report.widgets.append(move_first_control(page, box))
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        boxes = page.query_selector_all(".cnnviz-live")
        (boxes[0] if boxes else page).screenshot(path=str(screenshot))


@dataclass
class _Slot:
    """A lesson being run in its own browser context and kernel."""

    context: object
    page: object
    report: LessonReport
    screenshot: Path | None
    started: float


def run_lessons_side_by_side(browser, server: LabServer, lessons: list[tuple[str, Path | None]], slots: int = 2,
                             run_timeout_s: float = 900, open_timeout_s: float = 120,
                             viewport: dict | None = None) -> dict[str, LessonReport]:
    """Open and Run All the lessons (notebook path under the server root, screenshot path) `slots` at a time, each
    in its own browser context and kernel; a lesson that finishes is inspected (inspect_lesson) at once and its
    kernel shut down, and the next one starts. A failure of the harness on one lesson (a timeout, a missing
    element) is recorded in its report's `failure`; the others go on. Returns notebook path → report."""
    queue, running, reports = list(lessons), {}, {}

    def finish(notebook: str, slot: _Slot, failure: str = "") -> None:
        try:
            if not failure:
                slot.report.run_all_seconds = time.perf_counter() - slot.started
                inspect_lesson(slot.page, slot.report, slot.screenshot)
        except Exception as error:  # noqa: BLE001 - reported with the lesson
            failure = f"{type(error).__name__}: {error}"
        finally:
            slot.report.failure = failure
            slot.report.side_by_side = slots
            if failure and slot.screenshot is not None:  # what the page showed, for the failure message
                try:
                    slot.screenshot.parent.mkdir(parents=True, exist_ok=True)
                    slot.page.screenshot(path=str(slot.screenshot))
                except Exception:  # noqa: BLE001 - the failure is reported either way
                    pass
            reports[notebook] = slot.report
            running.pop(notebook, None)
            slot.context.close()
            server.shutdown_notebook(notebook)

    try:
        while queue or running:
            while queue and len(running) < slots:
                notebook, screenshot = queue.pop(0)
                context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
                slot = _Slot(context, context.new_page(), LessonReport(notebook), screenshot, 0.0)
                running[notebook] = slot
                try:
                    slot.report.open_seconds = open_notebook(slot.page, server, notebook, int(open_timeout_s * 1000))
                    start_run_all(slot.page)
                    slot.started = time.perf_counter()
                except Exception as error:  # noqa: BLE001 - reported with the lesson
                    finish(notebook, slot, f"could not open and Run All: {type(error).__name__}: {error}")
            for notebook, slot in list(running.items()):
                waited = time.perf_counter() - slot.started
                if slot.report.run_all_clicks == 1 and waited > 30 and not slot.page.evaluate(RUN_ALL_STARTED):
                    start_run_all(slot.page)  # the first click was lost: as a person would, click again, once
                    slot.report.run_all_clicks += 1
                if run_all_done(slot.page):
                    finish(notebook, slot)
                elif waited > run_timeout_s:
                    finish(notebook, slot, f"Run All did not finish in {run_timeout_s:.0f} s")
            time.sleep(0.5)
    finally:
        for notebook, slot in list(running.items()):  # only when interrupted
            slot.context.close()
            server.shutdown_notebook(notebook)
    return reports
