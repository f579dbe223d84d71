"""Exercise checks for lessons 11–12 (texture synthesis and neural style transfer)."""
from __future__ import annotations

from .core import run_student, verdict  # noqa: F401

from typing import Callable

import torch


def _reference_gram(features: torch.Tensor) -> torch.Tensor:
    flat = features.reshape(features.shape[0], -1)
    return flat @ flat.T


def _as_tensor(value, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        verdict(False, f"got {type(value).__name__}", f"a torch.Tensor ({what})")
    return value.detach().float()


def check_gram_matrix(student_gram: Callable) -> None:
    """Notebook 11: `student_gram(features)` for a C×H×W map must return F Fᵀ with F the C×HW reshape."""
    g = torch.Generator().manual_seed(11)
    worst, symmetric = 0.0, True
    for c, h, w in [(3, 4, 5), (8, 6, 6), (16, 3, 7)]:
        features = torch.relu(torch.randn(c, h, w, generator=g))
        got = _as_tensor(run_student(student_gram, features.clone()), "C×C")
        if got.shape != (c, c):
            verdict(False, f"shape {tuple(got.shape)} for a {c}×{h}×{w} map", f"{c}×{c}",
                    "reshape to C×(H·W) and multiply by its transpose (C×HW @ HW×C), not the other way round.")
        worst = max(worst, (got - _reference_gram(features)).abs().max().item())
        symmetric &= torch.allclose(got, got.T, atol=1e-5)
    verdict(worst < 1e-4 and symmetric, f"largest difference from F Fᵀ {worst:.1e}", "below 1e-4",
            "features.reshape(C, H * W) keeps each channel in one row; reshape(H * W, C) scrambles channels.")


def _reference_texture_loss(features: dict, targets: dict, weights: dict) -> torch.Tensor:
    total = torch.zeros(())
    for layer, f in features.items():
        n, m = f.shape[1], f.shape[2] * f.shape[3]
        total = total + weights[layer] * ((_reference_gram(f[0]) / m - targets[layer]) ** 2).sum() / (4 * n * n)
    return total


def check_texture_loss(student_loss: Callable) -> None:
    """Notebook 11: `student_loss(features, targets, weights)`: sum_l w_l/(4 N_l²) Σ (G_l/M_l − T_l)², with
    G_l the Gram of the 1×N×H×W features (M_l = H·W positions) and T_l a per-position target Gram."""
    g = torch.Generator().manual_seed(12)
    worst, graph = 0.0, True
    for sizes in ([(4, 6, 6), (8, 3, 3)], [(6, 10, 8), (12, 5, 4), (16, 2, 2)]):
        layers = [f"layer{i}" for i in range(len(sizes))]
        features = {k: torch.relu(torch.randn(1, *s, generator=g)).requires_grad_(True) for k, s in zip(layers, sizes)}
        targets = {}
        for k, (n, h, w) in zip(layers, sizes):  # the source is twice the size of the generated image
            source = torch.relu(torch.randn(n, 2 * h, 2 * w, generator=g))
            targets[k] = _reference_gram(source) / (4 * h * w)
        weights = {k: float(v) for k, v in zip(layers, torch.rand(len(layers), generator=g) * 3 + 0.5)}
        got = run_student(student_loss, features, {k: v.clone() for k, v in targets.items()}, dict(weights))
        if not isinstance(got, torch.Tensor) or got.numel() != 1:
            verdict(False, f"got {type(got).__name__} {tuple(getattr(got, 'shape', ()))}", "a scalar tensor")
        graph &= got.requires_grad
        expected = _reference_texture_loss(features, targets, weights).item()
        worst = max(worst, abs(got.item() - expected) / expected)
    verdict(worst < 1e-4 and graph, f"largest relative error {worst:.1e}"
            + ("" if graph else ", and the result is detached from the features (no gradient)"),
            "below 1e-4, differentiable",
            "per layer: G = gram_matrix(f[0]) / (H·W), then w · ((G − T)²).sum() / (4·N²); sum over the layers. "
            "Keep it in torch (no .item()) so it can be backpropagated.")


def check_content_loss(student_loss: Callable) -> None:
    """Notebook 12: `student_loss(features, target, weight)` = weight · Σ (F − P)² over all entries."""
    g = torch.Generator().manual_seed(21)
    worst, graph = 0.0, True
    for shape, weight in [((1, 8, 5, 5), 1.0), ((1, 16, 4, 6), 0.03), ((2, 4, 3, 3), 7.5)]:
        features = torch.randn(*shape, generator=g).requires_grad_(True)
        target = torch.randn(*shape, generator=g)
        got = run_student(student_loss, features, target.clone(), weight)
        if not isinstance(got, torch.Tensor) or got.numel() != 1:
            verdict(False, f"got {type(got).__name__} {tuple(getattr(got, 'shape', ()))}", "a scalar tensor")
        graph &= got.requires_grad
        expected = weight * ((features - target) ** 2).sum().item()
        worst = max(worst, abs(got.item() - expected) / expected)
    verdict(worst < 1e-4 and graph, f"largest relative error {worst:.1e}"
            + ("" if graph else ", and the result is detached (no gradient)"), "below 1e-4, differentiable",
            "sum (not mean) the squared differences over every entry, then multiply by the weight.")


def check_total_variation(student_tv: Callable) -> None:
    """Notebook 12: `student_tv(x, weight)` = weight · (Σ vertical + Σ horizontal squared neighbour differences)."""
    g = torch.Generator().manual_seed(22)
    constant = run_student(student_tv, torch.full((1, 3, 6, 6), 0.7), 1.0)
    if not isinstance(constant, torch.Tensor) or constant.numel() != 1:
        verdict(False, f"got {type(constant).__name__}", "a scalar tensor")
    ramp = torch.arange(5.0).view(1, 1, 1, 5).expand(1, 1, 4, 5).clone()  # horizontal steps of 1: 4 rows × 4 steps
    ramp_tv = run_student(student_tv, ramp, 1.0).item()
    worst = 0.0
    for shape, weight in [((1, 3, 7, 9), 1.0), ((2, 3, 5, 4), 0.02)]:
        x = torch.randn(*shape, generator=g)
        expected = weight * (((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum() + ((x[..., 1:] - x[..., :-1]) ** 2).sum())
        got = run_student(student_tv, x.clone(), weight).item()
        worst = max(worst, abs(got - expected.item()) / expected.item())
    passed = abs(constant.item()) < 1e-6 and abs(ramp_tv - 16) < 1e-4 and worst < 1e-4
    verdict(passed, f"constant image {constant.item():.3g}, 4×5 ramp {ramp_tv:.4g}, random images: "
            f"largest relative error {worst:.1e}", "0, 16 and below 1e-4",
            "square the differences between vertical neighbours (x[..., 1:, :] − x[..., :-1, :]) and between "
            "horizontal ones (x[..., :, 1:] − x[..., :, :-1]), sum both, multiply by the weight.")


def check_mix_grams(student_mix: Callable) -> None:
    """Notebook 12: `student_mix(targets, mix)` = per layer Σ_i m_i A_i / Σ_i m_i for a list of Gram-target dicts."""
    g = torch.Generator().manual_seed(23)
    styles = [{"a": torch.rand(4, 4, generator=g), "b": torch.rand(6, 6, generator=g)} for _ in range(3)]
    copies = lambda: [{k: v.clone() for k, v in s.items()} for s in styles]  # noqa: E731
    cases = [((0.0, 1.0, 0.0), styles[1]),
             ((2.0, 2.0, 0.0), {k: (styles[0][k] + styles[1][k]) / 2 for k in "ab"}),
             ((1.0, 3.0, 4.0), {k: (styles[0][k] + 3 * styles[1][k] + 4 * styles[2][k]) / 8 for k in "ab"})]
    worst = 0.0
    for mix, expected in cases:
        got = run_student(student_mix, copies(), list(mix))
        if not isinstance(got, dict) or set(got) != set(expected):
            verdict(False, f"got {type(got).__name__} with keys {sorted(got) if isinstance(got, dict) else '—'}",
                    "a dict with the same layers as each style's targets")
        worst = max(worst, max((got[k].float() - expected[k]).abs().max().item() for k in expected))
    verdict(worst < 1e-5, f"largest difference from the weighted average {worst:.1e}", "below 1e-5",
            "divide by the sum of the mixing weights, so that weights (2, 2) give the plain average.")
