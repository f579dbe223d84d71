"""Look inside a model by layer name: list layers, capture activations and gradients, change ReLU's
backward rule. Every hook is removed on exit, also when the body raises, and in-place ReLUs are safe.
"""
from __future__ import annotations

import difflib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

import torch
from torch import nn


class LayerNotFoundError(ValueError):
    """Raised for a layer name the model does not have; the message lists close matches."""


def layer_names(model: nn.Module, leaves_only: bool = False) -> list[str]:
    """Every named submodule (`leaves_only`: only those without children), in definition order."""
    return [name for name, module in model.named_modules()
            if name and (not leaves_only or not any(True for _ in module.children()))]


def get_layer(model: nn.Module, name: str) -> nn.Module:
    """The submodule called `name`, or an error naming the closest real layer names."""
    modules = dict(model.named_modules())
    if name in modules and name:
        return modules[name]
    names = [n for n in modules if n]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise LayerNotFoundError(
        f"the model has no layer {name!r}.{hint} See helpers.layer_names(model) for all "
        f"{len(names)} names (e.g. {', '.join(names[:4])}, …).")


def count_hooks(model: nn.Module) -> int:
    """How many forward, pre-forward and backward hooks are attached anywhere in the model."""
    total = 0
    for module in model.modules():
        for attr in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks"):
            total += len(getattr(module, attr, {}) or {})
    return total


def _first_tensor(output) -> torch.Tensor:
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise TypeError(f"cannot capture a layer whose output is a {type(output).__name__}")


@dataclass
class Recording:
    """What `capture` recorded: activations (detached copies) and, if asked, their gradients."""

    activations: dict[str, torch.Tensor] = field(default_factory=dict)
    gradients: dict[str, torch.Tensor] = field(default_factory=dict)

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.activations[name]


@contextmanager
def capture(model: nn.Module, layers: str | Sequence[str], gradients: bool = False) -> Iterator[Recording]:
    """Record the outputs of named layers during forward passes inside the `with` block.

    With `gradients=True`, a backward pass also records d(loss)/d(output) for each layer. Activations
    are copied, so a later in-place ReLU cannot overwrite what was recorded.
    """
    names = [layers] if isinstance(layers, str) else list(layers)
    modules = {name: get_layer(model, name) for name in names}  # fails early, before any hook exists
    record = Recording()
    handles = []

    def make_hook(name: str):
        def hook(module, inputs, output):
            out = _first_tensor(output)
            record.activations[name] = out.detach().clone()
            if gradients and out.requires_grad:
                def store(grad: torch.Tensor) -> None:
                    record.gradients[name] = grad.detach().clone()
                out.register_hook(store)
                if isinstance(output, torch.Tensor):
                    return out.clone()  # later in-place ops then change the copy, not the hooked tensor
            return None
        return hook

    try:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(make_hook(name)))
        yield record
    finally:
        for handle in handles:
            handle.remove()


class _StopForward(Exception):
    pass


def features_at(model: nn.Module, x: torch.Tensor, layers: str | Sequence[str]) -> dict[str, torch.Tensor]:
    """Run `model` on `x` only as far as needed and return the named layers' outputs, still attached to
    the autograd graph (so losses on them can be backpropagated to `x`)."""
    names = [layers] if isinstance(layers, str) else list(layers)
    modules = {name: get_layer(model, name) for name in names}
    outputs: dict[str, torch.Tensor] = {}
    handles = []

    def make_hook(name: str):
        def hook(module, inputs, output):
            out = _first_tensor(output)
            outputs[name] = out
            if len(outputs) == len(names):
                raise _StopForward
            return out.clone() if isinstance(output, torch.Tensor) else None
        return hook

    try:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(make_hook(name)))
        try:
            model(x)
        except _StopForward:
            pass
    finally:
        for handle in handles:
            handle.remove()
    missing = [n for n in names if n not in outputs]
    if missing:
        raise RuntimeError(f"layers {missing} were never run by the model's forward pass")
    return outputs


# ----------------------------------------------------------------------------- ReLU backward rules
BackwardRule = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]


def _guided(grad: torch.Tensor, x: torch.Tensor, upper: float) -> torch.Tensor:
    """Guided backprop: the true gradient (slope 1 where 0 < x < upper) times the positive part of the signal."""
    return grad.clamp(min=0) * ((x > 0) & (x < upper)).to(grad.dtype)


def _deconvnet(grad: torch.Tensor, x: torch.Tensor, upper: float) -> torch.Tensor:
    """Deconvnet: the positive part of the backward signal, whatever the forward input was."""
    return grad.clamp(min=0)


