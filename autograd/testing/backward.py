"""Checking a backward pass written by hand: textbook layers, whole networks, functions with their own VJP.

    check_layer(Affine(W, b), x)              # dx, and dW, db found on the layer after backward
    check_layer(SoftmaxWithLoss(), x, t)      # a loss layer: forward(x, t) -> number, backward(dout=1)
    check_network(network, x, t)              # network.params against network.gradient(x, t)
    check_parameters(loss, params, grads)     # loss() reads the arrays of the dict params
    check_vjp(f, f_vjp, x, W)                 # f(*arrays) -> array; f_vjp(g, *arrays) -> one gradient per array
    check_gradient(f, grad_f, x)              # f(*arrays) -> number; grad_f(*arrays) -> one gradient per array
    for_all(check_layer, strategies.layer_cases(make_affine))   # at hypothesis-chosen shapes, shrunk

How. Every check becomes one number phi of some arrays, and a gradient of
phi claimed by hand for each array. For a layer, phi = sum(forward(x) * dout)
for a random dout: then backward(dout) must return dphi/dx, and leave
dphi/dW in dW, whatever else the layer does. Each claim is compared, element
by element, with central differences of phi (`finite_differences`: the step
suits the dtype, and the edge of a domain is said in a note), under the one
rule of agreement of `autograd.testing` (`disagreement`: a nan never agrees,
an inf only with the same inf). The arrays are perturbed *in place*, so a
network whose layers hold the very arrays of its `params` dictionary sees
every change, as the textbooks' own gradient check does.

The report says, for each gradient: its name (dW), its worst element, the
hand-written and the numeric value there, the absolute and relative error,
the tolerance, how many elements are wrong, and, when the numbers show a
known slip, a hint (`autograd.testing.diagnosis`): a factor that is the
batch size, the transposed shape, the batch axis not summed, a mask, one
sample standing for the batch. A failing layer check is tried again at
batch size 1, to tell a wrong derivative from a wrong treatment of the
batch. `taylor=True` adds the Taylor-remainder test (`autograd.testing.taylor`),
which needs no tolerance. Each check returns its `BackwardReport` (a table in
a REPL and in Jupyter) and raises AssertionError with the same text when a
gradient is wrong (``raises=False``: just the report).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

from autograd import arguments
from autograd.testing.check import _argument_names, disagreement, html_table, text_table
from autograd.testing.diagnosis import shape_hint, value_hint
from autograd.testing.numerical import default_step, finite_differences
from autograd.testing.taylor import TaylorResult, taylor_test

__all__ = ["check_layer", "check_network", "check_parameters", "check_vjp", "check_gradient", "for_all",
           "BackwardReport", "GradientCheck"]

# Default tolerances by the coarsest floating dtype involved: float64's are check_grads' own. In float32 the
# central difference is good to about eps32^(2/3) ~ 2.4e-5 of |phi| (see numerical.py), and phi sums many terms.
TOLERANCES = {np.dtype(np.float64): (1e-6, 1e-5), np.dtype(np.float32): (1e-3, 1e-2)}
MOST_NOTES = 3  # finite-difference notes shown per gradient; the rest are counted


# --- the report ------------------------------------------------------------------------------------------

@dataclass
class GradientCheck:
    """One gradient, e.g. dW, as written by hand and as central differences see it, element by element.

    hand       the hand-written gradient as given (None when there was none)
    numeric    the finite-difference estimate, of the input's shape
    errors     per element, `disagreement` of the two (inf when either is nan); None when shapes differ
    tolerance  per element, atol + rtol * the larger |value|
    problem    why the two could not be compared element by element (a missing gradient, a wrong shape)
    hint       the pattern recognised in a wrong gradient, in words
    """

    name: str
    shape: tuple[int, ...]
    hand: np.ndarray | None
    numeric: np.ndarray
    errors: np.ndarray | None
    tolerance: np.ndarray | None
    problem: str = ""
    hint: str = ""
    notes: list[str] = field(default_factory=list)
    taylor: TaylorResult | None = None

    @property
    def wrong(self) -> int:
        """How many elements disagree (all of them when the gradient is missing or misshapen)."""
        if self.errors is None:
            return int(np.prod(self.shape))
        return int((self.errors > self.tolerance).sum())

    @property
    def ok(self) -> bool:
        return not self.problem and self.wrong == 0 and not (self.taylor and self.taylor.verdict == "h")

    @property
    def worst(self) -> tuple[int, ...] | None:
        """The index of the element furthest outside its tolerance (None when there is nothing to compare)."""
        if self.errors is None or self.errors.size == 0:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.tolerance > 0, self.errors / self.tolerance, np.where(self.errors > 0, np.inf, 0))
        return tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), self.errors.shape))

    @property
    def abs_error(self) -> float:
        """The error at the worst element: inf when nothing could be compared, 0 for an empty gradient."""
        if self.errors is None:
            return math.inf
        return 0.0 if self.worst is None else float(self.errors[self.worst])

    @property
    def rel_error(self) -> float:
        if self.worst is None:
            return self.abs_error
        scale = max((abs(float(v[self.worst])) for v in (self.hand, self.numeric)
                     if math.isfinite(float(v[self.worst]))), default=0.0)
        return self.abs_error / scale if scale else self.abs_error

    def footnote(self) -> str:
        """What the row's footnote says: the problem or the hint, the finite-difference notes, the Taylor test."""
        parts = [text for text in (self.problem, self.hint) if text]
        shown = self.notes[:MOST_NOTES]
        parts += shown + ([f"(and {len(self.notes) - MOST_NOTES} more such notes)"]
                          if len(self.notes) > MOST_NOTES else [])
        if self.taylor is not None and not self.taylor.ok:
            parts.append(f"Taylor test: {self.taylor.summary()}")
        return "; ".join(parts)


