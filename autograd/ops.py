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
* the chain-rule trace, the stepper and the drawings show each partial as a
  formula, and `compile` writes it into straight-line code;
* the tests walk the table, so a new primitive is checked the day it is added.

Each partial is written once, as a formula in the grammar of the expression
reader (`autograd.expression`), in the names of the inputs -- x, or a and b --
and ``out``, the output, because several derivatives are cheapest in terms of
the output::

    d tanh(x)/dx = 1 - tanh(x)^2      is written      "1 - out * out"

From that one text, read once at import, come the three forms the rest of the
house uses (`Primitive.__post_init__`):

* ``op.partials``: a function ``(x, out) -> (1 - out * out,)``, generated from
  the formula's instructions, so it runs as fast as one written by hand;
* ``op.formulas``: the formula for a reader, ``out`` written as what it is:
  ``"1 - tanh(x)^2"``;
* ``op.rules``: the parsed formulas themselves, which `compile` writes into its code.

A formula may use ``+ - * /``, ``**``, the functions of the expression
reader, ``sign`` (the slope of |x|) and a comparison, worth 1 or 0 (the slope
of relu is ``x > 0``). The functions are those of `autograd.elementary`
(``F``), which work on floats, Values and Duals alike, and ``**`` is F.pow:
Python's own ``**`` on floats can return a complex number, ``(-8.0) ** 0.5`` is
``1.7e-16+1.4j``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from autograd import arguments, expression
from autograd import elementary as F

__all__ = ["Primitive", "power"]

_ANYWHERE = (-math.inf, math.inf)
_POSITIVE = (0.0, math.inf)
_engine = None  # `autograd.value.apply`, once value.py is imported (see Primitive.__call__)
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+(\.\d*)?([eE][+-]?\d+)?")
_WHOLE = re.compile(r"\w+\(.*\)|\|.*\|")  # a call or |x|: an operation's text that needs no parentheses

FORMULA_FUNCTIONS = {**expression.FUNCTIONS, "sign": F.sign}
"""What a formula may call: the functions of a typed expression, and sign."""

_GENERATED_NAMES = {"__builtins__": {}, "pow": F.pow, **FORMULA_FUNCTIONS}
"""Everything a generated partials function can see: the formula functions and F.pow for ``**``. No builtins."""


def parenthesize(operand: str) -> str:
    """A plain name or number as it is, anything else in parentheses: ``x``, ``2.5``, ``(-0.5)``."""
    return operand if _PLAIN.fullmatch(operand) else f"({operand})"


def read_formula(text: str) -> expression.Expression:
    """A partial derivative's formula, read by the expression reader with the formula grammar."""
    return expression.parse(text, functions=FORMULA_FUNCTIONS, comparisons=True)


@dataclass(frozen=True, eq=False)
class Primitive:
    """One operation: its value, its partial derivatives, and how to print them.

    name       the method name (``"tanh"``) or operator name (``"mul"``)
    symbol     what a graph drawing writes on the op node (``"*"``, ``"tanh"``)
    forward    ``forward(*inputs) -> output``
    partials   each partial derivative as a formula, one per input: ``("1 - out * out",)``
    expression the operation in words a reader knows: ``"tanh(x)"``
    domains    for each input, the open interval where the derivative is tested
    kinks      points where the derivative does not exist (relu and abs at 0)
    constant   a number baked into the operation: the n of ``x ** n``

    Made from the formulas, once (see the module's docstring):

    partials   the function ``partials(*inputs, output) -> (d output / d input_i, ...)``
    formulas   each partial for a reader: ``("1 - tanh(x)^2",)``
    rules      each partial as the parsed `Expression`

    ``op(*operands)`` applies the primitive to floats, Duals or Values, the
    last recorded as one node. A primitive of your own joins the engine the
    same way::

        softplus = Primitive("softplus", "softplus", lambda x: F.log(1 + F.exp(x)),
                             ("sigmoid(x)",), "softplus(x)")
        y = softplus(Value(0.5))     # one node; backward() uses sigmoid(x)
        check_grads(softplus, (0.5,), order=2)

    A derivative the formulas cannot say (one that needs scipy, say) may be
    given as a function instead, with `formulas` to show for it: then
    nothing checks that the two agree, and `rules` is None.
    """

    name: str
    symbol: str
    forward: Callable
    partials: Callable[..., tuple] | tuple[str, ...]
    expression: str
    formulas: tuple[str, ...] = ()
    domains: tuple[tuple[float, float], ...] = ()
    kinks: tuple[float, ...] = ()
    constant: float | None = None
    rules: tuple[expression.Expression, ...] | None = field(default=None, init=False)

    def __post_init__(self):
        for field_name in ("name", "symbol", "expression"):
            arguments.text(field_name, getattr(self, field_name))
        arguments.function("forward", self.forward)
        if callable(self.partials):
            _check_texts("formulas", self.formulas)
        else:
            _check_texts("partials", self.partials)
            if self.formulas:
                raise ValueError(f"{self.name}: formulas are written from the partials' formulas; "
                                 f"give partials only, got formulas={self.formulas!r} too")
            self._derive_from_formulas()
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

    def _derive_from_formulas(self) -> None:
        """Read each formula once; generate the function the engine calls and the text a reader sees."""
        texts = self.partials
        rules = tuple(read_formula(text) for text in texts)
        allowed = ("x",) if len(rules) == 1 else ("a", "b")
        for text, rule in zip(texts, rules):
            unknown = [v for v in rule.variables if v not in allowed + ("out",)]
            if unknown:
                raise ValueError(f"{self.name}: the partial {text!r} uses {unknown[0]!r}; a partial of a "
                                 f"{len(rules)}-input primitive may use only {', '.join(allowed)} and out")
        # Python source written from the instructions (never from the text): the inputs, out, the
        # formula functions, float literals and operators. It sees nothing else: no builtins.
        body = ", ".join(rule.python() for rule in rules)
        source = f"lambda {', '.join(allowed)}, out: ({body},)"
        function = eval(compile(source, f"<partials of {self.name}>", "eval"), dict(_GENERATED_NAMES))  # noqa: S307
        output = self._as_operand()
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "partials", function)
        object.__setattr__(self, "formulas", tuple(rule.written({"out": output}) for rule in rules))

    def _as_operand(self) -> expression.Expression | str:
        """The output as a formula shows it, in place of ``out``: the operation read as an expression if it is one."""
        try:
            return read_formula(self.expression)
        except expression.ExpressionError:  # "|x|", "softplus(x)": shown as typed
            return self.expression if _WHOLE.fullmatch(self.expression) else f"({self.expression})"

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


