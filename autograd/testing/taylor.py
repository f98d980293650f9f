"""The Taylor-remainder test: a gradient check that needs no tolerance.

Along a direction v, a function and its gradient g predict

    f(x + h v)  =  f(x) + h <g, v> + O(h^2)          when g is the gradient,
    f(x + h v)  =  f(x) + h <g, v> + h <g* - g, v> + O(h^2)   when it is not (g* the true one),

so the remainder r(h) = |f(x + h v) - f(x) - h <g, v>| shrinks like h^2 for a
right gradient and only like h for a wrong one. Halving h divides r by 4 or
by 2: the *order*, the slope of log r against log h, is measured, not
compared with a tolerance: it is read from the three smallest steps whose
remainder rises above rounding (a small error in g shows only there, where
h <g* - g, v> has overtaken the h^2 term). When no step's remainder rises
above rounding (a function linear along v), the gradient is exact along v.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd import arguments

__all__ = ["taylor_test", "TaylorResult"]

RIGHT, WRONG = 1.75, 1.25  # an order above RIGHT is h^2 (right), below WRONG is h (wrong); between: unclear


@dataclass
class TaylorResult:
    """The remainders r(h) at halving steps h, and what their order says.

    verdict  "h^2" (the gradient is right), "h" (it is wrong), "exact" (r is rounding
             at every step: f is linear along v and the gradient exact), "unclear"
    """

    steps: np.ndarray
    remainders: np.ndarray
    used: np.ndarray   # which steps' remainders rise above rounding, and so enter the fit
    order: float       # nan when fewer than two steps are used
    verdict: str

    @property
    def ok(self) -> bool:
        return self.verdict in ("h^2", "exact")

    def summary(self) -> str:
        if self.verdict == "exact":
            return "the remainder is rounding at every step: exact along this direction"
        shrinks = f"the remainder shrinks like h^{self.order:.2f}"
        meaning = {"h^2": "a right gradient", "h": "a wrong gradient",
                   "unclear": "neither h (wrong) nor h^2 (right): inconclusive"}[self.verdict]
        return f"{shrinks}: {meaning}"

    def __str__(self) -> str:
        rows = [f"{h:10.3e}  {r:10.3e}{'' if used else '  (rounding)'}"
                for h, r, used in zip(self.steps, self.remainders, self.used)]
        return "\n".join([f"Taylor test: {self.summary()}", "         h   remainder", *rows])

    __repr__ = __str__


def taylor_test(f, point, gradient, seed: int = 0, steps: int = 8, first_step: float | None = None) -> TaylorResult:
    """The Taylor-remainder test of `gradient` for f at `point`, along a random direction (see the module).

    f         a function of the arrays of `point` returning one number
    point     a tuple of arrays
    gradient  the claimed gradient: a tuple of arrays of the same shapes
    steps     how many halvings of h, from `first_step` (default 1e-2 * max(1, largest |x|))
    """
    arguments.function("f", f)
    point, gradient = _arrays("point", point), _arrays("gradient", gradient)
    if len(point) != len(gradient) or any(p.shape != g.shape for p, g in zip(point, gradient)):
        raise ValueError(f"gradient must hold one array per array of point, of the same shapes: got shapes "
                         f"{[g.shape for g in gradient]} for {[p.shape for p in point]}")
    seed = arguments.integer("seed", seed, low=0)
    steps = arguments.integer("steps", steps, low=2, high=40)
    first_step = arguments.optional(arguments.real, "first_step", first_step, low=0, low_open=True)
    return _remainders(f, point, gradient, seed, steps, first_step)


def _arrays(name: str, value) -> tuple[np.ndarray, ...]:
    if not isinstance(value, (tuple, list)) or not value:
        raise TypeError(f"{name} must be a non-empty tuple of arrays, got {arguments.shown(value)}")
    arrays = tuple(arguments.array(f"{name}[{i}]", a) for i, a in enumerate(value))
    return tuple(a.astype(np.float64) if a.dtype.kind != "f" else a for a in arrays)


def _remainders(f, point, gradient, seed, steps, first_step) -> TaylorResult:
    rng = np.random.default_rng(seed)
    direction = [rng.normal(size=p.shape) for p in point]
    norm = np.sqrt(sum(float(np.sum(d * d)) for d in direction)) or 1.0
    direction = [d / norm for d in direction]
    predicted_slope = sum(float(np.sum(np.asarray(g, np.float64) * d)) for g, d in zip(gradient, direction))
    largest = max((float(np.max(np.abs(p))) for p in point if p.size), default=0.0)
    h0 = first_step if first_step is not None else 1e-2 * max(1.0, largest)
    hs = h0 * 0.5 ** np.arange(steps)
    base = _number(f(*point))
    shifted = [_number(f(*(p + h * d.astype(p.dtype) for p, d in zip(point, direction)))) for h in hs]
    remainders = np.array([abs(value - base - h * predicted_slope) for h, value in zip(hs, shifted)])
    # What rounding alone leaves: a few hundred ulps of the values subtracted (their terms may cancel).
    eps = max(np.finfo(p.dtype).eps for p in point)
    floor = 256 * eps * np.maximum(abs(base), np.abs(shifted))
    used = np.isfinite(remainders) & (remainders > floor)
    if not np.isfinite(remainders).all():
        return TaylorResult(hs, remainders, used, float("nan"), "unclear")
    if used.sum() < 2:
        verdict = "exact" if not used.any() else "unclear"
        return TaylorResult(hs, remainders, used, float("nan"), verdict)
    # The order is what the smallest steps show: there the h^2 of a right gradient has not yet met rounding,
    # and the h of a wrong one has overtaken any h^2 (which, for a small error, dominates the larger steps).
    smallest = np.flatnonzero(used)[-3:]
    order = float(np.polyfit(np.log(hs[smallest]), np.log(remainders[smallest]), 1)[0])
    verdict = "h^2" if order >= RIGHT else "h" if order <= WRONG else "unclear"
    return TaylorResult(hs, remainders, used, order, verdict)


def _number(value) -> float:
    data = np.asarray(value)
    if data.dtype.kind not in "iuf" or data.size != 1:
        raise TypeError(f"f must return one number, got {arguments.shown(value)}")
    return float(data.reshape(()))
