"""Figures in one small consistent style: image grids, heatmap overlays with a colour bar, filter grids."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from .images import load_image

if TYPE_CHECKING:
    from .models import ModelBundle

COURSE_STYLE = {
    "figure.dpi": 100, "axes.titlesize": 10, "axes.titleweight": "bold", "axes.labelsize": 9,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
    "image.interpolation": "nearest", "figure.autolayout": False,
}


def use_course_style() -> None:
    """Apply the course's matplotlib style (called once by `helpers.setup`)."""
    plt.rcParams.update(COURSE_STYLE)


def to_display(image, bundle: "ModelBundle | None" = None) -> np.ndarray:
    """Anything image-like → an H×W×3 (or H×W for one channel maps) float array for imshow.

    Tensors of model inputs go through `bundle.deprocess` (inverse normalization, clipping,
    channels-last); other tensors and arrays are taken as [0, 1] images or 2-D maps.
    """
    if isinstance(image, torch.Tensor):
        t = image.detach().float().cpu()
        if t.dim() == 4:
            t = t[0]
        if t.dim() == 3 and t.shape[0] == 3 and bundle is not None:
            return bundle.deprocess(t)
        if t.dim() == 3 and t.shape[0] == 1:
            t = t[0]
        if t.dim() == 3 and t.shape[0] == 3:
            return t.clamp(0, 1).permute(1, 2, 0).numpy()
        return t.numpy()
    if isinstance(image, np.ndarray) and image.ndim == 2:
        return image
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 and image.dtype != np.uint8:
        return np.clip(image, 0, 1)
    return np.asarray(load_image(image), np.float32) / 255.0


def show_images(images: Sequence, titles: Sequence[str] | None = None, ncols: int | None = None,
                size: float = 2.2, bundle: "ModelBundle | None" = None, cmap: str = "gray",
                suptitle: str | None = None) -> plt.Figure:
    """A grid of images (PIL, arrays, tensors or model inputs with `bundle`) with optional titles."""
    images = list(images)
    n = len(images)
    ncols = ncols or min(n, 6)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            shown = to_display(images[i], bundle)
            ax.imshow(shown, cmap=cmap if shown.ndim == 2 else None)
            if titles is not None:
                ax.set_title(titles[i])
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    fig.tight_layout()
    return fig


def upsample_map(heatmap, size: tuple[int, int]) -> np.ndarray:
    """Bilinearly resize a 2-D map to (height, width)."""
    t = torch.as_tensor(np.asarray(heatmap if not isinstance(heatmap, torch.Tensor) else
                                   heatmap.detach().float().cpu()), dtype=torch.float32)
    t = t.reshape(1, 1, *t.shape[-2:])
    return F.interpolate(t, size=size, mode="bilinear", align_corners=False)[0, 0].numpy()


def show_heatmap(image, heatmap, ax: plt.Axes | None = None, alpha: float = 0.5, cmap: str = "jet",
                 title: str | None = None, bundle: "ModelBundle | None" = None, colorbar: bool = True,
                 label: str = "") -> plt.Axes:
    """Overlay a 2-D map (any resolution, upsampled to fit) on an image, with a colour bar."""
    shown = to_display(image, bundle)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3.4))
    values = upsample_map(heatmap, shown.shape[:2])
    ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None)
    overlay = ax.imshow(values, cmap=cmap, alpha=alpha)
    if colorbar:
        bar = plt.colorbar(overlay, ax=ax, fraction=0.046, pad=0.04)
        bar.set_label(label)
    if title:
        ax.set_title(title)
    ax.axis("off")
    return ax


def filter_grid(weight: torch.Tensor, max_filters: int = 64, max_channels: int = 8) -> torch.Tensor:
    """Conv weights (out × in × k × k) → one image grid, each filter min-max scaled on its own.

    Filters with 3 input channels become RGB tiles; deeper filters show each input channel as a grey
    tile (one row per filter, `max_channels` channels).
    """
    from torchvision.utils import make_grid
    w = weight.detach().float().cpu()[:max_filters]
    if w.shape[1] == 3:
        tiles, nrow = w, int(math.ceil(math.sqrt(len(w))))
    else:
        c = min(max_channels, w.shape[1])
        tiles, nrow = w[:, :c].reshape(-1, 1, *w.shape[2:]), c
    return make_grid(tiles, nrow=nrow, normalize=True, scale_each=True, padding=1, pad_value=1.0)


def show_filters(weight: torch.Tensor, title: str | None = None, ax: plt.Axes | None = None,
                 **grid_kwargs) -> plt.Axes:
    """Draw `filter_grid(weight)`; see there for how filters are tiled and scaled."""
    grid = filter_grid(weight, **grid_kwargs)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def show_scores(scores: dict[str, float], xlabel: str, chance: float | None = None,
                ax: plt.Axes | None = None, percent: bool = True) -> plt.Axes:
    """Horizontal bars for named scores (first on top), each labelled with its value; a dashed line at
    `chance` when given. The course's way to show a method next to its baselines."""
    names, values = list(scores)[::-1], list(scores.values())[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.45 * len(names) + 0.8))
    ax.barh(names, values, color=plt.cm.tab10(np.arange(len(names)) % 10))
    top = max(max(values), chance or 0)
    for i, v in enumerate(values):
        ax.text(v + 0.01 * top, i, f"{v:.1%}" if percent else f"{v:.3g}", va="center")
    if chance is not None:
        ax.axvline(chance, color="gray", ls="--", lw=1)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(xlabel + (" (dashed: chance)" if chance is not None else ""))
    return ax
