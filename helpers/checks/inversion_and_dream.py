"""Exercise checks for lessons 09–10 (feature inversion and DeepDream).

Each check runs the student's function on inputs of its own (non-square images, batches with different layers,
weights and exponents per image), compares with what the right answer gives and, when it differs, names the
typical mistake the answer reproduces. The two loops (`invert`, `deepdream`) are run briefly on the shapes model
and judged by what they achieve: the feature error falls and the reconstruction beats the trivial baselines;
the activation grows and the dream stays aligned with the photo.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from .core import run_student, same_values, spot_mistake, verdict


def _shape_of(answer) -> str:
    return f"{tuple(answer.shape)}" if isinstance(answer, torch.Tensor) else type(answer).__name__


def _per_image(answer, n: int, what: str) -> torch.Tensor:
    if not isinstance(answer, torch.Tensor) or answer.shape != (n,):
        verdict(False, f"got {_shape_of(answer)} for a batch of {n} images", f"a tensor of shape ({n},)",
                f"return one {what} per image: sum over every dimension except the first (the image), and keep "
                "that dimension.")
    return answer.detach().double()


# ------------------------------------------------------------------------------------------------ lesson 09

def _total_variation(x: torch.Tensor, beta: float) -> torch.Tensor:
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    return (dx ** 2 + dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3))


def _tv_mistakes(x: torch.Tensor, beta: float) -> dict[str, torch.Tensor]:
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    lower_dx = x[..., 1:, 1:] - x[..., 1:, :-1]  # the last H − 1 rows and W − 1 columns: off by one
    lower_dy = x[..., 1:, 1:] - x[..., :-1, 1:]
    squares = dx ** 2 + dy ** 2
    return {
        "the exponent is β/2 on the sum of squares: (dx² + dy²)^(β/2), not (dx² + dy²)^β.":
            squares.pow(beta).sum(dim=(1, 2, 3)),
        "use the argument beta: (dx² + dy²)^(β/2), not always dx² + dy² (that is β = 2 only).":
            squares.sum(dim=(1, 2, 3)),
        "take the power of the sum at each position, (dx² + dy²)^(β/2), not |dx|^β + |dy|^β (the two agree only "
        "for β = 2).": (dx.abs().pow(beta) + dy.abs().pow(beta)).sum(dim=(1, 2, 3)),
        "take the square root of the power: (dx² + dy²)^(β/2), not (dx² + dy²)^(1/β).":
            squares.pow(1 / beta).sum(dim=(1, 2, 3)),
        "use the positions of the first H − 1 rows and W − 1 columns, (i, j) with i < H − 1 and j < W − 1: "
        "dx = x[..., :-1, 1:] − x[..., :-1, :-1] and dy = x[..., 1:, :-1] − x[..., :-1, :-1].":
            (lower_dx ** 2 + lower_dy ** 2).pow(beta / 2).sum(dim=(1, 2, 3)),
        "sum over channels and positions, not the mean.": squares.pow(beta / 2).mean(dim=(1, 2, 3)),
        "sum over the channels too (dim=(1, 2, 3)), one total per image.": squares.pow(beta / 2)[:, 0].sum(dim=(1, 2)),
    }


def check_total_variation_beta(student_tv: Callable) -> None:
    """Notebook 09: `student_tv(images, beta)` must return R_{V^β} of each image of an N×C×H×W batch,
    summed over channels and over the positions (i, j) whose right and lower neighbours exist."""
    generator = torch.Generator().manual_seed(9)
    step = torch.zeros(1, 3, 6, 7)
    step[..., 4:] = 1.0  # a vertical edge: (H − 1) = 5 rows × 3 channels of unit jumps
    # β = 3 first: there the typical mistakes all give different numbers; non-square images, batches of 2 and 3
    cases = [(torch.rand(2, 3, 7, 9, generator=generator), 3.0), (torch.rand(3, 3, 10, 6, generator=generator), 1.0),
             (torch.rand(2, 1, 5, 12, generator=generator), 1.5), (torch.rand(2, 3, 8, 11, generator=generator), 2.0),
             (step, 1.0)]
    for images, beta in cases:
        original = images.clone()
        answer = _per_image(run_student(student_tv, images, beta), len(images), "total variation")
        if not torch.equal(images, original):
            verdict(False, "your function changed the images it was given", "the images left as they were",
                    "compute the differences into new tensors; don't modify `images` in place.")
        expected = _total_variation(images.double(), beta)
        if not same_values(answer, expected, atol=1e-6, rtol=1e-4):
            hint = spot_mistake(answer, _tv_mistakes(images.double(), beta), atol=1e-6, rtol=1e-4)
            verdict(False, f"R_V^β with β = {beta:g} of a batch of {tuple(images.shape)} images = "
                    f"{[round(v, 4) for v in answer.tolist()]}", f"{[round(v, 4) for v in expected.tolist()]}",
                    hint or "for each position of the first H − 1 rows and W − 1 columns take dx = x[i, j+1] − x[i, j] "
                    "and dy = x[i+1, j] − x[i, j], then sum (dx² + dy²)^(β/2) over channels and positions, one total "
                    "per image.")
    edge = float(_per_image(run_student(student_tv, step.clone(), 1.0), 1, "total variation")[0])
    verdict(True, f"R_V^β of a 5-row step edge = {edge:g}; right on {len(cases) - 1} random non-square batches "
            "with β = 3, 1, 1.5 and 2", "15 for the edge")


def _relative_error(phi: torch.Tensor, phi0: torch.Tensor) -> torch.Tensor:
    return (phi - phi0).pow(2).flatten(1).sum(1) / phi0.pow(2).flatten(1).sum(1)


def _relative_error_mistakes(phi: torch.Tensor, phi0: torch.Tensor) -> dict[str, torch.Tensor]:
    squared = (phi - phi0).pow(2).flatten(1)
    return {
        "divide by the squared norm of the target ‖Φ0‖² (the second argument), not of the features Φ.":
            squared.sum(1) / phi.pow(2).flatten(1).sum(1),
        "a relative error: divide the squared distance by ‖Φ0‖² (without it the numbers depend on the layer's "
        "scale).": squared.sum(1),
        "use squared norms, ‖Φ − Φ0‖² / ‖Φ0‖², not the ratio of the norms ‖Φ − Φ0‖ / ‖Φ0‖.":
            squared.sum(1).sqrt() / phi0.pow(2).flatten(1).sum(1).sqrt(),
        "divide each image by its own target's ‖Φ0‖², not by the whole batch's.":
            squared.sum(1) / phi0.pow(2).sum(),
        "sum (or average) both the same way: the mean of the squared differences over the sum of the target's "
        "squares is off by the number of entries.": squared.mean(1) / phi0.pow(2).flatten(1).sum(1),
        "compare each image with its own target: subtract elementwise (features − targets), image i with target i.":
            (phi[:, None] - phi0[None]).pow(2).flatten(2).sum(2).mean(1) / phi0.pow(2).flatten(1).sum(1),
    }


def check_relative_feature_error(student_error: Callable, bundle, layer: str | None = None) -> None:
    """Notebook 09: `student_error(features, targets)` must return ‖Φ − Φ0‖² / ‖Φ0‖² for each pair of
    N×… feature tensors (one number per image)."""
    from ..hooks import features_at
    from ..shapes import make_batch

    layer = layer or bundle.layers["middle_conv"]
    with torch.no_grad():  # non-square maps of a real layer: 6 images cropped to 64×52
        images = make_batch(6, seed=909)["images"][..., :52]
        feats = features_at(bundle.model, bundle.normalize(images.to(bundle.device)), layer)[layer].cpu()
    phi, phi0 = feats[:3].clone(), feats[3:].clone()
    answer = _per_image(run_student(student_error, phi.clone(), phi0.clone()), 3, "error")
    expected = _relative_error(phi.double(), phi0.double())
    if not same_values(answer, expected, atol=1e-6, rtol=1e-4):
        hint = spot_mistake(answer, _relative_error_mistakes(phi.double(), phi0.double()), atol=1e-6, rtol=1e-4)
        verdict(False, f"errors of three {layer} feature maps ({tuple(phi.shape[1:])}) against three targets = "
                f"{[round(v, 4) for v in answer.tolist()]}", f"{[round(v, 4) for v in expected.tolist()]}",
                hint or "‖Φ − Φ0‖² / ‖Φ0‖² per image: sum the squares over every dimension except the first.")
    known = {"Φ0 itself": (phi0, 0.0), "zeros": (torch.zeros_like(phi0), 1.0), "2Φ0": (2 * phi0, 1.0)}
    for name, (features, value) in known.items():
        got = _per_image(run_student(student_error, features.clone(), phi0.clone()), 3, "error")
        if not same_values(got, torch.full((3,), value, dtype=torch.float64), atol=1e-5):
            verdict(False, f"the error of {name} against the targets = {[round(v, 4) for v in got.tolist()]}",
                    f"{value:g} for every image", "divide the squared distance by the squared norm of the target.")
    verdict(True, f"0 for Φ0 itself, 1 for zeros and for 2Φ0; three real {layer} pairs {[round(v, 3) for v in answer.tolist()]}",
            "the same")


def _start_image(shape: torch.Size, seed: int) -> torch.Tensor:
    """The starting point the lesson's `invert` sets up: grey plus a little noise."""
    return 0.5 + 0.1 * torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def check_invert(student_invert: Callable, bundle, steps: int = 30) -> None:
    """Notebook 09: `student_invert(bundle, images, layers, tv_weight, beta, steps, ..., seed)` runs the inversion
    loop. The check runs it briefly on the shapes model: three non-square images in one batch (one photo at relu1
    without TV and with a strong TV, another at relu4 with β = 1), and measures that the recorded history is the
    relative feature error of each image, that the feature error of the returned images falls by a clear factor,
    that the shallow reconstruction beats the noise start and the mean-colour image in pixels and the deep one in
    features, and that the strong TV weight smooths its image."""
    from ..hooks import features_at
    from ..shapes import make_batch

    if bundle.kind != "shapes":
        raise ValueError("this check runs on the shapes model: pass `shapes` (helpers.load_model('shapes')).")
    crops = make_batch(2, seed=909)["images"][:, :, 6:54, 2:62]  # 48×60
    images = torch.stack([crops[0], crops[0], crops[1]]).to(bundle.device)
    layers = ["features.relu1", "features.relu1", "features.relu4"]  # the shapes model's layers
    tv_weights, betas, seed, (n, _, h, w) = [0.0, 50.0, 5.0], [2.0, 2.0, 1.0], 1, images.shape
    wanted = list(dict.fromkeys(layers))

    def errors(x: torch.Tensor, raw: bool = False) -> torch.Tensor:
        with torch.no_grad():
            got = features_at(bundle.model, bundle.normalize(x.to(bundle.device)), wanted)
            target = features_at(bundle.model, bundle.normalize(images), wanted)
            pairs = [(got[l][i:i + 1].double(), target[l][i:i + 1].double()) for i, l in enumerate(layers)]
        return torch.cat([(p - t).pow(2).flatten(1).sum(1) if raw else _relative_error(p, t) for p, t in pairs]).cpu()

    original = images.clone()
    answer = run_student(student_invert, bundle, images, list(layers), tv_weight=list(tv_weights), beta=list(betas),
                         steps=steps, seed=seed)
    if not isinstance(answer, tuple) or len(answer) != 2:
        verdict(False, f"got {type(answer).__name__}", "a tuple (reconstructions, history)",
                "keep the given `return x.detach().clamp(0, 1).cpu(), torch.stack(history)`.")
    recon, history = answer
    if not torch.equal(images, original):
        verdict(False, "the images to invert were changed", "them left as they were", "optimize x, not the originals.")
    if not isinstance(recon, torch.Tensor) or recon.shape != images.shape:
        verdict(False, f"reconstructions of shape {_shape_of(recon)}", f"{tuple(images.shape)}",
                "return the optimized image x, one reconstruction per image.")
    if not isinstance(history, torch.Tensor):
        verdict(False, f"a history of type {type(history).__name__}", "a tensor (steps × images)",
                "append each step's errors (a tensor of N values) to `history`; the given return stacks them.")
    if history.requires_grad:
        verdict(False, "the history you returned still requires grad: it holds every step's autograd graph",
                "recorded numbers", "record errors.detach() (or errors.detach().cpu()): forgetting to detach keeps "
                "the graph of every step in memory.")
    if history.shape != (steps, n):
        verdict(False, f"a history of shape {_shape_of(history)} for {steps} steps and {n} images", f"({steps}, {n})",
                "append the N relative feature errors once per step, before the update.")
    history = history.detach().double().cpu()
    start = _start_image(images.shape, seed)
    start_error, start_raw = errors(start), errors(start, raw=True)
    if not same_values(history[0], start_error, atol=1e-6, rtol=1e-3):
        if same_values(history[0], start_raw, atol=1e-3, rtol=1e-3):
            hint = ("your error is the raw squared distance ‖Φ − Φ0‖²: use relative_feature_error, which divides it "
                    "by ‖Φ0‖², so that the error reads the same at every layer and weighs against the regularizers "
                    "as the lesson's weights assume.")
        elif (history[0] > start_error * (1 - 1e-6)).all() and (history[0] > start_error * (1 + 1e-3)).any():
            hint = ("record the relative feature errors alone (relative_feature_error of each image), not the total "
                    "loss with its regularizers.")
        else:
            hint = ("record each image's relative feature error of the current x, before the step: history[0] is the "
                    "error of the given starting image (don't change the given start).")
        verdict(False, f"history[0] = {[round(v, 4) for v in history[0].tolist()]}",
                f"the relative feature errors of the starting image {[round(v, 4) for v in start_error.tolist()]}", hint)
    final = errors(recon.detach().float())
    fall = start_error / final.clamp(min=1e-12)

    def roughness(x: torch.Tensor) -> float:
        return float(_total_variation(x.detach().double().cpu(), 2.0)) / (h * w)

    free, heavy = roughness(recon[0:1]), roughness(recon[1:2])
    measured = (f"in {steps} steps the feature error fell {fall[0]:.1f}× (relu1, no TV), {fall[1]:.1f}× (relu1, "
                f"tv_weight 50) and {fall[2]:.1f}× (relu4, β = 1)")
    if fall[0] < 1:
        verdict(False, f"the feature error rose: {measured}", "a falling error",
                "zero the gradients before each backward (optimizer.zero_grad(); otherwise every step adds up all the "
                "earlier gradients), and descend: loss.backward() then optimizer.step() on the loss itself, not on "
                "its negative.")
    if fall[0] < 3:
        verdict(False, measured, "a fall of at least 10× without TV",
                "the feature term must send its gradient to the pixels: compute the features of x itself "
                "(features_at(bundle.model, bundle.normalize(x), …), not of x.detach() or of a copy) and let the "
                "optimizer, which holds x, take the step: we optimize the pixels, never the features.")
    if heavy > 1.5 * free:
        verdict(False, f"tv_weight 50 made the image rougher than no TV (mean R_V² per pixel {heavy:.3g} vs "
                f"{free:.3g})", "a smoother image", "add the regularizers to the loss (we minimize them): "
                "loss = errors + (α_weight·R_α + tv_weight·R_V^β) / (H·W), summed over the images; subtracting them "
                "rewards rough images with pixels far outside [0, 1].")
    if fall[2] < 2 and fall[1] < 2:
        verdict(False, measured, "a clear fall for the regularized images too",
                "the regularizers overwhelm the feature term: divide them by the number of pixels H·W "
                "(loss = errors + (α_weight·R_α + tv_weight·R_V^β) / (H·W)).")
    if heavy > 0.5 * free:
        verdict(False, f"tv_weight 50 hardly smoothed the image (mean R_V² per pixel {heavy:.3g} vs {free:.3g} "
                "without TV)", "a much smoother image",
                "weigh each image's total variation by its own tv_weight[i] (and β by beta[i]), and optimize the "
                "relative feature error (relative_feature_error, divided by ‖Φ0‖²), not the raw squared distance, "
                "which is thousands of times larger and drowns the regularizers.")
    if fall[0] < 10 or fall[2] < 4:
        verdict(False, measured, "at least 10× (relu1) and 4× (relu4)",
                "each step: features of x at the wanted layers, relative_feature_error of image i at layers[i] "
                "against targets[i], plus (α_weight·R_α(x) + tv_weight[i]·R_V^β[i](x)) / (H·W); zero_grad, backward, "
                "optimizer.step(), schedule.step().")
    flat = images.mean(dim=(2, 3), keepdim=True).expand_as(images)
    pixel = {name: float((x[0].cpu() - original[0].cpu()).pow(2).mean().sqrt())
             for name, x in [("reconstruction", recon.detach()), ("noise", start.clamp(0, 1)), ("mean colour", flat)]}
    flat_error = errors(flat)
    if not pixel["reconstruction"] < pixel["mean colour"] < pixel["noise"] or final[2] > min(start_error[2], flat_error[2]) / 3:
        verdict(False, f"pixel RMSE from relu1 {pixel['reconstruction']:.3f} (mean colour {pixel['mean colour']:.3f}, "
                f"noise start {pixel['noise']:.3f}); feature error at relu4 {final[2]:.3f} (mean colour "
                f"{flat_error[2]:.3f})", "better than both baselines",
                "return the optimized x (clamped to [0, 1]), as the given return line does.")
    verdict(True, f"{measured}; from relu1 the pixel RMSE is {pixel['reconstruction']:.3f} (mean colour "
            f"{pixel['mean colour']:.3f}, noise start {pixel['noise']:.3f}); at relu4 the feature error is {final[2]:.3f} "
            f"(mean colour {flat_error[2]:.3f}); tv_weight 50 smoothed the image {free / max(heavy, 1e-12):.0f}×",
            "falls of 10× and 4×, both baselines beaten, a smoother image with TV")


