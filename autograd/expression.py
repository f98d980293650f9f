"""Arithmetic expressions typed by a person, read safely: ``"tanh(x*w + b)"``.

    >>> from autograd.expression import parse
    >>> f = parse("tanh(x*w + b)")
    >>> f.variables
    ('x', 'w', 'b')
    >>> f.evaluate({"x": 0.5, "w": -3.0, "b": 2.0})     # floats, Values or Duals alike
    0.46211715726000974

The grammar is tiny, so it is read here by hand; nothing is ever evaluated
by Python (no `eval`, no `exec`, no `compile`, not even `ast.parse`):

    numbers             2, 0.5, 1e-3, 1_000, 0x1f   (Python's literals; not 1j, not True)
    variables           x, w1, theta, é             (Python's names, NFKC-normalised as Python does)
    operators           a + b, a - b, a * b, a / b, a ** b, -a, ( )
    calls               exp log sqrt tanh sigmoid relu sin cos abs, with one argument:
                        the unary primitives of the table (`FUNCTIONS`)

Precedence is Python's: ``**`` binds tightest and groups right to left
(``2**3**2`` is ``2**9``); it binds tighter than a minus on its left
(``-x**2`` is ``-(x**2)``) yet takes one on its right (``2**-x``); then
unary minus; then ``* /``; then ``+ -``, both left to right.

Limits: at most `MAX_LENGTH` characters, and parentheses (of calls too)
nested at most `MAX_DEPTH` deep. Every expression within them is read: both
steps below are loops over explicit stacks, never recursion, so 5,000 terms
in a row cannot exhaust Python's stack.

1. `_tokenize` cuts the text into numbers, names and symbols, each with its
   position. A character with no place in the grammar (a quote, ``#``,
   ``;``, ``{``, a look-alike such as ``−``) is refused on the spot.
2. `_to_postfix` is Dijkstra's shunting yard: operands go straight to the
   output, operators wait on a stack until one that binds more loosely
   arrives. The output is a list of instructions in postfix order, which a
   ten-line stack machine (`Expression.evaluate`) runs with the operators
   of `autograd.elementary`, on floats, `Value`s and `Dual`s alike.

What people try from Python -- attribute access, indexing, ``^``, ``//``,
comparisons, strings, keywords, lambdas, commas -- is refused with an
`ExpressionError` that says what it is and points at its column.

The same reader reads the table of primitives. `autograd.ops` writes every
partial derivative as a formula in this grammar (``"1 - out * out"``), with
two more words: the function ``sign`` and comparisons (``x > 0``, worth 1 or
0, as numpy's masks are). From the one parsed formula come three things, by
one walk over its instructions (`Expression.fold`):

* the number, `Expression.evaluate`, on floats, Values and Duals;
* Python source, `Expression.python`: the table turns it into the function
  the backward pass calls, as fast as one written by hand, and `compile`
  writes it into its straight-line code;
* the formula a learner reads, `Expression.written`: ``1 - tanh(x)^2``.

The Python source is written from the instructions, never copied from the
text: its only words are the names given for the variables and functions,
float literals and operators, so what a formula's author typed cannot reach
Python's compiler.
"""

from __future__ import annotations

import keyword
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from autograd import arguments
from autograd import elementary as F

__all__ = ["parse", "Expression", "ExpressionError", "variable_name", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH"]

FUNCTIONS = {name: getattr(F, name) for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs")}
"""The functions a typed expression may call: the unary primitives of the table, which
`Value` and `Dual` also offer as methods (``x.tanh()``; see `autograd.ops.UNARY_METHODS`)."""

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": F.div, "**": F.pow,
             ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}
"""Binary operators by symbol. ``/`` and ``**`` follow IEEE-754 on floats (1/0 is inf).
The comparisons are read only where `parse` is asked to (the table's formulas)."""

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4, ">": 0, "<": 0, ">=": 0, "<=": 0}
"""How tightly each binary operator binds; all group left to right except ``**``."""

COMPARISONS = frozenset((">", "<", ">=", "<="))

NEGATE = 3
"""Unary minus binds tighter than ``* /`` and more loosely than ``**``: -x**2 is -(x**2)."""

MAX_LENGTH = 10_000
"""The longest expression read, in characters."""

