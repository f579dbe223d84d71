"""Train fast style networks (Johnson et al. 2016) reproducibly and write their checkpoints into data/.

`python -m helpers.train_style` trains the three networks that lesson 13 loads, with the same recipe:

- `style_net_instance`: instance norm, one style;
- `style_net_batch`: batch norm, the same style (for the instance-vs-batch-norm comparison);
- `style_net_conditional`: conditional instance norm, three styles in one network.

The loss network is a frozen classifier that works offline: `--loss-network efficientnet_lite0` (the
default; ImageNet-trained) or `shapes` (the course's shapes CNN; its networks are saved as
`style_net_*_shapes.pt`). The perceptual loss is content (one layer's features) + style (Gram matrices at
several layers) + total variation, each term relative to its target's size. The training photos are the
offline sample photos and textures (not `chelsea`, kept for testing), with random crops and flips. Each
checkpoint gets a .json card: loss network and layers, styles, sizes, steps, losses, seconds.
`--which instance` trains one of them; `--help` lists the knobs (the defaults reproduce data/; each card
records its own training time).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .hooks import features_at
from .images import to_array
from .paths import REPO_ROOT
from .samples import sample_image, style_image
from .style_net import (DEFAULT_BLOCKS, DEFAULT_LOSS_NETWORK, DEFAULT_WIDTHS, TransformNet, checkpoint_name,
                        count_parameters, save_style_net)

TRAIN_IMAGES = ("coffee", "astronaut", "rocket", "motorcycle", "hubble", "china", "flower", "brick", "grass", "gravel")
HELD_OUT = "chelsea"  # never seen in training: lessons test the networks on it
# Per loss network: style layers, content layer and the style weight (content weight 1). "pixels" is the
# network's input itself: its Gram matrix holds the colour statistics, which the shapes CNN (trained to
# ignore colour) barely encodes. EfficientNet-Lite0: the stem and the outputs of stages 1–3 (112² to 28² at
# 224²) for style, stage 3 for content; with the shapes CNN's weight (3) the style swamped the content.
LOSS_SETUPS = {
    "shapes": (("pixels", "features.relu1", "features.relu2", "features.relu3", "features.relu4"),
               "features.relu2", 3.0),
    "efficientnet_lite0": (("features.0", "features.1", "features.2", "features.3"), "features.3", 1.0),
}
STYLE_LAYERS, CONTENT_LAYER, _ = LOSS_SETUPS["shapes"]
RECIPES = {  # norm, styles
    "instance": ("instance", ("voronoi",)),
    "batch": ("batch", ("voronoi",)),
    "conditional": ("conditional", ("voronoi", "swirls", "composition")),
}


def photos_as_tensors(names: Sequence[str] = TRAIN_IMAGES, short_side: int = 256) -> list[torch.Tensor]:
    """The training images as 3×H×W tensors in [0, 1], resized so that their short side is `short_side`."""
    images = []
    for name in names:
        image = sample_image(name)
        scale = short_side / min(image.size)
        image = image.resize((max(short_side, round(image.size[0] * scale)),
                              max(short_side, round(image.size[1] * scale))))
        images.append(torch.from_numpy(to_array(image)).permute(2, 0, 1).float().contiguous())
    return images


def random_crops(images: Sequence[torch.Tensor], n: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """n random square crops (side between `size` and the short side), resized to size², randomly flipped."""
    crops = []
    for _ in range(n):
        image = images[int(torch.randint(len(images), (1,), generator=generator))]
        h, w = image.shape[1:]
        side = int(torch.randint(size, min(h, w) + 1, (1,), generator=generator))
        top = int(torch.randint(h - side + 1, (1,), generator=generator))
        left = int(torch.randint(w - side + 1, (1,), generator=generator))
        crop = image[None, :, top:top + side, left:left + side]
        crop = F.interpolate(crop, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        if torch.rand(1, generator=generator) < 0.5:
            crop = crop.flip(-1)
        crops.append(crop.clamp(0, 1))
    return torch.cat(crops)


def gram(features: torch.Tensor) -> torch.Tensor:
    """N×C×C Gram matrices of N×C×H×W features, divided by C·H·W (Johnson et al.)."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


