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

This is the library's only gradient checker: the command line
(``python -m autograd grad``), the demo and the playground show its report.

What counts as agreement. Entries agree when every method gives a finite
number and they differ by at most ``atol + rtol * |value|``. A nan, or an
inf where another method has a number, is a disagreement, never a pass (a
check must not certify what it could not compute). Where f itself is nan or
inf at the point, it has no derivative there and the report says so; where
the finite-difference step leaves f's domain, the report says what was done
instead (a smaller step, a one-sided difference) in a note under the table.

`gradient_report` returns the report whatever it says; `check_grads` raises
AssertionError with the same text when an entry disagrees. The report
prints as a table (``print``, or just the name in a REPL) and displays as an
HTML table in Jupyter.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

from autograd import arguments
from autograd.functional import grad, hessian, jvp
from autograd.modes import no_grad
from autograd.testing.numerical import finite_differences
from autograd.value import Value

__all__ = ["check_grads", "gradient_report", "check_primitive", "GradientReport", "GradientEntry"]

MODES = ("rev", "fwd")


def disagreement(values) -> float:
    """How far apart the numbers are: the largest |a - b|, or inf when any is nan, or inf against a number.

    The one rule of agreement of every check in `autograd.testing`. Every
    method giving the very same infinity is agreement (0.0); a nan never
    agrees with anything, itself included, because nobody computed a number.
    """
    values = [float(v) for v in values]
    if all(math.isfinite(v) for v in values):
        return max((abs(a - b) for a in values for b in values), default=0.0)
    if not any(math.isnan(v) for v in values) and all(v == values[0] for v in values):
        return 0.0
    return math.inf


@dataclass
class GradientEntry:
    """One derivative, e.g. d f/d x, as each method computed it.

    values     {method: the number it gave}
    tolerance  how far apart they may be
    note       how the finite difference was taken, or why it could not be, when not the plain way
    """

    name: str
    values: dict[str, float]
    tolerance: float
    note: str = ""

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in self.values.values())

    @property
    def abs_error(self) -> float:
        """The largest disagreement between two methods: inf when one is nan or inf and another is not."""
        return disagreement(self.values.values())

    @property
    def rel_error(self) -> float:
        scale = max((abs(v) for v in self.values.values() if math.isfinite(v)), default=0.0)
        return self.abs_error / scale if scale else self.abs_error

    @property
    def ok(self) -> bool:
        """All methods agree: finite and within tolerance, or the very same infinity; never with a nan."""
        return self.abs_error <= self.tolerance


@dataclass
class GradientReport:
    """The outcome of `check_grads`: one `GradientEntry` per derivative checked, and notes in words."""

    function: str
    inputs: dict[str, object]
    entries: list[GradientEntry] = field(default_factory=list)
    atol: float = 0.0
    rtol: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    def add(self, name: str, values: dict[str, float], note: str = "") -> None:
        """One derivative as each method computed it; its tolerance is atol + rtol * the largest finite |value|."""
        values = {method: float(v) for method, v in values.items()}
        scale = max((abs(v) for v in values.values() if math.isfinite(v)), default=0.0)
        self.entries.append(GradientEntry(name, values, self.atol + self.rtol * scale, note))

    def footnotes(self) -> list[str]:
        """The entries' notes, numbered; an entry's row refers to its number."""
        return [f"[{i}] {e.name}: {e.note}" for i, e in enumerate((e for e in self.entries if e.note), 1)]

    def tables(self) -> list[list[list[str]]]:
        """The entries as text tables, one per set of methods (first, then second derivatives)."""
        groups: dict[tuple[str, ...], list[GradientEntry]] = {}
        for e in self.entries:
            groups.setdefault(tuple(e.values), []).append(e)
        numbers = {id(e): i for i, e in enumerate((e for e in self.entries if e.note), 1)}
        return [[["derivative", *methods, "abs error", "rel error", "tolerance", ""]]
                + [[e.name, *(f"{e.values[m]:.12g}" for m in methods), f"{e.abs_error:.1e}",
                    f"{e.rel_error:.1e}", f"{e.tolerance:.1e}",
                    ("ok" if e.ok else "FAIL") + (f" [{numbers[id(e)]}]" if id(e) in numbers else "")]
                   for e in entries]
                for methods, entries in groups.items()]

    def title(self) -> str:
        inputs = ", ".join(f"{k}={_shown(v)}" for k, v in self.inputs.items())
        failures = sum(not e.ok for e in self.entries)
        verdict = "all agree" if self.ok else f"{failures} of {len(self.entries)} disagree"
        return (f"check_grads of {self.function} at {inputs}: {verdict} "
                f"(tolerance = {self.atol:g} + {self.rtol:g} * |value|)")

    def __str__(self) -> str:
        lines = [self.title(), *self.notes]
        for rows in self.tables():
            lines += ["", *text_table(rows)]
        footnotes = self.footnotes()
        return "\n".join(lines + ([""] + footnotes if footnotes else []))

    __repr__ = __str__  # a REPL shows the table too

    def _repr_html_(self) -> str:
        html = [f"<p><code>{escape(line)}</code></p>" for line in (self.title(), *self.notes)]
        html += [html_table(rows) for rows in self.tables()]
        html += [f"<p><small>{escape(line)}</small></p>" for line in self.footnotes()]
        return "".join(html)


