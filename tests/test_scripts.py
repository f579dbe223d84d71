"""The project's commands: training the shapes model and prefetching weights."""
from __future__ import annotations

import json

import torch

from helpers import prefetch
from helpers.shapes_model import load_shapes_model
from helpers.train_shapes import train


def test_training_script_writes_loadable_weights_and_card(tmp_path):
    card = train(samples=256, seed=3, batch_size=64, lr=2e-3, threads=1, workers=0, curriculum=0.3,
                 out_dir=tmp_path)
    saved = json.loads((tmp_path / "shapes_cnn.json").read_text())
    assert saved == card and saved["seed"] == 3 and saved["train_samples"] == 256
    assert 0 <= saved["test_accuracy"] <= 1
    model, loaded_card = load_shapes_model(tmp_path / "shapes_cnn.pt")
    assert loaded_card == card and not model.training
    assert model(torch.rand(2, 3, 64, 64)).shape == (2, 10)


def test_missing_weights_say_how_to_get_them(tmp_path):
    try:
        load_shapes_model(tmp_path / "none.pt")
    except FileNotFoundError as error:
        assert "helpers.train_shapes" in str(error)
    else:
        raise AssertionError("expected FileNotFoundError")


def test_prefetch_offline_fails_cleanly(no_network, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert prefetch.main(["squeezenet1_1"]) == 1
    assert "Download failed" in capsys.readouterr().err


def test_side_by_side_runs_keep_order_and_report_each_failure(tmp_path):
    """Two kernels at a time, one PyTorch thread each; a failing notebook is reported as its own error."""
    import nbformat

    from helpers.timing import run_side_by_side
    paths = []
    for name, source in [("ok", "import torch\nprint(torch.get_num_threads())"), ("bad", "1 / 0")]:
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
        paths.append(path)
    ok, bad = run_side_by_side([(path, {}) for path in paths])
    assert ok["notebook"] == "ok.ipynb" and ok["seconds"] > 0 and "error" not in ok
    assert bad["notebook"] == "bad.ipynb" and "ZeroDivisionError" in bad["error"] and "\x1b[" not in bad["error"]


def test_a_kernel_that_dies_before_its_first_cell_is_started_again(monkeypatch, tmp_path):
    """Two kernels starting at once can draw the same port; that start is retried, a failing cell is not."""
    import nbclient
    import nbformat

    from helpers import timing
    path = tmp_path / "one.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    starts = []

    class FlakyClient:
        def __init__(self, nb, **kwargs):
            self.nb = nb

        def execute(self):
            starts.append(len(starts))
            if len(starts) == 1:
                raise RuntimeError("Kernel died before replying to kernel_info")
            self.nb.cells[0].execution_count = 1
            if fail_in_cell:
                raise ZeroDivisionError("a cell failed")

    monkeypatch.setattr(timing.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(nbclient, "NotebookClient", FlakyClient)
    fail_in_cell = False
    nb, seconds = timing._execute(path, timeout=10)
    assert len(starts) == 2 and nb.cells[0].execution_count == 1 and seconds >= 0
    starts.clear()
    fail_in_cell = True
    try:
        timing._execute(path, timeout=10)
    except ZeroDivisionError:
        assert len(starts) == 2  # the failed start, then the failing cell: not run a third time
    else:
        raise AssertionError("expected the cell's error")
