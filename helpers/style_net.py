"""The image transformation network of fast style transfer (Johnson et al. 2016), with a choice of
normalization: batch norm, instance norm (Ulyanov et al. 2016) or conditional instance norm for several
styles in one network (Dumoulin et al. 2017); and loading/saving its checkpoints.

Architecture (all convolutions reflection-padded, each followed by normalization and ReLU except the last):

    9×9 conv (stride 1) → 3×3 conv (stride 2) → 3×3 conv (stride 2)      downsampling: H → H/4
    residual blocks: x + norm(conv(relu(norm(conv(x)))))                  at H/4
    nearest-neighbour upsampling ×2 + 3×3 conv, twice                     upsampling: H/4 → H
    9×9 conv to 3 channels, sigmoid                                       an image in [0, 1]

Johnson et al. use widths 32/64/128 and five residual blocks (1.7 M parameters); the course ships a
narrower network (8/16/32, three blocks) so that it trains in minutes and runs fast on a CPU.
Lesson 13 explains it; `python -m helpers.train_style` trains the checkpoints in data/.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from .paths import data_dir

NORMS = ("batch", "instance", "conditional")
DEFAULT_WIDTHS = (8, 16, 32)
DEFAULT_BLOCKS = 3
# The checkpoints shipped in data/ (each a .pt of weights beside a .json card with the same stem).
SHIPPED = {"instance": "style_net_instance", "batch": "style_net_batch", "conditional": "style_net_conditional"}
# The shipped networks come in two sets, one per loss network they were trained with; the default set has
# the plain names above, the other adds its loss network's name (style_net_instance_shapes.pt).
DEFAULT_LOSS_NETWORK = "efficientnet_lite0"
LOSS_NETWORKS = ("efficientnet_lite0", "shapes")


class ConditionalInstanceNorm2d(nn.Module):
    """Instance norm whose scale γ and shift β are chosen by style: one row of (γ, β) per style.

    `forward(x, style)` takes `style` as an N×S (or 1×S) tensor of style weights; the layer uses
    γ = style @ Γ and β = style @ B, so a one-hot row picks one style and a mixed row interpolates.
    """

    def __init__(self, channels: int, n_styles: int, eps: float = 1e-5):
        super().__init__()
        self.n_styles, self.eps = n_styles, eps
        self.weight = nn.Parameter(torch.ones(n_styles, channels))
        self.bias = nn.Parameter(torch.zeros(n_styles, channels))

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        if style.dim() != 2 or style.shape[1] != self.n_styles or style.shape[0] not in (1, x.shape[0]):
            raise ValueError(f"style weights must be N×{self.n_styles} or 1×{self.n_styles} for a batch of "
                             f"{x.shape[0]}, got {tuple(style.shape)}")
        normalized = nn.functional.group_norm(x, x.shape[1], eps=self.eps)  # instance norm without scale/shift
        gamma = (style @ self.weight)[:, :, None, None]
        beta = (style @ self.bias)[:, :, None, None]
        return gamma * normalized + beta


def make_norm(kind: str, channels: int, n_styles: int = 1) -> nn.Module:
    """A normalization layer: 'batch', 'instance' (affine, per-image statistics) or 'conditional'."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        # GroupNorm with one channel per group is instance norm (per image and channel statistics, a
        # learned scale and shift); on CPU it runs many times faster than nn.InstanceNorm2d.
        return nn.GroupNorm(channels, channels)
    if kind == "conditional":
        return ConditionalInstanceNorm2d(channels, n_styles)
    raise ValueError(f"unknown norm {kind!r}: use one of {', '.join(NORMS)}")


