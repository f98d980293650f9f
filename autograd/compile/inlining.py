"""The table's rules as expressions, so that `autograd.compile` can write them into its code.

Each partial derivative is written once, in `autograd.ops`, as a formula
(``"1 - out * out"`` for tanh) that the expression reader has parsed into
instructions (``op.rules``). To write the backward pass of ``v1 = tanh(v0)``
as straight-line code, the compiler needs that rule in its own variable
names: ``dv0 = 1 - v1 * v1``. This module asks each rule for its Python
source (`Expression.python`) with the inputs and the output renamed to
placeholders, and each function renamed to the float function behind it
(``F.tanh.on_real``, called ``_tanh``), since the compiled code only ever
sees floats. No source file is read: the text comes from the instructions.

The forward pass is simpler: ``+ - *`` and unary minus are Python's
operators, any function of `autograd.elementary` is its float function, and
``x ** n`` is ``_pow(x, n)``. A forward function of your own (a lambda in a
primitive you made) is called, never copied; so is a partials *function*
given instead of formulas.

A template is a format string over fields ``{a0}`` and ``{a1}`` (the
inputs), ``{out}`` (the output), ``{up}`` (the gradient arriving from above)
and ``{before}`` (the input's gradient so far). The compiler fills them with
variable names or float literals, always atoms, so precedence is never an
issue.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from functools import lru_cache

from autograd import elementary as F
from autograd import ops

__all__: list[str] = []  # used by autograd.compile, not an API of its own

_FIELD_PREFIX = "__field_"
_FIELD = re.compile(rf"\b{_FIELD_PREFIX}(\w+)\b")

INFIX = {operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult}
"""Forward functions written as Python operators: on floats they never raise (inf, not OverflowError)."""


def field(name: str) -> ast.Name:
    """A placeholder for a field (a0, a1, out, up, before) inside an expression tree."""
    return ast.Name(f"{_FIELD_PREFIX}{name}", ast.Load())


def real_function_name(name: str) -> str:
    """The name under which the compiled code sees ``F.<name>.on_real``: ``_tanh``."""
    return f"_{name}"


REAL_FUNCTIONS = {real_function_name(name): getattr(F, name).on_real for name in F.__all__}
"""Every float function a template may call, by the name the template calls it."""

_RENAMED_FUNCTIONS = {name: real_function_name(name) for name in F.__all__}  # "tanh" -> "_tanh", "pow" -> "_pow"


def is_from_table(op: ops.Primitive) -> bool:
    """Whether `op` is one of the library's own primitives."""
    if op.constant is not None:
        return op is ops.power(op.constant)
    return ops.PRIMITIVES.get(op.name) is op


def _operand_fields(op: ops.Primitive) -> list[str]:
    return ["a0"] if op.arity == 1 else ["a0", "a1"]


@lru_cache(maxsize=512)
def forward_expression(op: ops.Primitive) -> ast.expr | None:
    """``op.forward`` as an expression over fields a0 (a1), or None: then the compiled code calls it."""
    operands = [field(name) for name in _operand_fields(op)]
    if op.forward in INFIX:
        return ast.BinOp(operands[0], INFIX[op.forward](), operands[1])
    if op.forward is operator.neg:
        return ast.UnaryOp(ast.USub(), operands[0])
    if op.constant is not None and is_from_table(op):  # x ** n, n a constant of the operation
        return ast.Call(ast.Name(real_function_name("pow"), ast.Load()), [operands[0], number(op.constant)], [])
    name = getattr(op.forward, "__name__", None)
    if name in _RENAMED_FUNCTIONS and getattr(F, name) is op.forward:
        return ast.Call(ast.Name(real_function_name(name), ast.Load()), operands, [])
    return None


@lru_cache(maxsize=512)
def partial_expressions(op: ops.Primitive) -> tuple[ast.expr, ...] | None:
    """Each partial of `op`, from its formula, as an expression over fields a0 (a1) and out; or None.

    None for a primitive whose partials were given as a function: there is
    no formula to write, so the compiled code calls the function.
    """
    if op.rules is None:
        return None
    names = dict(zip(op.inputs, (f"{_FIELD_PREFIX}{name}" for name in _operand_fields(op))),
                 out=f"{_FIELD_PREFIX}out", **_RENAMED_FUNCTIONS)
    return tuple(ast.parse(rule.python(names), mode="eval").body for rule in op.rules)


def number(value: float) -> ast.expr:
    """A float as an expression: a literal, ``-literal`` for negatives, ``_inf`` / ``_nan`` for the rest."""
    if math.isnan(value):
        return ast.Name("_nan", ast.Load())
    magnitude = ast.Name("_inf", ast.Load()) if math.isinf(value) else ast.Constant(abs(value))
    return ast.UnaryOp(ast.USub(), magnitude) if math.copysign(1.0, value) < 0 else magnitude


# --- the chain rule's arithmetic, simplified only where the bits cannot change ----------------------

def _is_number(node: ast.expr, value: float) -> bool:
    """Whether `node` is the literal `value` (``-1.0`` parses as minus applied to 1.0)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_number(node.operand, -value)
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == value \
        and math.copysign(1.0, node.value) == math.copysign(1.0, value)


def times(left: ast.expr, right: ast.expr) -> ast.expr:
    """``left * right``, simplified only where IEEE-754 promises the very same bits.

    ``x * 1.0`` is x (a nan comes back unchanged, too). Nothing else: ``x *
    0.0`` is not 0 (it is nan for an infinite x), and ``x * -1.0`` is not
    quite ``-x`` (on a nan, the hardware keeps the sign bit that negation flips).
    """
    for a, b in ((left, right), (right, left)):
        if _is_number(b, 1.0):
            return a
    return ast.BinOp(left, ast.Mult(), right)


def plus(left: ast.expr, right: ast.expr) -> ast.expr:
    """``left + right``, in that order, as the interpreter adds them."""
    return ast.BinOp(left, ast.Add(), right)


@lru_cache(maxsize=512)
def forward_template(op: ops.Primitive) -> str | None:
    """`forward_expression` as a template, or None."""
    expression = forward_expression(op)
    return None if expression is None else template(expression)


@lru_cache(maxsize=512)
def partial_templates(op: ops.Primitive) -> tuple[str, ...] | None:
    """`partial_expressions` as templates, or None."""
    expressions = partial_expressions(op)
    return None if expressions is None else tuple(template(e) for e in expressions)


def template(tree: ast.expr) -> str:
    """An expression tree with fields as a format string: ``{a0} * {a1}``."""
    text = ast.unparse(ast.fix_missing_locations(tree))
    if "{" in text or "}" in text:  # the whitelist admits no dict or set; a brace would break formatting
        raise ValueError(f"unexpected brace in {text!r}")
    return _FIELD.sub(lambda m: "{" + m.group(1) + "}", text)


@lru_cache(maxsize=4096)
def contribution_template(partial: str, seeded: bool, accumulate: bool) -> str:
    """The adjoint update for one edge, as a template over the partial's fields, up and before.

    ``partial`` is the partial derivative as template text; ``seeded`` means the
    upstream gradient is the seed 1.0 (so the product is the partial itself);
    ``accumulate`` means the input already has a gradient to add to.
    """
    tree = ast.parse(_FIELD_SOURCE.sub(lambda m: f"{_FIELD_PREFIX}{m.group(1)}", partial), mode="eval").body
    contribution = tree if seeded else times(field("up"), tree)
    return template(plus(field("before"), contribution) if accumulate else contribution)


_FIELD_SOURCE = re.compile(r"\{(\w+)\}")