@dataclass
class BackwardReport:
    """The outcome of a backward check: one `GradientCheck` per gradient, and notes in words.

    ``report["dW"]`` is the check of dW; ``report.ok`` is True when every gradient agrees.
    """

    what: str
    point: str
    checks: list[GradientCheck] = field(default_factory=list)
    atol: float = 0.0
    rtol: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def wrong(self) -> list[str]:
        """The names of the gradients that disagree."""
        return [c.name for c in self.checks if not c.ok]

    def __getitem__(self, name: str) -> GradientCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no gradient named {name!r} was checked; these were: {[c.name for c in self.checks]}")

    def title(self) -> str:
        if self.ok:
            verdict = ("the gradient agrees" if len(self.checks) == 1 else
                       f"all {len(self.checks)} gradients agree") + " with finite differences"
        elif len(self.checks) == 1:
            verdict = f"the gradient {self.checks[0].name} disagrees with finite differences"
        else:
            verdict = f"{len(self.wrong)} of {len(self.checks)} gradients disagree: {', '.join(self.wrong)}"
        return f"{self.what} at {self.point}: {verdict} (tolerance = {self.atol:g} + {self.rtol:g} * |value|)"

    def footnotes(self) -> list[str]:
        return [f"[{i}] {c.name}: {c.footnote()}" for i, c in enumerate((c for c in self.checks if c.footnote()), 1)]

    def table(self) -> list[list[str]]:
        taylor = any(c.taylor is not None for c in self.checks)
        header = ["gradient", "shape", "wrong", "worst at", "hand-written", "numeric", "abs error", "rel error",
                  "tolerance", *(["Taylor order"] if taylor else []), ""]
        numbers = {id(c): i for i, c in enumerate((c for c in self.checks if c.footnote()), 1)}
        rows = [header]
        for c in self.checks:
            total = int(np.prod(c.shape))
            if c.worst is None:
                cells = ["-", "-", "-", "-", "-", "-"]
            else:
                w = c.worst
                cells = [f"[{', '.join(map(str, w))}]" if w else "()", f"{float(c.hand[w]):.10g}",
                         f"{float(c.numeric[w]):.10g}", f"{c.abs_error:.1e}", f"{c.rel_error:.1e}",
                         f"{float(c.tolerance[w]):.1e}"]
            if taylor:
                cells.append("-" if c.taylor is None else
                             "exact" if c.taylor.verdict == "exact" else f"{c.taylor.order:.2f}")
            verdict = ("ok" if c.ok else "FAIL") + (f" [{numbers[id(c)]}]" if id(c) in numbers else "")
            rows.append([c.name, str(c.shape), f"{c.wrong} of {total}", *cells, verdict])
        return rows

    def __str__(self) -> str:
        footnotes = self.footnotes()
        lines = [self.title(), *self.notes, "", *text_table(self.table())]
        return "\n".join(lines + ([""] + footnotes if footnotes else []))

    __repr__ = __str__  # a REPL shows the table too

    def _repr_html_(self) -> str:
        html = [f"<p><code>{escape(line)}</code></p>" for line in (self.title(), *self.notes)]
        html.append(html_table(self.table()))
        html += [f"<p><small>{escape(line)}</small></p>" for line in self.footnotes()]
        return "".join(html)


# --- the one mechanism: arrays perturbed in place, one number phi, gradients claimed by hand ----------------

@dataclass
class _Slot:
    """One array phi depends on: where it lives, how to change it there, and its gradient as written by hand."""

    name: str                      # the input's name: "W"
    gradient: str                  # its gradient's name: "dW"
    value: np.ndarray              # its value at the point checked
    write: Callable                # puts an array of values where phi reads them
    hand: object                   # the hand-written gradient, as given (None, or a problem in words)
    batched: bool = False          # axis 0 is the batch (a layer's x)


