"""Download torchvision's ImageNet weights into the torch cache before a class without Wi-Fi.

The default network, EfficientNet-Lite0, needs no download: its weights are installed with the course.
`python -m helpers.prefetch` fetches SqueezeNet 1.1 (CS231n's network); name others, or `--all`.
"""
from __future__ import annotations

import argparse
import sys

from .models import DOWNLOADED, prefetch

DEFAULT = "squeezenet1_1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"any of {', '.join(DOWNLOADED)} (default {DEFAULT})")
    parser.add_argument("--all", action="store_true", help="every torchvision model the course offers")
    args = parser.parse_args(argv)
    archs = list(DOWNLOADED) if args.all else (args.models or [DEFAULT])
    unknown = [a for a in archs if a not in DOWNLOADED]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(DOWNLOADED)}"
                     " (EfficientNet-Lite0 needs no download)")
    try:
        paths = prefetch(archs)
    except OSError as error:
        print(f"Download failed ({error}). Check the network connection and try again.", file=sys.stderr)
        return 1
    for arch, path in zip(archs, paths):
        print(f"{arch}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
