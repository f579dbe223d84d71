"""Exercise checks for lesson 08 (adversarial examples).

Each check runs the student's function on inputs of its own (several images, pixels on the faces of [0, 1], some
points already inside the ε-ball), computes what the typical mistakes give on the same inputs, and on failure names
the mistake the answer reproduces, else gives a general hint.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from .core import attempt as _attempt, same_values, spot_mistake, verdict



def _as_tensor(out, like: torch.Tensor, what: str) -> torch.Tensor:
    if not isinstance(out, torch.Tensor) or out.shape != like.shape:
        verdict(False, f"{what} returned {getattr(out, 'shape', type(out).__name__)}",
                f"a tensor of shape {tuple(like.shape)}", "return new images shaped like the input ones.")
    return out.detach().float().cpu()


# ------------------------------------------------------------------------------------------------------ fgsm

def _agreement(out: torch.Tensor, expected: torch.Tensor) -> float:
    """The fraction of pixels equal to `expected` (a gradient's sign may differ at a few pixels where it is ~0)."""
    return float(((out - expected).abs() < 1e-5).float().mean())


def _input_gradient(f: Callable, images: torch.Tensor, loss: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    x = images.detach().clone().requires_grad_(True)
    gradient, = torch.autograd.grad(loss(f(x)), x)
    return gradient.detach()


def _fgsm_mistakes(f: Callable, images: torch.Tensor, wanted: torch.Tensor, eps: float, targeted: bool
                   ) -> dict[str, torch.Tensor]:
    rows = torch.arange(len(images), device=images.device)
    towards = -1.0 if targeted else 1.0  # the right direction: up the loss, or down the target's loss

    def step(gradient: torch.Tensor, direction: float = towards, clamp: bool = True) -> torch.Tensor:
        out = images + direction * eps * gradient
        return (out.clamp(0, 1) if clamp else out).cpu()

    gradient = _input_gradient(f, images, lambda s: F.cross_entropy(s, wanted, reduction="sum"))
    mistakes = {}
    if targeted:
        mistakes["with targeted=True, step down the loss of the target label, x − ε·sign(∇x loss): you stepped up "
                 "it, as the untargeted attack does."] = step(gradient.sign(), +1.0)
    else:
        mistakes["untargeted: step up the loss of the label, x + ε·sign(∇x loss), away from the true class (you "
                 "stepped towards it)."] = step(gradient.sign(), -1.0)
    mistakes.update({
        "clamp the result to [0, 1]: it must stay a valid image.": step(gradient.sign(), clamp=False),
        "step along the sign of the gradient (every pixel moves by exactly ε), not along the gradient itself.":
            step(gradient),
        "take the gradient of the cross-entropy, F.cross_entropy(f(x), labels), not of the label's raw score "
        "(nll_loss of raw scores is minus the logit).":
            step(_input_gradient(f, images, lambda s: -s[rows, wanted].sum()).sign()),
        "F.cross_entropy takes the raw scores (logits) and applies the softmax itself: you passed it "
        "probabilities.": step(_input_gradient(f, images, lambda s: F.cross_entropy(s.softmax(1), wanted,
                                                                                    reduction="sum")).sign()),
    })
    return mistakes


def check_fgsm(student_fgsm: Callable, bundle, eps: float = 4 / 255) -> None:
    """Notebook 08: `student_fgsm(f, images, labels, eps, targeted)` must take one signed-gradient step of
    size eps on the cross-entropy of f (a function of [0, 1] pixels): up the loss of `labels` when
    untargeted, down it when targeted, and clamp the result to [0, 1]."""
    from ..shapes import make_batch
    batch = make_batch(5, seed=818)
    images, labels = batch["images"][..., 8:56, 4:60].clone(), batch["labels"]  # non-square
    images[0, :, :2], images[1, :, -2:] = 1.0, 0.0  # pixels on the faces of [0, 1]: the clamp matters
    images, labels = images.to(bundle.device), labels.to(bundle.device)
    targets = (labels + 1 + torch.arange(len(labels), device=labels.device) % 9) % 10  # never the true class

    def f(x: torch.Tensor) -> torch.Tensor:
        return bundle.model(bundle.normalize(x))

    effects = []  # (mean cross-entropy of `wanted` before, after, share of images moved the right way)
    for wanted, targeted in [(labels, False), (targets, True)]:
        what = "targeted=True, towards the target labels" if targeted else "untargeted, away from the labels"
        gradient = _input_gradient(f, images, lambda s: F.cross_entropy(s, wanted, reduction="sum"))
        expected = (images + (-eps if targeted else eps) * gradient.sign()).clamp(0, 1).cpu()
        out = _as_tensor(_attempt(student_fgsm, f, images.clone(), wanted.clone(), eps, targeted=targeted,
                                  where=what), images, "fgsm")
        matching = _agreement(out, expected)
        if matching > 0.999:
            with torch.no_grad():  # what the step did: the loss it was meant to raise (or lower), per image
                before = F.cross_entropy(f(images), wanted, reduction="none").cpu()
                after = F.cross_entropy(f(out.to(images.device)), wanted, reduction="none").cpu()
            right_way = (after < before) if targeted else (after > before)
            effects.append((float(before.mean()), float(after.mean()), float(right_way.float().mean())))
            continue
        excursion = max(float((out - images.cpu()).abs().max()) - eps, float(-out.min()), float(out.max() - 1))
        hint = next((h for h, result in _fgsm_mistakes(f, images, wanted, eps, targeted).items()
                     if _agreement(out, result) > 0.999), "")
        if not hint and excursion > 1e-5:
            hint = ("every pixel must stay in [0, 1] and within ε of the original image: clamp the result to "
                    "[0, 1] and step by eps · sign(gradient).")
        if not hint:
            inside = (expected > 0) & (expected < 1) & (gradient.cpu() != 0)
            moved = ((out - images.cpu()).abs() - eps).abs() < 1e-5
            if float(moved[inside].float().mean()) < 0.5:
                hint = ("step along the sign of the gradient (every pixel moves by exactly ε, or stops at 0 or 1), "
                        "not along the gradient itself: eps * gradient.sign().")
        verdict(False, f"{what}: {matching:.2%} of the pixels equal to the reference step"
                + (f", pixels up to {excursion:.1e} outside [0, 1] or the ε-ball" if excursion > 1e-5 else ""),
                "100% of the pixels, nothing outside [0, 1] or the ε-ball", hint or
                "x + ε·sign(∇x loss) untargeted, x − ε·sign(∇x loss of the target) targeted, then clamp to [0, 1]. "
                "Take the gradient of F.cross_entropy(f(x), labels) with respect to the [0, 1] image that f receives.")
    (up0, up1, up_share), (down0, down1, down_share) = effects
    verdict(up_share >= 0.8 and down_share >= 0.8,
            f"one step of ε = {eps * 255:.0f}/255 raised the label's cross-entropy from {up0:.2f} to {up1:.2f} "
            f"({up_share:.0%} of the images) and lowered the target's from {down0:.2f} to {down1:.2f} "
            f"({down_share:.0%})", "the label's loss up and the target's loss down for at least 80% of the images",
            "the step matches the reference but does not move the loss: check that `f` is the model on [0, 1] pixels.")


# ------------------------------------------------------------------------------------------------ projection

def _project(x_adv: torch.Tensor, x: torch.Tensor, eps: float) -> torch.Tensor:
    return torch.min(torch.max(x_adv, x - eps), x + eps).clamp(0, 1)


def _projection_mistakes(x_adv: torch.Tensor, x: torch.Tensor, eps: float) -> dict[str, torch.Tensor]:
    delta = x_adv - x
    l2 = delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    linf = delta.flatten(1).abs().amax(dim=1).view(-1, 1, 1, 1)
    around_zero = "clip around x, to [x − ε, x + ε], not to [−ε, ε] (x_adv is the image, not the perturbation)."
    return {
        "then clamp to [0, 1]: a valid image has every pixel in [0, 1].": torch.min(torch.max(x_adv, x - eps), x + eps),
        around_zero: x_adv.clamp(-eps, eps).clamp(0, 1),
        around_zero + " ": x_adv.clamp(-eps, eps),
        "clip around x, to [x − ε, x + ε]: x + (x_adv − x).clamp(−ε, ε), then clamp to [0, 1] (you added the "
        "clipped image to x).": (x + x_adv.clamp(-eps, eps)).clamp(0, 1),
        "an L∞ ball is a box: clip each pixel on its own; you projected onto the L2 ball (rescaling the whole "
        "perturbation).": (x + delta * (eps / l2).clamp(max=1)).clamp(0, 1),
        "clip each pixel on its own: rescaling the whole perturbation until its largest pixel is ε also moves the "
        "pixels that were inside.": (x + delta * (eps / linf).clamp(max=1)).clamp(0, 1),
        "pixels already inside the ball must stay where they are: clip, don't push every pixel to x ± ε.":
            (x + eps * delta.sign()).clamp(0, 1),
    }


def check_projection(student_project: Callable) -> None:
    """Notebook 08: `student_project(x_adv, x, eps)` must return the nearest point to x_adv in the L∞ ball
    of radius eps around x that is also a valid image (every pixel in [0, 1])."""
    generator = torch.Generator().manual_seed(8)
    cases = []
    for eps in (0.03, 8 / 255, 0.2):
        x = torch.rand(4, 3, 16, 12, generator=generator)
        x[0, 0, :2] = torch.tensor([0.0, 1.0]).view(2, 1)  # pixels on the box's faces
        x_adv = x + 0.3 * torch.randn(x.shape, generator=generator)
        x_adv[1] = x[1] + eps / 2 * torch.rand(x[1].shape, generator=generator)  # some already inside
        x_adv[1] = x_adv[1].clamp(0, 1)
        cases.append((x_adv, x, eps))
    for x_adv, x, eps in cases:
        expected = _project(x_adv, x, eps)
        out = _as_tensor(_attempt(student_project, x_adv.clone(), x.clone(), eps, where=f"eps={eps:.3g}"), x,
                         "project")
        if not same_values(out, expected, atol=1e-6, rtol=0):
            worst = float((out - expected).abs().max())
            verdict(False, f"with eps={eps:.3g}: largest difference from the projection {worst:.1e}", "below 1e-6",
                    spot_mistake(out, _projection_mistakes(x_adv, x, eps), atol=1e-6, rtol=0).strip() or
                    "clip each pixel of x_adv to [x − ε, x + ε] (an L∞ ball is a box: clip coordinates one by one), "
                    "then to [0, 1].")
    verdict(True, f"the nearest valid image in the L∞ ball, for {len(cases)} radii", "the same")
