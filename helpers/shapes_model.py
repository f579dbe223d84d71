"""The course's own small CNN for the shapes dataset: conv blocks, global average pooling, one linear layer.

Ending in GAP + linear makes class activation maps apply directly; in-place ReLUs mirror torchvision,
so every helper is exercised the way ImageNet models will use it.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import torch
from torch import nn

from .paths import data_dir
from .shapes import CLASSES

WEIGHTS_FILE = "shapes_cnn.pt"
CARD_FILE = "shapes_cnn.json"
DEFAULT_WIDTHS = (32, 64, 128)
DEFAULT_DEPTHS = (1, 2, 2)
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)


class ShapesCNN(nn.Module):
    """Three stages of conv-BN-ReLU (the first conv is 5×5, the rest 3×3), max-pool between stages, GAP, linear.

    Layers are named `features.conv1` … `features.convN` (with `bnK`, `reluK`, `poolK`) so lessons can
    refer to them by readable names; `fc` is the linear classifier whose weights CAM uses.
    """

    def __init__(self, num_classes: int = len(CLASSES), widths: Sequence[int] = DEFAULT_WIDTHS,
                 depths: Sequence[int] = DEFAULT_DEPTHS):
        super().__init__()
        layers: "OrderedDict[str, nn.Module]" = OrderedDict()
        channels, k = 3, 1
        for stage, (width, depth) in enumerate(zip(widths, depths)):
            if stage > 0:
                layers[f"pool{stage}"] = nn.MaxPool2d(2)
            for _ in range(depth):
                kernel = 5 if k == 1 else 3
                layers[f"conv{k}"] = nn.Conv2d(channels, width, kernel, padding=kernel // 2, bias=False)
                layers[f"bn{k}"] = nn.BatchNorm2d(width)
                layers[f"relu{k}"] = nn.ReLU(inplace=True)
                channels, k = width, k + 1
        self.features = nn.Sequential(layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        self.widths, self.depths = tuple(widths), tuple(depths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(self.features(x)), 1))

    @property
    def conv_names(self) -> list[str]:
        """Names of the conv layers, first to last (as `model.named_modules()` spells them)."""
        return [f"features.{n}" for n, m in self.features.named_children() if isinstance(m, nn.Conv2d)]


def load_shapes_model(path: str | Path | None = None) -> tuple[ShapesCNN, dict]:
    """Load the shipped shapes model (eval mode, CPU) and its model card (seed, accuracy, …)."""
    path = Path(path) if path is not None else data_dir() / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"shapes model weights not found at {path}. Train them with `python -m helpers.train_shapes` "
            "or point CNNVIZ_DATA at the course's data/ folder.")
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text()) if card_path.is_file() else {}
    model = ShapesCNN(widths=card.get("widths", DEFAULT_WIDTHS), depths=card.get("depths", DEFAULT_DEPTHS))
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.eval(), card
