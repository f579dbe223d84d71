"""Procedurally generated shapes dataset with ground-truth masks and boxes.

Every sample is drawn from its own seed, so a (seed, index) pair always gives the same image, and
attribution methods can be scored against the true object mask offline.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw

CLASSES: tuple[str, ...] = (
    "circle", "square", "triangle", "star", "cross",
    "ring", "crescent", "heart", "arrow", "bolt",
)
IMAGE_SIZE = 64
_SUPERSAMPLE = 4  # shapes are drawn 4x larger and box-filtered down: smooth, anti-aliased edges


@dataclass
class ShapeSample:
    """One generated image with its label, per-pixel object mask and bounding box."""

    image: np.ndarray  # H×W×3 float32 in [0, 1]
    label: int
    mask: np.ndarray  # H×W bool, True on the object
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (inclusive-exclusive, pixels)

    @property
    def class_name(self) -> str:
        return CLASSES[self.label]


# ----------------------------------------------------------------------------- outlines
def _regular(n: int, r: float = 1.0, phase: float = -math.pi / 2) -> np.ndarray:
    t = phase + np.arange(n) * 2 * math.pi / n
    return np.stack([r * np.cos(t), r * np.sin(t)], 1)


def _star() -> np.ndarray:
    outer, inner = _regular(5, 1.0), _regular(5, 0.42, -math.pi / 2 + math.pi / 5)
    return np.stack([outer, inner], 1).reshape(-1, 2)


def _heart() -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, 72, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    pts = np.stack([x, y + 2.5], 1) / 16.5
    return pts


_CROSS = np.array([(-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3), (0.3, 1),
                   (-0.3, 1), (-0.3, 0.3), (-1, 0.3), (-1, -0.3), (-0.3, -0.3)], float)
_ARROW = np.array([(-1, -0.22), (0.15, -0.22), (0.15, -0.65), (1, 0), (0.15, 0.65), (0.15, 0.22),
                   (-1, 0.22)], float)
_BOLT = np.array([(0.15, -1), (-0.55, 0.12), (-0.05, 0.12), (-0.3, 1), (0.55, -0.2), (0.05, -0.2),
                  (0.35, -1)], float)

# Each class is a list of (outline, fill) layers drawn in order: fill=False cuts a hole.
_OUTLINES: dict[str, list[tuple[np.ndarray, bool]]] = {
    "circle": [(_regular(72), True)],
    "square": [(_regular(4, 1.0, math.pi / 4), True)],
    "triangle": [(_regular(3, 1.1) + [0, 0.15], True)],
    "star": [(_star() * 1.1, True)],
    "cross": [(_CROSS, True)],
    "ring": [(_regular(72), True), (_regular(72, 0.55), False)],
    "crescent": [(_regular(72), True), (_regular(72, 0.85) + [0.5, -0.1], False)],
    "heart": [(_heart() * 1.05, True)],
    "arrow": [(_ARROW, True)],
    "bolt": [(_BOLT, True)],
}
assert tuple(_OUTLINES) == CLASSES


# ----------------------------------------------------------------------------- painting
def _random_colour(rng: np.random.Generator, avoid: np.ndarray | None = None) -> np.ndarray:
    """A saturated random colour, at least a fixed distance from `avoid` (so objects stay visible)."""
    for _ in range(50):
        h, s, v = rng.random(), rng.uniform(0.35, 1.0), rng.uniform(0.35, 1.0)
        colour = _hsv_to_rgb(h, s, v)
        if avoid is None or np.abs(colour - avoid).sum() > 0.6:
            return colour
    return 1.0 - avoid if avoid is not None else colour


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i], np.float32)


def _blend(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return (a * (1 - t) + b * t).astype(np.float32)


def _pattern(rng: np.random.Generator, size: int, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """A size×size×3 fill: flat, gradient, stripes, checks or smooth noise between two colours."""
    kind = rng.choice(["flat", "gradient", "stripes", "checks", "noise"], p=[0.3, 0.25, 0.15, 0.1, 0.2])
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == "flat":
        w = np.zeros((size, size), np.float32)
    elif kind == "gradient":
        a = rng.uniform(0, 2 * math.pi)
        w = (np.cos(a) * xx + np.sin(a) * yy)
        w = (w - w.min()) / (np.ptp(w) + 1e-6)
    elif kind == "stripes":
        a, period = rng.uniform(0, math.pi), rng.uniform(0.08, 0.25)
        w = (np.sin(2 * math.pi * (np.cos(a) * xx + np.sin(a) * yy) / period) > 0).astype(np.float32)
    elif kind == "checks":
        period = rng.uniform(0.1, 0.3)
        w = ((np.floor(xx / period) + np.floor(yy / period)) % 2).astype(np.float32)
    else:
        coarse = rng.random((rng.integers(3, 9),) * 2).astype(np.float32)
        w = np.asarray(Image.fromarray(coarse).resize((size, size), Image.BICUBIC), np.float32)
        w = np.clip((w - w.min()) / (np.ptp(w) + 1e-6), 0, 1)
    return c1 * (1 - w[..., None]) + c2 * w[..., None]


def _outline_mask(layers: list[tuple[np.ndarray, bool]], centre: np.ndarray, radius: float,
                  angle: float, aspect: float, size: int) -> np.ndarray:
    """Rasterize a class outline into a soft (anti-aliased) size×size mask in [0, 1]."""
    big = size * _SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(canvas)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    for outline, fill in layers:
        pts = outline * [aspect, 1.0 / aspect] @ rot.T * radius + centre
        draw.polygon([tuple(p) for p in pts * _SUPERSAMPLE], fill=255 if fill else 0)
    return np.asarray(canvas.resize((size, size), Image.BOX), np.float32) / 255.0


def _clutter(rng: np.random.Generator, img: Image.Image, avoid: np.ndarray) -> None:
    """Draw a few small lines and dots that belong to no class."""
    draw = ImageDraw.Draw(img)
    size = img.size[0]
    for _ in range(rng.integers(0, 4)):
        colour = tuple(int(c * 255) for c in _random_colour(rng, avoid))
        x, y = rng.uniform(0, size, 2)
        if rng.random() < 0.6:
            a, length = rng.uniform(0, 2 * math.pi), rng.uniform(0.1, 0.3) * size
            draw.line([(x, y), (x + length * math.cos(a), y + length * math.sin(a))], fill=colour,
                      width=int(rng.integers(1, 3)))
        else:
            r = rng.uniform(0.02, 0.05) * size
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def make_sample(seed: int, index: int, size: int = IMAGE_SIZE, label: int | None = None,
                clutter: bool = True, difficulty: float = 1.0) -> ShapeSample:
    """Generate sample `index` of the dataset with this `seed` (the same pair gives the same image).

    `difficulty` in [0, 1] is the chance that the sample gets patterned fills and clutter; the rest are
    flat shapes on flat backgrounds (training starts easy and ends at full difficulty).
    """
    rng = np.random.default_rng([seed, index])
    label = int(rng.integers(len(CLASSES))) if label is None else int(label)
    plain = rng.random() >= difficulty
    bg1 = _random_colour(rng)
    bg2 = bg1 if plain else _blend(bg1, _random_colour(rng), rng.uniform(0.15, 0.5))
    background = _pattern(rng, size, bg1, bg2)
    if clutter and not plain:
        pil = Image.fromarray((background * 255).astype(np.uint8))
        _clutter(rng, pil, (bg1 + bg2) / 2)
        background = np.asarray(pil, np.float32) / 255.0
    fg1 = _random_colour(rng, avoid=(bg1 + bg2) / 2)
    fg2 = fg1 if plain or rng.random() < 0.6 else _blend(fg1, _random_colour(rng), rng.uniform(0.1, 0.4))
    foreground = _pattern(rng, size, fg1, fg2)

    radius = rng.uniform(0.16, 0.38) * size
    margin = radius * 1.0
    centre = rng.uniform(margin, size - margin, 2)
    angle = rng.uniform(0, 2 * math.pi)
    aspect = rng.uniform(0.85, 1.15)
    soft = _outline_mask(_OUTLINES[CLASSES[label]], centre, radius, angle, aspect, size)

    image = background * (1 - soft[..., None]) + foreground * soft[..., None]
    image = image + rng.normal(0, 0 if plain else rng.uniform(0, 0.04), image.shape)
    mask = soft > 0.5
    ys, xs = np.nonzero(mask)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    return ShapeSample(np.clip(image, 0, 1).astype(np.float32), label, mask, box)


def make_batch(n: int, seed: int, size: int = IMAGE_SIZE, start: int = 0, clutter: bool = True,
               difficulty: float = 1.0) -> dict[str, torch.Tensor]:
    """Generate samples start..start+n as tensors: images (N×3×H×W in [0, 1]), labels, masks, boxes."""
    images = np.empty((n, 3, size, size), np.float32)  # filled in place: one copy of the batch in memory
    masks = np.empty((n, size, size), bool)
    labels, boxes = [], []
    for i in range(n):
        sample = make_sample(seed, start + i, size, clutter=clutter, difficulty=difficulty)
        images[i] = sample.image.transpose(2, 0, 1)
        masks[i] = sample.mask
        labels.append(sample.label)
        boxes.append(sample.box)
    return {"images": torch.from_numpy(images), "labels": torch.tensor(labels),
            "masks": torch.from_numpy(masks), "boxes": torch.tensor(boxes)}


class ShapesDataset(torch.utils.data.Dataset):
    """`n` shapes samples for a seed, as (image tensor 3×H×W in [0, 1], label) pairs by default.

    With `with_targets=True` each item is a dict that also holds the mask and the box. With
    `curriculum=f`, difficulty rises linearly from 0 to 1 over the first fraction f of the indices
    (for training in index order: plain shapes first, full clutter later).
    """

    def __init__(self, n: int, seed: int, size: int = IMAGE_SIZE, with_targets: bool = False,
                 clutter: bool = True, curriculum: float = 0.0):
        self.n, self.seed, self.size = n, seed, size
        self.with_targets, self.clutter, self.curriculum = with_targets, clutter, curriculum

    def difficulty(self, index: int) -> float:
        """The difficulty of sample `index` under the curriculum (1.0 without one)."""
        return 1.0 if self.curriculum <= 0 else min(1.0, index / (self.curriculum * self.n))

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int):
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for a dataset of {self.n} samples")
        s = make_sample(self.seed, index, self.size, clutter=self.clutter, difficulty=self.difficulty(index))
        image = torch.from_numpy(s.image).permute(2, 0, 1).contiguous()
        if not self.with_targets:
            return image, s.label
        return {"image": image, "label": s.label, "mask": torch.from_numpy(s.mask),
                "box": torch.tensor(s.box)}


def class_index(name: str, classes: Sequence[str] = CLASSES) -> int:
    """The label of a class name, with a helpful error for an unknown one."""
    try:
        return list(classes).index(name)
    except ValueError:
        raise ValueError(f"unknown shapes class {name!r}; choose one of {', '.join(classes)}") from None
