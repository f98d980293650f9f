"""Finite differences: the derivative as the slope of a short secant.

    central:  f'(x) ~ (f(x + h) - f(x - h)) / 2h     error O(h^2)
    forward:  f'(x) ~ (f(x + h) - f(x)) / h          error O(h)

Why the default step is what it is. Two errors pull in opposite directions:
truncation (the secant is not the tangent) shrinks with h, rounding (f is
only known to about eps * |f|, eps = 2.2e-16 for float64) grows as 1/h:

    central:  |error| ~ h^2 |f'''| / 6  +  eps |f| / h   smallest near h = eps^(1/3) ~ 6e-6
    forward:  |error| ~ h |f''| / 2     +  2 eps |f| / h  smallest near h = eps^(1/2) ~ 1.5e-8

so the central difference is good to about eps^(2/3) ~ 4e-11 and the forward
one only to about eps^(1/2) ~ 1.5e-8 (relative, for f of order 1). The step is
scaled by max(1, |x|) so it stays relative for large inputs, and rounded to
``(x + h) - x`` so that the step actually taken is the step divided by.
"""

from __future__ import annotations

import numpy as np

from autograd.functions import REAL_TYPES
from autograd.modes import no_grad
from autograd.value import Value

METHODS = ("central", "forward")


def default_step(x: float, method: str = "central", dtype=np.float64) -> float:
    """The step h for differentiating at x: eps**(1/3) (central) or eps**(1/2) (forward), times max(1, |x|)."""
    eps = np.finfo(dtype).eps
    power = 1 / 3 if method == "central" else 1 / 2
    return float(eps ** power * max(1.0, abs(x)))


def numerical_grad(f, *args, eps: float | None = None, method: str = "central"):
    """The gradient of a scalar function f by finite differences, one argument at a time.

    Arguments may be floats, `Value`s, numpy arrays or `Tensor`s; f is called
    with the same kinds it was given (under `no_grad`), and arrays are
    differentiated element by element. `eps` is the step h (by default chosen
    per element, see the module docstring). Returns one gradient per
    argument: a float for a scalar argument, an array of its shape for an
    array; a single gradient when there is one argument, else a tuple.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    grads = [_gradient_for(f, args, i, eps, method) for i in range(len(args))]
    return grads[0] if len(grads) == 1 else tuple(grads)


def _gradient_for(f, args, i, eps, method):
    original = args[i]
    values = _as_array(original)
    gradient = np.zeros(values.shape, dtype=values.dtype)
    at_x = _evaluate(f, args) if method == "forward" else None
    for index in np.ndindex(values.shape):
        x = float(values[index])
        h = eps if eps is not None else default_step(x, method, values.dtype)
        h = float(values.dtype.type(x + h) - values.dtype.type(x)) or h  # the step actually taken
        above = _evaluate(f, _replaced(args, i, values, index, x + h))
        if method == "central":
            below = _evaluate(f, _replaced(args, i, values, index, x - h))
            gradient[index] = (above - below) / (2 * h)
        else:
            gradient[index] = (above - at_x) / h
    return float(gradient) if _is_scalar(original) else gradient


def _is_scalar(x) -> bool:
    return isinstance(x, (Value, *REAL_TYPES))


def _is_tensor(x) -> bool:
    return hasattr(x, "requires_grad")  # duck-typed, so this module does not need the Tensor class


def _as_array(x) -> np.ndarray:
    """The argument's numbers as an array: float32 stays float32, anything else becomes float64."""
    data = x.data if isinstance(x, Value) or _is_tensor(x) else x
    array = np.array(data)
    return array if array.dtype in (np.float32, np.float64) else array.astype(np.float64)


def _replaced(args, i, values, index, x):
    """args with element `index` of argument i set to x, in the argument's own kind."""
    original = args[i]
    if isinstance(original, Value):
        new = Value(x)
    elif _is_scalar(original):
        new = x
    else:
        new = values.copy()
        new[index] = x
        if _is_tensor(original):
            new = type(original)(new)
    return [*args[:i], new, *args[i + 1:]]


def _evaluate(f, args) -> float:
    with no_grad():
        out = f(*args)
    data = out.data if isinstance(out, Value) or _is_tensor(out) else out
    if np.size(data) != 1:
        raise ValueError(f"numerical_grad needs a function with one output, got shape {np.shape(data)}")
    return float(np.asarray(data).reshape(()))