def text_table(rows: list[list[str]]) -> list[str]:
    """A header row and body rows of cells as text lines, right-aligned, the header underlined.

    How every report of `autograd.testing` prints its tables (the one copy of this layout).
    """
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    text = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    return [text[0], "  ".join("-" * w for w in widths), *text[1:]]


def html_table(rows: list[list[str]]) -> str:
    """The same table as HTML, for Jupyter (every cell escaped)."""
    head = "".join(f"<th>{escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


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


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or hasattr(x, "requires_grad")  # a Tensor, without importing it


def _checked_arguments(f, args, modes, order, atol, rtol, eps):
    """The arguments of `gradient_report`, checked at the door (see `autograd.arguments`)."""
    arguments.function("f", f)
    if isinstance(args, (str, bytes)) or not isinstance(args, (Sequence, np.ndarray)):
        raise TypeError(f"args must be a tuple of f's arguments, like (0.5,) for one, got {arguments.shown(args)}")
    args = tuple(args)
    if not args:
        raise ValueError("args is empty: give the point to check at, one value per argument of f")
    for i, a in enumerate(args):
        if not _is_array(a):
            arguments.real(f"args[{i}]", a, finite=False)
    if isinstance(modes, str) or not isinstance(modes, (Sequence, set, frozenset)):
        raise TypeError(f"modes must be a tuple taken from {MODES}, got {arguments.shown(modes)}")
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise ValueError(f"modes must be a non-empty tuple taken from {MODES}, got {tuple(modes)!r}")
    arguments.one_of("order", order, (1, 2))
    atol, rtol = arguments.real("atol", atol, low=0), arguments.real("rtol", rtol, low=0)
    eps = arguments.optional(arguments.real, "eps", eps, low=0, low_open=True)
    return args, tuple(modes), atol, rtol, eps


def gradient_report(f, args, modes=MODES, order: int = 1, atol: float = 1e-6, rtol: float = 1e-5,
                    eps: float | None = None) -> GradientReport:
    """Compare the derivatives of a scalar function f at `args`, and say what was found; never raises on a disagreement.

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
    """
    args, modes, atol, rtol, eps = _checked_arguments(f, args, modes, order, atol, rtol, eps)
    names = _argument_names(f, len(args))
    report = GradientReport(getattr(f, "__name__", None) or getattr(f, "expression", repr(f)),
                            dict(zip(names, args)), atol=atol, rtol=rtol)
    if any(_is_array(a) for a in args):
        _check_tensor_function(report, f, args, names, modes, order, eps)
    else:
        _check_scalar_function(report, f, tuple(float(a) for a in args), names, modes, order, eps)
    return report


def check_grads(f, args, modes=MODES, order: int = 1, atol: float = 1e-6, rtol: float = 1e-5,
                eps: float | None = None) -> GradientReport:
    """Check the derivatives of a scalar function f at `args` against each other (see `gradient_report`).

    Returns the `GradientReport` when every entry agrees; raises AssertionError with the report when one does not
    (a nan, an inf against a number, or a function not defined at the point all count as not agreeing).
    """
    report = gradient_report(f, args, modes, order, atol, rtol, eps)
    if not report.ok:
        raise AssertionError(str(report))
    return report


def _undefined(f, args) -> str:
    """Words for a point where f is nan or inf (no derivative to check there); '' where f is a finite number."""
    with no_grad():
        out = f(*args)
    value = getattr(out, "data", out)
    value = float(np.sum(value)) if np.ndim(value) else float(value)
    if math.isfinite(value):
        return ""
    return (f"f = {value!r} at this point: it has no derivative here, so finite differences are not taken "
            "(across a pole or outside the domain they mean nothing)")


def _numeric(f, args, eps, undefined):
    """[(gradient, {index: note})] by finite differences, or nan everywhere (with the reason) where f is undefined."""
    if undefined:
        reason = {"all": "not taken: f is not defined at this point (see above)"}
        return [(np.full(np.shape(getattr(a, "data", a)), math.nan), reason) for a in args]
    return finite_differences(f, args, eps)


def _note(notes: dict, index) -> str:
    return notes.get("all") or notes.get(index, "")


def _check_scalar_function(report, f, args, names, modes, order, eps) -> None:
    n = len(args)
    everything = tuple(range(n))
    add = report.add
    leaves = [Value(x) for x in args]
    undefined = _undefined(f, leaves)
    if undefined:
        report.notes.append(undefined)

    first = {}
    if "rev" in modes:
        first["reverse"] = grad(f, argnums=everything)(*args)
    if "fwd" in modes:
        first["forward"] = tuple(jvp(f, args, _unit(i, n))[1] for i in range(n))
    numeric = _numeric(f, leaves, eps, undefined)
    first["numeric"] = tuple(gradient for gradient, _ in numeric)
    for i, name in enumerate(names):
        add(f"d/d{name}", {method: values[i] for method, values in first.items()}, _note(numeric[i][1], ()))

    if order == 2:
        # entry (i, j) is d/dx_j (d f/dx_i); each method gives it its own way round.
        second = {}
        if "rev" in modes:
            H = hessian(f)(*args)
            second["rev-over-rev"] = lambda i, j: H[i][j]
        if "fwd" in modes:
            columns = [jvp(grad(f, argnums=everything), args, _unit(j, n))[1] for j in range(n)]
            second["fwd-over-rev"] = lambda i, j: columns[j][i]
        rows = [_numeric(_component(f, everything, i), args, eps, undefined) for i in range(n)]
        second["numeric-of-rev"] = lambda i, j: rows[i][j][0]
        for i in range(n):
            for j in range(n):
                add(f"d2/d{names[i]}d{names[j]}", {method: entry(i, j) for method, entry in second.items()},
                    _note(rows[i][j][1], ()))


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
    if not hasattr(out, "requires_grad"):
        raise TypeError(f"f must return a Tensor computed from its inputs, got {arguments.shown(out)}")
    cotangent = np.random.default_rng(0).normal(size=out.shape) if out.size != 1 else np.ones(out.shape)
    out.backward(cotangent)

    def projected(*inputs):
        return float((f(*(Tensor(x) for x in inputs)).data * cotangent).sum())

    if not any(a.size for a in arrays):
        report.notes.append("(every argument is empty: there is no derivative to compare)")
    undefined = _undefined(projected, arrays)
    if undefined:
        report.notes.append(undefined.replace("f = ", "sum(f * v) = ", 1))
    numeric = _numeric(projected, arrays, eps, undefined)
    for name, tensor, array, (estimate, notes) in zip(names, tensors, arrays, numeric):
        reverse = tensor.grad if tensor.grad is not None else np.zeros_like(array)
        for index in np.ndindex(array.shape):
            label = f"d/d{name}[{', '.join(map(str, index))}]" if array.ndim else f"d/d{name}"
            report.add(label, {"reverse": reverse[index], "numeric": estimate[index]}, _note(notes, index))


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

    from autograd.ops import Primitive

    if not isinstance(op, Primitive):
        raise TypeError(f"op must be a row of the table, an autograd.ops.Primitive, got {arguments.shown(op)}")
    arguments.one_of("order", order, (1, 2))
    max_examples = arguments.optional(arguments.integer, "max_examples", max_examples, low=1)
    atol, rtol = arguments.real("atol", atol, low=0), arguments.real("rtol", rtol, low=0)
    arguments.flag("shrink", shrink)

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
