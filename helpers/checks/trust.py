"""Exercise checks for lesson 14 (trusting explanations): Integrated Gradients and the deletion curve.

Each check runs the student's function on several shapes images with non-square crops (a transposed answer has the
wrong shape), computes what the typical mistakes give on the same inputs, and names the mistake an answer reproduces.
"""
from __future__ import annotations

from typing import Callable

import torch

from .core import attempt, same_values, spot_mistake, verdict


def _scores(model: torch.nn.Module, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return model(x).gather(1, targets.view(-1, 1).to(x.device))[:, 0]


def _path_gradients(model: torch.nn.Module, x: torch.Tensor, targets: torch.Tensor, baseline: torch.Tensor,
                    alphas: list[float], score: Callable = _scores) -> torch.Tensor:
    """The gradient of the score summed over the path points baseline + alpha (x − baseline)."""
    total = torch.zeros_like(x)
    for alpha in alphas:
        point = (baseline + alpha * (x - baseline)).detach().requires_grad_(True)
        gradient, = torch.autograd.grad(score(model, point, targets).sum(), point)
        total += gradient
    return total


def _shapes_inputs(bundle, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n shapes images cropped to 48×40, normalized for `bundle`, and a target per image that is not its top class."""
    from ..shapes import make_batch
    x = bundle.normalize(make_batch(n, seed=seed)["images"][..., 8:56, 12:52].to(bundle.device))
    with torch.no_grad():
        scores = bundle.model(x)
    classes = scores.shape[1]
    targets = (scores.argmax(1).cpu() + 1 + torch.arange(n) % (classes - 1)) % classes
    return x, targets


def check_integrated_gradients(student: Callable, bundle) -> None:
    """Notebook 14: `student(model, x, target, baseline, steps)` must return (x − x') times the mean gradient of each
    image's target logit at the midpoints x' + (k + 1/2)/m (x − x'), k = 0…m−1: N×3×H×W."""
    x, targets = _shapes_inputs(bundle, 3, seed=1441)
    baseline = bundle.normalize(torch.full_like(x, 0.2))  # dark grey: neither zero nor the mean
    steps = 5
    midpoints = [(k + 0.5) / steps for k in range(steps)]
    answer = attempt(student, bundle.model, x.clone(), targets.clone(), baseline.clone(), steps,
                     where="3 shapes images, 5 steps")
    mean_gradient = _path_gradients(bundle.model, x, targets, baseline, midpoints) / steps
    expected = ((x - baseline) * mean_gradient).cpu()
    answer = answer.detach().cpu() if isinstance(answer, torch.Tensor) else answer
    scale = float(expected.abs().max())
    if not same_values(answer, expected, atol=1e-4 * scale, rtol=1e-3):
        shape = tuple(getattr(answer, "shape", ()))
        if shape != tuple(expected.shape):
            verdict(False, f"attributions of shape {shape}", f"{tuple(expected.shape)}, one per input value (N×3×H×W)",
                    "multiply the averaged gradient by (x − baseline), element by element; do not sum over colours.")
        linspace = torch.linspace(0, 1, steps).tolist()
        mistakes = {
            "the gradient at x alone times (x − baseline) is 'gradient × input': average the gradient over the "
            "points along the path.": (x - baseline) * _path_gradients(bundle.model, x, targets, baseline, [1.0]),
            "multiply the averaged gradient by (x − baseline): IG is (x − x') × the mean path gradient.": mean_gradient,
            "divide the sum of the gradients by the number of steps: the integral is their mean, not their sum.":
                (x - baseline) * mean_gradient * steps,
            "use the midpoints alpha = (k + 0.5) / steps; torch.linspace(0, 1, steps) puts points at both ends.":
                (x - baseline) * _path_gradients(bundle.model, x, targets, baseline, linspace) / steps,
            "use the left end points alpha = k / steps? The lesson asks for the midpoints, (k + 0.5) / steps.":
                (x - baseline) * _path_gradients(bundle.model, x, targets, baseline, [k / steps for k in range(steps)]) / steps,
            "differentiate the raw score (the logit), not the probability.":
                (x - baseline) * _path_gradients(bundle.model, x, targets, baseline, midpoints,
                                                 lambda m, p, t: m(p).softmax(1).gather(1, t.view(-1, 1))[:, 0]) / steps,
        }
        error = float((torch.as_tensor(answer, dtype=expected.dtype) - expected).abs().max()) / scale \
            if shape == tuple(expected.shape) else float("nan")
        verdict(False, f"largest error {error:.1e} of the largest attribution", "below 1e-4",
                spot_mistake(answer, {h: m.cpu() for h, m in mistakes.items()}, atol=1e-4 * scale, rtol=1e-3)
                or "follow the formula: midpoints of the straight path from the baseline to x, the gradient of each "
                   "image's target logit at each, averaged, times (x − baseline).")
    with torch.no_grad():
        difference = _scores(bundle.model, x, targets) - _scores(bundle.model, baseline, targets)
    gap = float(((expected.sum(dim=(1, 2, 3)) - difference.cpu()).abs() / difference.abs().cpu()).max())
    verdict(True, f"your attributions match the reference on 3 images; with 5 steps they add up to F(x) − F(x') "
                  f"within {gap:.0%}", "the midpoint rule")


def check_deletion_curve(student: Callable, bundle) -> None:
    """Notebook 14: `student(model, x, target, heat, fill, fractions)` must return, for each image and fraction f, the
    target's probability after the round(f·H·W) pixels ranked highest by `heat` take `fill`'s values: N×F."""
    x, targets = _shapes_inputs(bundle, 4, seed=1442)
    n, _, h, w = x.shape
    generator = torch.Generator().manual_seed(14)
    heat = torch.rand(n, h, w, generator=generator)  # no ties, and a different order in every image
    fill = bundle.normalize(torch.rand(x.shape, generator=generator)).to(x.device)
    fractions = torch.tensor([0.0, 0.1, 0.25, 0.5, 0.8, 1.0])

    def curves(order: torch.Tensor, score: Callable = lambda s: s.softmax(1), value: torch.Tensor = fill,
               counts: Callable = lambda f: round(float(f) * h * w)) -> torch.Tensor:
        rank = order.argsort(dim=1).view(n, 1, h, w)
        out = []
        for f in fractions:
            with torch.no_grad():
                s = score(bundle.model(torch.where(rank < counts(f), value, x)))
            out.append(s.gather(1, targets.view(-1, 1))[:, 0])
        return torch.stack(out, dim=1).cpu()

    highest_first = heat.flatten(1).argsort(dim=1, descending=True)
    expected = curves(highest_first)
    answer = attempt(student, bundle.model, x.clone(), targets.clone(), heat.clone(), fill.clone(), fractions.clone(),
                     where="4 shapes images, 6 fractions")
    answer = answer.detach().cpu() if isinstance(answer, torch.Tensor) else answer
    if not same_values(answer, expected, atol=1e-5, rtol=1e-3):
        shape = tuple(getattr(answer, "shape", ()))
        if shape != (n, len(fractions)):
            verdict(False, f"curves of shape {shape}", f"({n}, {len(fractions)}): one probability per image and fraction",
                    "stack the fractions along dim=1 (N×F, not F×N)." if shape == (len(fractions), n) else
                    "one probability per image and per fraction, including the fraction 0 (nothing removed).")
        mistakes = {
            "remove the most important pixels first: sort the map in descending order.":
                curves(heat.flatten(1).argsort(dim=1)),
            "follow the probability (softmax), not the raw score (logit).": curves(highest_first, lambda s: s),
            "replace the removed pixels by fill's pixels, not by zeros.": curves(highest_first, value=torch.zeros_like(x)),
            "rank each image by its own map: you used the first image's ranking for all of them.":
                curves(highest_first[:1].expand(n, -1)),
            "a fraction f removes round(f × H × W) pixels: count pixels, not rows or values of the map.":
                curves(highest_first, counts=lambda f: round(float(f) * h)),
        }
        verdict(False, f"curves that differ from the reference by up to "
                       f"{float((torch.as_tensor(answer, dtype=expected.dtype) - expected).abs().max()):.3f}",
                "a difference below 1e-5", spot_mistake(answer, mistakes, atol=1e-5, rtol=1e-3)
                or "rank the pixels by heat (highest first), replace the top round(f·H·W) in all three colours by fill's, "
                   "and read the target's softmax probability, for every fraction.")
    verdict(True, f"your curves match the reference on {n} images: probability {float(expected[:, 0].mean()):.2f} with "
                  f"nothing removed, {float(expected[:, -1].mean()):.2f} with everything replaced", "the reference curves")