# ------------------------------------------------------------------------------------------------ lesson 10

def _dream_gradient(bundle, x: torch.Tensor, layer: str, of=None) -> torch.Tensor:
    """The gradient of ½‖a‖² at `layer` with respect to the [0, 1] image x (`of`: another objective's)."""
    from ..hooks import features_at
    x = x.detach().clone().requires_grad_(True)
    activation = features_at(bundle.model, bundle.normalize(x), layer)[layer]
    if of == "sum":
        activation.sum().backward()
    else:
        activation.backward(activation)
    return x.grad.detach()


def _dream_step(bundle, x: torch.Tensor, layer: str, step_size: float, normalized: bool = True) -> torch.Tensor:
    g = _dream_gradient(bundle, x, layer)
    return (x + step_size * (g / g.abs().mean() if normalized else g)).detach()


def _step_mistakes(bundle, x, layer, step_size, normalized) -> dict[str, torch.Tensor]:
    g = _dream_gradient(bundle, x, layer)
    s = _dream_gradient(bundle, x, layer, of="sum")
    right = x + step_size * (g / g.abs().mean() if normalized else g)
    mistakes = {"a step up the gradient: x + step_size·…, not x − … (that descends and weakens the activation).":
                x - (right - x)}
    if normalized:
        mistakes |= {
            "normalize the step: divide the gradient by its mean absolute value, g / g.abs().mean(), so that every "
            "step changes the pixels by step_size on average.": x + step_size * g,
            "normalize by the mean of |g| (g.abs().mean()), not by its largest value.": x + step_size * g / g.abs().max(),
            "normalize by the mean of |g| (g.abs().mean()), not by its norm.": x + step_size * g / g.norm(),
            "normalize by the mean of the absolute values |g|, not the mean of g (which can be near 0 or negative).":
                x + step_size * g / g.mean(),
            "the gradient of ½‖a‖² with respect to a is a itself: backpropagate activation.backward(activation), not "
            "activation.sum().backward() (that is the gradient of Σa).": x + step_size * s / s.abs().mean(),
            "return the new image without clamping (the loop clamps after rolling back).":
                (x + step_size * g / g.abs().mean()).clamp(0, 1),
        }
    else:
        mistakes |= {
            "with normalized=False take a plain gradient step x + step_size·g (the argument normalized must be "
            "used, not ignored).": x + step_size * g / g.abs().mean(),
            "differentiate with respect to x itself, the [0, 1] image, not its normalized copy bundle.normalize(x).":
                x + step_size * g * torch.tensor(bundle.std, device=x.device).view(1, 3, 1, 1),
            "the gradient of ½‖a‖² with respect to a is a itself: backpropagate activation.backward(activation), not "
            "activation.sum().backward().": x + step_size * s,
        }
    return mistakes


