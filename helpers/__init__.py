"""Plumbing for the *Visualizing and Understanding CNNs* course: models, hooks, images, plots, widgets,
exercise checks. The techniques themselves are written out in the notebooks.
"""
from .checks import ExerciseFailed, verdict
from .config import fast_mode, seed_everything, setup
from .hooks import (LayerNotFoundError, capture, count_hooks, features_at, get_layer, layer_activations,
                    layer_names, relu_backward_rule)
from .images import ImageLoadError, load_image, to_array
from .models import ModelBundle, load_model
from .plotting import (filter_grid, show_filters, show_heatmap, show_images, show_scores, to_display,
                       upsample_map)
from .samples import sample_image, shapes_image, style_image
from .shapes import CLASSES as SHAPES_CLASSES, ShapesDataset, make_batch, make_sample
from .widgets import live

__version__ = "0.1.0"

__all__ = [
    "ExerciseFailed", "verdict", "fast_mode", "seed_everything", "setup", "LayerNotFoundError", "capture",
    "count_hooks", "features_at", "get_layer", "layer_activations", "layer_names", "relu_backward_rule",
    "ImageLoadError", "load_image", "to_array", "ModelBundle", "load_model", "filter_grid", "show_filters",
    "show_heatmap", "show_images", "show_scores", "to_display", "upsample_map", "sample_image",
    "shapes_image", "style_image", "SHAPES_CLASSES", "ShapesDataset", "make_batch", "make_sample", "live",
]
