"""autograd.compile: straight-line code that equals the interpreter to the last bit."""

from __future__ import annotations

import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import F, Value, ops, value_and_grad
from autograd.compile import compile, literal
from autograd.compile.inlining import forward_template, is_from_table, partial_templates
from autograd.graph import backpropagate
from autograd.modes import observe_branches
from autograd.nn import MLP
from autograd.testing import strategies

TABLE = list(ops.PRIMITIVES.values()) + [ops.power(n) for n in (2, 3, 0.5, -1, -2.5)]


def bits(x: float) -> bytes:
    """A float's eight bytes (-0.0 is not 0.0), except that every nan is one nan.

    IEEE-754 leaves the sign and payload of a nan result unspecified, and
    CPython itself differs there: its specialised float multiply may take
    the other operand's nan than the generic one, depending on warm-up.
    """
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


def interpreted(f, args):
    """What the interpreter says: value and d value/d args, by `backpropagate` with the args as leaves."""
    leaves = [Value(x) for x in args]
    out = f(*leaves)
    if not isinstance(out, Value):
        return float(out), tuple(0.0 for _ in args)
    grads = backpropagate(out, stop_at=frozenset(leaves))
    return out.data, tuple(grads.get(leaf, 0.0) for leaf in leaves)


def assert_same(got, expected):
    (value, grads), (value_expected, grads_expected) = got, expected
    assert bits(value) == bits(value_expected)
    assert [bits(g) for g in grads] == [bits(g) for g in grads_expected]


# --- the table is inlined, and only the table ---------------------------------------------------------

@pytest.mark.parametrize("op", TABLE, ids=lambda op: op.expression)
def test_every_rule_of_the_table_is_inlined(op):
    assert forward_template(op) is not None
    partials = partial_templates(op)
    assert partials is not None and len(partials) == op.arity
    assert not any("F." in text or "lambda" in text for text in partials)


def test_a_primitive_of_your_own_is_called_not_copied():
    softplus = ops.Primitive("softplus", "softplus", lambda x: F.log(1 + F.exp(x)),
                             lambda x, out: (F.sigmoid(x),), "softplus(x)", ("sigmoid(x)",))
    assert not is_from_table(softplus)
    assert forward_template(softplus) is None and partial_templates(softplus) is None
    f = lambda x, y: softplus(x * y) + x  # noqa: E731
    compiled = compile(f, (0.5, -1.5))
    assert "_forward0(" in compiled.source and "_partials0(" in compiled.source
    assert "sigmoid" not in compiled.source and "log" not in compiled.source
    for point in [(0.5, -1.5), (2.0, 3.0), (-40.0, 30.0)]:
        assert_same(compiled(*point), interpreted(f, point))


def test_the_source_is_one_assignment_per_node_and_names_nothing_of_the_user():
    x_label = "x'; import os #"
    f = lambda x, y: (Value(2.0, label=x_label) * x * y).tanh() + x  # noqa: E731
    compiled = compile(f, (0.5, -1.0), reuse_slots=False)
    assert x_label not in compiled.source and "import" not in compiled.source
    forward = compiled.source.split("# backward")[0]
    assert forward.count(" = ") == 4  # 2*x, *y, tanh, + x
    assert "v2 = _tanh(v1)" in compiled.source
    assert compiled.source.rstrip().splitlines()[-1] == "    return v3, (dx0, dx1)"


def test_literals_keep_every_float_exactly():
    for x in [0.1, -0.0, 0.0, 1e-310, -2.5, 1e300, math.inf, -math.inf, 5e-324, 123456789.123]:
        compiled = compile(lambda a, x=x: a * x, (1.0,))  # the constant appears as a literal in the source
        assert bits(compiled(1.0)[0]) == bits(1.0 * x)
    assert literal(-0.0) == "(-0.0)" and literal(math.nan) == "_nan"


# --- equal to the interpreter, bit for bit ------------------------------------------------------------

@given(strategies.expressions(max_depth=8))
def test_random_graphs_at_their_own_points(expr):
    compiled = compile(expr, expr.inputs)
    assert_same(compiled(*expr.inputs), interpreted(expr, expr.inputs))


