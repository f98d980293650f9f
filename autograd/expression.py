"""Arithmetic expressions typed by a person, read safely: ``"tanh(x*w + b)"``.

    >>> from autograd.expression import parse
    >>> f = parse("tanh(x*w + b)")
    >>> f.variables
    ('x', 'w', 'b')
    >>> f.evaluate({"x": 0.5, "w": -3.0, "b": 2.0})     # floats, Values or Duals alike
    0.46211715726000974

Python's own parser (`ast.parse`) turns the text into a syntax tree; nothing
is ever evaluated by Python (no `eval`, no `exec`, no `compile` to code).
Every node of the tree must be on a short whitelist:

    numbers             2, 0.5, 1e-3            (not True, not strings)
    variables           x, w1, theta            (looked up in the values given, nothing else)
    operators           a + b, a - b, a * b, a / b, a ** b, -a, ( )
    calls               exp log sqrt tanh sigmoid relu sin cos abs, with one argument:
                        the primitives of the table (autograd.ops.UNARY_METHODS)

Anything else -- attribute access, indexing, lambdas, comprehensions,
comparisons, strings, keyword arguments -- is rejected with an
`ExpressionError` that points at its column. The tree is then flattened into
a list of instructions (postfix order) that a ten-line stack machine runs,
with the operators of `autograd.functions`, which work on floats, `Value`s
and `Dual`s. Both steps are loops, not recursion, so a long expression cannot
exhaust Python's stack.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass

from autograd import functions as F
from autograd import ops

FUNCTIONS = {name: getattr(F, name) for name in ops.UNARY_METHODS}
"""The functions an expression may call: each primitive of the table that is a method of Value."""

OPERATORS = {ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
             ast.Div: ("/", F.div), ast.Pow: ("**", F.pow)}
"""Binary operators: symbol and function. ``/`` and ``**`` follow IEEE-754 on floats (1/0 is inf)."""

MAX_LENGTH = 10_000

_NOT_ALLOWED = {
    ast.Attribute: "attribute access (.name)", ast.Subscript: "indexing ([...])", ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression", ast.Compare: "a comparison", ast.BoolOp: "and/or",
    ast.IfExp: "if/else", ast.List: "a list", ast.Tuple: "a tuple (a comma)", ast.Set: "a set",
    ast.Dict: "a dictionary", ast.NamedExpr: "an assignment (:=)", ast.JoinedStr: "an f-string",
    ast.Starred: "unpacking (*)", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}
_OPERATOR_WORDS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^", ast.BitOr: "|",
                   ast.BitAnd: "&", ast.LShift: "<<", ast.RShift: ">>"}
_UNARY_WORDS = {ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}


class ExpressionError(ValueError):
    """An expression that cannot be read or evaluated; ``str()`` points at the column.

    message  what is wrong, in words
    source   the expression as typed
    column   1-based column of the offending part (None when it is the whole)
    width    how many characters to underline
    """

    def __init__(self, message: str, source: str, column: int | None = None, width: int = 1):
        super().__init__(message)
        self.message, self.source, self.column, self.width = message, source, column, max(width, 1)

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        shown = self.source.replace("\t", " ")
        return (f"{self.message} (column {self.column})\n  {shown}\n"
                f"  {' ' * (self.column - 1)}{'^' * min(self.width, max(len(shown) - self.column + 1, 1))}")


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, its instructions in postfix order, and its variables.

    Instructions are tuples: ``("number", 2.0)``, ``("variable", "x")``,
    ``("negate",)``, ``("call", "tanh")``, ``("binary", "*")``.
    """

    source: str
    instructions: tuple[tuple, ...]
    variables: tuple[str, ...]
    columns: Mapping[str, tuple[int, int]]  # first (column, width) of each variable

    def evaluate(self, values: Mapping[str, object]):
        """The value of the expression with each variable taken from `values`.

        Values may be floats, `Value`s (to build a graph) or `Dual`s (forward mode).
        """
        for name in self.variables:
            if name not in values:
                column, width = self.columns[name]
                raise ExpressionError(f"no value for the variable {name!r}: give it as {name}=NUMBER",
                                      self.source, column, width)
        stack: list = []
        push, pop = stack.append, stack.pop
        for instruction in self.instructions:
            kind = instruction[0]
            if kind == "number":
                push(instruction[1])
            elif kind == "variable":
                push(values[instruction[1]])
            elif kind == "negate":
                push(-pop())
            elif kind == "call":
                push(FUNCTIONS[instruction[1]](pop()))
            else:  # binary
                right = pop()
                push(OPERATORS_BY_SYMBOL[instruction[1]](pop(), right))
        return pop()

    def __str__(self) -> str:
        return self.source