MAX_DEPTH = 200
"""The deepest nesting of parentheses read (Python's own parser stops at 200 too)."""


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
        # Show a window of the source around the fault (a 10,000-character line helps no one), each
        # character as a terminal draws it, so that the carets land under the right characters.
        shown = [_as_shown(character) for character in self.source]
        first = self.column - 1
        last = first + min(self.width, _CONTEXT)  # underline at most _CONTEXT characters
        start, end = max(0, first - _CONTEXT), min(len(shown), last + _CONTEXT)
        before = "..." if start > 0 else ""
        after = "..." if end < len(shown) else ""
        indent = len(before) + _terminal_width("".join(shown[start:first]))
        carets = max(_terminal_width("".join(shown[first:min(last, end)])), 1)
        return (f"{self.message} (column {self.column})\n"
                f"  {before}{''.join(shown[start:end])}{after}\n"
                f"  {' ' * indent}{'^' * carets}")


_CONTEXT = 40  # characters of the source shown on each side of a fault


def _as_shown(character: str) -> str:
    """A character as the error message shows it: a tab as a space, anything unprintable escaped."""
    if character == "\t":
        return " "
    if character.isprintable():
        return character
    return character.encode("unicode_escape").decode("ascii")  # \x00, \x1b, \u200b: no terminal tricks


def _terminal_width(text: str) -> int:
    """Columns a terminal uses for `text`: 2 for wide characters (CJK, emoji), 0 for combining accents."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, its instructions in postfix order, and its variables.

    Instructions are tuples: ``("number", 2.0)``, ``("variable", "x")``,
    ``("negate",)``, ``("call", "tanh")``, ``("binary", "*")``.
    `functions` maps each name the expression may call to the function called.
    """

    source: str
    instructions: tuple[tuple, ...]
    variables: tuple[str, ...]
    columns: Mapping[str, tuple[int, int]]  # first (column, width) of each variable
    functions: Mapping[str, Callable] = field(default_factory=lambda: FUNCTIONS, repr=False, compare=False)

    def fold(self, number: Callable, variable: Callable, negate: Callable, call: Callable, binary: Callable):
        """Run the instructions on a stack, with one function for each kind of instruction.

        ``number(value)``, ``variable(name)``, ``negate(x)``, ``call(name, x)``
        and ``binary(symbol, left, right)`` each return what stands for that
        part: a number (`evaluate`), Python source (`python`), a formula for
        a reader (`written`). Postfix order means each operand is ready on
        the stack before the operation that uses it.
        """
        stack: list = []
        push, pop = stack.append, stack.pop
        for instruction in self.instructions:
            kind = instruction[0]
            if kind == "number":
                push(number(instruction[1]))
            elif kind == "variable":
                push(variable(instruction[1]))
            elif kind == "negate":
                push(negate(pop()))
            elif kind == "call":
                push(call(instruction[1], pop()))
            else:  # binary
                right = pop()
                push(binary(instruction[1], pop(), right))
        return pop()

    def evaluate(self, values: Mapping[str, object]):
        """The value of the expression with each variable taken from `values`.

        Values may be floats, `Value`s (to build a graph) or `Dual`s (forward mode).
        """
        for name in self.variables:
            if name not in values:
                column, width = self.columns[name]
                raise ExpressionError(f"no value for the variable {name!r}: give it as {name}=NUMBER",
                                      self.source, column, width)
        functions = self.functions
        return self.fold(_same, values.__getitem__, operator.neg,
                         lambda name, x: functions[name](x), lambda symbol, a, b: OPERATORS[symbol](a, b))

    def python(self, names: Mapping[str, str] | None = None) -> str:
        """The expression as Python source, each variable and function under the name `names` gives it.

        Every operation is parenthesized, so no precedence can go wrong; ``**``
        becomes a call of ``names["pow"]`` (Python's own ``**`` can turn a
        negative float complex), a comparison stays a comparison (True or
        False: 1 or 0 in arithmetic). Numbers are written with `repr`, which
        reads back as the very same float (``1e999`` for infinity).
        """
        names = {} if names is None else names

        def number(value: float) -> str:
            return repr(value) if math.isfinite(value) else "1e999"  # the reader makes no nan and no negatives

        def binary(symbol: str, a: str, b: str) -> str:
            if symbol == "**":
                return f"{names.get('pow', 'pow')}({a}, {b})"
            return f"({a} {symbol} {b})"

        return self.fold(number, lambda name: names.get(name, name), lambda x: f"(-{x})",
                         lambda name, x: f"{names.get(name, name)}({x})", binary)

    def written(self, substitutions: Mapping[str, Expression | str] | None = None) -> str:
        """The expression as a reader writes it: ``1 - tanh(x)^2``, with no parentheses it does not need.

        A variable named in `substitutions` is written as what it stands for:
        another Expression (parenthesized where its operations need it) or a
        text taken as one whole (``"softplus(x)"``). Powers are written
        ``^``, a product of two equal factors as a square (``out * out`` is
        ``out^2``), numbers as briefly as they read (``0.5``, ``2``,
        ``1e-12``), and a comparison in parentheses, as the 1-or-0 it stands
        for: ``(x > 0)``.
        """
        return self._parts(substitutions or {})[0]

    def _parts(self, substitutions) -> tuple[str, float]:
        """`written`, with how tightly its outermost operation binds (`_ATOM` for none)."""

        def variable(name: str) -> tuple[str, float]:
            stands_for = substitutions.get(name)
            if stands_for is None:
                return name, _ATOM
            if isinstance(stands_for, Expression):
                return stands_for._parts({})
            return stands_for, _ATOM

        def inside(part: tuple[str, float], needed: float) -> str:
            text, binds = part
            return f"({text})" if binds < needed else text

        def binary(symbol: str, a: tuple[str, float], b: tuple[str, float]) -> tuple[str, float]:
            if symbol in COMPARISONS:
                return f"({a[0]} {symbol} {b[0]})", _ATOM
            if symbol == "*" and a == b:  # u * u is u squared
                symbol, b = "**", ("2", _ATOM)
            binds = PRECEDENCE[symbol]
            if symbol == "**":  # groups right to left: (a^b)^c and (-a)^b need parentheses, a^(-b) does too
                return f"{inside(a, binds + 1)}^{inside(b, _ATOM)}", binds
            right_needs = binds + 1 if symbol in "-/" else binds  # a - (b - c), a / (b * c)
            return f"{inside(a, binds)} {symbol} {inside(b, right_needs)}", binds

        return self.fold(lambda value: (f"{value:g}", _ATOM), variable,
                         lambda x: (f"-{inside(x, NEGATE + 1)}", NEGATE),
                         lambda name, x: (f"{name}({x[0]})", _ATOM), binary)

    def __str__(self) -> str:
        return self.source


