"""The expression reader: a whitelist over Python's syntax tree, fuzzed to show nothing else ever runs.

"Nothing runs" is checked with a Python audit hook (PEP 578): while an
expression is parsed and evaluated, the interpreter must raise no audit event
at all -- not even "compile": the reader is its own, it does not call
`ast.parse`. Running code (`exec`, `eval`), importing, opening files,
starting processes, sockets, ... all raise events, and any one of them fails
the test.
"""

import ast
import math
import sys
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import F, Value
from autograd.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError, parse, variable_name

_seen_events: list | None = None


def _audit(event, args):
    if _seen_events is not None:
        _seen_events.append((event, repr(args)[:200]))


sys.addaudithook(_audit)


@contextmanager
def nothing_runs():
    global _seen_events
    _seen_events = []
    try:
        yield
    finally:
        seen, _seen_events = _seen_events, None
    assert not seen, f"the interpreter did something while reading an expression: {seen}"


def read(text, values=None):
    """parse + evaluate under the audit guard; returns the value or the ExpressionError."""
    with nothing_runs():
        try:
            return parse(text).evaluate(values or {})
        except ExpressionError as error:
            return error


INJECTIONS = [
    "__import__('os').system('touch {sentinel}')",
    "__import__(\"os\").system(\"touch {sentinel}\")",
    "open('{sentinel}', 'w').write('x')",
    "exec(\"open('{sentinel}', 'w')\")",
    "eval(\"1\")",
    "x.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: __import__('os').system('touch {sentinel}'))()",
    "[__import__('os') for _ in 'a']",
    "{{k: __import__('os') for k in 'a'}}",
    "(x := __import__('os'))",
    "tanh.__globals__['__builtins__']",
    "tanh(x).__class__",
    "getattr(x, 'data')",
    "tanh(x, key=__import__('os'))",
    "tanh(*[x])",
    "f'{{__import__(\"os\").system(\"touch {sentinel}\")}}'",
    "x if __import__('os').system('touch {sentinel}') else x",
    "__builtins__",
    "globals()",
    "breakpoint()",
    "x; import os",
    "import os",
    "x\n__import__('os').system('touch {sentinel}')",
    "b'\\x00'",
    "x[0]",
    "x @ x",
    "'a' * 10 ** 9",
    "[1] * 10 ** 9",
    "9 ** 9 ** 9 ** 9 and x",
]


@pytest.mark.parametrize("template", INJECTIONS)
def test_known_injection_strings_are_refused_and_run_nothing(template, tmp_path):
    sentinel = tmp_path / "pwned"
    result = read(template.format(sentinel=sentinel), {"x": 1.0})
    assert isinstance(result, ExpressionError), result
    assert not sentinel.exists()


@given(st.text(max_size=80))
def test_any_text_is_read_or_refused_and_runs_nothing(text):
    result = read(text, {name: 0.7 for name in ("x", "y", "a", "b")})
    assert isinstance(result, (ExpressionError, float)), result


PYTHONISH = st.lists(st.sampled_from(list("xyab019.+-*/()[]{},:;=_'\"@%^~<>! ") +
                                     ["lambda ", "for ", " in ", "import ", "__import__", "os", "exec", "eval",
                                      "tanh", "exp", "**", "__class__", "if ", " else "]), max_size=30).map("".join)


@given(PYTHONISH)
def test_python_like_text_is_read_or_refused_and_runs_nothing(text):
    result = read(text, {name: 0.7 for name in ("x", "y", "a", "b", "os", "exec", "eval")})
    assert isinstance(result, (ExpressionError, float)), result


