"""Exercise checks for lesson 08 (adversarial examples)."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from .core import run_student, verdict


def _as_tensor(out, like: torch.Tensor, what: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor) or out.shape != like.shape:
        verdict(False, f"{what} returned {getattr(out, 'shape', type(out).__name__)}",
                f"a tensor of shape {tuple(like.shape)}")
    return out.detach().float().cpu()


def check_fgsm(student_fgsm: Callable, bundle, eps: float = 4 / 255) -> None:
    """Notebook 08: `student_fgsm(f, images, labels, eps, targeted)` must take one signed-gradient step of
    size eps on the cross-entropy of f (a function of [0, 1] pixels): up the loss of `labels` when
    untargeted, down it when targeted, and clamp the result to [0, 1]."""
    from ..shapes import make_batch
    batch = make_batch(6, seed=818)
    images, labels = batch["images"].to(bundle.device), batch["labels"].to(bundle.device)
    targets = (labels + 1 + torch.arange(len(labels), device=labels.device) % 9) % 10  # never the true class

    def f(x: torch.Tensor) -> torch.Tensor:
        return bundle.model(bundle.normalize(x))

    matching, worst_range = [], 0.0
    for wanted, targeted in [(labels, False), (targets, True)]:
        x = images.clone().requires_grad_(True)
        gradient, = torch.autograd.grad(F.cross_entropy(f(x), wanted, reduction="sum"), x)
        expected = (images + (-eps if targeted else eps) * gradient.sign()).clamp(0, 1).cpu()
        out = _as_tensor(run_student(student_fgsm, f, images.clone(), wanted.clone(), eps, targeted=targeted),
                         images, "fgsm")
        worst_range = max(worst_range, float((out - images.cpu()).abs().max()) - eps,
                          float(-out.min()), float(out.max() - 1))
        matching.append(float(((out - expected).abs() < 1e-5).float().mean()))
    verdict(min(matching) > 0.999 and worst_range < 1e-5,
            f"pixels equal to the reference step: untargeted {matching[0]:.2%}, targeted {matching[1]:.2%}; "
            f"largest excursion outside [0, 1] or the ε-ball {max(worst_range, 0):.1e}",
            "100% of pixels, nothing outside [0, 1] or the ε-ball",
            "x + ε·sign(∇x loss) untargeted, x − ε·sign(∇x loss of the target) targeted, then clamp to [0, 1]. "
            "Take the gradient with respect to the [0, 1] image that f receives.")


def check_projection(student_project: Callable) -> None:
    """Notebook 08: `student_project(x_adv, x, eps)` must return the nearest point to x_adv in the L∞ ball
    of radius eps around x that is also a valid image (every pixel in [0, 1])."""
    generator = torch.Generator().manual_seed(8)
    worst, cases = 0.0, []
    for eps in (0.03, 8 / 255, 0.2):
        x = torch.rand(4, 3, 16, 16, generator=generator)
        x[0, 0, :2] = torch.tensor([0.0, 1.0]).view(2, 1)  # pixels on the box's faces
        x_adv = x + 0.3 * torch.randn(x.shape, generator=generator)
        x_adv[1] = x[1] + eps / 2 * torch.rand(x[1].shape, generator=generator)  # some already inside
        x_adv[1] = x_adv[1].clamp(0, 1)
        cases.append((x_adv, x, eps))
    for x_adv, x, eps in cases:
        expected = torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0, 1)
        out = _as_tensor(run_student(student_project, x_adv.clone(), x.clone(), eps), x, "project")
        worst = max(worst, float((out - expected).abs().max()))
    verdict(worst < 1e-6, f"largest difference from the projection {worst:.1e}", "below 1e-6",
            "clip each pixel of x_adv to [x − ε, x + ε] (an L∞ ball is a box: clip coordinates one by one), "
            "then to [0, 1].")
