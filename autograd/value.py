"""`Value`: a number that remembers how it was computed.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + x.sin()          # recorded: mul, sin, add
    >>> y.backward()                  # d y/d x = 2x + cos(x)
    >>> x.grad
    3.5838531634528574

Every operation on a Value makes a new Value holding the result, the
primitive that made it and its inputs (its parents). `backward()` then walks
that graph from the output back to the leaves and applies the chain rule,
reading each local derivative from the table in `autograd.ops`.

A plain number in an operation, the 2 of ``x * 2``, is kept in the node as the
float it is, not wrapped in a Value of its own: nothing differentiates with
respect to it (PyTorch does the same with a Python number), and a chain of
``y * c + d`` then costs one node per operation instead of two. Tools that
look at ``.parents`` see it as a `Constant` leaf.

The operator methods (``+ - * /``, ``-x``, ``abs``) and ``x.tanh()`` and
friends are not written out one by one: `ops.install` makes each from its row
of the table with `_binary_method` or `_unary_method`, and the class only
declares them for editors (the ``if TYPE_CHECKING:`` block). That keeps every
derivative in one place, and the two factories are also the hot path of the
whole library, so they are written for speed (``__slots__``, no closures
that point back at their own node, one check of the mode per operation).
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import TYPE_CHECKING

from autograd import arguments, ops, scopes
from autograd.comparisons import ComparedByData
from autograd.dual import Dual, push_forward
from autograd.elementary import REAL_TYPES
from autograd.graph import chain_rule, topological_order
from autograd.modes import RECORDING, check_finite, current, refuse_float

__all__ = ["Value", "Constant", "apply", "numbers_as_leaves"]

_new = object.__new__
_scope_now = scopes.NOW  # _scope_now[0]: the module Scope running now, or "" (see autograd.scopes)


class Value(ComparedByData):
    """A scalar node of the computation graph.

    data   the number (a float; a `Dual` when forward mode runs through it)
    grad   d(output)/d(this node), summed over every backward() call; 0.0 at first
    label  an optional name, shown in drawings and error messages
    """

    # _tag holds the label, and the module Scope the node was made in (see autograd.scopes): one
    # slot for both, because a ninth slot would cost 16 bytes per node (the allocator rounds up).
    __slots__ = ("data", "grad", "_tag", "_op", "_a", "_b", "_g", "__weakref__")
    requires_grad = True  # (a Constant's is False; drawings read it, as they read a Tensor's)

    def __init__(self, data, label: str = ""):
        self.data = _as_data(data)
        self.grad = 0.0
        if type(label) is not str:
            raise TypeError(f"label must be a string, got {arguments.shown(label)}")
        self._tag = scopes.tag(label, _scope_now[0])
        self._op = None  # the primitive that made this node; None for a leaf
        self._a = None   # its first input: a Value, or a float for a plain number (``2 - x``)
        self._b = None   # its second input, if the primitive is binary: a Value or a float (``x * 2``)
        self._g = None   # during a backward pass: this node's gradient so far (see graph.chain_rule)

    @property
    def label(self) -> str:
        """An optional name, shown in drawings and error messages ("" when none)."""
        held = self._tag
        return held if type(held) is str else held.label

    @label.setter
    def label(self, label: str) -> None:
        if type(label) is not str:
            raise TypeError(f"label must be a string, got {arguments.shown(label)}")
        self._tag = scopes.relabel(self._tag, label)  # the module path stays

    @property
    def op(self) -> str:
        """The symbol of the operation that made this node, '' for a leaf."""
        return self._op.symbol if self._op is not None else ""

    @property
    def parents(self) -> tuple:
        """The inputs of the operation that made this node, in argument order; a plain number as a `Constant`."""
        a, b = self._a, self._b
        if type(a) is float or type(b) is float:
            return _parents_with_constants(self)
        if b is None:
            return () if a is None else (a,)
        return (a, b)

    def backward(self, gradient=1.0) -> None:
        """Add d(self)/d(node) into ``node.grad`` for every node this one depends on.

        Gradients accumulate, as in PyTorch and micrograd: call backward()
        twice and every .grad doubles. Set ``p.grad = 0.0`` (or call a
        module's ``zero_grad()``) before the next pass.
        """
        for node in chain_rule(self, gradient):
            node.grad += node._g
            node._g = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    if TYPE_CHECKING:  # installed from the table by ops.install (below the class); declared for editors
        def __add__(self, other: Value | float) -> Value: ...
        __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __add__
        def __neg__(self) -> Value: ...
        __abs__ = exp = log = sqrt = tanh = sigmoid = relu = sin = cos = abs = __neg__  # noqa: A003

    def __float__(self) -> float:
        refuse_float(self)  # inside grad(f), float(x) would cut x out of the graph: an error, not a silent 0
        return float(self.data)


def _as_data(data):
    """Real numbers (ints and numpy scalars too) become floats; a Dual is kept as it is."""
    if isinstance(data, REAL_TYPES):
        return float(data)
    if isinstance(data, Dual):
        return data
    raise TypeError(f"Value holds a real number, not {type(data).__name__}: {data!r}")


class Constant(ComparedByData):
    """A plain number that an operation took, as the tools see it: a leaf with data and no gradient.

    ``y = x * 2`` keeps the float 2.0 in y itself, and the backward pass
    leaves it alone: nothing asked for d y/d 2. Drawings, the chain-rule trace
    and every other walk through ``.parents`` want a node there to show,
    though, so ``y.parents`` is ``(x, Constant(2.0))``: made the first time it
    is asked for and the same object while y lives. It has the node interface
    the tools read (data, grad, label, op, parents), with ``grad`` None and
    ``requires_grad`` False, as a PyTorch tensor nobody asked a gradient of;
    it takes part in no arithmetic (it is a picture of a number, not a Value).
    """

    __slots__ = ("data", "_scope", "__weakref__")
    grad = None
    requires_grad = False
    label = ""
    op = ""
    parents = ()
    _op = None  # a leaf, to the tools that read the engine's own field

    def __init__(self, number: float, scope=None):
        self.data = number
        self._scope = scope  # the module of the operation that took it (see autograd.scopes)

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"


_constant_leaves: dict[int, tuple] = {}  # id(node) -> node.parents with its numbers as Constants, while node lives


def _parents_with_constants(node) -> tuple:
    held = _constant_leaves.get(id(node))
    if held is None:
        scope = scopes.scope_of(node)
        held = tuple(Constant(p, scope) if type(p) is float else p for p in (node._a, node._b) if p is not None)
        _constant_leaves[id(node)] = held
        weakref.finalize(node, _constant_leaves.pop, id(node), None)
    return held


def numbers_as_leaves(root: Value) -> None:
    """Give each plain number in root's graph a leaf Value of its own, with a gradient: micrograd's picture.

    Code's numbers are constants (see the module's docstring). The playground
    teaches the chain rule symbol by symbol, so there the 2 of ``2*x`` is a
    node whose gradient a learner can ask for (d(2x)/d2 = x); it calls this
    on each graph it builds, before any backward pass.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {arguments.shown(root)}")
    for node in topological_order(root):
        a, b = node._a, node._b
        if type(a) is float or type(b) is float:
            scope = scopes.scope_of(node)
            if type(a) is float:
                node._a = _leaf(a, scope)
            if type(b) is float:
                node._b = _leaf(b, scope)
            _constant_leaves.pop(id(node), None)  # its Constants, if a tool has asked: they are gone


