"""Model bundles: the shapes model offline, ImageNet architectures with random weights, 'auto'."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import get_layer, load_model, sample_image
from helpers.models import IMAGENET_LAYERS, resolve_model_name, weights_cached


def test_shapes_bundle_loads_without_network(no_network, monkeypatch):
    monkeypatch.delenv("CNNVIZ_MODEL", raising=False)
    bundle = load_model("shapes")
    assert bundle.kind == "shapes" and len(bundle.class_names) == 10
    assert not bundle.model.training
    for name in bundle.layers.values():
        get_layer(bundle.model, name)
    assert set(bundle.sample_images()) == set(bundle.sample_names)


def test_env_variable_overrides_setting(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MODEL", "shapes")
    assert resolve_model_name("resnet18") == "shapes"
    monkeypatch.setenv("CNNVIZ_MODEL", "")
    assert resolve_model_name("resnet18") == "resnet18"
    with pytest.raises(ValueError, match="unknown model"):
        resolve_model_name("resnet19")
    monkeypatch.setenv("CNNVIZ_MODEL", "alexnet:random")
    assert load_model("shapes", env_override=False).name == "shapes"
    with pytest.raises(ValueError, match="unknown model"):
        load_model("shape", env_override=False)


def test_downloaded_models_offline_say_what_to_do(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty cache: the weights are not there
    assert not weights_cached("squeezenet1_1")
    with pytest.raises(OSError, match="helpers.prefetch squeezenet1_1"):
        load_model("squeezenet1_1", env_override=False)
    assert load_model("auto", env_override=False).name == "efficientnet_lite0"  # needs no download


def test_preprocess_deprocess_round_trip(shapes_bundle):
    image = sample_image("shapes:star")
    x = shapes_bundle.preprocess(image)
    assert x.shape == (1, 3, 64, 64)
    assert abs(x.mean().item()) < 2  # normalized scale, not 0..255
    back = shapes_bundle.deprocess(x)
    assert back.shape == (64, 64, 3)
    assert np.abs(back - np.asarray(image) / 255).max() < 1e-5
    batch = shapes_bundle.preprocess([image, image], size=32, crop=True)
    assert batch.shape == (2, 3, 32, 32) and shapes_bundle.deprocess(batch).shape == (2, 32, 32, 3)


def test_predict_gives_sorted_probabilities(shapes_bundle):
    top = shapes_bundle.predict(sample_image("shapes:heart"), k=4)
    probs = [p for _, p in top]
    assert top[0][0] == "heart"
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6


@pytest.mark.parametrize("arch", list(IMAGENET_LAYERS))
def test_random_imagenet_architectures_offline(arch, no_network):
    bundle = load_model(f"{arch}:random", device="cpu", env_override=False)
    assert bundle.kind == "imagenet" and len(bundle.class_names) == 1000
    assert bundle.class_names[281] == "tabby"
    for name in bundle.layers.values():
        if name is not None:
            get_layer(bundle.model, name)
    assert isinstance(get_layer(bundle.model, bundle.layers["first_conv"]), torch.nn.Conv2d)
    if arch == "squeezenet1_1":
        assert bundle.preprocess(sample_image("chelsea")).shape == (1, 3, 224, 224)
        assert len(bundle.predict(sample_image("chelsea"), k=5)) == 5