def check_dream_step(student_step: Callable, bundle, layer: str | None = None) -> None:
    """Notebook 10: `student_step(bundle, x, layer, step_size, normalized=True)` must move a [0, 1] image (1×3×H×W)
    up the gradient g of ½‖a‖² at `layer`: by step_size·g / mean|g| (normalized) or step_size·g (plain), without
    clamping and without changing x; the activation must grow."""
    from ..hooks import count_hooks, features_at

    layer = layer or bundle.layers["middle_conv"]
    deep = bundle.layers["last_conv"]
    generator = torch.Generator().manual_seed(10)
    x = torch.rand(1, 3, 40, 56, generator=generator).to(bundle.device)  # non-square
    hooks_before = count_hooks(bundle.model)
    g0 = float(_dream_gradient(bundle, x, deep).abs().mean())
    cases = [(layer, 0.01, True), (deep, 0.003, True), (deep, 0.01 / g0, False)]
    for case_layer, step_size, normalized in cases:
        given = x.clone()
        answer = run_student(student_step, bundle, given, case_layer, step_size, normalized=normalized)
        if not isinstance(answer, torch.Tensor) or answer.shape != x.shape:
            verdict(False, f"got {_shape_of(answer)}", f"an image of shape {tuple(x.shape)}",
                    "return the new image x + step (a tensor like x).")
        if not torch.equal(given, x):
            verdict(False, "your step changed the image it was given", "x left as it was",
                    "work on a copy (x = x.detach().clone().requires_grad_(True)) and return a new tensor; don't "
                    "modify x in place.")
        answer = answer.detach()
        expected = _dream_step(bundle, x, case_layer, step_size, normalized)
        if not same_values(answer - x, expected - x, atol=step_size * 1e-3, rtol=1e-3):
            hint = spot_mistake(answer - x, {h: m - x for h, m in
                                             _step_mistakes(bundle, x, case_layer, step_size, normalized).items()},
                                atol=step_size * 1e-3, rtol=1e-3)
            change = float((answer - x).abs().mean())
            verdict(False, f"at {case_layer} with step_size {step_size:.3g} and normalized={normalized}, mean |step| "
                    f"= {change:.3g}, cosine with the right step "
                    f"{float(F.cosine_similarity((answer - x).flatten(), (expected - x).flatten(), dim=0)):.3f}",
                    "the step step_size · g / mean|g| (normalized) or step_size · g (plain), cosine 1",
                    hint or "forward bundle.normalize(x) to the layer with features_at, activation.backward(activation), "
                    "then x + step_size · g / g.abs().mean() (or step_size · g when normalized is False).")
    if count_hooks(bundle.model) != hooks_before:
        verdict(False, "hooks were left on the model", "none", "use helpers.features_at, which removes its hooks.")
    stepped = run_student(student_step, bundle, x.clone(), layer, 0.01).detach()
    with torch.no_grad():
        before = float(features_at(bundle.model, bundle.normalize(x), layer)[layer].norm())
        after = float(features_at(bundle.model, bundle.normalize(stepped), layer)[layer].norm())
    verdict(after > before, f"normalized and plain steps right at {layer} and {deep} (non-square image); one step "
            f"of 0.01 grows ‖a‖ at {layer} {before:.1f} → {after:.1f}", "a growing ‖a‖",
            "step up the gradient of ½‖a‖².")


