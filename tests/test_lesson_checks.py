"""Every lesson's exercise check accepts a right answer and rejects a plausible wrong one."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers import checks


def _field(layers):
    r, j, c, sizes, jumps, centres = 1.0, 1.0, 0.5, [], [], []
    for k, s, p, d in layers:
        c, r, j = c + ((k - 1) * d / 2 - p) * j, r + (k - 1) * d * j, j * s
        sizes.append(r), jumps.append(j), centres.append(c)
    return sizes, jumps, centres


def _field_without_dilation(layers):
    return _field([(k, s, p, 1) for k, s, p, _ in layers])


def _pearson(units, factor):
    u, f = units - units.mean(0), factor - factor.mean()
    scale = u.pow(2).mean(0).sqrt() * f.pow(2).mean().sqrt()
    return torch.where(scale > 0, (u * f[:, None]).mean(0) / scale.clamp(min=1e-12), torch.zeros(u.shape[1]))


def _spearman(a, b):
    ra, rb = a.flatten().argsort().argsort().double(), b.flatten().argsort().argsort().double()
    return float(torch.corrcoef(torch.stack([ra, rb]))[0, 1])


def _response(image, weight, bias, row, col, padding):
    k = weight.shape[-1]
    return float((F.pad(image, [padding] * 4)[:, row:row + k, col:col + k] * weight).sum() + bias)


def _relu_rules(g, x, rule):
    return {"gradient": g * (x > 0), "deconvnet": g.clamp(min=0), "guided": g.clamp(min=0) * (x > 0)}[rule]


CASES = {
    "normalize_filters": (
        lambda f: checks.check_normalize_filters(f, torch.randn(4, 3, 5, 5)),
        lambda w: (w - w.amin((1, 2, 3), keepdim=True))
        / (w.amax((1, 2, 3), keepdim=True) - w.amin((1, 2, 3), keepdim=True)),
        lambda w: (w - w.min()) / (w.max() - w.min())),  # one scale for all filters
    "filter_response": (
        lambda f: checks.check_filter_response(f, torch.nn.Conv2d(3, 4, 5, padding=2)),
        _response,
        lambda image, weight, bias, row, col, padding: _response(image, weight, 0.0, row, col, padding)),  # no bias
    "receptive_field": (checks.check_receptive_field, _field, _field_without_dilation),
    "unit_box": (
        lambda f: checks.check_unit_box(f, _field),
        lambda row, col, size, jump, centre: (centre + col * jump - size / 2, centre + row * jump - size / 2,
                                              centre + col * jump + size / 2, centre + row * jump + size / 2),
        lambda row, col, size, jump, centre: (centre + row * jump - size / 2, centre + col * jump - size / 2,
                                              centre + row * jump + size / 2, centre + col * jump + size / 2)),
    "nearest_neighbours": (
        checks.check_nearest_neighbours,
        lambda q, bank, k: torch.cdist(q, bank).topk(k, largest=False).indices,
        lambda q, bank, k: (q @ bank.T).topk(k).indices),  # dot product is not distance
    "unit_correlation": (checks.check_unit_correlation, _pearson,
                         lambda units, factor: (units * factor[:, None]).mean(0)),
    "relu_backward": (checks.check_relu_backward, _relu_rules, lambda g, x, rule: g * (x > 0)),
    "rank_correlation": (checks.check_rank_correlation, _spearman,
                         lambda a, b: float(torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_accepts_right_and_rejects_wrong(name, right_and_wrong):
    run, right, wrong = CASES[name]
    right_and_wrong(run, right, [wrong])


def test_stubs_get_a_friendly_message():
    def stub(*args):
        raise NotImplementedError("Exercise: write f()")
    for run, _, _ in CASES.values():
        with pytest.raises(checks.ExerciseFailed, match="Exercise: write f"):
            run(stub)
