"""The course gallery: one small picture per lesson, its most telling figure, taken from an executed run.

Each solutions notebook tags one code cell `gallery`; the first figure that cell draws becomes
`notebooks/gallery/<lesson>.png` (at most 480 px wide), which the README's lesson table shows.
`python -m helpers.workbook --gallery` runs the lessons and rewrites the pictures.
"""
from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from .paths import REPO_ROOT

GALLERY_TAG = "gallery"
GALLERY_DIR = REPO_ROOT / "notebooks" / "gallery"
MAX_WIDTH = 480


def gallery_path(notebook: str, root: Path = REPO_ROOT) -> Path:
    """Where a lesson's gallery picture lives, e.g. notebooks/gallery/04_occlusion_and_saliency.png."""
    return root / "notebooks" / "gallery" / notebook.replace(".ipynb", ".png")


def gallery_cells(nb) -> list:
    """The code cells of a notebook tagged for the gallery."""
    return [c for c in nb.cells if c.cell_type == "code" and GALLERY_TAG in c.metadata.get("tags", [])]


def first_figure(cell) -> bytes:
    """The PNG bytes of the first figure an executed cell shows; ValueError if it shows none."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data:
            return base64.b64decode(data["image/png"])
    raise ValueError("the gallery cell drew no figure in this run")


def thumbnail(png: bytes, max_width: int = MAX_WIDTH) -> bytes:
    """The figure scaled down to at most `max_width` pixels wide, as optimized PNG bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > max_width:
        image = image.resize((max_width, round(image.height * max_width / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save_from_run(executed_nb, notebook: str, root: Path = REPO_ROOT) -> Path:
    """Write the gallery picture of one executed lesson; returns its path."""
    cells = gallery_cells(executed_nb)
    if len(cells) != 1:
        raise ValueError(f"{notebook} must tag exactly one code cell '{GALLERY_TAG}', found {len(cells)}")
    path = gallery_path(notebook, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(thumbnail(first_figure(cells[0])))
    return path
