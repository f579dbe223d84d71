"""Lesson 13: the instance-norm checks accept the right answers and name each plausible wrong one (CHECK_CASES, run by
test_checks_catch_mistakes.py); a stub is reported as not done."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from checkcases import Case
from helpers import checks


def instance_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
    return gamma.view(1, -1, 1, 1) * (x - mean) / torch.sqrt(var + eps) + beta.view(1, -1, 1, 1)


def batch_statistics(x, gamma, beta, eps=1e-5):  # statistics over the batch too: batch norm
    return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)


def unbiased(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = torch.sqrt(x.var(dim=(2, 3), keepdim=True) + eps)
    return gamma.view(1, -1, 1, 1) * (x - mean) / std + beta.view(1, -1, 1, 1)


def over_channels(x, gamma, beta, eps=1e-5):  # layer norm
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    var = x.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
    return gamma.view(1, -1, 1, 1) * (x - mean) / torch.sqrt(var + eps) + beta.view(1, -1, 1, 1)


def eps_outside(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = x.var(dim=(2, 3), keepdim=True, unbiased=False).sqrt()
    return gamma.view(1, -1, 1, 1) * (x - mean) / (std + eps) + beta.view(1, -1, 1, 1)


def swapped(x, gamma, beta, eps=1e-5):
    return instance_norm(x, beta, gamma, eps)


def in_place(x, gamma, beta, eps=1e-5):
    x -= x.mean(dim=(2, 3), keepdim=True)
    x /= torch.sqrt(x.var(dim=(2, 3), keepdim=True, unbiased=False) + eps)
    return gamma.view(1, -1, 1, 1) * x + beta.view(1, -1, 1, 1)


def cin(x, style_weights, gammas, betas, eps=1e-5, norm=instance_norm):
    gamma, beta = style_weights @ gammas, style_weights @ betas
    c = x.shape[1]
    return norm(x, torch.ones(c), torch.zeros(c), eps) * gamma[:, :, None, None] + beta[:, :, None, None]


def cin_first_row_only(x, style_weights, gammas, betas, eps=1e-5):  # ignores per-image weights
    return cin(x, style_weights[:1].expand_as(style_weights), gammas, betas, eps)


def cin_strongest_style(x, style_weights, gammas, betas, eps=1e-5):  # picks one style instead of mixing
    hard = F.one_hot(style_weights.argmax(1), style_weights.shape[1]).float()
    return cin(x, hard, gammas, betas, eps)


def cin_swapped(x, style_weights, gammas, betas, eps=1e-5):
    return cin(x, style_weights, betas, gammas, eps)


def cin_batch_statistics(x, style_weights, gammas, betas, eps=1e-5):
    return cin(x, style_weights, gammas, betas, eps, norm=batch_statistics)


def cin_unbiased(x, style_weights, gammas, betas, eps=1e-5):
    return cin(x, style_weights, gammas, betas, eps, norm=unbiased)


CHECK_CASES = {
    "check_instance_norm": Case(instance_norm, {
        "not over the batch": batch_statistics,
        "biased variance": unbiased,
        "not over the channels": over_channels,
        "eps inside the square root": eps_outside,
        "gamma scales and beta shifts": swapped,
        "in place": in_place,
    }),
    "check_conditional_instance_norm": Case(cin, {
        "its own row of style_weights": cin_first_row_only,
        "interpolate the styles' parameters": cin_strongest_style,
        "gamma scales and beta shifts": cin_swapped,
        "not over the batch": cin_batch_statistics,
        "biased variance": cin_unbiased,
    }),
}


def test_stubs_are_reported_not_done():
    def stub(*args):
        raise NotImplementedError("Exercise: write instance_norm()")
    for check in (checks.check_instance_norm, checks.check_conditional_instance_norm):
        with pytest.raises(checks.ExerciseNotDone, match="Exercise"):
            check(stub)
