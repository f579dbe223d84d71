"""Exercise checks for lessons 04–06 (occlusion and saliency, guided backprop, class activation maps)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from .core import run_student, verdict


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
