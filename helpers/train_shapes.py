"""Train the shapes model reproducibly and write its weights and model card into data/.

Run `python -m helpers.train_shapes` (about 15 minutes on 2 CPU cores); `--help` lists the knobs.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .paths import REPO_ROOT
from .shapes import CLASSES, IMAGE_SIZE, ShapesDataset, make_batch
from .shapes_model import CARD_FILE, DEFAULT_DEPTHS, DEFAULT_WIDTHS, MEAN, STD, WEIGHTS_FILE, ShapesCNN

TEST_SEED = 1  # the held-out test set: a seed the training set never uses
TEST_SIZE = 2000


def normalize(images: torch.Tensor) -> torch.Tensor:
    """Map [0, 1] images to the model's input scale."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (images - mean) / std


@torch.inference_mode()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 250) -> float:
    """Top-1 accuracy of `model` on [0, 1] images."""
    model.eval()
    correct = 0
    for i in range(0, len(images), batch_size):
        logits = model(normalize(images[i:i + batch_size]).contiguous(memory_format=torch.channels_last))
        correct += (logits.argmax(1) == labels[i:i + batch_size]).sum().item()
    return correct / len(images)


def train(samples: int, seed: int, batch_size: int, lr: float, threads: int, workers: int,
          curriculum: float, out_dir: Path) -> dict:
    """Train on `samples` freshly generated images (one pass, easy to hard), evaluate, save weights and card."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    model = ShapesCNN().to(memory_format=torch.channels_last)
    steps = samples // batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.1,
                                                   div_factor=10)
    loader = torch.utils.data.DataLoader(ShapesDataset(samples, seed, curriculum=curriculum), batch_size=batch_size,
                                         num_workers=workers, drop_last=True)
    test = make_batch(TEST_SIZE, TEST_SEED)
    start = time.time()
    model.train()
    bar = tqdm(loader, total=steps, desc="training")
    for step, (images, labels) in enumerate(bar):
        loss = nn.functional.cross_entropy(model(normalize(images).contiguous(memory_format=torch.channels_last)),
                                           labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 20 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}")
        if (step + 1) % max(1, steps // 5) == 0 and step + 1 < steps:
            tqdm.write(f"step {step + 1}/{steps}: test accuracy {accuracy(model, test['images'], test['labels']):.4f}")
            model.train()
    train_seconds = time.time() - start
    test_accuracy = accuracy(model, test["images"], test["labels"])
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.to(memory_format=torch.contiguous_format).state_dict(), out_dir / WEIGHTS_FILE)
    card = {
        "architecture": "ShapesCNN", "widths": list(DEFAULT_WIDTHS), "depths": list(DEFAULT_DEPTHS),
        "classes": list(CLASSES), "image_size": IMAGE_SIZE, "mean": list(MEAN), "std": list(STD),
        "seed": seed, "train_samples": steps * batch_size, "batch_size": batch_size, "max_lr": lr,
        "curriculum": curriculum,
        "test_seed": TEST_SEED, "test_samples": TEST_SIZE, "test_accuracy": round(test_accuracy, 4),
        "train_seconds": round(train_seconds, 1), "threads": threads,
        "torch": torch.__version__, "machine": platform.processor() or platform.machine(),
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=200_000, help="training images (one pass)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (one-cycle)")
    parser.add_argument("--curriculum", type=float, default=0.3,
                        help="fraction of training over which clutter and patterns ramp up")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="data-generating processes")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data")
    args = parser.parse_args(argv)
    card = train(args.samples, args.seed, args.batch_size, args.lr, args.threads, args.workers,
                 args.curriculum, args.out)
    print(json.dumps(card, indent=2))


if __name__ == "__main__":
    main()
