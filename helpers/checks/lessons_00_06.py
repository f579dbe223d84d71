"""Exercise checks for lessons 00–06 (setup, filters, activations, embeddings, attribution)."""
from __future__ import annotations

from typing import Callable

import numpy as np
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


def check_saliency(student_saliency: Callable, bundle) -> None:
    """Notebook 04: |d score / d x| max over channels, for a batch with one target per image."""
    from ..shapes import make_batch
    batch = make_batch(6, seed=11)
    x = bundle.normalize(batch["images"].to(bundle.device))
    targets = batch["labels"]
    reference_x = x.clone().requires_grad_(True)
    bundle.model(reference_x).gather(1, targets.view(-1, 1).to(bundle.device)).sum().backward()
    expected = reference_x.grad.abs().amax(dim=1).cpu()
    got = run_student(student_saliency, bundle.model, x.clone(), targets)
    got = torch.as_tensor(got).detach().float().cpu()
    if got.shape != expected.shape:
        verdict(False, f"a map of shape {tuple(got.shape)}", f"shape {tuple(expected.shape)} (N×H×W)",
                "take the maximum over the colour dimension (dim=1).")
    error = ((got - expected).abs().max() / expected.abs().max()).item()
    verdict(error < 1e-4, f"largest relative error {error:.1e}", "below 1e-4",
            "backpropagate the logit of each image's own target class (not the softmax), then take |grad|.")


def check_saliency_segmentation(student_to_mask: Callable, saliency: torch.Tensor, images: np.ndarray,
                                masks: torch.Tensor, margin: float = 0.03) -> None:
    """Notebook 04: masks made from saliency maps must beat a centred disc's mean IoU by `margin`."""
    from ..attribution import centred_disc
    truth = masks.numpy().astype(bool)
    disc = centred_disc(truth)
    ious, baseline = [], []
    for s, image, m in zip(saliency, images, truth):
        predicted = np.asarray(run_student(student_to_mask, s.numpy().copy(), image.copy()), dtype=bool)
        if predicted.shape != m.shape:
            verdict(False, f"a mask of shape {predicted.shape}", f"shape {m.shape}")
        ious.append((predicted & m).sum() / max((predicted | m).sum(), 1))
        baseline.append((disc & m).sum() / max((disc | m).sum(), 1))
    mean_iou, base = float(np.mean(ious)), float(np.mean(baseline))
    verdict(mean_iou >= base + margin, f"mean IoU {mean_iou:.2f} over {len(ious)} images",
            f"≥ {base + margin:.2f} (the centred disc scores {base:.2f})",
            "seed the object with the most salient pixels and the background with the least salient ones, then "
            "let skimage.segmentation.random_walker grow them along the image colours.")


def check_relu_backward(student_backward: Callable) -> None:
    """Notebook 05: the three ReLU backward rules on inputs covering every sign combination."""
    forward_input = torch.tensor([-2.0, -1.0, 1.0, 2.0, 0.5, -0.5])
    grad_output = torch.tensor([-1.0, 1.0, -1.0, 1.0, 3.0, -3.0])
    expected = {"gradient": grad_output * (forward_input > 0),
                "deconvnet": grad_output.clamp(min=0),
                "guided": grad_output.clamp(min=0) * (forward_input > 0)}
    wrong = [rule for rule, want in expected.items()
             if not torch.allclose(torch.as_tensor(run_student(student_backward, grad_output.clone(),
                                                               forward_input.clone(), rule)).float(), want)]
    verdict(not wrong, f"{3 - len(wrong)} of 3 rules right" + (f" (wrong: {', '.join(wrong)})" if wrong else ""),
            "all 3", "the gradient keeps where the forward input was positive, deconvnet where the backward "
            "signal is positive, guided backprop where both are.")


def check_rank_correlation(student_corr: Callable) -> None:
    """Notebook 05: Spearman correlation against known values (monotone, reversed, unrelated, 2-D)."""
    g = torch.Generator().manual_seed(2)
    a = torch.rand(40, generator=g)
    cases = [(a, a ** 3, 1.0), (a, -a, -1.0), (a.view(5, 8), (a * 2 + 1).view(5, 8), 1.0)]
    b = torch.rand(40, generator=g)
    ra, rb = a.argsort().argsort().double(), b.argsort().argsort().double()
    cases.append((a, b, float(torch.corrcoef(torch.stack([ra, rb]))[0, 1])))
    worst = max(abs(float(run_student(student_corr, x.clone(), y.clone())) - want) for x, y, want in cases)
    verdict(worst < 1e-6, f"largest error {worst:.1e} over {len(cases)} pairs", "below 1e-6",
            "rank each map (argsort of argsort gives ranks), then take the Pearson correlation of the ranks.")


def check_class_activation_map(student_cam: Callable, bundle) -> None:
    """Notebook 06: the mean of M_c plus the bias must give the model's class score (the CAM identity)."""
    from ..hooks import features_at, get_layer
    from ..shapes import make_batch
    batch = make_batch(3, seed=12)
    x = bundle.normalize(batch["images"].to(bundle.device))
    with torch.no_grad():
        features = features_at(bundle.model, x, bundle.layers["cam"])[bundle.layers["cam"]]
        scores = bundle.model(x)
    head = get_layer(bundle.model, bundle.layers["cam_weights"])
    weights, bias = head.weight.detach().flatten(1), head.bias.detach()
    worst = 0.0
    for n in range(len(x)):
        for c in range(weights.shape[0]):
            m = torch.as_tensor(run_student(student_cam, features[n].clone(), weights.clone(), c))
            if m.shape != features.shape[-2:]:
                verdict(False, f"a map of shape {tuple(m.shape)}", f"shape {tuple(features.shape[-2:])}")
            worst = max(worst, abs(m.mean().item() + bias[c].item() - scores[n, c].item()))
    verdict(worst < 1e-3, f"mean(M_c) + b_c matches the class score within {worst:.1e}", "within 1e-3",
            "weight each of the K maps by the classifier's weight w[c, k] and sum over k.")


def check_grad_cam(student_gradcam: Callable) -> None:
    """Notebook 06: Grad-CAM on hand-made activations and gradients with a known answer."""
    g = torch.Generator().manual_seed(3)
    acts = torch.rand(4, 5, 5, generator=g)
    grads = torch.randn(4, 5, 5, generator=g)
    expected = torch.relu((grads.mean(dim=(1, 2))[:, None, None] * acts).sum(0))
    got = torch.as_tensor(run_student(student_gradcam, acts.clone(), grads.clone())).float()
    error = (got - expected).abs().max().item() if got.shape == expected.shape else float("inf")
    negative = torch.as_tensor(run_student(student_gradcam, acts.clone(), -grads.clone().abs())).float()
    verdict(error < 1e-5 and negative.max() <= 0, f"largest error {error:.1e}"
            + ("" if negative.max() <= 0 else ", negative evidence not removed"), "below 1e-5, and no negatives",
            "alpha_k is the mean of the gradient over positions; sum alpha_k · A_k over k, then apply a ReLU.")
