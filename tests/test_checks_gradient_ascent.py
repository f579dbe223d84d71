"""Lesson 07: every exercise check accepts the right answer and names each plausible wrong one (CHECK_CASES, run by
test_checks_catch_mistakes.py); the loop's check needs the shapes model, and a stub gets the one-line notice."""
from __future__ import annotations


import pytest
import torch

from checkcases import Case, shapes_bundle
from helpers import checks
from helpers.checks.gradient_ascent import _blur as gaussian_blur  # the lesson's blur, as the check computes it




# ---------------------------------------------------------------------------------------------------- class_scores

def class_scores(b, targets, mistake=None):
    targets = torch.as_tensor(targets, device=b.device)
    rows = lambda x: torch.arange(len(x), device=b.device)  # noqa: E731
    return {
        None: lambda x: b.model(x)[rows(x), targets],
        "probability": lambda x: torch.softmax(b.model(x), 1)[rows(x), targets],
        "log": lambda x: torch.log_softmax(b.model(x), 1)[rows(x), targets],
        "first": lambda x: b.model(x)[:, targets.flatten()[0]],
        "columns": lambda x: b.model(x)[:, targets],
        "sum": lambda x: b.model(x)[rows(x), targets].sum(),
        "detached": lambda x: b.model(x)[rows(x), targets].detach(),
        "top": lambda x: b.model(x).max(1).values,
        "gather": lambda x: b.model(x).gather(1, targets.view(-1, 1)).squeeze(1),  # an int target breaks it
    }[mistake]


def scores_mistake(mistake):
    return lambda b, targets: class_scores(b, targets, mistake)


# ------------------------------------------------------------------------------------------- clip_small_contribution

def small_pixels(score, percent):
    threshold = torch.quantile(score.flatten(1), percent / 100, dim=1).view(-1, 1, 1, 1)
    return score < threshold


def clip_small_values(images, percent):
    return images.masked_fill(small_pixels(images.norm(dim=1, keepdim=True), percent), 0.0)


def clip_small_contribution(images, grads, percent, mistake=None):
    products = images * grads
    if mistake == "values":
        return clip_small_values(images, percent)
    if mistake == "per channel":
        score = products.abs()
        return images.masked_fill(score < torch.quantile(score.flatten(2), percent / 100, dim=2)[..., None, None], 0.0)
    score = {"signed": products.sum(1, keepdim=True), "abs sum": products.abs().sum(1, keepdim=True)}.get(
        mistake, products.sum(1, keepdim=True).abs())
    if mistake == "batch":
        return images.masked_fill(score < torch.quantile(score.flatten(), percent / 100), 0.0)
    if mistake == "largest":
        return images.masked_fill(~small_pixels(score, 100 - percent), 0.0)
    return images.masked_fill(small_pixels(score, percent), 0.0)


def clip_mistake(mistake):
    return lambda images, grads, percent: clip_small_contribution(images, grads, percent, mistake)


# ---------------------------------------------------------------------------------------------------------- ascend

def valid_range(b):
    return b.normalize(torch.zeros(1, 3, 1, 1, device=b.device)), b.normalize(torch.ones(1, 3, 1, 1, device=b.device))


def ascend(b, objective, n, size, steps, lr=0.05, l2=0.0, jitter=0, blur_every=0, blur_sigma=0.5, value_percent=0.0,
           contribution_percent=0.0, init_std=0.5, seed=0, desc="gradient ascent", mistake=None):
    """The lesson's loop (the notebook's solution), with optional mistakes."""
    torch.manual_seed(0 if mistake == "seed" else seed)
    low, high = valid_range(b)
    if mistake == "fixed range":
        low, high = torch.tensor(-2.0), torch.tensor(2.0)
    images = ((1.0 if mistake == "init" else init_std) * torch.randn(n, 3, size, size, device=b.device)).requires_grad_(True)
    for step in range(steps):
        dy, dx = torch.randint(-jitter, jitter + 1, (2,)).tolist() if jitter else (0, 0)
        if mistake == "no jitter":
            dy, dx = 0, 0
        if mistake == "wander":  # rolls the image itself and never rolls it back
            with torch.no_grad():
                images.copy_(torch.roll(images, shifts=(dy, dx), dims=(2, 3)))
            shifted = images
        elif mistake == "not undone":  # the gradient of the shifted copy, applied without rolling it back
            shifted = torch.roll(images.detach(), shifts=(dy, dx), dims=(2, 3)).requires_grad_(True)
        else:
            shifted = torch.roll(images, shifts=(dy, dx), dims=(2, 3))
        penalty = {"l2 sign": -l2, "l2 ignored": 0.0}.get(mistake, l2) * images.pow(2).sum(dim=(1, 2, 3))
        if mistake == "l2 mean":
            penalty = l2 * images.pow(2).mean(dim=(1, 2, 3))
        value = objective(shifted) - penalty
        images.grad = None
        value.sum().backward()
        with torch.no_grad():
            g = images.grad + (shifted.grad if mistake == "not undone" else 0)
            scale = {"unnormalized": torch.tensor(1.0), "batch": g.abs().mean()}.get(
                mistake, g.abs().mean(dim=(1, 2, 3), keepdim=True).clamp(min=1e-12))
            step_ = g.sign() if mistake == "sign" else g / scale
            images += (-lr if mistake == "descend" else lr) * step_
            if mistake != "no clamp":
                images.copy_(torch.maximum(torch.minimum(images, high), low))
            if blur_every and ((step + 1) % blur_every == 0 or mistake == "blur every step") and mistake != "no blur":
                images.copy_(gaussian_blur(images, 0.5 if mistake == "sigma" else blur_sigma))
            if value_percent and mistake != "no value clip":
                images.copy_(clip_small_values(images, value_percent))
            if contribution_percent:
                images.copy_(clip_small_values(images, contribution_percent) if mistake == "contribution by value"
                             else clip_small_contribution(images, g, contribution_percent))
    return images.detach()