def expressions():
    """(text, function of x and y on floats) pairs from the whole grammar."""
    leaves = st.one_of(
        st.sampled_from([("x", lambda x, y: x), ("y", lambda x, y: y)]),
        st.floats(0, 5, allow_nan=False).map(lambda c: (repr(c), lambda x, y, c=c: c)))

    def grow(inner):
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(_binary)
        call = st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner).map(
            lambda t: (f"{t[0]}({t[1][0]})", lambda x, y, f=FUNCTIONS[t[0]], g=t[1][1]: f(g(x, y))))
        negate = inner.map(lambda t: (f"-({t[0]})", lambda x, y, g=t[1]: -g(x, y)))
        return st.one_of(binary, call, negate)
    return st.recursive(leaves, grow, max_leaves=8)


def _binary(t):
    (left, f), symbol, (right, g) = t
    op = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": F.div, "**": F.pow}[symbol]
    return f"({left}) {symbol} ({right})", lambda x, y: op(f(x, y), g(x, y))


@given(expressions(), st.floats(-3, 3), st.floats(-3, 3))
def test_the_grammar_evaluates_as_written(expression, x, y):
    text, function = expression
    with nothing_runs():
        got = parse(text).evaluate({"x": x, "y": y})
    want = function(x, y)
    assert got == want or (math.isnan(got) and math.isnan(want)), text


def test_values_build_a_graph_with_the_table_primitives():
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    f = parse("tanh(x*w + b)").evaluate({"x": x, "w": w, "b": b})
    assert f.op == "tanh" and f.parents[0].op == "+" and f.parents[0].parents[0].op == "*"
    assert parse("x ** 2").evaluate({"x": x}).op == "**2"  # a constant exponent is its own primitive
    assert parse("2 ** x").evaluate({"x": x}).op == "**"
    assert parse("tanh(x*w + b)").variables == ("x", "w", "b")


def error_of(text, values=None) -> ExpressionError:
    result = read(text, values)
    assert isinstance(result, ExpressionError), result
    return result


def test_errors_point_at_the_offending_column():
    error = error_of("x + y.real")
    assert error.column == 5 and "attribute access" in error.message
    assert str(error).splitlines()[1:] == ["  x + y.real", "      ^^^^^^"]
    assert error_of("tanh(x) ^ 2").message.endswith("write powers as **")
    assert error_of("é + é.real").column == 5  # columns count characters, not UTF-8 bytes
    assert error_of("  é +* 2").column == 6
    assert error_of("x +").message.startswith("invalid syntax")


