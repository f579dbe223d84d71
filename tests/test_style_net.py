"""The fast style network (lesson 13): shapes, normalization behaviour, checkpoints, the training script,
and the shipped checkpoints (loaded, and moving an image's Gram statistics toward their style)."""
from __future__ import annotations

import json

import pytest
import torch

from helpers import sample_image, style_image, to_array
from helpers.models import load_model
from helpers.style_net import (LOSS_NETWORKS, SHIPPED, ConditionalInstanceNorm2d, TransformNet, checkpoint_name,
                               count_parameters, load_style_net, save_style_net)
from helpers.train_style import PerceptualLoss, train


def _image(name: str, size: int) -> torch.Tensor:
    return torch.from_numpy(to_array(sample_image(name).resize((size, size)))).permute(2, 0, 1)[None]


@pytest.mark.parametrize("norm", ["batch", "instance", "conditional"])
def test_shapes_dtype_and_range(norm):
    torch.manual_seed(0)
    net = TransformNet(norm=norm, n_styles=3 if norm == "conditional" else 1).eval()
    x = torch.rand(2, 3, 36, 52)
    with torch.no_grad():
        y = net(x, 1) if norm == "conditional" else net(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert 0 <= y.min() and y.max() <= 1
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.rand(1, 3, 30, 30))
    with pytest.raises(ValueError, match="N×3×H×W"):
        net(torch.rand(3, 32, 32))


def test_instance_norm_is_independent_of_the_batch_and_batch_norm_is_not():
    torch.manual_seed(0)
    x = torch.rand(4, 3, 32, 32)
    x[1:] = x[1:] * 3 - 1  # the other images have quite different statistics
    for norm, independent in [("instance", True), ("batch", False)]:
        net = TransformNet(norm=norm).train()  # training mode: batch norm uses the batch's statistics
        with torch.no_grad():
            alone, together = net(x[:1]), net(x)[:1]
        gap = (alone - together).abs().max().item()
        assert (gap < 1e-5) == independent, (norm, gap)


def test_instance_norm_network_ignores_a_brightness_and_contrast_change():
    """conv(a·x + b) is a per-channel affine change of conv(x) and instance norm removes it exactly."""
    torch.manual_seed(0)
    x = torch.rand(1, 3, 32, 32)
    gaps = {}
    for norm in ["instance", "batch"]:
        torch.manual_seed(1)
        net = TransformNet(norm=norm).eval()
        with torch.no_grad():
            gaps[norm] = (net(x) - net(0.4 * x + 0.3)).abs().max().item()
    assert gaps["instance"] < 1e-3 < gaps["batch"], gaps


def test_conditional_norm_one_hot_and_mixed_weights():
    torch.manual_seed(0)
    layer = ConditionalInstanceNorm2d(4, n_styles=3)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(3, 4))
        layer.bias.copy_(torch.randn(3, 4))
    x = torch.randn(2, 4, 8, 8)
    one_hot = layer(x, torch.tensor([[0.0, 1.0, 0.0]]))
    expected = torch.nn.functional.instance_norm(x, weight=layer.weight[1], bias=layer.bias[1])
    assert torch.allclose(one_hot, expected, atol=1e-5)
    mixed = layer(x, torch.tensor([[0.25, 0.75, 0.0]]))  # mixing the parameters mixes the outputs linearly
    assert torch.allclose(mixed, 0.25 * layer(x, torch.eye(3)[:1]) + 0.75 * one_hot, atol=1e-5)
    per_image = layer(x, torch.eye(3)[[2, 1]])
    assert torch.allclose(per_image[1], one_hot[1], atol=1e-5) and not torch.allclose(per_image[0], one_hot[0])
    with pytest.raises(ValueError, match="style weights"):
        layer(x, torch.ones(2, 2))


def test_conditional_network_styles_share_every_convolution():
    net = TransformNet(norm="conditional", n_styles=4)
    single = TransformNet(norm="instance")
    extra = count_parameters(net) - count_parameters(single)
    norm_channels = sum(m.weight.shape[1] for m in net.modules() if isinstance(m, ConditionalInstanceNorm2d))
    assert extra == 3 * 2 * norm_channels  # three more styles: only their (γ, β) rows are new
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(net(x, 2), net(x, [0, 0, 1, 0]))
    with pytest.raises(ValueError, match="style index"):
        net(x, 4)
    with pytest.raises(ValueError, match="4 styles"):
        net(x)


