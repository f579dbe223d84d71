"""Run every lesson on ImageNet networks in fast mode (nbval runs them with the shapes model): on the
trained EfficientNet-Lite0, where each lesson asserts its claims on real photos, and on SqueezeNet's
architecture with random weights, so the torchvision code path cannot silently break offline. Where the browser
tests drive the solutions editions on EfficientNet-Lite0 (tests/test_browser.py), its headless run here is skipped:
the browser run executes the same notebooks in the same fast mode and fails on any error output.

The runs go two kernels at a time with one PyTorch thread each (helpers.timing.run_side_by_side): on 2 cores that
takes about 0.6 of the time of one kernel after another. The selected tests' runs all start with the first of
them; each test then reports its own notebook."""
from __future__ import annotations

import sys

import pytest

from browser_harness import browser_runs_solutions_on
from helpers import course
from helpers.paths import REPO_ROOT
from helpers.timing import run_side_by_side
from selection import heavy_rank, selected_params

MODELS = ["efficientnet_lite0", "squeezenet1_1:random"]
# the longest lessons first, so that the two kernels finish together (fast-mode seconds on SqueezeNet: 14 65 s,
# 08 45 s, 04 38 s, 09 32 s, 06 31 s, 03 30 s; the others 11-25 s)
HEAVY_FIRST = ("14", "08", "04", "09", "06", "03")


@pytest.fixture(scope="module")
def imagenet_runs(request) -> dict[tuple[str, str], dict]:
    """(notebook, model) → run_notebook's result or {"error"}, for every test of this module that was selected."""
    jobs = sorted({(p["notebook"], p["model"]) for p in selected_params(request, sys.modules[__name__])
                   if not browser_runs_solutions_on(p["model"])},
                  key=lambda job: (heavy_rank(job[0], HEAVY_FIRST), job[1], job[0]))
    results = run_side_by_side([(REPO_ROOT / "notebooks" / notebook, {"CNNVIZ_MODEL": model, "CNNVIZ_FAST": "1"})
                                for notebook, model in jobs])
    return dict(zip(jobs, results))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("notebook", [name for name, _ in course.LESSONS])
def test_notebook_runs_on_imagenet_network(notebook, model, imagenet_runs):
    if browser_runs_solutions_on(model):
        pytest.skip(f"tests/test_browser.py runs the solutions editions on {model} in JupyterLab, with the same assertions")
    result = imagenet_runs[(notebook, model)]
    assert "error" not in result, f"{notebook} on {model}:\n{result.get('error')}"
    assert result["seconds"] > 0 and result["peak_mb"] > 50
