"""The expression reader: a whitelist over Python's syntax tree, fuzzed to show nothing else ever runs.

"Nothing runs" is checked with a Python audit hook (PEP 578): while an
expression is parsed and evaluated, the interpreter must raise no audit event
at all except "compile" -- which `ast.parse` raises for parsing to a tree.
Running code (`exec`, `eval`), importing, opening files, starting processes,
sockets, ... all raise events, and any one of them fails the test.
"""

import math
import sys
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import F, Value
from autograd.expression import FUNCTIONS, ExpressionError, parse

_seen_events: list | None = None


def _audit(event, args):
    if _seen_events is not None and event != "compile":  # ast.parse: source -> tree, runs nothing
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