def test_unknown_function_lists_the_known_ones():
    error = error_of("2 * foo(x)")
    assert error.column == 5 and "unknown function 'foo'" in error.message
    assert all(name in error.message for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"))


def test_a_missing_variable_is_named():
    error = error_of("x * w + b", {"x": 1.0, "w": 2.0})
    assert "no value for the variable 'b'" in error.message and error.column == 9


def test_degenerate_inputs_are_errors_not_crashes():
    for text in ["", "   ", "x" + " + x" * 5000, "(" * 300 + "x" + ")" * 300, "1" * 5000, "1e999999 * 0",
                 "tanh()", "tanh(x, x)", "True", "None", "...", "1j", "x\x00"]:
        result = read(text, {"x": 1.0})
        assert isinstance(result, (ExpressionError, float)), (text, result)
    assert read("1e999 - 1e999") != read("1e999 - 1e999")  # inf - inf is nan: IEEE, no exception
    assert read("1 / 0") == math.inf


# --- the reader: carets, limits, and Python's meaning ------------------------------------------

def caret_line(error: ExpressionError) -> str:
    return str(error).splitlines()[2]


@pytest.mark.parametrize("text, column, shown, carets", [
    ("x*", 3, "  x*", "    ^"),                              # at the end: just after the last character
    ("x*   ", 3, "  x*   ", "    ^"),                        # trailing spaces do not move it
    ("x + * y", 5, "  x + * y", "      ^"),                  # in the middle
    ("   tanh(x) +", 13, "     tanh(x) +", "              ^"),  # after leading spaces
    ("\tx +* 2", 5, "   x +* 2", "      ^"),                # a tab is shown as one space
    ("é + é.real", 5, "  é + é.real", "      ^^^^^^"),        # columns count characters, not UTF-8 bytes
    ("日本 + 日本.x", 6, "  日本 + 日本.x", "         ^^^^^^"),  # wide characters take two terminal columns
    ("e\u0301 + e\u0301.x", 6, "  e\u0301 + e\u0301.x", "      ^^^"),  # a combining accent takes no room
    ("x \x1b[2J", 3, "  x \\x1b[2J", "    ^^^^"),             # a control character is shown escaped, not sent
])
def test_the_caret_points_at_the_fault(text, column, shown, carets):
    error = error_of(text)
    assert error.column == column
    assert str(error).splitlines()[1:] == [shown, carets]


def test_a_long_expression_shows_the_part_around_the_fault():
    text = "+".join(["x"] * 4000) + " * y.real"
    error = error_of(text)
    _, shown, carets = str(error).splitlines()
    assert error.column == len(text) - 5 and len(shown) < 100
    assert shown.startswith("  ...") and shown.endswith("y.real")
    assert shown[carets.index("^"):] == "y.real" and carets.count("^") == 6


def test_every_expression_within_the_limits_is_read_without_recursion():
    flat = "+".join(["x"] * 3000)                         # ast.parse: "maximum recursion depth exceeded"
    assert read(flat, {"x": 1.0}) == 3000.0
    longest = "+".join(["x"] * (MAX_LENGTH // 2))         # 9,999 characters
    assert len(longest) <= MAX_LENGTH and read(longest, {"x": 1.0}) == MAX_LENGTH // 2
    assert read("-" * (MAX_LENGTH - 1) + "x", {"x": 1.0}) == -1.0   # 9,999 minus signs: odd, so -x
    assert read("x" + "**x" * 3000, {"x": 1.0}) == 1.0    # groups right to left: 3,000 deep
    assert read("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, {"x": 2.0}) == 2.0
    assert read("tanh(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, {"x": 0.0}) == 0.0
    for text in ["(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
                 "tanh(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)]:
        error = error_of(text, {"x": 1.0})
        assert f"more than {MAX_DEPTH} levels" in error.message
    error = error_of("x" * (MAX_LENGTH + 1))
    assert f"at most {MAX_LENGTH:,}" in error.message and str(error) == error.message


@pytest.mark.parametrize("text, value", [
    ("-x**2", -9.0), ("2**-x", 0.125), ("2**3**2", 512.0), ("-2**2", -4.0), ("(-2)**2", 4.0),
    ("x - 1 - 1", 1.0), ("x / 3 / 2", 0.5), ("-x*2", -6.0), ("2*-x", -6.0), ("x--x", 6.0),
    ("2**-x**2", 2.0 ** -9.0), ("1_0 + 0x10 + 0o10 + 0b10 + .5 + 2. + 1e1", 48.5),
])
def test_precedence_and_numbers_are_pythons(text, value):
    assert read(text, {"x": 3.0}) == value


def python_instructions(text: str) -> tuple:
    """The instructions Python's own parser gives `text` (ast, recursion: fine for the small test cases)."""
    symbols = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

    def walk(node):
        if isinstance(node, ast.Constant):
            return [("number", float(node.value))]
        if isinstance(node, ast.Name):
            return [("variable", node.id)]
        if isinstance(node, ast.UnaryOp):
            return walk(node.operand) + [("negate",)]
        if isinstance(node, ast.Call):
            return walk(node.args[0]) + [("call", node.func.id)]
        return walk(node.left) + walk(node.right) + [("binary", symbols[type(node.op)])]
    return tuple(walk(ast.parse(text, mode="eval").body))


def unbracketed():
    """Expressions of the whole grammar with as few parentheses as Python needs: precedence decides."""
    spaces = st.sampled_from(["", " ", "  ", "\t"])
    numbers = st.sampled_from(["2", "0.5", "1e-3", "3.", ".25", "1_000", "0x1f", "7E+2", "0"])
    atoms = st.one_of(numbers, st.sampled_from(["x", "y", "w1", "é"]))

    def grow(inner):
        binary = st.tuples(inner, spaces, st.sampled_from(["+", "-", "*", "/", "**"]), spaces, inner).map("".join)
        negate = inner.map(lambda text: "-" + text)
        call = st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner).map(lambda t: f"{t[0]}({t[1]})")
        group = inner.map(lambda text: f"({text})")
        return st.one_of(binary, negate, call, group)
    return st.tuples(spaces, st.recursive(atoms, grow, max_leaves=12), spaces).map("".join)


@given(unbracketed())
def test_the_reader_means_what_python_means(text):
    try:
        python = python_instructions(text.strip())
    except SyntaxError:  # "2 ** - - x" and the like are Python too; anything Python refuses we skip
        return
    with nothing_runs():
        assert parse(text).instructions == python, text


def test_names_are_normalised_as_python_does():
    assert parse("ｘ + x").variables == ("x",) and parse("ｘ").columns == {"x": (1, 1)}
    assert variable_name("ｘ") == "x" and variable_name("lambda") is None and variable_name("2x") is None


@pytest.mark.parametrize("text, words, column", [
    ("x.real", "attribute access", 1), ("x[0]", "indexing", 1), ("[x]", "a list", 1),
    ("x ^ 2", "write powers as **", 1), ("x // 2", "'//' is not allowed", 1), ("y + x % 2", "'%'", 5),
    ("x < y", "a comparison", 1), ("x == y", "a comparison", 1), ("x in y", "a comparison (in)", 3),
    ("'a'", "a string", 1), ('x + "a"', "a string", 5), ("lambda: x", "a lambda", 1),
    ("x if y else x", "if/else", 3), ("x and y", "and/or", 3), ("not x", "unary 'not'", 1),
    ("x, y", "a tuple (a comma)", 2), ("tanh(x, y)", "exactly one argument", 1), ("tanh()", "exactly one", 1),
    ("True", "True is not allowed", 1), ("None + x", "None is not allowed", 1),
    ("import os", "the keyword 'import'", 1), ("x = 1", "an assignment (=)", 3), ("(x := 1)", "(:=)", 4),
    ("{x}", "braces", 1), ("x # c", "a comment", 3), ("x; y", "a second statement", 2),
    ("x \u2212 1", "MINUS SIGN", 3), ("2 \u00d7 x", "type * instead", 3), ("x\u00b2", "type **2", 2),
    ("2x", "write a product with *, like 2*x", 1), ("1j", "complex numbers", 1), ("1e", "an exponent", 1),
    ("007", "leading zeros", 1), ("1__0", "invalid number '1__0'", 1), ("0x", "invalid number", 1),
    ("1" * 400, "too large for a float", 1), ("+x", "unary '+'", 1), ("~x", "unary '~'", 1),
    ("tanh(*x)", "unpacking", 6), ("foo(x)", "unknown function 'foo'", 1),
    ("tanh(x)(y)", "can be called, by name", 1), ("(x", "'(' was never closed", 1),
    ("tanh(x * (y", "'(' was never closed", 10), ("x)", "unmatched ')'", 2), ("()", "empty parentheses", 1),
    ("x y", "an operator (+ - * / **) is missing before 'y'", 3), ("x $ y", "the character '$'", 3),
    ("x +", "invalid syntax", 4), ("x\u00a0+ y", "NO-BREAK SPACE", 2), ("...", "invalid syntax", 1),
])
def test_what_people_try_from_python_is_named_at_its_column(text, words, column):
    error = error_of(text, {"x": 1.0, "y": 2.0})
    assert words in error.message and error.column == column, (text, error.message, error.column)
    assert "^" in caret_line(error)


def test_the_leftmost_fault_is_the_one_reported():
    assert error_of("x + + 'a'").column == 5  # the unary +, before the string
    assert error_of("x $ 'a'").column == 3
