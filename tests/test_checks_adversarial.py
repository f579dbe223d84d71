"""Lesson 08's exercise checks accept a right answer and reject plausible wrong ones."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers import checks


def _fgsm(sign=True, clamp=True, flip_targeted=True):
    def fgsm(f, images, labels, eps, targeted=False):
        x = images.clone().requires_grad_(True)
        gradient, = torch.autograd.grad(F.cross_entropy(f(x), labels), x)
        step = eps * (gradient.sign() if sign else gradient / gradient.abs().amax())
        out = images - step if (targeted and flip_targeted) else images + step
        return out.clamp(0, 1) if clamp else out
    return fgsm


def _project(x_adv, x, eps):
    return torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0, 1)


def _project_l2(x_adv, x, eps):  # the L2 ball is not the L∞ ball
    delta = x_adv - x
    norms = delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    return (x + delta * (eps / norms).clamp(max=1)).clamp(0, 1)


CASES = {
    "fgsm": (lambda f, bundle: checks.check_fgsm(f, bundle), _fgsm(),
             [_fgsm(sign=False), _fgsm(clamp=False), _fgsm(flip_targeted=False)]),
    "projection": (lambda f, bundle: checks.check_projection(f), _project,
                   [_project_l2, lambda x_adv, x, eps: torch.min(torch.max(x_adv, x - eps), x + eps)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_check_accepts_right_and_rejects_wrong(name, shapes_bundle, right_and_wrong):
    run, right, wrongs = CASES[name]
    right_and_wrong(run, right, wrongs, shapes_bundle)


def test_fgsm_check_explains_the_stub(shapes_bundle):
    def stub(f, images, labels, eps, targeted=False):
        raise NotImplementedError("Exercise: write fgsm()")
    with pytest.raises(checks.ExerciseFailed, match="not done|Exercise"):
        checks.check_fgsm(stub, shapes_bundle)
