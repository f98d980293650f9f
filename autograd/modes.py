"""Switches that change how operations are recorded: `no_grad` and `detect_anomaly`.

The current mode lives in a `contextvars.ContextVar`, so each thread and each
asyncio task sees its own: a `no_grad()` block in one thread never stops
another thread from recording its graph.

Both are context managers and decorators::

    with no_grad():            # evaluate without building a graph
        prediction = model(x)

    @no_grad()
    def evaluate(model): ...
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Mode:
    recording: bool = True      # record parents, so that backward() can run
    detect_anomaly: bool = False  # raise at the first nan or inf


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


def check_finite(number, what: str) -> None:
    """Raise FloatingPointError if `number` is nan or +-inf; `what` says where it came from."""
    value = getattr(number, "data", number)
    value = getattr(value, "value", value)  # a Dual: its value
    if isinstance(value, float) and not math.isfinite(value):
        raise FloatingPointError(f"detect_anomaly: {what} produced {value}")
