"""Lesson 13's exercise checks accept right answers and reject plausible wrong ones."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from helpers import checks


def _instance_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
    return gamma.view(1, -1, 1, 1) * (x - mean) / torch.sqrt(var + eps) + beta.view(1, -1, 1, 1)


def _batch_norm(x, gamma, beta, eps=1e-5):  # statistics over the batch too: the classic mistake
    return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)


def _unbiased(x, gamma, beta, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = torch.sqrt(x.var(dim=(2, 3), keepdim=True) + eps)  # unbiased variance: not what instance norm uses
    return gamma.view(1, -1, 1, 1) * (x - mean) / std + beta.view(1, -1, 1, 1)


def _cin(x, style_weights, gammas, betas, eps=1e-5):
    gamma, beta = style_weights @ gammas, style_weights @ betas
    return _instance_norm(x, torch.ones(x.shape[1]), torch.zeros(x.shape[1]), eps) * gamma[:, :, None, None] \
        + beta[:, :, None, None]


def _cin_first_row_only(x, style_weights, gammas, betas, eps=1e-5):  # ignores per-image weights
    return _cin(x, style_weights[:1].expand_as(style_weights), gammas, betas, eps)


def _cin_mixing_outputs(x, style_weights, gammas, betas, eps=1e-5):  # mixes outputs of the hard styles... by argmax
    hard = torch.nn.functional.one_hot(style_weights.argmax(1), style_weights.shape[1]).float()
    return _cin(x, hard, gammas, betas, eps)


def test_instance_norm_check_accepts_right_answer(capsys):
    checks.check_instance_norm(_instance_norm)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [_batch_norm, _unbiased])
def test_instance_norm_check_rejects_wrong_answers(wrong):
    with pytest.raises(checks.ExerciseFailed):
        checks.check_instance_norm(wrong)


def test_conditional_instance_norm_check(capsys):
    checks.check_conditional_instance_norm(_cin)
    assert "✅" in capsys.readouterr().out
    for wrong in (_cin_first_row_only, _cin_mixing_outputs):
        with pytest.raises(checks.ExerciseFailed):
            checks.check_conditional_instance_norm(wrong)


def test_stubs_give_a_clear_message():
    def stub(*args):
        raise NotImplementedError("Exercise: write instance_norm()")
    for check in (checks.check_instance_norm, checks.check_conditional_instance_norm):
        with pytest.raises(checks.ExerciseFailed, match="Exercise"):
            check(stub)
