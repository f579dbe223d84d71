"""Where the course's files live: the repository root and its data/ folder."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder holding shipped weights: $CNNVIZ_DATA if set, else data/ beside the helpers package."""
    override = os.environ.get("CNNVIZ_DATA")
    path = Path(override) if override else REPO_ROOT / "data"
    if not path.is_dir():
        raise FileNotFoundError(
            f"the course data folder {path} does not exist. Install the course from a clone of its "
            "repository (pip install -e .), or set CNNVIZ_DATA to the folder that holds shapes_cnn.pt.")
    return path
