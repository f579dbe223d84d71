"""Turn anything that looks like an image into an RGB PIL image, and back into an array for display.

Accepts a path, a URL (online only), a PIL image, a NumPy array or a tensor; grayscale, RGBA, palette
and 16-bit images are converted. Bad input raises an error that says what to do.
"""
from __future__ import annotations

import io
import urllib.request
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

ImageLike = Union[str, Path, Image.Image, np.ndarray, torch.Tensor]


class ImageLoadError(ValueError):
    """Raised when something cannot be read or understood as an image."""


def load_image(source: ImageLike, size: int | tuple[int, int] | None = None) -> Image.Image:
    """Return `source` as an 8-bit RGB PIL image, optionally resized (an int sets the shorter side)."""
    if isinstance(source, (str, Path)):
        image = _open(source)
    elif isinstance(source, Image.Image):
        image = source
    elif isinstance(source, torch.Tensor):
        image = _from_array(_tensor_to_hwc(source))
    elif isinstance(source, np.ndarray):
        image = _from_array(source)
    else:
        raise ImageLoadError(
            f"cannot make an image from a {type(source).__name__}: pass a file path, a URL, a PIL image, "
            "a NumPy array (H×W or H×W×C) or a tensor (C×H×W)")
    image = to_rgb(image)
    if size is not None:
        image = resize(image, size)
    return image


def _open(source: str | Path) -> Image.Image:
    text = str(source)
    if text.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(text, timeout=10) as response:
                data = response.read()
        except OSError as error:
            raise ImageLoadError(
                f"could not download {text} ({error}). Offline? Use a local file or a bundled photo, "
                "e.g. helpers.sample_image('chelsea').") from error
        return _decode(io.BytesIO(data), text)
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"no image file at {path} (looked in {Path.cwd()}). Check the spelling, or use a bundled photo: "
            "helpers.sample_image('chelsea').")
    if path.is_dir():
        raise ImageLoadError(f"{path} is a folder, not an image file")
    return _decode(path, str(path))


def _decode(file, name: str) -> Image.Image:
    try:
        image = Image.open(file)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageLoadError(
            f"{name} is not an image that can be read (PNG, JPEG, GIF, BMP, TIFF, WebP work): {error}") from error
    return ImageOps.exif_transpose(image)  # a phone photo stored sideways comes out the way it was taken


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB: alpha is composited on white, 16-bit is rescaled."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if array.max() > 255 else 255.0
        return Image.fromarray((np.clip(array / top, 0, 1) * 255).round().astype(np.uint8)).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _tensor_to_hwc(tensor: torch.Tensor) -> np.ndarray:
    t = tensor.detach().cpu()
    if t.dim() == 4 and t.shape[0] == 1:
        t = t[0]
    if t.dim() == 3 and t.shape[0] in (1, 3, 4):
        t = t.permute(1, 2, 0)
    elif t.dim() != 2:
        raise ImageLoadError(f"a tensor image must be C×H×W, 1×C×H×W or H×W; got shape {tuple(tensor.shape)}")
    if t.is_floating_point() and (t.min() < -0.01 or t.max() > 1.01):
        raise ImageLoadError(
            "this float tensor has values outside [0, 1]: it looks like a model input. Turn it back into "
            "an image with bundle.deprocess(tensor) first.")
    return t.numpy()


def _from_array(array: np.ndarray) -> Image.Image:
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ImageLoadError(f"an array image must be H×W, H×W×3 or H×W×4; got shape {a.shape}")
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        raise ImageLoadError(f"this image holds {int((~np.isfinite(a)).sum())} NaN or infinite values; "
                             "fix or mask them (e.g. np.nan_to_num) before loading it as an image")
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif a.dtype == np.uint16 or (np.issubdtype(a.dtype, np.integer) and a.max(initial=0) > 255):
        a = (a.astype(np.float64) / 65535.0 * 255).round().astype(np.uint8)
    elif np.issubdtype(a.dtype, np.floating):
        if a.min(initial=0) < -0.01 or a.max(initial=0) > 1.01:
            raise ImageLoadError("a float array image must hold values in [0, 1]; divide 0–255 data by 255")
        a = (np.clip(a, 0, 1) * 255).round().astype(np.uint8)
    else:
        a = a.astype(np.uint8)
    return Image.fromarray(a, "RGBA" if a.ndim == 3 and a.shape[2] == 4 else None)


def resize(image: Image.Image, size: int | tuple[int, int]) -> Image.Image:
    """Resize so the shorter side is `size` (an int), or to exactly (width, height)."""
    if isinstance(size, int):
        w, h = image.size
        scale = size / min(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, Image.BICUBIC)


def center_crop(image: Image.Image, size: int) -> Image.Image:
    """The central size×size square of an image at least that large."""
    w, h = image.size
    left, top = (w - size) // 2, (h - size) // 2
    return image.crop((left, top, left + size, top + size))


def to_array(source: ImageLike) -> np.ndarray:
    """An H×W×3 float32 array in [0, 1], ready for matplotlib."""
    return np.asarray(load_image(source), np.float32) / 255.0