def test_checkpoint_round_trip_and_clear_errors(tmp_path):
    torch.manual_seed(0)
    net = TransformNet(widths=(4, 8, 8), blocks=1, norm="conditional", n_styles=2).eval()
    card = save_style_net(net, tmp_path / "net.pt", {"styles": ["a", "b"]})
    loaded, loaded_card = load_style_net(tmp_path / "net.pt")
    assert loaded_card == card and loaded_card["norm"] == "conditional" and not loaded.training
    x = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.equal(net(x, [0.5, 0.5]), loaded(x, [0.5, 0.5]))
    with pytest.raises(FileNotFoundError, match="helpers.train_style"):
        load_style_net(tmp_path / "missing.pt")
    (tmp_path / "net.json").write_text(json.dumps({**card, "blocks": 2}))
    with pytest.raises(ValueError, match="do not match"):
        load_style_net(tmp_path / "net.pt")


def test_training_script_runs_and_writes_a_loadable_checkpoint(tmp_path):
    net, card = train("conditional", ["voronoi", "swirls"], steps=3, size=32, batch_size=2, widths=(4, 8, 8),
                      blocks=1, threads=1, out_path=tmp_path / "tiny.pt", progress=False)
    saved = json.loads((tmp_path / "tiny.json").read_text())
    assert saved == card and saved["steps"] == 3 and saved["loss_network"] == "shapes"
    assert saved["style_layers"][0] == "pixels" and saved["style_weight"] == 3.0  # the shapes setup's defaults
    assert saved["styles"] == ["voronoi", "swirls"] and saved["n_styles"] == 2 and saved["train_seconds"] >= 0
    assert set(saved["losses_last_tenth"]) == {"content", "style", "tv", "total"}
    loaded, _ = load_style_net(tmp_path / "tiny.pt")
    assert loaded(torch.rand(1, 3, 16, 16), 1).shape == (1, 3, 16, 16)


@pytest.fixture(scope="module")
def loss_for_card():
    """The perceptual loss a shipped network was trained with, rebuilt from its card."""
    def make(card):
        bundle = load_model(card["loss_network"], device="cpu", env_override=False)
        images = torch.cat([torch.from_numpy(to_array(style_image(s, card["style_image_size"]))).permute(2, 0, 1)[None]
                            for s in card["styles"]])
        return PerceptualLoss(bundle.model, bundle.normalize, images, card["style_layers"], card["content_layer"])
    return make


@pytest.mark.parametrize("loss_network", LOSS_NETWORKS)
@pytest.mark.parametrize("which", list(SHIPPED))
def test_shipped_checkpoints_move_gram_statistics_toward_their_style(which, loss_network, loss_for_card):
    net, card = load_style_net(which, loss_network)
    assert card["loss_network"] == loss_network and card["norm"] == which
    assert (card["steps"] > 0 and card["losses_last_tenth"]["style"] < card["losses_first_tenth"]["style"])
    criterion = loss_for_card(card)
    photo = _image(card["held_out"], 128)  # a photo the network never saw
    eye = torch.eye(len(card["styles"]))
    for s in range(len(card["styles"])):
        with torch.no_grad():
            styled = net(photo, s) if which == "conditional" else net(photo)
            before = criterion(photo, photo, eye[s:s + 1])["style"].item()
            after = criterion(styled, photo, eye[s:s + 1])["style"].item()
        assert after < 0.7 * before, (which, card["styles"][s], before, after)


def test_checkpoint_names_say_the_loss_network():
    assert checkpoint_name("instance") == "style_net_instance"  # the default set: EfficientNet-Lite0 loss
    assert checkpoint_name("batch", "shapes") == "style_net_batch_shapes"
    with pytest.raises(ValueError, match="loss network 'vgg16'"):
        load_style_net("instance", "vgg16")
    with pytest.raises(ValueError, match="no shipped style network 'instanc'"):
        checkpoint_name("instanc")
