"""The one table of scalar primitives.

Every operation the engine knows is written down here exactly once: how to
compute its value, and its *local partial derivatives* -- how the output moves
when one input moves and the others stand still. Everything else reads this
table:

* reverse mode (`Value.backward`) multiplies each partial by the gradient
  arriving from above and adds the product into the input's gradient;
* forward mode (`Dual`) multiplies each partial by the input's tangent and
  sums;
* higher-order derivatives evaluate the very same partials on `Value`s instead
  of floats, so the derivative is itself recorded and can be differentiated;
* the tests walk the table, so a new primitive is checked the day it is added.

A partial is written as a function of the inputs *and the output*, because
several derivatives are cheapest in terms of the output::

    d tanh(x)/dx = 1 - tanh(x)**2   ->   lambda x, out: (1 - out * out,)

Partials use only ``+ - * /`` and the functions of `autograd.functions` (``F``),
which work on floats, Values and Duals alike. Plain ``**`` is avoided because
on floats it can return a complex number: ``(-8.0) ** 0.5`` is ``1.7e-16+1.4j``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from autograd import arguments
from autograd import functions as F

__all__ = ["Primitive", "power"]

_ANYWHERE = (-math.inf, math.inf)
_engine = None  # `autograd.value.apply`, once value.py is imported (see Primitive.__call__)
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+(\.\d*)?([eE][+-]?\d+)?")


def parenthesize(operand: str) -> str:
    """A plain name or number as it is, anything else in parentheses: ``x``, ``2.5``, ``(-0.5)``."""
    return operand if _PLAIN.fullmatch(operand) else f"({operand})"

_POSITIVE = (0.0, math.inf)


@dataclass(frozen=True, eq=False)
class Primitive:
    """One operation: its value, its partial derivatives, and how to print them.

    name       the method name (``"tanh"``) or operator name (``"mul"``)
    symbol     what a graph drawing writes on the op node (``"*"``, ``"tanh"``)
    forward    ``forward(*inputs) -> output``
    partials   ``partials(*inputs, output) -> (d output / d input_i, ...)``
    expression the operation in words a reader knows: ``"tanh(x)"``
    formulas   each partial as a formula, in the same names: ``("1 - tanh(x)^2",)``
    domains    for each input, the open interval where the derivative is tested
    kinks      points where the derivative does not exist (relu and abs at 0)
    constant   a number baked into the operation: the n of ``x ** n``

    ``op(*operands)`` applies the primitive to floats, Duals or Values, the
    last recorded as one node. A primitive of your own joins the engine the
    same way::

        softplus = Primitive("softplus", "softplus", lambda x: F.log(1 + F.exp(x)),
                             lambda x, out: (F.sigmoid(x),), "softplus(x)", ("sigmoid(x)",))
        y = softplus(Value(0.5))     # one node; backward() uses sigmoid(x)
        check_grads(softplus, (0.5,), order=2)
    """

    name: str
    symbol: str
    forward: Callable
    partials: Callable[..., tuple]
    expression: str
    formulas: tuple[str, ...]
    domains: tuple[tuple[float, float], ...] = ()
    kinks: tuple[float, ...] = ()
    constant: float | None = None

    def __post_init__(self):
        for field_name in ("name", "symbol", "expression"):
            arguments.text(field_name, getattr(self, field_name))
        arguments.function("forward", self.forward)
        arguments.function("partials", self.partials)
        if isinstance(self.formulas, str) or not isinstance(self.formulas, tuple) or \
                not all(isinstance(f, str) for f in self.formulas):
            raise TypeError(f"formulas must be a tuple of strings, one per input, like ('1 - tanh(x)^2',), "
                            f"got {arguments.shown(self.formulas)}")
        if not 1 <= len(self.formulas) <= 2:
            raise ValueError(f"a scalar primitive takes one or two inputs; {self.name} has "
                             f"{len(self.formulas)} formulas")
        if not self.domains:  # frozen: set the default the only way a frozen dataclass allows
            object.__setattr__(self, "domains", (_ANYWHERE,) * len(self.formulas))
        if (not isinstance(self.domains, tuple) or len(self.domains) != len(self.formulas)
                or not all(isinstance(d, tuple) and len(d) == 2 for d in self.domains)):
            raise TypeError(f"domains must be one (low, high) pair per input, got {arguments.shown(self.domains)}")
        for low, high in self.domains:
            if arguments.real("domains", low, finite=False) >= arguments.real("domains", high, finite=False):
                raise ValueError(f"each domain (low, high) needs low < high, got {self.domains!r}")
        if not isinstance(self.kinks, tuple):
            raise TypeError(f"kinks must be a tuple of numbers, got {arguments.shown(self.kinks)}")
        for kink in self.kinks:
            arguments.real("kinks", kink)
        if self.constant is not None:
            arguments.real("constant", self.constant, finite=False)

    def __call__(self, *operands):
        """Apply the primitive: to floats (its value), Duals (forward mode) or Values (one recorded node).

        The table does not import the engine built on it: `autograd.value`
        hands its `apply` over when it is imported (and ``import autograd``
        imports it), so this module stays at the bottom of the house.
        """
        if _engine is None:
            raise RuntimeError("import autograd (or autograd.value) before calling a primitive on operands")
        return _engine(self, *operands)

    @property
    def arity(self) -> int:
        return len(self.formulas)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names the expression and formulas use for the inputs: x, or a and b."""
        return ("x",) if self.arity == 1 else ("a", "b")

    def format(self, *operands: str, text: str | None = None) -> str:
        """The expression (or another `text` in the same names) with the inputs renamed.

        ``mul.format("x", "w")`` is ``"x * w"``; ``tanh.format("u", text=tanh.formulas[0])``
        is ``"1 - tanh(u)^2"``. All inputs are renamed at once, so a and b may
        swap places; an operand that is not a plain name or number gets
        parentheses: ``tanh.format("-0.5")`` is ``"tanh((-0.5))"``.
        """
        names = dict(zip(self.inputs, map(parenthesize, operands)))
        pattern = r"\b(" + "|".join(self.inputs) + r")\b"
        return re.sub(pattern, lambda m: names[m.group(1)], self.expression if text is None else text)

    def __repr__(self) -> str:
        return f"<primitive {self.expression}>"