@dataclass
class _Settings:
    """The options every check takes, checked at the door; atol and rtol None until the dtypes are known."""

    atol: float | None
    rtol: float | None
    eps: float | None
    taylor: bool
    seed: int
    raises: bool

    @classmethod
    def checked(cls, atol, rtol, eps, taylor, seed, raises) -> _Settings:
        return cls(arguments.optional(arguments.real, "atol", atol, low=0),
                   arguments.optional(arguments.real, "rtol", rtol, low=0),
                   arguments.optional(arguments.real, "eps", eps, low=0, low_open=True),
                   arguments.flag("taylor", taylor), arguments.integer("seed", seed, low=0),
                   arguments.flag("raises", raises))

    def for_dtypes(self, dtypes, notes: list[str]) -> _Settings:
        """These settings with the default tolerances of the coarsest dtype (and a note when it is float32)."""
        coarse = np.dtype(np.float32) in dtypes
        default_atol, default_rtol = TOLERANCES[np.dtype(np.float32 if coarse else np.float64)]
        atol = default_atol if self.atol is None else self.atol
        rtol = default_rtol if self.rtol is None else self.rtol
        if coarse:
            notes.append(f"float32 inputs: finite differences with the step of float32 (about "
                         f"{default_step(1.0, dtype=np.float32):.1e} near 1, not {default_step(1.0):.1e}) and a "
                         f"tolerance of {atol:g} + {rtol:g} * |value|: a coarser check than in float64")
        return _Settings(atol, rtol, self.eps, self.taylor, self.seed, self.raises)


def _compare(phi: Callable[[], float], slots: list[_Slot], settings: _Settings, sizes: dict[str, int],
             ) -> list[GradientCheck]:
    """Each slot's hand-written gradient against central differences of phi; the slots are restored after."""
    start = [s.value.copy() for s in slots]

    def phi_at(*values):
        for slot, value in zip(slots, values):
            slot.write(value)
        return phi()

    try:
        estimates = finite_differences(phi_at, start, settings.eps)
        checks = [_check_one(slot, numeric, notes, settings, sizes) for slot, (numeric, notes) in zip(slots, estimates)]
        if settings.taylor:
            for i, check in enumerate(checks):
                if check.errors is not None and check.numeric.size:
                    alone = lambda value, i=i: phi_at(*start[:i], value, *start[i + 1:])  # noqa: E731
                    check.taylor = taylor_test(alone, (start[i],), (check.hand,), seed=settings.seed)
    finally:
        for slot, value in zip(slots, start):
            slot.write(value)
    return checks


def _check_one(slot: _Slot, numeric, notes: dict, settings: _Settings, sizes: dict[str, int]) -> GradientCheck:
    numeric = np.asarray(numeric, dtype=np.float64).reshape(slot.value.shape)
    shape = numeric.shape
    shown = [f"{slot.gradient}[{', '.join(map(str, index))}]: {note}" for index, note in notes.items()]
    hand, problem = _as_gradient(slot.hand, slot.gradient)
    if problem:
        return GradientCheck(slot.gradient, shape, hand, numeric, None, None, problem, notes=shown)

    def tolerance_for(candidate):
        scale = np.fmax(np.where(np.isfinite(candidate), np.abs(candidate), 0),
                        np.where(np.isfinite(numeric), np.abs(numeric), 0))
        return settings.atol + settings.rtol * scale

    def errors_for(candidate):
        return np.array([disagreement(pair) for pair in zip(candidate.ravel(), numeric.ravel())]).reshape(shape)

    def agrees(candidate) -> bool:
        """Would this repaired gradient have passed? (The hints ask; the rule is the checker's own.)"""
        return candidate.shape == shape and bool((errors_for(candidate) <= tolerance_for(candidate)).all())

    if hand.shape != shape:
        problem, hint = shape_hint(slot.gradient, slot.name, hand, shape, agrees)
        return GradientCheck(slot.gradient, shape, hand, numeric, None, None, problem, hint, notes=shown)
    errors, tolerance = errors_for(hand), tolerance_for(hand)
    check = GradientCheck(slot.gradient, shape, hand, numeric, errors, tolerance, notes=shown)
    if check.wrong:
        check.hint = value_hint(slot.gradient, hand, numeric, tolerance, errors > tolerance, agrees, sizes,
                                slot.batched)
    return check


def _as_gradient(value, name: str):
    """(the hand-written gradient as a float64 array, "") or (None, what is wrong with it)."""
    if isinstance(value, str):
        return None, value  # the caller's words for a gradient that is not there
    if value is None:
        return None, f"there is no {name}: it is None"
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.dtype.kind not in "biuf":
        return None, f"{name} is not an array of numbers: {arguments.shown(value)}"
    return array.astype(np.float64), ""


