"""Score attribution maps against ground truth, next to trivial baselines: the shapes dataset's masks (one
table that lessons 04–06 each add their methods to) and the hand-drawn boxes of the bundled photos.

The maps themselves are computed in the lessons; this module only scores and records them.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

EVAL_SEED = 606  # the shared evaluation set: the same images in every lesson
EVAL_SIZE = 200
TABLE_FILE = Path("results") / "attribution_scores.json"  # relative to the notebooks' folder
PHOTO_TABLE_FILE = Path("results") / "attribution_scores_photos.json"  # the same, on the boxed photos
REPORT_CARD_FILE = Path("results") / "report_card.json"  # lesson 14's report cards
MAX_BOX_AREA = 0.8  # a box that fills the frame says nothing about localisation: such objects are left out


def evaluation_set(n: int = EVAL_SIZE, seed: int = EVAL_SEED) -> dict[str, torch.Tensor]:
    """The images every attribution method is scored on (with labels, masks and boxes)."""
    from .shapes import make_batch
    return make_batch(n, seed)


def photo_evaluation_set(bundle, size: int | None = None, offsets: tuple[float, ...] = (0.5,),
                         flips: bool = False) -> dict:
    """The boxed bundled photos (data/photo_boxes.json) as `bundle` sees them, one entry per object and
    view: square crops at each offset along the longer side (0.5 = the centre crop) and, with `flips`,
    their mirror images, so that objects do not always sit where a centre-bias baseline looks.

    Returns normalized images (N×3×S×S on the bundle's device), box masks (N×S×S), the target class (the
    object's highest-scoring ImageNet class in that view) and names; objects whose box covers more than
    MAX_BOX_AREA of the frame, or that a crop cuts to under half, are listed under 'skipped'."""
    from .boxes import boxed_photos, photo_crop, photo_objects
    size = size or bundle.input_size
    images, masks, targets, names, skipped = [], [], [], [], []
    for photo in boxed_photos():
        full = {o.name: o.mask(size).float().sum() for o in photo_objects(photo, size, 0.5)}
        for offset in dict.fromkeys(offsets):  # a square photo gives the same crop at every offset
            x = bundle.preprocess(photo_crop(photo, size, offset), size=size)
            for flip in (False, True) if flips else (False,):
                view = x.flip(-1) if flip else x
                with torch.no_grad():
                    logits = bundle.model(view)[0]
                label = f"{photo} @{offset:g}{' flipped' if flip else ''}"
                for obj in photo_objects(photo, size, offset):
                    mask = obj.mask(size).flip(-1) if flip else obj.mask(size)
                    if mask.float().mean() > MAX_BOX_AREA or mask.float().sum() < 0.5 * full.get(obj.name, 0):
                        skipped.append(f"{label}: {obj.name}")
                        continue
                    candidates = [bundle.class_names.index(c) for c in obj.classes]
                    images.append(view[0])
                    masks.append(mask)
                    targets.append(max(candidates, key=lambda i: logits[i].item()))
                    names.append(f"{label}: {obj.name}")
    return {"images": torch.stack(images), "masks": torch.stack(masks), "targets": torch.tensor(targets),
            "names": names, "skipped": sorted(set(skipped))}


def _fit(maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    maps = torch.as_tensor(maps, dtype=torch.float32).detach().cpu()
    if maps.shape[-2:] != masks.shape[-2:]:
        maps = F.interpolate(maps[:, None], size=masks.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    return maps.clamp(min=0)


def mass_inside(maps: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Per image: the share of the map's (non-negative) mass on object pixels. A uniform map scores the
    object's area; a perfect map scores 1."""
    maps = _fit(maps, masks)
    total = maps.sum(dim=(1, 2))
    inside = (maps * masks.float()).sum(dim=(1, 2))
    return torch.where(total > 0, inside / total.clamp(min=1e-12), masks.float().mean(dim=(1, 2)))


def pointing_game(maps: torch.Tensor, masks: torch.Tensor, tolerance: int | None = None) -> torch.Tensor:
    """Per image: 1.0 when the map's peak lies on the object or within `tolerance` pixels of it, else 0.0.

    The tolerance defaults to 15 pixels at 224² (Zhang et al. 2016), scaled to the image size; a peak
    shared by several pixels (a flat top, as coarse maps have) counts at the one nearest their centre.
    """
    maps = _fit(maps, masks)
    size = masks.shape[-1]
    tolerance = round(15 * size / 224) if tolerance is None else tolerance
    reach = F.max_pool2d(masks.float()[:, None], 2 * tolerance + 1, stride=1, padding=tolerance)[:, 0] > 0
    top = maps >= maps.flatten(1).max(dim=1).values.view(-1, 1, 1) * (1 - 1e-6)
    ys, xs = torch.meshgrid(torch.arange(masks.shape[-2]), torch.arange(masks.shape[-1]), indexing="ij")
    count = top.sum(dim=(1, 2)).clamp(min=1).float()
    cy = (top * ys).sum(dim=(1, 2)) / count
    cx = (top * xs).sum(dim=(1, 2)) / count
    distance = (ys - cy.view(-1, 1, 1)) ** 2 + (xs - cx.view(-1, 1, 1)) ** 2
    chosen = torch.where(top, distance, torch.full_like(distance, float("inf"))).flatten(1).argmin(dim=1)
    return reach.flatten(1)[torch.arange(len(masks)), chosen].float()


def random_maps(n: int, size: int, seed: int = 0) -> torch.Tensor:
    """The random baseline: smooth random maps (noise blurred to the scale of an object)."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 1, 8, 8, generator=g)
    return F.interpolate(coarse, size=size, mode="bicubic", align_corners=False)[:, 0].clamp(min=0)


def centre_maps(n: int, size: int) -> torch.Tensor:
    """The centre-bias baseline: a Gaussian bump in the middle of every image."""
    r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    bump = torch.exp(-(r[:, None] ** 2 + r[None] ** 2) / (2 * (size / 4) ** 2))
    return bump.expand(n, size, size).clone()


def centred_disc(masks: np.ndarray) -> np.ndarray:
    """The baseline segmentation: a disc in the image centre with the masks' mean area."""
    h, w = masks.shape[-2:]
    yy, xx = np.mgrid[:h, :w]
    return np.hypot(yy - (h - 1) / 2, xx - (w - 1) / 2) < np.sqrt(masks.mean() * h * w / np.pi)


def score(method: str, maps: torch.Tensor, masks: torch.Tensor, lesson: str) -> dict:
    """One table row: mean mass inside the mask and pointing-game hit rate (with 95% intervals)."""
    mass, hits = mass_inside(maps, masks), pointing_game(maps, masks)
    n = len(masks)
    return {"method": method, "lesson": lesson, "images": n,
            "mass_inside": round(mass.mean().item(), 4),
            "mass_inside_ci": round(1.96 * mass.std().item() / math.sqrt(n), 4),
            "pointing_game": round(hits.mean().item(), 4),
            "pointing_game_ci": round(1.96 * math.sqrt(hits.mean().item() * (1 - hits.mean().item()) / n), 4)}


def baseline_rows(masks: torch.Tensor) -> list[dict]:
    """Rows for the random and centre-bias baselines on these masks."""
    n, size = len(masks), masks.shape[-1]
    return [score("random map (baseline)", random_maps(n, size), masks, "baseline"),
            score("centre bias (baseline)", centre_maps(n, size), masks, "baseline")]


def update_table(rows: list[dict], path: Path | str = TABLE_FILE) -> list[dict]:
    """Add or replace these rows (by method name) in the shared table file and return the whole table,
    baselines first, then methods in the order lessons added them."""
    path = Path(path)
    table = json.loads(path.read_text()) if path.is_file() else []
    names = {row["method"] for row in rows}
    table = [row for row in table if row["method"] not in names] + rows
    table.sort(key=lambda row: row["lesson"] != "baseline")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(table, indent=1) + "\n")
    return table


