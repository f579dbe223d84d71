"""Exercise checks for lessons 04–06 (occlusion and saliency, guided backprop, class activation maps).

Each check runs the student's function on inputs of its own that are not degenerate (several images, non-square
maps so that a transposed answer fails, int and tensor targets, ReLU6 inputs above the cap, more channels than
classes), computes what the typical mistakes give on the same inputs, and on failure names the mistake the answer
reproduces (`spot_mistake`), else gives a general hint.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .core import attempt as _attempt, ExerciseFailed, run_student, same_values, spot_mistake, verdict



def _tensor(answer: Any) -> torch.Tensor | None:
    """The answer as a float tensor on the CPU (gradient dropped), or None when it is not array-like."""
    try:
        answer = answer.detach() if isinstance(answer, torch.Tensor) else torch.as_tensor(np.asarray(answer))
        return answer.float().cpu()
    except (TypeError, ValueError, RuntimeError):
        return None


def _shape(answer: Any) -> str:
    shape = getattr(answer, "shape", None)
    return str(tuple(shape)) if shape is not None else type(answer).__name__


# ---------------------------------------------------------------------------------------------- 04 saliency

def _input_gradient(model: nn.Module, x: torch.Tensor, pick: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """d pick(model(x)).sum() / dx, on the CPU."""
    x = x.detach().clone().requires_grad_(True)
    gradient, = torch.autograd.grad(pick(model(x)).sum(), x)
    return gradient.detach().cpu()


def _saliency_mistakes(model: nn.Module, x: torch.Tensor, targets: torch.Tensor, own: torch.Tensor, one_int: bool
                       ) -> dict[str, Callable[[], torch.Tensor]]:
    """What the usual mistakes give, each computed only when asked (most cost a backward pass); `own` is the
    right gradient, d (each image's target logit) / dx."""
    rows = torch.arange(len(x), device=x.device)
    t = targets.to(x.device)

    def through(pick: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[], torch.Tensor]:
        return lambda: _input_gradient(model, x, pick).abs().amax(dim=1)

    def first_image_only() -> torch.Tensor:
        maps = own.abs().amax(dim=1)
        maps[1:] = 0
        return maps

    mistakes = {
        "take the absolute value of the gradient (|grad|) before the maximum over colours: a large negative "
        "gradient matters as much as a large positive one.": lambda: own.amax(dim=1),
        "take |grad| first, then the maximum over colours (the maximum of the signed gradient misses the large "
        "negative ones).": lambda: own.amax(dim=1).abs(),
        "take the maximum of |grad| over the colour channels (.amax(dim=1)), not their sum.":
            lambda: own.abs().sum(dim=1),
        "take the maximum of |grad| over the colour channels (.amax(dim=1)), not their mean.":
            lambda: own.abs().mean(dim=1),
        "take the maximum of |grad| over the colour channels (.amax(dim=1)), not their L2 norm.":
            lambda: own.norm(dim=1),
        "the saliency is the gradient alone, not gradient × input.":
            lambda: (own * x.detach().cpu()).abs().amax(dim=1),
    }
    if one_int:
        mistakes["with one int target, every image gets that class, but only the first image got a map: expand it "
                 "to one target per image, torch.as_tensor(target).expand(len(x))."] = first_image_only
    else:
        mistakes.update({
            "score each image for its own target (target[i] for image i), not every image for the first target.":
                through(lambda s: s[:, t[0]]),
            "scores[:, target] is an N×N table (every image scored for every target): pick each image's own "
            "target, scores.gather(1, target.view(-1, 1)) or scores[torch.arange(N), target].":
                through(lambda s: s[:, t]),
        })
    mistakes.update({
        "backpropagate the raw score (the logit, before the softmax), not the probability.":
            through(lambda s: s.softmax(1)[rows, t]),
        "backpropagate the raw score (the logit), not the log-probability (log_softmax).":
            through(lambda s: s.log_softmax(1)[rows, t]),
        "backpropagate only the target's score, not the sum of all the class scores.": through(lambda s: s),
        "use the target: you backpropagated each image's top class, not the target asked for.":
            through(lambda s: s.amax(dim=1)),
    })
    return mistakes


def _spot_lazily(answer: torch.Tensor, mistakes: dict[str, Callable[[], torch.Tensor]], atol: float,
                 rtol: float) -> str:
    """`spot_mistake` for mistakes computed on demand, in order, stopping at the first one the answer matches."""
    return next((hint for hint, result in mistakes.items() if same_values(answer, result(), atol, rtol)), "")


def check_saliency(student_saliency: Callable, bundle) -> None:
    """Notebook 04: `student_saliency(model, x, target)` must return |d score / d x| (the raw score of each image's
    target class), max over the colour channels: N×H×W. `target` is a tensor (one class per image) or one int
    (the same class for every image)."""
    from ..shapes import make_batch
    images = make_batch(4, seed=11)["images"][..., 8:56, 12:52]  # 48×40: a transposed map has the wrong shape
    x = bundle.normalize(images.to(bundle.device))
    with torch.no_grad():
        scores = bundle.model(x)
    n, classes = scores.shape
    top = scores.argmax(1).cpu()
    per_image = (top + 1 + torch.arange(n) % (classes - 1)) % classes  # never an image's top class, not all equal
    int_target = int((top[0] + classes // 2) % classes)
    for what, target in [("a tensor of one class per image", per_image), ("one int", int_target)]:
        targets = torch.as_tensor(target).expand(n)
        rows = torch.arange(n, device=x.device)
        own = _input_gradient(bundle.model, x, lambda s: s[rows, targets.to(x.device)])
        expected = own.abs().amax(dim=1)
        int_hint = ("target may be one int (the same class for every image): make it one class per image with "
                    "torch.as_tensor(target).expand(len(x)) before picking the scores.")
        got = _attempt(student_saliency, bundle.model, x.clone(),
                       target.clone() if isinstance(target, torch.Tensor) else target,
                       where=f"target given as {what}", hint=int_hint if what == "one int" else "")
        answer = _tensor(got)
        if answer is None or answer.shape != expected.shape:
            shape = tuple(getattr(answer, "shape", ()))
            (h, w) = expected.shape[-2:]
            hint = {(n, 3, h, w): "take the maximum over the colour dimension: .amax(dim=1).",
                    (n, 1, h, w): "take the maximum over the colours without keepdim: N×H×W, not N×1×H×W.",
                    (n, w, h): "the map is transposed: keep the image's H×W order (no .T or permute).",
                    (h, w): "return one map per image (N×H×W), not one for the whole batch."}.get(
                shape, "one map per image: |gradient| of the input, max over dim=1.")
            verdict(False, f"with target given as {what}: a map of shape {_shape(got)}",
                    f"shape {tuple(expected.shape)} (N×H×W)", hint)
        scale = float(expected.abs().max())
        if not same_values(answer, expected, atol=1e-4 * scale, rtol=1e-3):
            error = float((answer - expected).abs().max()) / scale
            verdict(False, f"with target given as {what}: largest error {error:.1e} of the map's peak", "below 1e-4",
                    _spot_lazily(answer, _saliency_mistakes(bundle.model, x, targets, own, what == "one int"),
                                 atol=1e-4 * scale, rtol=1e-3) or
                    "backpropagate the logit of each image's own target class (not the softmax), then take |grad| "
                    "and its maximum over the colours.")
    verdict(True, f"|d logit / d x|, max over colours, for {n} non-square images with a tensor of targets and with "
            "one int target", "the same")


# ------------------------------------------------------------------------------------ 04 saliency segmentation

def check_saliency_segmentation(student_to_mask: Callable, saliency: torch.Tensor, images: np.ndarray,
                                masks: torch.Tensor, margin: float = 0.03) -> None:
    """Notebook 04: masks made from saliency maps must beat a centred disc's mean IoU by `margin`."""
    from ..attribution import centred_disc
    truth = masks.numpy().astype(bool)
    disc = centred_disc(truth)
    predictions = []
    for s, image, m in zip(saliency, images, truth):
        predicted = np.asarray(_attempt(student_to_mask, s.numpy().copy(), image.copy(),
                                        where="on one saliency map and its H×W×3 image"))
        if predicted.shape != m.shape:
            verdict(False, f"a mask of shape {predicted.shape}", f"shape {m.shape}",
                    "return one H×W boolean mask (for a colour image, random_walker needs channel_axis=-1)."
                    if predicted.shape[:2] == m.shape else "return one H×W boolean mask per saliency map.")
        predictions.append(predicted)
    predicted = np.stack(predictions).astype(bool)

    def iou(p: np.ndarray) -> float:
        return float(np.mean([(a & m).sum() / max((a | m).sum(), 1) for a, m in zip(p, truth)]))

    mean_iou, base = iou(predicted), iou(np.broadcast_to(disc, truth.shape))
    area, object_area = float(predicted.mean()), float(truth.mean())
    hint = ""
    if mean_iou < base + margin:
        labels = np.stack(predictions)
        if area > 0.95 or (labels.dtype != bool and np.isin(labels, (1, 2)).all() and (labels == 2).any()):
            hint = (f"your masks cover {area:.0%} of the image: random_walker returns labels (1 for the object's "
                    "seeds, 2 for the background's), and both count as True in a mask: keep labels == 1.")
        elif area < 0.005:
            hint = "your masks are (almost) empty: keep the pixels random_walker gives the object's label."
        elif iou(~predicted) > mean_iou:
            hint = ("object and background are swapped: the inverted masks fit better. Seed the object (label 1) "
                    "with the most salient pixels and the background with the least salient ones.")
        elif area < 0.5 * object_area:
            hint = (f"your masks cover {area:.0%} of the image, the objects {object_area:.0%}: grow the seeds with "
                    "random_walker along the image colours, rather than keeping only the most salient pixels.")
        elif area > 2 * object_area:
            hint = (f"your masks cover {area:.0%} of the image, the objects only {object_area:.0%}: seed more of "
                    "the background (say the less salient half) and let random_walker stop at the object's edges.")
    verdict(mean_iou >= base + margin, f"mean IoU {mean_iou:.2f} over {len(predictions)} images",
            f"≥ {base + margin:.2f} (the centred disc scores {base:.2f})", hint or
            "seed the object with the most salient pixels and the background with the least salient ones, then "
            "let skimage.segmentation.random_walker grow them along the image colours.")


# ------------------------------------------------------------------------------------------- 05 relu_backward

_RULES = ("gradient", "deconvnet", "guided")


def _relu_rule(grad: torch.Tensor, x: torch.Tensor, rule: str, upper: float) -> torch.Tensor:
    passes = ((x > 0) & (x < upper)).to(grad.dtype)
    return {"gradient": grad * passes, "deconvnet": grad.clamp(min=0), "guided": grad.clamp(min=0) * passes}[rule]


def _relu_mistakes(grad: torch.Tensor, x: torch.Tensor, rule: str, upper: float) -> dict[str, torch.Tensor]:
    positive = (x > 0).to(grad.dtype)
    passes = ((x > 0) & (x < upper)).to(grad.dtype)
    cap = ("your rule ignores the cap: a ReLU6 (upper=6) passes nothing back where its forward input was above "
           "upper, so keep the signal only where (forward_input > 0) & (forward_input < upper).")
    if rule == "gradient":
        mistakes = {
            "the gradient masks by the forward input (where x > 0), not by the sign of the backward signal (that "
            "is the deconvnet rule).": grad.clamp(min=0),
            "the gradient passes negative backward signals too: only deconvnet and guided backprop clamp the "
            "signal.": grad.clamp(min=0) * passes,
            "multiply by a 0/1 mask of where the input was positive, not by the input itself.": grad * x.clamp(min=0),
            cap: grad * positive,
        }
    elif rule == "deconvnet":
        mistakes = {
            "deconvnet ignores the forward input: it keeps the positive part of the backward signal wherever x "
            "was (you also masked by the input, as guided backprop does).": grad.clamp(min=0) * positive,
            "deconvnet ignores the forward input, the cap included: keep the positive part of the backward "
            "signal everywhere.": grad.clamp(min=0) * passes,
            "deconvnet keeps the positive part of the backward signal, not the true gradient.": grad * passes,
            "deconvnet keeps the positive part of the signal, clamp(min=0), not its absolute value.": grad.abs(),
        }
    else:
        mistakes = {
            "guided backprop also masks by the forward input (where 0 < x < upper): you returned deconvnet's "
            "rule.": grad.clamp(min=0),
            "guided backprop also drops the negative backward signals: you returned the true gradient.":
                grad * passes,
            "guided backprop masks where the input was positive, not where it was negative.":
                grad.clamp(min=0) * (x < 0).to(grad.dtype),
            cap: grad.clamp(min=0) * positive,
        }
    return {hint: result for hint, result in mistakes.items() if not torch.equal(result, _relu_rule(grad, x, rule,
                                                                                                    upper))}


class _TinyReLU6Net(nn.Module):
    """conv → ReLU6 → a residual block (conv → ReLU6, plus the skip) → mean → linear, with pre-activations on both
    sides of 0 and of 6. The skip shares its backward signal with the second ReLU6: a rule that changes
    grad_output in place corrupts it, as it would in a ResNet or an EfficientNet."""

    def __init__(self, generator: torch.Generator):
        super().__init__()
        with torch.random.fork_rng(devices=[]):  # the lesson's random state stays as it was
            torch.manual_seed(int(torch.randint(1 << 30, (1,), generator=generator)))
            self.conv1, self.act1 = nn.Conv2d(3, 6, 3, padding=1), nn.ReLU6()
            self.conv2, self.act2 = nn.Conv2d(6, 6, 3, padding=1), nn.ReLU6()
            self.fc = nn.Linear(6, 3)
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act1(6 * self.conv1(x))
        return self.fc((self.act2(3 * self.conv2(h)) + h).mean(dim=(2, 3)))


def check_relu_backward(student_backward: Callable) -> None:
    """Notebook 05: `student_backward(grad_output, forward_input, rule, upper=inf)` must return what a rectifier
    passes backwards under 'gradient', 'deconvnet' or 'guided', for nn.ReLU (upper = inf, also when called with
    three arguments) and nn.ReLU6 (upper = 6); and, used by helpers.relu_backward_rule on a small ReLU6 network,
    give the same input gradients as the true gradient and the built-in rules."""
    from ..hooks import relu_backward_rule
    generator = torch.Generator().manual_seed(5)
    # Every sign of the backward signal meets every region of the forward input: below 0, inside (0, 6), above 6
    regions = torch.tensor([-4.0, -0.6, 0.4, 2.5, 4.5, 8.0, 30.0])
    p, q = regions, regions[torch.randperm(7, generator=generator)]
    forward_input = torch.stack([p, p, q, q]) * (0.8 + 0.3 * torch.rand(4, 7, generator=generator))
    signs = torch.where(torch.rand(7, generator=generator) < 0.5, -1.0, 1.0)
    grad_output = torch.stack([signs, -signs, -signs, signs]) * (0.1 + torch.rand(4, 7, generator=generator))
    four = "relu_backward needs a fourth argument, upper=float(\"inf\"): the cap (inf for nn.ReLU, 6 for nn.ReLU6)."
    calls = [("called with three arguments (nn.ReLU)", None), ("upper=inf (nn.ReLU)", math.inf),
             ("upper=6 (nn.ReLU6)", 6.0)]
    for what, upper in calls:
        for rule in _RULES:
            args = (grad_output.clone(), forward_input.clone(), rule) + (() if upper is None else (upper,))
            try:
                got = run_student(student_backward, *args)
            except ExerciseFailed:
                raise
            except TypeError as error:
                if "argument" not in str(error):  # a TypeError of the function's own code, not of its signature
                    verdict(False, f"relu_backward(..., {rule!r}) {what} raised TypeError: {error}", "a tensor",
                            "the three rules work on tensors: grad_output * mask, grad_output.clamp(min=0).")
                called = f"relu_backward(grad_output, forward_input, {rule!r}{'' if upper is None else ', upper'})"
                verdict(False, f"{called} raised TypeError: {error}", "a tensor", four if upper is not None else
                        "relu_backward(grad_output, forward_input, rule) must work without upper: give it a default, "
                        "upper=float(\"inf\").")
            except Exception as error:  # noqa: BLE001
                verdict(False, f"relu_backward(..., {rule!r}) {what} raised {type(error).__name__}: {error}",
                        "a tensor", "handle the three rules 'gradient', 'deconvnet' and 'guided'.")
            answer = _tensor(got)
            expected = _relu_rule(grad_output, forward_input, rule, math.inf if upper is None else upper)
            if answer is None or answer.shape != expected.shape:
                verdict(False, f"rule {rule!r}, {what}: returned {_shape(got)}",
                        f"a tensor shaped like grad_output {tuple(expected.shape)}")
            if not same_values(answer, expected, atol=1e-6):
                wrong = int((~torch.isclose(answer, expected, atol=1e-6)).sum())
                verdict(False, f"rule {rule!r}, {what}: {wrong} of {expected.numel()} values wrong", "all right",
                        spot_mistake(answer, _relu_mistakes(grad_output, forward_input, rule,
                                                            math.inf if upper is None else upper), atol=1e-6) or
                        "the gradient keeps the signal where 0 < forward input < upper, deconvnet where the "
                        "signal is positive, guided backprop where both hold.")
    # Used as a backward rule, as the lesson will: through helpers.relu_backward_rule on a small ReLU6 network
    net = _TinyReLU6Net(generator).eval()
    x = torch.randn(2, 3, 5, 7, generator=generator)
    for rule in _RULES:
        reference = x.clone().requires_grad_(True)
        if rule == "gradient":
            net(reference)[:, 1].sum().backward()
        else:
            with relu_backward_rule(net, rule):
                net(reference)[:, 1].sum().backward()
        xi = x.clone().requires_grad_(True)
        try:
            with relu_backward_rule(net, lambda g, a, upper: run_student(student_backward, g, a, rule, upper)):
                net(xi)[:, 1].sum().backward()
        except ExerciseFailed:
            raise
        except Exception as error:  # noqa: BLE001
            verdict(False, f"used by helpers.relu_backward_rule(model, rule) on a small ReLU6 network, rule {rule!r} "
                    f"raised {type(error).__name__}: {error}", "an input gradient",
                    "return a new tensor shaped like grad_output (torch.Tensor, same dtype), and do not change "
                    "grad_output or forward_input in place (no [...] = 0, no clamp_).")
        if xi.grad is None or not torch.allclose(xi.grad, reference.grad, atol=1e-5, rtol=1e-4):
            verdict(False, f"used by helpers.relu_backward_rule on a small ReLU6 network, rule {rule!r} gives an "
                    "input gradient different from the " + ("true one" if rule == "gradient" else "built-in rule's"),
                    "the same", "return a new tensor: do not change grad_output in place (grad_output[...] = 0, "
                    "clamp_, mul_), other layers may share it; and use the upper argument (6 for nn.ReLU6).")
    verdict(True, "the 3 rules right for nn.ReLU (with and without upper) and nn.ReLU6 (upper=6), and through "
            "relu_backward_rule on a ReLU6 network", "all right")


# ----------------------------------------------------------------------------------------- 05 rank_correlation

def _pearson(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double().flatten(), b.double().flatten()
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm()))


def _ranks(a: torch.Tensor) -> torch.Tensor:
    return a.flatten().argsort().argsort().double()


def _correlation_mistakes(cases: list[tuple[torch.Tensor, torch.Tensor, float]]) -> dict[str, torch.Tensor]:
    def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
        return float((a * b).sum() / (a.norm() * b.norm()))

    def each(f: Callable) -> torch.Tensor:
        return torch.tensor([f(a, b) for a, b, _ in cases], dtype=torch.float64)

    values = torch.tensor([want for _, _, want in cases], dtype=torch.float64)
    sizes = torch.tensor([a.numel() for a, _, _ in cases], dtype=torch.float64)
    return {
        "correlate the ranks, not the values: Spearman is the Pearson correlation of the ranks (you took the "
        "Pearson correlation of the values).": each(_pearson),
        "argsort gives the order of the positions, not each value's rank: take argsort of argsort.":
            each(lambda a, b: _pearson(a.flatten().argsort(), b.flatten().argsort())),
        "centre the ranks (subtract their mean) before the products: without it you get a cosine, not a "
        "correlation.": each(lambda a, b: cosine(_ranks(a), _ranks(b))),
        "flatten each map first: you ranked the values within each row, not over the whole map.":
            each(lambda a, b: _pearson(a.argsort(-1).argsort(-1), b.argsort(-1).argsort(-1))),
        "use the same normalization, n or n − 1, in the covariance and in the standard deviations.":
            values * sizes / (sizes - 1),
        "use the same normalization, n or n − 1, in the covariance and in the standard deviations (you divided "
        "them differently).": values * (sizes - 1) / sizes,
    }


def check_rank_correlation(student_corr: Callable) -> None:
    """Notebook 05: Spearman correlation against known values (monotone, reversed, unrelated, 2-D maps)."""
    g = torch.Generator().manual_seed(2)
    a, b = torch.rand(40, generator=g), torch.rand(40, generator=g)
    c, d = torch.rand(6, 7, generator=g), torch.rand(6, 7, generator=g)
    d = 0.6 * d + 0.4 * c  # related, not monotone
    cases = [(a, a ** 3, 1.0), (a, -a, -1.0), (a.view(5, 8), (a * 2 + 1).view(5, 8), 1.0),
             (a, b, _pearson(_ranks(a), _ranks(b))), (c, d, _pearson(_ranks(c), _ranks(d))),
             (c, -d ** 2, _pearson(_ranks(c), _ranks(-d ** 2)))]
    got = []
    for x, y, _ in cases:
        answer = _attempt(student_corr, x.clone(), y.clone(), where=f"on two maps of shape {tuple(x.shape)}")
        try:
            got.append(float(answer))
        except (TypeError, ValueError, RuntimeError):
            verdict(False, f"rank_correlation returned {_shape(answer)} for two maps of shape {tuple(x.shape)}",
                    "one number", "flatten both maps, and return the single correlation (float(...)), not a matrix.")
    got = torch.tensor(got, dtype=torch.float64)
    expected = torch.tensor([want for _, _, want in cases], dtype=torch.float64)
    worst = float((got - expected).abs().max())
    verdict(worst < 1e-6, f"largest error {worst:.1e} over {len(cases)} pairs", "below 1e-6",
            spot_mistake(got, _correlation_mistakes(cases), atol=1e-6, rtol=0) or
            "rank each flattened map (argsort of argsort gives ranks), then take the Pearson correlation of the ranks.")


# ------------------------------------------------------------------------------------ 06 class_activation_map

def _cam(features: torch.Tensor, weights: torch.Tensor, c: int) -> torch.Tensor:
    return torch.einsum("k,khw->hw", weights[c], features)


def _cam_mistakes(features: torch.Tensor, weights: torch.Tensor, c: int) -> dict[str, torch.Tensor | None]:
    """What the usual mistakes give; None stands for "another class's map" (any of them, see `_spot_cam`)."""
    m = _cam(features, weights, c)
    mistakes = {
        "a CAM is signed: no ReLU (negative evidence counts too, and mean(M_c) + b_c must give the class score).":
            m.clamp(min=0),
        "sum over the K channels, not their mean.": m / len(features),
        "the map must vary over positions: weight each feature map A_k(i, j) at every position, not only its "
        "average.": m.mean().expand_as(m),
        "return the raw weighted sum: no rescaling to [0, 1] (the lesson rescales maps only to show them).":
            (m - m.min()) / (m.max() - m.min()),
        "return the raw weighted sum: no division by the largest value (the lesson rescales maps only to show "
        "them).": m / m.abs().max(),
        "weight the channels by the classifier's weights: you summed the feature maps unweighted.": features.sum(0),
    }
    mistakes["use the weights of class c, row c of weights (weights[c]), not those of another class."] = None
    return mistakes


def _spot_cam(answer: torch.Tensor, features: torch.Tensor, weights: torch.Tensor, c: int, atol: float) -> str:
    mistakes = _cam_mistakes(features, weights, c)
    for hint, result in mistakes.items():
        if result is None:  # another class's weights
            if any(same_values(answer, _cam(features, weights, other), atol=atol) for other in range(len(weights))
                   if other != c):
                return hint
        elif same_values(answer, result, atol=atol):
            return hint
    return ""


def _cam_case(student_cam: Callable, features: torch.Tensor, weights: torch.Tensor, c: int, what: str) -> torch.Tensor:
    k, h, w = features.shape
    got = _attempt(student_cam, features.clone(), weights.clone(), c, where=what,
                   hint=f"weights is C×K ({len(weights)}×{k} here: one row per class), so weights[c] holds class c's K "
                        "weights; features is K×h×w.")
    answer = _tensor(got)
    expected = _cam(features.float().cpu(), weights.float().cpu(), c)
    if answer is None or answer.shape != expected.shape:
        shape = tuple(getattr(answer, "shape", ()))
        hint = {(w, h): "the map is transposed: keep the features' h×w order.",
                (k, h, w): "sum the weighted maps over k (the channels): one h×w map.",
                (k,): "keep the positions: sum over the channels k only, not over i and j.",
                (): "return the h×w map, not one number (that would be the class score, up to the bias)."}.get(
            shape, "sum over k, the channels (dim 0 of features), not over a spatial dimension: an h×w map."
            if len(shape) == 2 and k in shape else "sum over k, the channels (dim 0 of features): an h×w map.")
        verdict(False, f"a map of shape {_shape(got)} ({what})", f"shape {(h, w)}, as the K×h×w features", hint)
    atol = 1e-4 * float(expected.abs().max())
    if not same_values(answer, expected, atol=atol, rtol=1e-3):
        error = float((answer - expected).abs().max() / expected.abs().max())
        verdict(False, f"{what}: largest error {error:.1e} of the map's peak", "below 1e-4",
                _spot_cam(answer, features.float().cpu(), weights.float().cpu(), c, atol) or
                "M_c(i, j) = Σ_k weights[c, k] · features[k, i, j]: weight each of the K maps and sum over k.")
    return answer


def check_class_activation_map(student_cam: Callable, bundle) -> None:
    """Notebook 06: `student_cam(features, weights, c)` must return M_c = Σ_k w_ck A_k (h×w) for one image's K×h×w
    features and the C×K classifier weights; on the model, mean(M_c) plus the bias gives the class score."""
    from ..hooks import features_at, get_layer
    from ..shapes import make_batch
    g = torch.Generator().manual_seed(6)
    features, weights = torch.randn(5, 3, 4, generator=g), torch.randn(4, 5, generator=g)  # K=5, C=4, h≠w
    for c in range(len(weights)):
        _cam_case(student_cam, features, weights, c, f"for hand-made 5×3×4 features and class {c}")
    images = make_batch(3, seed=12)["images"][..., :, 4:60]  # non-square, so the features are too
    x = bundle.normalize(images.to(bundle.device))
    with torch.no_grad():
        features = features_at(bundle.model, x, bundle.layers["cam"])[bundle.layers["cam"]]
        scores = bundle.model(x).cpu()
    head = get_layer(bundle.model, bundle.layers["cam_weights"])
    weights, bias = head.weight.detach().flatten(1), head.bias.detach().cpu()
    worst = 0.0
    for n in range(len(x)):
        for c in range(weights.shape[0]):
            m = _cam_case(student_cam, features[n], weights, c, f"for the model's features of image {n}, class {c}")
            worst = max(worst, abs(m.mean().item() + bias[c].item() - scores[n, c].item()))
    verdict(worst < 1e-3, f"the maps match Σ_k w_ck A_k, and mean(M_c) + b_c matches the class score within "
            f"{worst:.1e}", "within 1e-3",
            "weight each of the K maps by the classifier's weight w[c, k] and sum over k.")


# ------------------------------------------------------------------------------------------------- 06 grad_cam

def _grad_cam(acts: torch.Tensor, grads: torch.Tensor) -> torch.Tensor:
    return torch.relu(torch.einsum("k,khw->hw", grads.mean(dim=(1, 2)), acts))


def _grad_cam_mistakes(acts: torch.Tensor, grads: torch.Tensor) -> dict[str, torch.Tensor]:
    alpha = grads.mean(dim=(1, 2))
    signed = torch.einsum("k,khw->hw", alpha, acts)
    right = torch.relu(signed)
    return {
        "alpha_k is the mean of the gradient over the positions, not its sum.":
            torch.relu(torch.einsum("k,khw->hw", grads.sum(dim=(1, 2)), acts)),
        "apply a ReLU at the end: Grad-CAM keeps only the positive evidence.": signed,
        "alpha_k is one number per channel (the mean of its gradient over the positions), not a weight at each "
        "position.": torch.relu((grads * acts).sum(0)),
        "keep the gradient's sign in alpha_k (no absolute value): negative gradients are evidence against the class.":
            torch.relu(torch.einsum("k,khw->hw", grads.abs().mean(dim=(1, 2)), acts)),
        "keep the negative gradients in alpha_k: the ReLU comes once, after the weighted sum.":
            torch.relu(torch.einsum("k,khw->hw", grads.clamp(min=0).mean(dim=(1, 2)), acts)),
        "apply the ReLU once, after the sum over k, not to each weighted map.":
            torch.relu(alpha[:, None, None] * acts).sum(0),
        "sum the weighted maps over k, not their mean.": right / len(acts),
        "return the raw map: no rescaling to [0, 1] (the lesson rescales maps only to show them).":
            right / right.max(),
        "alpha_k is the mean of the gradient over the positions (dims 1 and 2), not over the channels.":
            torch.relu(grads.mean(0) * acts.sum(0)),
    }


def check_grad_cam(student_gradcam: Callable) -> None:
    """Notebook 06: `student_gradcam(activations, gradients)` (both K×h×w) must return ReLU(Σ_k alpha_k A_k) with
    alpha_k the mean of the gradient over positions: an h×w map. Hand-made non-square cases with a known answer."""
    g = torch.Generator().manual_seed(3)
    cases = []
    for k, h, w in [(6, 4, 7), (3, 5, 2)]:
        acts = torch.rand(k, h, w, generator=g) * torch.rand(k, 1, 1, generator=g) * 3
        grads = torch.randn(k, h, w, generator=g) + 0.3 * torch.randn(k, 1, 1, generator=g)
        cases.append((f"{k}×{h}×{w} activations", acts, grads))
    cases.append(("gradients that are all negative", cases[0][1], -cases[0][2].abs()))
    for what, acts, grads in cases:
        expected = _grad_cam(acts, grads)
        got = _attempt(student_gradcam, acts.clone(), grads.clone(), where=what)
        answer = _tensor(got)
        k, h, w = acts.shape
        if answer is None or answer.shape != expected.shape:
            hint = {(w, h): "the map is transposed: keep the activations' h×w order.",
                    (k, h, w): "sum the weighted maps over k (the channels): one h×w map."}.get(
                tuple(getattr(answer, "shape", ())), "alpha has one value per channel; Σ_k alpha_k A_k is h×w.")
            verdict(False, f"with {what}: a map of shape {_shape(got)}", f"shape {(h, w)}", hint)
        if not same_values(answer, expected, atol=1e-5):
            error = float((answer - expected).abs().max())
            verdict(False, f"with {what}: largest error {error:.1e}", "below 1e-5",
                    spot_mistake(answer, _grad_cam_mistakes(acts, grads), atol=1e-5) or
                    "alpha_k is the mean of the gradient over positions; sum alpha_k · A_k over k, then apply a ReLU.")
    verdict(True, f"ReLU(Σ_k alpha_k A_k) on {len(cases)} hand-made cases, non-square ones included", "the same")
