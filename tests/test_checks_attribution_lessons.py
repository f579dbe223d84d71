"""Lessons 04–06: every exercise check accepts the right answer and names each plausible wrong one (CHECK_CASES,
run by test_checks_catch_mistakes.py); the relu_backward check also drives the student's rule through
helpers.relu_backward_rule, and a stub gets the one-line "not written yet" treatment."""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

from checkcases import Case, shapes_bundle, with_shapes
from helpers import attribution, checks






# ------------------------------------------------------------------------------------------------------ saliency

def saliency_map(model, x, target, mistake=None):
    """The lesson's solution; `mistake` makes one of the typical wrong versions."""
    x = x.detach().clone().requires_grad_(True)
    scores = model(x)
    t = torch.as_tensor(target)
    if mistake == "int":  # works for a tensor of targets, gathers only the first image for one int
        targets = t.view(-1, 1)
    else:
        targets = (t.expand(len(x)) if t.dim() == 0 else t).view(-1, 1)
    picked = {
        "probability": lambda: scores.softmax(1).gather(1, targets),
        "log": lambda: scores.log_softmax(1).gather(1, targets),
        "first": lambda: scores[:, targets.flatten()[0]],
        "columns": lambda: scores[:, targets.flatten()],
        "all classes": lambda: scores,
    }.get(mistake, lambda: scores.gather(1, targets))()
    picked.sum().backward()
    g = x.grad
    return {
        "no abs": lambda: g.amax(dim=1),
        "sum": lambda: g.abs().sum(dim=1),
        "mean": lambda: g.abs().mean(dim=1),
        "keepdim": lambda: g.abs().amax(dim=1, keepdim=True),
        "transposed": lambda: g.abs().amax(dim=1).transpose(1, 2),
        "times input": lambda: (g * x).abs().amax(dim=1),
    }.get(mistake, lambda: g.abs().amax(dim=1))()


def saliency_mistake(mistake):
    return lambda model, x, target: saliency_map(model, x, target, mistake)


# ------------------------------------------------------------------------------------------ saliency_to_mask

def saliency_to_mask(saliency, image, mistake=None):
    from skimage.filters import gaussian
    from skimage.segmentation import random_walker
    smooth = gaussian(saliency, sigma=1.5)
    seeds = np.zeros(saliency.shape, dtype=int)
    obj, background = (2, 1) if mistake == "swapped" else (1, 2)
    seeds[smooth >= np.quantile(smooth, 0.95)] = obj
    seeds[smooth <= np.quantile(smooth, 0.5)] = background
    if mistake == "seeds only":
        return seeds == 1
    labels = random_walker(image, seeds, beta=130, mode="bf", channel_axis=-1)
    return labels if mistake == "labels" else labels == 1


def mask_mistake(mistake):
    return lambda saliency, image: saliency_to_mask(saliency, image, mistake)


@functools.lru_cache(maxsize=1)
def _segmentation_inputs():
    batch = attribution.evaluation_set(n=24)
    bundle = shapes_bundle()
    x = bundle.normalize(batch["images"]).requires_grad_(True)
    bundle.model(x).gather(1, batch["labels"].view(-1, 1)).sum().backward()
    return x.grad.abs().amax(dim=1), batch["images"].permute(0, 2, 3, 1).numpy(), batch["masks"]


def segmentation_inputs():
    saliency, images, masks = _segmentation_inputs()
    return saliency.clone(), images.copy(), masks.clone()


# ------------------------------------------------------------------------------------------------- relu_backward

def relu_backward(grad_output, forward_input, rule, upper=float("inf"), mistake=None):
    passes = (forward_input > 0) & (forward_input < (math.inf if mistake == "cap" else upper))
    if mistake == "in place" and rule != "deconvnet":
        grad_output[~passes] = 0
        return grad_output.clamp(min=0) if rule == "guided" else grad_output
    if rule == "gradient":
        return (grad_output.clamp(min=0) if mistake == "gradient clamps" else grad_output) * passes
    if rule == "deconvnet":
        return grad_output.clamp(min=0) * passes if mistake == "deconvnet masks" else grad_output.clamp(min=0)
    if rule == "guided":
        return grad_output.clamp(min=0) * (1 if mistake == "guided unmasked" else passes)
    raise ValueError(rule)


