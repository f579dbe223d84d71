"""Lessons 00–03: every exercise check accepts its right answer and names each typical mistake (the cases run in
tests/test_checks_catch_mistakes.py); here also the checks' own known answers and the stub notice."""
from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import helpers
from checkcases import Case
from helpers.checks import ExerciseNotDone, lessons_00_03


@functools.lru_cache(maxsize=None)
def _shapes():
    return helpers.load_model("shapes", device="cpu", env_override=False)


@functools.lru_cache(maxsize=None)
def _star():
    return helpers.sample_image("shapes:star")


# ---------------------------------------------------------------------------------------------- 00: top_k

def _top_k(logits, names, k):
    values, indices = torch.softmax(logits, dim=0).topk(k)
    return [(names[i], p) for p, i in zip(values.tolist(), indices.tolist())]


def _top_k_logits(logits, names, k):  # no softmax
    values, indices = logits.topk(k)
    return [(names[i], p) for p, i in zip(values.tolist(), indices.tolist())]


def _top_k_sigmoid(logits, names, k):
    values, indices = torch.sigmoid(logits).topk(k)
    return [(names[i], p) for p, i in zip(values.tolist(), indices.tolist())]


def _top_k_log(logits, names, k):
    values, indices = torch.log_softmax(logits, dim=0).topk(k)
    return [(names[i], p) for p, i in zip(values.tolist(), indices.tolist())]


def _top_k_of_top_logits(logits, names, k):  # softmax over the k best logits only
    values, indices = logits.topk(k)
    return [(names[i], p) for p, i in zip(values.softmax(0).tolist(), indices.tolist())]


def _top_k_least(logits, names, k):
    values, indices = torch.softmax(logits, dim=0).topk(k, largest=False)
    return [(names[i], p) for p, i in zip(values.tolist(), indices.tolist())]


def _top_k_ascending(logits, names, k):
    return _top_k(logits, names, k)[::-1]


def _top_k_three(logits, names, k):  # ignores k
    return _top_k(logits, names, 3)


def _top_k_in_place(logits, names, k):
    logits -= logits.max()  # "for numerical stability", on the caller's tensor
    return _top_k(logits, names, k)


# ---------------------------------------------------------------------------------------------- 00: count_relus

def _count(model):
    return sum(isinstance(m, (nn.ReLU, nn.ReLU6)) for m in model.modules())


# ---------------------------------------------------------------------------------------------- 01

def _normalize(weight):
    low, high = weight.amin(dim=(1, 2, 3), keepdim=True), weight.amax(dim=(1, 2, 3), keepdim=True)
    return (weight - low) / (high - low).clamp(min=1e-12)


def _normalize_unguarded(weight):
    low, high = weight.amin(dim=(1, 2, 3), keepdim=True), weight.amax(dim=(1, 2, 3), keepdim=True)
    return (weight - low) / (high - low)


def _normalize_in_place(weight):
    weight -= weight.amin(dim=(1, 2, 3), keepdim=True)
    return weight / weight.amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-12)


def _response(image, weight, bias, row, col, padding):
    k = weight.shape[-1]
    return float((F.pad(image, [padding] * 4)[:, row:row + k, col:col + k] * weight).sum() + bias)


# ---------------------------------------------------------------------------------------------- 02

def _field(layers, use_dilation=True, jump_first=False, grow_by_jump=True, use_padding=True, r0=1.0, c0=0.5):
    r, j, c, sizes, jumps, centres = r0, 1.0, c0, [], [], []
    for k, s, p, d in layers:
        d = d if use_dilation else 1
        if jump_first:
            j = j * s
        c = c + ((k - 1) * d / 2 - (p if use_padding else 0)) * j
        r = r + (k - 1) * d * (j if grow_by_jump else 1)
        if not jump_first:
            j = j * s
        sizes.append(r), jumps.append(j), centres.append(c)
    return sizes, jumps, centres


def _box(row, col, size, jump, centre):
    cy, cx = centre + row * jump, centre + col * jump
    return cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2


# ---------------------------------------------------------------------------------------------- 03

def _pearson(units, factor):
    u, f = units - units.mean(0), factor - factor.mean()
    scale = u.pow(2).mean(0).sqrt() * f.pow(2).mean().sqrt()
    return torch.where(scale > 0, (u * f[:, None]).mean(0) / scale.clamp(min=1e-12), torch.zeros(u.shape[1]))


def _pearson_unguarded(units, factor):
    u, f = units - units.mean(0), factor - factor.mean()
    return (u * f[:, None]).mean(0) / (u.pow(2).mean(0).sqrt() * f.pow(2).mean().sqrt())


def _pearson_uncentred(units, factor):
    scale = units.pow(2).mean(0).sqrt() * factor.pow(2).mean().sqrt()
    return torch.where(scale > 0, (units * factor[:, None]).mean(0) / scale, torch.zeros(units.shape[1]))


