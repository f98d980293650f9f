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

from autograd.arguments import flag, integer, sequence_of_integers, shown
from autograd.nn.module import Module
from autograd.value import Value

__all__ = ["Neuron", "Layer", "MLP", "MAX_PARAMETERS"]

MAX_PARAMETERS = 1_000_000
"""The most Values a scalar network holds: each is a node of every pass's graph, and a million
already take seconds a step (the Tensor layers, `nn.Linear`, are for big models)."""


def _sizes_fit(network: str, parameters: int) -> None:
    if parameters > MAX_PARAMETERS:
        raise ValueError(f"{network} would hold {parameters:,} Values; a scalar network holds at most "
                         f"{MAX_PARAMETERS:,} (use nn.Linear for bigger models)")


def _random(rng) -> random.Random | None:
    if rng is not None and not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random (random.Random(seed)) or None, got {shown(rng)}")
    return rng


def _count_inputs(network: Module, x, expected: int) -> None:
    """`x` must hold `expected` inputs: one len() per call of a module, never a check per node."""
    try:
        count = len(x)
    except TypeError:
        raise TypeError(f"{network._signature()} takes a list of {expected} inputs, got {shown(x)}") from None
    if count != expected:
        raise ValueError(f"{network._signature()} takes {expected} inputs, got {count}")


class Neuron(Module):
    def __init__(self, nin: int, nonlin: bool = True, rng: random.Random | None = None):
        nin, nonlin, rng = integer("nin", nin, low=1), flag("nonlin", nonlin), _random(rng)
        _sizes_fit(f"Neuron({nin})", nin + 1)
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def forward(self, x):
        _count_inputs(self, x, len(self.w))
        activation = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return activation.relu() if self.nonlin else activation

    def _signature(self) -> str:
        """How it was made, for messages: ``Neuron(2)``."""
        return f"Neuron({len(self.w)})"

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    def __init__(self, nin: int, nout: int, nonlin: bool = True, rng: random.Random | None = None):
        nin, nout = integer("nin", nin, low=1), integer("nout", nout, low=1)
        _sizes_fit(f"Layer({nin}, {nout})", (nin + 1) * nout)
        self.neurons = [Neuron(nin, nonlin=nonlin, rng=rng) for _ in range(nout)]

    def forward(self, x):
        _count_inputs(self, x, len(self.neurons[0].w))
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def _signature(self) -> str:
        return f"Layer({len(self.neurons[0].w)}, {len(self.neurons)})"

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ReLU hidden layers, a linear output layer."""

    def __init__(self, nin: int, nouts: list[int], rng: random.Random | None = None):
        nin, nouts = integer("nin", nin, low=1), sequence_of_integers("nouts", nouts, low=1, minimum_length=1)
        sizes = [nin] + nouts
        _sizes_fit(f"MLP({nin}, {nouts})", sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts))))
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng)
                       for i in range(len(nouts))]

    def forward(self, x):
        _count_inputs(self, x, len(self.layers[0].neurons[0].w))
        for layer in self.layers:
            x = layer([x] if isinstance(x, Value) else x)  # a layer of one neuron hands on a Value, not a list
        return x

    def _signature(self) -> str:
        return f"MLP({len(self.layers[0].neurons[0].w)}, {[len(layer.neurons) for layer in self.layers]})"

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