def relu_mistake(mistake):
    return lambda grad_output, forward_input, rule, upper=float("inf"): relu_backward(
        grad_output, forward_input, rule, upper, mistake)


def relu_backward_three_arguments(grad_output, forward_input, rule):  # the lesson's old signature: no cap
    return relu_backward(grad_output, forward_input, rule)


# ---------------------------------------------------------------------------------------------- rank_correlation

def rank_correlation(a, b, mistake=None):
    def ranks(m):
        if mistake == "no flatten":
            return m.argsort(-1).argsort(-1).flatten().double()
        m = m.flatten()
        ranked = m if mistake == "values" else m.argsort() if mistake == "argsort once" else m.argsort().argsort()
        return ranked.double()
    ra, rb = ranks(a), ranks(b)
    if mistake != "no centring":
        ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / (ra.norm() * rb.norm()))


def spearman_scipy(a, b):
    from scipy.stats import spearmanr
    return spearmanr(a.flatten().numpy(), b.flatten().numpy()).statistic


def corr_mistake(mistake):
    return lambda a, b: rank_correlation(a, b, mistake)


def spearman_mixed_normalization(a, b):
    ra, rb = a.flatten().argsort().argsort().double(), b.flatten().argsort().argsort().double()
    covariance = ((ra - ra.mean()) * (rb - rb.mean())).sum() / (len(ra) - 1)
    return float(covariance / (ra.std(unbiased=False) * rb.std(unbiased=False)))


def spearman_matrix(a, b):  # scipy on 2-D maps compares their columns: a matrix, not one number
    from scipy.stats import spearmanr
    return spearmanr(a.numpy(), b.numpy()).statistic


# ----------------------------------------------------------------------------------------- class_activation_map

def class_activation_map(features, weights, c, mistake=None):
    if mistake == "weights transposed":
        return torch.einsum("k,khw->hw", weights[:, c], features)
    if mistake == "wrong class":
        return torch.einsum("k,khw->hw", weights[(c + 1) % len(weights)], features)
    if mistake == "wrong axis":
        return (weights[c].view(-1, 1, 1) * features).sum(dim=1)
    m = torch.einsum("k,khw->hw", weights[c], features)
    return {
        "relu": lambda: torch.relu(m),
        "mean": lambda: (weights[c].view(-1, 1, 1) * features).mean(0),
        "constant": lambda: torch.full_like(m, m.mean().item()),
        "transposed": lambda: m.T,
        "normalized": lambda: (m - m.min()) / (m.max() - m.min()),
        "unweighted": lambda: features.sum(0),
    }.get(mistake, lambda: m)()


def cam_mistake(mistake):
    return lambda features, weights, c: class_activation_map(features, weights, c, mistake)


# ------------------------------------------------------------------------------------------------------ grad_cam

def grad_cam(activations, gradients, mistake=None):
    alpha = {"sum": lambda: gradients.sum(dim=(1, 2)), "abs": lambda: gradients.abs().mean(dim=(1, 2)),
             "positive gradients": lambda: gradients.clamp(min=0).mean(dim=(1, 2))}.get(
        mistake, lambda: gradients.mean(dim=(1, 2)))()
    if mistake == "per position":
        return torch.relu((gradients * activations).sum(0))
    if mistake == "relu inside":
        return torch.relu(alpha[:, None, None] * activations).sum(0)
    m = torch.einsum("k,khw->hw", alpha, activations)
    if mistake == "mean over k":
        m = m / len(activations)
    m = m if mistake == "no relu" else torch.relu(m)
    return {"transposed": lambda: m.T, "normalized": lambda: m / m.max()}.get(mistake, lambda: m)()


def grad_cam_mistake(mistake):
    return lambda activations, gradients: grad_cam(activations, gradients, mistake)


