"""Lessons 11–12: every exercise check accepts the right answer and names each plausible wrong one (CHECK_CASES,
run by test_checks_catch_mistakes.py), and a stub gets the one-line "not written yet" treatment."""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from checkcases import Case, shapes_bundle
from helpers import checks, features_at




# ---------------------------------------------------------------------------------------------------- gram_matrix

def gram(f):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def gram_unnormalized(f):
    flat = f.reshape(f.shape[0], f.shape[1], -1)
    return flat @ flat.transpose(1, 2)


def gram_by_chw(f):
    return gram(f) / f.shape[1]


def gram_positions(f):  # Fᵀ F: H·W × H·W
    flat = f.reshape(f.shape[0], f.shape[1], -1)
    return flat.transpose(1, 2) @ flat / flat.shape[2]


def gram_whole_batch(f):  # one Gram of every image's positions together
    n, c, h, w = f.shape
    flat = f.transpose(0, 1).reshape(c, -1)
    return (flat @ flat.T / (n * h * w)).expand(n, c, c)


def gram_centred(f):
    flat = f.reshape(f.shape[0], f.shape[1], -1)
    flat = flat - flat.mean(2, keepdim=True)
    return flat @ flat.transpose(1, 2) / flat.shape[2]


def gram_scrambled(f):
    n, c, h, w = f.shape
    flat = f.reshape(n, h * w, c)
    return flat.transpose(1, 2) @ flat / (h * w)


def gram_in_place(f):
    f /= f.shape[2] * f.shape[3]
    flat = f.reshape(f.shape[0], f.shape[1], -1)
    return flat @ flat.transpose(1, 2) * (f.shape[2] * f.shape[3])


# --------------------------------------------------------------------------------------------------- texture_loss

def texture_loss(features, targets, weights, mistake=None):
    total = 0.0
    for layer, f in features.items():
        n, m = f.shape[1], f.shape[2] * f.shape[3]
        g = gram(f)[0] / (m if mistake == "twice" else 1)
        diff = (g - targets[layer]) ** 2
        term = (diff.mean() if mistake == "mean" else diff.sum()) / (1 if mistake == "no 4N2" else 4 * n ** 2)
        term = term * (1 if mistake == "unweighted" else weights[layer])
        total = term if mistake == "last" else total + term
    return total


def texture_mistake(mistake):
    return lambda *args: texture_loss(*args, mistake=mistake)


# ---------------------------------------------------------------------------------------------------- synthesize