OPERATORS_BY_SYMBOL = dict(OPERATORS.values())


def parse(source: str) -> Expression:
    """Read `source` into an `Expression`, or raise `ExpressionError` saying where and why."""
    if not isinstance(source, str):
        raise TypeError(f"an expression is a string, not {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is too long ({len(source):,} characters; at most {MAX_LENGTH:,})",
                              source)
    for i, character in enumerate(source):
        if character in "\r\n\x00" or (not character.isprintable() and character != "\t"):
            raise ExpressionError(f"the expression must be one line of printable text, not {character!r}",
                                  source, i + 1)
    if not source.strip():
        raise ExpressionError("the expression is empty", source)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        column = (error.offset or 1) + (len(source) - len(source.lstrip()))
        return _raise(f"invalid syntax: {error.msg}", source, column)
    except (ValueError, RecursionError, MemoryError) as error:  # e.g. a 5000-digit integer, or deep nesting
        raise ExpressionError(f"cannot read the expression: {error}", source) from None
    return _compile(tree.body, source, indent=len(source) - len(source.lstrip()))


def _raise(message: str, source: str, column: int, width: int = 1):
    raise ExpressionError(message, source, column, width) from None


def _compile(root: ast.AST, source: str, indent: int) -> Expression:
    """Check every node against the whitelist and flatten the tree into postfix instructions."""
    encoded = source.strip().encode("utf-8")

    def where(node) -> tuple[int, int]:
        # ast columns count UTF-8 bytes; people count characters.
        start = len(encoded[:node.col_offset].decode("utf-8", "ignore"))
        end = len(encoded[:node.end_col_offset].decode("utf-8", "ignore")) if node.end_col_offset else start + 1
        return indent + start + 1, end - start

    def reject(node, message):
        _raise(message, source, *where(node))

    instructions, variables, columns = [], [], {}
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            instructions.append(node)  # an instruction tuple, queued below
            continue
        if isinstance(node, ast.Constant):
            value = node.value
            if type(value) not in (int, float):
                reject(node, f"{value!r} is not allowed: only numbers, variables, + - * / ** and "
                             f"the functions {', '.join(FUNCTIONS)}")
            try:
                instructions.append(("number", float(value)))
            except OverflowError:
                reject(node, "the number is too large for a float")
        elif isinstance(node, ast.Name):
            if node.id not in columns:
                columns[node.id] = where(node)
                variables.append(node.id)
            instructions.append(("variable", node.id))
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in OPERATORS:
                symbol = _OPERATOR_WORDS.get(type(node.op), type(node.op).__name__)
                hint = "; write powers as **" if symbol == "^" else ""
                reject(node, f"the operator {symbol!r} is not allowed: use + - * / **{hint}")
            stack += [(("binary", OPERATORS[type(node.op)][0]), True), (node.right, False), (node.left, False)]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                reject(node, f"unary {_UNARY_WORDS.get(type(node.op), '?')!r} is not allowed; only minus (-x) is")
            stack += [(("negate",), True), (node.operand, False)]
        elif isinstance(node, ast.Call):
            function = node.func
            if not isinstance(function, ast.Name):
                reject(function, f"only the functions {', '.join(FUNCTIONS)} can be called, by name")
            if function.id not in FUNCTIONS:
                reject(function, f"unknown function {function.id!r}; the known functions are {', '.join(FUNCTIONS)}")
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                reject(node, f"{function.id}() takes exactly one argument, like {function.id}(x)")
            stack += [(("call", function.id), True), (node.args[0], False)]
        else:
            words = _NOT_ALLOWED.get(type(node), type(node).__name__)
            reject(node, f"{words} is not allowed in an expression: only numbers, variables, "
                         f"+ - * / **, parentheses and the functions {', '.join(FUNCTIONS)}")
    return Expression(source, tuple(instructions), tuple(variables), columns)
