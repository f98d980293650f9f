"""Initialisers: where the weights start, and why it matters.

The source documents start every weight at ``0.01 * standard normal``. That
is fine for a shallow network and starves a deep one: each layer shrinks the
signal by about ``std * sqrt(fan_in)``. The two classic fixes choose the
spread so that the signal's variance is kept from layer to layer:

    Xavier / Glorot (for tanh, sigmoid):  std = sqrt(2 / (fan_in + fan_out))
    He / Kaiming (for ReLU, which zeroes half its inputs):  std = sqrt(2 / fan_in)

Every function takes the shape ``(fan_in, fan_out)`` (the layout of
`Linear`'s weight) and a `numpy.random.Generator`; without one they draw from
a module-wide generator that `seed(n)` resets, so ``nn.init.seed(0)`` makes a
whole model reproducible.
"""

from __future__ import annotations

import math

import numpy as np

_generator = np.random.default_rng()


def seed(n: int | None) -> None:
    """Reset the generator every initialiser uses when none is passed."""
    global _generator
    _generator = np.random.default_rng(n)


def generator(rng: np.random.Generator | None = None) -> np.random.Generator:
    return rng if rng is not None else _generator


def _fans(shape) -> tuple[int, int]:
    fan_in = shape[0] if len(shape) else 1
    fan_out = shape[1] if len(shape) > 1 else 1
    return fan_in, fan_out


def normal(shape, std: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """std * standard normal: the source documents' 0.01 by default."""
    return (std * generator(rng).standard_normal(shape)).astype(dtype)


def uniform(shape, bound: float, rng=None, dtype=np.float64) -> np.ndarray:
    """Uniform in [-bound, bound]."""
    return generator(rng).uniform(-bound, bound, shape).astype(dtype)


def xavier_normal(shape, rng=None, dtype=np.float64) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    return normal(shape, math.sqrt(2.0 / (fan_in + fan_out)), rng, dtype)


def xavier_uniform(shape, rng=None, dtype=np.float64) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    return uniform(shape, math.sqrt(6.0 / (fan_in + fan_out)), rng, dtype)  # the same variance as xavier_normal


def he_normal(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return normal(shape, math.sqrt(2.0 / _fans(shape)[0]), rng, dtype)


def he_uniform(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return uniform(shape, math.sqrt(6.0 / _fans(shape)[0]), rng, dtype)


def default(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """PyTorch's default for Linear: uniform in +-1/sqrt(fan_in)."""
    return uniform(shape, 1.0 / math.sqrt(_fans(shape)[0]), rng, dtype)


SCHEMES = {"default": default, "xavier": xavier_normal, "xavier_uniform": xavier_uniform,
           "he": he_normal, "he_uniform": he_uniform}
"""The names `Linear(init=...)` accepts; a number means `normal` with that std."""


def initial(shape, scheme: str | float = "default", rng=None, dtype=np.float64) -> np.ndarray:
    """Weights of `shape` by a scheme name, or normal with std `scheme` when it is a number."""
    if isinstance(scheme, (int, float)):
        return normal(shape, float(scheme), rng, dtype)
    if scheme not in SCHEMES:
        raise ValueError(f"unknown initialisation {scheme!r}; use a std or one of {sorted(SCHEMES)}")
    return SCHEMES[scheme](shape, rng, dtype)
