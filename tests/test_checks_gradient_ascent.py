"""Lesson 07's exercise checks accept a right answer and reject a plausible wrong one."""
from __future__ import annotations

import pytest
import torch

from helpers import checks


def _objective(scores, images, targets, l2):
    return scores[torch.arange(len(targets)), targets] - l2 * images.pow(2).sum(dim=(1, 2, 3))


def _objective_softmax(scores, images, targets, l2):  # probability instead of the raw score
    return torch.softmax(scores, 1)[torch.arange(len(targets)), targets] - l2 * images.pow(2).sum(dim=(1, 2, 3))


def _clip(images, grads, percent, per_channel=False, by_value=False):
    if by_value:
        contribution = images.norm(dim=1, keepdim=True)
    elif per_channel:
        contribution = (images * grads).abs()
    else:
        contribution = (images * grads).sum(dim=1, keepdim=True).abs()
    threshold = torch.quantile(contribution.flatten(2), percent / 100, dim=2)[..., None, None]
    return images.masked_fill(contribution < threshold, 0.0)


def _energy(images, cutoff, power=2):
    x = images - images.mean(dim=(-2, -1), keepdim=True)
    spectrum = torch.fft.fft2(x).abs() ** power
    fy = torch.fft.fftfreq(x.shape[-2]).view(-1, 1)
    fx = torch.fft.fftfreq(x.shape[-1]).view(1, -1)
    high = (fx ** 2 + fy ** 2).sqrt() > cutoff
    return (spectrum * high).sum(dim=(1, 2, 3)) / spectrum.sum(dim=(1, 2, 3)).clamp(min=1e-12)


def _energy_with_mean(images, cutoff):  # forgets to remove the mean: the DC term counts as low frequency
    spectrum = torch.fft.fft2(images).abs() ** 2
    fy = torch.fft.fftfreq(images.shape[-2]).view(-1, 1)
    fx = torch.fft.fftfreq(images.shape[-1]).view(1, -1)
    high = (fx ** 2 + fy ** 2).sqrt() > cutoff
    return (spectrum * high).sum(dim=(1, 2, 3)) / spectrum.sum(dim=(1, 2, 3)).clamp(min=1e-12)


CASES = {
    "class_objective": (lambda f: checks.check_class_objective(f, _shapes()), _objective, _objective_softmax),
    "clip_small_contribution": (checks.check_clip_small_contribution, _clip,
                                lambda i, g, p: _clip(i, g, p, by_value=True)),
    "clip_small_contribution_per_channel": (checks.check_clip_small_contribution, _clip,
                                            lambda i, g, p: _clip(i, g, p, per_channel=True)),
    "high_frequency_energy": (checks.check_high_frequency_energy, _energy, _energy_with_mean),
    "high_frequency_amplitude": (checks.check_high_frequency_energy, _energy,
                                 lambda images, cutoff: _energy(images, cutoff, power=1)),
}

_BUNDLE = {}


def _shapes():
    if "shapes" not in _BUNDLE:
        import helpers
        bundle = helpers.load_model("shapes", device="cpu", env_override=False)
        for p in bundle.model.parameters():
            p.requires_grad_(False)
        _BUNDLE["shapes"] = bundle
    return _BUNDLE["shapes"]


@pytest.mark.parametrize("name", list(CASES))
def test_check_accepts_right_and_rejects_wrong(name, right_and_wrong):
    run, right, wrong = CASES[name]
    right_and_wrong(run, right, [wrong])


def test_class_objective_rejects_a_descending_objective():
    """A sign error that still matches nothing else: the check must notice the ascent going the wrong way."""
    with pytest.raises(checks.ExerciseFailed):
        checks.check_class_objective(lambda s, i, t, l2: -_objective(s, i, t, l2), _shapes())
