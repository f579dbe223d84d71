"""Exercise checks for lessons 11–12 (texture synthesis and neural style transfer).

Lesson 11: `gram_matrix` (a building block), `texture_loss`, and the synthesis loop `synthesize` (the technique:
the check runs it on a small texture and measures that the loss falls and beats a different texture).
Lesson 12: `gram_matrix` again (lesson 11's, brought along), the style-transfer objective `style_transfer_loss`
(the technique: the check compares each term with the formula, then optimizes a small photo with it and measures
that the result is closer to the style than the photo and closer to the photo than the style image), and
`mix_grams`.
"""
from __future__ import annotations

from typing import Callable

import torch

from .core import run_student, same_values, spot_mistake, verdict


# ---------------------------------------------------------------------------------------------------- references

def _gram(features: torch.Tensor) -> torch.Tensor:
    """Per-position Gram matrices of N×C×H×W features: N×C×C, F Fᵀ / (H·W)."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def _texture_loss(features: dict, targets: dict, weights: dict) -> torch.Tensor:
    total = torch.zeros(())
    for layer, f in features.items():
        total = total + weights[layer] * ((_gram(f)[0] - targets[layer]) ** 2).sum() / (4 * f.shape[1] ** 2)
    return total


def _tv(x: torch.Tensor) -> torch.Tensor:
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum() + ((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum()


def _relative_weights(targets: dict, scale: float = 1.0) -> dict:
    """Lessons 11–12's per-layer weights: every layer's error relative to the size of its target."""
    return {l: scale / (len(targets) * float((a ** 2).sum() / (4 * a.shape[0] ** 2))) for l, a in targets.items()}


def _is_scalar_tensor(value) -> bool:
    return isinstance(value, torch.Tensor) and value.numel() == 1


def _shapes_layers(bundle, count: int) -> list[str]:
    if bundle.kind == "shapes":
        return [f"features.relu{i}" for i in range(1, count + 1)]
    raise ValueError("this check runs on the shapes model: pass helpers.load_model('shapes')")


# ------------------------------------------------------------------------------------------- lesson 11 (and 12)

def check_gram_matrix(student_gram: Callable) -> None:
    """Notebooks 11 and 12: `student_gram(features)` for an N×C×H×W batch must return the N per-position Gram
    matrices Ĝ = F Fᵀ / (H·W) (N×C×C), with F each image's C×(H·W) reshape, leaving its input untouched."""
    g = torch.Generator().manual_seed(11)
    worst = 0.0
    for n, c, h, w in [(2, 3, 4, 5), (3, 8, 6, 7), (1, 16, 3, 9)]:
        # non-negative maps with different means per image and channel, as after a ReLU: centring matters
        features = torch.relu(torch.randn(n, c, h, w, generator=g) + torch.rand(n, c, 1, 1, generator=g))
        original = features.clone()
        got = run_student(student_gram, features)
        if not isinstance(got, torch.Tensor):
            verdict(False, f"got a {type(got).__name__}", "a torch.Tensor (N×C×C)")
        if not torch.equal(features, original):
            verdict(False, "your function changed its input features in place", "the input left untouched",
                    "compute on a reshaped copy (reshape, @ and / make new tensors); avoid in-place ops such as "
                    "sub_() or /= on the input.")
        got = got.detach().float()
        shape = tuple(got.shape)
        if shape != (n, c, c):
            hints = {(n, h * w, h * w): f"that is Fᵀ F (H·W×H·W = {h * w}×{h * w}): multiply F (C×H·W) by its "
                                        "transpose on the right, F @ Fᵀ, to compare channels, not positions.",
                     (c, c): "one Gram for the whole batch: keep the batch dimension, one C×C matrix per image "
                             "(reshape to N×C×H·W and use F @ F.transpose(1, 2)).",
                     (n * c, n * c): "the batch got mixed into the channels: reshape to N×C×H·W, not (N·C)×H·W.",
                     (c, h * w, h * w): "reshape to N×C×H·W (one row per channel of each image)."}
            verdict(False, f"shape {shape} for a {n}×{c}×{h}×{w} batch", f"{n}×{c}×{c}",
                    hints.get(shape, "reshape each image to C×(H·W) and multiply by its transpose: N×C×C."))
        expected = _gram(features)
        flat = features.reshape(n, c, h * w)
        centred = flat - flat.mean(2, keepdim=True)
        pooled = features.transpose(0, 1).reshape(c, -1)
        mistakes = {
            "divide by H·W, the number of positions: the per-position Gram F Fᵀ / (H·W) does not grow with "
            "the image size (without it, a larger image has a larger Gram).": flat @ flat.transpose(1, 2),
            "divide by H·W, the number of positions, not by C·H·W (that is Johnson et al.'s normalization, "
            "lesson 13).": expected / c,
            "don't subtract the mean: the Gram matrix is uncentred (a covariance would forget how strongly each "
            "feature fires).": centred @ centred.transpose(1, 2) / (h * w),
            "the channels got scrambled: reshape(N, C, H·W) keeps each channel in one row; reshape(N, H·W, C) "
            "mixes channels and positions.": (lambda s: s.transpose(1, 2) @ s / (h * w))(flat.reshape(n, h * w, c)),
            "the batch got mixed: each image needs its own Gram, computed from its own positions only "
            "(not one Gram of all images' positions together).":
                (pooled @ pooled.T / (n * h * w)).expand(n, c, c),
        }
        if not same_values(got, expected, atol=1e-5, rtol=1e-4):
            hint = spot_mistake(got, mistakes, atol=1e-5, rtol=1e-4)
            error = float((got - expected).abs().max() / expected.abs().max())
            verdict(False, f"largest relative difference from F Fᵀ / (H·W) {error:.1e} on a {n}×{c}×{h}×{w} batch",
                    "below 1e-4", hint or "per image: F = features.reshape(N, C, H * W), then "
                    "F @ F.transpose(1, 2) / (H * W).")
        worst = max(worst, float((got - expected).abs().max() / expected.abs().max()))
    verdict(True, f"largest relative difference from F Fᵀ / (H·W) {worst:.1e} on 3 batches (N = 2, 3, 1)",
            "below 1e-4")


