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

import math
from dataclasses import dataclass

import numpy as np

from autograd import arguments
from autograd.elementary import REAL_TYPES
from autograd.modes import no_grad
from autograd.value import Value

__all__ = ["numerical_grad", "default_step", "estimate_derivative"]

METHODS = ("central", "forward")


def default_step(x: float, method: str = "central", dtype=np.float64) -> float:
    """The step h for differentiating at x: eps**(1/3) (central) or eps**(1/2) (forward), times max(1, |x|)."""
    x = arguments.real("x", x, finite=False)
    arguments.one_of("method", method, METHODS)
    eps = np.finfo(arguments.floating_dtype("dtype", dtype)).eps
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

    Near the edge of f's domain (``sqrt`` at 1e-12, ``log`` at 1e-9) the
    step can leave it; then a smaller step, or a one-sided difference, is
    used instead (see `estimate_derivative`). Where no difference can be
    computed the entry is nan: `autograd.testing.check_grads` says why.
    """
    arguments.function("f", f)
    arguments.one_of("method", method, METHODS)
    eps = arguments.optional(arguments.real, "eps", eps, low=0, low_open=True)
    if not args:
        raise ValueError("numerical_grad needs the point to differentiate at: numerical_grad(f, x, ...)")
    for i, a in enumerate(args):
        if not (isinstance(a, Value) or _is_tensor(a) or isinstance(a, np.ndarray)):
            arguments.real(f"argument {i}", a, finite=False)
        elif isinstance(a, np.ndarray):
            arguments.array(f"argument {i}", a)
    grads = [gradient for gradient, _ in finite_differences(f, args, eps, method)]
    return grads[0] if len(grads) == 1 else tuple(grads)


def finite_differences(f, args, eps: float | None = None, method: str = "central") -> list[tuple]:
    """What `numerical_grad` computes, with the notes: ``[(gradient, {index: note}), ...]``, one per argument.

    A note says how an element's estimate was taken when the plain
    difference could not be (see `estimate_derivative`); `check_grads` shows them.
    """
    return [_gradient_for(f, args, i, eps, method) for i in range(len(args))]


@dataclass(frozen=True)
class Estimate:
    """One derivative by finite differences, and in words how it was taken when not the plain way."""

    value: float
    note: str = ""


def estimate_derivative(g, x: float, h: float | None = None, method: str = "central", dtype=np.float64) -> Estimate:
    """d g/d x at x for g: float -> float, minding the edge of g's domain.

    1. The plain difference (`method`) with step h (default `default_step`).
    2. If g is nan or infinite at x itself, g is not defined there: nan, and the note says so.
    3. If a step lands outside the domain (g gives nan or inf there), the
       central difference again with steps a quarter as long each time, until
       both sides are inside and the estimates stop changing (``sqrt`` at
       1e-12 is well defined at 1e-12 +- 1e-17).
    4. Else a one-sided difference of second order on the side that stays
       inside, (-3 g(x) + 4 g(x + h) - g(x + 2h)) / 2h, or its mirror image.
    5. Else nan: the function is not defined on either side.
    Every fallback says in `Estimate.note` what it did.
    """
    arguments.function("g", g)
    x = arguments.real("x", x, finite=False)
    h = arguments.optional(arguments.real, "h", h, low=0, low_open=True)
    arguments.one_of("method", method, METHODS)
    kind = arguments.floating_dtype("dtype", dtype).type
    function = g
    g = lambda t: _one_number(function(t), "g")  # noqa: E731 - a check around the caller's function
    step = h if h is not None else default_step(x, method, dtype)
    step = float(kind(x + step) - kind(x)) or step  # the step actually taken
    above = g(x + step)
    below = g(x - step) if method == "central" else g(x)
    if math.isfinite(above) and math.isfinite(below):
        return Estimate((above - below) / (2 * step) if method == "central" else (above - below) / step)
    centre = g(x) if method == "central" else below  # needed only now: most points never get here
    if not math.isfinite(centre):
        return Estimate(math.nan, f"f = {centre!r} at this point: the function is not defined here, so there "
                                  "is no derivative to check")
    outside, bad = (f"x + {step:.2g}", above) if not math.isfinite(above) else (f"x - {step:.2g}", below)
    left = f"the step left the function's domain (f({outside}) = {bad!r})"
    if method == "central":
        settled = _shrink_into_domain(g, x, step, kind)
        if settled is not None:
            value, small, change = settled
            return Estimate(value, f"{left}; used the smaller step {small:.2g} (the estimates of the last two "
                                   f"steps differ by {change:.1g})")
    for side in (1.0, -1.0):
        near, far = g(x + side * step), g(x + 2 * side * step)
        if math.isfinite(near) and math.isfinite(far):
            which = "x, x + h, x + 2h" if side > 0 else "x, x - h, x - 2h"
            return Estimate(side * (-3 * centre + 4 * near - far) / (2 * step),
                            f"{left}; used a one-sided difference ({which}, h = {step:.2g})")
    return Estimate(math.nan, f"{left}, and on the other side too: no finite difference can be taken here")


def _shrink_into_domain(g, x, step, kind, tries: int = 40):
    """(estimate, step, change) of the central difference with the step shrunk by 4 at a time; None if never inside.

    Truncation error falls 16-fold with each shrink and rounding error grows
    4-fold, so the change between successive estimates falls, then rises:
    the estimate where it is smallest is the best of them.
    """
    best, previous = None, None
    for _ in range(tries):
        step = float(kind(x + step / 4) - kind(x))
        if not step:
            break
        above, below = g(x + step), g(x - step)
        if not (math.isfinite(above) and math.isfinite(below)):
            continue
        estimate = (above - below) / (2 * step)
        if previous is not None:
            change = abs(estimate - previous)
            if best is not None and change > best[2]:
                break  # rounding has taken over
            best = (estimate, step, change)
        previous = estimate
    return best


def _gradient_for(f, args, i, eps, method):
    """The gradient for argument i, and the notes of its elements ({index: note})."""
    original = args[i]
    values = _as_array(original)
    gradient = np.zeros(values.shape, dtype=values.dtype)
    notes = {}
    for index in np.ndindex(values.shape):
        estimate = estimate_derivative(lambda t, index=index: _evaluate(f, _replaced(args, i, values, index, t)),
                                       float(values[index]), eps, method, values.dtype)
        gradient[index] = estimate.value
        if estimate.note:
            notes[index] = estimate.note
    return (float(gradient) if _is_scalar(original) else gradient), notes
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
    # nan and inf outside f's domain are expected here, and handled by estimate_derivative: no warnings
    with no_grad(), np.errstate(all="ignore"):
        out = f(*args)
    data = out.data if isinstance(out, Value) or _is_tensor(out) else out
    return _one_number(data, "f")


def _one_number(data, name: str) -> float:
    """The single number a function returned, or an error saying what it returned instead."""
    if isinstance(data, REAL_TYPES) and not isinstance(data, bool):
        return float(data)
    if isinstance(data, np.ndarray) and data.dtype.kind in "iuf":
        if data.size != 1:
            raise ValueError(f"numerical_grad needs a function with one output, got shape {data.shape}")
        return float(data.reshape(()))
    raise TypeError(f"{name} must return one number (a float, a Value or a one-element Tensor), "
                    f"got {arguments.shown(data)}")