def _pearson_unbiased_std(units, factor):
    u, f = units - units.mean(0), factor - factor.mean()
    scale = units.std(0) * factor.std()
    return torch.where(scale > 0, (u * f[:, None]).mean(0) / scale.clamp(min=1e-12), torch.zeros(u.shape[1]))


def _pearson_wrong_dim(units, factor):  # reduces over the units instead of the images
    u, f = units - units.mean(0), factor - factor.mean()
    return (u * f[:, None]).mean(1) / (u.pow(2).mean(1).sqrt() * f.pow(2).mean().sqrt())


def _pearson_global_mean(units, factor):  # one mean for all the units' values
    u, f = units - units.mean(), factor - factor.mean()
    scale = u.pow(2).mean(0).sqrt() * f.pow(2).mean().sqrt()
    return torch.where(scale > 0, (u * f[:, None]).mean(0) / scale.clamp(min=1e-12), torch.zeros(u.shape[1]))


CHECK_CASES = {
    "check_top_k": Case(
        right=_top_k,
        mistakes={"not probabilities": _top_k_logits, "sigmoid": _top_k_sigmoid, "log-probabilities": _top_k_log,
                  "top k logits only": _top_k_of_top_logits, "least probable": _top_k_least,
                  "reverse order": _top_k_ascending, "ignored the argument k": _top_k_three,
                  "in place": _top_k_in_place},
        arguments=lambda: (_shapes(), _star())),
    "check_count_relus": Case(
        right=_count,
        mistakes={"counted nn.ReLU only": lambda m: sum(isinstance(x, nn.ReLU) for x in m.modules()),
                  "counted nn.ReLU6 only": lambda m: sum(isinstance(x, nn.ReLU6) for x in m.modules()),
                  "top-level": lambda m: sum(isinstance(x, (nn.ReLU, nn.ReLU6)) for x in m.children()),
                  "Hardtanh": lambda m: sum(isinstance(x, (nn.ReLU, nn.Hardtanh)) for x in m.modules()),
                  "contains 'ReLU'": lambda m: sum("ReLU" in type(x).__name__ for x in m.modules()),
                  "every module": lambda m: len(list(m.modules()))},
        arguments=lambda: ({"shapes": _shapes().model},)),
    "check_normalize_filters": Case(
        right=_normalize,
        mistakes={"one minimum and maximum": lambda w: (w - w.min()) / (w.max() - w.min()),
                  "each colour channel": lambda w: (w - w.amin((2, 3), keepdim=True)) / (
                      w.amax((2, 3), keepdim=True) - w.amin((2, 3), keepdim=True)).clamp(min=1e-12),
                  "0/0": _normalize_unguarded,
                  "in place": _normalize_in_place,
                  "without subtracting the minimum": lambda w: w / w.amax((1, 2, 3), keepdim=True),
                  "centred zero at 0.5": lambda w: w / w.abs().amax((1, 2, 3), keepdim=True).clamp(min=1e-12) / 2 + 0.5},
        arguments=lambda: (helpers.get_layer(_shapes().model, "features.conv1").weight,)),
    "check_filter_response": Case(
        right=_response,
        mistakes={"ignored the padding argument (no padding": lambda im, w, b, r, c, p: _response(im, w, b, r, c, 0),
                  "padded by k // 2": lambda im, w, b, r, c, p: _response(im, w, b, r, c, w.shape[-1] // 2),
                  "left out the bias": lambda im, w, b, r, c, p: _response(im, w, 0.0, r, c, p),
                  "swapped row and col": lambda im, w, b, r, c, p: _response(im, w, b, c, r, p),
                  "flipped the filter": lambda im, w, b, r, c, p: _response(im, w.flip(-1, -2), b, r, c, p)},
        arguments=lambda: (helpers.get_layer(_shapes().model, "features.conv1"),)),
    "check_receptive_field": Case(
        right=_field,
        mistakes={"left out the dilation": lambda layers: _field(layers, use_dilation=False),
                  "before using it": lambda layers: _field(layers, jump_first=True),
                  "times the jump so far": lambda layers: _field(layers, grow_by_jump=False),
                  "left out the padding": lambda layers: _field(layers, use_padding=False),
                  "start from r = 1": lambda layers: _field(layers, r0=0.0),
                  "start from c = 0.5": lambda layers: _field(layers, c0=0.0)}),
    "check_unit_box": Case(
        right=_box,
        mistakes={"x goes with the column": lambda r, c, s, j, c0: _box(c, r, s, j, c0),
                  "middle of the field": lambda r, c, s, j, c0: (c0 + c * j, c0 + r * j, c0 + c * j + s,
                                                                 c0 + r * j + s),
                  "not (x0, y0, width, height)": lambda r, c, s, j, c0: _box(r, c, s, j, c0)[:2] + (s, s),
                  "first unit's centre": lambda r, c, s, j, c0: _box(r, c, s, j, 0.0),
                  "multiply the index by the jump": lambda r, c, s, j, c0: (c0 + c - s / 2, c0 + r - s / 2,
                                                                            c0 + c + s / 2, c0 + r + s / 2)}),
    "check_nearest_neighbours": Case(
        right=lambda q, bank, k: torch.cdist(q, bank).topk(k, largest=False).indices,
        mistakes={"farthest": lambda q, bank, k: torch.cdist(q, bank).topk(k).indices,
                  "dot product": lambda q, bank, k: (q @ bank.T).topk(k).indices,
                  "cosine": lambda q, bank, k: (F.normalize(q, dim=1) @ F.normalize(bank, dim=1).T).topk(k).indices,
                  "Manhattan": lambda q, bank, k: torch.cdist(q, bank, p=1).topk(k, largest=False).indices,
                  "nearest first": lambda q, bank, k: torch.cdist(q, bank).topk(k, largest=False).indices.flip(1),
                  "along dim 1": lambda q, bank, k: torch.cdist(q, bank).topk(k, dim=0, largest=False).indices}),
    "check_unit_correlation": Case(
        right=_pearson,
        mistakes={"covariance": lambda units, factor: ((units - units.mean(0)) * (factor - factor.mean())[:, None]
                                                       ).mean(0),
                  "subtract the means first": _pearson_uncentred,
                  "absolute value": lambda units, factor: _pearson(units, factor).abs(),
                  "same N": _pearson_unbiased_std,
                  "0/0": _pearson_unguarded,
                  "dim 0": _pearson_wrong_dim,
                  "each unit's own mean": _pearson_global_mean}),
}


def test_field_cases_match_real_layers():
    """The receptive-field answers the check expects are those of real PyTorch layers: the gradient of one
    interior unit reaches exactly `size` input pixels around centre + index · jump."""
    for layers, sizes, jumps, centres in lessons_00_03._FIELD_CASES:
        chain = nn.Sequential(*[nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
                                for k, s, p, d in layers])
        for conv in chain:
            nn.init.ones_(conv.weight)
        x = torch.ones(1, 1, 400, 400, requires_grad=True)
        for depth in range(1, len(layers) + 1):
            partial = chain[:depth](x)
            index = int(sizes[depth - 1] // jumps[depth - 1]) + 2  # an interior unit: its field avoids the padding
            grad, = torch.autograd.grad(partial[0, 0, index, index], x, retain_graph=True)
            rows = torch.nonzero(grad[0, 0].sum(1)).flatten()
            start, end = int(rows.min()), int(rows.max()) + 1
            assert end - start == sizes[depth - 1], (layers, depth)
            assert (start + end) / 2 == centres[depth - 1] + index * jumps[depth - 1], (layers, depth)
            grad_next, = torch.autograd.grad(partial[0, 0, index + 1, index + 1], x)
            next_start = int(torch.nonzero(grad_next[0, 0].sum(1)).flatten().min())
            assert next_start - start == jumps[depth - 1], (layers, depth)


def test_activation_zoo_tells_the_counting_mistakes_apart():
    counts = lessons_00_03._rectifier_counts(lessons_00_03._ActivationZoo())
    assert counts["right"] == 7 and len(set(counts.values())) == len(counts), counts


CHECK_ARGUMENTS = {
    "check_top_k": lambda: (_shapes(), _star()),
    "check_count_relus": lambda: ({"shapes": _shapes().model},),
    "check_normalize_filters": lambda: (torch.randn(4, 3, 5, 5),),
    "check_filter_response": lambda: (nn.Conv2d(3, 4, 3, padding=1),),
    "check_receptive_field": lambda: (),
    "check_unit_box": lambda: (),
    "check_nearest_neighbours": lambda: (),
    "check_unit_correlation": lambda: (),
}


@pytest.mark.parametrize("name", sorted(CHECK_ARGUMENTS))
def test_stub_is_reported_as_not_done(name):
    def stub(*args):
        raise NotImplementedError("Exercise: write f()")
    with pytest.raises(ExerciseNotDone, match="Exercise: write f"):
        getattr(lessons_00_03, name)(stub, *CHECK_ARGUMENTS[name]())


def test_every_lessons_00_03_check_has_stub_arguments():
    checks = {n for n in dir(lessons_00_03) if n.startswith("check_")}
    assert checks == set(CHECK_ARGUMENTS) == set(CHECK_CASES)


def test_filter_response_check_on_a_3x3_first_layer(capsys):
    """EfficientNet's stem is 3×3: the check's paddings and positions must work for k = 3 as well."""
    conv = nn.Conv2d(3, 4, 3, padding=1)
    helpers.checks.check_filter_response(_response, conv)
    assert "✅" in capsys.readouterr().out
    with pytest.raises(helpers.checks.ExerciseFailed, match="no padding"):
        helpers.checks.check_filter_response(lambda im, w, b, r, c, p: _response(im, w, b, r, c, 0), conv)