class _RuleReLU(torch.autograd.Function):
    """A rectifier's forward (ReLU, or ReLU6 with `upper=6`); backward by `rule(grad, x, upper)` instead of
    the true gradient."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, rule: BackwardRule, upper: float) -> torch.Tensor:
        ctx.rule, ctx.upper = rule, upper
        ctx.save_for_backward(x)
        return x.clamp(0, upper)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        out = ctx.rule(grad, x, ctx.upper)
        if not isinstance(out, torch.Tensor) or out.shape != grad.shape:
            raise ValueError(f"a backward rule must return a tensor shaped like its grad_output {tuple(grad.shape)}, "
                             f"got {type(out).__name__} {tuple(getattr(out, 'shape', ()))}")
        return out.to(grad.dtype), None, None


class _RuleReLUModule(nn.Module):
    def __init__(self, rule: BackwardRule, upper: float):
        super().__init__()
        self.rule, self.upper = rule, upper

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _RuleReLU.apply(x, self.rule, self.upper)


RELU_RULES = {"guided": _guided, "deconvnet": _deconvnet}
# Activations whose backward rule guided backprop and the deconvnet do not define: a model with any of
# them is refused rather than given maps that silently mix true gradients and modified ones.
UNSUPPORTED_ACTIVATIONS = (nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU, nn.SiLU,
                           nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Softplus, nn.Hardtanh)


def _rectifier_cap(module: nn.Module) -> float | None:
    """The upper cap of a rectifier module (inf for nn.ReLU, 6 for nn.ReLU6), or None for other modules."""
    if isinstance(module, nn.ReLU):
        return float("inf")
    if isinstance(module, nn.ReLU6):
        return 6.0
    return None


@contextmanager
def relu_backward_rule(model: nn.Module, rule: str | BackwardRule) -> Iterator[nn.Module]:
    """Inside the block, every nn.ReLU and nn.ReLU6 of `model` passes gradients backward by `rule`; the
    original modules are put back on exit, even after an error. This helper only swaps the modules.

    `rule(grad_output, forward_input, upper)` returns what the rectifier passes back (`upper` is its cap:
    inf for ReLU, 6 for ReLU6); lessons pass their own function. The names 'guided' (the true gradient,
    slope 1 where 0 < x < upper, times the positive part of the signal) and 'deconvnet' (the positive part
    of the signal) are built in. Models with other activations (SiLU, GELU, LeakyReLU, …) are refused.
    """
    if isinstance(rule, str):
        if rule not in RELU_RULES:
            raise ValueError(f"unknown ReLU rule {rule!r}; choose one of {', '.join(RELU_RULES)}, or pass a function "
                             "rule(grad_output, forward_input, upper)")
        rule = RELU_RULES[rule]
    elif not callable(rule):
        raise TypeError(f"rule must be a name or a function rule(grad_output, forward_input, upper), not {rule!r}")
    swapped: list[tuple[nn.Module, str, nn.Module, float]] = []
    others: list[str] = []
    for parent_name, parent in model.named_modules():
        for child_name, child in parent.named_children():
            cap = _rectifier_cap(child)
            if cap is not None:
                swapped.append((parent, child_name, child, cap))
            elif isinstance(child, UNSUPPORTED_ACTIVATIONS):
                others.append(f"{parent_name + '.' if parent_name else ''}{child_name} ({type(child).__name__})")
    if others:
        raise ValueError(f"backward rules are defined for rectifiers (nn.ReLU, nn.ReLU6); this model also has "
                         f"{len(others)} other activation module(s), e.g. {', '.join(others[:3])}, whose "
                         "gradients would pass unchanged and mix with the rule's. Use a ReLU or ReLU6 network.")
    if not swapped:
        raise ValueError("this model has no nn.ReLU or nn.ReLU6 modules (it may call ReLU functionally), so "
                         "its backward rule cannot be changed by swapping modules")
    try:
        for parent, child_name, _, cap in swapped:
            setattr(parent, child_name, _RuleReLUModule(rule, cap))
        yield model
    finally:
        for parent, child_name, original, _ in swapped:
            setattr(parent, child_name, original)


def layer_activations(model: nn.Module, images: torch.Tensor, layer: str, batch_size: int = 50,
                      progress: bool = True) -> torch.Tensor:
    """A layer's activations for every image (N×C×h×w, on the CPU), computed in small batches under
    `torch.no_grad()` so memory stays bounded however many images there are."""
    from tqdm.auto import tqdm
    chunks = []
    starts = range(0, len(images), batch_size)
    with capture(model, layer) as record, torch.no_grad():
        for start in tqdm(starts, desc=f"activations of {layer}", leave=False, disable=not progress):
            model(images[start:start + batch_size])
            chunks.append(record[layer].cpu())
    return torch.cat(chunks)