ANY_FLOAT = st.floats(-50.0, 50.0) | st.sampled_from([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 1e308])


@settings(max_examples=100)
@given(strategies.expressions(max_depth=6), st.tuples(ANY_FLOAT, ANY_FLOAT))
def test_random_graphs_anywhere_including_nan_inf_and_zero(expr, point):
    """Outside the nice domain too: inf, nan, 1/0 in a partial (the interpreter's IEEE fallback)."""
    compiled = compile(expr, expr.inputs)
    assert_same(compiled(*point), interpreted(expr, point))


@pytest.mark.parametrize("reuse_slots", [True, False])
def test_the_mlp_step_is_bit_exact_over_several_sgd_steps(reuse_slots):
    random.seed(1337)
    model = MLP(2, [8, 8, 1])
    params = model.parameters()
    X = [[math.cos(i), math.sin(2 * i)] for i in range(20)]
    y = [1.0 if i % 3 else -1.0 for i in range(20)]

    def loss():
        losses = [(1 + -t * model(x)).relu() for x, t in zip(X, y)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)

    compiled = compile(lambda *w: loss(), params, reuse_slots=reuse_slots)
    weights = [p.data for p in params]
    for _ in range(4):
        value, grads = compiled(*weights)
        for p, w in zip(params, weights):
            p.data = w
        out = loss()
        expected = backpropagate(out, stop_at=frozenset(params))
        assert bits(value) == bits(out.data)
        assert [bits(g) for g in grads] == [bits(expected.get(p, 0.0)) for p in params]
        weights = [w - 0.5 * g for w, g in zip(weights, grads)]
    assert compiled.traces == 1 and compiled.fallbacks == 0


def test_reusing_variables_changes_names_not_numbers():
    f = lambda a, b, c: ((a * b).sin() + (b * c).exp() * a - c / a).tanh() * b  # noqa: E731
    plain, reused = compile(f, (0.3, 0.7, -1.2), reuse_slots=False), compile(f, (0.3, 0.7, -1.2))
    assert reused.programs[0].function.__code__.co_nlocals < plain.programs[0].function.__code__.co_nlocals
    for point in [(0.3, 0.7, -1.2), (1.5, -2.0, 0.25)]:
        assert_same(reused(*point), plain(*point))
        assert_same(reused(*point), interpreted(f, point))


def test_python_float_errors_fall_back_to_the_ieee_answer():
    f = lambda x: x.log() + 1 / x  # noqa: E731  log'(0) = 1/0 and d(1/x)/dx = -1/0^2 raise in Python
    compiled = compile(f, (2.0,))
    assert_same(compiled(2.0), interpreted(f, (2.0,)))
    assert compiled.fallbacks == 0
    value, (grad,) = compiled(0.0)
    assert_same((value, (grad,)), interpreted(f, (0.0,)))
    assert compiled.fallbacks == 1


# --- branches -------------------------------------------------------------------------------------

def piecewise(x):
    return x * x if x > 0 else -x * 3.0


def test_comparisons_are_reported_to_a_listener():
    heard = []
    with observe_branches(lambda *event: heard.append(event)):
        x = Value(2.0)
        assert x > 1 and not x < 1.5 and x >= x and 0 <= x
    assert [(symbol, outcome) for _, symbol, _, outcome in heard] == \
        [(">", True), ("<", False), (">=", True), (">=", True)]
    assert Value(1.0) < 2  # nobody listening: nothing reported, nothing breaks


def test_a_guard_miss_traces_the_other_branch():
    compiled = compile(piecewise, (2.0,))
    assert "raise _GuardMiss(0)" in compiled.source
    assert compiled(5.0) == (25.0, (10.0,)) and compiled.traces == 1
    assert compiled(-2.0) == (6.0, (-3.0,)) and compiled.traces == 2     # new branch: traced again
    assert compiled(-7.0) == (21.0, (-3.0,)) and compiled.traces == 2    # both versions kept
    assert compiled(3.0) == (9.0, (6.0,)) and compiled.traces == 2
    assert len(compiled.programs) == 2 and compiled.fallbacks == 0


