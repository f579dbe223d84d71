"""Benchmark lesson 13's fast style networks against per-image optimization (lesson 12's method).

`python -m helpers.benchmark_style` times, at 256×256 and with this machine's threads (`--threads`):

- the shipped style networks in data/ (one forward pass per frame, batch 1): frames per second;
- a Gatys-style optimization of the pixels with the same perceptual loss and loss network the networks
  were trained with (Adam on the image, `--iterations` steps from the content photo): seconds per image.

Both are timed the same way: wall clock around the whole job, best of `--repeats`.
"""
from __future__ import annotations

import argparse
import time

import torch

from .images import to_array
from .samples import sample_image, style_image
from .models import load_model
from .style_net import SHIPPED, count_parameters, load_style_net
from .train_style import PerceptualLoss


def frames_per_second(net, x: torch.Tensor, frames: int = 10, repeats: int = 3, style=None) -> float:
    """Frames per second of `net` on x (1×3×H×W), one frame per forward pass, best of `repeats`."""
    best = float("inf")
    with torch.inference_mode():
        net(x, style)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(frames):
                net(x, style)
            best = min(best, (time.perf_counter() - start) / frames)
    return 1.0 / best


def optimize_image(criterion: PerceptualLoss, content: torch.Tensor, iterations: int, style_weight: float,
                   tv_weight: float, lr: float = 0.02) -> torch.Tensor:
    """Gatys et al.: start from the content image and descend the perceptual loss on its pixels."""
    image = content.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    weights = torch.ones(1, 1)
    for _ in range(iterations):
        losses = criterion(image.clamp(0, 1), content, weights)
        loss = losses["content"] + style_weight * losses["style"] + tv_weight * losses["tv"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return image.detach().clamp(0, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--iterations", type=int, default=200, help="optimization steps per image (lesson 12: 200)")
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    photo = sample_image("chelsea").resize((args.size, args.size))
    x = torch.from_numpy(to_array(photo)).permute(2, 0, 1)[None].contiguous()
    print(f"{args.size}×{args.size}, {args.threads} thread{'s' if args.threads > 1 else ''}")
    fps = {}
    for which in SHIPPED:
        net, card = load_style_net(which)
        fps[which] = frames_per_second(net, x, args.frames, args.repeats, 0 if which == "conditional" else None)
        print(f"style network ({which} norm, {count_parameters(net):,} parameters): {fps[which]:6.1f} frames/s")
    _, card = load_style_net("instance")
    loss = load_model(card["loss_network"], device="cpu", env_override=False)
    for p in loss.model.parameters():
        p.requires_grad_(False)
    style = torch.from_numpy(to_array(style_image(card["styles"][0], card["style_image_size"]))).permute(2, 0, 1)[None]
    criterion = PerceptualLoss(loss.model, loss.normalize, style, card["style_layers"], card["content_layer"])
    optimize_image(criterion, x, 2, card["style_weight"], card["tv_weight"])  # warm-up
    start = time.perf_counter()
    optimize_image(criterion, x, args.iterations, card["style_weight"], card["tv_weight"])
    seconds = time.perf_counter() - start
    print(f"per-image optimization ({args.iterations} Adam steps, {card['loss_network']} loss network): "
          f"{seconds:6.1f} s per image "
          f"= {1 / seconds:.3f} frames/s")
    print(f"speed-up of the instance-norm network: {fps['instance'] * seconds:,.0f}×")


if __name__ == "__main__":
    main()
