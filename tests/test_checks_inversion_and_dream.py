"""Lessons 09–10: every exercise check accepts the right answer and names each plausible wrong one (CHECK_CASES,
run by test_checks_catch_mistakes.py), and a stub gets the one-line "not written yet" treatment."""
from __future__ import annotations

import types

import pytest
import torch
import torch.nn.functional as F

from checkcases import Case, with_shapes
from helpers import checks, features_at






# ----------------------------------------------------------------------------------------------- total_variation

def _differences(x, lower=False):
    if lower:  # off by one: the last H − 1 rows and W − 1 columns
        return x[..., 1:, 1:] - x[..., 1:, :-1], x[..., 1:, 1:] - x[..., :-1, 1:]
    return x[..., :-1, 1:] - x[..., :-1, :-1], x[..., 1:, :-1] - x[..., :-1, :-1]


def tv(x, beta):
    dx, dy = _differences(x)
    return (dx ** 2 + dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3))


def tv_anisotropic(x, beta):  # |dx|^β + |dy|^β: equal to R_{V^β} only for β = 2
    dx, dy = _differences(x)
    return (dx.abs().pow(beta) + dy.abs().pow(beta)).sum(dim=(1, 2, 3))


def tv_no_half(x, beta):
    dx, dy = _differences(x)
    return (dx ** 2 + dy ** 2).pow(beta).sum(dim=(1, 2, 3))


def tv_ignores_beta(x, beta):
    dx, dy = _differences(x)
    return (dx ** 2 + dy ** 2).sum(dim=(1, 2, 3))


def tv_last_rows(x, beta):
    dx, dy = _differences(x, lower=True)
    return (dx ** 2 + dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3))


def tv_mean(x, beta):
    dx, dy = _differences(x)
    return (dx ** 2 + dy ** 2).pow(beta / 2).mean(dim=(1, 2, 3))


def tv_whole_batch(x, beta):
    return tv(x, beta).sum()


def tv_in_place(x, beta):
    x[..., :-1, :-1] -= x[..., :-1, 1:].clone()  # reuses the input as scratch space
    dx = -x[..., :-1, :-1]
    dy = x[..., 1:, :-1] + dx - x[..., :-1, 1:]
    return (dx ** 2 + dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3))


# ------------------------------------------------------------------------------------------ relative_feature_error

def relative_error(phi, phi0):
    return (phi - phi0).pow(2).flatten(1).sum(1) / phi0.pow(2).flatten(1).sum(1)


# -------------------------------------------------------------------------------------------------------- invert

def invert(bundle, images, layers, tv_weight=5.0, beta=2.0, steps=30, alpha=6.0, alpha_weight=1e-3, lr=0.1, seed=0,
           mistake=None):
    """The lesson's inversion loop; `mistake` makes one of the typical wrong versions."""
    n, _, h, w = images.shape
    tv_weight = torch.as_tensor(tv_weight, dtype=torch.float32).expand(n).tolist()
    beta = torch.as_tensor(beta, dtype=torch.float32).expand(n).tolist()
    if mistake == "one tv_weight":
        tv_weight = [5.0] * n
    wanted = list(dict.fromkeys(layers))
    with torch.no_grad():
        feats = features_at(bundle.model, bundle.normalize(images), wanted)
        targets = [feats[layer][i:i + 1].clone() for i, layer in enumerate(layers)]
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))
    x = (0.5 + 0.1 * noise).to(bundle.device).requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps, eta_min=lr / 20)
    history = []
    for _ in range(steps):
        feats = features_at(bundle.model, bundle.normalize(x.detach() if mistake == "features" else x), wanted)
        distance = relative_error if mistake not in ("raw", "raw optimized") else (
            lambda f, t: (f - t).pow(2).flatten(1).sum(1))
        errors = torch.cat([distance(feats[layer][i:i + 1], targets[i]) for i, layer in enumerate(layers)])
        tvs = torch.cat([t * tv(x[i:i + 1], b) for i, (t, b) in enumerate(zip(tv_weight, beta))])
        penalty = alpha_weight * (2 * x - 1).abs().pow(alpha).sum(dim=(1, 2, 3)) + tvs
        penalty = penalty if mistake == "no HW" else penalty / (h * w)
        loss = (errors - penalty if mistake == "sign" else errors + penalty).sum()
        if mistake != "no zero_grad":
            optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if mistake == "raw optimized":  # records the relative error, optimizes the raw one
            errors = torch.cat([relative_error(feats[layer][i:i + 1], targets[i]) for i, layer in enumerate(layers)])
        if mistake == "record after":
            with torch.no_grad():
                after = features_at(bundle.model, bundle.normalize(x), wanted)
                errors = torch.cat([relative_error(after[layer][i:i + 1], targets[i]) for i, layer in enumerate(layers)])
        if mistake == "loss recorded":
            errors = errors + penalty / (h * w)
        history.append(errors if mistake == "no detach" else errors.detach().cpu())
    return x.detach().clamp(0, 1).cpu(), torch.stack(history)