def _octaves(height: int, width: int, octaves: int, scale: float, mistake: str = "") -> list[tuple[int, int]]:
    ks = {"count+": range(octaves + 1), "shifted": range(1, octaves + 1)}.get(mistake, range(octaves))
    sizes = []
    for k in reversed(ks):
        factor = scale ** k
        if mistake == "multiply":
            h, w = height * factor, width * factor
        elif mistake == "one scale":
            h = w = height / factor
        else:
            h, w = height / factor, width / factor
        round_ = int if mistake == "floor" else round
        sizes.append((round_(h), round_(w)) if mistake != "floats" else (h, w))
    return sizes[::-1] if mistake == "largest first" else sizes


_OCTAVE_MISTAKES = {
    "largest first": "list the sizes smallest first (k = octaves − 1 down to 0): the dream starts at the smallest.",
    "floor": "round each side, round(side / scale**k): int() truncates (46.65 → 46 instead of 47).",
    "one scale": "scale height and width each by their own side: (round(height / scale**k), round(width / scale**k)).",
    "count+": "give exactly `octaves` sizes, k = 0 … octaves − 1 (the image's own size counts as one).",
    "shifted": "take k = 0 … octaves − 1, so that the list ends with the image's own size (k = 0).",
    "multiply": "divide by scale**k: the lower octaves are smaller than the image.",
    "floats": "return whole numbers of pixels: round(side / scale**k).",
}