def _relu_slope(x, out):
    return (x > 0,)  # True or False, and elementwise on arrays (a mask): 1 where x > 0, else 0


def _abs_slope(x, out):
    return (F.sign(x),)


# --- the table --------------------------------------------------------------------

add = Primitive("add", "+", operator.add, lambda a, b, out: (1.0, 1.0),
                "a + b", ("1", "1"), (_ANYWHERE, _ANYWHERE))
sub = Primitive("sub", "-", operator.sub, lambda a, b, out: (1.0, -1.0),
                "a - b", ("1", "-1"), (_ANYWHERE, _ANYWHERE))
mul = Primitive("mul", "*", operator.mul, lambda a, b, out: (b, a),
                "a * b", ("b", "a"), (_ANYWHERE, _ANYWHERE))
div = Primitive("div", "/", F.div, lambda a, b, out: (1 / b, -a / (b * b)),
                "a / b", ("1/b", "-a/b^2"), (_ANYWHERE, _ANYWHERE), kinks=(0.0,))
pow = Primitive("pow", "**", F.pow,  # noqa: A001 - the table's name for a ** b
                lambda a, b, out: (b * F.pow(a, b - 1), out * F.log(a)),
                "a ** b", ("b * a^(b-1)", "a^b * ln(a)"), (_POSITIVE, (-4.0, 4.0)))
neg = Primitive("neg", "neg", operator.neg, lambda x, out: (-1.0,),
                "-x", ("-1",), (_ANYWHERE,))
exp = Primitive("exp", "exp", F.exp, lambda x, out: (out,),
                "exp(x)", ("exp(x)",), ((-30.0, 30.0),))
log = Primitive("log", "log", F.log, lambda x, out: (1 / x,),
                "log(x)", ("1/x",), (_POSITIVE,))
sqrt = Primitive("sqrt", "sqrt", F.sqrt, lambda x, out: (0.5 / out,),
                 "sqrt(x)", ("1/(2 sqrt(x))",), (_POSITIVE,))
tanh = Primitive("tanh", "tanh", F.tanh, lambda x, out: (1 - out * out,),
                 "tanh(x)", ("1 - tanh(x)^2",), (_ANYWHERE,))
sigmoid = Primitive("sigmoid", "sigmoid", F.sigmoid, lambda x, out: (out * (1 - out),),
                    "sigmoid(x)", ("sigmoid(x) (1 - sigmoid(x))",), (_ANYWHERE,))