def _float_copy(name: str, value, notes: list[str]) -> np.ndarray:
    """An input array as floats the finite differences can perturb: float16 (and integers) become float64."""
    array = arguments.array(name, value)
    if array.dtype == np.float16:
        notes.append(f"{name} is float16, which keeps about 3 significant digits: a central difference in it "
                     "would be good to 1 or 2, so it is checked in float64")
    return np.array(array, dtype=array.dtype if array.dtype in (np.float32, np.float64) else np.float64)


def _in_place(array: np.ndarray) -> Callable:
    def write(values):
        array[...] = values
    return write


def _finish(report: BackwardReport, raises: bool) -> BackwardReport:
    """The report, or AssertionError with its text (and the report itself, as .report) when it fails and raises."""
    if raises and not report.ok:
        error = AssertionError(str(report))
        error.report = report
        raise error
    return report


def _shape_words(name: str, array) -> str:
    return f"{name} of shape {np.shape(array)}"


def _random_cotangent(out: np.ndarray, seed: int) -> np.ndarray:
    """The dout (or g) a check sends backward: N(0, 1), in the output's floating dtype."""
    dtype = out.dtype if out.dtype in (np.float32, np.float64) else np.float64
    return np.random.default_rng(seed).normal(size=out.shape).astype(dtype)


def _numbers(value, what: str) -> np.ndarray:
    """What a user's function returned, as an array of numbers, or a TypeError saying what it was."""
    try:
        array = np.asarray(value) if isinstance(value, (np.ndarray, np.generic, int, float, list, tuple)) else None
    except ValueError:  # a ragged list
        array = None
    if array is None or array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must return an array of numbers (or one number), got {arguments.shown(value)}")
    return array


# --- textbook layers --------------------------------------------------------------------------------------

def check_layer(layer, x, *targets, dout=None, parameters=None, atol: float | None = None,
                rtol: float | None = None, eps: float | None = None, taylor: bool = False, seed: int = 0,
                raises: bool = True) -> BackwardReport:
    """Check a layer's hand-written backward: ``dx = backward(dout)`` and each parameter's gradient.

    layer       an object with forward(x, *targets) and backward(dout) returning dx, as in the textbooks
    targets     passed through to forward (a loss layer's t) and never differentiated
    dout        what backward is sent: by default N(0, 1) of forward's shape (seed), or 1 when forward
                returns one number (a loss layer's backward(dout=1))
    parameters  which arrays to check, and their gradients: by default every attribute X with an attribute
                dX after backward (W/dW, b/db, W1/dW1...) and the pairs of `params`/`grads` dictionaries;
                or a dict {"weight": "grad_weight"}, or a list of names ["W", "b"] (gradients dW, db)
    atol, rtol  an element passes within atol + rtol * |value| (default by dtype: 1e-6, 1e-5 in float64)
    eps         the finite-difference step (default `default_step`, per element and dtype)
    taylor      also run the Taylor-remainder test on each gradient
    raises      raise AssertionError with the report when a gradient is wrong (else just return it)
    """
    _a_layer(layer)
    notes: list[str] = []
    x = _float_copy("x", x, notes)
    dout = arguments.optional(arguments.array, "dout", dout, finite=True)
    parameters = _parameter_names(parameters)
    settings = _Settings.checked(atol, rtol, eps, taylor, seed, raises)
    report, dout = _layer_report(layer, x, targets, dout, parameters, notes, settings)
    if not report.ok and x.ndim and len(x) > 1:
        again = _Settings(report.atol, report.rtol, settings.eps, False, settings.seed, False)
        report.notes.append(_one_sample_at_a_time(lambda i: _layer_report(
            layer, x[i:i + 1], _sample(targets, i, len(x)), _sample((dout,), i, len(x))[0], parameters, [],
            again)[0], len(x)))
    return _finish(report, settings.raises)


def _a_layer(layer) -> None:
    for method in ("forward", "backward"):
        if not callable(getattr(layer, method, None)):
            raise TypeError(f"layer must have a {method} method (forward(x) and backward(dout), as the textbook "
                            f"layers do), got {arguments.shown(layer)}")


def _parameter_names(parameters) -> dict[str, str] | None:
    if parameters is None:
        return None
    if isinstance(parameters, Mapping):
        pairs = dict(parameters)
    elif isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes)):
        pairs = {name: f"d{name}" for name in parameters}
    else:
        raise TypeError(f"parameters must be a dict {{'W': 'dW'}} or a list of names ['W', 'b'], "
                        f"got {arguments.shown(parameters)}")
    for name, gradient in pairs.items():
        arguments.text("a parameter's name", name)
        arguments.text(f"the name of {name}'s gradient", gradient)
    return pairs