def test_past_max_traces_the_interpreter_answers():
    compiled = compile(piecewise, (2.0,), max_traces=1)
    assert compiled(-2.0) == (6.0, (-3.0,))
    assert compiled.traces == 1 and compiled.fallbacks == 1


def test_a_guard_on_a_node_the_output_does_not_use():
    f = lambda x, y: x * 2.0 if x * y > 1.0 else y  # noqa: E731
    compiled = compile(f, (2.0, 3.0))
    assert compiled(2.0, 3.0) == (4.0, (2.0, 0.0))
    assert compiled(0.1, 3.0) == (3.0, (0.0, 1.0)) and compiled.traces == 2


def test_branching_on_data_is_invisible_and_documented_so():
    """`x.data > 0` is a float comparison: the tracer cannot see it, the trace keeps its branch."""
    f = lambda x: x * x if x.data > 0 else -x  # noqa: E731
    compiled = compile(f, (2.0,))
    assert "_GuardMiss" not in compiled.source
    assert compiled(-3.0) == (9.0, (-6.0,))            # the traced branch, x * x ...
    assert interpreted(f, (-3.0,)) == (3.0, (-1.0,))   # ... where the interpreter takes the other


# --- arguments and results --------------------------------------------------------------------------

def test_values_as_arguments_are_the_leaves_and_are_left_as_they_were():
    w = Value(0.5)
    b = Value(-1.0)
    f = lambda *_: (w * 3.0 + b).relu() if w > 0 else w * w  # noqa: E731
    compiled = compile(f, [w, b])
    assert compiled(2.0, 1.0) == (7.0, (3.0, 1.0))
    assert compiled(-2.0, 1.0) == (4.0, (-4.0, 0.0)) and compiled.traces == 2
    assert (w.data, b.data, w.grad, b.grad) == (0.5, -1.0, 0.0, 0.0)


def test_outputs_that_are_an_input_or_a_constant():
    assert compile(lambda x: x, (2.0,))(7.0) == (7.0, (1.0,))
    assert compile(lambda x, y: y, (2.0, 1.0))(7.0, 3.0) == (3.0, (0.0, 1.0))
    assert compile(lambda x: 3.0, (2.0,))(7.0) == (3.0, (0.0,))
    assert compile(lambda x: Value(4.0) * 2.0, (2.0,))(7.0) == (8.0, (0.0,))


def test_agrees_with_value_and_grad():
    f = lambda a, b: (a * b + a.sin()) ** 2 / (b.exp() + 1.0)  # noqa: E731
    compiled = compile(f, (0.3, -0.4))
    value, grads = value_and_grad(f, argnums=(0, 1))(1.1, 0.2)
    assert compiled(1.1, 0.2) == (value, grads)


def test_clear_errors():
    compiled = compile(lambda x, y: x * y, (1.0, 2.0))
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        compiled(1.0)
    with pytest.raises(TypeError, match="must be a number or a Value"):
        compile(lambda x: x, ("3",))
    v = Value(1.0)
    with pytest.raises(ValueError, match="the same Value"):
        compile(lambda a, b: a * b, (v, v))
    with pytest.raises(TypeError, match="must return one Value"):
        compile(lambda x: [x, x], (1.0,))
    assert "2 inputs" in repr(compiled)


def test_tracebacks_show_the_generated_line():
    compiled = compile(lambda x: x * 2.0, (1.0,))
    import linecache
    code = compiled.programs[0].function.__code__
    assert "x0 * 2.0" in "".join(linecache.getlines(code.co_filename))


def test_a_primitive_written_with_formulas_has_its_partials_inlined_and_its_forward_called():
    softplus = ops.Primitive("softplus", "softplus", lambda x: F.log(1 + F.exp(x)), ("sigmoid(x)",), "softplus(x)")
    assert forward_template(softplus) is None and partial_templates(softplus) == ("_sigmoid({a0})",)
    f = lambda x, y: softplus(x * y) + x  # noqa: E731
    compiled = compile(f, (0.5, -1.5))
    assert "_forward0(" in compiled.source and "_sigmoid(" in compiled.source and "_partials" not in compiled.source
    for point in [(0.5, -1.5), (2.0, 3.0), (-40.0, 30.0)]:
        assert_same(compiled(*point), interpreted(f, point))
