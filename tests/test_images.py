"""Image loading: every input kind, every conversion, and a clear error for bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from helpers import ImageLoadError, load_image, to_array


def test_sources_of_every_kind(tmp_path):
    array = (np.random.default_rng(0).random((20, 30, 3)) * 255).astype(np.uint8)
    path = tmp_path / "a.png"
    Image.fromarray(array).save(path)
    for source in [path, str(path), Image.fromarray(array), array, array / 255.0,
                   torch.from_numpy(array).permute(2, 0, 1).float() / 255]:
        image = load_image(source)
        assert image.mode == "RGB" and image.size == (30, 20)
        assert np.abs(np.asarray(image, int) - array).max() <= 1


def test_conversions(tmp_path):
    gray = load_image(np.full((4, 4), 100, np.uint8))
    assert np.asarray(gray).tolist()[0][0] == [100, 100, 100]
    rgba = load_image(Image.new("RGBA", (4, 4), (255, 0, 0, 0)))  # fully transparent → white
    assert np.asarray(rgba)[0, 0].tolist() == [255, 255, 255]
    palette = Image.new("P", (4, 4))
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    palette.paste(1, (0, 0, 4, 4))
    assert np.asarray(load_image(palette))[0, 0].tolist() == [10, 200, 30]
    sixteen = np.full((4, 4), 65535, np.uint16)
    sixteen[0, 0] = 0
    Image.fromarray(sixteen).save(tmp_path / "16.png")
    loaded = np.asarray(load_image(tmp_path / "16.png"))
    assert loaded[1, 1].tolist() == [255, 255, 255] and loaded[0, 0].tolist() == [0, 0, 0]
    assert np.asarray(load_image(sixteen))[1, 1].tolist() == [255, 255, 255]
    resized = load_image(np.zeros((10, 20, 3), np.uint8), size=5)
    assert resized.size == (10, 5)
    assert to_array(gray).dtype == np.float32 and to_array(gray).max() <= 1


def test_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image file"):
        load_image(tmp_path / "missing.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(ImageLoadError, match="not an image"):
        load_image(tmp_path / "notes.txt")
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(ImageLoadError, match="H×W"):
        load_image(np.zeros((4, 4, 7)))
    with pytest.raises(ImageLoadError, match="deprocess"):
        load_image(torch.randn(3, 8, 8) * 3)
    with pytest.raises(ImageLoadError, match="cannot make an image"):
        load_image(42)


def test_url_offline_gives_clear_error(no_network):
    with pytest.raises(ImageLoadError, match="Offline"):
        load_image("https://example.org/cat.jpg")


def test_nan_images_are_refused():
    array = np.full((4, 4, 3), 0.5, np.float32)
    array[1, 2, 0] = np.nan
    with pytest.raises(ImageLoadError, match="1 NaN"):
        load_image(array)
    with pytest.raises(ImageLoadError, match="NaN"):
        load_image(torch.from_numpy(array).permute(2, 0, 1))


def test_phone_photo_rotated_by_exif_comes_out_upright(tmp_path):
    from PIL import Image
    stored = Image.new("RGB", (40, 20), (0, 0, 255))  # stored landscape, red strip on the left
    stored.paste((255, 0, 0), (0, 0, 10, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    stored.save(tmp_path / "phone.jpg", exif=exif.tobytes())
    image = load_image(tmp_path / "phone.jpg")
    assert image.size == (20, 40)  # shown portrait, as taken
    top = np.asarray(image)[:5].mean(axis=(0, 1))
    assert top[0] > 200 and top[2] < 60  # the red strip is now at the top
