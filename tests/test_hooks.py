"""Hooks: capture activations and gradients, clean up after errors, cope with in-place ReLU."""
from __future__ import annotations

import pytest
import torch
import torchvision

from helpers import (LayerNotFoundError, capture, count_hooks, features_at, get_layer, layer_names,
                     relu_backward_rule)


def test_layer_names_lists_every_submodule(tiny):
    assert layer_names(tiny) == ["conv1", "relu1", "conv2", "relu2", "fc"]
    resnet = torchvision.models.resnet18(weights=None)
    assert "layer4.1.conv2" in layer_names(resnet, leaves_only=True)
    assert "layer4" not in layer_names(resnet, leaves_only=True)


def test_unknown_layer_lists_close_matches(tiny):
    with pytest.raises(LayerNotFoundError, match="Did you mean: conv1"):
        get_layer(tiny, "conv_1")
    with pytest.raises(LayerNotFoundError):
        with capture(tiny, ["relu1", "nope"]):
            pass
    assert count_hooks(tiny) == 0


def test_capture_keeps_pre_relu_values_despite_inplace_relu(tiny):
    x = torch.randn(2, 3, 8, 8)
    with capture(tiny, ["conv1", "relu1"]) as record:
        tiny(x)
    conv, relu = record.activations["conv1"], record["relu1"]
    assert (conv < 0).any(), "the in-place ReLU overwrote the recorded conv output"
    assert torch.allclose(relu, conv.clamp(min=0))
    assert torch.allclose(conv, tiny.conv1(x))


def test_capture_gradients_match_autograd(tiny):
    x = torch.randn(1, 3, 8, 8)
    with capture(tiny, "conv2", gradients=True) as record:
        tiny(x)[0, 1].backward()
    # reference: d score / d conv2-output computed by hand
    a = tiny.conv2(tiny.conv1(x).clamp(min=0)).detach().requires_grad_(True)
    tiny.fc(a.clamp(min=0).mean(dim=(2, 3)))[0, 1].backward()
    assert torch.allclose(record.gradients["conv2"], a.grad, atol=1e-6)
    assert count_hooks(tiny) == 0


def test_hooks_removed_after_exception(tiny):
    with pytest.raises(RuntimeError, match="boom"):
        with capture(tiny, ["conv1", "conv2"], gradients=True):
            assert count_hooks(tiny) == 2
            raise RuntimeError("boom")
    assert count_hooks(tiny) == 0


def test_capture_on_resnet_and_squeezenet_with_inplace_relu():
    for model, layer in [(torchvision.models.resnet18(weights=None), "layer2"),
                         (torchvision.models.squeezenet1_1(weights=None), "features.6")]:
        model.eval()
        x = torch.randn(1, 3, 64, 64, requires_grad=True)
        with capture(model, layer, gradients=True) as record:
            model(x).sum().backward()
        assert record[layer].shape == record.gradients[layer].shape
        assert x.grad is not None and x.grad.abs().sum() > 0
        assert count_hooks(model) == 0


def test_features_at_stops_early_and_stays_differentiable(tiny):
    calls = []
    handle = tiny.fc.register_forward_hook(lambda *a: calls.append(1))
    try:
        x = torch.randn(1, 3, 8, 8, requires_grad=True)
        out = features_at(tiny, x, "relu1")["relu1"]
        out.sum().backward()
    finally:
        handle.remove()
    assert calls == [], "the forward pass ran past the requested layer"
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert count_hooks(tiny) == 0


def _guided_reference(tiny, x, rule):
    """Guided backprop / deconvnet written out by hand for TinyNet."""
    z1 = tiny.conv1(x)
    a1 = z1.clamp(min=0)
    z2 = tiny.conv2(a1)
    a2 = z2.clamp(min=0).detach().requires_grad_(True)
    tiny.fc(a2.mean(dim=(2, 3)))[0, 0].backward()
    g = a2.grad.clamp(min=0) * ((z2 > 0).float() if rule == "guided" else 1)
    a1d = a1.detach().requires_grad_(True)
    torch.autograd.backward(tiny.conv2(a1d), g)
    g = a1d.grad.clamp(min=0) * ((z1 > 0).float() if rule == "guided" else 1)
    xd = x.detach().requires_grad_(True)
    torch.autograd.backward(tiny.conv1(xd), g)
    return xd.grad


@pytest.mark.parametrize("rule", ["guided", "deconvnet"])
def test_relu_backward_rules_match_their_definitions(tiny, rule):
    x = torch.randn(1, 3, 8, 8)
    xi = x.clone().requires_grad_(True)
    with relu_backward_rule(tiny, rule):
        tiny(xi)[0, 0].backward()
    assert torch.allclose(xi.grad, _guided_reference(tiny, x, rule), atol=1e-5)
    assert isinstance(tiny.relu1, torch.nn.ReLU) and tiny.relu1.inplace  # originals restored


