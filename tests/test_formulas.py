"""The formula a learner reads is the rule the engine runs.

Each partial derivative is written once in `autograd.ops`, as a formula; the
function the engine calls (``op.partials``) and the text the trace, the
stepper and the drawings show (``op.formulas``) are both made from it. These
tests read every *displayed* formula back -- as a learner would, ``^`` as a
power -- evaluate it at hypothesis-chosen points of the primitive's domain,
and compare it with what the engine computes there. A printer that dropped a
needed parenthesis, or a formula shown for a rule that computes something
else, fails here.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import expression, ops, tensor_ops
from autograd.testing.strategies import floats_in_domain

PRIMITIVES = list(ops.PRIMITIVES.values()) + [ops.power(n) for n in (0, 1, 2, 3, -1, 0.5, -1.5, -2.5)]


def read_as_shown(text: str) -> expression.Expression:
    """A displayed formula read back: ``^`` is a power, as on a blackboard."""
    return ops.read_formula(text.replace("^", "**"))


def disagreement(op: ops.Primitive, args) -> str | None:
    """Why the displayed formulas of `op` disagree with its partials at `args`, or None if they agree."""
    out = op.forward(*args)
    engine = op.partials(*args, out)
    names = dict(zip(op.inputs, args))
    for shown, expected in zip(op.formulas, engine):
        formula = read_as_shown(shown)
        if "out" in formula.variables:
            return f"{shown!r} still says out"
        value = float(formula.evaluate(names))
        if not math.isclose(value, float(expected), rel_tol=1e-12, abs_tol=1e-300):
            return f"{shown!r} is {value!r} at {args}, the engine's rule {float(expected)!r}"
    return None


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_every_displayed_formula_is_the_rule_the_engine_runs(op):
    @given(floats_in_domain(op))
    def check(args):
        assert disagreement(op, args) is None

    check()


def test_the_check_catches_a_formula_that_says_something_else():
    wrong = ops.Primitive("tanh", "tanh", ops.tanh.forward, lambda x, out: (1 - out * out,), "tanh(x)",
                          ("1 - tanh(x)",))  # a function and a formula given apart: they can disagree
    assert "is" in disagreement(wrong, (0.7,))
    dropped = ops.Primitive("div", "/", ops.div.forward, ops.div.partials, "a / b", ("1 / b", "-a / b * b"))
    assert disagreement(dropped, (1.5, 2.0)) is not None  # the parentheses of b^2 lost


def test_every_formula_of_the_table_is_made_from_its_rule():
    for op in PRIMITIVES:
        assert op.rules is not None and len(op.rules) == op.arity
        assert op.formulas == tuple(rule.written({"out": op._as_operand()}) for rule in op.rules)


def test_the_tensor_table_shows_the_scalar_formula_times_the_gradient():
    rows = [row for row in vars(tensor_ops).values() if isinstance(row, tensor_ops.TensorPrimitive)
            and row.scalar is not None]
    assert {row.name for row in rows} >= {"tanh", "mul", "relu", "pow"}
    rng = np.random.default_rng(0)
    for row in rows:
        scalar = row.scalar
        low, high = [(max(lo, -3.0), min(hi, 3.0)) for lo, hi in scalar.domains][0]
        args = [float(rng.uniform(low + 0.1, high)) for _ in scalar.inputs]
        g = 0.75
        for shown, partial in zip(row.formulas, scalar.partials(*args, scalar.forward(*args))):
            value = float(read_as_shown(shown).evaluate({"g": g, **dict(zip(scalar.inputs, args))}))
            assert math.isclose(value, g * float(partial), rel_tol=1e-12), (row.name, shown)


# --- the printer, on formulas of every shape ----------------------------------------------------------

def formulas(depth: int = 4):
    """Random formula texts over x and y, fully parenthesized, with every operator and function."""
    leaves = st.sampled_from(["x", "y", "2", "0.5", "3"])

    def extend(inner):
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})")
        unary = st.tuples(st.sampled_from(["-", "tanh", "sin", "exp", "sqrt"]), inner).map(
            lambda t: f"(-{t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})")
        return binary | unary

    return st.recursive(leaves, extend, max_leaves=depth * 2)


@given(formulas(), st.floats(0.2, 2.0), st.floats(0.2, 2.0))
def test_what_the_printer_writes_reads_back_as_the_same_formula(text, x, y):
    parsed = ops.read_formula(text)
    written = parsed.written()
    again = read_as_shown(written)
    expected, got = parsed.evaluate({"x": x, "y": y}), again.evaluate({"x": x, "y": y})
    assert (math.isnan(expected) and math.isnan(got)) or got == expected, (text, written)
    assert again.written() == written  # and printing it again changes nothing


def test_the_printer_writes_what_a_textbook_writes():
    assert ops.tanh.formulas == ("1 - tanh(x)^2",)
    assert ops.sigmoid.formulas == ("sigmoid(x) * (1 - sigmoid(x))",)
    assert ops.div.formulas == ("1 / b", "-a / b^2")
    assert ops.pow.formulas == ("b * a^(b - 1)", "a^b * log(a)")
    assert ops.relu.formulas == ("(x > 0)",)
    assert ops.power(3).formulas == ("3 * x^2",) and ops.power(-1.5).formulas == ("-1.5 * x^(-2.5)",)
    assert ops.read_formula("a - (b - c)").written() == "a - (b - c)"
    assert ops.read_formula("-x ** 2").written() == "-x^2" and ops.read_formula("(-x) ** 2").written() == "(-x)^2"


def test_the_generated_function_is_the_formula_and_sees_nothing_else():
    assert ops.tanh.partials(0.5, 0.25) == (1 - 0.25 * 0.25,)
    assert ops.tanh.partials.__code__.co_filename == "<partials of tanh>"
    assert ops.tanh.partials.__globals__["__builtins__"] == {}
    assert set(ops.pow.partials.__code__.co_names) == {"pow", "log"}