class ConvNormReLU(nn.Module):
    """Reflection padding, a convolution, normalization and (optionally) a ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, norm: str = "instance",
                 n_styles: int = 1, relu: bool = True, upsample: bool = False):
        super().__init__()
        self.upsample = upsample
        self.pad = nn.ReflectionPad2d(kernel // 2)
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride)
        self.norm = make_norm(norm, c_out, n_styles)
        self.relu = relu

    def forward(self, x: torch.Tensor, style: torch.Tensor | None = None) -> torch.Tensor:
        if self.upsample:
            x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv(self.pad(x))
        x = self.norm(x, style) if isinstance(self.norm, ConditionalInstanceNorm2d) else self.norm(x)
        return torch.relu(x) if self.relu else x


class ResidualBlock(nn.Module):
    """x + norm(conv(relu(norm(conv(x))))): two 3×3 convolutions with a skip connection."""

    def __init__(self, channels: int, norm: str, n_styles: int):
        super().__init__()
        self.first = ConvNormReLU(channels, channels, 3, norm=norm, n_styles=n_styles)
        self.second = ConvNormReLU(channels, channels, 3, norm=norm, n_styles=n_styles, relu=False)

    def forward(self, x: torch.Tensor, style: torch.Tensor | None = None) -> torch.Tensor:
        return x + self.second(self.first(x, style), style)


class TransformNet(nn.Module):
    """The image transformation network: [0, 1] images in, stylized [0, 1] images of the same size out.

    `norm` is 'batch', 'instance' or 'conditional'; with 'conditional', `n_styles` styles share every
    convolution and differ only in the normalization layers' scales and shifts, and `forward(x, style)`
    takes the style as an index, a list of S weights, or an N×S tensor of weights.
    """

    def __init__(self, widths: Sequence[int] = DEFAULT_WIDTHS, blocks: int = DEFAULT_BLOCKS, norm: str = "instance",
                 n_styles: int = 1):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"unknown norm {norm!r}: use one of {', '.join(NORMS)}")
        if len(widths) != 3 or blocks < 0 or n_styles < 1:
            raise ValueError("widths must be three channel counts, blocks ≥ 0 and n_styles ≥ 1")
        self.widths, self.blocks, self.norm, self.n_styles = tuple(int(w) for w in widths), int(blocks), norm, n_styles
        w1, w2, w3 = self.widths
        kw = dict(norm=norm, n_styles=n_styles)
        self.down = nn.ModuleList([ConvNormReLU(3, w1, 9, **kw), ConvNormReLU(w1, w2, 3, stride=2, **kw),
                                   ConvNormReLU(w2, w3, 3, stride=2, **kw)])
        self.res = nn.ModuleList([ResidualBlock(w3, norm, n_styles) for _ in range(blocks)])
        self.up = nn.ModuleList([ConvNormReLU(w3, w2, 3, upsample=True, **kw),
                                 ConvNormReLU(w2, w1, 3, upsample=True, **kw)])
        self.pad_out = nn.ReflectionPad2d(4)
        self.out = nn.Conv2d(w1, 3, 9)

    def config(self) -> dict:
        return {"widths": list(self.widths), "blocks": self.blocks, "norm": self.norm, "n_styles": self.n_styles}

    def style_weights(self, style, batch: int) -> torch.Tensor | None:
        """The style argument as a (1 or N)×S tensor of weights (None for single-style networks)."""
        if self.norm != "conditional":
            if style is not None and not (isinstance(style, int) and style == 0):
                raise ValueError(f"this network has {self.norm} norm and one style; pass no style")
            return None
        if style is None:
            if self.n_styles == 1:
                style = 0
            else:
                raise ValueError(f"this network knows {self.n_styles} styles: pass style=index or a list of "
                                 f"{self.n_styles} weights")
        if isinstance(style, int):
            if not 0 <= style < self.n_styles:
                raise ValueError(f"style index {style} out of range 0..{self.n_styles - 1}")
            weights = torch.zeros(1, self.n_styles)
            weights[0, style] = 1.0
        else:
            weights = torch.as_tensor(style, dtype=torch.float32)
            weights = weights[None] if weights.dim() == 1 else weights
        if weights.shape[-1] != self.n_styles or weights.shape[0] not in (1, batch):
            raise ValueError(f"style weights must have {self.n_styles} entries per image, got {tuple(weights.shape)}")
        return weights.to(self.out.weight.device)

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"expected N×3×H×W images in [0, 1], got shape {tuple(x.shape)}")
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"image sides must be multiples of 4 (two stride-2 steps), got {tuple(x.shape[-2:])}")
        weights = self.style_weights(style, x.shape[0])
        for layer in self.down:
            x = layer(x, weights)
        for block in self.res:
            x = block(x, weights)
        for layer in self.up:
            x = layer(x, weights)
        return torch.sigmoid(self.out(self.pad_out(x)))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save_style_net(net: TransformNet, path: str | Path, card: dict) -> dict:
    """Write the weights (float32 state dict) to `path` and `card` plus the network's config beside it as .json."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    card = {**card, **net.config()}
    torch.save({k: v.detach().cpu().float().contiguous() for k, v in net.state_dict().items()}, path)
    path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def checkpoint_name(which: str, loss_network: str = DEFAULT_LOSS_NETWORK) -> str:
    """File name (without .pt) of a shipped network: 'style_net_instance' or 'style_net_instance_shapes'."""
    if which not in SHIPPED:
        raise ValueError(f"no shipped style network {which!r}; choose one of {', '.join(SHIPPED)}")
    if loss_network not in LOSS_NETWORKS:
        raise ValueError(f"no shipped style networks for loss network {loss_network!r}; "
                         f"choose one of {', '.join(LOSS_NETWORKS)}")
    return SHIPPED[which] + ("" if loss_network == DEFAULT_LOSS_NETWORK else f"_{loss_network}")


def checkpoint_path(name_or_path: str | Path, loss_network: str = DEFAULT_LOSS_NETWORK) -> Path:
    """A shipped checkpoint ('instance', 'batch', 'conditional', trained with `loss_network`) or a .pt path."""
    if isinstance(name_or_path, str) and name_or_path in SHIPPED:
        return data_dir() / f"{checkpoint_name(name_or_path, loss_network)}.pt"
    return Path(name_or_path)


def load_style_net(name_or_path: str | Path = "instance",
                   loss_network: str = DEFAULT_LOSS_NETWORK) -> tuple[TransformNet, dict]:
    """Load a style network (eval mode, CPU) and its card (styles, loss network, sizes, steps, losses, …):
    a shipped one by name, trained with `loss_network` ('efficientnet_lite0' or 'shapes'), or a path."""
    path = checkpoint_path(name_or_path, loss_network)
    if not path.is_file():
        raise FileNotFoundError(
            f"style network checkpoint not found at {path}. The shipped ones are {', '.join(SHIPPED)} "
            "(in the course's data/ folder); train them with `python -m helpers.train_style`.")
    card_path = path.with_suffix(".json")
    if not card_path.is_file():
        raise FileNotFoundError(f"the checkpoint {path} has no card {card_path.name} beside it: it holds the "
                                "network's widths, blocks, norm and styles. Re-save it with "
                                "helpers.style_net.save_style_net.")
    card = json.loads(card_path.read_text())
    net = TransformNet(card["widths"], card["blocks"], card["norm"], card["n_styles"])
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        net.load_state_dict(state)
    except RuntimeError as error:
        raise ValueError(f"the weights in {path} do not match the architecture in {card_path.name} "
                         f"({net.config()}): {str(error).splitlines()[0]}") from None
    return net.eval(), card
