"""Lesson 14: the Integrated Gradients and deletion-curve checks accept the right answer and name each plausible
wrong one (CHECK_CASES, run by test_checks_catch_mistakes.py); a stub gets the one-line "not written yet" notice;
and the right Integrated Gradients is complete (its attributions add up to F(x) − F(x'))."""
from __future__ import annotations

import pytest
import torch

from checkcases import Case, shapes_bundle, with_shapes
from helpers import checks


def _scores(model, x, target, probability=False):
    s = model(x)
    s = s.softmax(1) if probability else s
    return s.gather(1, target.view(-1, 1))[:, 0]


def _ig(alphas, times_difference=True, mean=True, probability=False):
    """Integrated gradients at the path points `alphas(steps)`, with switches for the usual mistakes."""
    def integrated_gradients(model, x, target, baseline, steps):
        total = torch.zeros_like(x)
        points = alphas(steps)
        for alpha in points:
            p = (baseline + alpha * (x - baseline)).detach().requires_grad_(True)
            g, = torch.autograd.grad(_scores(model, p, target, probability).sum(), p)
            total += g
        total = total / len(points) if mean else total
        return (x - baseline) * total if times_difference else total
    return integrated_gradients


integrated_gradients = _ig(lambda m: [(k + 0.5) / m for k in range(m)])


def deletion_curve(model, x, target, heat, fill, fractions, descending=True, probability=True, shared=False,
                   zeros=False, transposed=False):
    n, _, h, w = x.shape
    order = heat.flatten(1).argsort(dim=1, descending=descending)
    if shared:
        order = order[:1].expand(n, -1)
    rank = order.argsort(dim=1).view(n, 1, h, w)
    out = []
    for f in fractions:
        removed = rank < round(float(f) * h * w)
        with torch.no_grad():
            s = model(torch.where(removed, torch.zeros_like(fill) if zeros else fill, x))
        out.append((s.softmax(1) if probability else s).gather(1, target.view(-1, 1))[:, 0])
    curves = torch.stack(out, dim=1)
    return curves.T if transposed else curves


CHECK_CASES = {
    "check_integrated_gradients": Case(integrated_gradients, {
        "gradient × input": _ig(lambda m: [1.0]),
        "multiply the averaged gradient by (x − baseline)": _ig(lambda m: [(k + 0.5) / m for k in range(m)],
                                                                times_difference=False),
        "their mean, not their sum": _ig(lambda m: [(k + 0.5) / m for k in range(m)], mean=False),
        "torch.linspace(0, 1, steps)": _ig(lambda m: torch.linspace(0, 1, m).tolist()),
        "the raw score (the logit), not the probability": _ig(lambda m: [(k + 0.5) / m for k in range(m)],
                                                              probability=True),
        "do not sum over colours": lambda *a: integrated_gradients(*a).sum(dim=1),
    }, with_shapes),
    "check_deletion_curve": Case(deletion_curve, {
        "descending order": lambda *a: deletion_curve(*a, descending=False),
        "not the raw score": lambda *a: deletion_curve(*a, probability=False),
        "fill's pixels, not by zeros": lambda *a: deletion_curve(*a, zeros=True),
        "the first image's ranking": lambda *a: deletion_curve(*a, shared=True),
        "N×F, not F×N": lambda *a: deletion_curve(*a, transposed=True),
        "including the fraction 0": lambda *a: deletion_curve(*a)[:, 1:],
    }, with_shapes),
}


@pytest.mark.parametrize("check_name", sorted(CHECK_CASES))
def test_stub_is_reported_not_done(check_name):
    def never_written(*args, **kwargs):
        raise NotImplementedError("Exercise: write never_written()")
    with pytest.raises(checks.ExerciseNotDone, match="never_written"):
        getattr(checks, check_name)(never_written, *CHECK_CASES[check_name].arguments())


def test_right_integrated_gradients_is_complete():
    bundle = shapes_bundle()
    import helpers
    batch = helpers.make_batch(3, seed=5)
    x, target = bundle.normalize(batch["images"]), batch["labels"]
    baseline = bundle.normalize(torch.zeros_like(x))
    attributions = integrated_gradients(bundle.model, x, target, baseline, 64)
    with torch.no_grad():
        difference = _scores(bundle.model, x, target) - _scores(bundle.model, baseline, target)
    assert torch.allclose(attributions.sum(dim=(1, 2, 3)), difference, rtol=0.05, atol=0.05)
