"""Checking what a public function is given, once, at the door.

Every public function and constructor of autograd checks its arguments with
the helpers below, so that every complaint reads the same way and names the
argument, what it got and what it accepts::

    TypeError:  lr must be a real number, got 'a' (a str)
    ValueError: Invalid learning rate: lr must be >= 0, got -1.0
    ValueError: batch_size must be an integer >= 1, got 0

A wrong *type* is a `TypeError`, a wrong *value* of the right type a
`ValueError`, as in Python's own builtins. Each helper returns the value in
its normal form (a float, an int), so a caller writes ``lr = real("lr", lr,
low=0)`` and uses the result.

Why only at the door: the methods of `Value` and `Tensor` and the backward
pass are the hot path of every training step, and they never call these
(a check there would cost more than the arithmetic it guards). What reaches
them has been checked by the function that took it from the user.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

__all__: list[str] = []  # helpers for the package's own functions, not an API of their own


def shown(value, limit: int = 60) -> str:
    """``'a' (a str)``: a short repr of what was given, with its type."""
    text = repr(value)
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    kind = type(value).__name__
    return f"{text} ({'an' if kind[0] in 'aeiouAEIOU' else 'a'} {kind})"


def _bounds(low, high, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def _prefix(what: str | None) -> str:
    return f"Invalid {what}: " if what else ""


def real(name: str, value, *, low: float | None = None, high: float | None = None, low_open: bool = False,
         high_open: bool = False, finite: bool = True, what: str | None = None) -> float:
    """`value` as a float, or an error naming `name`.

    Accepts Python and numpy reals (not bools: ``lr=True`` is a mistake,
    not 1.0). nan is always refused; inf is refused unless ``finite=False``.
    ``low``/``high`` bound it (inclusive unless ``low_open``/``high_open``).
    ``what`` adds torch.optim's wording in front ("Invalid learning rate: ").
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{_prefix(what)}{name} must be a real number, got {shown(value)}")
    number = float(value)
    bounds = _bounds(low, high, low_open, high_open)
    accepts = f"a {'finite ' if finite else ''}number" + (f" {bounds}" if bounds else "")
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{_prefix(what)}{name} must be {accepts}, got {number!r}")
    if ((low is not None and (number < low or (low_open and number == low)))
            or (high is not None and (number > high or (high_open and number == high)))):
        raise ValueError(f"{_prefix(what)}{name} must be {accepts}, got {value!r}")
    return number


def integer(name: str, value, *, low: int | None = None, high: int | None = None, what: str | None = None) -> int:
    """`value` as an int (Python or numpy integers; not bools, not floats such as 2.5 or 2.0)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_prefix(what)}{name} must be an integer, got {shown(value)}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{_prefix(what)}{name} must be an integer {_bounds(low, high, False, False)}, "
                         f"got {number!r}")
    return number


def flag(name: str, value) -> bool:
    """`value` as a bool: True, False (or numpy's), nothing else."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {shown(value)}")
    return bool(value)


def text(name: str, value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {shown(value)}")
    return value


def one_of(name: str, value, options: Iterable):
    """`value` if it is one of `options` (compared with ==), else a ValueError listing them."""
    options = tuple(options)
    try:
        known = bool(value in options)
    except (TypeError, ValueError):  # an unhashable or incomparable value; an array (== is elementwise)
        known = False
    if not known:
        listed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {listed}; got {shown(value)}")
    return value


def function(name: str, value) -> Callable:
    if not callable(value):
        raise TypeError(f"{name} must be a function (a callable), got {shown(value)}")
    return value


def optional(check: Callable, name: str, value, **bounds):
    """None, or `value` checked by `check` (one of the helpers above)."""
    return None if value is None else check(name, value, **bounds)


def sequence_of_integers(name: str, value, *, low: int | None = None, minimum_length: int = 0) -> list[int]:
    """A list or tuple of integers (each checked like `integer`), e.g. the layer sizes of an MLP."""
    if (isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, range, np.ndarray))
            or (isinstance(value, np.ndarray) and value.ndim == 0)):  # one number: list() of it fails
        raise TypeError(f"{name} must be a list of integers, got {shown(value)}")
    items = list(value)
    if len(items) < minimum_length:
        raise ValueError(f"{name} must hold at least {minimum_length} integer(s), got {items!r}")
    return [integer(f"{name}[{i}]", item, low=low) for i, item in enumerate(items)]


def array(name: str, value, *, ndim: int | tuple[int, ...] | None = None, numeric: bool = True,
          finite: bool = False, nonempty: bool = False) -> np.ndarray:
    """`value` as a numpy array (no copy when it already is one), with its rank and contents checked.

    ndim      the rank (or ranks) accepted
    numeric   refuse strings, objects and the like (bools and integers pass)
    finite    refuse nan and inf
    nonempty  refuse an array with no elements
    """
    try:
        result = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged lists, say
        raise ValueError(f"{name} must be an array of numbers, got {shown(value)}: {error}") from None
    if numeric and result.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers, got an array of {result.dtype} from {shown(value)}")
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if result.ndim not in ranks:
            wanted = " or ".join(str(r) for r in ranks)
            raise ValueError(f"{name} must have {wanted} dimension(s), got shape {result.shape}")
    if nonempty and result.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {result.shape}")
    if finite and result.dtype.kind == "f" and not np.isfinite(result).all():
        raise ValueError(f"{name} must hold finite numbers, got nan or inf in {shown(value)}")
    return result


def path(name: str, value) -> Path:
    """`value` as a `pathlib.Path`: a str or an os.PathLike, not empty, without NUL bytes.

    Whether the file exists is for the caller to find out by opening it
    (an `OSError` naming the path), not for a check that could go stale.
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (a str or a pathlib.Path), got {shown(value)}")
    text = os.fspath(value)
    if not isinstance(text, str):  # an os.PathLike handing back bytes
        raise TypeError(f"{name} must be a path (a str or a pathlib.Path), got {shown(value)}")
    if not text or "\0" in text:
        raise ValueError(f"{name} must be a non-empty path without NUL characters, got {text!r}")
    return Path(text)


def floating_dtype(name: str, value) -> np.dtype:
    """`value` as a numpy floating-point dtype (np.float32, "float64", ...), the dtypes a Tensor holds."""
    try:
        dtype = None if value is None else np.dtype(value)  # (numpy reads None as float64)
    except (TypeError, ValueError):
        dtype = None
    if dtype is None:
        raise TypeError(f"{name} must be a floating-point dtype such as numpy.float32, got {shown(value)}")
    if dtype.kind != "f":
        raise TypeError(f"{name} must be a floating-point dtype such as numpy.float32, got {dtype}")
    return dtype


def node(name: str, value):
    """A node of a computation graph: a `Value` or a `Tensor` (duck-typed: both have ``parents`` and ``data``)."""
    if not all(hasattr(value, attribute) for attribute in ("data", "grad", "parents")):
        raise TypeError(f"{name} must be a Value or a Tensor (a node of a computation graph), got {shown(value)}")
    return value


def number_format(name: str, value):
    """A format spec such as ".4g" (tried on a number at once) or a function number -> str."""
    if callable(value):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a format spec such as '.4g' or a function number -> str, got {shown(value)}")
    try:
        format(1.5, value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a format spec for numbers such as '.4g' or '.6f', got {value!r}") from None
    return value