def show_table(table: list[dict]):
    """The shared table as a figure: two bar charts, one row per method, with 95% intervals."""
    import matplotlib.pyplot as plt
    names = [row["method"] for row in table][::-1]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.42 * len(table) + 1.2), sharey=True)
    for ax, key, label in [(axes[0], "mass_inside", "share of map mass inside the object mask"),
                           (axes[1], "pointing_game", "pointing game: peak on the object")]:
        values = [row[key] for row in table][::-1]
        errors = [row[key + "_ci"] for row in table][::-1]
        colours = ["tab:gray" if row["lesson"] == "baseline" else "tab:blue" for row in table][::-1]
        ax.barh(names, values, xerr=errors, color=colours, capsize=2)
        for i, v in enumerate(values):
            ax.text(v + 0.02, i, f"{v:.2f}", va="center", fontsize=8)
        ax.set_xlim(0, 1.15)
        ax.set_xlabel(label)
    fig.suptitle(f"Attribution methods on {table[0]['images']} shapes images (grey: baselines)", fontweight="bold")
    fig.tight_layout()
    return fig


def write_report_card(cards: dict[str, dict[str, dict[str, float]]], path: Path | str = REPORT_CARD_FILE) -> dict:
    """Record lesson 14's report cards (card name → method → metric → value) in one file, replacing cards of the
    same name and keeping the others (a shapes-model run and an ImageNet run each add theirs); return them all."""
    path = Path(path)
    recorded = json.loads(path.read_text()) if path.is_file() else {}
    recorded.update({card: {method: {metric: round(float(value), 4) for metric, value in row.items()}
                            for method, row in rows.items()} for card, rows in cards.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recorded, indent=1) + "\n")
    return recorded
