"""Attribution scoring against ground truth, and the occlusion benchmark's measuring tools."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from helpers import attribution, checks
from helpers.benchmark_occlusion import forward_flops, lesson_function


def _square_masks(n=4, size=32):
    masks = torch.zeros(n, size, size, dtype=torch.bool)
    masks[:, 8:16, 8:16] = True
    return masks


def test_mass_inside_and_pointing_game_on_known_maps():
    masks = _square_masks()
    perfect = masks.float()
    uniform = torch.ones(4, 32, 32)
    outside = (~masks).float()
    assert torch.allclose(attribution.mass_inside(perfect, masks), torch.ones(4))
    assert torch.allclose(attribution.mass_inside(uniform, masks), torch.full((4,), 64 / 1024))
    assert attribution.mass_inside(outside, masks).max() == 0
    assert attribution.pointing_game(perfect, masks).mean() == 1
    far = torch.zeros(4, 32, 32)
    far[:, 30, 30] = 1
    assert attribution.pointing_game(far, masks).mean() == 0
    near = torch.zeros(4, 32, 32)
    near[:, 17, 17] = 1  # two pixels off the square: inside the default tolerance (15 px at 224 → 2 px at 32)
    assert attribution.pointing_game(near, masks).mean() == 1
    assert attribution.pointing_game(near, masks, tolerance=0).mean() == 0
    coarse = torch.zeros(4, 8, 8)
    coarse[:, 2:4, 2:4] = 1  # upsampled to the mask's size before scoring
    assert attribution.mass_inside(coarse, masks).mean() > 0.5


def test_baselines_and_shared_table(tmp_path):
    batch = attribution.evaluation_set(n=20)
    rows = attribution.baseline_rows(batch["masks"])
    assert [r["method"] for r in rows] == ["random map (baseline)", "centre bias (baseline)"]
    path = tmp_path / "scores.json"
    attribution.update_table(rows, path)
    table = attribution.update_table([attribution.score("m", batch["masks"].float(), batch["masks"], "04")], path)
    assert [r["method"] for r in table] == ["random map (baseline)", "centre bias (baseline)", "m"]
    assert table[-1]["mass_inside"] == 1.0 and table[-1]["pointing_game"] == 1.0
    uniform = torch.ones(20, 64, 64)
    again = attribution.update_table([attribution.score("m", uniform, batch["masks"], "04")], path)
    assert len(again) == 3 and json.loads(path.read_text()) == again  # replaced, not duplicated
    fig = attribution.show_table(again)
    assert len(fig.axes) == 2


def test_occlusion_function_comes_from_the_lesson_and_finds_the_evidence():
    occlusion_map = lesson_function()

    class RedDetector(nn.Module):  # class 1's score is the red in a known square
        def forward(self, x):
            red = x[:, 0, 4:8, 4:8].mean(dim=(1, 2))
            return torch.stack([torch.zeros_like(red), 4 * red], dim=1)

    x = torch.zeros(1, 3, 16, 16)
    x[:, 0, 4:8, 4:8] = 1.0
    heat = occlusion_map(RedDetector(), x, 1, patch=4, stride=2, batch_size=3)
    assert heat.shape == (16, 16)
    assert heat[4:8, 4:8].mean() > 5 * heat[10:, 10:].abs().mean()
    assert torch.allclose(heat, occlusion_map(RedDetector(), x, 1, patch=4, stride=2, batch_size=1))


def test_occlusion_windows_cover_the_last_rows_and_columns():
    """(H − patch) not a multiple of the stride: a last window flush with the edge hides the last pixels too."""
    occlusion_map, window_starts = lesson_function(), lesson_function("window_starts")
    assert window_starts(224, 15, 8)[-2:] == [208, 209] and len(window_starts(224, 15, 8)) == 28
    assert window_starts(64, 16, 4) == list(range(0, 49, 4))  # already flush: no extra window

    class Brightness(nn.Module):  # class 1's score: the mean brightness, so hiding any pixel lowers it
        def forward(self, x):
            s = x.mean(dim=(1, 2, 3))  # a logit near 1: the softmax is far from saturated
            return torch.stack([torch.zeros_like(s), s], dim=1)

    x = torch.ones(1, 3, 37, 29)  # odd sizes: (37 − 6) % 5 and (29 − 6) % 5 are both non-zero
    heat = occlusion_map(Brightness(), x, 1, patch=6, stride=5, batch_size=4)
    assert bool((heat > 0).all()), "rows or columns left unoccluded"
    for patch, stride in [(40, 5), (6, 7), (6, 0)]:  # larger than the image; a stride that leaves gaps; no stride
        with pytest.raises(ValueError, match="patch"):
            occlusion_map(Brightness(), x, 1, patch=patch, stride=stride)


def test_forward_flops_counts_convs_and_linears():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 8 * 8, 5))
    expected = 2 * (4 * 8 * 8) * 3 * 9 + 2 * 5 * 256
    assert forward_flops(model, torch.zeros(1, 3, 8, 8)) == expected


def test_segmentation_and_saliency_checks_reject_trivial_answers(shapes_bundle):
    batch = attribution.evaluation_set(n=20)
    saliency = torch.rand(20, 64, 64)
    images = batch["images"].permute(0, 2, 3, 1).numpy()
    with pytest.raises(checks.ExerciseFailed):
        checks.check_saliency_segmentation(lambda s, im: np.ones(s.shape, bool), saliency, images, batch["masks"])
    truths = [m.numpy() for m in batch["masks"]]
    oracle = lambda s, im: truths.pop(0)  # noqa: E731 (returns the true masks in order)
    checks.check_saliency_segmentation(oracle, saliency, images, batch["masks"])
    with pytest.raises(checks.ExerciseFailed):
        checks.check_saliency(lambda model, x, t: torch.zeros(len(x), 64, 64), shapes_bundle)


def test_centred_disc_baseline_has_the_mean_object_area():
    masks = attribution.evaluation_set(n=30)["masks"].numpy()
    disc = attribution.centred_disc(masks)
    assert disc.shape == masks.shape[1:] and disc[32, 32] and not disc[0, 0]
    assert abs(disc.mean() - masks.mean()) < 0.01
