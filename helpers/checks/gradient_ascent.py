"""Exercise checks for lesson 07 (gradient ascent: class and channel visualization)."""
from __future__ import annotations

import math
from typing import Callable

import torch

from .core import run_student, verdict  # noqa: F401


def check_class_objective(student_objective: Callable, shapes) -> None:
    """Notebook 07: `student_objective(scores, images, targets, l2)` must return, per image, the target's
    raw score minus l2 · ‖image‖²; and ascending it must make images the shapes model calls the target."""
    generator = torch.Generator().manual_seed(0)
    worst = 0.0
    for l2 in (0.0, 0.01):
        scores = torch.randn(4, 10, generator=generator) * 3
        images = torch.randn(4, 3, 8, 8, generator=generator)
        targets = torch.tensor([0, 3, 9, 3])
        got = run_student(student_objective, scores.clone(), images.clone(), targets.clone(), l2)
        if not isinstance(got, torch.Tensor) or got.shape != (4,):
            verdict(False, f"got {getattr(got, 'shape', type(got).__name__)}", "a tensor with one value per image (4,)")
        expected = scores[torch.arange(4), targets] - l2 * images.pow(2).sum(dim=(1, 2, 3))
        worst = max(worst, (got.detach() - expected).abs().max().item())
    if worst > 1e-4:
        verdict(False, f"largest difference from S_c(I) - l2·‖I‖² {worst:.2g}", "below 1e-4",
                "take the raw score (no softmax) of each image's own target, and subtract l2 times the sum of its "
                "squared pixels.")
    # A short ascent from a grey image with a little noise: three classes, one image each.
    model = shapes.model
    targets = torch.tensor([0, 3, 8])  # circle, star, arrow
    x = (0.1 * torch.randn(3, 3, shapes.input_size, shapes.input_size, generator=generator)).requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=0.1)
    for _ in range(60):
        objective = run_student(student_objective, model(x), x, targets, 1e-3)
        optimizer.zero_grad()
        (-objective.sum()).backward()
        optimizer.step()
        with torch.no_grad():
            x.clamp_(-2, 2)
    with torch.no_grad():
        probability = torch.softmax(model(x), dim=1)[torch.arange(3), targets]
    verdict(bool((probability > 0.9).all()),
            f"matches S_c - l2·‖I‖² (error {worst:.1e}); after 60 Adam steps the shapes model gives the targets "
            f"probabilities {', '.join(f'{p:.2f}' for p in probability.tolist())}", "all above 0.9",
            "make sure the objective increases with the target's score so that minimizing its negative ascends it.")


def check_clip_small_contribution(student_clip: Callable) -> None:
    """Notebook 07: `student_clip(images, grads, percent)` must set to 0 (all channels) the pixels whose
    contribution |sum_c x·g| lies in the lowest `percent` % of each image, and leave the others unchanged."""
    generator = torch.Generator().manual_seed(1)
    problems = []
    for percent in (25.0, 50.0):
        images = torch.randn(3, 3, 8, 8, generator=generator)
        grads = torch.randn(3, 3, 8, 8, generator=generator) * torch.rand(3, 1, 8, 8, generator=generator)
        got = run_student(student_clip, images.clone(), grads.clone(), percent)
        if not isinstance(got, torch.Tensor) or got.shape != images.shape:
            verdict(False, f"got {getattr(got, 'shape', type(got).__name__)}",
                    f"a tensor of shape {tuple(images.shape)}")
        got = got.detach()
        contribution = (images * grads).sum(dim=1).abs()  # N×H×W
        zeroed = (got == 0).all(dim=1)
        kept = (got == images).all(dim=1)
        if not bool((zeroed | kept).all()):
            problems.append(f"at {percent:g}% some pixels were changed in only some channels or rescaled")
            continue
        expected = percent / 100 * 64
        for i in range(3):
            n = int(zeroed[i].sum())
            if not math.floor(expected) - 1 <= n <= math.ceil(expected) + 1:
                problems.append(f"at {percent:g}% image {i} had {n} of 64 pixels zeroed, expected about {expected:.0f}")
                break
            if n and n < 64 and contribution[i][zeroed[i]].max() > contribution[i][~zeroed[i]].min():
                problems.append(f"at {percent:g}% image {i}: a zeroed pixel contributes more than a kept one")
                break
    verdict(not problems, problems[0] if problems else "the zeroed pixels are exactly those of smallest |Σ_c x·g|, "
            "per image, whole pixels at a time", "the lowest-contribution pixels zeroed",
            "contribution = (images * grads).sum(dim=1).abs(); compare it with its per-image quantile "
            "(torch.quantile over the flattened H·W values), then zero all channels of the pixels below it.")


def _grid(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32),
                            indexing="ij")
    return ys, xs


def check_high_frequency_energy(student_energy: Callable) -> None:
    """Notebook 07: `student_energy(images, cutoff)` must return, per image, the fraction of the power
    spectrum (mean removed, all channels) at radial frequencies above `cutoff` cycles per pixel."""
    size = 40
    ys, xs = _grid(size)
    low = torch.cos(2 * math.pi * 0.05 * xs)                 # 2 cycles across: far below 0.25
    high = torch.cos(2 * math.pi * 0.4 * ys)                 # 16 cycles across: above 0.25
    checker = (-1.0) ** (xs + ys)                            # the highest frequency there is
    cases = {
        "a constant image": (torch.full((size, size), 0.7), 0.0),
        "a slow wave on a grey background": (0.5 + 0.3 * low, 0.0),
        "a checkerboard": (checker, 1.0),
        "a fast wave on a bright background": (3.0 + high, 1.0),
        "slow wave + twice as strong fast wave": (low + 2 * high, 0.8),   # power 1 : 4
    }
    images = torch.stack([image.expand(3, size, size) for image, _ in cases.values()])
    got = run_student(student_energy, images.clone(), 0.25)
    if not isinstance(got, torch.Tensor) or got.shape != (len(cases),):
        verdict(False, f"got {getattr(got, 'shape', type(got).__name__)}", f"one value per image ({len(cases)},)")
    errors = {name: abs(float(g) - e) if math.isfinite(float(g)) else math.inf
              for (name, (_, e)), g in zip(cases.items(), got.tolist())}
    worst = max(errors, key=errors.get)
    verdict(errors[worst] < 1e-3, f"largest error {errors[worst]:.2g} (on {worst})", "below 1e-3",
            "subtract each channel's mean, take |torch.fft.fft2|² (power, not amplitude), and divide the power at "
            "sqrt(fx² + fy²) > cutoff (torch.fft.fftfreq gives cycles per pixel) by the total; return 0 for a "
            "constant image.")
