"""The course's table of contents and the one place that holds the repository URL.

README badges, notebook badges and the Colab setup cell are generated from here by
`python -m helpers.workbook`; nothing else types the URL.
"""
from __future__ import annotations

from urllib.parse import quote

REPO_URL = "https://github.com/cnnviz-course/cnnviz-course"
BRANCH = "main"
CLONE_DIR_ON_COLAB = "/content/cnnviz-course"

# (notebook file, title) in teaching order; lessons land here as their notebooks are written.
LESSONS: list[tuple[str, str]] = [
    ("00_setup_and_tour.ipynb", "Setup and a tour of the helpers"),
    ("01_filters.ipynb", "What do the filters look like?"),
    ("02_activations_and_receptive_fields.ipynb", "Activations, maximally activating patches, receptive fields"),
    ("03_feature_embeddings.ipynb", "Feature embeddings: neighbours, PCA, t-SNE, units and factors"),
    ("04_occlusion_and_saliency.ipynb", "Occlusion and gradient saliency, scored against ground truth"),
    ("05_guided_backprop.ipynb", "Guided backprop, deconvnet and sanity checks"),
    ("06_class_activation_maps.ipynb", "Class activation maps: CAM, Grad-CAM, Guided Grad-CAM"),
    ("07_gradient_ascent.ipynb", "Gradient ascent: images that a neuron or a class wants"),
    ("08_adversarial_examples.ipynb", "Adversarial examples: fooling images, robustness and defences"),
    ("09_feature_inversion.ipynb", "Feature inversion: what a layer remembers of an image"),
    ("10_deepdream.ipynb", "DeepDream: amplifying what a layer sees"),
    ("11_texture_synthesis.ipynb", "Texture synthesis with Gram matrices"),
    ("12_style_transfer.ipynb", "Neural style transfer"),
    ("13_fast_style_networks.ipynb", "Fast feed-forward style networks: instance norm and conditional instance norm"),
]


def repo_path() -> str:
    """'owner/name' from REPO_URL."""
    return REPO_URL.rstrip("/").split("github.com/", 1)[1]


def colab_url(notebook: str) -> str:
    return f"https://colab.research.google.com/github/{repo_path()}/blob/{BRANCH}/notebooks/{notebook}"


def binder_url(notebook: str) -> str:
    return f"https://mybinder.org/v2/gh/{repo_path()}/{BRANCH}?labpath={quote('notebooks/' + notebook, safe='')}"


def badges(notebook: str) -> str:
    """Markdown for the Open-in-Colab and Binder badges of one notebook."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(notebook)})")


def lesson_table() -> str:
    """The README's lesson list: one row per notebook with its badges."""
    rows = ["| # | Lesson | Workbook | Open |", "|---|---|---|---|"]
    for notebook, title in LESSONS:
        student = f"[student edition](notebooks/student/{notebook})"
        rows.append(f"| {notebook[:2]} | [{title}](notebooks/{notebook}) | {student} | {badges(notebook)} |")
    return "\n".join(rows)


def colab_setup_code() -> str:
    """The first code cell of every notebook: on Colab, clone the course and install its helpers."""
    return f'''# On Colab: fetch the course and install its helpers (about a minute, once per session).
# Elsewhere this cell does nothing: install with `pip install -e ".[test]"` as the README says.
import os, subprocess, sys
if "google.colab" in sys.modules:
    if not os.path.isdir("{CLONE_DIR_ON_COLAB}"):
        subprocess.run(["git", "clone", "--depth", "1", "{REPO_URL}", "{CLONE_DIR_ON_COLAB}"], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "{CLONE_DIR_ON_COLAB}"], check=True)
    sys.path.insert(0, "{CLONE_DIR_ON_COLAB}")
    os.chdir("{CLONE_DIR_ON_COLAB}/notebooks")'''
