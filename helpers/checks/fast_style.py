"""Exercise checks for lesson 13 (fast feed-forward style networks)."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from .core import run_student, verdict


def _tensor_answer(answer, shape) -> None:
    if not isinstance(answer, torch.Tensor) or tuple(answer.shape) != tuple(shape):
        verdict(False, f"got {getattr(answer, 'shape', type(answer).__name__)}", f"a tensor of shape {tuple(shape)}")


def check_instance_norm(student_instance_norm: Callable) -> None:
    """Notebook 13: `student_instance_norm(x, gamma, beta, eps)` must normalize each image's each channel
    over its own H×W positions (biased variance), then scale by gamma and shift by beta (one per channel),
    exactly like torch's instance norm, and give every image the same result whatever else is in the batch."""
    generator = torch.Generator().manual_seed(13)
    worst, worst_alone = 0.0, 0.0
    for n, c, h, w in [(2, 3, 5, 7), (4, 8, 16, 16), (1, 1, 4, 4)]:
        x = torch.randn(n, c, h, w, generator=generator) * torch.rand(n, c, 1, 1, generator=generator) * 5 + 3
        gamma, beta = torch.randn(c, generator=generator), torch.randn(c, generator=generator)
        answer = run_student(student_instance_norm, x.clone(), gamma.clone(), beta.clone(), 1e-5)
        _tensor_answer(answer, x.shape)
        expected = F.instance_norm(x, weight=gamma, bias=beta, eps=1e-5)
        worst = max(worst, (answer - expected).abs().max().item())
        alone = run_student(student_instance_norm, x[:1].clone(), gamma.clone(), beta.clone(), 1e-5)
        _tensor_answer(alone, x[:1].shape)
        worst_alone = max(worst_alone, (alone - answer[:1]).abs().max().item())
    verdict(worst < 1e-4 and worst_alone < 1e-5,
            f"largest difference from F.instance_norm {worst:.1e}; an image alone vs in its batch {worst_alone:.1e}",
            "both below 1e-4",
            "take the mean and the biased variance (unbiased=False) over dims (2, 3) only, with keepdim=True; "
            "reshape gamma and beta to 1×C×1×1.")


def check_conditional_instance_norm(student_cin: Callable) -> None:
    """Notebook 13: `student_cin(x, style_weights, gammas, betas, eps)` must instance-normalize x and apply
    gamma = style_weights @ gammas and beta = style_weights @ betas (style_weights N×S, gammas S×C): a
    one-hot row picks one style's parameters, a mixed row interpolates them, and each image in a batch
    may use its own weights."""
    generator = torch.Generator().manual_seed(31)
    n, s, c = 3, 4, 5
    x = torch.randn(n, c, 6, 6, generator=generator) * 2 + 1
    gammas, betas = torch.randn(s, c, generator=generator), torch.randn(s, c, generator=generator)
    weights = {
        "one-hot (style 2 for all)": torch.eye(s)[[2, 2, 2]],
        "one-hot (a different style per image)": torch.eye(s)[[0, 3, 1]],
        "mixed (0.3 / 0.7 of styles 0 and 1)": torch.tensor([[0.3, 0.7, 0.0, 0.0]]).repeat(n, 1),
        "mixed (a different mix per image)": torch.softmax(torch.randn(n, s, generator=generator), 1),
    }
    errors = {}
    for name, w in weights.items():
        answer = run_student(student_cin, x.clone(), w.clone(), gammas.clone(), betas.clone(), 1e-5)
        _tensor_answer(answer, x.shape)
        expected = torch.cat([F.instance_norm(x[i:i + 1], weight=w[i] @ gammas, bias=w[i] @ betas, eps=1e-5)
                              for i in range(n)])
        errors[name] = (answer - expected).abs().max().item()
    worst_case = max(errors, key=errors.get)
    verdict(errors[worst_case] < 1e-4, f"largest difference from instance norm with the mixed (γ, β) "
            f"{errors[worst_case]:.1e} over {len(errors)} cases (worst: {worst_case})", "below 1e-4",
            "mix the parameters, not the outputs: gamma = style_weights @ gammas gives N×C, one row per image; "
            "reshape it to N×C×1×1 before scaling the normalized x.")
