"""Benchmark lesson 04's occlusion map: batched against one image at a time, and against the machine's bound.

`python -m helpers.benchmark_occlusion` runs the `occlusion_map` function defined in
notebooks/04_occlusion_and_saliency.ipynb (read from the notebook, so the lesson's code is what is
timed) on a 224² image with the course's default network, EfficientNet-Lite0 (`--model squeezenet1_1:random`
for CS231n's SqueezeNet; the cost does not depend on the weights), a 15×15 patch and stride 8: 28×28 = 784
forward passes (27 windows per axis and one flush with the far edge), for several batch sizes (batch 1 is the one-image-at-a-time loop). The bound is forward FLOPs × passes ÷ the FLOP/s of a large matrix multiply measured here.
"""
from __future__ import annotations

import argparse
import time

import nbformat
import torch
from torch import nn

from .paths import REPO_ROOT

NOTEBOOK = REPO_ROOT / "notebooks" / "04_occlusion_and_saliency.ipynb"


def lesson_function(name: str = "occlusion_map"):
    """The function `name` as defined in the lesson notebook's code cells."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source)
    namespace: dict = {}
    exec(compile("import torch\n" + cell.source, str(NOTEBOOK), "exec"), namespace)
    return namespace[name]


def forward_flops(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds × 2 of the conv and linear layers in one forward pass of x."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            total += 2 * output.numel() * (module.in_channels // module.groups) * kh * kw
        elif isinstance(module, nn.Linear):
            total += 2 * output.numel() * module.in_features

    handles = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return total


def matmul_flops_per_second(n: int = 2048, repeats: int = 5) -> float:
    """Measured FLOP/s of an n×n float32 matrix multiply (the best of `repeats`)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 8, 16, 64],
                        help="batch sizes to time; 1 is the one-image-at-a-time loop")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs per batch size")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--model", default="efficientnet_lite0", help="a helpers.load_model name")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from .models import load_model
    model = load_model(args.model, device="cpu", env_override=False).model
    occlusion_map = lesson_function()
    x = torch.randn(1, 3, 224, 224)
    passes = len(lesson_function("window_starts")(224, 15, 8)) ** 2
    flops = forward_flops(model, x) * (passes + 1)
    peak = matmul_flops_per_second()
    bound = flops / peak
    print(f"{args.model}, 224², patch 15, stride 8: {passes} occluded passes + 1, {flops / 1e9:.0f} GFLOP; "
          f"{args.threads} threads; matmul {peak / 1e9:.0f} GFLOP/s → bound {bound:.2f} s")
    times = {}
    for batch_size in args.batch_sizes:
        times[batch_size] = best_time(
            lambda size=batch_size: occlusion_map(model, x, 0, patch=15, stride=8, batch_size=size), args.repeats)
    reference = times.get(1)
    print(f"{'batch':>6} {'seconds':>8} {'of bound':>9} {'vs batch 1':>11}")
    for batch_size, seconds in times.items():
        speedup = f"{reference / seconds:.2f}×" if reference else "-"
        print(f"{batch_size:>6} {seconds:>8.2f} {bound / seconds:>9.0%} {speedup:>11}")


if __name__ == "__main__":
    main()