def tv_penalty(x):
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum() + ((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum()


def synthesize(bundle, targets, weights, size, steps, lr=0.15, seed=0, snapshots=(), tv_weight=1.0, mistake=None):
    """Lesson 11's loop (the notebook's solution), with optional mistakes."""
    g = torch.Generator().manual_seed(seed)
    size = 32 if mistake == "size" else size
    x = (0.5 * torch.randn(1, 3, size, size, generator=g)).requires_grad_(True)
    start = x.detach().clone()
    low, high = (bundle.normalize(torch.full((1, 3, 1, 1), v)) for v in (0.0, 1.0))
    pixel_scale = float(np.mean(bundle.std)) ** 2
    optimizer = torch.optim.Adam([x], lr=lr, maximize=mistake == "ascent")
    losses, frames = [], {}
    tv_weight = 1.0 if mistake == "global tv" else tv_weight
    for step in range(steps + 1):
        loss = texture_loss(features_at(bundle.model, x, list(targets)), targets, weights)
        if not (mistake == "off by one" and step == steps):
            losses.append(loss.item())
        if step in snapshots:
            frames[step] = x.detach().clone()
        if step == steps:
            break
        optimizer.zero_grad()
        total = loss + tv_weight * pixel_scale / x[0].numel() * tv_penalty(x)
        total.backward()
        optimizer.step()
        if mistake != "no clip":
            with torch.no_grad():
                x.copy_(torch.maximum(torch.minimum(x, high), low))
    return (start if mistake == "start" else x.detach()), losses, frames


def synthesize_mistake(mistake):
    return lambda *args, **kwargs: synthesize(*args, mistake=mistake, **kwargs)


# ------------------------------------------------------------------------------------------- style_transfer_loss

def style_transfer_loss(x, features, content_layer, content_target, content_weight, style_targets, style_weights,
                        tv_weight, mistake=None):
    diff = (features[content_layer] - content_target) ** 2
    content = content_weight * (diff.mean() if mistake == "content mean" else diff.sum())
    style = 0.0
    for layer, target in style_targets.items():
        f = features[layer]
        g = gram(f)[0] * (f.shape[2] * f.shape[3] if mistake == "raw gram" else 1)
        term = ((g - target) ** 2).sum() / (1 if mistake == "no 4N2" else 4 * f.shape[1] ** 2)
        style = style + (1 if mistake == "unweighted" else style_weights[layer]) * term
    vertical = ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum()
    horizontal = ((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum()
    if mistake == "tv abs":
        vertical, horizontal = (x[..., 1:, :] - x[..., :-1, :]).abs().sum(), (x[..., :, 1:] - x[..., :, :-1]).abs().sum()
    tv = tv_weight * ((0 if mistake == "tv one way" else vertical) + horizontal)
    if mistake == "detached":
        style = style.detach()
    return (style, content, tv) if mistake == "order" else (content, style, tv)


def transfer_mistake(mistake):
    return lambda *args: style_transfer_loss(*args, mistake=mistake)


# ------------------------------------------------------------------------------------------------------ mix_grams

def mix_grams(targets, mix):
    return {layer: sum(m * t[layer] for m, t in zip(mix, targets)) / sum(mix) for layer in targets[0]}


def mix_in_place(targets, mix):
    for m, t in zip(mix, targets):
        for layer in t:
            t[layer] *= m
    return {layer: sum(t[layer] for t in targets) / sum(mix) for layer in targets[0]}


CHECK_CASES = {
    "check_gram_matrix": Case(gram, {
        "divide by H·W": gram_unnormalized,
        "not by C·H·W": gram_by_chw,
        "H·W×H·W": gram_positions,
        "batch got mixed": gram_whole_batch,
        "uncentred": gram_centred,
        "channels got scrambled": gram_scrambled,
        "in place": gram_in_place,
    }),
    "check_texture_loss": Case(texture_loss, {
        "4·N_l²": texture_mistake("no 4N2"),
        "don't divide by the number of positions again": texture_mistake("twice"),
        "its weight": texture_mistake("unweighted"),
        "not .mean()": texture_mistake("mean"),
        "every layer": texture_mistake("last"),
        "detached": lambda *args: texture_loss(*args).detach(),
    }),
    "check_synthesize": Case(synthesize, {
        "step downhill": synthesize_mistake("ascent"),
        "clip the pixels": synthesize_mistake("no clip"),
        "steps + 1": synthesize_mistake("off by one"),
        "argument tv_weight": synthesize_mistake("global tv"),
        "requested size": synthesize_mistake("size"),
        "return the optimized image": synthesize_mistake("start"),
    }, arguments=lambda: (shapes_bundle(),)),
    "check_style_transfer_loss": Case(style_transfer_loss, {
        "content: sum": transfer_mistake("content mean"),
        "per-position gram": transfer_mistake("raw gram"),
        "4·N_l²": transfer_mistake("no 4N2"),
        "style_weights[layer]": transfer_mistake("unweighted"),
        "square the neighbour differences": transfer_mistake("tv abs"),
        "both directions": transfer_mistake("tv one way"),
        "order content, style, tv": transfer_mistake("order"),
        "no gradient": transfer_mistake("detached"),
    }, arguments=lambda: (shapes_bundle(),)),
    "check_mix_grams": Case(mix_grams, {
        "weights (2, 2) give the plain average":
            lambda targets, mix: {k: sum(m * t[k] for m, t in zip(mix, targets)) for k in targets[0]},
        "not by the number of styles":
            lambda targets, mix: {k: sum(m * t[k] for m, t in zip(mix, targets)) / len(mix) for k in targets[0]},
        "pairs them in order":
            lambda targets, mix: {k: sum(m * t[k] for m, t in zip(mix[::-1], targets)) / sum(mix) for k in targets[0]},
        "changed the style targets": mix_in_place,
    }),
}


def test_stub_is_reported_not_done():
    def gram_matrix(features):
        raise NotImplementedError("Exercise: write gram_matrix()")
    with pytest.raises(checks.ExerciseNotDone, match="gram_matrix"):
        checks.check_gram_matrix(gram_matrix)   # no reference registered here: the notice is raised


def test_style_transfer_check_runs_on_the_shapes_model_only():
    with pytest.raises(ValueError, match="shapes"):
        checks.style.check_style_transfer_loss(style_transfer_loss, types.SimpleNamespace(kind="imagenet"))