def _texture_case(g: torch.Generator, sizes: list) -> tuple[dict, dict, dict]:
    layers = [f"layer{i}" for i in range(len(sizes))]
    features = {k: torch.relu(torch.randn(1, *s, generator=g) + 0.3).requires_grad_(True) for k, s in zip(layers, sizes)}
    # the source is twice the size of the generated image: per-position targets from a 2h×2w map
    targets = {k: _gram(torch.relu(torch.randn(1, n, 2 * h, 2 * w, generator=g) + 0.3))[0]
               for k, (n, h, w) in zip(layers, sizes)}
    weights = {k: float(v) for k, v in zip(layers, torch.rand(len(layers), generator=g) * 3 + 0.5)}
    return features, targets, weights


def check_texture_loss(student_loss: Callable) -> None:
    """Notebook 11: `student_loss(features, targets, weights)` = Σ_l w_l/(4 N_l²) Σ_ij (Ĝ_l − Â_l)², with Ĝ_l the
    per-position Gram of the 1×N_l×H×W features (gram_matrix) and Â_l the source's per-position target."""
    g = torch.Generator().manual_seed(12)
    for sizes in ([(4, 6, 5), (8, 3, 4)], [(6, 10, 8), (12, 5, 4), (16, 2, 3)]):
        features, targets, weights = _texture_case(g, sizes)
        got = run_student(student_loss, features, {k: v.clone() for k, v in targets.items()}, dict(weights))
        if not _is_scalar_tensor(got):
            verdict(False, f"got {type(got).__name__} {tuple(getattr(got, 'shape', ()))}", "a scalar tensor",
                     "return the sum as a torch tensor (no .item(), no float()): it will be backpropagated.")
        if not got.requires_grad:
            verdict(False, "the loss is detached from the features (it has no gradient)", "a differentiable tensor",
                    "keep the computation in torch: no .item(), .detach(), float() or numpy on the way.")
        expected = _texture_loss(features, targets, weights)
        with torch.no_grad():
            per_layer = {k: ((_gram(f)[0] - targets[k]) ** 2).sum() / (4 * f.shape[1] ** 2) for k, f in features.items()}
            last = list(features)[-1]
            mistakes = {
                "divide each layer's sum by 4·N_l² (N_l its number of channels), as Gatys et al. do.":
                    sum(weights[k] * per_layer[k] * 4 * f.shape[1] ** 2 for k, f in features.items()),
                "gram_matrix already divides by H·W: don't divide by the number of positions again.":
                    sum(weights[k] * ((_gram(f)[0] / (f.shape[2] * f.shape[3]) - targets[k]) ** 2).sum()
                        / (4 * f.shape[1] ** 2) for k, f in features.items()),
                "multiply each layer's error by its weight weights[layer].": sum(per_layer.values()),
                "sum the squared differences over the N×N entries (.sum(), not .mean()).":
                    sum(weights[k] * per_layer[k] / f.shape[1] ** 2 for k, f in features.items()),
                "add up every layer's error: only the last layer's is in your total (use total = total + ...).":
                    weights[last] * per_layer[last],
            }
        if not same_values(got.detach(), expected.detach(), atol=0, rtol=1e-4):
            hint = spot_mistake(got.detach(), mistakes, atol=0, rtol=1e-4)
            error = abs(got.item() - expected.item()) / expected.item()
            verdict(False, f"relative error {error:.1e} on {len(sizes)} layers", "below 1e-4",
                    hint or "per layer: w · ((gram_matrix(f)[0] − target)²).sum() / (4·N²); add the layers up.")
    verdict(True, "the loss matches Σ_l w_l/(4N_l²) Σ (Ĝ_l − Â_l)² on 2 and 3 layers, with a gradient",
            "within 1e-4")