def test_relu_rule_restores_model_after_exception_and_rejects_bad_rule(tiny):
    originals = [tiny.relu1, tiny.relu2]
    with pytest.raises(ValueError, match="boom"):
        with relu_backward_rule(tiny, "guided"):
            raise ValueError("boom")
    assert [tiny.relu1, tiny.relu2] == originals
    with pytest.raises(ValueError, match="unknown ReLU rule"):
        with relu_backward_rule(tiny, "gided"):
            pass


def test_layer_activations_in_batches_match_one_pass(tiny):
    from helpers import layer_activations
    x = torch.randn(7, 3, 8, 8)
    with capture(tiny, "relu1") as record, torch.no_grad():
        tiny(x)
    batched = layer_activations(tiny, x, "relu1", batch_size=3, progress=False)
    assert batched.shape == record["relu1"].shape and torch.allclose(batched, record["relu1"], atol=1e-6)
    assert count_hooks(tiny) == 0


class _TinyReLU6Net(torch.nn.Module):
    """conv → ReLU6 → linear, with pre-activations pushed above 6 so the cap matters."""

    def __init__(self, activation: torch.nn.Module):
        super().__init__()
        torch.manual_seed(1)
        self.conv = torch.nn.Conv2d(3, 5, 3, padding=1)
        self.act = activation
        self.fc = torch.nn.Linear(5, 2)

    def forward(self, x):
        return self.fc(self.act(4 * self.conv(x)).mean(dim=(2, 3)))


@pytest.mark.parametrize("rule", ["guided", "deconvnet"])
def test_relu6_backward_rules_respect_the_cap(rule):
    net = _TinyReLU6Net(torch.nn.ReLU6()).eval()
    x = torch.randn(1, 3, 6, 6)
    z = 4 * net.conv(x)
    assert (z > 6).any() and (z < 0).any()
    xi = x.clone().requires_grad_(True)
    with relu_backward_rule(net, rule):
        assert not isinstance(net.act, torch.nn.ReLU6)
        net(xi)[0, 1].backward()
    a = z.clamp(0, 6).detach().requires_grad_(True)
    net.fc(a.mean(dim=(2, 3)))[0, 1].backward()
    passes = ((z > 0) & (z < 6)).float() if rule == "guided" else torch.ones_like(z)
    xd = x.clone().requires_grad_(True)
    torch.autograd.backward(4 * net.conv(xd), a.grad.clamp(min=0) * passes)
    assert torch.allclose(xi.grad, xd.grad, atol=1e-6)
    assert isinstance(net.act, torch.nn.ReLU6)  # the original module is back


@pytest.mark.parametrize("activation", [torch.nn.SiLU(), torch.nn.GELU(), torch.nn.LeakyReLU(0.1)])
def test_relu_rule_refuses_other_activations_by_name(activation):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 4, 3), activation)
    with pytest.raises(ValueError, match=rf"3 \({type(activation).__name__}\)"):
        with relu_backward_rule(net, "guided"):
            pass
    assert isinstance(net[1], torch.nn.ReLU)


def test_relu_rules_on_efficientnet_lite0_swap_every_relu6():
    from helpers.efficientnet_lite import EfficientNetLite0
    model = EfficientNetLite0().eval()
    relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU6)]
    assert len(relus) == len({id(m) for m in relus}) == 33  # one module per activation, none shared
    x = torch.randn(1, 3, 64, 64, requires_grad=True)
    with relu_backward_rule(model, "guided"):
        assert not any(isinstance(m, torch.nn.ReLU6) for m in model.modules())
        model(x)[0, 3].backward()
    assert x.grad.abs().sum() > 0
    assert sum(isinstance(m, torch.nn.ReLU6) for m in model.modules()) == 33


def test_relu_backward_rule_applies_the_lessons_own_function(tiny):
    """A rule function that gives back the true derivative reproduces plain autograd; the cap is passed."""
    caps = []

    def true_gradient(grad, x, upper):
        caps.append(upper)
        return grad * ((x > 0) & (x < upper))

    x = torch.randn(1, 3, 8, 8)
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    tiny(xa)[0, 2].backward()
    with relu_backward_rule(tiny, true_gradient):
        tiny(xb)[0, 2].backward()
    assert torch.allclose(xa.grad, xb.grad, atol=1e-6) and caps == [float("inf")] * 2
    net = _TinyReLU6Net(torch.nn.ReLU6())
    with relu_backward_rule(net, true_gradient):
        net(x.clone().requires_grad_(True))[0, 0].backward()
    assert caps[-1] == 6.0
    with pytest.raises(ValueError, match="shaped like its grad_output"):
        with relu_backward_rule(tiny, lambda grad, x, upper: grad.sum()):
            tiny(x.clone().requires_grad_(True))[0, 0].backward()
    with pytest.raises(TypeError, match="rule must be"):
        with relu_backward_rule(tiny, 3):
            pass
    assert count_hooks(tiny) == 0 and isinstance(tiny.relu1, torch.nn.ReLU)