def invert_with(mistake):
    return lambda *args, **kwargs: invert(*args, mistake=mistake, **kwargs)


# ----------------------------------------------------------------------------------------------------- dream_step

def dream_step(bundle, x, layer, step_size, normalized=True, mistake=None):
    x = x.detach().clone().requires_grad_(True)
    source = x if mistake != "normalized input" else None
    if mistake == "normalized input":
        source = bundle.normalize(x).detach().requires_grad_(True)
        activation = features_at(bundle.model, source, layer)[layer]
    else:
        activation = features_at(bundle.model, bundle.normalize(x), layer)[layer]
    if mistake == "sum":
        activation.sum().backward()
    else:
        activation.backward(activation)
    g = source.grad
    if normalized or mistake == "ignores normalized":  # that mistake normalizes every step
        scale = {"max": g.abs().max(), "norm": g.norm(), "unnormalized": 1.0, "mean of g": g.mean()}.get(
            mistake, g.abs().mean())
        g = g / scale
    new = (x - step_size * g) if mistake == "descends" else (x + step_size * g)
    return (new.clamp(0, 1) if mistake == "clamps" else new).detach()


def step_with(mistake):
    return lambda *args, **kwargs: dream_step(*args, mistake=mistake, **kwargs)


def step_in_place(bundle, x, layer, step_size, normalized=True):
    x.requires_grad_(True)
    activation = features_at(bundle.model, bundle.normalize(x), layer)[layer]
    activation.backward(activation)
    with torch.no_grad():
        x += step_size * (x.grad / x.grad.abs().mean() if normalized else x.grad)
    return x.detach()


# --------------------------------------------------------------------------------------------------- octave_sizes

def octave_sizes(height, width, octaves, scale):
    return [(round(height / scale ** k), round(width / scale ** k)) for k in reversed(range(octaves))]


# ------------------------------------------------------------------------------------------------------ deepdream

def deepdream(bundle, image, layer, steps=10, octaves=4, scale=1.4, jitter=8, step_size=0.01, normalized=True, seed=0,
              mistake=None):
    """The lesson's DeepDream loop; `mistake` makes one of the typical wrong versions."""
    rng = torch.Generator().manual_seed(seed)
    base = image[None].to(bundle.device)
    pyramid = [F.interpolate(base, size=s, mode="bilinear", antialias=True)
               for s in octave_sizes(*base.shape[-2:], octaves, scale)]
    detail, stages = torch.zeros_like(pyramid[0]), []
    for octave_base in (pyramid[::-1] if mistake == "largest first" else pyramid):
        detail = F.interpolate(detail, size=octave_base.shape[-2:], mode="bilinear")
        x = octave_base.clone() if mistake == "no carry" else octave_base + detail
        for _ in range(steps):
            dy, dx = torch.randint(-jitter, jitter + 1, (2,), generator=rng).tolist()
            x = torch.roll(x, (dy, dx), dims=(2, 3))
            x = dream_step(bundle, x, layer, step_size, True if mistake == "ignores normalized" else normalized)
            x = x if mistake == "no clamp" else x.clamp(0, 1)
            x = x if mistake == "no roll back" else torch.roll(x, (-dy, -dx), dims=(2, 3))
        detail = x if mistake == "carries the image" else x - octave_base
        stages.append(x[0].cpu())
    return x[0].cpu(), stages


def dream_with(mistake):
    return lambda *args, **kwargs: deepdream(*args, mistake=mistake, **kwargs)


