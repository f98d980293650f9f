"""Derivatives of plain Python functions, JAX-style.

    >>> grad(lambda a, b: a * b + a)(2.0, 3.0)          # d/da at (2, 3)
    4.0
    >>> grad(lambda a, b: a * b + a, argnums=(0, 1))(2.0, 3.0)
    (4.0, 2.0)
    >>> grad(grad(lambda x: x ** 3))(2.0)                # 6x at 2
    12.0
    >>> jvp(lambda x: x.sin(), (0.0,), (1.0,))          # forward mode
    (0.0, 1.0)

`grad` wraps the chosen arguments in `Value`s, calls the function, and runs
the backward pass; `jvp` wraps them in `Dual`s and reads the tangent. Floats
in, floats out.

Higher order. When `grad` is called inside another `grad` (the function being
differentiated is itself a gradient), the inner backward pass must be
recorded so that the outer one can differentiate it. A context variable
counts how deep we are; at depth > 0 the inner pass runs with
``create_graph=True`` and returns Values instead of floats.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from contextvars import ContextVar

import numpy as np

from autograd import arguments
from autograd.dual import Dual
from autograd.elementary import REAL_TYPES
from autograd.graph import backpropagate
from autograd.modes import enable_grad, running_under
from autograd.value import Value

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "derivative", "hessian"]

_reverse_depth: ContextVar[int] = ContextVar("autograd_reverse_depth", default=0)
_new_tag = itertools.count(1).__next__


def _leaf(x, transformation: str, i: int) -> Value:
    """A fresh node for argument i. For a Value (an outer grad is watching), an identity
    node on top of it, so that this pass stops there and the outer pass goes on through."""
    if isinstance(x, Value):
        return x.identity()
    if isinstance(x, Dual) or (isinstance(x, REAL_TYPES) and not isinstance(x, (bool, np.bool_))):
        return Value(x)
    raise TypeError(f"{transformation}: argument {i} must be a real number, got {arguments.shown(x)} "
                    "(for arrays, use Tensor and .backward())")


def _positions(argnums, transformation: str) -> tuple[int, ...]:
    """argnums as a tuple of ints, checked for its type when the transformation is made."""
    if isinstance(argnums, (bool, np.bool_)) or not isinstance(argnums, (int, np.integer, tuple, list)):
        raise TypeError(f"{transformation}: argnums must be an int or a tuple of ints, got {arguments.shown(argnums)}")
    positions = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    for p in positions:
        arguments.integer("argnums", p)
    if not positions:
        raise ValueError(f"{transformation}: argnums is empty: say which argument(s) to differentiate")
    if len(set(positions)) != len(positions):
        raise ValueError(f"{transformation}: argnums names an argument twice: {argnums!r}")
    return tuple(int(p) for p in positions)


def _in_range(positions: tuple[int, ...], argnums, count: int, transformation: str) -> tuple[int, ...]:
    """Each position as an index into the call's arguments (negative ones count from the end, as in JAX)."""
    if any(not -count <= p < count for p in positions):
        raise ValueError(f"{transformation}: argnums={argnums!r}, but the function was called with {count} "
                         f"argument(s): argnums must be from {-count} to {count - 1}")
    return tuple(p % count for p in positions)


def _pick(argnums, gradients: list):
    """One gradient for an int argnums, a tuple of them for a sequence."""
    return gradients[0] if isinstance(argnums, (int, np.integer)) else tuple(gradients)