_ATOM = math.inf  # how tightly a name, a number or a call binds: nothing can split it


def _same(value):
    return value


def parse(source: str, *, functions: Mapping[str, Callable] | None = None, comparisons: bool = False) -> Expression:
    """Read `source` into an `Expression`, or raise `ExpressionError` saying where and why.

    functions    the names it may call and what they call (default: `FUNCTIONS`)
    comparisons  whether ``> < >= <=`` are read (the table's formulas use them; typed expressions do not)
    """
    source = arguments.text("source", source)
    if functions is None:
        functions = FUNCTIONS
    elif not isinstance(functions, Mapping) or not all(
            isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name) and callable(function)
            for name, function in functions.items()):
        raise TypeError(f"functions must map names to functions, like {{'tanh': F.tanh}}, "
                        f"got {arguments.shown(functions)}")
    grammar = _Grammar(functions, arguments.flag("comparisons", comparisons))
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is too long ({len(source):,} characters; at most {MAX_LENGTH:,})",
                              source)
    for i, character in enumerate(source):
        if not character.isprintable() and character != "\t":
            name = unicodedata.name(character, "")
            raise ExpressionError(f"the expression must be one line of printable text, not {character!r}"
                                  + (f" ({name})" if name else ""), source, i + 1)
    if not source.strip(" \t"):
        raise ExpressionError("the expression is empty", source)
    return _to_postfix(source, _tokenize(source, grammar), grammar)


@dataclass(frozen=True)
class _Grammar:
    """What one reading admits beyond numbers, variables and + - * / **: which calls, and comparisons or not."""

    functions: Mapping[str, Callable]
    comparisons: bool

    def only(self, words: str) -> str:
        """The message for something the grammar does not have: what it is, and what is allowed."""
        comparisons = ", comparisons (> < >= <=)" if self.comparisons else ""
        return (f"{words} is not allowed in an expression: only numbers, variables, + - * / **{comparisons}, "
                f"parentheses and the functions {', '.join(self.functions)}")


