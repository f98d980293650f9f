"""Reading the table's rules as expressions, so that `autograd.compile` can write them into its code.

The derivative of each primitive is written once, in `autograd.ops`, as a
small function of the inputs and the output::

    mul = Primitive("mul", "*", operator.mul, lambda a, b, out: (b, a), ...)

To write the backward pass of ``v3 = v1 * v2`` as straight-line code, the
compiler needs that rule as an *expression* in its own variable names:
``d v3/d v1 = v2``. This module gets it from the table's own source text:
it finds the lambda (or the one-line ``def``) with `inspect`, parses it with
`ast`, renames its parameters to placeholders, puts the values of closure
constants in their place (the n of ``x ** n``), and turns each ``F.tanh(x)``
into a call of the float function behind it (``F.tanh.on_real``), since the
compiled code only ever sees floats. Nothing else is allowed in: a rule that
uses anything outside a short list of expression forms, or whose source
cannot be found, is not inlined, and the compiled code calls it instead.

Only the library's own table is inlined. A primitive of your own is always
called, never copied: the compiled code is built from the traced graph and
this table, not from anybody else's source text.

A template is a format string over fields ``{a0}`` and ``{a1}`` (the
inputs), ``{out}`` (the output), ``{up}`` (the gradient arriving from above)
and ``{before}`` (the input's gradient so far). The compiler fills them with
variable names or float literals, always atoms, so precedence is never an
issue.
"""

from __future__ import annotations

import ast
import copy
import inspect
import linecache
import math
import operator
import re
from functools import lru_cache

from autograd import functions as F
from autograd import ops

__all__: list[str] = []  # used by autograd.compile, not an API of its own

_FIELD_PREFIX = "__field_"
_FIELD = re.compile(rf"\b{_FIELD_PREFIX}(\w+)\b")

INFIX = {operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult}
"""Forward functions written as Python operators: on floats they never raise (inf, not OverflowError)."""

_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Constant, ast.Name, ast.Load,
            ast.Call, ast.Attribute, ast.Tuple, ast.Subscript,
            ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd,
            ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


def field(name: str) -> ast.Name:
    """A placeholder for a field (a0, a1, out, up, before) inside an expression tree."""
    return ast.Name(f"{_FIELD_PREFIX}{name}", ast.Load())


def real_function_name(name: str) -> str:
    """The name under which the compiled code sees ``F.<name>.on_real``: ``_tanh``."""
    return f"_{name}"


REAL_FUNCTIONS = {real_function_name(name): getattr(F, name).on_real for name in F.__all__}
"""Every float function a template may call, by the name the template calls it."""


def is_from_table(op: ops.Primitive) -> bool:
    """Whether `op` is one of the library's own primitives (whose rules may be inlined)."""
    if op.constant is not None:
        return op is ops.power(op.constant)
    return ops.PRIMITIVES.get(op.name) is op


# --- finding a rule's expression in the source --------------------------------------------------

@lru_cache(maxsize=16)
def _module_tree(filename: str) -> ast.Module | None:
    """The syntax tree of a whole source file, parsed once."""
    lines = linecache.getlines(filename)
    return ast.parse("".join(lines), filename) if lines else None


def _returned_expression(function) -> ast.expr | None:
    """The expression `function` returns: a lambda's body, or a def whose body is one ``return``."""
    code = function.__code__
    try:
        tree = _module_tree(inspect.getsourcefile(function))
    except (OSError, TypeError, SyntaxError):
        return None
    if tree is None:  # no source on disk (an interactive session, a zip without sources)
        return None
    line = code.co_firstlineno
    names = list(code.co_varnames[:code.co_argcount])
    candidates = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda) and node.lineno == line:
            body = node.body
        elif isinstance(node, ast.FunctionDef) and node.lineno == line and node.name == function.__name__:
            statements = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if len(statements) != 1 or not isinstance(statements[0], ast.Return) or statements[0].value is None:
                return None
            body = statements[0].value
        else:
            continue
        if [a.arg for a in node.args.args] == names and not (node.args.vararg or node.args.kwarg):
            candidates.append(body)
    if len(candidates) > 1:  # two lambdas with the same parameters on one line: tell them apart by column
        candidates = [body for body in candidates if _spans(body, code)]
    return candidates[0] if len(candidates) == 1 else None


def _spans(body: ast.expr, code) -> bool:
    """Whether the instructions of `code` come from the source range of `body` (Python 3.11+ knows columns)."""
    positions = getattr(code, "co_positions", None)
    if positions is None:
        return False
    start, end = (body.lineno, body.col_offset), (body.end_lineno, body.end_col_offset)
    spots = [(line, col) for line, _, col, end_col in positions()
             if line is not None and col is not None and end_col is not None and end_col > col]
    return bool(spots) and all(start <= spot <= end for spot in spots)


