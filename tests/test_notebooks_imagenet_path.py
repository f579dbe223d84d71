"""Run every lesson once with an ImageNet architecture and random weights in fast mode, so the online
code path cannot silently break (nbval runs them with the shapes model)."""
from __future__ import annotations

import pytest

from helpers import course
from helpers.paths import REPO_ROOT
from helpers.timing import run_notebook


@pytest.mark.parametrize("notebook", [name for name, _ in course.LESSONS])
def test_notebook_runs_on_imagenet_architecture(notebook):
    result = run_notebook(REPO_ROOT / "notebooks" / notebook,
                          env={"CNNVIZ_MODEL": "squeezenet1_1:random", "CNNVIZ_FAST": "1"})
    assert result["seconds"] > 0 and result["peak_mb"] > 50