CHECK_CASES = {
    "check_saliency": Case(saliency_map, {
        "absolute value of the gradient": saliency_mistake("no abs"),
        "not their sum": saliency_mistake("sum"),
        "not their mean": saliency_mistake("mean"),
        "without keepdim": saliency_mistake("keepdim"),
        "transposed": saliency_mistake("transposed"),
        "not gradient × input": saliency_mistake("times input"),
        "not the probability": saliency_mistake("probability"),
        "not the log-probability": saliency_mistake("log"),
        "not every image for the first target": saliency_mistake("first"),
        "N×N table": saliency_mistake("columns"),
        "not the sum of all the class scores": saliency_mistake("all classes"),
        "with one int target": saliency_mistake("int"),
    }, arguments=with_shapes),
    "check_saliency_segmentation": Case(saliency_to_mask, {
        "swapped": mask_mistake("swapped"),
        "labels == 1": mask_mistake("labels"),
        "grow the seeds with random_walker": mask_mistake("seeds only"),
        "(almost) empty": lambda saliency, image: np.zeros(saliency.shape, bool),
        "channel_axis": lambda saliency, image: np.repeat(saliency_to_mask(saliency, image)[..., None], 3, -1),
    }, arguments=segmentation_inputs),
    "check_relu_backward": Case(relu_backward, {
        "ignores the cap": relu_mistake("cap"),
        "fourth argument, upper": relu_backward_three_arguments,
        "the gradient passes negative backward signals too": relu_mistake("gradient clamps"),
        "deconvnet ignores the forward input": relu_mistake("deconvnet masks"),
        "guided backprop also masks by the forward input": relu_mistake("guided unmasked"),
        "in place": relu_mistake("in place"),
    }),
    "check_rank_correlation": Case(rank_correlation, {
        "correlate the ranks, not the values": corr_mistake("values"),
        "argsort of argsort": corr_mistake("argsort once"),
        "centre the ranks": corr_mistake("no centring"),
        "flatten each map first": corr_mistake("no flatten"),
        "n or n − 1": spearman_mixed_normalization,
        "not a matrix": spearman_matrix,
    }),
    "check_class_activation_map": Case(class_activation_map, {
        "a CAM is signed: no ReLU": cam_mistake("relu"),
        "not their mean": cam_mistake("mean"),
        "must vary over positions": cam_mistake("constant"),
        "transposed": cam_mistake("transposed"),
        "no rescaling to [0, 1]": cam_mistake("normalized"),
        "not those of another class": cam_mistake("wrong class"),
        "weights is C×K": cam_mistake("weights transposed"),
        "not over a spatial dimension": cam_mistake("wrong axis"),
        "summed the feature maps unweighted": cam_mistake("unweighted"),
    }, arguments=with_shapes),
    "check_grad_cam": Case(grad_cam, {
        "not its sum": grad_cam_mistake("sum"),
        "apply a ReLU at the end": grad_cam_mistake("no relu"),
        "not a weight at each position": grad_cam_mistake("per position"),
        "no absolute value": grad_cam_mistake("abs"),
        "keep the negative gradients": grad_cam_mistake("positive gradients"),
        "not to each weighted map": grad_cam_mistake("relu inside"),
        "not their mean": grad_cam_mistake("mean over k"),
        "transposed": grad_cam_mistake("transposed"),
        "no rescaling to [0, 1]": grad_cam_mistake("normalized"),
    }),
}


def test_other_right_answers_pass(capsys):
    checks.check_rank_correlation(spearman_scipy)
    checks.check_relu_backward(lambda g, x, rule, cap=float("inf"): relu_backward(g, x, rule, cap))  # any name
    checks.check_saliency(lambda model, x, target: saliency_map(model, x, target), shapes_bundle())
    assert capsys.readouterr().out.count("✅") == 3


def test_relu_backward_check_uses_the_rule_through_relu_backward_rule():
    """A rule right on the check's own tensors but wrong inside a network (here: the cap read from a global
    instead of the argument) is caught by the run through helpers.relu_backward_rule."""
    calls = []

    def rule_with_fixed_cap(grad_output, forward_input, rule, upper=float("inf")):
        calls.append(upper)
        return relu_backward(grad_output, forward_input, rule, upper if len(calls) <= 9 else float("inf"))

    with pytest.raises(checks.ExerciseFailed, match="relu_backward_rule"):
        checks.check_relu_backward(rule_with_fixed_cap)
    assert 6.0 in calls[9:]  # the network's ReLU6 passed its cap


@pytest.mark.parametrize("name", sorted(CHECK_CASES))
def test_stub_is_reported_not_done(name):
    def stub(*args, **kwargs):
        raise NotImplementedError("Exercise: write it")
    arguments = {"check_saliency": with_shapes, "check_class_activation_map": with_shapes,
                 "check_saliency_segmentation": segmentation_inputs}.get(name, lambda: ())
    with pytest.raises(checks.ExerciseNotDone, match="Exercise: write it"):
        getattr(checks, name)(stub, *arguments())
