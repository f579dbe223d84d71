"""Exercise checks for lesson 07 (gradient ascent: class and channel visualization).

Each check runs the student's function on inputs of its own that are not degenerate (batches of several images
with different gradient scales, non-square images, per-channel valid ranges, int/list/tensor targets), computes
what the typical mistakes would give on the same inputs, and on failure names the mistake the answer reproduces
(`spot_mistake`), else gives a general hint. `check_ascend` runs the student's gradient-ascent loop: short runs
on analytic objectives measure the step, the L2 decay, the jitter, the clamp and each prior, and a short climb on
the shapes model measures that the target classes' probabilities rise from below 0.05 to above 0.9.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from .core import attempt as _attempt, ExerciseFailed, same_values, spot_mistake, verdict



def _shape(answer: Any) -> str:
    return str(tuple(answer.shape)) if isinstance(answer, torch.Tensor) else type(answer).__name__


# ------------------------------------------------------------------------------------------- class_scores

def check_class_scores(student_class_scores: Callable, bundle) -> None:
    """Notebook 07: `student_class_scores(b, targets)` must return an objective for `ascend`: a function that maps
    a batch of model-space images (N×3×H×W) to each image's raw score (logit, before the softmax) for its own
    target class, with the gradient kept. `targets` may be a list, a tensor (one class per image) or one int
    (the same class for every image)."""
    generator = torch.Generator().manual_seed(7)
    images = 0.8 * torch.randn(4, 3, 56, 48, generator=generator)  # non-square; the network pools globally
    with torch.no_grad():
        logits = bundle.model(images.to(bundle.device)).cpu()
    rows = torch.arange(4)
    cases = [("a list", [0, 3, 9, 3]), ("a tensor", torch.tensor([5, 1, 1, 8])), ("one int", 6)]
    for what, targets in cases:
        t = torch.as_tensor(targets).expand(4)
        expected = logits[rows, t]
        objective = _attempt(student_class_scores, bundle, list(targets) if isinstance(targets, list) else targets,
                             where=f"targets given as {what}")
        if not callable(objective):
            verdict(False, f"class_scores returned {type(objective).__name__}",
                    "a function of the images (an objective that ascend can call)",
                    "return a function: def objective(x): ... return ..., or a lambda x: ...")
        x = images.clone().to(bundle.device).requires_grad_(True)
        int_hint = ("with one int, every image gets that class: convert with torch.as_tensor(targets) and index "
                    "scores[torch.arange(len(x)), targets] (the int broadcasts).")
        try:
            got = objective(x)
        except ExerciseFailed:
            raise
        except Exception as error:  # noqa: BLE001
            verdict(False, f"objective(images) with targets given as {what} raised {type(error).__name__}: {error}",
                    "one score per image", int_hint if what == "one int" else
                    "targets may be a list, a tensor or one int: convert with torch.as_tensor(targets, device=b.device).")
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != (4,):
            shape = tuple(getattr(got, "shape", ()))
            hint = ("score each image for its own target, scores[torch.arange(len(x)), targets]: scores[:, targets] "
                    "is an N×N table." if shape == (4, 4) else
                    "return one value per image, not their sum (ascend needs each image's own value)."
                    if shape == () else int_hint if what == "one int" else "one value per image.")
            verdict(False, f"objective(4 images) with targets given as {what} returned {_shape(got)}",
                    "a tensor of 4 values, one per image", hint)
        mistakes = {
            "take the raw score (the logit, before the softmax), not the probability: the probability can also "
            "rise by pushing the other classes down.": torch.softmax(logits, 1)[rows, t],
            "take the raw score (the logit), not the log-probability (log_softmax): that one also rises by pushing "
            "the other classes down.": torch.log_softmax(logits, 1)[rows, t],
            "score each image for its own target (targets[i] for image i), not every image for the first target.":
                logits[:, t[0]],
            "use targets: you returned each image's largest score (its top class), not its target's.":
                logits.max(1).values,
        }
        if not same_values(got.detach().cpu(), expected, atol=1e-4):
            verdict(False, f"with targets given as {what}: {[round(v, 3) for v in got.detach().cpu().tolist()]}",
                    f"the logits of the targets {[round(v, 3) for v in expected.tolist()]}",
                    spot_mistake(got.detach().cpu(), mistakes, atol=1e-4) or
                    "call b.model(x) on the function's argument x and pick each image's target logit.")
        if not got.requires_grad:
            verdict(False, "the objective's values carry no gradient", "values that ascend can differentiate",
                    "compute the scores inside the function from its argument, with the graph kept: no torch.no_grad(), "
                    ".detach() or .item() (ascend calls .backward() on them).")
        gradient, = torch.autograd.grad(got.sum(), x)
        reference = images.clone().to(bundle.device).requires_grad_(True)
        wanted, = torch.autograd.grad(bundle.model(reference)[rows.to(bundle.device), t.to(bundle.device)].sum(),
                                      reference)
        if not torch.allclose(gradient, wanted, atol=1e-5, rtol=1e-4):
            verdict(False, "the objective's gradient with respect to the images differs from the target logits'",
                    "the gradient of the chosen logits", "compute the scores from the images the objective is "
                    "called with (its argument), not from a batch computed earlier.")
    verdict(True, "each image's own target logit, with its gradient, for targets given as a list, a tensor and "
            "one int", "the same")


# ---------------------------------------------------------------------------------- clip_small_contribution

def _small(score: torch.Tensor, percent: float, per_image: bool = True) -> torch.Tensor:
    if per_image:
        threshold = torch.quantile(score.flatten(1), percent / 100, dim=1).view(-1, 1, 1, 1)
    else:
        threshold = torch.quantile(score.flatten(), percent / 100)
    return score < threshold


def _clip_contribution(images: torch.Tensor, grads: torch.Tensor, percent: float) -> torch.Tensor:
    contribution = (images * grads).sum(dim=1, keepdim=True).abs()
    return images.masked_fill(_small(contribution, percent), 0.0)


def _clip_values(images: torch.Tensor, percent: float) -> torch.Tensor:
    return images.masked_fill(_small(images.norm(dim=1, keepdim=True), percent), 0.0)


def _clip_mistakes(images: torch.Tensor, grads: torch.Tensor, percent: float) -> dict[str, torch.Tensor]:
    products = images * grads
    signed = products.sum(dim=1, keepdim=True)
    contribution = signed.abs()
    return {
        "rank the pixels by their contribution |Σ_c x·g| (image times gradient), not by their value |x|.":
            _clip_values(images, percent),
        "zero whole pixels (all channels together), ranked by |Σ_c x·g| summed over the colours, not each channel "
        "on its own.": images.masked_fill(products.abs() < torch.quantile(
            products.abs().flatten(2), percent / 100, dim=2)[..., None, None], 0.0),
        "take the absolute value of the contribution: a pixel whose contribution is large and negative matters "
        "as much as a large positive one.": images.masked_fill(_small(signed, percent), 0.0),
        "the contribution is the absolute value of the sum over colours, |Σ_c x·g|, not the sum of absolute "
        "values Σ_c |x·g|.": images.masked_fill(_small(products.abs().sum(1, keepdim=True), percent), 0.0),
        "take the threshold (quantile) per image, not over the whole batch.":
            images.masked_fill(_small(contribution, percent, per_image=False), 0.0),
        "zero the pixels with the *smallest* contribution (below the percent quantile), not the largest.":
            images.masked_fill(~_small(contribution, 100 - percent), 0.0),
    }


def check_clip_small_contribution(student_clip: Callable) -> None:
    """Notebook 07: `student_clip(images, grads, percent)` must set to 0 (all channels) the pixels whose
    contribution |Σ_c x·g| lies in the lowest `percent` % of each image, and leave the others unchanged."""
    generator = torch.Generator().manual_seed(1)
    for percent in (25.0, 40.0):
        # Non-square images of different scales; gradients with mixed signs so |Σ| differs from Σ|·| and from Σ
        images = torch.randn(3, 3, 9, 12, generator=generator) * torch.tensor([1.0, 3.0, 0.3]).view(3, 1, 1, 1)
        grads = torch.randn(3, 3, 9, 12, generator=generator) * torch.rand(3, 1, 9, 12, generator=generator)
        got = _attempt(student_clip, images.clone(), grads.clone(), percent, where=f"percent={percent:g}")
        if not isinstance(got, torch.Tensor) or got.shape != images.shape:
            verdict(False, f"clip_small_contribution returned {_shape(got)}", f"new images of shape {tuple(images.shape)}")
        expected = _clip_contribution(images, grads, percent)
        got = got.detach().cpu()
        if not same_values(got, expected, atol=1e-6):
            zeroed = (got == 0).all(dim=1).float().mean().item()
            verdict(False, f"at {percent:g}%: {zeroed:.0%} of the pixels zeroed, but not the expected ones",
                    f"the {percent:g}% of each image's pixels with the smallest |Σ_c x·g| set to 0, the others unchanged",
                    spot_mistake(got, _clip_mistakes(images, grads, percent), atol=1e-6) or
                    "contribution = (images * grads).sum(dim=1, keepdim=True).abs(); compare it with its per-image "
                    "quantile (small_pixels does that) and zero all channels of the pixels below it.")
    verdict(True, "the zeroed pixels are exactly those of smallest |Σ_c x·g|, per image, whole pixels at a time",
            "the lowest-contribution pixels zeroed")


# ------------------------------------------------------------------------------------------------ ascend

def _blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """The lesson's gaussian_blur (separable, reflect padding), to know what the prior should give."""
    radius = max(1, int(np.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-t ** 2 / (2 * sigma ** 2))
    kernel = (kernel / kernel.sum()).repeat(images.shape[1], 1, 1, 1)
    x = F.pad(images, [radius] * 4, mode="reflect")
    x = F.conv2d(x, kernel, groups=images.shape[1])
    return F.conv2d(x, kernel.transpose(2, 3), groups=images.shape[1])


def _valid_range(bundle) -> tuple[torch.Tensor, torch.Tensor]:
    return (bundle.normalize(torch.zeros(1, 3, 1, 1)).cpu(), bundle.normalize(torch.ones(1, 3, 1, 1)).cpu())


def _linear(weights: torch.Tensor) -> Callable:
    """An analytic objective: image i's value is Σ weights[i] · x_i, so its gradient is weights[i] everywhere."""
    return lambda x: (x * weights.to(x.device)).sum(dim=(1, 2, 3))


def _run(student_ascend: Callable, bundle, objective: Callable, n: int, size: int, steps: int, what: str,
         **settings: Any) -> torch.Tensor:
    settings = dict(dict(lr=0.0, l2=0.0, jitter=0, blur_every=0, blur_sigma=0.5, value_percent=0.0,
                         contribution_percent=0.0, init_std=0.3, seed=0), **settings)
    out = _attempt(student_ascend, bundle, objective, n, size, steps, where=what, **settings)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (n, 3, size, size):
        verdict(False, f"ascend(n={n}, size={size}) returned {_shape(out)} ({what})", f"a tensor of shape {(n, 3, size, size)}",
                "start from n images of size×size and return them (images.detach()).")
    return out.detach().float().cpu()


def _step(start: torch.Tensor, weights: torch.Tensor, l2: float, lr: float
          ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The change one right step makes, and what the usual mistakes make instead."""
    def per_image(g: torch.Tensor) -> torch.Tensor:
        return lr * g / g.abs().mean(dim=(1, 2, 3), keepdim=True)
    right = weights - 2 * l2 * start
    return per_image(right), {
        "ascend: step along +gradient (images += ...), to make the objective larger, not smaller.": -per_image(right),
        "the L2 penalty is subtracted: maximize objective − l2·‖I‖², so its gradient −2·l2·I pulls the pixels towards 0 "
        "(you added it, which pushes them away).": per_image(weights + 2 * l2 * start),
        "use the argument l2: subtract l2 · (images²).sum(dim=(1, 2, 3)) from the objective before backward().":
            per_image(weights),
        "the L2 penalty is the sum of the squared pixels of each image, (images ** 2).sum(dim=(1, 2, 3)), not their "
        "mean.": per_image(weights - 2 * l2 * start / start[0].numel()),
        "normalize the step: divide each image's gradient by its mean absolute value, so that the mean pixel change "
        "is lr (you stepped lr · gradient).": lr * right,
        "normalize each image by its own mean absolute gradient (mean over dim=(1, 2, 3), keepdim=True), not by one "
        "mean over the whole batch.": lr * right / right.abs().mean(),
        "step along the gradient itself, divided by its mean absolute value, not along its sign.": lr * right.sign(),
        "divide by the *mean absolute value* of each image's gradient, not by its largest value.":
            lr * right / right.abs().amax(dim=(1, 2, 3), keepdim=True),
        "divide by the *mean absolute value* of each image's gradient, not by its L2 norm.":
            lr * right / right.flatten(1).norm(dim=1).view(-1, 1, 1, 1),
    }


def check_ascend(student_ascend: Callable, bundle, steps: int = 20) -> None:
    """Notebook 07: `student_ascend(b, objective, n, size, steps, lr, l2, jitter, blur_every, blur_sigma,
    value_percent, contribution_percent, init_std, seed)` runs gradient ascent on n model-space images.

    Short runs on analytic objectives (image i's value Σ w_i · x_i, or one chosen pixel) measure: the start
    (init_std · noise, reproducible with seed), one normalized step with the L2 penalty (direction, per-image
    normalization, sign of the penalty), the clamp to the valid range (per channel), the jitter (the objective
    sees shifted copies and the gradient reaches the unshifted image), the blur every blur_every steps and the two
    clipping priors. Then a short climb with all priors on the shapes model must raise three target classes'
    probabilities from below 0.05 to above 0.9."""
    if bundle.kind != "shapes":
        raise ValueError("check_ascend measures its climb on the shapes model: pass the shapes bundle")
    g = torch.Generator().manual_seed(77)

    # 1. The start: init_std · Gaussian noise, the same for the same seed, different for another.
    objective = _linear(torch.randn(2, 3, 12, 12, generator=g))
    first = _run(student_ascend, bundle, objective, 2, 12, 0, "steps=0", init_std=0.3, seed=3)
    again = _run(student_ascend, bundle, objective, 2, 12, 0, "steps=0", init_std=0.3, seed=3)
    other = _run(student_ascend, bundle, objective, 2, 12, 0, "steps=0", init_std=0.3, seed=4)
    if not torch.equal(first, again) or torch.equal(first, other):
        verdict(False, "two runs with the same seed started from " + ("different images" if not torch.equal(first, again)
                else "the same images as a run with another seed"), "the same start for the same seed only",
                "call torch.manual_seed(seed) (the argument) before drawing the starting noise.")
    if not (0.2 < first.std().item() < 0.4 and abs(first.mean().item()) < 0.1):
        verdict(False, f"the start (steps=0, init_std=0.3) has mean {first.mean():.2f} and std {first.std():.2f}",
                "mean 0 and std 0.3", "start from init_std · torch.randn(n, 3, size, size): noise around the mean "
                "colour, which is 0 in model space.")

    # 2. One step with the L2 penalty: images += lr · G / mean|G| per image, G = ∇objective − 2·l2·I.
    weights = torch.randn(2, 3, 12, 12, generator=g) * torch.tensor([1.0, 30.0]).view(2, 1, 1, 1)
    lr, l2 = 0.02, 1.0
    start = _run(student_ascend, bundle, _linear(weights), 2, 12, 0, "steps=0", init_std=0.3, seed=5)
    stepped = _run(student_ascend, bundle, _linear(weights), 2, 12, 1, "one step with l2=1", lr=lr, l2=l2,
                   init_std=0.3, seed=5)
    expected, mistakes = _step(start, weights, l2, lr)
    change = stepped - start
    if not same_values(change, expected, atol=2e-5, rtol=1e-3):
        mean_change = change.abs().mean(dim=(1, 2, 3))
        verdict(False, f"one step (lr={lr}, l2={l2}) moved the two images' pixels by {mean_change[0]:.3g} and "
                f"{mean_change[1]:.3g} on average, not in the expected direction",
                f"lr · G / mean|G| per image with G = ∇objective − 2·l2·I (mean change {lr} each)",
                spot_mistake(change, mistakes, atol=2e-5, rtol=1e-3) or
                "value = objective(images) − l2 · (images²).sum(dim=(1, 2, 3)); backward on value.sum(); then "
                "images += lr · g / g.abs().mean(dim=(1, 2, 3), keepdim=True) under torch.no_grad().")

    # 3. The clamp: pushed hard, every pixel ends inside the valid range of its own channel, and reaches its ends.
    skewed = dataclasses.replace(bundle, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))  # per-channel range
    low, high = _valid_range(skewed)
    signs = torch.randint(0, 2, (2, 3, 10, 10), generator=g).float() * 2 - 1
    pushed = _run(student_ascend, skewed, _linear(signs), 2, 10, 12, "12 large steps", lr=0.6, init_std=0.3, seed=6)
    outside = float(torch.maximum(pushed - high, low - pushed).clamp_min(0).max())
    reach = float(torch.maximum((pushed.amax(dim=(0, 2, 3)) - high.flatten()).abs(),
                                (pushed.amin(dim=(0, 2, 3)) - low.flatten()).abs()).max())
    if outside > 1e-4 or reach > 1e-4:
        verdict(False, f"after 12 large steps some pixels lie {outside:.2f} outside the valid range" if outside > 1e-4
                else f"after 12 large steps the pixels stop {reach:.2f} short of the valid range's ends",
                "every pixel within, and the pushed ones exactly at, the model-space values of pixels 0 and 1 of its "
                "channel", "clamp after every step to the range valid_range(b) gives (per channel: "
                "torch.maximum(torch.minimum(images, high), low)), not to fixed numbers.")

    # 4. Jitter: each image's objective is one pixel of channel 0; with jitter the gradient, rolled back to the
    #    unshifted image, lands within ±jitter of that pixel, centred on it; nothing else changes.
    size, jitter, where = 24, 3, [(12, 14), (9, 10)]

    def pixel_objective(x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x[i, 0, r, c] for i, (r, c) in enumerate(where)])

    start = _run(student_ascend, bundle, pixel_objective, 2, size, 0, "steps=0", init_std=0.3, seed=8)
    jittered = _run(student_ascend, bundle, pixel_objective, 2, size, 20, "20 steps with jitter=3", lr=2e-4,
                    jitter=jitter, init_std=0.3, seed=8)
    rows, cols = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing="ij")
    untouched, spreads, offsets = True, [], []
    for i, (r, c) in enumerate(where):
        near = ((rows - r).abs() <= jitter) & ((cols - c).abs() <= jitter)
        untouched &= torch.equal(jittered[i, 1:], start[i, 1:]) and torch.equal(jittered[i, 0][~near], start[i, 0][~near])
        mass = (jittered[i, 0] - start[i, 0]).clamp_min(0)
        total = mass.sum().clamp_min(1e-12)
        cy, cx = float((mass * rows).sum() / total), float((mass * cols).sum() / total)
        offsets.append(math.hypot(cy - r, cx - c))
        spreads.append(float((mass * ((rows - r) ** 2 + (cols - c) ** 2)).sum() / total))
    if not untouched:
        verdict(False, "with jitter, pixels far from the one the objective depends on changed",
                "only pixels within ±jitter of it change", "undo the jitter: shift a copy for the objective, "
                "shifted = torch.roll(images, shifts=(dy, dx), dims=(2, 3)), and let the gradient flow back through "
                "the roll to the unshifted images (or roll the image back after the step); the image itself must not "
                "wander.")
    if max(spreads) < 3:
        verdict(False, f"with jitter=3 the gradient always landed on the objective's own pixel (mean squared "
                f"distance {max(spreads):.1f} px²)", "a spread over ±3 px around it (about 8 px²)",
                "the jitter did nothing: every step draw new offsets dy, dx in [−jitter, jitter], let the objective see "
                "torch.roll(images, shifts=(dy, dx), dims=(2, 3)), and take the gradient with respect to the unshifted "
                "images (a gradient taken with respect to the shifted copy must be rolled back, by (−dy, −dx), to undo "
                "the jitter).")
    if max(spreads) > 20 or max(offsets) > 2.0:
        verdict(False, f"with jitter=3 the gradient landed up to {max(offsets):.1f} px off the objective's pixel on "
                f"average, spread {max(spreads):.1f} px²", "centred on it, spread about 8 px²",
                "offsets within ±jitter (torch.randint(-jitter, jitter + 1, (2,))), and undo the jitter once: the "
                "gradient must reach the unshifted image through the roll (or be rolled back by the opposite offset).")

    # 5. The three priors between the steps, with lr = 0 so that only the prior changes the images.
    weights = torch.randn(2, 3, 16, 16, generator=g)
    start = _run(student_ascend, bundle, _linear(weights), 2, 16, 0, "steps=0", init_std=0.3, seed=9)
    blurred = _run(student_ascend, bundle, _linear(weights), 2, 16, 4, "blur_every=2, blur_sigma=0.8", init_std=0.3,
                   seed=9, blur_every=2, blur_sigma=0.8)
    once = _blur(start, 0.8)
    blur_mistakes = {
        "blur only every blur_every-th step (steps // blur_every times in all), not after every step.":
            _blur(_blur(_blur(once, 0.8), 0.8), 0.8),
        "use the argument blur_sigma as the blur's standard deviation.": _blur(_blur(start, 0.5), 0.5),
        "blur the images when blur_every is set: gaussian_blur(images, blur_sigma) every blur_every steps.": start,
        "blur after every blur_every-th step, steps // blur_every times in all (4 steps, every 2: twice), "
        "not once.": once,
    }
    if not same_values(blurred, _blur(once, 0.8), atol=1e-4):
        verdict(False, "4 steps with lr=0, blur_every=2 and blur_sigma=0.8 did not give the start blurred twice",
                "gaussian_blur(·, 0.8) applied twice", spot_mistake(blurred, blur_mistakes, atol=1e-4) or
                "after the step (and the clamp): if blur_every and (step + 1) % blur_every == 0, replace the images by "
                "gaussian_blur(images, blur_sigma).")
    for setting, expected, hint in [
            (dict(value_percent=30.0), _clip_values(start, 30.0),
             "when value_percent is set, replace the images by clip_small_values(images, value_percent) after every step."),
            (dict(contribution_percent=30.0), _clip_contribution(start, weights, 30.0),
             "when contribution_percent is set, replace the images by clip_small_contribution(images, gradient, "
             "contribution_percent) after every step, with the gradient of this step (images.grad), not the values.")]:
        name = ", ".join(f"{k}={v:g}" for k, v in setting.items())
        clipped = _run(student_ascend, bundle, _linear(weights), 2, 16, 1, name, init_std=0.3, seed=9, **setting)
        if not same_values(clipped, expected, atol=1e-5):
            verdict(False, f"one step with lr=0 and {name} zeroed {(clipped == 0).all(dim=1).float().mean():.0%} of "
                    "the pixels, not the expected ones", "the 30% of pixels that prior ranks lowest set to 0", hint)

    # 6. The measurement: a short climb with every prior on the shapes model.
    targets = torch.tensor([3, 5, 8])  # star, ring, arrow

    def scores(x: torch.Tensor) -> torch.Tensor:
        return bundle.model(x)[torch.arange(len(x), device=x.device), targets.to(x.device)]

    def probability(x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.softmax(bundle.model(x.to(bundle.device)), 1).cpu()[torch.arange(3), targets]

    priors = dict(lr=0.1, l2=3e-3, jitter=4, blur_every=5, blur_sigma=0.5, value_percent=10.0,
                  contribution_percent=10.0, init_std=0.5, seed=0)
    size = bundle.input_size
    before = probability(_run(student_ascend, bundle, scores, 3, size, 0, "steps=0 on the shapes model", **priors))
    after = probability(_run(student_ascend, bundle, scores, 3, size, steps, f"{steps} steps on the shapes model",
                             **priors))
    measured = (f"in {steps} steps with every prior on, the shapes model's probabilities of star, ring and arrow went "
                f"from {', '.join(f'{p:.3f}' for p in before.tolist())} to {', '.join(f'{p:.2f}' for p in after.tolist())}")
    if not bool((before < 0.05).all()):
        verdict(False, measured, "a start below 0.05 (noise around the mean colour)",
                "start from init_std · torch.randn(n, 3, size, size).")
    verdict(bool((after > 0.9).all()), measured, "all above 0.9 from below 0.05",
            "each step: objective of the jittered images minus the L2 penalty, backward, a normalized step up, the "
            "clamp, then the priors.")


# ------------------------------------------------------------------------------------- high_frequency_energy

def _energy(images: torch.Tensor, cutoff: float, mistake: str = "") -> torch.Tensor:
    """The fraction of power above `cutoff`, or what a known mistake computes instead."""
    x = images if mistake == "mean kept" else images - images.mean(dim=(-2, -1), keepdim=True)
    spectrum = torch.fft.fft2(x).abs() ** (1 if mistake == "amplitude" else 2)
    h, w = x.shape[-2:]
    if mistake == "unshifted":
        fy, fx = (torch.arange(h) / h).view(-1, 1), (torch.arange(w) / w).view(1, -1)
    else:
        fy, fx = torch.fft.fftfreq(h).view(-1, 1), torch.fft.fftfreq(w).view(1, -1)
    radius = {"max": torch.maximum(fy.abs(), fx.abs()), "sum": fy.abs() + fx.abs()}.get(
        mistake, (fx ** 2 + fy ** 2).sqrt())
    high = radius > cutoff
    if mistake == "per channel":
        return ((spectrum * high).sum(dim=(2, 3)) / spectrum.sum(dim=(2, 3)).clamp(min=1e-12)).mean(1)
    return (spectrum * high).sum(dim=(1, 2, 3)) / spectrum.sum(dim=(1, 2, 3)).clamp(min=1e-12)


_ENERGY_HINTS = {
    "mean kept": "subtract each channel's mean first: the constant (DC) term is not a frequency of the pattern.",
    "amplitude": "use the power |F|² (squared magnitude), not the amplitude |F|.",
    "max": "the radial frequency is sqrt(fx² + fy²), not max(|fx|, |fy|).",
    "sum": "the radial frequency is sqrt(fx² + fy²), not |fx| + |fy|.",
    "unshifted": "use torch.fft.fftfreq for the frequencies: bins past the middle are negative frequencies "
                 "(k/n for k < n/2, (k − n)/n after), not k/n.",
    "per channel": "sum the power over all channels before dividing: one fraction per image, not the mean of "
                   "the channels' fractions.",
}


def check_high_frequency_energy(student_energy: Callable) -> None:
    """Notebook 07: `student_energy(images, cutoff)` must return, per image, the fraction of the power
    spectrum (mean removed, all channels) at radial frequencies above `cutoff` cycles per pixel, and 0 for a
    constant image. Tested on non-square images with waves at off-grid frequencies and channels of different
    power, at two cutoffs."""
    h, w = 36, 52
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                            indexing="ij")
    generator = torch.Generator().manual_seed(3)
    slow = torch.cos(2 * math.pi * (0.07 * xs + 0.03 * ys))           # well below both cutoffs
    fast = torch.cos(2 * math.pi * (0.31 * ys + 0.04 * xs + 0.2))     # above both
    middle = torch.cos(2 * math.pi * 0.2 * xs)                        # between the two cutoffs
    images = torch.stack([
        torch.full((3, h, w), 0.75),                                                   # constant: 0
        torch.stack([0.5 + 0.3 * slow, 0.2 + 2 * fast, 0.1 * middle]),                 # channels of unequal power
        torch.stack([slow + 2 * fast, fast, middle + 0.5 * slow]),
        torch.rand(3, h, w, generator=generator),                                      # white noise
        ((-1.0) ** (xs + ys)).expand(3, h, w) + 3.0,                                    # checkerboard on a bright field
    ])
    for cutoff in (0.25, 0.15):
        got = _attempt(student_energy, images.clone(), cutoff, where=f"cutoff={cutoff}")
        if not isinstance(got, torch.Tensor) or got.shape != (len(images),):
            verdict(False, f"high_frequency_energy returned {_shape(got)}", f"one value per image ({len(images)},)")
        got = got.detach().float().cpu()
        expected = _energy(images, cutoff)
        if not same_values(got, expected, atol=1e-4):
            mistakes = {hint: _energy(images, cutoff, name) for name, hint in _ENERGY_HINTS.items()}
            if cutoff != 0.25:
                mistakes["use the argument cutoff, not a fixed 0.25."] = _energy(images, 0.25)
            hint = spot_mistake(got, mistakes, atol=1e-4)
            if not hint and not torch.isfinite(got[0]):
                hint = "return 0 for a constant image (clamp the total power away from 0 before dividing)."
            verdict(False, f"at cutoff {cutoff}: {[round(v, 4) for v in got.tolist()]}",
                    f"{[round(v, 4) for v in expected.tolist()]}", hint or
                    "subtract each channel's mean, take |torch.fft.fft2|² (power), and divide the power at "
                    "sqrt(fx² + fy²) > cutoff (torch.fft.fftfreq gives cycles per pixel) by the total, all channels "
                    "together; return 0 for a constant image.")
    verdict(True, f"right at cutoffs 0.25 and 0.15 on {len(images)} non-square {h}×{w} images (constant, off-grid "
            "waves, unequal channels, noise, checkerboard)", "the same")
