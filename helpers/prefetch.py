"""Download ImageNet weights into the torch cache before a class without Wi-Fi (and in Binder's postBuild).

`python -m helpers.prefetch` fetches SqueezeNet 1.1 (the online default); name others, or `--all`.
"""
from __future__ import annotations

import argparse
import sys

from .models import DEFAULT_IMAGENET, IMAGENET_LAYERS, prefetch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="*", metavar="MODEL",
                        help=f"any of {', '.join(IMAGENET_LAYERS)} (default {DEFAULT_IMAGENET})")
    parser.add_argument("--all", action="store_true", help="every ImageNet model the course offers")
    args = parser.parse_args(argv)
    archs = list(IMAGENET_LAYERS) if args.all else (args.models or [DEFAULT_IMAGENET])
    unknown = [a for a in archs if a not in IMAGENET_LAYERS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(IMAGENET_LAYERS)}")
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
