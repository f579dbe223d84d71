"""Lessons 11–12: every exercise check accepts a right answer and rejects a plausible wrong one."""
from __future__ import annotations

import pytest

from helpers import checks


def _gram(f):
    flat = f.reshape(f.shape[0], -1)
    return flat @ flat.T


def _texture_loss(gram, per_position=True, quarter=True):
    def loss(features, targets, weights):
        total = 0.0
        for layer, f in features.items():
            n, m = f.shape[1], f.shape[2] * f.shape[3]
            g = gram(f[0]) / (m if per_position else 1)
            total = total + weights[layer] * ((g - targets[layer]) ** 2).sum() / ((4 if quarter else 1) * n * n)
        return total
    return loss


def _tv(x, weight, power=2):
    return weight * ((x[..., 1:, :] - x[..., :-1, :]).abs() ** power).sum() + weight * (
        (x[..., 1:] - x[..., :-1]).abs() ** power).sum()


CASES = {
    "gram_matrix": (checks.check_gram_matrix, _gram,
                    lambda f: f.reshape(-1, f.shape[0]).T @ f.reshape(-1, f.shape[0])),  # scrambles channels
    "gram_matrix_transposed": (checks.check_gram_matrix, _gram,
                               lambda f: f.reshape(f.shape[0], -1).T @ f.reshape(f.shape[0], -1)),  # HW×HW
    "texture_loss": (checks.check_texture_loss, _texture_loss(_gram), _texture_loss(_gram, quarter=False)),
    "texture_loss_unnormalized": (checks.check_texture_loss, _texture_loss(_gram),
                                  _texture_loss(_gram, per_position=False)),  # raw Gram against a per-position one
    "texture_loss_detached": (checks.check_texture_loss, _texture_loss(_gram),
                              lambda *a: _texture_loss(_gram)(*a).detach()),
    "content_loss": (checks.check_content_loss, lambda f, p, w: w * ((f - p) ** 2).sum(),
                     lambda f, p, w: w * ((f - p) ** 2).mean()),
    "total_variation": (checks.check_total_variation, _tv, lambda x, w: _tv(x, w, power=1)),
    "total_variation_one_way": (checks.check_total_variation, _tv,
                                lambda x, w: w * ((x[..., 1:] - x[..., :-1]) ** 2).sum()),
    "mix_grams": (checks.check_mix_grams,
                  lambda targets, mix: {k: sum(m * t[k] for m, t in zip(mix, targets)) / sum(mix) for k in targets[0]},
                  lambda targets, mix: {k: sum(m * t[k] for m, t in zip(mix, targets)) for k in targets[0]}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_accepts_right_and_rejects_wrong(name, right_and_wrong):
    run, right, wrong = CASES[name]
    right_and_wrong(run, right, [wrong])


def test_stub_gives_a_clear_message():
    def stub(*args):
        raise NotImplementedError("Exercise: write gram_matrix()")
    with pytest.raises(checks.ExerciseFailed, match="gram_matrix"):
        checks.check_gram_matrix(stub)
