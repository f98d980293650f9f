"""Switches that change how operations are recorded: `no_grad`, `detect_anomaly`, and what a tensor graph keeps.

The current mode lives in a `contextvars.ContextVar`, so each thread and each
asyncio task sees its own: a `no_grad()` block in one thread never stops
another thread from recording its graph.

Both are context managers and decorators::

    with no_grad():            # evaluate without building a graph
        prediction = model(x)

    @no_grad()
    def evaluate(model): ...

What a tensor graph keeps (`retain_values`, `free_unneeded`)
-------------------------------------------------------------
By default a tensor graph keeps every node's values, so that drawings, the
explorer and the chain-rule trace can show them, with one exception that no
one can see: ``x @ W + b``, with the product ``x @ W`` held by nothing but
the expression, is recorded as one `affine` node (the same numbers, bit for
bit), so the product is never kept (only in the default mode and under
`free_unneeded`: every other switch records the graph as written). Two
switches change what is kept:

* ``with retain_values():`` records the graph exactly as written, every
  intermediate with its values (no fusion): for drawing or explaining a graph
  as the user typed it.
* ``with free_unneeded():`` keeps only what backward needs, as PyTorch does: a
  recorded tensor that nothing but the graph holds gives up its values when
  no vector-Jacobian product reads them (each row of `autograd.tensor_ops`
  says what its VJPs read: ``needs``). Its ``.data`` then holds a
  `autograd.tensor.FreedValues`, which knows the shape and dtype and raises
  `autograd.tensor.FreedValuesError` at any use of the values.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "observe_branches", "retain_values",
           "free_unneeded"]

@dataclass(frozen=True)
class Mode:
    recording: bool = True      # record parents, so that backward() can run
    detect_anomaly: bool = False  # raise at the first nan or inf
    retain_values: bool = False   # a tensor graph as written, every value kept (no fusion, no freeing)
    free_unneeded: bool = False   # a tensor graph keeps only the values its VJPs read


RECORDING = Mode()
"""The default. Operations check ``current() is RECORDING`` and take the fast path."""

_mode: ContextVar[Mode] = ContextVar("autograd_mode", default=RECORDING)
current = _mode.get


@contextmanager
def _set_mode(**changes):
    token = _mode.set(replace(_mode.get(), **changes))
    try:
        yield
    finally:
        _mode.reset(token)


def no_grad():
    """Inside this block, operations compute values but record no graph."""
    return _set_mode(recording=False)


def enable_grad():
    """Record again inside a `no_grad` block."""
    return _set_mode(recording=True)


def is_grad_enabled() -> bool:
    return _mode.get().recording


def detect_anomaly():
    """Raise `FloatingPointError` at the first nan or inf of a forward or backward pass.

    The message names the operation, its inputs and their labels, which is
    where a nan is easiest to understand: at its birth, not ten layers later.
    """
    return _set_mode(detect_anomaly=True)


def retain_values():
    """Inside this block, tensor graphs are recorded as written and every intermediate keeps its values.

    For drawing or explaining: ``x @ W + b`` stays two nodes (the product and
    the sum, each with its ``.data``), and `free_unneeded` is switched off.
    """
    return _set_mode(retain_values=True, free_unneeded=False)


def free_unneeded():
    """Inside this block, a tensor graph keeps only the values its backward pass reads (PyTorch's rule).

    A recorded tensor whose values no vector-Jacobian product needs (the input
    of a sum, the output of a matmul feeding an add, ...) and that nothing but
    the graph holds -- no variable, no list -- gives up its values as soon as
    it is noticed: at the next recorded operation or at backward(). Reading
    them afterwards (through ``.parents``, say) raises
    `autograd.tensor.FreedValuesError`; shapes and dtypes stay readable, and
    backward() gives the same gradients, bit for bit.
    """
    return _set_mode(free_unneeded=True, retain_values=False)


_branch_observer: ContextVar = ContextVar("autograd_branch_observer", default=None)
branch_observer = _branch_observer.get
"""The callback told about every comparison of a Value (None: nobody is listening)."""


@contextmanager
def observe_branches(callback):
    """Inside this block, ``callback(value, symbol, other, outcome)`` hears of every ``<, <=, >, >=`` on a Value.

    `autograd.compile` listens while it traces, so that the compiled code can
    check that the same branches are taken (see `autograd.trace`).
    """
    token = _branch_observer.set(callback)
    try:
        yield
    finally:
        _branch_observer.reset(token)


_transforming: ContextVar = ContextVar("autograd_transforming", default=None)
transforming = _transforming.get
"""The name of the transformation ("grad", "jvp", ...) whose function is running now; None outside one."""


@contextmanager
def running_under(name: str):
    """Mark that a function is being run by `grad`/`jvp`/... so that leaving the graph is an error.

    ``math.sin(x)`` or ``float(x)`` turns a Value (or a Dual) into a plain
    float, and whatever is computed from it has no gradient: a silent 0.
    Inside this block ``float()`` of a node raises instead, as JAX refuses
    to turn a tracer into a number. (``x.data`` still reads the number on purpose.)
    """
    token = _transforming.set(name)
    try:
        yield
    finally:
        _transforming.reset(token)


def refuse_float(node) -> None:
    """Raise if ``float(node)`` would leave the graph of a running transformation (see `running_under`)."""
    name = _transforming.get()
    if name is not None:
        kind = type(node).__name__
        raise TypeError(f"float() of a {kind} inside {name}(): the number leaves the graph, so everything computed "
                        f"from it would get a gradient of 0 without a word. Keep it a {kind} (x.sin(), F.sin(x) "
                        f"instead of math.sin(x)), or read x.data to use the plain number on purpose")


def check_finite(number, what: str) -> None:
    """Raise FloatingPointError if `number` is nan or +-inf; `what` says where it came from."""
    value = getattr(number, "data", number)
    value = getattr(value, "value", value)  # a Dual: its value
    if isinstance(value, float) and not math.isfinite(value):
        raise FloatingPointError(f"detect_anomaly: {what} produced {value}")