class PerceptualLoss:
    """Content + style (Gram) + total variation loss with a frozen loss network, relative to the targets' sizes.

    style_loss = Σ_l w_l ‖G_l(y) − G_l(s)‖² / ‖G_l(s)‖²,  content_loss = ‖φ(y) − φ(x)‖² / ‖φ(x)‖²,
    tv = mean |neighbour differences| of the output. `normalize` maps [0, 1] images to the network's input.
    """

    def __init__(self, model, normalize, style_images: torch.Tensor, style_layers=STYLE_LAYERS,
                 content_layer=CONTENT_LAYER, layer_weights=None):
        self.model, self.normalize = model, normalize
        self.style_layers, self.content_layer = list(style_layers), content_layer
        self.layer_weights = layer_weights or [1.0] * len(self.style_layers)
        self.layers = list(dict.fromkeys(self.style_layers + [content_layer]))
        with torch.no_grad():  # one Gram target per style image and layer: S×C×C
            feats = self.features(style_images, self.layers)
            self.targets = [gram(feats[layer]) for layer in self.style_layers]

    def features(self, images: torch.Tensor, layers) -> dict:
        """The loss network's features at `layers` ('pixels' is its normalized input)."""
        x = self.normalize(images)
        layers = [layers] if isinstance(layers, str) else layers
        feats = features_at(self.model, x, [n for n in layers if n != "pixels"]) if layers != ["pixels"] else {}
        return {"pixels": x, **feats}

    def __call__(self, output: torch.Tensor, content: torch.Tensor, style_weights: torch.Tensor) -> dict:
        """Losses of a batch of outputs for their content images; style_weights (N×S) mixes the Gram targets."""
        with torch.no_grad():
            target_content = self.features(content, self.content_layer)[self.content_layer]
        feats = self.features(output, self.layers)
        diff = feats[self.content_layer] - target_content
        content_loss = (diff.pow(2).sum((1, 2, 3)) / target_content.pow(2).sum((1, 2, 3)).clamp_min(1e-8)).mean()
        style_loss = output.new_zeros(())
        for layer, target, weight in zip(self.style_layers, self.targets, self.layer_weights):
            mixed = torch.einsum("ns,scd->ncd", style_weights, target)
            style_loss = style_loss + weight * ((gram(feats[layer]) - mixed).pow(2).sum((1, 2))
                                                / mixed.pow(2).sum((1, 2))).mean()
        tv = (output[..., 1:, :] - output[..., :-1, :]).abs().mean() + (output[..., 1:] - output[..., :-1]).abs().mean()
        return {"content": content_loss, "style": style_loss, "tv": tv}


