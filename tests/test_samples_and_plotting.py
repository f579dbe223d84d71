"""Bundled photos, textures and generated styles; plotting helpers."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers import (filter_grid, sample_image, shapes_image, show_filters, show_heatmap,  # noqa: E402
                     show_images, show_scores, style_image, to_display, upsample_map)
from helpers.samples import PHOTOS, STYLES, TEXTURES  # noqa: E402


@pytest.mark.parametrize("name", list(PHOTOS) + list(TEXTURES))
def test_bundled_images_load_offline(name, no_network):
    image = sample_image(name)
    assert image.mode == "RGB" and min(image.size) >= 256


def test_generated_styles_are_colourful_and_deterministic():
    for name in STYLES:
        a = np.asarray(style_image(name, size=96))
        assert a.shape == (96, 96, 3) and a.std() > 20
        assert np.array_equal(a, np.asarray(style_image(name, size=96)))
    assert shapes_image("ring").size == (64, 64)


def test_unknown_names_suggest_close_ones():
    with pytest.raises(ValueError, match="Did you mean chelsea"):
        sample_image("chelsae")
    with pytest.raises(ValueError, match="voronoi"):
        style_image("voronoy")


def test_show_images_and_to_display(shapes_bundle):
    x = shapes_bundle.preprocess(sample_image("shapes:star"))
    assert np.allclose(to_display(x, shapes_bundle), shapes_bundle.deprocess(x))
    assert to_display(torch.rand(8, 8)).shape == (8, 8)
    fig = show_images([x, torch.rand(3, 8, 8), np.zeros((8, 8))], ["a", "b", "c"], ncols=2, bundle=shapes_bundle)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:3] == ["a", "b", "c"] and len(fig.axes) == 4
    plt.close(fig)


def test_heatmap_overlay_upsamples_with_colorbar():
    assert upsample_map(torch.ones(4, 4), (16, 20)).shape == (16, 20)
    ax = show_heatmap(np.zeros((32, 32, 3)), np.random.rand(4, 4), title="map")
    assert len(ax.figure.axes) == 2 and ax.get_images()[1].get_array().shape == (32, 32)
    plt.close(ax.figure)


def test_filter_grid_scales_each_filter():
    rgb = filter_grid(torch.randn(16, 3, 5, 5) * torch.arange(1, 17).view(16, 1, 1, 1))
    assert rgb.shape[0] == 3 and rgb.min() >= 0 and rgb.max() <= 1
    tile = rgb[:, 1:6, 1:6]  # first filter, inside the padding
    assert tile.min() == 0 and tile.max() == 1
    deep = filter_grid(torch.randn(4, 32, 3, 3), max_channels=8)
    assert deep.shape[2] == 8 * 4 + 1  # eight grey tiles per row
    ax = show_filters(torch.randn(8, 3, 3, 3), title="f")
    assert ax.get_title() == "f"
    plt.close(ax.figure)


def test_show_scores_labels_every_bar_and_marks_chance():
    ax = show_scores({"random": 0.1, "method": 0.8}, "accuracy", chance=0.1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["method", "random"]  # first on top
    assert [t.get_text() for t in ax.texts] == ["80.0%", "10.0%"]
    assert len(ax.get_lines()) == 1 and "chance" in ax.get_xlabel()
    plt.close(ax.figure)