def _layer_report(layer, x, targets, dout, parameters, notes, settings) -> tuple[BackwardReport, np.ndarray]:
    """The check of one layer at x, and the dout it used."""
    x_work = x.copy()  # what phi passes (a copy of) to forward; perturbed in place
    given = x_work.copy()
    out = _numbers(layer.forward(given, *targets), f"{type(layer).__name__}.forward")
    loss = out.ndim == 0
    if dout is None:
        dout = np.array(1.0) if loss else _random_cotangent(out, settings.seed)
        said = "dout = 1 (forward returned one number: a loss)" if loss else \
            f"{_shape_words('dout', dout)} ~ N(0, 1) (seed {settings.seed})"
    else:
        if dout.shape != out.shape:
            raise ValueError(f"dout must have the shape of forward's output, {out.shape}, got {dout.shape}")
        said = _shape_words("dout", dout)
    # backward may write into what it is given (the textbook ReLU does: dout[mask] = 0): it gets a copy
    dx = _call_backward(layer, dout.copy() if dout.ndim else float(dout))
    slots = [_Slot("x", "dx", x_work, _in_place(x_work), _returned_dx(dx), batched=x.ndim > 0)]
    passed = [given, out, *(t for t in targets if isinstance(t, np.ndarray))]
    slots += _layer_slots(layer, parameters, passed)
    unpaired = _unpaired_arrays(layer, slots, passed) if parameters is None else {}
    settings = settings.for_dtypes({s.value.dtype for s in slots} | {out.dtype}, notes)
    dout64 = np.asarray(dout, dtype=np.float64)

    def phi():
        return float(np.sum(np.asarray(_numbers(layer.forward(x_work.copy(), *targets), "forward"),
                                       dtype=np.float64) * dout64))

    sizes = {"the batch size": len(x)} if x.ndim else {}
    point = ", ".join([_shape_words("x", x), *(_target_words(i, t) for i, t in enumerate(targets)), said])
    checks = _compare(phi, slots, settings, sizes)
    # an array forward replaced while it ran was a cache (self.out, self.y); one it kept may be a parameter
    kept = [name for name, array in unpaired.items() if getattr(layer, name, None) is array]
    if kept:
        notes.append(f"(not checked: {', '.join(kept)} -- arrays the layer keeps, with no gradient "
                     f"{', '.join('d' + name for name in kept)} after backward; if they are parameters, "
                     f"name them: parameters={kept!r})")
    report = BackwardReport(f"check_layer of {type(layer).__name__}", point, checks, settings.atol, settings.rtol,
                            notes)
    return report, dout


def _target_words(i: int, target) -> str:
    return _shape_words(f"target {i}", target) if np.ndim(target) else f"target {i} = {target!r}"


def _call_backward(layer, dout):
    """layer.backward(dout), or layer.backward() for a loss layer whose backward takes nothing."""
    try:
        inspect.signature(layer.backward).bind(dout)
    except TypeError:
        return layer.backward()
    except ValueError:  # no signature to read (a builtin): just call it
        pass
    return layer.backward(dout)


def _returned_dx(dx):
    if isinstance(dx, tuple):
        return (f"backward returned a tuple of {len(dx)}, not dx alone: check_layer expects "
                "backward(dout) to return dx")
    return "backward returned None, not dx" if dx is None else dx


def _layer_slots(layer, parameters, passed) -> list[_Slot]:
    """The layer's parameters and their hand-written gradients (read now, right after backward)."""
    state = getattr(layer, "__dict__", {})
    if parameters is None:
        pairs = [(name, f"d{name}") for name, value in state.items()
                 if f"d{name}" in state and _a_parameter(value) and not _one_of(value, passed)]
        slots = [_attribute_slot(layer, name, gradient, getattr(layer, gradient)) for name, gradient in pairs]
        params, grads = state.get("params"), state.get("grads")
        if isinstance(params, dict) and isinstance(grads, dict):
            slots += [_item_slot(params, key, grads.get(key, f"there is no grads[{key!r}]"))
                      for key in params if _a_parameter(params[key])]
        return slots
    missing = [name for name in parameters if not hasattr(layer, name)]
    if missing:
        raise ValueError(f"the layer has no attribute {missing[0]!r} (parameters names {list(parameters)}; "
                         f"its attributes: {sorted(state)})")
    return [_attribute_slot(layer, name, gradient, getattr(layer, gradient, f"backward did not set {gradient}"))
            for name, gradient in parameters.items()]


def _unpaired_arrays(layer, slots, passed) -> dict[str, np.ndarray]:
    """Float arrays of the layer that are neither checked nor what forward was given or returned (caches, or
    parameters whose gradient has another name): said in a note, so that nothing is left out in silence."""
    checked, state = {id(s.value) for s in slots}, getattr(layer, "__dict__", {})
    return {name: value for name, value in state.items()
            if isinstance(value, np.ndarray) and value.dtype.kind == "f" and id(value) not in checked
            and not _one_of(value, passed) and not (name.startswith("d") and name[1:] in state)}