def check_octave_sizes(student_sizes: Callable) -> None:
    """Notebook 10: `student_sizes(height, width, octaves, scale)` must list the pyramid's (height, width),
    smallest first and ending with the image's own size, each side round(side / scale**k)."""
    cases = [(128, 96, 4, 1.4), (75, 130, 3, 1.5), (224, 160, 3, 2.0), (100, 60, 1, 1.4)]  # non-square; floor ≠ round
    for args in cases:
        answer = run_student(student_sizes, *args)
        expected = _octaves(*args)
        try:
            got = [tuple(v for v in size) for size in answer]
        except TypeError:
            got = answer
        if got != expected or not all(isinstance(v, int) for size in got for v in size):
            hint = next((hint for mistake, hint in _OCTAVE_MISTAKES.items() if got == _octaves(*args, mistake)), "")
            if not hint and isinstance(got, list) and [tuple(round(v) for v in s) for s in got] == expected:
                hint = _OCTAVE_MISTAKES["floats"]
            verdict(False, f"octave_sizes{args} = {got}", f"{expected}",
                    hint or "side / scale**k for k = octaves − 1 down to 0, rounded, smallest first.")
    verdict(True, f"octave_sizes(128, 96, 4, 1.4) = {_octaves(*cases[0])}", f"the same, and {len(cases) - 1} more "
            "cases right")


