"""Exercise checks for lessons 09–10 (feature inversion and DeepDream)."""
from __future__ import annotations

from typing import Callable

import torch

from .core import run_student, verdict  # noqa: F401


def _total_variation(x: torch.Tensor, beta: float) -> torch.Tensor:
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    return (dx ** 2 + dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3))


def _as_vector(answer, n: int, what: str) -> torch.Tensor:
    if not isinstance(answer, torch.Tensor) or answer.shape != (n,):
        verdict(False, f"got {getattr(answer, 'shape', type(answer).__name__)}",
                f"a tensor of shape ({n},): one {what} per image")
    return answer.detach().double()


def check_total_variation_beta(student_tv: Callable) -> None:
    """Notebook 09: `student_tv(images, beta)` must return R_{V^β} of each image of an N×C×H×W batch,
    summed over channels and over the positions (i, j) whose right and lower neighbours exist."""
    generator = torch.Generator().manual_seed(9)
    step = torch.zeros(1, 3, 6, 7)
    step[..., 4:] = 1.0  # a vertical edge: (H − 1) = 5 rows × 3 channels of unit jumps
    cases = [(step, 1.0), (step, 2.0), (torch.rand(2, 3, 8, 9, generator=generator), 1.0),
             (torch.rand(3, 3, 10, 10, generator=generator), 2.0), (torch.rand(2, 1, 5, 12, generator=generator), 3.0)]
    worst = 0.0
    for images, beta in cases:
        answer = _as_vector(run_student(student_tv, images.clone(), beta), len(images), "total variation")
        expected = _total_variation(images.double(), beta)
        worst = max(worst, float(((answer - expected).abs() / expected.abs().clamp(min=1e-9)).max()))
    edge = float(_as_vector(run_student(student_tv, step.clone(), 1.0), 1, "total variation")[0])
    verdict(worst < 1e-4, f"R_V^β of a 5-row step edge = {edge:g}, largest relative error over "
            f"{len(cases)} batches (β = 1, 2, 3) {worst:.1e}", "15 for the edge and errors below 1e-4",
            "for each position take dx = x[i, j+1] − x[i, j] and dy = x[i+1, j] − x[i, j] on the first H−1 rows "
            "and W−1 columns, then sum (dx² + dy²)^(β/2) over channels and positions, one total per image.")


def check_relative_feature_error(student_error: Callable, bundle, layer: str | None = None) -> None:
    """Notebook 09: `student_error(features, targets)` must return ‖Φ − Φ0‖² / ‖Φ0‖² for each pair of
    N×… feature tensors (one number per image)."""
    from ..hooks import features_at
    from ..shapes import make_batch

    layer = layer or bundle.layers["middle_conv"]
    with torch.no_grad():
        feats = features_at(bundle.model, bundle.normalize(make_batch(4, seed=909)["images"]), layer)[layer].cpu()
    phi, phi0 = feats[:2].clone(), feats[2:].clone()
    expected = ((phi - phi0) ** 2).flatten(1).sum(1) / (phi0 ** 2).flatten(1).sum(1)
    known = {"itself": (phi0, 0.0), "zeros": (torch.zeros_like(phi0), 1.0), "twice": (2 * phi0, 1.0)}
    measured = {}
    for name, (features, value) in known.items():
        measured[name] = _as_vector(run_student(student_error, features.clone(), phi0.clone()), 2, "error")
        if not torch.allclose(measured[name], torch.full((2,), value, dtype=torch.float64), atol=1e-5):
            verdict(False, f"error of {name} against the target = {measured[name].tolist()}",
                    f"{value} for both images", "divide the squared distance by the squared norm of the target.")
    answer = _as_vector(run_student(student_error, phi.clone(), phi0.clone()), 2, "error")
    worst = float(((answer - expected.double()).abs() / expected.double()).max())
    verdict(worst < 1e-4, f"0 for Φ0 itself, 1 for zeros and for 2Φ0; two real {layer} pairs within {worst:.1e}",
            "relative errors within 1e-4",
            "sum the squares over every dimension except the first (the image), per image.")