def check_synthesize(student_synthesize: Callable, bundle, steps: int = 20) -> None:
    """Notebook 11: `student_synthesize(bundle, targets, weights, size, steps, ..., snapshots, tv_weight)` runs the
    synthesis loop. The check runs it briefly on the shapes model (a 32-pixel Voronoi mosaic, a 40-pixel output)
    and measures: the texture loss falls by a clear factor and ends below a different texture's (swirls); the loss
    history, snapshots and pixel range are right; the returned image is the one optimized; a larger `tv_weight`
    gives a smoother image."""
    from ..hooks import features_at
    from ..samples import style_image
    layers = _shapes_layers(bundle, 3)
    source_size, size = 32, 40
    source = bundle.preprocess(style_image("voronoi", source_size), size=source_size)
    other = bundle.preprocess(style_image("swirls", source_size), size=source_size)
    with torch.no_grad():
        targets = {l: _gram(f)[0] for l, f in features_at(bundle.model, source, layers).items()}
    weights = _relative_weights(targets)

    def score(x: torch.Tensor) -> float:
        with torch.no_grad():
            return float(_texture_loss(features_at(bundle.model, x, layers), targets, weights))

    def run(tv_weight: float):
        answer = run_student(student_synthesize, bundle, {k: v.clone() for k, v in targets.items()}, dict(weights),
                             size, steps, snapshots=(0, steps // 2), tv_weight=tv_weight)
        if not isinstance(answer, tuple) or len(answer) != 3:
            verdict(False, f"got {type(answer).__name__}", "a tuple (image, losses, frames)")
        return answer

    image, losses, frames = run(1.0)
    if not isinstance(image, torch.Tensor) or tuple(image.shape) != (1, 3, size, size):
        verdict(False, f"an image of shape {tuple(getattr(image, 'shape', ()))} for size={size}",
                f"1×3×{size}×{size}", "start from noise of the requested size (the output may be larger than "
                "the source: the argument size, not the source's).")
    losses = [float(v) for v in losses]
    if len(losses) != steps + 1:
        verdict(False, f"{len(losses)} losses recorded for steps={steps}", f"steps + 1 = {steps + 1}",
                "record the loss before every step and once more after the last one (steps + 1 values: the "
                "start, then after each step).")
    if not isinstance(frames, dict) or set(frames) != {0, steps // 2}:
        verdict(False, f"snapshots at {sorted(frames) if isinstance(frames, dict) else type(frames).__name__}",
                f"a dict with the image at steps {[0, steps // 2]}", "keep x.detach().clone() at each step in snapshots.")
    image = image.detach().cpu()
    final = score(image)
    if abs(final - losses[-1]) > 1e-3 * max(losses[-1], 1e-12) + 1e-9:
        verdict(False, f"the image you returned has texture loss {final:.3g}, your last recorded loss is "
                f"{losses[-1]:.3g}", "the same number", "return the optimized image x itself (x.detach()), not "
                "a copy of the starting noise, and record texture_loss alone (without the TV penalty) at every step, "
                "the last one included.")
    if losses[-1] > losses[0]:
        verdict(False, f"the texture loss rose from {losses[0]:.3g} to {losses[-1]:.3g}", "a falling loss",
                "step downhill: minimize the loss (loss.backward() then optimizer.step()), don't climb it.")
    low, high = (bundle.normalize(torch.full((1, 3, 1, 1), v)) for v in (0.0, 1.0))
    outside = float(torch.maximum(image - high, low - image).clamp_min(0).max())
    if outside > 1e-4:
        verdict(False, f"pixels up to {outside:.2f} (normalized units) outside the valid range", "pixels in [0, 1]",
                "clip the pixels back to [0, 1] (low, high in normalized units) after every step, in place, "
                "under torch.no_grad().")
    baseline = score(other)
    fell = losses[0] / max(losses[-1], 1e-12)
    if fell < 4 or final >= baseline:
        verdict(False, f"in {steps} steps the texture loss fell {fell:.1f}× to {final:.3g} (a different texture "
                f"scores {baseline:.3g})", "a fall of at least 4× and a loss below the different texture's",
                "each step: compute texture_loss of the image's features, add the TV penalty, zero the gradients, "
                "backward, optimizer.step(), clip.")
    smooth, _, _ = run(200.0)
    tv_plain, tv_smooth = float(_tv(image)), float(_tv(smooth.detach().cpu()))
    if tv_smooth > 0.8 * tv_plain:
        verdict(False, f"tv_weight=200 gave an image as rough as tv_weight=1 (total variation {tv_smooth:.3g} vs "
                f"{tv_plain:.3g})", "a smoother image with the larger tv_weight",
                "add tv_weight · pixel_scale / x[0].numel() · tv_penalty(x) to the loss you backpropagate (use the "
                "argument tv_weight, not the global TV_WEIGHT).")
    verdict(True, f"in {steps} steps the texture loss fell {fell:.0f}× to {final:.3g}, below a different texture's "
            f"{baseline:.3g}; tv_weight=200 smoothed the image (total variation {tv_plain:.3g} → {tv_smooth:.3g})",
            "a fall of at least 4×, below the different texture")


# ------------------------------------------------------------------------------------------------------ lesson 12

def _transfer_terms(x, features, content_layer, content_target, content_weight, style_targets, style_weights,
                    tv_weight):
    content = content_weight * ((features[content_layer] - content_target) ** 2).sum()
    style = sum(style_weights[l] * ((_gram(features[l])[0] - t) ** 2).sum() / (4 * features[l].shape[1] ** 2)
                for l, t in style_targets.items())
    return content, style, tv_weight * _tv(x)


def _transfer_case(g: torch.Generator, content_layer: str):
    sizes = {"a": (4, 7, 6), "b": (6, 4, 5), "c": (5, 2, 3), "d": (3, 5, 4)}
    x = torch.rand(1, 3, 9, 7, generator=g).requires_grad_(True)
    features = {k: (torch.relu(torch.randn(1, *s, generator=g) + 0.2) * (1 + x.mean())) for k, s in sizes.items()}
    content_target = torch.relu(torch.randn(1, *sizes[content_layer], generator=g) + 0.2)
    style_targets = {k: _gram(torch.relu(torch.randn(1, n, 2 * h, 2 * w, generator=g) + 0.2))[0]
                     for k, (n, h, w) in sizes.items() if k != "d"}
    style_weights = {k: float(v) for k, v in zip(style_targets, torch.rand(len(style_targets), generator=g) * 3 + 0.5)}
    return x, features, content_layer, content_target, 0.7, style_targets, style_weights, 0.04


def _term_mistakes(args) -> dict[str, dict[str, torch.Tensor]]:
    x, features, content_layer, content_target, content_weight, style_targets, style_weights, tv_weight = args
    f, p = features[content_layer], content_target
    dv, dh = x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]
    per_layer = {l: ((_gram(features[l])[0] - t) ** 2).sum() / (4 * features[l].shape[1] ** 2)
                 for l, t in style_targets.items()}
    last = list(style_targets)[-1]
    return {
        "content": {
            "content: sum the squared differences over every entry (.sum(), not .mean()).":
                content_weight * ((f - p) ** 2).mean(),
            "content: multiply by content_weight.": ((f - p) ** 2).sum(),
            "content: square the differences (F − P)², not their absolute values.": content_weight * (f - p).abs().sum(),
        },
        "style": {
            "style: divide each layer's sum by 4·N_l² (N_l its channels).":
                sum(style_weights[l] * v * 4 * features[l].shape[1] ** 2 for l, v in per_layer.items()),
            "style: compare per-position Gram matrices: F Fᵀ / (H·W), which is what gram_matrix gives (the raw F Fᵀ "
            "grows with the image).": sum(
                style_weights[l] * ((_gram(features[l])[0] * features[l].shape[2] * features[l].shape[3] - t) ** 2).sum()
                / (4 * features[l].shape[1] ** 2) for l, t in style_targets.items()),
            "style: gram_matrix already divides by H·W; don't divide again.": sum(
                style_weights[l] * ((_gram(features[l])[0] / (features[l].shape[2] * features[l].shape[3]) - t) ** 2)
                .sum() / (4 * features[l].shape[1] ** 2) for l, t in style_targets.items()),
            "style: multiply each layer's error by its weight style_weights[layer].": sum(per_layer.values()),
            "style: add up every style layer (only the last one is in your sum).": style_weights[last] * per_layer[last],
        },
        "tv": {
            "total variation: square the neighbour differences (β = 2), not their absolute values.":
                tv_weight * (dv.abs().sum() + dh.abs().sum()),
            "total variation: add both directions, vertical (x[..., 1:, :] − x[..., :-1, :]) and horizontal "
            "(x[..., :, 1:] − x[..., :, :-1]).": tv_weight * (dh ** 2).sum(),
            "total variation: multiply by tv_weight.": (dv ** 2).sum() + (dh ** 2).sum(),
            "total variation: sum the squared differences (.sum(), not .mean()).":
                tv_weight * ((dv ** 2).mean() + (dh ** 2).mean()),
        },
    }


def _transfer_errors(bundle, x, layers, content_layer, targets, photo_features) -> tuple[float, float]:
    """(relative content error, relative style error) of images x, the lesson's scores."""
    from ..hooks import features_at
    with torch.no_grad():
        feats = features_at(bundle.model, x, layers)
        c = ((feats[content_layer] - photo_features) ** 2).sum() / (photo_features ** 2).sum()
        s = _texture_loss({l: feats[l] for l in targets}, targets, _relative_weights(targets))
    return float(c), float(s)


def check_style_transfer_loss(student_loss: Callable, bundle, steps: int = 20) -> None:
    """Notebook 12: `student_loss(x, features, content_layer, content_target, content_weight, style_targets,
    style_weights, tv_weight)` returns the three terms (content, style, tv) of Gatys et al.'s objective for one
    image. The check compares each term with the formula on random features (naming the usual mistakes), then runs
    style transfer with it on the shapes model (a 48-pixel photo and style, `steps` Adam steps) and measures that
    the result is closer to the style than the photo is, and closer to the photo than the style image is."""
    g = torch.Generator().manual_seed(21)
    for content_layer in ("b", "d"):   # a content layer that is also a style layer, then one that is not
        args = _transfer_case(g, content_layer)
        got = run_student(student_loss, *args[:3], args[3].clone(), args[4],
                          {k: v.clone() for k, v in args[5].items()}, dict(args[6]), args[7])
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            verdict(False, f"got {type(got).__name__}", "a tuple of three tensors (content, style, tv)")
        if not all(_is_scalar_tensor(t) for t in got):
            verdict(False, "got " + ", ".join(type(t).__name__ for t in got), "three scalar tensors",
                    "keep every term a torch tensor (no .item(), no float()): they are backpropagated.")
        expected = _transfer_terms(*args)
        if not all(t.requires_grad for t in got):
            names = [n for n, t in zip(("content", "style", "tv"), got) if not t.requires_grad]
            verdict(False, f"the {', '.join(names)} term(s) have no gradient", "three differentiable terms",
                    "compute every term from the tensors you are given, in torch (no .detach(), .item() or numpy).")
        got = tuple(t.detach() for t in got)
        expected = tuple(t.detach() for t in expected)
        if same_values(got[0], expected[1], atol=0, rtol=1e-4) and same_values(got[1], expected[0], atol=0, rtol=1e-4):
            verdict(False, "your first two terms are (style, content)", "(content, style, tv)",
                    "return the terms in the order content, style, tv.")
        with torch.no_grad():
            mistakes = _term_mistakes(args)
        for k, name in enumerate(("content", "style", "tv")):
            if not same_values(got[k], expected[k], atol=0, rtol=1e-4):
                hint = spot_mistake(got[k], mistakes[name], atol=0, rtol=1e-4)
                error = abs(float(got[k]) - float(expected[k])) / abs(float(expected[k]))
                formula = {"content": "content_weight · Σ (F − P)² at content_layer",
                           "style": "Σ_l w_l/(4N_l²) Σ (Ĝ_l − Â_l)² over the style layers",
                           "tv": "tv_weight · (Σ vertical + Σ horizontal squared neighbour differences)"}[name]
                verdict(False, f"the {name} term is off by {error:.1e} (relative)", f"{formula}, within 1e-4",
                        hint or f"{name}: {formula}.")
    # Now run it: a short style transfer on the shapes model, scored with the lesson's relative errors.
    from ..hooks import features_at
    from ..samples import sample_image, style_image
    layers = _shapes_layers(bundle, 4)
    content_layer, size = "features.relu3", 48
    photo = bundle.preprocess(sample_image("chelsea"), size=size)
    style = bundle.preprocess(style_image("swirls", size), size=size)
    with torch.no_grad():
        targets = {l: _gram(f)[0] for l, f in features_at(bundle.model, style, layers).items()}
        P = features_at(bundle.model, photo, content_layer)[content_layer]
    weights = _relative_weights(targets, 10.0)
    alpha, gamma = 1.0 / float((P ** 2).sum()), 0.3 / photo[0].numel()
    low, high = (bundle.normalize(torch.full((1, 3, 1, 1), v)) for v in (0.0, 1.0))
    x = photo.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=0.02 / bundle.std[0])
    for _ in range(steps):
        feats = features_at(bundle.model, x, sorted(set(layers) | {content_layer}))
        terms = run_student(student_loss, x, feats, content_layer, P, alpha, targets, weights, gamma)
        optimizer.zero_grad()
        sum(terms).backward()
        optimizer.step()
        with torch.no_grad():
            x.copy_(torch.maximum(torch.minimum(x, high), low))
    c_res, s_res = _transfer_errors(bundle, x.detach(), sorted(set(layers) | {content_layer}), content_layer, targets, P)
    c_style, _ = _transfer_errors(bundle, style, sorted(set(layers) | {content_layer}), content_layer, targets, P)
    _, s_photo = _transfer_errors(bundle, photo, sorted(set(layers) | {content_layer}), content_layer, targets, P)
    verdict(s_res < 0.5 * s_photo and c_res < 0.5 * c_style,
            f"after {steps} steps of style transfer with your loss: style error {s_res:.3g} (the photo's: "
            f"{s_photo:.3g}), content error {c_res:.3g} (the style image's: {c_style:.3g})",
            "both below half their baselines",
            "every term matched the formula, so look at how the terms are computed from `features` and `x`: they "
            "must depend on the image being optimized.")


def check_mix_grams(student_mix: Callable) -> None:
    """Notebook 12: `student_mix(targets, mix)` = per layer Σ_s m_s Â_s / Σ_s m_s for a list of Gram-target dicts,
    without changing the targets it is given."""
    g = torch.Generator().manual_seed(23)
    styles = [{"a": torch.rand(4, 4, generator=g), "b": torch.rand(6, 6, generator=g)} for _ in range(3)]
    cases = [(0.0, 1.0, 0.0), (2.0, 2.0, 0.0), (1.0, 3.0, 4.0), (0.5, 0.25, 0.0)]
    for mix in cases:
        given = [{k: v.clone() for k, v in s.items()} for s in styles]
        got = run_student(student_mix, given, list(mix))
        if any(not torch.equal(given[i][k], styles[i][k]) for i in range(3) for k in "ab"):
            verdict(False, "your function changed the style targets it was given", "the inputs left untouched",
                    "build new tensors (m * t[layer] makes one); in-place ops such as *= or add_() overwrite the "
                    "styles' own Gram matrices.")
        if not isinstance(got, dict) or set(got) != {"a", "b"}:
            verdict(False, f"got {type(got).__name__} with keys {sorted(got) if isinstance(got, dict) else '—'}",
                    "a dict with the same layers as each style's targets")
        total = sum(mix)
        expected = {k: sum(m * s[k] for m, s in zip(mix, styles)) / total for k in "ab"}
        mistakes = {
            "divide by the sum of the mixing weights, so that weights (2, 2) give the plain average.":
                {k: sum(m * s[k] for m, s in zip(mix, styles)) for k in "ab"},
            "divide by the sum of the weights, not by the number of styles.":
                {k: sum(m * s[k] for m, s in zip(mix, styles)) / len(mix) for k in "ab"},
            "weight m_s goes with style s: zip(mix, targets) pairs them in order.":
                {k: sum(m * s[k] for m, s in zip(mix[::-1], styles)) / total for k in "ab"},
        }
        for k in "ab":
            if not same_values(got[k], expected[k], atol=1e-5, rtol=1e-4):
                hint = next((h for h, wrong in mistakes.items() if same_values(got[k], wrong[k])), "")
                error = float((torch.as_tensor(got[k]).float() - expected[k]).abs().max())
                verdict(False, f"mix {mix}: largest difference from the weighted average {error:.1e} (layer {k})",
                        "below 1e-5", hint or "per layer: Σ_s m_s · targets[s][layer] / Σ_s m_s.")
    verdict(True, f"the weighted averages match for {len(cases)} mixes (one-hot, equal, uneven, not summing to 1)",
            "within 1e-5")