relu = Primitive("relu", "relu", F.relu, _relu_slope,
                 "relu(x)", ("(x > 0)",), (_ANYWHERE,), kinks=(0.0,))
sin = Primitive("sin", "sin", F.sin, lambda x, out: (F.cos(x),),
                "sin(x)", ("cos(x)",), (_ANYWHERE,))
cos = Primitive("cos", "cos", F.cos, lambda x, out: (-F.sin(x),),
                "cos(x)", ("-sin(x)",), (_ANYWHERE,))
abs = Primitive("abs", "abs", F.abs, _abs_slope,  # noqa: A001 - the table's name for |x|
                "|x|", ("sign(x)",), (_ANYWHERE,), kinks=(0.0,))
identity = Primitive("identity", "id", F.identity, lambda x, out: (1.0,),
                     "x", ("1",), (_ANYWHERE,))


def power(n: float) -> Primitive:
    """``x ** n`` for a constant exponent n: one primitive per exponent, cached.

    ``x ** 2`` is not ``pow(x, Value(2))``: the partial with respect to the
    exponent, ``x^2 ln(x)``, is nan for negative x, and a constant has no use
    for it. So a constant exponent is part of the operation, not an input.
    """
    return _power_of(arguments.real("n", n))  # float first: power(2) and power(2.0) are one primitive


@lru_cache(maxsize=256)
def _power_of(n: float) -> Primitive:
    shown = f"{n:g}"
    slope = {0.0: "0", 1.0: "1", 2.0: "2 * x"}.get(n, f"{shown} * x^{n - 1:g}")  # read like a textbook
    return Primitive(
        "power", f"**{shown}", lambda x: F.pow(x, n), lambda x, out: (n * F.pow(x, n - 1),),
        f"x ** {shown}", (slope,), (_POSITIVE,) if n != int(n) else (_ANYWHERE,),
        kinks=(0.0,) if n < 1 else (), constant=n)


PRIMITIVES: dict[str, Primitive] = {p.name: p for p in (
    add, sub, mul, div, pow, neg, exp, log, sqrt, tanh, sigmoid, relu, sin, cos, abs, identity)}
"""Every fixed primitive by name; `power(n)` makes the constant-exponent family."""

UNARY_METHODS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs")
"""The primitives that `Value` and `Dual` offer as methods: ``x.tanh()``."""

OPERATOR_METHODS = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "div"}
"""Python's operator methods and the rows they apply: ``a + b`` calls ``__add__``, ``2 + a`` ``__radd__``."""


def install(node_class, table, binary: Callable, unary: Callable) -> None:
    """Give a node class one method per operation of a table: the one way the engines get their operators.

    `table` is this module (for `Value` and `Dual`) or `autograd.tensor_ops`
    (for `Tensor`); `binary(op, reflected=False)` and `unary(op)` are the
    class's own factories, since each engine applies a row its own way
    (Value records a node, Dual pushes a tangent forward, Tensor calls numpy).
    Installed: ``+ - * /`` both ways round, ``number ** x``, ``-x``, ``abs(x)``
    and the methods of UNARY_METHODS (``x.tanh()``). ``x ** n`` is left to the
    class, because a constant exponent is a primitive of its own (`power`).
    """
    for method, name in OPERATOR_METHODS.items():
        op = getattr(table, name)
        setattr(node_class, f"__{method}__", binary(op))
        setattr(node_class, f"__r{method}__", binary(op, reflected=True))
    node_class.__rpow__ = binary(table.pow, reflected=True)
    node_class.__neg__ = unary(table.neg)
    node_class.__abs__ = unary(table.abs)
    for name in table.UNARY_METHODS:
        setattr(node_class, name, unary(getattr(table, name)))


def ieee_partials(op: Primitive, inputs, out) -> tuple:
    """The partials of `op` in float64 arithmetic, for when Python's floats raise.

    ``1 / 0.0`` raises ZeroDivisionError in Python, but the derivative of
    log at 0 is +inf by IEEE-754 and numpy. The hot paths call ``op.partials``
    directly and fall back to this only when that raised.
    """
    with np.errstate(all="ignore"):
        values = op.partials(*(np.float64(x) for x in inputs), np.float64(out))
    return tuple(float(v) for v in values)