def _dream_step(bundle, x: torch.Tensor, layer: str, step_size: float) -> torch.Tensor:
    from ..hooks import features_at
    x = x.detach().clone().requires_grad_(True)
    activation = features_at(bundle.model, bundle.normalize(x), layer)[layer]
    activation.backward(activation)
    return (x + step_size * x.grad / x.grad.abs().mean()).detach()


def check_dream_step(student_step: Callable, bundle, layer: str | None = None) -> None:
    """Notebook 10: `student_step(bundle, x, layer, step_size)` must move a [0, 1] image (1×3×H×W) up the
    gradient of ½‖a‖² at `layer`, by a step whose mean absolute size is exactly `step_size`."""
    from ..hooks import count_hooks, features_at

    layer = layer or bundle.layers["middle_conv"]
    generator = torch.Generator().manual_seed(10)
    x = torch.rand(1, 3, 48, 48, generator=generator).to(bundle.device)
    hooks_before = count_hooks(bundle.model)
    worst_cos, worst_size = 1.0, 0.0
    for step_size in (0.01, 0.002):
        answer = run_student(student_step, bundle, x.clone(), layer, step_size)
        if not isinstance(answer, torch.Tensor) or answer.shape != x.shape:
            verdict(False, f"got {getattr(answer, 'shape', type(answer).__name__)}",
                    f"an image of shape {tuple(x.shape)}")
        change = (answer.detach() - x).flatten().double().cpu()
        expected = (_dream_step(bundle, x, layer, step_size) - x).flatten().double().cpu()
        worst_cos = min(worst_cos, float(torch.nn.functional.cosine_similarity(change, expected, dim=0)))
        worst_size = max(worst_size, abs(float(change.abs().mean()) / step_size - 1))
    if count_hooks(bundle.model) != hooks_before:
        verdict(False, "hooks were left on the model", "none", "use helpers.features_at, which removes its hooks.")
    with torch.no_grad():
        before = float(features_at(bundle.model, bundle.normalize(x), layer)[layer].norm())
        after = float(features_at(bundle.model, bundle.normalize(answer.detach()), layer)[layer].norm())
    verdict(worst_cos > 0.999 and worst_size < 1e-3 and after > before,
            f"direction agrees with the gradient of ½‖a‖² (cosine {worst_cos:.4f}), mean |step| / step_size = "
            f"{1 + worst_size:.4f}, ‖a‖ {before:.1f} → {after:.1f}",
            "cosine above 0.999, a ratio of 1 within 1e-3 and a growing ‖a‖",
            "backpropagate with activation.backward(activation) (the gradient of ½‖a‖² is a itself), then add "
            "step_size × grad / grad.abs().mean() to the image: a step up the gradient, not down.")


def check_octave_sizes(student_sizes: Callable) -> None:
    """Notebook 10: `student_sizes(height, width, octaves, scale)` must list the pyramid's (height, width),
    smallest first and ending with the image's own size, each side round(side / scale**k)."""
    cases = [((128, 128, 4, 1.4), [(47, 47), (65, 65), (91, 91), (128, 128)]),
             ((224, 160, 3, 2.0), [(56, 40), (112, 80), (224, 160)]),
             ((100, 60, 1, 1.4), [(100, 60)])]
    for args, expected in cases:
        answer = run_student(student_sizes, *args)
        got = [tuple(int(v) for v in size) for size in answer] if isinstance(answer, (list, tuple)) else answer
        if got != expected:
            verdict(False, f"octave_sizes{args} = {got}", f"{expected}",
                    "side / scale**k for k = octaves − 1 down to 0, rounded, smallest first.")
    verdict(True, f"octave_sizes(128, 128, 4, 1.4) = {cases[0][1]}", "the same, and two more cases right")
