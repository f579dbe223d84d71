"""Exercise checks for lesson 13 (fast feed-forward style networks): instance norm and conditional instance norm,
each compared with torch's own instance norm on non-degenerate batches (non-square maps, N > 1, a channel of
tiny variance where eps matters), with the usual mistakes named."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from .core import run_student, same_values, spot_mistake, verdict


def _tensor_answer(answer, shape) -> None:
    if not isinstance(answer, torch.Tensor) or tuple(answer.shape) != tuple(shape):
        verdict(False, f"got {getattr(answer, 'shape', type(answer).__name__)}", f"a tensor of shape {tuple(shape)}",
                "keep the input's N×C×H×W shape: statistics with keepdim=True broadcast back over H×W.")


def _inputs(generator: torch.Generator, n: int, c: int, h: int, w: int) -> torch.Tensor:
    """Channels with different means and spreads per image, the last one nearly constant (variance ~1e-5, so
    that where eps goes matters)."""
    x = torch.randn(n, c, h, w, generator=generator) * (torch.rand(n, c, 1, 1, generator=generator) * 5 + 0.5) + \
        torch.randn(n, c, 1, 1, generator=generator) * 3
    x[:, -1] = 0.05 + 0.004 * torch.randn(n, h, w, generator=generator)
    return x


def _normalize(x, dims=(2, 3), unbiased=False, eps=1e-5, eps_outside=False):
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, unbiased=unbiased)
    return (x - mean) / (var.sqrt() + eps if eps_outside else (var + eps).sqrt())


def _affine(normalized, gamma, beta):
    """gamma, beta: C (one per channel) or N×C (one row per image)."""
    shape = (1, -1, 1, 1) if gamma.dim() == 1 else (gamma.shape[0], gamma.shape[1], 1, 1)
    return gamma.reshape(shape) * normalized + beta.reshape(shape)


def _norm_mistakes(x, gamma, beta, eps) -> dict[str, torch.Tensor]:
    """What the usual mistakes compute, with gamma and beta already per channel (C) or per image (N×C)."""
    return {
        "normalize each image on its own: statistics over dims (2, 3) only, not over the batch too (that is batch "
        "norm).": _affine(_normalize(x, (0, 2, 3), eps=eps), gamma, beta),
        "use the biased variance, var(unbiased=False): instance norm divides by H·W, not H·W − 1.":
            _affine(_normalize(x, unbiased=True, eps=eps), gamma, beta),
        "normalize each channel separately: statistics over dims (2, 3), not over the channels too (dims 1, 2, 3 "
        "is layer norm).": _affine(_normalize(x, (1, 2, 3), eps=eps), gamma, beta),
        "put eps inside the square root: (x − μ) / sqrt(σ² + eps), not / (sqrt(σ²) + eps).":
            _affine(_normalize(x, eps=eps, eps_outside=True), gamma, beta),
        "gamma scales and beta shifts: gamma · x̂ + beta, not beta · x̂ + gamma.":
            _affine(_normalize(x, eps=eps), beta, gamma),
        "take the statistics over both spatial dims (2, 3), not over one of them.":
            _affine(_normalize(x, (3,), eps=eps), gamma, beta),
        "divide by the standard deviation sqrt(σ² + eps), not by the variance.":
            _affine((x - x.mean((2, 3), keepdim=True)) / (x.var((2, 3), keepdim=True, unbiased=False) + eps), gamma, beta),
    }


def _untouched(x: torch.Tensor, original: torch.Tensor) -> None:
    if not torch.equal(x, original):
        verdict(False, "your function changed its input x in place", "x left untouched",
                "compute new tensors (x - mean makes one); in-place ops such as x -= mean or x.sub_() overwrite the "
                "activations the rest of the network still needs.")


def check_instance_norm(student_instance_norm: Callable) -> None:
    """Notebook 13: `student_instance_norm(x, gamma, beta, eps)` must normalize each image's each channel
    over its own H×W positions (biased variance, eps inside the square root), then scale by gamma and shift by
    beta (one per channel), exactly like torch's instance norm, and give every image the same result whatever
    else is in the batch."""
    generator = torch.Generator().manual_seed(13)
    worst, worst_alone = 0.0, 0.0
    for n, c, h, w in [(2, 3, 5, 7), (4, 8, 16, 12), (3, 2, 4, 6)]:
        x = _inputs(generator, n, c, h, w)
        gamma, beta = torch.randn(c, generator=generator) + 1.5, torch.randn(c, generator=generator) * 2
        given = x.clone()
        answer = run_student(student_instance_norm, given, gamma.clone(), beta.clone(), 1e-5)
        _untouched(given, x)
        _tensor_answer(answer, x.shape)
        answer = answer.detach().float()
        expected = F.instance_norm(x, weight=gamma, bias=beta, eps=1e-5)
        if not same_values(answer, expected, atol=1e-3, rtol=1e-3):
            hint = spot_mistake(answer, _norm_mistakes(x, gamma, beta, 1e-5), atol=1e-3, rtol=1e-3)
            verdict(False, f"largest difference from F.instance_norm {(answer - expected).abs().max():.1e} on a "
                    f"{n}×{c}×{h}×{w} batch", "below 1e-3", hint or "mean and biased variance over dims (2, 3) with "
                    "keepdim=True, (x − mean) / sqrt(var + eps), then gamma and beta reshaped to 1×C×1×1.")
        worst = max(worst, (answer - expected).abs().max().item())
        alone = run_student(student_instance_norm, x[:1].clone(), gamma.clone(), beta.clone(), 1e-5)
        _tensor_answer(alone, x[:1].shape)
        worst_alone = max(worst_alone, (alone.detach().float() - answer[:1]).abs().max().item())
    verdict(worst < 1e-3 and worst_alone < 1e-4,
            f"largest difference from F.instance_norm {worst:.1e}; an image alone vs in its batch {worst_alone:.1e}",
            "below 1e-3 and 1e-4", "each image's statistics must come from that image alone.")


def check_conditional_instance_norm(student_cin: Callable) -> None:
    """Notebook 13: `student_cin(x, style_weights, gammas, betas, eps)` must instance-normalize x and apply
    gamma = style_weights @ gammas and beta = style_weights @ betas (style_weights N×S, gammas S×C): a
    one-hot row picks one style's parameters, a mixed row interpolates them, and each image in a batch
    may use its own weights."""
    generator = torch.Generator().manual_seed(31)
    n, s, c = 3, 4, 5
    x = _inputs(generator, n, c, 6, 7)
    gammas, betas = torch.randn(s, c, generator=generator) + 1.0, torch.randn(s, c, generator=generator) * 2
    weights = {
        "one-hot (style 2 for all)": torch.eye(s)[[2, 2, 2]],
        "one-hot (a different style per image)": torch.eye(s)[[0, 3, 1]],
        "mixed (0.3 / 0.7 of styles 0 and 1)": torch.tensor([[0.3, 0.7, 0.0, 0.0]]).repeat(n, 1),
        "mixed (a different mix per image)": torch.softmax(2 * torch.randn(n, s, generator=generator), 1),
    }
    for name, w in weights.items():
        given = x.clone()
        answer = run_student(student_cin, given, w.clone(), gammas.clone(), betas.clone(), 1e-5)
        _untouched(given, x)
        _tensor_answer(answer, x.shape)
        answer = answer.detach().float()
        gamma, beta = w @ gammas, w @ betas            # N×C: one row per image
        expected = torch.cat([F.instance_norm(x[i:i + 1], weight=gamma[i], bias=beta[i], eps=1e-5) for i in range(n)])
        if same_values(answer, expected, atol=1e-3, rtol=1e-3):
            continue
        hard = torch.eye(s)[w.argmax(1)]
        mistakes = {
            "each image has its own row of style_weights: gamma = style_weights @ gammas is N×C, one row per "
            "image (not the first image's weights for the whole batch).":
                _affine(_normalize(x), w[:1] @ gammas, w[:1] @ betas).expand_as(x),
            "a mixed row must interpolate the styles' parameters, gamma = style_weights @ gammas (weighted by "
            "every style's weight), not pick the strongest style.": _affine(_normalize(x), hard @ gammas, hard @ betas),
            **_norm_mistakes(x, gamma, beta, 1e-5),
        }
        hint = spot_mistake(answer, mistakes, atol=1e-3, rtol=1e-3)
        verdict(False, f"largest difference from instance norm with the mixed (γ, β) "
                f"{(answer - expected).abs().max():.1e} with style weights {name}", "below 1e-3",
                hint or "gamma = style_weights @ gammas and beta = style_weights @ betas give N×C, one row per image; "
                "reshape them to N×C×1×1 and apply them to the instance-normalized x.")
    verdict(True, f"instance norm with the mixed (γ, β) on {len(weights)} sets of style weights (one-hot, mixed, "
            "per image)", "within 1e-3")