def variable_name(text: str) -> str | None:
    """`text` as the expression reader names a variable (NFKC, as Python: ``ｘ`` is ``x``), or None if it is not one."""
    name = unicodedata.normalize("NFKC", arguments.text("text", text))
    return name if name.isidentifier() and not keyword.iskeyword(name) else None


# --- 1. tokens -------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    """A piece of the expression: ``kind`` is "number", "name", "symbol", "refused" or "end" (after the last).

    A character (or a number) that has no place in the grammar becomes a "refused"
    token carrying the reason, so that the parser reports the leftmost fault first.
    """

    kind: str
    text: str                   # as typed; a name NFKC-normalised, as Python does
    start: int                  # index of its first character in the source
    end: int                    # one past its last character
    value: float | None = None  # a number's value
    problem: str = ""           # why a "refused" token is refused


_NUMBER = re.compile(r"0[xXoObB][0-9a-zA-Z_]*|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?",
                     re.ASCII)
_SYMBOLS = ["**", "//", "<<", ">>", "<=", ">=", "==", "!=", ":=", "+", "-", "*", "/", "%", "@", "^", "|", "&",
            "~", "<", ">", "=", "(", ")", ",", "[", "]", "."]  # two-character ones first: ** before *
_SYMBOL = re.compile("|".join(re.escape(symbol) for symbol in _SYMBOLS))

_REFUSED_CHARACTERS = {"'": "a string", '"': "a string", "#": "a comment (#)", ";": "a second statement (;)",
                       ":": "a colon (:)", "{": "braces ({...})", "}": "braces ({...})", "\\": "a backslash"}
_LOOKALIKES = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/",
               "\u00b2": "**2", "\u00b3": "**3"}
"""Characters pasted from typeset mathematics, and what to type instead."""


def _tokenize(source: str, grammar: _Grammar) -> list[Token]:
    """The tokens of `source`, ending with an "end" token just after its last character."""
    tokens, i = [], 0
    while i < len(source):
        character = source[i]
        if character in " \t":
            i += 1
            continue
        if number := _NUMBER.match(source, i):
            end = _name_end(source, number.end())  # 2x, 1j, 1e: a number running into letters
            token = _number_token(source, i, number.end(), end)
        elif character.isidentifier():  # a letter or _: the start of a name
            end = _name_end(source, i + 1)
            token = Token("name", unicodedata.normalize("NFKC", source[i:end]), i, end)
        elif symbol := _SYMBOL.match(source, i):
            token = Token("symbol", symbol.group(), i, symbol.end())
        elif character in _LOOKALIKES:
            token = Token("refused", character, i, i + 1, problem=f"the character {character!r} "
                          f"({unicodedata.name(character)}) is not allowed: type {_LOOKALIKES[character]} instead")
        else:
            words = _REFUSED_CHARACTERS.get(character, f"the character {character!r}")
            token = Token("refused", character, i, i + 1, problem=grammar.only(words))
        tokens.append(token)
        i = token.end
    last = len(source.rstrip(" \t"))
    tokens.append(Token("end", "", last, last + 1))
    return tokens


def _name_end(source: str, i: int) -> int:
    """Where a name (or letters stuck to a number) continuing at `i` ends."""
    while i < len(source) and ("_" + source[i]).isidentifier():
        i += 1
    return i


def _number_token(source: str, start: int, number_end: int, end: int) -> Token:
    """The number source[start:number_end] (followed by letters up to `end`, if any), or why it is refused."""
    text, letters = source[start:number_end], source[number_end:end]

    def refused(problem: str) -> Token:
        return Token("refused", source[start:end], start, end, problem=problem)

    if letters:
        if letters in ("j", "J"):
            return refused(f"invalid number {text + letters!r}: complex numbers are not allowed")
        if letters[0] in "eE":
            return refused(f"invalid number {text + letters!r}: an exponent needs digits, like 1e-3")
        return refused(f"invalid number {text + letters!r}: write a product with *, like {text}*{letters}")
    prefixed = text[:2].lower() in ("0x", "0o", "0b")
    integer = prefixed or not any(c in text for c in ".eE")
    if integer and not prefixed and text[0] == "0" and text.strip("0_"):
        digits = text.lstrip("0_")
        return refused(f"invalid number {text!r}: leading zeros are not allowed (write {digits}, "
                       f"or 0o{digits} for octal)")
    try:
        # int() and float() check digits and underscores exactly as Python's parser does, and
        # float() rounds correctly, as Python's float literals do. Neither evaluates anything.
        value = float(int(text, 0)) if prefixed else float(text)
    except ValueError:
        return refused(f"invalid number {text!r}")
    except OverflowError:  # float() of an int beyond 1.8e308
        value = math.inf
    if integer and math.isinf(value):  # Python's 1e999 is inf, but an integer that large is an error
        return refused(f"the number {_shortened(text)} is too large for a float")
    return Token("number", text, start, end, value)


def _shortened(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} digits)"


# --- 2. postfix --------------------------------------------------------------------

_REFUSED_OPERATORS = {"//": 2, "%": 2, "@": 2, "<<": 0, ">>": 0, "&": 0, "^": 0, "|": 0,
                      "<": 0, ">": 0, "<=": 0, ">=": 0, "==": 0, "!=": 0}
"""Python operators people try, with how tightly Python binds them (to point at what they apply to)."""

_COMPARISONS = {"<", ">", "<=", ">=", "==", "!="}

_KEYWORDS = {"True": "True", "False": "False", "None": "None", "lambda": "a lambda", "if": "if/else",
             "else": "if/else", "and": "and/or", "or": "and/or", "not": "'not'", "for": "a comprehension",
             "async": "a comprehension", "in": "a comparison (in)", "is": "a comparison (is)",
             "await": "await", "yield": "yield"}


def _to_postfix(source: str, tokens: list[Token], grammar: _Grammar) -> Expression:
    """The shunting yard over `tokens`: postfix instructions, the variables, and where each first appears.

    `waiting` holds operators not yet applied and open parentheses, innermost
    last, each as ``(kind, symbol or function, start, end of the opening)``
    with kind "binary", "negate", "group" or "call". `spans` holds the
    (start, end) in the source of each operand computed so far, to point at.
    """
    instructions: list[tuple] = []
    spans: list[tuple[int, int]] = []
    waiting: list[tuple] = []
    variables: list[str] = []
    columns: dict[str, tuple[int, int]] = {}
    depth = 0

    def fail(message: str, start: int, end: int):
        _fail(message, source, start, end)

    def apply(entry) -> None:
        kind, symbol, start, _ = entry
        if kind == "binary":
            _, right_end = spans.pop()
            left_start, _ = spans.pop()
            spans.append((left_start, right_end))
            instructions.append(("binary", symbol))
        else:  # negate
            _, operand_end = spans.pop()
            spans.append((start, operand_end))
            instructions.append(("negate",))

    def apply_waiting(precedence: float, right_to_left: bool = False) -> None:
        """Apply the waiting operators that bind at least as tightly (more tightly, for a right-to-left one)."""
        while waiting and waiting[-1][0] in ("binary", "negate"):
            kind, symbol = waiting[-1][:2]
            tighter = PRECEDENCE[symbol] if kind == "binary" else NEGATE
            if tighter < precedence or (tighter == precedence and right_to_left):
                break
            apply(waiting.pop())

    def open_parenthesis(entry) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            fail(f"the parentheses nest too deeply: more than {MAX_DEPTH} levels", entry[2], entry[3])
        waiting.append(entry)

    def innermost_parenthesis():
        return next((entry for entry in reversed(waiting) if entry[0] in ("group", "call")), None)

    expect_operand, i = True, 0
    while True:
        token, previous = tokens[i], tokens[i - 1] if i else None
        text, start, end = token.text, token.start, token.end
        i += 1
        if token.kind == "refused":
            fail(token.problem, start, end)
        if token.kind == "name" and keyword.iskeyword(text):
            if text == "not" and expect_operand:
                fail("unary 'not' is not allowed; only minus (-x) is", start, end)
            fail(grammar.only(_KEYWORDS.get(text, f"the keyword {text!r}")), start, end)
        if expect_operand:
            if token.kind == "number":
                instructions.append(("number", token.value))
                spans.append((start, end))
                expect_operand = False
            elif token.kind == "name" and tokens[i].text == "(":  # a call
                if text not in grammar.functions:
                    fail(f"unknown function {text!r}; the known functions are {', '.join(grammar.functions)}",
                         start, end)
                open_parenthesis(("call", text, start, tokens[i].end))
                i += 1
            elif token.kind == "name":
                if text not in columns:
                    columns[text] = (start + 1, end - start)
                    variables.append(text)
                instructions.append(("variable", text))
                spans.append((start, end))
                expect_operand = False
            elif text == "(":
                open_parenthesis(("group", None, start, end))
            elif text == "-":
                waiting.append(("negate", None, start, end))
            elif token.kind == "end" and innermost_parenthesis():
                _, _, opened, opening_end = innermost_parenthesis()
                fail("invalid syntax: '(' was never closed", opened, opening_end)
            elif token.kind == "end":
                fail(f"invalid syntax: the expression ends after {previous.text!r}: "
                     "a number, a variable or ( must follow", start, end)
            elif text == ")" and previous and previous.text == "(":
                kind, function, opened, _ = waiting[-1]
                if kind == "call":
                    fail(f"{function}() takes exactly one argument, like {function}(x)", opened, end)
                fail("empty parentheses () are not allowed: put an expression inside", opened, end)
            elif text in ("+", "~"):
                fail(f"unary {text!r} is not allowed; only minus (-x) is", start, end)
            elif text in ("*", "**") and previous and previous.text == "(":
                fail(grammar.only(f"unpacking ({text})"), start, end)
            elif text == "[":
                fail(grammar.only("a list ([...])"), start, end)
            else:
                where = f"after {previous.text!r}" if previous else "at the start"
                fail(f"invalid syntax: a number, a variable or ( must come {where}, not {text!r}", start, end)
        elif text in PRECEDENCE and (text not in COMPARISONS or grammar.comparisons):
            if text in COMPARISONS:
                for entry in reversed(waiting):  # back to the innermost open parenthesis
                    if entry[0] in ("group", "call"):
                        break
                    if entry[1] in COMPARISONS:
                        fail("chained comparisons are not allowed: write one comparison, like x > 0",
                             spans[-2][0] if len(spans) > 1 else start, end)
            apply_waiting(PRECEDENCE[text], right_to_left=text == "**")
            waiting.append(("binary", text, start, end))
            expect_operand = True
        elif text == ")":
            apply_waiting(-math.inf)
            if not waiting:
                fail("invalid syntax: unmatched ')'", start, end)
            kind, function, opened, _ = waiting.pop()
            depth -= 1
            spans[-1] = (opened, end)
            if kind == "call":
                instructions.append(("call", function))
        elif token.kind == "end":
            apply_waiting(-math.inf)
            if waiting:
                _, _, opened, opening_end = waiting[-1]
                fail("invalid syntax: '(' was never closed", opened, opening_end)
            break
        elif text in _REFUSED_OPERATORS:
            # Point from the start of what the operator would apply to, as Python would group it.
            apply_waiting(_REFUSED_OPERATORS[text])
            operand_start = spans[-1][0]
            if text in _COMPARISONS:
                fail(grammar.only("a comparison"), operand_start, end)
            hint = "; write powers as **" if text == "^" else ""
            fail(f"the operator {text!r} is not allowed: use + - * / **{hint}", operand_start, end)
        elif text == ".":
            attribute_end = tokens[i].end if tokens[i].kind == "name" else end
            fail(grammar.only("attribute access (.name)"), spans[-1][0], attribute_end)
        elif text == "[":
            fail(grammar.only("indexing ([...])"), spans[-1][0], end)
        elif text == "(":
            fail(f"only the functions {', '.join(grammar.functions)} can be called, by name", *spans[-1])
        elif text == ",":
            innermost = innermost_parenthesis()
            if innermost and innermost[0] == "call":
                function, opened = innermost[1], innermost[2]
                fail(f"{function}() takes exactly one argument, like {function}(x)", opened, end)
            fail(grammar.only("a tuple (a comma)"), start, end)
        elif text in ("=", ":="):
            fail(grammar.only(f"an assignment ({text})"), start, end)
        elif token.kind in ("number", "name"):
            fail(f"invalid syntax: an operator (+ - * / **) is missing before {text!r}", start, end)
        else:
            fail(f"invalid syntax: {text!r} cannot come after {previous.text!r}", start, end)
    return Expression(source, tuple(instructions), tuple(variables), columns, grammar.functions)


def _fail(message: str, source: str, start: int, end: int):
    """Raise the ExpressionError for the characters source[start:end] (0-based; columns count from 1)."""
    raise ExpressionError(message, source, start + 1, end - start)