def _checked_output(out, transformation: str):
    """f's result must be one number: a Value (or a plain number, for a constant function)."""
    if isinstance(out, Value) or (isinstance(out, REAL_TYPES) and not isinstance(out, (bool, np.bool_))):
        return out
    hint = " (to differentiate several outputs, call it once per output)" if isinstance(out, (tuple, list)) else ""
    raise TypeError(f"{transformation}: the function must return one number, a Value computed from its "
                    f"arguments, got {arguments.shown(out)}{hint}")


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``value_and_grad(f)(*args) -> (f(*args), gradient)``, gradient as in `grad`."""
    arguments.function("f", f)
    positions = _positions(argnums, "value_and_grad")

    def value_and_gradient(*args):
        chosen = _in_range(positions, argnums, len(args), "grad")
        depth = _reverse_depth.get()
        token = _reverse_depth.set(depth + 1)
        try:
            with enable_grad():  # a gradient was asked for, so record even inside no_grad()
                args = list(args)
                leaves = []
                for i in chosen:
                    args[i] = _leaf(args[i], "grad", i)
                    leaves.append(args[i])
                with running_under("grad"):
                    out = _checked_output(f(*args), "grad")
                if not isinstance(out, Value):  # f did not use its inputs: a constant
                    return out, _pick(argnums, [0.0] * len(leaves))
                grads = backpropagate(out, create_graph=depth > 0, stop_at=frozenset(leaves))
        finally:
            _reverse_depth.reset(token)
        value = out if depth > 0 else out.data
        return value, _pick(argnums, [grads.get(leaf, 0.0) for leaf in leaves])

    return value_and_gradient


def grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The gradient of a scalar function, by reverse mode.

    ``grad(f)(*args)`` is d f/d args[0]; with ``argnums=(0, 2)`` it is the
    tuple (d f/d args[0], d f/d args[2]). Nest it for higher derivatives:
    ``grad(grad(f))``.

    f must return one number computed from its arguments with Values (their
    operators and methods, or ``F``): a tuple, None or a string is a
    TypeError, and so is ``float(x)`` or ``math.sin(x)`` inside f, which
    would cut x out of the graph and give a gradient of 0 without a word.
    """
    value_and_gradient = value_and_grad(f, argnums)

    def gradient(*args):
        return value_and_gradient(*args)[1]

    return gradient


def vjp(f: Callable, *primals):
    """``(f(*primals), pullback)``; ``pullback(v)`` is v times the gradient, one reverse pass."""
    arguments.function("f", f)
    with enable_grad():
        leaves = [_leaf(x, "vjp", i) for i, x in enumerate(primals)]
        with running_under("vjp"):
            out = _checked_output(f(*leaves), "vjp")

    def pullback(cotangent=1.0):
        cotangent = arguments.real("cotangent", cotangent, finite=False)
        if not isinstance(out, Value):
            return tuple(0.0 for _ in leaves)
        grads = backpropagate(out, cotangent, stop_at=frozenset(leaves))
        return tuple(grads.get(leaf, 0.0) for leaf in leaves)

    return (out.data if isinstance(out, Value) else out), pullback


def jvp(f: Callable, primals: Sequence, tangents: Sequence):
    """Forward mode: ``(f(*primals), directional derivative of f along tangents)``.

    One pass of `Dual` numbers. The tangent of the output is
    sum_i d f/d x_i * tangents[i]; with a one-hot tangent it is one partial.
    """
    arguments.function("f", f)
    for name, given in (("primals", primals), ("tangents", tangents)):
        if isinstance(given, (str, bytes)) or not isinstance(given, (Sequence, np.ndarray)):
            raise TypeError(f"jvp: {name} must be a tuple of numbers, like (0.5,), got {arguments.shown(given)}")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp needs one tangent per primal: got {len(primals)} primals "
                         f"and {len(tangents)} tangents")
    for i, t in enumerate(tangents):
        if not isinstance(t, (Dual, Value)):
            arguments.real(f"tangents[{i}]", t, finite=False)
    for i, x in enumerate(primals):
        if not isinstance(x, (Dual, Value)):
            arguments.real(f"primals[{i}]", x, finite=False)
    tag = _new_tag()
    with running_under("jvp"):
        out = f(*(Dual(x, t, tag) for x, t in zip(primals, tangents)))
    if isinstance(out, (tuple, list)):
        pairs = [_split(y, tag) for y in out]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    return _split(out, tag)


def _split(y, tag):
    if isinstance(y, Dual) and y.tag == tag:
        return y.value, y.tangent
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"jvp: the function must return a number (or a tuple of numbers), got {arguments.shown(y)}")
    return y, 0.0  # y does not depend on this level's inputs


def derivative(f: Callable) -> Callable:
    """``derivative(f)(x)``: f'(x) for f: R -> R, by one forward-mode pass."""
    arguments.function("f", f)

    def f_prime(x):
        return jvp(f, (x,), (1.0,))[1]

    return f_prime


def hessian(f: Callable) -> Callable:
    """``hessian(f)(*args)``: the matrix of second derivatives, as a numpy array.

    Row i is the gradient of d f/d x_i: reverse mode over reverse mode, n + 1
    passes for n arguments. Meant for small functions, e.g. Newton's method::

        x = x - np.linalg.solve(hessian(f)(*x), grad(f, argnums=...)(*x))
    """

    arguments.function("f", f)

    def matrix(*args):
        if not args:
            raise ValueError("hessian: the function needs at least one argument to differentiate")
        everything = tuple(range(len(args)))
        return np.array([grad(grad(f, argnums=i), argnums=everything)(*args)
                         for i in range(len(args))], dtype=float)

    return matrix
