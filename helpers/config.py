"""Notebook set-up: seeds, fast mode, where we are running (Colab, Binder, local) and version checks."""
from __future__ import annotations

import importlib
import os
import platform
import random
import sys
from dataclasses import dataclass

import numpy as np
import torch

# Oldest versions the course is tested to work with (Colab lags behind the latest releases).
MINIMUM_VERSIONS = {"torch": "2.0", "torchvision": "0.15", "numpy": "1.23", "matplotlib": "3.5",
                    "ipywidgets": "7.7", "sklearn": "1.0", "skimage": "0.19", "tqdm": "4.60"}


def fast_mode() -> bool:
    """True when $CNNVIZ_FAST=1: tests run fewer iterations on smaller images; students never need it."""
    return os.environ.get("CNNVIZ_FAST", "") == "1"


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch so a notebook gives the same pictures on every run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def where_running() -> str:
    """'colab', 'binder' or 'local'."""
    if "google.colab" in sys.modules:
        return "colab"
    hub_prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "")
    if any(key.startswith("BINDER_") for key in os.environ) or hub_prefix.startswith("/binder"):
        return "binder"
    return "local"


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the course needs ('missing' where absent)."""
    versions = {}
    for name in MINIMUM_VERSIONS:
        try:
            versions[name] = importlib.import_module(name).__version__
        except ImportError:
            versions[name] = "missing"
    return versions


@dataclass
class Environment:
    """What `setup` found: platform, device, fast mode and package versions."""

    running_on: str
    device: str
    fast: bool
    python: str
    versions: dict[str, str]
    too_old: list[str]

    def __str__(self) -> str:
        packages = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        lines = [f"Running on {self.running_on} ({platform.system()}), Python {self.python}, device {self.device}"
                 + (", FAST test mode" if self.fast else ""), f"Packages: {packages}"]
        if self.too_old:
            lines.append("Too old or missing, please upgrade: " + ", ".join(self.too_old))
        return "\n".join(lines)


def setup(seed: int = 0, quiet: bool = False) -> Environment:
    """Seed everything, apply the plotting style, check versions and print a one-paragraph report."""
    from .models import best_device
    from .plotting import use_course_style
    seed_everything(seed)
    use_course_style()
    versions = package_versions()
    too_old = [f"{name} {have} (need ≥ {need})" for name, need in MINIMUM_VERSIONS.items()
               if (have := versions[name]) == "missing" or _version_tuple(have) < _version_tuple(need)]
    env = Environment(where_running(), str(best_device()), fast_mode(), platform.python_version(),
                      versions, too_old)
    if not quiet:
        print(env)
    return env
