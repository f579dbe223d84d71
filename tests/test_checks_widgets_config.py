"""Exercise checks, the live widget helper and notebook set-up."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import helpers  # noqa: E402
from helpers import checks, config  # noqa: E402


def test_verdict_prints_or_raises(capsys):
    checks.verdict(True, "IoU 0.91", "≥ 0.5")
    assert "✅" in capsys.readouterr().out
    with pytest.raises(checks.ExerciseFailed, match="IoU 0.12.*Hint: threshold"):
        checks.verdict(False, "IoU 0.12", "≥ 0.5", "threshold at the mean")


def test_stub_gives_friendly_message():
    def stub(*args):
        raise NotImplementedError("Exercise: write f()")
    with pytest.raises(checks.ExerciseFailed, match="not done|Exercise: write f"):
        checks.run_student(stub)


def test_live_draws_with_defaults_and_on_change(monkeypatch):
    monkeypatch.delenv("CNNVIZ_HEADLESS", raising=False)
    calls = []
    slider = widgets.IntSlider(value=3, min=0, max=5)
    box = helpers.live(lambda n: calls.append(n), n=slider)
    assert calls == [3], "the default state must be drawn without interaction"
    assert slider.continuous_update is False
    slider.value = 4
    assert calls == [3, 4] and isinstance(box, widgets.VBox)


def test_live_headless_draws_the_default_figure_only(monkeypatch):
    monkeypatch.setenv("CNNVIZ_HEADLESS", "1")
    calls = []
    slider = widgets.IntSlider(value=2, min=0, max=5)
    assert helpers.live(lambda n: calls.append(n), n=slider) is None
    slider.value = 5
    assert calls == [2], "headless: one default drawing, no slider wiring"


def test_setup_and_seeds(monkeypatch, capsys):
    env = helpers.setup(seed=1)
    assert not env.too_old and env.running_on in ("local", "binder", "colab")
    assert "Packages:" in capsys.readouterr().out
    helpers.seed_everything(1)
    b = torch.rand(3), np.random.rand(3)
    helpers.seed_everything(1)
    assert torch.equal(torch.rand(3), b[0]) and np.array_equal(np.random.rand(3), b[1])
    monkeypatch.setenv("CNNVIZ_FAST", "1")
    assert helpers.fast_mode()
    monkeypatch.setenv("BINDER_SERVICE_HOST", "x")
    assert config.where_running() == "binder"
    assert config._version_tuple("2.1.0+cu118") == (2, 1, 0) and config._version_tuple("7.7.5") >= (7, 7)


def test_no_check_name_is_defined_by_two_lesson_modules():
    """helpers.checks re-exports every module's check_* by name: a second definition would silently win."""
    from helpers.checks import _LESSON_MODULES
    owners = {}
    for module in _LESSON_MODULES:
        for name in dir(module):
            if name.startswith("check_") and getattr(module, name).__module__ == module.__name__:
                owners.setdefault(name, []).append(module.__name__)
    assert {name: mods for name, mods in owners.items() if len(mods) > 1} == {}
    assert all(getattr(checks, name).__module__ == mods[0] for name, mods in owners.items())


def test_live_shows_the_figure_status_and_errors(monkeypatch):
    monkeypatch.delenv("CNNVIZ_HEADLESS", raising=False)
    import matplotlib.pyplot as plt

    def draw(n):
        plt.plot(range(n))
        plt.show()  # a draw function may call show: the figure is still captured into the widget
        if n == 5:
            raise ValueError("n too large")

    slider = widgets.IntSlider(value=3, min=0, max=5)
    box = helpers.live(draw, n=slider)
    row, output = box.children
    status = row.children[-1]
    assert "cnnviz-live" in box._dom_classes and slider.style.description_width == "initial"
    assert [o["output_type"] for o in output.outputs] == ["display_data"]
    assert "image/png" in output.outputs[0]["data"] and status.value.startswith("drawn in")
    slider.value = 5
    assert "n too large" in output.outputs[-1]["text"] and "failed" in status.value


def test_live_coalesces_changes_that_arrive_while_drawing(monkeypatch):
    """In a kernel, several quick changes (a dragged slider) give one redraw with the latest value."""
    import asyncio
    monkeypatch.delenv("CNNVIZ_HEADLESS", raising=False)
    calls = []
    slider = widgets.IntSlider(value=0, min=0, max=10)
    box = helpers.live(lambda n: calls.append(n), n=slider)

    async def drag():
        for value in (1, 2, 3, 4):
            slider.value = value
        assert box.children[0].children[-1].value.startswith("⏳")  # busy as soon as the first change arrives
        await asyncio.sleep(0.2)

    asyncio.run(drag())
    assert calls == [0, 4]