def train(norm: str, styles: Sequence[str], steps: int, size: int = 96, batch_size: int = 4, lr: float = 2e-3,
          content_weight: float = 1.0, style_weight: float | None = None, tv_weight: float = 0.3,
          widths: Sequence[int] = DEFAULT_WIDTHS, blocks: int = DEFAULT_BLOCKS, seed: int = 0, threads: int = 1,
          out_path: Path | None = None, progress: bool = True, loss_network: str = "shapes",
          style_layers: Sequence[str] | None = None, content_layer: str | None = None) -> tuple[TransformNet, dict]:
    """Train one style network; save it with its card when `out_path` is given. Returns (network, card).

    `loss_network` is a `helpers.load_model` name ("shapes" or "efficientnet_lite0", both offline); its
    layers and style weight default to LOSS_SETUPS[loss_network].
    """
    from .models import load_model
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(seed)
    loss_bundle = load_model(loss_network, device="cpu", env_override=False)
    for p in loss_bundle.model.parameters():
        p.requires_grad_(False)
    default_style, default_content, default_weight = LOSS_SETUPS[loss_network]
    style_layers, content_layer = list(style_layers or default_style), content_layer or default_content
    style_weight = default_weight if style_weight is None else style_weight
    style_batch = torch.stack([torch.from_numpy(to_array(style_image(name, size, seed=0))).permute(2, 0, 1).float()
                               for name in styles])
    criterion = PerceptualLoss(loss_bundle.model, loss_bundle.normalize, style_batch, style_layers, content_layer)
    net = TransformNet(widths, blocks, norm, n_styles=len(styles) if norm == "conditional" else 1)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps, eta_min=lr / 10)
    photos = photos_as_tensors()
    eye = torch.eye(len(styles))
    history = {"content": [], "style": [], "tv": [], "total": []}
    start = time.time()
    net.train()
    bar = tqdm(range(steps), desc=f"training {norm} ({', '.join(styles)})", disable=not progress)
    for step in bar:
        content = random_crops(photos, batch_size, size, generator)
        style_index = [(step * batch_size + i) % len(styles) for i in range(batch_size)]
        weights = eye[style_index]
        output = net(content, weights if norm == "conditional" else None)
        losses = criterion(output, content, weights)
        total = content_weight * losses["content"] + style_weight * losses["style"] + tv_weight * losses["tv"]
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        schedule.step()
        for key, value in [*losses.items(), ("total", total)]:
            history[key].append(float(value.detach()))
        if step % 10 == 0:
            bar.set_postfix(content=f"{history['content'][-1]:.3f}", style=f"{history['style'][-1]:.3f}")
    seconds = time.time() - start
    net.eval()

    def smoothed(key: str, first: bool) -> float:
        values = history[key][:max(1, steps // 10)] if first else history[key][-max(1, steps // 10):]
        return round(float(np.mean(values)), 5)

    card = {
        "architecture": "TransformNet (Johnson et al. 2016, narrowed)", "parameters": count_parameters(net),
        "styles": list(styles), "style_image_size": size, "style_seed": 0,
        "loss_network": loss_network, "loss_network_info": {k: str(v) for k, v in loss_bundle.info.items()
                                                            if k in ("seed", "test_accuracy", "weights")},
        "style_layers": style_layers, "style_layer_weights": criterion.layer_weights,
        "content_layer": content_layer, "content_weight": content_weight, "style_weight": style_weight,
        "tv_weight": tv_weight, "train_images": list(TRAIN_IMAGES), "held_out": HELD_OUT, "crop_size": size,
        "batch_size": batch_size, "steps": steps, "lr": lr, "seed": seed,
        "losses_first_tenth": {k: smoothed(k, True) for k in history},
        "losses_last_tenth": {k: smoothed(k, False) for k in history},
        "loss_curve": [round(float(np.mean(history["total"][i:i + 10])), 4) for i in range(0, steps, 10)],
        "train_seconds": round(seconds, 1), "threads": threads,
        "torch": torch.__version__, "machine": platform.processor() or platform.machine(),
    }
    if out_path is not None:
        card = save_style_net(net, out_path, card)
    return net, card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--which", choices=[*RECIPES, "all"], default="all", help="which shipped network(s) to train")
    parser.add_argument("--steps", type=int, default=500, help="steps for a one-style network")
    parser.add_argument("--conditional-steps", type=int, default=1000, help="steps for the conditional network")
    parser.add_argument("--size", type=int, default=96, help="training crop and style image size")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--loss-network", choices=list(LOSS_SETUPS), default=DEFAULT_LOSS_NETWORK)
    parser.add_argument("--style-weight", type=float, default=None, help="default: the loss network's (LOSS_SETUPS)")
    parser.add_argument("--tv-weight", type=float, default=0.3)
    parser.add_argument("--widths", type=int, nargs=3, default=list(DEFAULT_WIDTHS))
    parser.add_argument("--blocks", type=int, default=DEFAULT_BLOCKS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads (data/ was trained with 1 per network, two networks at a time on 2 cores)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data")
    args = parser.parse_args(argv)
    for which in RECIPES if args.which == "all" else [args.which]:
        norm, styles = RECIPES[which]
        steps = args.conditional_steps if norm == "conditional" else args.steps
        _, card = train(norm, styles, steps, args.size, args.batch_size, args.lr, 1.0, args.style_weight,
                        args.tv_weight, args.widths, args.blocks, args.seed, args.threads,
                        args.out / f"{checkpoint_name(which, args.loss_network)}.pt", loss_network=args.loss_network)
        summary = {k: card[k] for k in ("norm", "styles", "steps", "train_seconds", "losses_first_tenth",
                                        "losses_last_tenth")}
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