def _a_parameter(value) -> bool:
    return (isinstance(value, np.ndarray) and value.dtype.kind == "f") or \
        (isinstance(value, (float, np.floating)) and not isinstance(value, bool))


def _one_of(value, arrays) -> bool:
    """value is (a view of) one of the arrays forward was given or returned: x, out, a target -- not a parameter."""
    return isinstance(value, np.ndarray) and any(np.shares_memory(value, a) for a in arrays)


def _writable(name: str, value) -> None:
    if isinstance(value, np.ndarray) and value.dtype == np.float16:
        raise ValueError(f"{name} is float16, which finite differences cannot resolve (and it is changed in place, "
                         f"so it cannot be checked in float64 for you): convert it, {name}.astype(np.float64)")


def _attribute_slot(layer, name: str, gradient: str, hand) -> _Slot:
    value = getattr(layer, name)
    _writable(name, value)
    if isinstance(value, np.ndarray):
        return _Slot(name, gradient, value, _in_place(value), _copied(hand))
    return _Slot(name, gradient, np.array(float(value)), lambda v: setattr(layer, name, float(v)), _copied(hand))


def _item_slot(params: dict, key: str, hand) -> _Slot:
    value = params[key]
    _writable(key, value)
    if isinstance(value, np.ndarray):
        return _Slot(key, f"d{key}", value, _in_place(value), _copied(hand))

    def write(v):
        params[key] = float(v)
    return _Slot(key, f"d{key}", np.array(float(value)), write, _copied(hand))


def _copied(hand):
    """The hand-written gradient, copied now: later forward passes must not change what is compared."""
    return hand.copy() if isinstance(hand, np.ndarray) else hand


def _sample(arrays, i: int, batch: int) -> tuple:
    """Sample i of each array that has the batch axis (its first axis as long as the batch); the rest as they are."""
    return tuple(a[i:i + 1] if isinstance(a, np.ndarray) and a.ndim and len(a) == batch else a for a in arrays)


SAMPLES_ALONE = 8  # how many samples of a failing batch are checked one at a time


def _one_sample_at_a_time(check_sample: Callable[[int], BackwardReport], batch: int) -> str:
    """A failing check tried again on each sample alone (batch size 1): is the derivative wrong, or the batch?"""
    tried = min(batch, SAMPLES_ALONE)
    for i in range(tried):
        if not check_sample(i).ok:
            return (f"At batch size 1 it is wrong too (sample {i} alone, x[{i}:{i + 1}], fails): the error is "
                    "there for a single sample, not only in how the batch is combined.")
    which = "each sample" if tried == batch else f"each of the first {tried} samples"
    return (f"At batch size 1 every gradient agrees ({which} alone): the backward pass is right for one sample and "
            f"wrong for a batch of {batch} -- look at how it combines the batch (a sum over axis 0, a mean, one "
            "sample standing for all).")


# --- whole networks and dictionaries of parameters --------------------------------------------------------

def check_network(network, x, *targets, loss: str = "loss", gradient: str = "gradient",
                  atol: float | None = None, rtol: float | None = None, eps: float | None = None,
                  taylor: bool = False, raises: bool = True) -> BackwardReport:
    """The textbook's gradient check: ``network.gradient(x, t)`` against finite differences of ``network.loss(x, t)``.

    network.params is the dictionary of parameters ({"W1": ..., "b1": ...}); `gradient` returns the dictionary
    of their gradients under the same keys; the layers may hold the very arrays of params (they are perturbed
    in place). `loss` and `gradient` name the two methods. The rest as for `check_layer`.
    """
    for method in (arguments.text("loss", loss), arguments.text("gradient", gradient)):
        if not callable(getattr(network, method, None)):
            raise TypeError(f"network must have a method {method}(x, *targets), got {arguments.shown(network)}")
    params = getattr(network, "params", None)
    if not isinstance(params, dict):
        raise TypeError(f"network must have a dictionary params of its parameters, got {arguments.shown(network)}")
    x = arguments.array("x", x)
    settings = _Settings.checked(atol, rtol, eps, taylor, 0, raises)

    def report_at(x, targets, settings):
        grads = getattr(network, gradient)(x, *targets)
        point = ", ".join([_shape_words("x", x), *(_target_words(i, t) for i, t in enumerate(targets))])
        return _parameters_report(lambda: getattr(network, loss)(x, *targets), params, grads,
                                  len(x) if x.ndim else None, f"check_network of {type(network).__name__}", point,
                                  settings)

    report = report_at(x, targets, settings)
    if not report.ok and x.ndim and len(x) > 1:
        again = _Settings(report.atol, report.rtol, settings.eps, False, 0, False)
        report.notes.append(_one_sample_at_a_time(
            lambda i: report_at(x[i:i + 1], _sample(targets, i, len(x)), again), len(x)))
    return _finish(report, settings.raises)


