"""Exercise checks for lessons 00–03 (setup, filters, activations and receptive fields, embeddings)."""
from __future__ import annotations

from typing import Callable

import torch

from .core import run_student, verdict


def check_top_k(student_top_k: Callable, bundle, image) -> None:
    """Notebook 00: `student_top_k(logits, class_names, k)` must return the k most probable
    (class name, probability) pairs, most probable first, with probabilities from a softmax."""
    with torch.no_grad():
        logits = bundle.model(bundle.preprocess(image))[0].cpu()
    expected = bundle.predict(image, k=3)
    answer = run_student(student_top_k, logits.clone(), list(bundle.class_names), 3)
    if not isinstance(answer, (list, tuple)) or len(answer) != 3:
        verdict(False, f"got {type(answer).__name__} of length {len(answer) if hasattr(answer, '__len__') else '?'}",
                "a list of 3 (name, probability) pairs")
    names_ok = [name for name, _ in answer] == [name for name, _ in expected]
    error = max(abs(float(p) - q) for (_, p), (_, q) in zip(answer, expected))
    verdict(names_ok and error < 1e-4,
            f"classes {[n for n, _ in answer]}, largest probability error {error:.1e}",
            f"classes {[n for n, _ in expected]} with probabilities within 1e-4",
            "apply torch.softmax to the logits, then take topk; probabilities must sum to 1 over all classes.")


def check_count_relus(student_count: Callable, models: dict) -> None:
    """Notebook 00: `student_count(model)` must count the nn.ReLU modules of a model."""
    measured, expected = {}, {}
    for name, model in models.items():
        measured[name] = run_student(student_count, model)
        expected[name] = sum(isinstance(m, torch.nn.ReLU) for m in model.modules())
    verdict(measured == expected, f"counted {measured}", f"{expected}",
            "walk model.modules() (it visits every submodule, nested ones included).")


def check_normalize_filters(student_normalize: Callable, weight: torch.Tensor) -> None:
    """Notebook 01: every filter of the result must span exactly [0, 1], keeping the weights' order."""
    cases = [weight.detach().cpu().float(), torch.randn(5, 2, 3, 3) * torch.arange(1, 6).view(5, 1, 1, 1)]
    worst = 0.0
    for w in cases:
        out = run_student(student_normalize, w.clone())
        if not isinstance(out, torch.Tensor) or out.shape != w.shape:
            verdict(False, f"got {getattr(out, 'shape', type(out).__name__)}", f"a tensor of shape {tuple(w.shape)}")
        low = w.amin(dim=(1, 2, 3), keepdim=True)
        expected = (w - low) / (w.amax(dim=(1, 2, 3), keepdim=True) - low)
        worst = max(worst, (out - expected).abs().max().item())
    verdict(worst < 1e-5, f"largest difference from per-filter min-max scaling {worst:.1e}", "below 1e-5",
            "take the min and max of each weight[f] over its (channel, height, width) dimensions, not of the "
            "whole tensor.")


def check_filter_response(student_response: Callable, conv: torch.nn.Conv2d) -> None:
    """Notebook 01: a hand-computed response must equal F.conv2d's at random positions, borders included."""
    generator = torch.Generator().manual_seed(0)
    weight = conv.weight.detach().cpu()[:4]
    bias = conv.bias.detach().cpu() if conv.bias is not None else None
    padding = weight.shape[-1] // 2
    image = torch.rand(weight.shape[1], 20, 20, generator=generator)
    reference = torch.nn.functional.conv2d(image[None], weight, padding=padding)[0]
    positions = [(0, 0), (19, 19), (0, 19)] + torch.randint(0, 20, (12, 2), generator=generator).tolist()
    worst = 0.0
    for f in range(len(weight)):
        b = float(bias[f]) if bias is not None else 0.3 * f
        for row, col in positions:
            got = float(run_student(student_response, image, weight[f], b, row, col, padding))
            worst = max(worst, abs(got - (reference[f, row, col].item() + b)))
    verdict(worst < 1e-4, f"largest difference from the conv layer over {len(positions) * len(weight)} positions "
            f"{worst:.1e}", "below 1e-4",
            "pad the image first, then take the k×k patch whose top-left corner is (row, col) in the padded image.")


