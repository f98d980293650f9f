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

from autograd.dual import Dual
from autograd.graph import backpropagate
from autograd.modes import enable_grad
from autograd.value import Value

_reverse_depth: ContextVar[int] = ContextVar("autograd_reverse_depth", default=0)
_new_tag = itertools.count(1).__next__


def _leaf(x) -> Value:
    """A fresh node for an input. For a Value (an outer grad is watching), an identity
    node on top of it, so that this pass stops there and the outer pass goes on through."""
    return x.identity() if isinstance(x, Value) else Value(x)


def _positions(argnums) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


def _pick(argnums, gradients: list):
    """One gradient for an int argnums, a tuple of them for a sequence."""
    return gradients[0] if isinstance(argnums, int) else tuple(gradients)


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """``value_and_grad(f)(*args) -> (f(*args), gradient)``, gradient as in `grad`."""

    def value_and_gradient(*args):
        depth = _reverse_depth.get()
        token = _reverse_depth.set(depth + 1)
        try:
            with enable_grad():  # a gradient was asked for, so record even inside no_grad()
                args = list(args)
                leaves = []
                for i in _positions(argnums):
                    args[i] = _leaf(args[i])
                    leaves.append(args[i])
                out = f(*args)
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
    """
    value_and_gradient = value_and_grad(f, argnums)

    def gradient(*args):
        return value_and_gradient(*args)[1]

    return gradient


def vjp(f: Callable, *primals):
    """``(f(*primals), pullback)``; ``pullback(v)`` is v times the gradient, one reverse pass."""
    with enable_grad():
        leaves = [_leaf(x) for x in primals]
        out = f(*leaves)

    def pullback(cotangent=1.0):
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
    if len(primals) != len(tangents):
        raise ValueError(f"jvp needs one tangent per primal: got {len(primals)} primals "
                         f"and {len(tangents)} tangents")
    tag = _new_tag()
    out = f(*(Dual(x, t, tag) for x, t in zip(primals, tangents)))
    if isinstance(out, (tuple, list)):
        pairs = [_split(y, tag) for y in out]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    return _split(out, tag)


def _split(y, tag):
    if isinstance(y, Dual) and y.tag == tag:
        return y.value, y.tangent
    return y, 0.0  # y does not depend on this level's inputs


def derivative(f: Callable) -> Callable:
    """``derivative(f)(x)``: f'(x) for f: R -> R, by one forward-mode pass."""

    def f_prime(x):
        return jvp(f, (x,), (1.0,))[1]

    return f_prime


def hessian(f: Callable) -> Callable:
    """``hessian(f)(*args)``: the matrix of second derivatives, as a numpy array.

    Row i is the gradient of d f/d x_i: reverse mode over reverse mode, n + 1
    passes for n arguments. Meant for small functions, e.g. Newton's method::

        x = x - np.linalg.solve(hessian(f)(*x), grad(f, argnums=...)(*x))
    """

    def matrix(*args):
        everything = tuple(range(len(args)))
        return np.array([grad(grad(f, argnums=i), argnums=everything)(*args)
                         for i in range(len(args))], dtype=float)

    return matrix
