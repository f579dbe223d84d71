"""Run every lesson on ImageNet networks in fast mode (nbval runs them with the shapes model): on the
trained EfficientNet-Lite0, where each lesson asserts its claims on real photos, and on SqueezeNet's
architecture with random weights, so the torchvision code path cannot silently break offline. Where the browser
tests drive the solutions editions on EfficientNet-Lite0 (tests/test_browser.py), its headless run here is skipped:
the browser run executes the same notebooks in the same fast mode and fails on any error output."""
from __future__ import annotations

import pytest

from browser_harness import browser_runs_solutions_on
from helpers import course
from helpers.paths import REPO_ROOT
from helpers.timing import run_notebook


@pytest.mark.parametrize("model", ["efficientnet_lite0", "squeezenet1_1:random"])
@pytest.mark.parametrize("notebook", [name for name, _ in course.LESSONS])
def test_notebook_runs_on_imagenet_network(notebook, model):
    if browser_runs_solutions_on(model):
        pytest.skip(f"tests/test_browser.py runs the solutions editions on {model} in JupyterLab, with the same assertions")
    result = run_notebook(REPO_ROOT / "notebooks" / notebook, env={"CNNVIZ_MODEL": model, "CNNVIZ_FAST": "1"})
    assert result["seconds"] > 0 and result["peak_mb"] > 50