# Known answers for receptive-field arithmetic: (layers as (kernel, stride, padding, dilation), sizes, jumps)
_FIELD_CASES = [
    ([(3, 1, 1, 1), (3, 1, 1, 1), (3, 1, 1, 1)], [3, 5, 7], [1, 1, 1]),            # three 3×3 convs
    ([(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1)],        # VGG-like with pooling
     [3, 4, 8, 10, 18], [1, 2, 2, 4, 4]),
    ([(7, 2, 3, 1), (3, 2, 1, 1), (3, 1, 1, 2)], [7, 11, 27], [2, 4, 4]),           # ResNet stem, then dilation 2
]


def check_receptive_field(student_field: Callable) -> None:
    """Notebook 02: sizes and jumps of layer arithmetic on chains with known answers."""
    wrong = []
    for layers, sizes, jumps in _FIELD_CASES:
        got_sizes, got_jumps, got_centres = run_student(student_field, layers)
        if [float(s) for s in got_sizes] != sizes or [float(j) for j in got_jumps] != jumps:
            wrong.append(f"{layers}: sizes {list(got_sizes)} jumps {list(got_jumps)}, expected {sizes} and {jumps}")
    # a 'same'-padded stride-1 conv keeps the first centre at 0.5 (the first pixel's centre)
    _, _, centres = run_student(student_field, [(3, 1, 1, 1), (5, 1, 2, 1)])
    if [float(c) for c in centres] != [0.5, 0.5]:
        wrong.append(f"centres after 'same' convs {list(centres)}, expected [0.5, 0.5]")
    verdict(not wrong, f"{len(_FIELD_CASES) + 1 - len(wrong)} of {len(_FIELD_CASES) + 1} chains right"
            + (f"; first wrong: {wrong[0]}" if wrong else ""), f"all {len(_FIELD_CASES) + 1}",
            "the size grows by (k - 1) · d · (jump so far); the jump multiplies by the stride after that.")


def check_unit_box(student_box: Callable, field_fn: Callable) -> None:
    """Notebook 02: the box of a unit must be centred on centre + index · jump and be `size` wide."""
    sizes, jumps, centres = run_student(field_fn, [(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1)])
    size, jump, centre = sizes[-1], jumps[-1], centres[-1]
    cases = {(0, 0): (centre - size / 2, centre - size / 2), (3, 5): (centre + 5 * jump - size / 2,
                                                                      centre + 3 * jump - size / 2)}
    worst = 0.0
    for (row, col), (x0, y0) in cases.items():
        got = run_student(student_box, row, col, size, jump, centre)
        expected = (x0, y0, x0 + size, y0 + size)
        worst = max(worst, max(abs(float(a) - b) for a, b in zip(got, expected)))
    verdict(worst < 1e-6, f"largest coordinate error {worst:.2g} px", "0",
            "the unit at (row, col) is centred at x = centre + col · jump, y = centre + row · jump.")


def check_nearest_neighbours(student_nn: Callable) -> None:
    """Notebook 03: indices of the k nearest rows (Euclidean), nearest first, on random and tied data."""
    generator = torch.Generator().manual_seed(0)
    bank = torch.randn(200, 16, generator=generator)
    queries = torch.randn(5, 16, generator=generator)
    expected = torch.cdist(queries, bank).topk(4, largest=False).indices
    got = torch.as_tensor(run_student(student_nn, queries, bank, 4))
    if got.shape != expected.shape:
        verdict(False, f"result of shape {tuple(got.shape)}", f"shape {tuple(expected.shape)} (queries × k)")
    matches = (got == expected).float().mean().item()
    verdict(matches == 1.0, f"{matches:.0%} of neighbour indices right", "100%",
            "compute all query-to-bank distances (torch.cdist), then take the k smallest per row, nearest first.")


def check_unit_correlation(student_corr: Callable) -> None:
    """Notebook 03: Pearson correlation of every unit (column) with one factor, against torch.corrcoef."""
    generator = torch.Generator().manual_seed(1)
    factor = torch.randn(300, generator=generator)
    units = torch.randn(300, 6, generator=generator) + factor[:, None] * torch.tensor([0, 0.5, 1, 2, -1, 0.1])
    units[:, 0] = 3.0  # a dead unit: its correlation is undefined, and should come back as 0
    got = torch.as_tensor(run_student(student_corr, units, factor), dtype=torch.float32)
    expected = torch.stack([torch.corrcoef(torch.stack([units[:, j], factor]))[0, 1] for j in range(6)])
    expected[0] = 0.0
    error = (got - expected).abs().max().item() if got.shape == expected.shape else float("inf")
    verdict(error < 1e-4, f"largest error {error:.1e}", "below 1e-4 (and 0 for a constant unit)",
            "centre both variables, then divide their mean product by the product of their standard deviations; "
            "guard the division for units that never change.")
