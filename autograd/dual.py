"""`Dual`: forward-mode differentiation with dual numbers, for comparison.

A dual number is a pair (value, tangent): the tangent is how fast the value
moves when the input moves at speed 1. Every operation moves the pair along
by the chain rule, reading the same local partials as reverse mode::

    out.value   = op(a.value, b.value)
    out.tangent = d op/d a * a.tangent + d op/d b * b.tangent

    >>> x = Dual(2.0, 1.0)       # x = 2, dx = 1
    >>> (x * x).tangent          # d(x^2)/dx at 2
    4.0

One forward pass gives the derivative along one direction. For f: R^n -> R
that means n passes for the whole gradient, where reverse mode needs one;
for f: R -> R^m it is the other way round.

Tags. When forward mode is nested (a derivative inside a derivative), the
tangents of the two levels must not mix. Each `jvp` call gets its own tag;
an operation works on the innermost (highest) tag among its operands and
treats everything else, including Duals of outer levels, as constants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograd import ops
from autograd.elementary import REAL_TYPES
from autograd.modes import check_finite, current, refuse_float

__all__ = ["Dual"]


class Dual:
    """A value with a tangent: ``Dual(value, tangent=0.0)``."""

    __slots__ = ("value", "tangent", "tag")

    def __init__(self, value, tangent=0.0, tag: int = 0):
        self.value = value
        self.tangent = tangent
        self.tag = tag

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    def __float__(self) -> float:
        refuse_float(self)  # inside jvp(f), float(x) would drop x's tangent: an error, not a silent 0
        return float(self.value)

    # Comparisons look at the value, so that relu's and abs's slopes and a
    # user's `if x > 0` work unchanged on Duals.
    if TYPE_CHECKING:  # installed from the table by ops.install (below the class); declared for editors
        def __add__(self, other: Dual | float) -> Dual: ...
        __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __add__
        def __neg__(self) -> Dual: ...
        __abs__ = exp = log = sqrt = tanh = sigmoid = relu = sin = cos = abs = __neg__  # noqa: A003

    def __lt__(self, other):
        return self.value < _value_of(other)

    def __le__(self, other):
        return self.value <= _value_of(other)

    def __gt__(self, other):
        return self.value > _value_of(other)

    def __ge__(self, other):
        return self.value >= _value_of(other)


def _value_of(x):
    return x.value if isinstance(x, Dual) else x


def _is_operand(x) -> bool:
    return isinstance(x, (Dual, *REAL_TYPES)) or hasattr(x, "_op")  # a Value as a constant


def push_forward(op: ops.Primitive, *operands):
    """Apply `op` to operands of which at least one is a Dual; return a Dual."""
    tag = max(x.tag for x in operands if isinstance(x, Dual))
    primals = []
    tangents = []  # (position, tangent) for the operands that move at this tag
    for i, x in enumerate(operands):
        if isinstance(x, Dual) and x.tag == tag:
            primals.append(x.value)
            tangents.append((i, x.tangent))
        else:
            primals.append(x)
    value = op.forward(*primals)
    try:
        partials = op.partials(*primals, value)
    except ArithmeticError:  # 1 / 0.0 in Python floats: redo it the IEEE way
        partials = ops.ieee_partials(op, primals, value)
    # Only operands that move contribute: a constant's partial is never
    # multiplied by zero, which would turn an infinite partial into nan.
    tangent = None
    for i, t in tangents:
        term = partials[i] * t
        tangent = term if tangent is None else tangent + term
    if current().detect_anomaly:
        check_finite(value, f"{op.expression} (forward mode)")
        check_finite(tangent, f"the tangent of {op.expression} (forward mode)")
    return Dual(value, tangent, tag)


def _binary_method(op: ops.Primitive, reflected: bool = False):
    def method(self, other):
        if not _is_operand(other):
            return NotImplemented
        return push_forward(op, other, self) if reflected else push_forward(op, self, other)

    method.__name__ = f"__{'r' if reflected else ''}{op.name}__"
    return method


def _unary_method(op: ops.Primitive):
    def method(self):
        return push_forward(op, self)

    method.__name__ = op.name
    return method


def _pow(self, exponent):
    if isinstance(exponent, REAL_TYPES):
        return push_forward(ops.power(float(exponent)), self)
    if not _is_operand(exponent):
        return NotImplemented
    return push_forward(ops.pow, self, exponent)


ops.install(Dual, ops, _binary_method, _unary_method)
Dual.__pow__ = _pow
Dual.identity = _unary_method(ops.identity)