def check_parameters(loss, params, grads, *, batch_size: int | None = None, atol: float | None = None,
                     rtol: float | None = None, eps: float | None = None, taylor: bool = False,
                     raises: bool = True) -> BackwardReport:
    """Check a dictionary of hand-written gradients: grads[k] against finite differences of loss() in params[k].

    loss()      the loss, computed from the arrays of `params` as they are when it is called (each is perturbed
                in place; a float entry is replaced)
    batch_size  when known, a constant factor equal to it is named as a missing / N
    """
    arguments.function("loss", loss)
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError(f"params and grads must be dictionaries {{name: array}}, got {arguments.shown(params)} "
                        f"and {arguments.shown(grads)}")
    batch_size = arguments.optional(arguments.integer, "batch_size", batch_size, low=1)
    settings = _Settings.checked(atol, rtol, eps, taylor, 0, raises)
    point = ", ".join(_shape_words(key, value) for key, value in params.items())
    report = _parameters_report(loss, params, grads, batch_size, "check_parameters", point, settings)
    return _finish(report, settings.raises)


def _parameters_report(loss, params, grads, batch_size, what, point, settings) -> BackwardReport:
    if not isinstance(grads, dict):
        raise TypeError(f"the gradients must be a dictionary under the keys of params, got {arguments.shown(grads)}")
    notes: list[str] = []
    for key, value in params.items():
        if not _a_parameter(value):
            raise TypeError(f"params[{key!r}] must be an array of floats or a float, got {arguments.shown(value)}")
    slots = [_item_slot(params, key, grads.get(key, f"there is no gradient under {key!r}")) for key in params]
    unused = [key for key in grads if key not in params]
    if unused:
        notes.append(f"(gradients with no parameter of that name, not checked: {', '.join(map(str, unused))})")

    def phi():
        return float(np.sum(_numbers(loss(), "loss")))

    settings = settings.for_dtypes({s.value.dtype for s in slots}, notes)
    sizes = {"the batch size": batch_size} if batch_size else {}
    return BackwardReport(what, point, _compare(phi, slots, settings, sizes), settings.atol, settings.rtol, notes)


# --- functions with a hand-written gradient -----------------------------------------------------------------

def check_vjp(f, vjp, *arrays, g=None, wrt=None, atol: float | None = None, rtol: float | None = None,
              eps: float | None = None, taylor: bool = False, seed: int = 0, raises: bool = True) -> BackwardReport:
    """Check a hand-written vector-Jacobian product: vjp(g, *arrays) against finite differences of sum(f * g).

    f      f(*arrays) -> an array (or a number)
    vjp    vjp(g, *arrays) -> one gradient per array (a tuple; a single array when there is one array)
    g      the cotangent sent back: by default N(0, 1) of f's shape (seed)
    wrt    the indices of the arrays to check (default all); the others are passed through, their gradients ignored
    """
    arguments.function("f", f)
    arguments.function("vjp", vjp)
    notes: list[str] = []
    points = _function_arrays(arrays, notes)
    wrt = _wrt(wrt, len(points))
    g = arguments.optional(arguments.array, "g", g, finite=True)
    settings = _Settings.checked(atol, rtol, eps, taylor, seed, raises)
    out = _numbers(f(*(a.copy() for a in points)), "f")
    if g is None:
        g = _random_cotangent(out, settings.seed)
        said = f"{_shape_words('g', g)} ~ N(0, 1) (seed {settings.seed})"
    else:
        if g.shape != out.shape:
            raise ValueError(f"g must have the shape of f's output, {out.shape}, got {g.shape}")
        said = _shape_words("g", g)
    claimed = _one_per_array(vjp(g.copy(), *(a.copy() for a in points)), len(points), "vjp")
    g64 = g.astype(np.float64)
    report = _function_report(lambda *xs: float(np.sum(np.asarray(_numbers(f(*xs), "f"), np.float64) * g64)),
                              _argument_names(f, len(points)), points, claimed, wrt, f"check_vjp of {_name(f)}",
                              said, notes, settings, {out.dtype})
    return _finish(report, settings.raises)


def check_gradient(f, gradient, *arrays, wrt=None, atol: float | None = None, rtol: float | None = None,
                   eps: float | None = None, taylor: bool = False, raises: bool = True) -> BackwardReport:
    """Check a hand-written gradient of a scalar function: gradient(*arrays) against finite differences of f.

    f         f(*arrays) -> one number
    gradient  gradient(*arrays) -> one gradient per array (a tuple; a single array when there is one array)
    The rest as for `check_vjp`.
    """
    arguments.function("f", f)
    arguments.function("gradient", gradient)
    notes: list[str] = []
    points = _function_arrays(arrays, notes)
    wrt = _wrt(wrt, len(points))
    settings = _Settings.checked(atol, rtol, eps, taylor, 0, raises)
    claimed = _one_per_array(gradient(*(a.copy() for a in points)), len(points), "gradient")
    report = _function_report(lambda *xs: float(_one_number(f(*xs))), _argument_names(f, len(points)), points,
                              claimed, wrt, f"check_gradient of {_name(f)}", "", notes, settings, set())
    return _finish(report, settings.raises)


