"""The shapes dataset: deterministic, every class, masks that match the drawn object, boxes that
match the masks; and the shipped model's accuracy on fresh images."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy import ndimage

from helpers import ShapesDataset, make_batch, make_sample
from helpers.paths import data_dir
from helpers.shapes import CLASSES, class_index


def test_deterministic_for_a_seed():
    a, b, c = make_sample(3, 10), make_sample(3, 10), make_sample(3, 11)
    assert np.array_equal(a.image, b.image) and a.label == b.label
    assert not np.array_equal(a.image, c.image)


def test_classes_and_ranges():
    batch = make_batch(300, seed=5)
    assert set(batch["labels"].tolist()) == set(range(len(CLASSES))) and len(CLASSES) >= 10
    assert batch["images"].shape == (300, 3, 64, 64)
    assert 0 <= batch["images"].min() and batch["images"].max() <= 1
    areas = batch["masks"].float().mean(dim=(1, 2))
    assert areas.min() > 0.01 and areas.max() < 0.7  # every object visible, none fills the image


@pytest.mark.parametrize("label", range(len(CLASSES)))
def test_mask_matches_drawn_object(label):
    # difficulty 0: a flat object on a flat background, so the drawing can be read back from the pixels:
    # a pixel belongs to the object exactly when its colour is closer to the object's than the background's
    s = make_sample(11, label, label=label, difficulty=0.0)
    fg = np.median(s.image[ndimage.binary_erosion(s.mask, iterations=2)], axis=0)
    bg = np.median(s.image[ndimage.binary_erosion(~s.mask, iterations=2)], axis=0)
    assert np.abs(fg - bg).sum() > 0.3
    drawn = np.abs(s.image - fg).sum(-1) < np.abs(s.image - bg).sum(-1)
    assert (drawn == s.mask).mean() > 0.998
    x0, y0, x1, y1 = s.box
    ys, xs = np.nonzero(s.mask)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x0, y0, x1, y1)


def test_dataset_items_and_curriculum():
    ds = ShapesDataset(10, seed=1, with_targets=True)
    item = ds[3]
    assert item["image"].shape == (3, 64, 64) and item["mask"].dtype == torch.bool
    with pytest.raises(IndexError):
        ds[10]
    ramp = ShapesDataset(100, seed=1, curriculum=0.5)
    assert ramp.difficulty(0) == 0 and ramp.difficulty(25) == 0.5 and ramp.difficulty(99) == 1.0
    assert class_index("star") == CLASSES.index("star")
    with pytest.raises(ValueError, match="choose one of"):
        class_index("hexagon")


def test_shipped_model_card_and_size():
    card = json.loads((data_dir() / "shapes_cnn.json").read_text())
    assert card["test_accuracy"] >= 0.97 and "seed" in card
    assert (data_dir() / "shapes_cnn.pt").stat().st_size <= 5 * 2**20


def test_shipped_model_accuracy_on_fresh_images(shapes_bundle):
    batch = make_batch(1000, seed=424242)  # a seed neither training (0) nor the card's test set (1) used
    logits = shapes_bundle.logits(batch["images"], batch_size=128)
    assert torch.allclose(logits[:5], shapes_bundle.model(shapes_bundle.normalize(batch["images"][:5])), atol=1e-4)
    accuracy = (logits.argmax(1) == batch["labels"]).float().mean().item()
    assert accuracy >= 0.97, f"accuracy {accuracy:.3f}"
