"""Lesson 08: every exercise check accepts the right answer and names each plausible wrong one (CHECK_CASES, run by
test_checks_catch_mistakes.py), and a stub gets the one-line "not written yet" treatment."""
from __future__ import annotations


import pytest
import torch
import torch.nn.functional as F

from checkcases import Case, shapes_bundle, with_shapes
from helpers import checks






# ---------------------------------------------------------------------------------------------------------- fgsm

def fgsm(f, images, labels, eps, targeted=False, mistake=None):
    """The lesson's solution; `mistake` makes one of the typical wrong versions."""
    x = images.detach().clone().requires_grad_(True)
    scores = f(x)
    loss = {
        "logit": lambda: F.nll_loss(scores, labels, reduction="sum"),  # nll_loss of raw scores: minus the logit
        "probabilities": lambda: F.cross_entropy(scores.softmax(1), labels, reduction="sum"),
        "mean": lambda: F.cross_entropy(scores, labels),  # the mean: the same signs, so right too
    }.get(mistake, lambda: F.cross_entropy(scores, labels, reduction="sum"))()
    gradient, = torch.autograd.grad(loss, x)
    direction = gradient / gradient.abs().amax() if mistake == "gradient" else gradient.sign()
    if mistake == "towards the label":
        direction = -direction
    down = targeted and mistake != "targeted ignored"
    out = images.detach() + (-eps if down else eps) * direction
    return out if mistake == "no clamp" else out.clamp(0, 1)


def fgsm_mistake(mistake):
    return lambda f, images, labels, eps, targeted=False: fgsm(f, images, labels, eps, targeted, mistake)


# ---------------------------------------------------------------------------------------------------- projection

def project(x_adv, x, eps):
    return torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0, 1)


def project_no_clamp(x_adv, x, eps):
    return torch.min(torch.max(x_adv, x - eps), x + eps)


def project_around_zero(x_adv, x, eps):
    return x_adv.clamp(-eps, eps).clamp(0, 1)


def project_l2(x_adv, x, eps):  # the L2 ball is not the L∞ ball
    delta = x_adv - x
    norms = delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    return (x + delta * (eps / norms).clamp(max=1)).clamp(0, 1)


def project_rescaled(x_adv, x, eps):  # the whole perturbation shrunk until its largest pixel is ε
    delta = x_adv - x
    largest = delta.flatten(1).abs().amax(dim=1).view(-1, 1, 1, 1)
    return (x + delta * (eps / largest).clamp(max=1)).clamp(0, 1)


def project_to_the_faces(x_adv, x, eps):
    return (x + eps * (x_adv - x).sign()).clamp(0, 1)


def project_clamp_first(x_adv, x, eps):  # [0, 1] first, then the ball: the same point (the box contains x), right
    return torch.clamp(x_adv.clamp(0, 1), x - eps, x + eps)


CHECK_CASES = {
    "check_fgsm": Case(fgsm, {
        "you stepped towards it": fgsm_mistake("towards the label"),
        "clamp the result to [0, 1]": fgsm_mistake("no clamp"),
        "not along the gradient itself": fgsm_mistake("gradient"),
        "with targeted=True, step down the loss": fgsm_mistake("targeted ignored"),
        "not of the label's raw score": fgsm_mistake("logit"),
        "you passed it probabilities": fgsm_mistake("probabilities"),
    }, arguments=with_shapes),
    "check_projection": Case(project, {
        "then clamp to [0, 1]": project_no_clamp,
        "not to [−ε, ε]": project_around_zero,
        "you projected onto the L2 ball": project_l2,
        "rescaling the whole perturbation": project_rescaled,
        "pixels already inside the ball must stay": project_to_the_faces,
    }),
}


def test_other_right_answers_pass(capsys):
    checks.check_fgsm(fgsm_mistake("mean"), shapes_bundle())
    checks.check_projection(project_clamp_first)
    checks.check_projection(lambda x_adv, x, eps: (x + (x_adv - x).clamp(-eps, eps)).clamp(0, 1))
    assert capsys.readouterr().out.count("✅") == 3


def test_fgsm_check_explains_the_stub():
    def stub(f, images, labels, eps, targeted=False):
        raise NotImplementedError("Exercise: write fgsm()")
    with pytest.raises(checks.ExerciseNotDone, match="Exercise: write fgsm"):
        checks.check_fgsm(stub, shapes_bundle())


def test_projection_check_explains_the_stub():
    def stub(x_adv, x, eps):
        raise NotImplementedError("Exercise: write project()")
    with pytest.raises(checks.ExerciseNotDone, match="Exercise: write project"):
        checks.check_projection(stub)