CHECK_CASES = {
    "check_total_variation_beta": Case(tv, {
        "β/2": tv_no_half,
        "argument beta": tv_ignores_beta,
        "not |dx|^β + |dy|^β": tv_anisotropic,
        "first H − 1 rows": tv_last_rows,
        "not the mean": tv_mean,
        "one total variation per image": tv_whole_batch,
        "in place": tv_in_place,
    }),
    "check_relative_feature_error": Case(relative_error, {
        "not of the features Φ": lambda phi, phi0: (phi - phi0).pow(2).flatten(1).sum(1) / phi.pow(2).flatten(1).sum(1),
        "a relative error": lambda phi, phi0: (phi - phi0).pow(2).flatten(1).sum(1),
        "not the ratio of the norms": lambda phi, phi0: (phi - phi0).flatten(1).norm(dim=1) / phi0.flatten(1).norm(dim=1),
        "not by the whole batch's": lambda phi, phi0: (phi - phi0).pow(2).flatten(1).sum(1) / phi0.pow(2).sum(),
        "off by the number of entries": lambda phi, phi0: (phi - phi0).pow(2).flatten(1).mean(1)
        / phi0.pow(2).flatten(1).sum(1),
        "one error per image": lambda phi, phi0: ((phi - phi0).pow(2).sum() / phi0.pow(2).sum()),
    }, arguments=with_shapes),
    "check_invert": Case(invert, {
        "‖Φ0‖²": invert_with("raw"),
        "drowns the regularizers": invert_with("raw optimized"),
        "add the regularizers": invert_with("sign"),
        "pixels": invert_with("features"),
        "zero_grad": invert_with("no zero_grad"),
        "detach": invert_with("no detach"),
        "H·W": invert_with("no HW"),
        "its own tv_weight": invert_with("one tv_weight"),
        "before the step": invert_with("record after"),
        "not the total loss": invert_with("loss recorded"),
    }, arguments=with_shapes),
    "check_dream_step": Case(dream_step, {
        "normalize the step": step_with("unnormalized"),
        "not x −": step_with("descends"),
        "not by its largest value": step_with("max"),
        "not by its norm": step_with("norm"),
        "not the mean of g": step_with("mean of g"),
        "activation.backward(activation)": step_with("sum"),
        "without clamping": step_with("clamps"),
        "normalized must be used": step_with("ignores normalized"),
        "not its normalized copy": step_with("normalized input"),
        "in place": step_in_place,
    }, arguments=with_shapes),
    "check_octave_sizes": Case(octave_sizes, {
        "smallest first": lambda h, w, o, s: octave_sizes(h, w, o, s)[::-1],
        "int() truncates": lambda h, w, o, s: [(int(h / s ** k), int(w / s ** k)) for k in reversed(range(o))],
        "each by their own side": lambda h, w, o, s: [(round(h / s ** k),) * 2 for k in reversed(range(o))],
        "exactly `octaves` sizes": lambda h, w, o, s: [(round(h / s ** k), round(w / s ** k))
                                                       for k in reversed(range(o + 1))],
        "ends with the image's own size": lambda h, w, o, s: [(round(h / s ** k), round(w / s ** k))
                                                             for k in reversed(range(1, o + 1))],
        "divide by scale": lambda h, w, o, s: [(round(h * s ** k), round(w * s ** k)) for k in reversed(range(o))],
        "whole numbers": lambda h, w, o, s: [(h / s ** k, w / s ** k) for k in reversed(range(o))],
    }),
    "check_deepdream": Case(deepdream, {
        "roll the image back": dream_with("no roll back"),
        "clamp the image": dream_with("no clamp"),
        "carry only the detail": dream_with("carries the image"),
        "detail dreamt so far": dream_with("no carry"),
        "smallest first": dream_with("largest first"),
        "pass normalized on": dream_with("ignores normalized"),
    }, arguments=with_shapes),
}


@pytest.mark.parametrize("check_name", sorted(CHECK_CASES))
def test_stub_is_reported_not_done(check_name):
    def never_written(*args, **kwargs):
        raise NotImplementedError("Exercise: write never_written()")
    with pytest.raises(checks.ExerciseNotDone, match="never_written"):  # no reference registered under this name
        getattr(checks, check_name)(never_written, *CHECK_CASES[check_name].arguments())


@pytest.mark.parametrize("check_name", ["check_invert", "check_deepdream"])
def test_loop_checks_run_on_the_shapes_model_only(check_name):
    with pytest.raises(ValueError, match="shapes"):
        getattr(checks.inversion_and_dream, check_name)(invert, types.SimpleNamespace(kind="imagenet"))