def _check_photo(bundle) -> torch.Tensor:
    from ..samples import sample_image
    return torch.from_numpy(bundle.deprocess(bundle.preprocess(sample_image("chelsea"), size=56, crop=False))
                            ).permute(2, 0, 1)  # 3×56×84 in [0, 1]


def _alignment(dream: torch.Tensor, photo: torch.Tensor, reach: int) -> tuple[int, int]:
    """The shift (dy, dx) of the photo that best matches the dream (0, 0 when the dream stays in place)."""
    errors = {(dy, dx): float((torch.roll(photo, (dy, dx), (1, 2)) - dream).pow(2).mean())
              for dy in range(-reach, reach + 1) for dx in range(-reach, reach + 1)}
    return min(errors, key=errors.get)


def check_deepdream(student_deepdream: Callable, bundle) -> None:
    """Notebook 10: `student_deepdream(bundle, image, layer, steps, octaves, scale, jitter, step_size, normalized,
    seed)` runs the DeepDream loop. The check runs it briefly on the shapes model (a non-square 56×84 photo, 3 octaves
    of 4 steps) and measures: the activation grows; one stage per octave, smallest first; the pixels stay in [0, 1];
    the dream stays aligned with the photo (the jitter is rolled back); each octave carries the detail dreamt at the
    previous one; the brightness stays the photo's; `normalized=False` takes plain gradient steps."""
    from ..hooks import features_at

    if bundle.kind != "shapes":
        raise ValueError("this check runs on the shapes model: pass `shapes` (helpers.load_model('shapes')).")
    photo = _check_photo(bundle)
    layer, deep = "features.relu4", "features.relu5"
    main = dict(steps=4, octaves=3, scale=1.4, jitter=5, seed=1)

    def norm(image: torch.Tensor, at: str) -> float:
        with torch.no_grad():
            return float(features_at(bundle.model, bundle.normalize(image[None].to(bundle.device)), at)[at].norm())

    def run(at: str, step_size: float, normalized: bool = True, **options):
        options = main | options
        sizes = _octaves(*photo.shape[-2:], options["octaves"], options["scale"])
        given = photo.clone()
        answer = run_student(student_deepdream, bundle, given, at, step_size=step_size, normalized=normalized, **options)
        if not torch.equal(given, photo):
            verdict(False, "your function changed the photo it was given", "the photo left as it was",
                    "work on new tensors (octave_base + detail), never on `image` in place.")
        if not isinstance(answer, tuple) or len(answer) != 2:
            verdict(False, f"got {type(answer).__name__}", "a tuple (dream, stages)",
                    "keep the given `return x[0].cpu(), stages`.")
        dream, stages = answer
        stage_sizes = [tuple(s.shape[-2:]) if isinstance(s, torch.Tensor) else None for s in stages]
        if stage_sizes != sizes:
            verdict(False, f"stages of sizes {stage_sizes}", f"one per octave, smallest first: {sizes}",
                    "append the image (x[0].cpu()) once at the end of each octave.")
        if not isinstance(dream, torch.Tensor) or dream.shape != photo.shape:
            verdict(False, f"a dream of shape {_shape_of(dream)}", f"{tuple(photo.shape)}, the photo's",
                    "the last octave is the photo's own size: return its image, x[0].")
        return dream.detach().cpu().float(), [s.detach().cpu().float() for s in stages]

    dream, stages = run(layer, 0.02)
    low, high = float(dream.min()), float(dream.max())
    if low < -1e-6 or high > 1 + 1e-6 or any(float(s.min()) < -1e-6 or float(s.max()) > 1 + 1e-6 for s in stages):
        verdict(False, f"pixels from {low:.2f} to {high:.2f}", "pixels in [0, 1]",
                "clamp the image to [0, 1] after every step (x.clamp(0, 1)), before rolling it back.")
    gain = norm(dream, layer) / norm(photo, layer)
    shift = _alignment(dream, photo, reach=12)
    brightness = float(dream.mean() - photo.mean())
    measured = f"‖a‖ at {layer} grew {gain:.2f}×"
    if gain < 1:
        verdict(False, f"‖a‖ at {layer} fell to {gain:.2f}× the photo's", "a growing activation",
                "dream_step must climb: x + step_size · g / mean|g|.")
    if shift != (0, 0):
        verdict(False, f"the dream matches the photo best when the photo is shifted by {shift} pixels",
                "a dream in place: shift (0, 0)", "roll the image back after each step, torch.roll(x, (-dy, -dx), "
                "dims=(2, 3)): the jitter only moves the grid the network sees, never the picture.")
    if abs(brightness) > 0.1:
        verdict(False, f"the dream is {brightness:+.2f} brighter on average than the photo", "about the same brightness",
                "carry only the detail to the next octave: detail = x − octave_base (what the dream added), then x = "
                "the next octave's base + the detail enlarged to its size; adding the whole dreamt image counts the "
                "photo twice.")
    carried, sizes = [], _octaves(*photo.shape[-2:], main["octaves"], main["scale"])
    for k in range(1, len(stages)):
        base_before = F.interpolate(photo[None], size=sizes[k - 1], mode="bilinear", antialias=True)
        base_now = F.interpolate(photo[None], size=sizes[k], mode="bilinear", antialias=True)
        before = F.interpolate(stages[k - 1][None] - base_before, size=sizes[k], mode="bilinear")
        carried.append(float(F.cosine_similarity(before.flatten(), (stages[k][None] - base_now).flatten(), dim=0)))
    if min(carried) < 0.6:
        verdict(False, f"the change each octave made agrees with the previous octave's only by cosine "
                f"{', '.join(f'{c:.2f}' for c in carried)}", "above 0.6 (the earlier detail carried on)",
                "start each octave from its base plus the detail dreamt so far, enlarged to its size: "
                "detail = F.interpolate(detail, size=octave_base.shape[-2:], mode='bilinear'); x = octave_base + detail; "
                "and after the steps detail = x − octave_base.")
    if gain < 1.3:
        verdict(False, measured, "at least 1.3×", "each step: roll by a random (dy, dx), dream_step, clamp, roll back.")
    g0 = float(_dream_gradient(bundle, photo[None].to(bundle.device), deep).abs().mean())
    normalized_dream, _ = run(deep, 0.02, steps=2, octaves=2)
    plain_dream, _ = run(deep, 0.02 / g0, normalized=False, steps=2, octaves=2)
    ratio = float((plain_dream - photo).abs().mean() / (normalized_dream - photo).abs().mean().clamp(min=1e-12))
    if not 0.2 < ratio < 5:
        verdict(False, f"at {deep} plain steps of learning rate 0.02 / mean|g| changed the photo {ratio:.3g}× as "
                "much as normalized steps of 0.02", "about as much (0.2× to 5×)",
                "pass normalized on to dream_step (dream_step(bundle, x, layer, step_size, normalized)).")
    verdict(True, f"{measured}, the dream stays in place and in [0, 1], each octave carries the previous one's detail "
            f"(cosine {', '.join(f'{c:.2f}' for c in carried)}), plain steps work too", "growth above 1.3×")
