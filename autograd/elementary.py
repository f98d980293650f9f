"""Elementary functions that work on plain numbers, `Value`s and `Dual`s alike.

    >>> from autograd import F, Value, Dual
    >>> F.tanh(0.5)              # a float in, a float out
    >>> F.tanh(Value(0.5))       # recorded into the graph, same as Value(0.5).tanh()
    >>> F.tanh(Dual(0.5, 1.0))   # carries a tangent, same as Dual(0.5, 1.0).tanh()

On plain numbers these follow IEEE-754 the way numpy does: ``exp(1000)`` is
``inf``, ``log(0)`` is ``-inf``, ``log(-1)`` and ``0/0`` are ``nan``. Python's
``math`` module raises ``OverflowError`` or ``ValueError`` instead, and that
must never happen halfway through a graph, so each function below catches
those cases and returns the IEEE answer.

The table of primitives (`autograd.ops`) writes every forward value and every
derivative with these functions, which is what lets one rule serve floats
(reverse mode), Duals (forward mode) and Values (higher-order derivatives).
"""

from __future__ import annotations

import math

import numpy as np

from autograd.arguments import shown
from autograd.array_library import namespace_or_none

REAL_TYPES = (float, int, np.floating, np.integer)


# --- IEEE-754 versions of math's functions, for plain numbers -----------------

def _real_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _real_log(x):
    if x > 0:
        return math.log(x)
    if x == 0:
        return -math.inf
    return math.nan  # negative, or nan


def _real_sqrt(x):
    return math.sqrt(x) if x >= 0 else math.nan


def _real_sigmoid(x):
    # Two branches so that exp never overflows: exp(-x) for x >= 0, exp(x) below.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _real_exp(x)
    return e / (1.0 + e)


def _real_relu(x):
    return 0.0 if x <= 0 else float(x)  # nan <= 0 is False, so relu(nan) is nan


def _real_sin(x):
    try:
        return math.sin(x)
    except ValueError:  # sin(inf)
        return math.nan


def _real_cos(x):
    try:
        return math.cos(x)
    except ValueError:
        return math.nan


def _real_pow(a, b):
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):  # 0 ** -1, (-8) ** (1/3), 10 ** 400
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(a), np.float64(b)))


def _real_div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        with np.errstate(all="ignore"):
            return float(np.float64(a) / np.float64(b))


# --- the functions users call ---------------------------------------------------

def _elementary(name, on_real, on_array, doc):
    """Build `F.<name>`: the IEEE function on plain numbers, numpy's on arrays, else the method `x.<name>()`.

    The array case is what lets a tensor primitive evaluate the scalar
    table's partial derivatives elementwise (see `autograd.tensor_ops`).
    An array of another library (torch, Dask, ...) gets its own library's
    function: `on_array` is written against the namespace ``xp``.
    """

    def function(x):
        if isinstance(x, REAL_TYPES):
            return on_real(x)
        if isinstance(x, np.ndarray):
            with np.errstate(all="ignore"):  # IEEE results, as on floats: log(0) is -inf, quietly
                try:
                    return on_array(x, np)
                except TypeError:  # an array of strings or objects
                    raise TypeError(f"F.{name} takes an array of numbers, got an array of {x.dtype}") from None
        xp = namespace_or_none(x)  # (a dictionary look-up by type; None for a Value, a Dual or a Tensor)
        if xp is not None:
            return on_array(x, xp)
        method = getattr(type(x), name, None)  # a Value, a Dual or a Tensor knows its own
        if method is None:
            raise TypeError(f"F.{name} takes a number, an array, a Value, a Dual or a Tensor, got {shown(x)}")
        return method(x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    function.on_real = on_real  # the float function alone, for code that knows it has floats (autograd.compile)
    return function


def _array_sigmoid(x, xp):
    # As for floats, without overflow: with e = exp(-|x|), 1/(1+e) for x >= 0 and e/(1+e) below.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _of_namespace(name: str):
    """The array function `name` of the array's namespace (numpy's ufunc for numpy arrays)."""
    return lambda x, xp: getattr(xp, name)(x)


exp = _elementary("exp", _real_exp, _of_namespace("exp"), "e ** x; exp(1000) is inf.")
log = _elementary("log", _real_log, _of_namespace("log"), "Natural logarithm; log(0) is -inf, log(x < 0) is nan.")
sqrt = _elementary("sqrt", _real_sqrt, _of_namespace("sqrt"), "Square root; sqrt(x < 0) is nan.")
tanh = _elementary("tanh", math.tanh, _of_namespace("tanh"), "Hyperbolic tangent.")
sigmoid = _elementary("sigmoid", _real_sigmoid, _array_sigmoid, "The logistic function 1 / (1 + e ** -x).")
relu = _elementary("relu", _real_relu, lambda x, xp: xp.maximum(x, 0 if xp is np else 0.0),
                   "max(0, x); relu(nan) is nan.")
sin = _elementary("sin", _real_sin, _of_namespace("sin"), "Sine; sin(inf) is nan.")
cos = _elementary("cos", _real_cos, _of_namespace("cos"), "Cosine; cos(inf) is nan.")
abs = _elementary("abs", math.fabs, _of_namespace("abs"), "Absolute value |x|.")  # noqa: A001 - mirrors x.abs()
identity = _elementary("identity", lambda x: x, lambda x, xp: x, "x itself; on a Value, a new node (see grad).")


def _real_sign(x):
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def sign(x):
    """-1, 0 or 1 by the sign of x (elementwise on arrays); the slope of |x|. Not recorded: a constant."""
    if isinstance(x, REAL_TYPES):
        return _real_sign(x)
    if isinstance(x, np.ndarray):
        return np.sign(x)
    xp = namespace_or_none(x)  # (None for a Value or a Dual)
    if xp is not None:
        return xp.sign(x)
    try:  # abs's slope in every backward pass: no check before the comparison, only after it fails
        return _real_sign(getattr(x, "data", x))  # a Value: its number (a Dual compares by its value)
    except (TypeError, ValueError):  # a list, a string, a Tensor's array
        raise TypeError(f"F.sign takes a number, an array, a Value or a Dual, got {shown(x)}") from None


def pow(a, b):  # noqa: A001 - mirrors the operator
    """a ** b; IEEE on plain numbers: 0 ** -1 is inf, (-8) ** (1/3) is nan."""
    if isinstance(a, REAL_TYPES) and isinstance(b, REAL_TYPES):
        return _real_pow(a, b)
    return a ** b


def div(a, b):
    """a / b; IEEE on plain numbers: 1 / 0 is inf, 0 / 0 is nan."""
    if isinstance(a, REAL_TYPES) and isinstance(b, REAL_TYPES):
        return _real_div(a, b)
    return a / b


pow.on_real = _real_pow
div.on_real = _real_div
sign.on_real = _real_sign

__all__ = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "identity", "sign", "pow", "div"]
