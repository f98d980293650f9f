"""Neural networks of scalar `Value`s, drop-in compatible with micrograd's.

    >>> from autograd.nn import MLP
    >>> model = MLP(2, [16, 16, 1])          # 2 inputs, two hidden layers of 16, one output
    >>> score = model([0.5, -1.0])           # a Value
    >>> len(model.parameters())
    337

A neuron computes relu(w . x + b) (or just w . x + b for the last layer).
Weights start uniform in [-1, 1] from Python's `random` module, as in
micrograd, so ``random.seed(1337)`` gives the same network there and here.
Every node of every product and sum is recorded: these networks are for
seeing backpropagation, the `Tensor` layers are for speed.
"""

from __future__ import annotations

import random

from autograd.nn.module import Module
from autograd.value import Value


class Neuron(Module):
    def __init__(self, nin: int, nonlin: bool = True, rng: random.Random | None = None):
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def forward(self, x):
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return activation.relu() if self.nonlin else activation

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    def __init__(self, nin: int, nout: int, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ReLU hidden layers, a linear output layer."""

    def __init__(self, nin: int, nouts: list[int], rng: random.Random | None = None):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng)
                       for i in range(len(nouts))]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