def _check_texts(argument: str, texts) -> None:
    if isinstance(texts, str) or not isinstance(texts, tuple) or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"{argument} must be a tuple of formulas, one per input, like ('1 - out * out',), "
                        f"got {arguments.shown(texts)}")
    if not 1 <= len(texts) <= 2:
        raise ValueError(f"a scalar primitive takes one or two inputs, so {argument} holds one or two "
                         f"formulas; got {len(texts)}")


# --- the table --------------------------------------------------------------------
#        name        symbol    forward       partials, one per input         expression

add = Primitive("add", "+", operator.add, ("1", "1"), "a + b")
sub = Primitive("sub", "-", operator.sub, ("1", "-1"), "a - b")
mul = Primitive("mul", "*", operator.mul, ("b", "a"), "a * b")
div = Primitive("div", "/", F.div, ("1 / b", "-a / (b * b)"), "a / b", kinks=(0.0,))
pow = Primitive("pow", "**", F.pow, ("b * a ** (b - 1)", "out * log(a)"), "a ** b",  # noqa: A001 - a ** b
                domains=(_POSITIVE, (-4.0, 4.0)))
neg = Primitive("neg", "neg", operator.neg, ("-1",), "-x")
exp = Primitive("exp", "exp", F.exp, ("out",), "exp(x)", domains=((-30.0, 30.0),))
log = Primitive("log", "log", F.log, ("1 / x",), "log(x)", domains=(_POSITIVE,))
sqrt = Primitive("sqrt", "sqrt", F.sqrt, ("0.5 / out",), "sqrt(x)", domains=(_POSITIVE,))
tanh = Primitive("tanh", "tanh", F.tanh, ("1 - out * out",), "tanh(x)")
sigmoid = Primitive("sigmoid", "sigmoid", F.sigmoid, ("out * (1 - out)",), "sigmoid(x)")
relu = Primitive("relu", "relu", F.relu, ("x > 0",), "relu(x)", kinks=(0.0,))  # 1 or 0; a mask on arrays
sin = Primitive("sin", "sin", F.sin, ("cos(x)",), "sin(x)")
cos = Primitive("cos", "cos", F.cos, ("-sin(x)",), "cos(x)")
abs = Primitive("abs", "abs", F.abs, ("sign(x)",), "|x|", kinks=(0.0,))  # noqa: A001 - the table's |x|
identity = Primitive("identity", "id", F.identity, ("1",), "x")


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
    # repr, not shown: the formula is the rule the engine runs, so it must carry n to the last bit.
    slope = {0.0: "0", 1.0: "1", 2.0: "2 * x"}.get(n, f"{n!r} * x ** {n - 1!r}")
    return Primitive(
        "power", f"**{shown}", lambda x: F.pow(x, n), (slope,), f"x ** {shown}",
        domains=(_POSITIVE,) if n != int(n) else (_ANYWHERE,), kinks=(0.0,) if n < 1 else (), constant=n)


PRIMITIVES: dict[str, Primitive] = {p.name: p for p in (
    add, sub, mul, div, pow, neg, exp, log, sqrt, tanh, sigmoid, relu, sin, cos, abs, identity)}
"""Every fixed primitive by name; `power(n)` makes the constant-exponent family."""

UNARY_METHODS = tuple(expression.FUNCTIONS)
"""The primitives that `Value` and `Dual` offer as methods, ``x.tanh()``: the functions a typed expression calls."""

OPERATOR_METHODS = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "div"}
"""Python's operator methods and the rows they apply: ``a + b`` calls ``__add__``, ``2 + a`` ``__radd__``."""


def method_names(table) -> tuple[str, ...]:
    """The methods `install` gives a node class from `table`: ``__add__``, ``__radd__``, ..., ``tanh``."""
    operators = [f"__{reflected}{method}__" for method in OPERATOR_METHODS for reflected in ("", "r")]
    return (*operators, "__rpow__", "__neg__", "__abs__", *table.UNARY_METHODS)


def install(node_class, table, binary: Callable, unary: Callable) -> None:
    """Give a node class one method per operation of a table: the one way the engines get their operators.

    `table` is this module (for `Value` and `Dual`) or `autograd.tensor_ops`
    (for `Tensor`); `binary(op, reflected=False)` and `unary(op)` are the
    class's own factories, since each engine applies a row its own way
    (Value records a node, Dual pushes a tangent forward, Tensor calls numpy).
    Installed: ``+ - * /`` both ways round, ``number ** x``, ``-x``, ``abs(x)``
    and the methods of UNARY_METHODS (``x.tanh()``). ``x ** n`` is left to the
    class, because a constant exponent is a primitive of its own (`power`).

    Each class also declares these methods (`method_names`) in an ``if
    TYPE_CHECKING:`` block, never run, so that editors and type checkers
    know them; a test keeps the declarations equal to what is installed.
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
