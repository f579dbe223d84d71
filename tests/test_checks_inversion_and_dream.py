"""Lessons 09–10: every exercise check accepts a right answer and rejects a plausible wrong one."""
from __future__ import annotations

import pytest

import helpers
from helpers import checks


@pytest.fixture(scope="module")
def shapes():
    bundle = helpers.load_model("shapes", device="cpu", env_override=False)
    for p in bundle.model.parameters():
        p.requires_grad_(False)
    return bundle


def _tv(x, beta):
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    return (dx ** 2 + dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3))


def _tv_anisotropic(x, beta):  # |dx|^β + |dy|^β: equal to R_{V^β} only for β = 2
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    return (dx.abs().pow(beta) + dy.abs().pow(beta)).sum(dim=(1, 2, 3))


def _dream_step(bundle, x, layer, step_size, normalize=True, sign=1.0):
    x = x.detach().clone().requires_grad_(True)
    a = helpers.features_at(bundle.model, bundle.normalize(x), layer)[layer]
    a.backward(a)
    g = x.grad / x.grad.abs().mean() if normalize else x.grad
    return (x + sign * step_size * g).detach()


def _octaves(h, w, octaves, scale):
    return [(round(h / scale ** k), round(w / scale ** k)) for k in reversed(range(octaves))]


CASES = {
    "total_variation": (lambda f, bundle: checks.check_total_variation_beta(f), _tv, _tv_anisotropic),
    "total_variation_without_half_power": (
        lambda f, bundle: checks.check_total_variation_beta(f), _tv, lambda x, beta: _tv(x, 2 * beta)),
    "relative_feature_error": (
        lambda f, bundle: checks.check_relative_feature_error(f, bundle),
        lambda phi, phi0: (phi - phi0).pow(2).flatten(1).sum(1) / phi0.pow(2).flatten(1).sum(1),
        lambda phi, phi0: (phi - phi0).pow(2).flatten(1).sum(1) / phi.pow(2).flatten(1).sum(1).clamp(min=1e-12)),
    "relative_feature_error_mean": (
        lambda f, bundle: checks.check_relative_feature_error(f, bundle),
        lambda phi, phi0: (phi - phi0).pow(2).flatten(1).sum(1) / phi0.pow(2).flatten(1).sum(1),
        lambda phi, phi0: (phi - phi0).pow(2).flatten(1).mean(1) / phi0.pow(2).flatten(1).mean(1).mean()),
    "dream_step_unnormalized": (
        lambda f, bundle: checks.check_dream_step(f, bundle),
        _dream_step, lambda b, x, layer, s: _dream_step(b, x, layer, s, normalize=False)),
    "dream_step_descends": (
        lambda f, bundle: checks.check_dream_step(f, bundle),
        _dream_step, lambda b, x, layer, s: _dream_step(b, x, layer, s, sign=-1.0)),
    "octave_sizes": (lambda f, bundle: checks.check_octave_sizes(f), _octaves,
                     lambda h, w, o, s: _octaves(h, w, o, s)[::-1]),  # largest first
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_accepts_right_and_rejects_wrong(name, shapes, right_and_wrong):
    run, right, wrong = CASES[name]
    right_and_wrong(run, right, [wrong], shapes)


def test_stubs_get_a_friendly_message(shapes):
    def stub(*args):
        raise NotImplementedError("Exercise: write f()")
    for run, _, _ in CASES.values():
        with pytest.raises(checks.ExerciseFailed, match="Exercise: write f"):
            run(stub, shapes)
