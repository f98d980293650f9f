"""Tensor layers: Linear, the activations as modules, and Sequential to chain them.

    model = nn.Sequential(nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10))
    loss = nn.cross_entropy(model(x), labels)

`Linear` keeps its weight as the source documents do, shape (in_features,
out_features), and computes ``x @ W + b`` as one `affine` node. (PyTorch
stores the transpose, (out, in), and computes ``x @ W.T + b``: the same map.)
"""

from __future__ import annotations

import numpy as np

from autograd.arguments import flag, floating_dtype, integer, shown
from autograd.nn import init as initialisers
from autograd.nn.module import Module
from autograd.tensor import Tensor, affine
from autograd.value import Value

__all__ = ["Linear", "ReLU", "Sigmoid", "Tanh", "Sequential"]


class Linear(Module):
    """y = x @ weight + bias, weight (in_features, out_features), bias (out_features,).

    init   "default" (uniform in +-1/sqrt(in_features), PyTorch's), "xavier",
           "he" (and their "_uniform" variants), or a number: normal with that std
    rng    a numpy Generator; by default the one `nn.init.seed` resets
    dtype  float64 by default; float32 for speed

    Calling it checks that the input's last dimension is in_features.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, init: str | float = "default",
                 rng: np.random.Generator | None = None, dtype=np.float64):
        self.in_features = integer("in_features", in_features, low=1)
        self.out_features = integer("out_features", out_features, low=1)
        has_bias, dtype = flag("bias", bias), floating_dtype("dtype", dtype)
        weight = initialisers.initial((self.in_features, self.out_features), initialisers._scheme("init", init),
                                      rng, dtype)
        self.weight = Tensor(weight, requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_features, dtype=dtype), requires_grad=True) if has_bias else None

    def forward(self, x):
        shape = tuple(x.shape) if isinstance(x, Tensor) or hasattr(x, "shape") else np.shape(x)
        if not shape or shape[-1] != self.in_features:  # in our words, before numpy's matmul says it in its own
            raise ValueError(f"{self!r} takes inputs whose last dimension is in_features = {self.in_features}, "
                             f"got an input of shape {shape}")
        if self.bias is None:
            return x @ self.weight
        return affine(x, self.weight, self.bias)

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features}, bias={self.bias is not None})"


def _node(x):
    """What an activation is given: a Tensor or a Value as it is; numbers and arrays as a constant Tensor
    (whose constructor refuses anything else with a TypeError)."""
    return x if isinstance(x, (Tensor, Value)) else Tensor(x)


class ReLU(Module):
    def forward(self, x):
        return _node(x).relu()

    def __repr__(self) -> str:
        return "ReLU()"


class Sigmoid(Module):
    def forward(self, x):
        return _node(x).sigmoid()

    def __repr__(self) -> str:
        return "Sigmoid()"


class Tanh(Module):
    def forward(self, x):
        return _node(x).tanh()

    def __repr__(self) -> str:
        return "Tanh()"


class Sequential(Module):
    """Modules applied one after the other; ``model[i]`` is the i-th."""

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential takes modules (Linear, ReLU, ...); layer {i} is {shown(layer)}")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"