def ascend_mistake(mistake):
    return lambda *args, **kwargs: ascend(*args, mistake=mistake, **kwargs)


# ----------------------------------------------------------------------------------------------- high_frequency_energy

def high_frequency_energy(images, cutoff=0.25, mistake=None):
    x = images if mistake == "mean" else images - images.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(x).abs() ** (1 if mistake == "amplitude" else 2)
    fy = torch.fft.fftfreq(x.shape[-2]).view(-1, 1)
    fx = torch.fft.fftfreq(x.shape[-1]).view(1, -1)
    if mistake == "unshifted":
        fy, fx = (torch.arange(x.shape[-2]) / x.shape[-2]).view(-1, 1), (torch.arange(x.shape[-1]) / x.shape[-1]).view(1, -1)
    radius = torch.maximum(fx.abs(), fy.abs()) if mistake == "max" else (fx ** 2 + fy ** 2).sqrt()
    high = radius > (0.25 if mistake == "fixed" else cutoff)
    if mistake == "per channel":
        return ((power * high).sum(dim=(2, 3)) / power.sum(dim=(2, 3)).clamp(min=1e-12)).mean(1)
    total = power.sum(dim=(1, 2, 3))
    return (power * high).sum(dim=(1, 2, 3)) / (total if mistake == "nan" else total.clamp(min=1e-12))


def energy_mistake(mistake):
    return lambda images, cutoff=0.25: high_frequency_energy(images, cutoff, mistake)


CHECK_CASES = {
    "check_class_scores": Case(class_scores, {
        "not the probability": scores_mistake("probability"),
        "not the log-probability": scores_mistake("log"),
        "not every image for the first target": scores_mistake("first"),
        "N×N table": scores_mistake("columns"),
        "not their sum": scores_mistake("sum"),
        "no gradient": scores_mistake("detached"),
        "not its target's": scores_mistake("top"),
        "with one int": scores_mistake("gather"),
    }, arguments=lambda: (shapes_bundle(),)),
    "check_clip_small_contribution": Case(clip_small_contribution, {
        "not by their value": clip_mistake("values"),
        "not each channel on its own": clip_mistake("per channel"),
        "take the absolute value": clip_mistake("signed"),
        "not the sum of absolute values": clip_mistake("abs sum"),
        "not over the whole batch": clip_mistake("batch"),
        "not the largest": clip_mistake("largest"),
    }),
    "check_ascend": Case(ascend, {
        "step along +gradient": ascend_mistake("descend"),
        "the L2 penalty is subtracted": ascend_mistake("l2 sign"),
        "use the argument l2": ascend_mistake("l2 ignored"),
        "not their mean": ascend_mistake("l2 mean"),
        "normalize the step": ascend_mistake("unnormalized"),
        "not by one mean over the whole batch": ascend_mistake("batch"),
        "not along its sign": ascend_mistake("sign"),
        "not to fixed numbers": ascend_mistake("no clamp"),
        "per channel:": ascend_mistake("fixed range"),
        "the image itself must not wander": ascend_mistake("wander"),
        "the jitter did nothing": ascend_mistake("no jitter"),
        "to undo the jitter": ascend_mistake("not undone"),
        "not after every step": ascend_mistake("blur every step"),
        "argument blur_sigma": ascend_mistake("sigma"),
        "when blur_every is set": ascend_mistake("no blur"),
        "when value_percent is set": ascend_mistake("no value clip"),
        "not the values": ascend_mistake("contribution by value"),
        "torch.manual_seed(seed)": ascend_mistake("seed"),
        "init_std": ascend_mistake("init"),
    }, arguments=lambda: (shapes_bundle(),)),
    "check_high_frequency_energy": Case(high_frequency_energy, {
        "subtract each channel's mean": energy_mistake("mean"),
        "not the amplitude": energy_mistake("amplitude"),
        "not max(|fx|, |fy|)": energy_mistake("max"),
        "fftfreq": energy_mistake("unshifted"),
        "one fraction per image": energy_mistake("per channel"),
        "use the argument cutoff": energy_mistake("fixed"),
        "0 for a constant image": energy_mistake("nan"),
    }),
}


def test_stub_is_reported_not_done():
    def ascend(*args, **kwargs):
        raise NotImplementedError("Exercise: write ascend()")
    with pytest.raises(checks.ExerciseNotDone, match="ascend"):
        checks.check_ascend(ascend, shapes_bundle())   # no reference registered here: the notice is raised


def test_ascend_check_measures_its_climb_on_the_shapes_model_only():
    import types
    with pytest.raises(ValueError, match="shapes"):
        checks.gradient_ascent.check_ascend(ascend, types.SimpleNamespace(kind="imagenet"))