def _one_number(value) -> float:
    array = _numbers(value, "f")
    if array.size != 1:
        raise TypeError(f"f must return one number for check_gradient (use check_vjp for an array), "
                        f"got shape {array.shape}")
    return float(array.reshape(()))


def _name(f) -> str:
    return getattr(f, "__name__", None) or type(f).__name__


def _function_arrays(arrays, notes) -> list[np.ndarray]:
    if not arrays:
        raise ValueError("give the point to check at: the arrays f is called with, check_vjp(f, vjp, x, W)")
    return [_float_copy(f"array {i}", a, notes) for i, a in enumerate(arrays)]


def _wrt(wrt, count: int) -> tuple[int, ...]:
    if wrt is None:
        return tuple(range(count))
    if isinstance(wrt, (bool, np.bool_)) or not isinstance(wrt, (int, np.integer, Sequence)) or isinstance(wrt, str):
        raise TypeError(f"wrt must be an index or a tuple of indices of the arrays, got {arguments.shown(wrt)}")
    indices = (wrt,) if isinstance(wrt, (int, np.integer)) else tuple(wrt)
    return tuple(arguments.integer(f"wrt[{i}]", k, low=0, high=count - 1) for i, k in enumerate(indices))


def _one_per_array(gradients, count: int, what: str) -> tuple:
    if count == 1 and not isinstance(gradients, (tuple, list)):
        gradients = (gradients,)
    if not isinstance(gradients, (tuple, list)) or len(gradients) != count:
        raise TypeError(f"{what} must return one gradient per array ({count}), as a tuple, got "
                        f"{arguments.shown(gradients)}")
    return tuple(gradients)


def _function_report(phi_of, names, points, claimed, wrt, what, said, notes, settings, out_dtypes) -> BackwardReport:
    """The check of a function's hand-written gradients (`claimed`, one per array) through phi_of(*arrays)."""
    work = [p.copy() for p in points]  # what phi passes to f (copied again: f may write into its arguments)
    slots = [_Slot(names[i], f"d{names[i]}", work[i], _in_place(work[i]), _copied(claimed[i])) for i in wrt]
    settings = settings.for_dtypes({p.dtype for p in points} | set(out_dtypes), notes)
    sizes = {}
    for name, p in zip(names, points):
        if p.ndim:
            sizes.setdefault(f"len({name})", len(p))
    point = ", ".join([*(_shape_words(n, p) for n, p in zip(names, points)), *([said] if said else [])])
    checks = _compare(lambda: phi_of(*(w.copy() for w in work)), slots, settings, sizes)
    return BackwardReport(what, point, checks, settings.atol, settings.rtol, notes)


# --- property tests: the check at hypothesis-chosen cases, shrunk to the smallest failing one -------------

def for_all(check, cases, max_examples: int | None = None, **options) -> None:
    """Run ``check(*case, **options)`` for hypothesis-drawn cases; a failure is shrunk to the smallest case.

        for_all(check_layer, strategies.layer_cases(make_affine))
        for_all(functools.partial(check_vjp, add, add_vjp), strategies.broadcastable_arrays(2))

    On a failure hypothesis looks for the smallest batch and shapes that still fail; the AssertionError
    raised names that case and carries its report (``error.report``, ``error.case``).
    max_examples  how many cases to try (default: the hypothesis profile's)
    Needs hypothesis.
    """
    from hypothesis import given, settings
    from hypothesis.strategies import SearchStrategy

    arguments.function("check", check)
    if not isinstance(cases, SearchStrategy):
        raise TypeError(f"cases must be a hypothesis strategy (see autograd.testing.strategies.layer_cases), "
                        f"got {arguments.shown(cases)}")
    max_examples = arguments.optional(arguments.integer, "max_examples", max_examples, low=1)
    tried = []  # the last case run: after shrinking, hypothesis runs the smallest failing case last

    @given(cases)
    def holds(case):
        tried[:] = [case]
        check(*case, **options)

    changes = {"report_multiple_bugs": False}  # one report: the smallest case, not one per kind of failure
    if max_examples is not None:
        changes["max_examples"] = max_examples
    try:
        settings(**changes)(holds)()
    except AssertionError as failure:
        report = getattr(failure, "report", None)
        if not tried or report is None:
            raise
        error = AssertionError(f"{_name(check)} fails; the smallest failing case hypothesis found: "
                               f"{tried[0]!r}\n\n{report}")
        error.report, error.case = report, tried[0]
        raise error from None
