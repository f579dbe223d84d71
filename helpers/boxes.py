"""Hand-drawn object boxes for the bundled photos (data/photo_boxes.json), so localisation methods are
scored on real photos too: boxes are mapped into the frame a bundle's `preprocess` produces.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image

from .paths import data_dir

BOXES_FILE = "photo_boxes.json"


@dataclass(frozen=True)
class PhotoObject:
    """One boxed object: its photo, a name, the box [x0, y0, x1, y1) in pixels and its ImageNet classes."""

    photo: str
    name: str
    box: tuple[float, float, float, float]
    classes: tuple[str, ...]

    def mask(self, size: int) -> torch.Tensor:
        """A size×size boolean mask that is True inside the box (box coordinates in that frame)."""
        x0, y0, x1, y1 = (round(v) for v in self.box)
        mask = torch.zeros(size, size, dtype=torch.bool)
        mask[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
        return mask


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads((data_dir() / BOXES_FILE).read_text(encoding="utf-8"))["photos"]


def boxed_photos() -> list[str]:
    """Names of the bundled photos that have hand-drawn object boxes."""
    return list(_table())


def _window(width: int, height: int, size: int, offset: float) -> tuple[float, int, int]:
    """Scale and top-left corner of the size×size window that `photo_crop` takes."""
    scale = size / min(width, height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    return scale, round((new_w - size) * offset), round((new_h - size) * offset)


def photo_objects(name: str, size: int | None = None, offset: float = 0.5) -> list[PhotoObject]:
    """The boxed objects of a bundled photo, in original pixels, or with `size` in the frame of
    `photo_crop(name, size, offset)` (offset 0.5 is the centre crop that `bundle.preprocess` takes).
    Boxes are clipped to the frame; an object cropped away entirely is left out."""
    if name not in _table():
        raise ValueError(f"no boxes for {name!r}; boxed photos: {', '.join(boxed_photos())}")
    from .samples import sample_image
    width, height = sample_image(name).size
    objects = []
    for entry in _table()[name]:
        box = tuple(float(v) for v in entry["box"])
        if size is not None:
            scale, left, top = _window(width, height, size, offset)
            x0, y0, x1, y1 = box
            box = tuple(min(max(v, 0.0), size) for v in
                        (x0 * scale - left, y0 * scale - top, x1 * scale - left, y1 * scale - top))
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                continue
        objects.append(PhotoObject(name, entry["object"], box, tuple(entry["classes"])))
    return objects


def photo_crop(name: str, size: int, offset: float = 0.5) -> Image.Image:
    """A bundled photo with its shorter side resized to `size`, then the size×size window at `offset`
    along the longer side (0: left or top, 0.5: centre, 1: right or bottom)."""
    from .images import resize
    from .samples import sample_image
    image = sample_image(name)
    _, left, top = _window(*image.size, size, offset)
    return resize(image, size).crop((left, top, left + size, top + size))
