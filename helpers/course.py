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
    ("14_trusting_explanations.ipynb", "Can we trust an explanation? Integrated Gradients, SmoothGrad, faithfulness, "
                                       "sanity checks, network dissection"),
]


# What a student sees in each lesson, in two lines (the README's lesson table shows it next to the lesson's
# gallery picture, notebooks/gallery/<lesson>.png, written by `python -m helpers.workbook --gallery`).
SUMMARIES: dict[str, str] = {
    "00_setup_and_tour.ipynb": "Loads the trained EfficientNet-Lite0 and the shapes model, classifies a photo, "
        "and opens the network with hooks: layers, activations, filters.",
    "01_filters.ipynb": "First-layer filters as colour tiles, trained against random, and why a 3×3 stem "
        "shows less than AlexNet's 11×11 Gabor-like filters.",
    "02_activations_and_receptive_fields.ipynb": "Feature maps, the image patches that excite a channel most "
        "across every bundled photo, and receptive fields: theoretical, effective, by occlusion.",
    "03_feature_embeddings.ipynb": "Nearest neighbours in pixel and feature space, PCA and t-SNE maps of "
        "images, and which units encode which factor.",
    "04_occlusion_and_saliency.ipynb": "Occlusion and gradient saliency maps on photos and shapes, scored against "
        "masks and hand-drawn boxes, and a model caught cheating.",
    "05_guided_backprop.ipynb": "Gradient, deconvnet and guided backprop from one neuron, through your own "
        "backward rule, and the sanity check guided backprop fails.",
    "06_class_activation_maps.ipynb": "Where each class's evidence lies: CAM and Grad-CAM per class on one photo, "
        "boxes from maps, Guided Grad-CAM, and what GAP costs.",
    "07_gradient_ascent.ipynb": "Images a class or a channel wants, from noise to a recognizable ladybug as the "
        "priors are added, checked by the network's own confidence.",
    "08_adversarial_examples.ipynb": "Invisible perturbations that flip a trained network's answer: FGSM, "
        "targeted PGD, robustness curves, universal perturbations, defences.",
    "09_feature_inversion.ipynb": "Images rebuilt from one layer's features: deeper layers keep shapes and lose "
        "colour and texture, measured as the error falls.",
    "10_deepdream.ipynb": "A photo whose patterns a layer amplifies, octave by octave, until animals grow out "
        "of it, with the growth measured.",
    "11_texture_synthesis.ipynb": "New textures from noise that match a sample's Gram matrices, larger than the "
        "sample, layer by layer, against classic pixel methods.",
    "12_style_transfer.ipynb": "A photo painted in a style: the content–style trade-off, layer choice, style "
        "mixing, colour preservation and SWAG smoothing.",
    "13_fast_style_networks.ipynb": "A trained network stylizes a photo in one pass: instance against batch "
        "norm, three styles in one network, and blends between them.",
    "14_trusting_explanations.ipynb": "A report card for every attribution method: localisation, deletion and "
        "insertion curves, sanity checks and cost, and single units that detect single shapes.",
}


def gallery_picture(notebook: str) -> str:
    """The gallery picture's path relative to the repository root."""
    return f"notebooks/gallery/{notebook.replace('.ipynb', '.png')}"


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
    """The README's lesson list: one row per notebook with its gallery picture, what it shows, its badges."""
    rows = ["| # | Lesson | What you see | Workbook | Open |", "|---|---|---|---|---|"]
    for notebook, title in LESSONS:
        student = f"[student edition](notebooks/student/{notebook})"
        picture = f'<img src="{gallery_picture(notebook)}" width="240" alt="{title}">'
        rows.append(f"| {notebook[:2]} | [{title}](notebooks/{notebook}) | {picture}<br>{SUMMARIES[notebook]} | "
                    f"{student} | {badges(notebook)} |")
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