# --- turning it into a template -----------------------------------------------------------------

class _NotInlinable(Exception):
    pass


class _Rename(ast.NodeTransformer):
    """Parameters become fields, closure constants become literals, ``F.f(...)`` becomes ``_f(...)``."""

    def __init__(self, function, fields: dict[str, str]):
        code = function.__code__
        self.fields = fields
        self.constants = {}
        for name, cell in zip(code.co_freevars, function.__closure__ or ()):
            value = cell.cell_contents
            if type(value) not in (int, float):
                raise _NotInlinable(f"closure variable {name} is not a number")
            self.constants[name] = float(value) if type(value) is float else value
        self.globals = function.__globals__

    def visit_Name(self, node: ast.Name):
        if node.id in self.fields:
            return field(self.fields[node.id])
        if node.id in self.constants:
            return number(self.constants[node.id])
        raise _NotInlinable(f"name {node.id}")

    def visit_Call(self, node: ast.Call):
        target = node.func
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and self.globals.get(target.value.id) is F and target.attr in F.__all__) or node.keywords:
            raise _NotInlinable("a call of something other than F")
        args = [self.visit(a) for a in node.args]
        return ast.Call(ast.Name(real_function_name(target.attr), ast.Load()), args, [])


def number(value: float) -> ast.expr:
    """A float as an expression: a literal, ``-literal`` for negatives, ``_inf`` / ``_nan`` for the rest."""
    if math.isnan(value):
        return ast.Name("_nan", ast.Load())
    magnitude = ast.Name("_inf", ast.Load()) if math.isinf(value) else ast.Constant(abs(value))
    return ast.UnaryOp(ast.USub(), magnitude) if math.copysign(1.0, value) < 0 else magnitude


def _inlined(function, fields: dict[str, str]) -> ast.expr | None:
    body = _returned_expression(function)
    if body is None:
        return None
    for node in ast.walk(body):
        if not isinstance(node, _ALLOWED):
            return None
    try:
        return _Rename(function, fields).visit(_copy(body))
    except _NotInlinable:
        return None


def _copy(tree: ast.AST) -> ast.AST:
    return copy.deepcopy(tree)  # the cached module tree must not be renamed in place


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
    if not is_from_table(op):
        return None
    real = getattr(op.forward, "on_real", None)
    if real is not None and real_function_name(op.forward.__name__) in REAL_FUNCTIONS:
        return ast.Call(ast.Name(real_function_name(op.forward.__name__), ast.Load()), operands, [])
    code = getattr(op.forward, "__code__", None)
    if code is None or code.co_argcount != op.arity:
        return None
    return _inlined(op.forward, dict(zip(code.co_varnames, _operand_fields(op))))


@lru_cache(maxsize=512)
def partial_expressions(op: ops.Primitive) -> tuple[ast.expr, ...] | None:
    """``op.partials`` as one expression per input, over fields a0 (a1) and out; or None."""
    if not is_from_table(op):
        return None
    code = getattr(op.partials, "__code__", None)
    if code is None or code.co_argcount != op.arity + 1:
        return None
    names = dict(zip(code.co_varnames, _operand_fields(op) + ["out"]))
    body = _inlined(op.partials, names)
    if not isinstance(body, ast.Tuple) or len(body.elts) != op.arity:
        return None
    return tuple(body.elts)


# --- the chain rule's arithmetic, simplified only where the bits cannot change ----------------------

def _is_number(node: ast.expr, value: float) -> bool:
    """Whether `node` is the literal `value` (``-1.0`` parses as minus applied to 1.0)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_number(node.operand, -value)
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == value \
        and math.copysign(1.0, node.value) == math.copysign(1.0, value)


def times(left: ast.expr, right: ast.expr) -> ast.expr:
    """``left * right``, simplified only where IEEE-754 promises the very same bits.

    ``x * 1.0`` is x (a nan comes back unchanged, too), and ``u * (p if c
    else q)`` is ``(u * p if c else u * q)``. Nothing else: ``x * 0.0`` is not
    0 (it is nan for an infinite x), and ``x * -1.0`` is not quite ``-x``
    (on a nan, the hardware keeps the sign bit that negation flips).
    """
    for a, b in ((left, right), (right, left)):
        if _is_number(b, 1.0):
            return a
        if isinstance(b, ast.IfExp):
            return ast.IfExp(b.test, times(a, b.body), times(a, b.orelse))
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
