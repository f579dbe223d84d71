"""Exercise checks for lessons 00–03 (setup, filters, activations and receptive fields, embeddings).

Each check runs the student's function on inputs of its own that are not degenerate (non-square images and
maps, strides, dilations, padding of several sizes, offsets and scales that make a forgotten centring or
normalization visible), computes what the typical mistakes would give on the same inputs, and on failure
names the mistake the answer reproduces (`spot_mistake`), else gives a general hint.
"""
from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from .core import attempt as _attempt, same_values, spot_mistake, verdict



def _as_float_tensor(answer: Any) -> torch.Tensor | None:
    try:
        if isinstance(answer, torch.Tensor):
            return answer.detach().double().cpu()
        return torch.as_tensor(answer, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


# ------------------------------------------------------------------------------------------------ lesson 00

def _top_k_pairs(logits: torch.Tensor, names: list[str], k: int, kind: str) -> tuple[list[str], torch.Tensor]:
    """What a right answer ("right") and the usual mistakes return: class names and their values."""
    if kind == "least probable":
        values, indices = logits.softmax(0).topk(k, largest=False)
        return [names[i] for i in indices.tolist()], values.double()
    values, indices = logits.topk(k)
    if kind == "reversed":
        values, indices = values.flip(0), indices.flip(0)
    scores = {"right": logits.softmax(0)[indices], "reversed": logits.softmax(0)[indices], "logits": values,
              "sigmoid": values.sigmoid(), "log": logits.log_softmax(0)[indices],
              "renormalized": values.softmax(0)}[kind]
    return [names[i] for i in indices.tolist()], scores.double()


_TOP_K_HINTS = {
    "logits": "those are the logits (raw scores), not probabilities: apply torch.softmax to the logits first.",
    "sigmoid": "a sigmoid scores each class on its own; a softmax over all classes gives probabilities that sum to "
               "1.",
    "log": "those are log-probabilities (log_softmax): use torch.softmax.",
    "renormalized": "you applied the softmax to the top k logits only, so the k probabilities sum to 1; apply it "
                    "over all classes, then take the top k.",
    "least probable": "those are the least probable classes: take the largest probabilities (topk's default, "
                      "largest=True).",
    "reversed": "the right classes in reverse order: the most probable class comes first.",
}


def check_top_k(student_top_k: Callable, bundle, image) -> None:
    """Notebook 00: `student_top_k(logits, class_names, k)` must return the k most probable (class name,
    probability) pairs, most probable first, with probabilities from a softmax over all classes. Run on the
    model's logits for `image` (k = 3) and on 7 made-up logits (k = 5), which must not be changed in place."""
    with torch.no_grad():
        logits = bundle.model(bundle.preprocess(image))[0].float().cpu()
    made_up = torch.tensor([1.5, -0.3, 2.2, 0.4, 3.1, -1.0, 0.9])
    cases = [(logits, list(bundle.class_names), 3, f"the logits of {bundle.name}"),
             (made_up, ["red", "green", "blue", "cyan", "magenta", "yellow", "black"], 5, "7 made-up logits")]
    for scores, names, k, label in cases:
        given = scores.clone()
        answer = _attempt(student_top_k, given, names, k, where=f"{label}, k={k}")
        if not torch.equal(given, scores):
            verdict(False, f"the logits you were given were changed ({label})", "them left as they are",
                    "you modified the logits in place (an operation ending in _ such as sub_, or -=, on the "
                    "argument): compute on a copy, or use out-of-place operations.")
        try:
            pairs = [(str(name), float(p)) for name, p in answer]
        except (TypeError, ValueError):
            verdict(False, f"got {type(answer).__name__} ({label})", f"a list of {k} (name, probability) pairs",
                    "return [(class_names[i], probability), ...], most probable first.")
        if len(pairs) != k:
            verdict(False, f"{len(pairs)} pairs for k={k} ({label})", f"{k} pairs",
                    "you ignored the argument k: return exactly k pairs." if len(pairs) in (3, 5) else
                    "return exactly k pairs.")
        got_names, got_values = [n for n, _ in pairs], torch.tensor([p for _, p in pairs], dtype=torch.float64)
        want_names, want_values = _top_k_pairs(scores, names, k, "right")
        if got_names == want_names and same_values(got_values, want_values, atol=1e-4, rtol=1e-3):
            continue
        hint = next((h for kind, h in _TOP_K_HINTS.items()
                     if (lambda m: got_names == m[0] and same_values(got_values, m[1], atol=1e-4, rtol=1e-3))(
                         _top_k_pairs(scores, names, k, kind))), "")
        verdict(False, f"{list(zip(got_names, [round(v, 4) for v in got_values.tolist()]))} ({label}, k={k})",
                f"{list(zip(want_names, [round(v, 4) for v in want_values.tolist()]))}",
                hint or "apply torch.softmax to all the logits, then take topk; probabilities sum to 1 over all "
                        "classes.")
    verdict(True, f"the top classes and their probabilities for {len(cases)} sets of logits (k = 3 and 5)",
            "softmax, then the k largest")


class _ActivationZoo(nn.Module):
    """A small network with rectifiers at two depths and look-alikes that are not nn.ReLU or nn.ReLU6: its
    counts tell every usual mistake apart (right 7; nn.ReLU only 3; nn.ReLU6 only 4; top level only 2;
    nn.Hardtanh counted too 8; any class whose name contains 'ReLU' 9)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3)
        self.act = nn.ReLU(inplace=True)
        self.capped = nn.ReLU6()
        self.block = nn.Sequential(nn.Conv2d(4, 4, 3), nn.ReLU(), nn.ReLU6(),
                                   nn.Sequential(nn.Conv2d(4, 4, 1), nn.ReLU6(), nn.ReLU(), nn.ReLU6()))
        self.clip = nn.Hardtanh(0.0, 1.0)  # nn.ReLU6's parent class, not a rectifier module to swap
        self.leaky = nn.Sequential(nn.LeakyReLU(0.1), nn.LeakyReLU(0.2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2), nn.Sigmoid())


def _rectifier_counts(model: nn.Module) -> dict[str, int]:
    mods = list(model.modules())
    relu = sum(isinstance(m, nn.ReLU) for m in mods)
    relu6 = sum(isinstance(m, nn.ReLU6) for m in mods)
    return {"right": relu + relu6, "relu": relu, "relu6": relu6,
            "top": sum(isinstance(m, (nn.ReLU, nn.ReLU6)) for m in model.children()),
            "hardtanh": sum(isinstance(m, (nn.ReLU, nn.Hardtanh)) for m in mods),
            "name": sum("relu" in type(m).__name__.lower() for m in mods),
            "all": len(mods)}


_COUNT_HINTS = {
    "relu": "you counted nn.ReLU only: nn.ReLU6 is a different class (derived from nn.Hardtanh, not from nn.ReLU), "
            "so count isinstance(module, (nn.ReLU, nn.ReLU6)).",
    "relu6": "you counted nn.ReLU6 only: count nn.ReLU too.",
    "top": "you counted only the top-level children: model.children() does not look inside nested blocks; "
           "model.modules() visits every submodule at any depth.",
    "hardtanh": "you counted nn.Hardtanh modules too (nn.ReLU6's parent class): a Hardtanh with other limits is "
                "not a rectifier; test for nn.ReLU and nn.ReLU6 exactly.",
    "name": "you counted every class whose name contains 'ReLU' (LeakyReLU, PReLU, ...): count nn.ReLU and "
            "nn.ReLU6 only, the two rectifiers lesson 05 swaps.",
    "all": "you counted every module: keep only the nn.ReLU and nn.ReLU6 ones.",
}


def check_count_relus(student_count: Callable, models: dict) -> None:
    """Notebook 00: `student_count(model)` must count the rectifier modules (nn.ReLU and nn.ReLU6) of a model,
    at any depth; run on the given models and on a small network with nested rectifiers and look-alikes."""
    models = {**models, "test network": _ActivationZoo()}
    measured, counts = {}, {}
    for name, model in models.items():
        answer = _attempt(student_count, model, where=name)
        try:
            measured[name] = int(answer)
        except (TypeError, ValueError):
            verdict(False, f"got {type(answer).__name__} for {name}", "an int")
        counts[name] = _rectifier_counts(model)
    expected = {name: c["right"] for name, c in counts.items()}
    hint = next((h for kind, h in _COUNT_HINTS.items()
                 if measured == {name: c[kind] for name, c in counts.items()}), "")
    verdict(measured == expected, f"counted {measured}", f"{expected}",
            hint or "walk model.modules() (every submodule, nested ones included) and count the instances of "
                    "nn.ReLU and nn.ReLU6.")


# ------------------------------------------------------------------------------------------------ lesson 01

def _min_max(weight: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    low, high = weight.amin(dim=dims, keepdim=True), weight.amax(dim=dims, keepdim=True)
    return (weight - low) / (high - low)


def _normalize_cases(weight: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    made_up = torch.randn(6, 2, 3, 4, generator=generator)            # non-square, 2 channels
    made_up = made_up * torch.tensor([0.1, 1, 3, 0.5, 2, 1]).view(6, 1, 1, 1) + torch.tensor(
        [0.0, 2.0, -1.0, 0.3, 0.0, 5.0]).view(6, 1, 1, 1)              # filters of very different scales
    made_up[:, 1] *= 4                                                   # channels of different ranges
    made_up[3] = 0.0                                                     # a dead filter, as in EfficientNet
    return [("the weights you passed", weight.detach().cpu().float()), ("6 made-up 2×3×4 filters", made_up)]


def check_normalize_filters(student_normalize: Callable, weight: torch.Tensor) -> None:
    """Notebook 01: every filter weight[f] of the result must span exactly [0, 1] (min–max scaling of that
    filter alone), keeping the weights' shape; the input must not change; a constant (dead) filter must give
    finite values in [0, 1]. Run on `weight` and on made-up filters of very different scales."""
    for label, w in _normalize_cases(weight):
        given = w.clone()
        out = _attempt(student_normalize, given, where=label)
        if not torch.equal(given, w):
            verdict(False, f"the weights you were given were changed ({label})", "them left as they are",
                    "you modified the weights in place (-=, /=, or an operation ending in _): the lesson still "
                    "needs the model's weights; compute a new tensor.")
        out = _as_float_tensor(out)
        if out is None or out.shape != w.shape:
            verdict(False, f"got {getattr(out, 'shape', type(out).__name__)} ({label})",
                    f"a tensor of shape {tuple(w.shape)}")
        span = w.flatten(1).amax(1) - w.flatten(1).amin(1)
        flat = span < 1e-6 * w.abs().max().clamp(min=1e-30)  # constant (dead) filters: any finite value in [0, 1]
        if not torch.isfinite(out).all() or not ((out[flat] >= 0) & (out[flat] <= 1)).all():
            bad = int((~torch.isfinite(out)).flatten(1).any(1).sum())
            verdict(False, f"{bad} filter(s) with NaN or infinite values ({label})", "finite values in [0, 1]",
                    "a constant (dead) filter has max − min = 0, so the division gives 0/0: guard the "
                    "denominator, e.g. (high - low).clamp(min=1e-12)." if flat.any() else
                    "check the division.")
        expected = _min_max(w.double(), (1, 2, 3))
        live = ~flat
        if same_values(out[live], expected[live], atol=1e-5, rtol=1e-4):
            continue
        safe = torch.where(flat.view(-1, 1, 1, 1), torch.zeros_like(w.double()), w.double())
        mistakes = {
            "you scaled all filters with one minimum and maximum (of the whole tensor): scale each weight[f] on "
            "its own, with the min and max over its (channel, height, width) dimensions.": _min_max(safe, (0, 1, 2, 3)),
            "you scaled each colour channel of each filter on its own (min and max over height and width only): "
            "one filter must keep the balance between its channels, so reduce over dims (1, 2, 3).":
                _min_max(safe, (2, 3)),
            "you divided by the maximum without subtracting the minimum first: (w − min) / (max − min).":
                safe / safe.amax(dim=(1, 2, 3), keepdim=True),
            "you divided by the maximum, not by the range: (w − min) / (max − min).":
                (safe - safe.amin(dim=(1, 2, 3), keepdim=True)) / safe.amax(dim=(1, 2, 3), keepdim=True),
            "you centred zero at 0.5 (w / max|w| / 2 + 0.5): that keeps zero grey, but the exercise asks for "
            "min–max scaling, which makes every filter span the full range [0, 1].":
                safe / safe.abs().amax(dim=(1, 2, 3), keepdim=True) / 2 + 0.5,
        }
        hint = spot_mistake(out[live], {h: m[live] for h, m in mistakes.items()}, atol=1e-5, rtol=1e-4)
        error = float((out[live] - expected[live]).abs().max())
        verdict(False, f"largest difference from per-filter min–max scaling {error:.2g} ({label})", "below 1e-5",
                hint or "take the min and max of each weight[f] over its (channel, height, width) dimensions, "
                        "not of the whole tensor, then (w − min) / (max − min).")
    verdict(True, "every filter spans [0, 1] on its own, the input is unchanged and a dead filter stays finite",
            "per-filter min–max scaling")


def _responses(image: torch.Tensor, weight: torch.Tensor, biases: list[float], padding: int,
               positions: list[tuple[int, int]], kind: str = "right") -> torch.Tensor:
    """What a right answer and the usual mistakes give at (filter, position); a mistake's patch may fall
    outside the padded image: it reads zeros there (these values only serve to recognize the mistake)."""
    k = weight.shape[-1]
    pad = {"right": padding, "no padding": 0, "half kernel": k // 2}.get(kind, padding)
    w = weight.flip(-1, -2) if kind == "flipped" else weight
    big = F.pad(image, [pad + 2 * k] * 4)  # room for any patch a mistake reads
    out = torch.empty(len(weight), len(positions), dtype=torch.float64)
    for f in range(len(weight)):
        for i, (row, col) in enumerate(positions):
            if kind == "swapped":
                row, col = col, row
            patch = big[:, row + 2 * k:row + 3 * k, col + 2 * k:col + 3 * k]
            out[f, i] = float((patch * w[f]).sum()) + (0.0 if kind == "no bias" else biases[f])
    return out


_RESPONSE_HINTS = {
    "no padding": "you ignored the padding argument (no padding at all): pad the image with `padding` zeros on "
                  "every side first, F.pad(image, (padding,) * 4).",
    "half kernel": "you ignored the padding argument and padded by k // 2: use the `padding` you are given (it "
                   "is 0 or 1 in this check too).",
    "no bias": "you left out the bias: add it once to the inner product.",
    "swapped": "you swapped row and col: row indexes the height (dim 1 of a C×H×W image), col the width (dim 2).",
    "flipped": "you flipped the filter (a convolution in the mathematical sense): conv layers in PyTorch compute a "
               "cross-correlation, the inner product with the filter as it is.",
}


def check_filter_response(student_response: Callable, conv: torch.nn.Conv2d) -> None:
    """Notebook 01: a hand-computed response must equal F.conv2d's (stride 1, zero padding of the size given)
    plus the bias, for 3 of the conv's filters on a non-square image, with padding 0, 1 and k // 2 (and more),
    at interior and corner positions of the output."""
    generator = torch.Generator().manual_seed(0)
    weight = conv.weight.detach().cpu().float()[:3]
    k = weight.shape[-1]
    biases = [0.35, -0.8, 1.3]  # non-zero whatever the layer (first convs before batch norm have no bias)
    height, width = k + 8, 2 * k + 9  # non-square
    image = torch.rand(weight.shape[1], height, width, generator=generator) + 0.2  # positive: padding is visible
    for padding in sorted({0, 1, k // 2, k // 2 + 1}):
        h, w = height + 2 * padding - k + 1, width + 2 * padding - k + 1
        m = height - k  # positions where a patch read without padding, or with row and col swapped, still fits
        inner = [(1, m - 1), (m, 0), (2, 3), (m // 2, 1), (0, m)]
        corners = [(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1), (h // 2, w - 2)]
        for positions in (inner, corners):
            expected = (F.conv2d(image[None], weight, padding=padding)[0].double()
                        + torch.tensor(biases, dtype=torch.float64)[:, None, None])
            want = torch.stack([expected[:, r, c] for r, c in positions], dim=1)
            got = torch.empty_like(want)
            for f in range(len(weight)):
                for i, (row, col) in enumerate(positions):
                    answer = _attempt(student_response, image.clone(), weight[f].clone(), biases[f], row, col,
                                      padding, where=f"filter {f}, row {row}, col {col}, padding {padding}, "
                                                     f"image {tuple(image.shape)}")
                    value = _as_float_tensor(answer)
                    if value is None or value.numel() != 1:
                        verdict(False, f"got {type(answer).__name__} of shape {getattr(value, 'shape', '?')}",
                                "one number (a float or a 0-d tensor)")
                    got[f, i] = float(value)
            if same_values(got, want, atol=1e-4, rtol=1e-4):
                continue
            hint = spot_mistake(got, {h_: _responses(image, weight, biases, padding, positions, kind)
                                      for kind, h_ in _RESPONSE_HINTS.items()}, atol=1e-4, rtol=1e-4)
            error = float((got - want).abs().max())
            verdict(False, f"largest difference from the conv layer {error:.2g} with padding {padding} at "
                           f"{positions} of a {h}×{w} output", "below 1e-4",
                    hint or "pad the image first, then take the k×k patch whose top-left corner is (row, col) in "
                            "the padded image, multiply by the filter, sum, and add the bias.")
    verdict(True, f"equal to the conv layer for 3 filters ({k}×{k}), paddings 0–{k // 2 + 1}, inside and at every "
                  "corner of a non-square image", "below 1e-4")


# ------------------------------------------------------------------------------------------------ lesson 02

# Chains of (kernel, stride, padding, dilation) with their sizes, jumps and first centres (checked against
# gradients through real PyTorch layers in tests/test_checks_lessons_00_03.py)
_FIELD_CASES = [
    ([(3, 1, 1, 1), (3, 1, 1, 1), (3, 1, 1, 1)], [3, 5, 7], [1, 1, 1], [0.5, 0.5, 0.5]),     # three 3×3 convs
    ([(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1)],                  # VGG-like, pools
     [3, 4, 8, 10, 18], [1, 2, 2, 4, 4], [0.5, 1.0, 1.0, 2.0, 2.0]),
    ([(7, 2, 3, 1), (3, 2, 1, 1), (3, 1, 1, 2)], [7, 11, 27], [2, 4, 4], [0.5, 0.5, 4.5]),   # ResNet stem, dilation
    ([(3, 2, 0, 1), (3, 1, 1, 1), (5, 2, 1, 1), (1, 1, 0, 1)],                                # TF "same" (top/left)
     [3, 7, 15, 15], [2, 2, 4, 4], [1.5, 1.5, 3.5, 3.5]),
]


def _field_variant(layers, kind: str = "right") -> tuple[list[float], list[float], list[float]]:
    """The recurrence, and the usual mistakes in it."""
    r, j, c = (0.0 if kind == "r from 0" else 1.0), 1.0, (0.0 if kind == "c from 0" else 0.5)
    sizes, jumps, centres = [], [], []
    for k, s, p, d in layers:
        d = 1 if kind == "no dilation" else d
        step = s * j if kind == "new jump" else j
        c = c + ((k - 1) * d / 2 - (0 if kind == "no padding" else p)) * step
        r = r + (k - 1) * d * (1 if kind == "no jump" else step)
        j = j * s
        sizes.append(r), jumps.append(j), centres.append(c)
    return sizes, jumps, centres


_FIELD_HINTS = {
    "no dilation": "you left out the dilation: a dilated k×k kernel spans (k − 1)·d + 1 of its input's units.",
    "new jump": "you multiplied the jump by this layer's stride before using it: the size and centre grow with the "
                "jump of the layers before this one; multiply by the stride after.",
    "no jump": "the size grows by (k − 1)·d times the jump so far: one step on this layer's input is `jump` input "
               "pixels.",
    "no padding": "the centre moves by ((k − 1)·d / 2 − p)·jump: you left out the padding p.",
    "r from 0": "start from r = 1: before any layer, a unit (a pixel) sees one pixel.",
    "c from 0": "start from c = 0.5, the centre of the first pixel (pixel i covers [i, i + 1)).",
}


def check_receptive_field(student_field: Callable) -> None:
    """Notebook 02: sizes, jumps and first centres of layer arithmetic on chains with known answers (strides,
    pools, dilation, even kernels, TensorFlow's asymmetric "same" padding)."""
    got_all, want_all = [], []
    for layers, sizes, jumps, centres in _FIELD_CASES:
        answer = _attempt(student_field, [tuple(layer) for layer in layers], where=f"layers {layers}")
        try:
            got = [[float(v) for v in part] for part in answer]
        except (TypeError, ValueError):
            verdict(False, f"got {type(answer).__name__}", "three lists (sizes, jumps, centres)")
        if len(got) != 3 or any(len(part) != len(layers) for part in got):
            verdict(False, f"{len(got)} lists of lengths {[len(part) for part in got]} for {len(layers)} layers",
                    f"three lists (sizes, jumps, centres) of {len(layers)} values each",
                    "append the size, jump and centre after every layer.")
        got_all.append(got)
        want_all.append([sizes, jumps, centres])
    wrong = [(layers, got, want) for (layers, *_), got, want in zip(_FIELD_CASES, got_all, want_all)
             if any(abs(a - b) > 1e-6 for g, w_ in zip(got, want) for a, b in zip(g, w_))]
    if not wrong:
        verdict(True, f"sizes, jumps and centres right on all {len(_FIELD_CASES)} chains",
                f"all {len(_FIELD_CASES)}")
        return
    flat = torch.tensor([v for got in got_all for part in got for v in part], dtype=torch.float64)
    hint = spot_mistake(flat, {h: torch.tensor([v for layers, *_ in _FIELD_CASES
                                                for part in _field_variant(layers, kind) for v in part],
                                               dtype=torch.float64)
                               for kind, h in _FIELD_HINTS.items()}, atol=1e-6, rtol=0)
    layers, got, want = wrong[0]
    verdict(False, f"{len(_FIELD_CASES) - len(wrong)} of {len(_FIELD_CASES)} chains right; for {layers} you gave "
                   f"sizes {got[0]}, jumps {got[1]}, centres {got[2]}",
            f"{want[0]}, {want[1]} and {want[2]}",
            hint or "r += (k − 1)·d·j and c += ((k − 1)·d / 2 − p)·j with the jump so far, then j *= s.")


_BOX_CASES = [(2, 5, 67.0, 8.0, 3.5), (0, 0, 11.0, 4.0, 0.5), (7, 1, 27.0, 4.0, 4.5), (3, 11, 787.0, 32.0, -12.5)]


def _box_variant(row, col, size, jump, centre, kind: str = "right") -> tuple[float, float, float, float]:
    """The right box of a unit, and the usual mistakes."""
    if kind == "swapped":
        row, col = col, row
    first = 0.0 if kind == "no centre" else centre
    step = 1.0 if kind == "no jump" else jump
    cy, cx = first + row * step, first + col * step
    if kind == "corner at centre":
        return cx, cy, cx + size, cy + size
    if kind == "width and height":
        return cx - size / 2, cy - size / 2, size, size
    return cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2


_BOX_HINTS = {
    "swapped": "x goes with the column and y with the row: x = centre + col · jump, y = centre + row · jump, and the "
               "box is (x0, y0, x1, y1).",
    "corner at centre": "centre + index · jump is the middle of the field: the box runs from there − size / 2 to "
                        "there + size / 2.",
    "width and height": "return the corners (x0, y0, x1, y1), not (x0, y0, width, height).",
    "no centre": "start from the first unit's centre `centre`, not from 0: unit 0 is centred there.",
    "no jump": "neighbouring units are `jump` input pixels apart: multiply the index by the jump.",
}


def check_unit_box(student_box: Callable) -> None:
    """Notebook 02: the box of unit (row, col) is centred on (centre + col · jump, centre + row · jump) and is
    `size` wide, returned as (x0, y0, x1, y1); on units with row ≠ col, fractional and negative centres."""
    got, want = [], []
    for case in _BOX_CASES:
        answer = _attempt(student_box, *case, where="row, col, size, jump, centre = " + ", ".join(map(str, case)))
        value = _as_float_tensor(answer)
        if value is None or value.numel() != 4:
            verdict(False, f"got {answer!r}", "four numbers (x0, y0, x1, y1)")
        got.append(value.flatten())
        want.append(torch.tensor(_box_variant(*case), dtype=torch.float64))
    got, want = torch.stack(got), torch.stack(want)
    error = float((got - want).abs().max())
    if error < 1e-6:
        verdict(True, f"all {len(_BOX_CASES)} boxes right", "(x0, y0, x1, y1) to 1e-6 px")
        return
    hint = spot_mistake(got, {h: torch.tensor([_box_variant(*case, kind) for case in _BOX_CASES], dtype=torch.float64)
                              for kind, h in _BOX_HINTS.items()}, atol=1e-6, rtol=0)
    first = next(i for i in range(len(_BOX_CASES)) if (got[i] - want[i]).abs().max() > 1e-6)
    verdict(False, f"for (row, col, size, jump, centre) = {_BOX_CASES[first]} the box {got[first].tolist()}",
            f"{want[first].tolist()}", hint or "the unit at (row, col) is centred at x = centre + col · jump, "
                                               "y = centre + row · jump; its box is size wide.")


# ------------------------------------------------------------------------------------------------ lesson 03

def _neighbour_variants(queries: torch.Tensor, bank: torch.Tensor, k: int) -> dict[str, torch.Tensor]:
    unit = F.normalize(bank, dim=1)
    return {
        "you took the k largest distances, the farthest rows: use topk(k, largest=False) (or argsort ascending).":
            torch.cdist(queries, bank).topk(k, dim=1).indices,
        "you ranked by the dot product (a similarity that favours long vectors), not by Euclidean distance: use "
        "torch.cdist(queries, bank) and take the smallest.": (queries @ bank.T).topk(k, dim=1).indices,
        "you ranked by cosine similarity, which ignores the vectors' lengths: the exercise asks for Euclidean "
        "distance.": (F.normalize(queries, dim=1) @ unit.T).topk(k, dim=1).indices,
        "you used the L1 (Manhattan) distance: Euclidean distance is torch.cdist's default (p=2).":
            torch.cdist(queries, bank, p=1).topk(k, dim=1, largest=False).indices,
    }


def check_nearest_neighbours(student_nn: Callable) -> None:
    """Notebook 03: indices (Q×k) of the k nearest bank rows (Euclidean), nearest first, for two sets of
    queries against banks whose rows have very different lengths and offsets (so dot product and cosine
    similarity rank differently)."""
    generator = torch.Generator().manual_seed(0)
    cases = []
    for n, d, q, k in [(200, 16, 5, 4), (57, 9, 3, 7)]:
        bank = torch.randn(n, d, generator=generator) * torch.rand(n, 1, generator=generator).mul(3).add(0.2) + 0.7
        queries = torch.randn(q, d, generator=generator) * 1.5 + 0.7
        cases.append((queries, bank, k))
    for queries, bank, k in cases:
        label = f"{len(queries)} queries, bank of {len(bank)}×{bank.shape[1]}, k={k}"
        answer = _attempt(student_nn, queries.clone(), bank.clone(), k, where=label)
        got = torch.as_tensor(answer) if not isinstance(answer, torch.Tensor) else answer.detach().cpu()
        expected = torch.cdist(queries, bank).topk(k, largest=False).indices
        if got.shape != expected.shape:
            verdict(False, f"a result of shape {tuple(got.shape)} ({label})",
                    f"shape {tuple(expected.shape)}: one row per query, k columns",
                    "return a Q×k tensor: for each query (row), the k smallest distances along dim 1 (over the "
                    "bank).")
        if torch.equal(got.long(), expected):
            continue
        if torch.equal(got.long().sort(1).values, expected.sort(1).values):
            verdict(False, f"the right neighbours in another order ({label})", "nearest first",
                    "sort them by distance, nearest first (topk with largest=False sorts them).")
        hint = spot_mistake(got.long(), _neighbour_variants(queries, bank, k), atol=0, rtol=0)
        matches = (got.long() == expected).float().mean().item()
        verdict(False, f"{matches:.0%} of neighbour indices right ({label})", "100%",
                hint or "compute all query-to-bank distances (torch.cdist), then take the k smallest per row, "
                        "nearest first.")
    verdict(True, f"all neighbour indices right for {len(cases)} sets of queries (k = 4 and 7)", "100%")


def _correlation_variants(units: torch.Tensor, factor: torch.Tensor) -> dict[str, torch.Tensor]:
    u, f = units - units.mean(0), factor - factor.mean()
    su, sf = u.pow(2).mean(0).sqrt(), f.pow(2).mean().sqrt()
    ok = su > 0
    safe = su.clamp(min=1e-12)
    pearson = torch.where(ok, (u * f[:, None]).mean(0) / (safe * sf), torch.zeros_like(su))
    raw = units * factor[:, None]
    return {
        "you returned the covariance: divide it by the product of the two standard deviations.":
            (u * f[:, None]).mean(0),
        "subtract each unit's own mean (units.mean(0), one per column), not one mean of all the values.":
            ((units - units.mean()) * f[:, None]).mean(0) / ((units - units.mean()).pow(2).mean(0).sqrt() * sf),
        "subtract the means first: without centring, a unit's mean level and the factor's swamp the correlation.":
            raw.mean(0) / (units.pow(2).mean(0).sqrt().clamp(min=1e-12) * factor.pow(2).mean().sqrt()),
        "you took the absolute value: a unit that fires less when the factor grows has a negative correlation.":
            pearson.abs(),
        "divide the covariance and the variances by the same N (torch.std divides by N − 1 unless "
        "unbiased=False / correction=0).":
            torch.where(ok, (u * f[:, None]).mean(0) / (units.std(0).clamp(min=1e-12) * factor.std()),
                        torch.zeros_like(su)),
    }


def check_unit_correlation(student_corr: Callable) -> None:
    """Notebook 03: Pearson correlation of every unit (column) with one factor, against torch.corrcoef, on
    units and a factor with non-zero means and different scales, with positive, negative and no correlation,
    and one constant (dead) unit, whose correlation must come back as 0."""
    generator = torch.Generator().manual_seed(1)
    factor = torch.randn(300, generator=generator) * 2.0 + 3.0  # not centred
    mix = torch.tensor([0, 0.5, 1, 2, -1, 0.1, -3])
    units = (torch.randn(300, 7, generator=generator) + factor[:, None] * mix) * torch.tensor(
        [1, 2, 0.5, 1, 3, 1, 0.2]) + torch.tensor([0, 4, -2, 1, 6, 0.5, 2])
    units[:, 0] = 3.0  # a dead unit: its correlation is undefined, and should come back as 0
    answer = _attempt(student_corr, units.clone(), factor.clone(), where="units 300×7, factor of 300")
    got = _as_float_tensor(answer)
    expected = torch.stack([torch.corrcoef(torch.stack([units[:, j], factor]))[0, 1] for j in range(7)]).double()
    expected[0] = 0.0
    if got is None or got.shape != expected.shape:
        verdict(False, f"got shape {getattr(got, 'shape', type(answer).__name__)}", f"{tuple(expected.shape)}: "
                "one correlation per unit (column)", "reduce over the images, dim 0 of units.")
    if not torch.isfinite(got).all():
        verdict(False, f"{int((~torch.isfinite(got)).sum())} NaN or infinite correlation(s), for units "
                       f"{torch.nonzero(~torch.isfinite(got)).flatten().tolist()}", "0 for the constant unit 0",
                "a constant unit has standard deviation 0, so the division gives 0/0: return 0 where the "
                "standard deviation is 0 (torch.where).")
    error = float((got - expected).abs().max())
    hint = spot_mistake(got, {h: v.double() for h, v in _correlation_variants(units.double(),
                                                                              factor.double()).items()},
                        atol=1e-5, rtol=1e-4)
    verdict(error < 1e-4, f"largest error {error:.1e} over 7 units", "below 1e-4 (and 0 for a constant unit)",
            hint or "centre both variables, then divide their mean product by the product of their standard "
                    "deviations; guard the division for units that never change.")
