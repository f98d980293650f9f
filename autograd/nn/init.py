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
import numbers

import numpy as np

from autograd.arguments import floating_dtype, integer, optional, real, sequence_of_integers, shown

__all__ = ["seed", "generator", "normal", "uniform", "xavier_normal", "xavier_uniform", "he_normal", "he_uniform",
           "default", "initial", "SCHEMES", "MAX_WEIGHTS"]

MAX_WEIGHTS = 4096 * 4096
"""The most weights one call makes (16,777,216: 128 MiB in float64), so that a slip
such as ``Linear(10**6, 10**6)`` is refused at once instead of exhausting the memory."""

_generator = np.random.default_rng()


def seed(n: int | None) -> None:
    """Reset the generator every initialiser uses when none is passed (n an integer >= 0, or None)."""
    global _generator
    _generator = np.random.default_rng(optional(integer, "n", n, low=0))


def generator(rng: np.random.Generator | None = None) -> np.random.Generator:
    """`rng`, or the module-wide generator that `seed` resets when it is None."""
    if rng is None:
        return _generator
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (numpy.random.default_rng(seed)) or None, got {shown(rng)}")
    return rng


def _shape(shape) -> tuple[int, ...]:
    """A shape: an integer, or a list or tuple of them, each >= 1, with at most MAX_WEIGHTS entries in all."""
    dimensions = tuple(sequence_of_integers("shape", [shape] if isinstance(shape, numbers.Integral) else shape,
                                            low=1))
    if len(dimensions) > 32:  # numpy's own limit is 64
        raise ValueError(f"shape must have at most 32 dimensions, got {len(dimensions)}")
    if math.prod(dimensions) > MAX_WEIGHTS:
        raise ValueError(f"shape {dimensions} has {math.prod(dimensions):,} weights; an initialiser makes at most "
                         f"{MAX_WEIGHTS:,}")
    return dimensions


def _fans(shape) -> tuple[int, int]:
    fan_in = shape[0] if len(shape) else 1
    fan_out = shape[1] if len(shape) > 1 else 1
    return fan_in, fan_out


def normal(shape, std: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """std * standard normal: the source documents' 0.01 by default.

    Every initialiser takes a shape (dimensions >= 1), a Generator or None and
    a floating-point dtype, and checks them.
    """
    shape, std, dtype = _shape(shape), real("std", std, low=0), floating_dtype("dtype", dtype)
    return (std * generator(rng).standard_normal(shape)).astype(dtype)


def uniform(shape, bound: float, rng=None, dtype=np.float64) -> np.ndarray:
    """Uniform in [-bound, bound]; 2 * bound must be a finite float, as numpy's uniform needs."""
    shape, bound = _shape(shape), real("bound", bound, low=0, high=np.finfo(np.float64).max / 2)
    dtype = floating_dtype("dtype", dtype)
    return generator(rng).uniform(-bound, bound, shape).astype(dtype)


def xavier_normal(shape, rng=None, dtype=np.float64) -> np.ndarray:
    fan_in, fan_out = _fans(_shape(shape))
    return normal(shape, math.sqrt(2.0 / (fan_in + fan_out)), rng, dtype)


def xavier_uniform(shape, rng=None, dtype=np.float64) -> np.ndarray:
    fan_in, fan_out = _fans(_shape(shape))
    return uniform(shape, math.sqrt(6.0 / (fan_in + fan_out)), rng, dtype)  # the same variance as xavier_normal


def he_normal(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return normal(shape, math.sqrt(2.0 / _fans(_shape(shape))[0]), rng, dtype)


def he_uniform(shape, rng=None, dtype=np.float64) -> np.ndarray:
    return uniform(shape, math.sqrt(6.0 / _fans(_shape(shape))[0]), rng, dtype)


def default(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """PyTorch's default for Linear: uniform in +-1/sqrt(fan_in)."""
    return uniform(shape, 1.0 / math.sqrt(_fans(_shape(shape))[0]), rng, dtype)


SCHEMES = {"default": default, "xavier": xavier_normal, "xavier_uniform": xavier_uniform,
           "he": he_normal, "he_uniform": he_uniform}
"""The names `Linear(init=...)` accepts; a number means `normal` with that std."""


def initial(shape, scheme: str | float = "default", rng=None, dtype=np.float64) -> np.ndarray:
    """Weights of `shape` by a scheme name, or normal with std `scheme` when it is a number (>= 0)."""
    scheme = _scheme("scheme", scheme)
    if isinstance(scheme, str):
        return SCHEMES[scheme](shape, rng, dtype)
    return normal(shape, scheme, rng, dtype)


def _scheme(name: str, scheme) -> str | float:
    """A name from SCHEMES, or a std >= 0 as a float (what `initial` and `Linear(init=...)` accept)."""
    if isinstance(scheme, str):
        if scheme not in SCHEMES:
            raise ValueError(f"unknown initialisation {name}={scheme!r}; use a std or one of {sorted(SCHEMES)}")
        return scheme
    if isinstance(scheme, (bool, np.bool_)) or not isinstance(scheme, numbers.Real):
        raise TypeError(f"{name} must be a std or one of {sorted(SCHEMES)}, got {shown(scheme)}")
    return real(name, scheme, low=0)
