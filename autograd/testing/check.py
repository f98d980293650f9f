"""`check_grads`: one gradient, computed three independent ways, must agree.

    >>> check_grads(lambda a, b: (a * b).tanh(), (0.3, -1.2), order=2)

* reverse mode: `grad` (a backward pass over the recorded graph);
* forward mode: `jvp` with each unit vector (one pass of Dual numbers per input);
* finite differences: `numerical_grad`, which knows nothing of derivatives.

Reverse and forward mode read the same table of partial derivatives, so a
wrong rule fools both alike; finite differences are what catch it. With
``order=2`` the second derivatives are compared too: reverse over reverse
(`hessian`), forward over reverse (`jvp` of `grad`), and finite differences
of the reverse-mode gradient.

On failure `AssertionError` carries a table of every entry; on success the
same report is returned (it prints, and displays as a table in Jupyter).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from html import escape

import numpy as np

from autograd.functional import grad, hessian, jvp
from autograd.testing.numerical import numerical_grad
from autograd.value import Value

MODES = ("rev", "fwd")


@dataclass
class GradientEntry:
    """One derivative, e.g. d f/d x, as each method computed it."""

    name: str
    values: dict[str, float]
    tolerance: float

    @property
    def abs_error(self) -> float:
        """The largest disagreement between any two methods (0 when all are the same inf)."""
        values = list(self.values.values())
        if all(v == values[0] for v in values):
            return 0.0
        return max(abs(a - b) for a in values for b in values)

    @property
    def rel_error(self) -> float:
        scale = max(abs(v) for v in self.values.values())
        return self.abs_error / scale if scale else self.abs_error

    @property
    def ok(self) -> bool:
        return self.abs_error <= self.tolerance  # False for nan


@dataclass
class GradientReport:
    """The outcome of `check_grads`: one `GradientEntry` per derivative checked."""

    function: str
    inputs: dict[str, object]
    entries: list[GradientEntry] = field(default_factory=list)
    atol: float = 0.0
    rtol: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    def add(self, name: str, values: dict[str, float]) -> None:
        """One derivative as each method computed it; its tolerance is atol + rtol * the largest |value|."""
        scale = max((abs(v) for v in values.values() if not math.isnan(v)), default=0.0)
        self.entries.append(GradientEntry(name, values, self.atol + self.rtol * scale))

    def tables(self) -> list[list[list[str]]]:
        """The entries as text tables, one per set of methods (first, then second derivatives)."""
        groups: dict[tuple[str, ...], list[GradientEntry]] = {}
        for e in self.entries:
            groups.setdefault(tuple(e.values), []).append(e)
        return [[["derivative", *methods, "abs error", "rel error", "tolerance", ""]]
                + [[e.name, *(f"{e.values[m]:.12g}" for m in methods), f"{e.abs_error:.1e}",
                    f"{e.rel_error:.1e}", f"{e.tolerance:.1e}", "ok" if e.ok else "FAIL"] for e in entries]
                for methods, entries in groups.items()]

    def title(self) -> str:
        inputs = ", ".join(f"{k}={_shown(v)}" for k, v in self.inputs.items())
        verdict = "all agree" if self.ok else f"{sum(not e.ok for e in self.entries)} disagree"
        return (f"check_grads of {self.function} at {inputs}: {verdict} "
                f"(tolerance = {self.atol:g} + {self.rtol:g} * |value|)")

    def __str__(self) -> str:
        lines = [self.title(), *self.notes]
        for rows in self.tables():
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            text = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
            lines += ["", text[0], "  ".join("-" * w for w in widths), *text[1:]]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        html = [f"<p><code>{escape(line)}</code></p>" for line in (self.title(), *self.notes)]
        for rows in self.tables():
            head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
            html.append(f"<table><tr>{head}</tr>{body}</table>")
        return "".join(html)


def _shown(x) -> str:
    return repr(x) if np.ndim(x) == 0 else f"<array of shape {np.shape(x)}>"


def _argument_names(f, n: int) -> list[str]:
    names = getattr(f, "variables", None) or getattr(f, "inputs", None)  # an Expression's, a Primitive's
    if names is None:
        try:
            params = list(inspect.signature(f).parameters.values())
            names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            names = []
    return list(names)[:n] if len(names) >= n else [f"x{i}" for i in range(n)]


def _unit(i: int, n: int) -> tuple[float, ...]:
    return tuple(1.0 if j == i else 0.0 for j in range(n))


def check_grads(f, args, modes=MODES, order: int = 1, atol: float = 1e-6, rtol: float = 1e-5,
                eps: float | None = None) -> GradientReport:
    """Check the derivatives of a scalar function f at `args` against each other.

    f must accept Values (reverse mode), Duals (forward mode) and be callable
    on Values under `no_grad` (finite differences): anything written with
    operators, the Value methods (``x.tanh()``) or ``F`` qualifies.

    modes  which of "rev" and "fwd" to compare with finite differences
    order  1: first derivatives; 2: also the Hessian
    atol, rtol  an entry passes when all methods agree within atol + rtol * |value|
    eps    the finite-difference step (see `numerical_grad`)

    Tensors and numpy arrays. When an argument is an array (or a `Tensor`),
    f is called with `Tensor`s and reverse mode is compared with finite
    differences element by element, in float64; a function with several
    outputs is checked through ``sum(f(x) * v)`` for a fixed random v (a
    vector-Jacobian product). Forward mode and ``order=2`` are not available
    for tensors.

    Returns a `GradientReport`; raises AssertionError with the report when an entry disagrees.
    """
    unknown = set(modes) - set(MODES)
    if unknown or order not in (1, 2):
        raise ValueError(f"modes must be taken from {MODES} (got {sorted(unknown)}) and order 1 or 2 (got {order})")
    args = tuple(args)
    names = _argument_names(f, len(args))
    report = GradientReport(getattr(f, "__name__", None) or getattr(f, "expression", repr(f)),
                            dict(zip(names, args)), atol=atol, rtol=rtol)
    if any(isinstance(a, np.ndarray) or hasattr(a, "requires_grad") for a in args):
        _check_tensor_function(report, f, args, names, modes, order, eps)
    else:
        _check_scalar_function(report, f, tuple(float(a) for a in args), names, modes, order, eps)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def _check_scalar_function(report, f, args, names, modes, order, eps) -> None:
    n = len(args)
    everything = tuple(range(n))
    add = report.add

    first = {}
    if "rev" in modes:
        first["reverse"] = grad(f, argnums=everything)(*args)
    if "fwd" in modes:
        first["forward"] = tuple(jvp(f, args, _unit(i, n))[1] for i in range(n))
    first["numeric"] = _as_tuple(numerical_grad(f, *(Value(x) for x in args), eps=eps))
    for i, name in enumerate(names):
        add(f"d/d{name}", {method: float(values[i]) for method, values in first.items()})

    if order == 2:
        # entry (i, j) is d/dx_j (d f/dx_i); each method gives it its own way round.
        second = {}
        if "rev" in modes:
            H = hessian(f)(*args)
            second["rev-over-rev"] = lambda i, j: H[i][j]
        if "fwd" in modes:
            columns = [jvp(grad(f, argnums=everything), args, _unit(j, n))[1] for j in range(n)]
            second["fwd-over-rev"] = lambda i, j: columns[j][i]
        rows = [_as_tuple(numerical_grad(_component(f, everything, i), *args, eps=eps)) for i in range(n)]
        second["numeric-of-rev"] = lambda i, j: rows[i][j]
        for i in range(n):
            for j in range(n):
                add(f"d2/d{names[i]}d{names[j]}", {method: float(entry(i, j)) for method, entry in second.items()})


def _check_tensor_function(report, f, args, names, modes, order, eps) -> None:
    """Reverse mode on Tensors against finite differences, element by element (see `check_grads`)."""
    from autograd.tensor import Tensor  # here: the scalar checks need none of the tensor machinery

    if order != 1 or "rev" not in modes:
        raise ValueError("for tensors check_grads compares reverse mode with finite differences, first order only")
    if "fwd" in modes:
        report.notes.append("(forward mode has no Tensor version: reverse mode against finite differences)")
    arrays = [np.array(getattr(a, "data", a), dtype=np.float64) for a in args]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = f(*tensors)
    cotangent = np.random.default_rng(0).normal(size=out.shape) if out.size != 1 else np.ones(out.shape)
    out.backward(cotangent)

    def projected(*inputs):
        return float((f(*(Tensor(x) for x in inputs)).data * cotangent).sum())

    numeric = numerical_grad(projected, *arrays, eps=eps)
    numeric = numeric if isinstance(numeric, tuple) else (numeric,)
    for name, tensor, array, estimate in zip(names, tensors, arrays, numeric):
        reverse = tensor.grad if tensor.grad is not None else np.zeros_like(array)
        for index in np.ndindex(array.shape):
            label = f"d/d{name}[{', '.join(map(str, index))}]" if array.ndim else f"d/d{name}"
            report.add(label, {"reverse": float(reverse[index]), "numeric": float(estimate[index])})


def _as_tuple(gradient) -> tuple:
    return gradient if isinstance(gradient, tuple) else (gradient,)


def _component(f, argnums, j):
    """x -> d f/d x_j (x), by reverse mode: the function whose finite differences give row j of the Hessian."""
    gradient = grad(f, argnums=argnums)
    return lambda *x: gradient(*x)[j]


def check_primitive(op, order: int = 2, max_examples: int | None = None, atol: float = 1e-6,
                    rtol: float = 1e-5, shrink: bool = True) -> None:
    """Property-test one primitive of the table: `check_grads` at hypothesis-chosen points in its domain.

    Raises (with hypothesis's shrunk counterexample) when the rule disagrees
    with finite differences; the project's tests run it for every primitive,
    and the mutation test runs it against deliberately broken rules.
    ``shrink=False`` reports the first failing point instead of the simplest
    one (faster when a failure is expected). Needs hypothesis.
    """
    from hypothesis import Phase, given, settings

    from autograd.testing.strategies import floats_in_domain

    @given(floats_in_domain(op))
    def agrees_three_ways(args):
        check_grads(op, args, order=order, atol=atol, rtol=rtol)

    changes = {} if max_examples is None else {"max_examples": max_examples}
    if not shrink:
        changes["phases"] = [Phase.explicit, Phase.reuse, Phase.generate]
    if changes:
        agrees_three_ways = settings(**changes)(agrees_three_ways)
    agrees_three_ways()
