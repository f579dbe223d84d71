"""Hand-drawn boxes of the bundled photos: mapped into every crop the lessons take, scored fairly."""
from __future__ import annotations

import pytest
import torch

from helpers import attribution, sample_image
from helpers.boxes import boxed_photos, photo_crop, photo_objects


def test_every_boxed_photo_loads_and_boxes_lie_inside_it(no_network):
    assert {"chelsea", "coffee", "astronaut", "rocket", "china", "flower", "motorcycle"} <= set(boxed_photos())
    for name in boxed_photos():
        width, height = sample_image(name).size
        for obj in photo_objects(name):
            x0, y0, x1, y1 = obj.box
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (name, obj)
            assert obj.classes


@pytest.mark.parametrize("offset, expected_x0", [(0.5, 183 * 224 / 400 - 56), (0.0, 183 * 224 / 400),
                                                 (1.0, 0.0)])  # cut at the left edge
def test_boxes_follow_the_crop(offset, expected_x0):
    """coffee is 600×400: at 224 px it becomes 336×224, and the window slides along x."""
    (cup,) = photo_objects("coffee", 224, offset)
    assert cup.box[0] == pytest.approx(expected_x0, abs=1e-6)
    assert cup.box[1] == pytest.approx(45 * 224 / 400)
    crop = photo_crop("coffee", 224, offset)
    assert crop.size == (224, 224)
    assert cup.mask(224).sum() == pytest.approx((cup.box[2] - cup.box[0]) * (cup.box[3] - cup.box[1]), rel=0.05)


def test_centre_crop_matches_what_preprocess_sees(shapes_bundle):
    x = shapes_bundle.preprocess(sample_image("rocket"), size=96)
    y = shapes_bundle.preprocess(photo_crop("rocket", 96), size=96)
    assert torch.allclose(x, y, atol=1e-6)


def test_photo_evaluation_set_leaves_out_frame_filling_boxes_and_mirrors_masks():
    bundle = _FakeImagenet()
    evaluation = attribution.photo_evaluation_set(bundle, size=64, offsets=(0, 0.5, 1), flips=True)
    assert any(name.startswith("chelsea") for name in evaluation["skipped"])  # the cat fills the frame
    assert not any(name.startswith("chelsea") for name in evaluation["names"])
    assert (evaluation["masks"].float().mean(dim=(1, 2)) <= attribution.MAX_BOX_AREA).all()
    names = evaluation["names"]
    plain = names.index("rocket @0.5: rocket")
    mirrored = names.index("rocket @0.5 flipped: rocket")
    assert torch.equal(evaluation["masks"][plain].flip(-1), evaluation["masks"][mirrored])
    for name, target in zip(names, evaluation["targets"].tolist()):
        assert bundle.class_names[target] in _classes_of(name)


def _classes_of(name: str) -> tuple[str, ...]:
    photo, obj = name.split(" @")[0], name.rsplit(": ", 1)[1]
    return next(o.classes for o in photo_objects(photo) if o.name == obj)


class _FakeImagenet:
    """A bundle stand-in: 1000 classes, a fixed random linear model on colour means (fast, offline)."""

    input_size = 64

    def __init__(self):
        from helpers.models import imagenet_class_names
        self.class_names = imagenet_class_names()
        torch.manual_seed(0)
        self.weight = torch.randn(1000, 3)

    def model(self, x):
        return x.mean(dim=(2, 3)) @ self.weight.T

    def preprocess(self, image, size):
        from helpers.images import center_crop, resize
        import numpy as np
        array = np.asarray(center_crop(resize(image, size), size), np.float32) / 255
        return torch.from_numpy(array).permute(2, 0, 1)[None]