def _leaf(number: float, scope) -> Value:
    leaf = Value(number)
    leaf._tag = scope if scope is not None else ""
    return leaf


def _operand(x):
    """What a Value operation keeps of one operand: the Value itself, or a plain number as a float (else None)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, REAL_TYPES):
        return float(x)
    return None


def _data_of(x):
    return x if type(x) is float else x.data


def _record(data, op, a, b=None):
    """A new node made by `op` from a (and b), minding no_grad() and detect_anomaly().

    The methods below inline the common case and come here only when a mode is set.
    """
    mode = current()
    out = Value(data)
    if mode.recording:
        out._op, out._a, out._b = op, a, b
    if mode.detect_anomaly:
        inputs = ", ".join(f"{p!r}" if type(p) is float else f"{p.label or 'input'}={p.data!r}"
                           for p in (a, b) if p is not None)
        check_finite(data, f"{op.expression} on ({inputs})")
    return out


def apply(op: ops.Primitive, *operands):
    """Apply a primitive to any mix of Values, Duals and numbers: what ``op(...)`` does.

    With a Value among the operands the result is one recorded node whose
    backward pass uses ``op.partials``; with Duals (and no Value) it is pushed
    forward; on plain numbers it is just ``op.forward``. This is how a
    primitive of your own joins the engine (see `ops.Primitive`).
    """
    if not isinstance(op, ops.Primitive):
        raise TypeError(f"op must be an autograd.ops.Primitive (a row of the table), got {arguments.shown(op)}")
    if len(operands) != op.arity:
        raise TypeError(f"{op.expression} takes {op.arity} operand(s), got {len(operands)}")
    if any(isinstance(x, Value) for x in operands):
        kept = [_operand(x) for x in operands]
        if None in kept:
            bad = operands[kept.index(None)]
            raise TypeError(f"{op.expression} cannot take {type(bad).__name__}: {bad!r}")
        return _record(op.forward(*map(_data_of, kept)), op, *kept)
    if any(isinstance(x, Dual) for x in operands):
        return push_forward(op, *operands)
    return op.forward(*operands)


def _binary_method(op: ops.Primitive, reflected: bool = False):
    forward = op.forward

    def method(self, other):
        if type(other) is Value:
            a, b = (other, self) if reflected else (self, other)
            data = forward(a.data, b.data)
        elif isinstance(other, REAL_TYPES):  # a plain number is kept as the float it is (see the module's docstring)
            if reflected:
                a, b = float(other), self
                data = forward(a, self.data)
            else:
                a, b = self, float(other)
                data = forward(self.data, b)
        else:
            return NotImplemented
        if current() is not RECORDING:
            return _record(data, op, a, b)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out._tag = _scope_now[0]
        out._op = op
        out._a = a
        out._b = b
        out._g = None
        return out

    method.__name__ = f"__{'r' if reflected else ''}{op.name}__"
    method.__doc__ = f"{op.expression}, recorded; d/da, d/db = {', '.join(op.formulas)}"
    return method


def _unary_method(op: ops.Primitive):
    forward = op.forward

    def method(self):
        data = forward(self.data)
        if current() is not RECORDING:
            return _record(data, op, self)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out._tag = _scope_now[0]
        out._op = op
        out._a = self
        out._b = None
        out._g = None
        return out

    method.__name__ = op.name
    method.__doc__ = f"{op.expression}, recorded; its derivative is {op.formulas[0]}"
    return method


def _pow(self, exponent):
    """``x ** n`` with a constant n is its own primitive (see `ops.power`); ``x ** y`` with a Value y is `ops.pow`."""
    if isinstance(exponent, REAL_TYPES):
        return _power_method(float(exponent))(self)
    return _value_pow(self, exponent)


_power_method = lru_cache(maxsize=256)(lambda n: _unary_method(ops.power(n)))
_value_pow = _binary_method(ops.pow)

ops.install(Value, ops, _binary_method, _unary_method)
Value.__pow__ = _pow
Value.identity = _unary_method(ops.identity)  # a fresh node on top of x (used by grad)

ops._engine = apply  # the table calls back into the engine through this, without importing it
