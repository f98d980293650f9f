"""A plain number in an operation is kept as a float in the node, and the tools see it as a Constant leaf."""

import gc
import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, ops, scope
from autograd.compile import compile
from autograd.explain import explain
from autograd.graph import topological_order, walk
from autograd.modes import detect_anomaly, no_grad
from autograd.scopes import module_path
from autograd.value import Constant, apply, numbers_as_leaves
from autograd.viz import to_dot

finite = st.floats(-10, 10, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@pytest.mark.parametrize("build, data, slope", [
    (lambda x: x * 2, lambda v: v * 2.0, lambda v: 2.0),
    (lambda x: 2 * x, lambda v: 2.0 * v, lambda v: 2.0),
    (lambda x: x + 3, lambda v: v + 3.0, lambda v: 1.0),
    (lambda x: 3 + x, lambda v: 3.0 + v, lambda v: 1.0),
    (lambda x: x - 3, lambda v: v - 3.0, lambda v: 1.0),
    (lambda x: 3 - x, lambda v: 3.0 - v, lambda v: -1.0),
    (lambda x: x / 4, lambda v: v / 4.0, lambda v: 0.25),
    (lambda x: 4 / x, lambda v: 4.0 / v, lambda v: -4.0 / (v * v)),
    (lambda x: 2 ** x, lambda v: 2.0 ** v, lambda v: 2.0 ** v * math.log(2.0)),
])
def test_a_number_on_either_side_is_kept_as_a_float_and_gets_no_gradient(build, data, slope):
    x = Value(1.5, label="x")
    y = build(x)
    assert y.data == data(1.5)
    numbers = [p for p in (y._a, y._b) if type(p) is float]
    assert len(numbers) == 1  # the number itself, not a Value made for it
    y.backward()
    assert x.grad == pytest.approx(slope(1.5), rel=1e-12)
    (constant,) = [p for p in y.parents if p is not x]
    assert isinstance(constant, Constant) and {id(n) for n in walk(y)} == {id(x), id(constant), id(y)}


def test_parents_show_each_number_as_one_constant_leaf_while_the_node_lives():
    x = Value(2.0, label="x")
    y = 3 - x
    first = y.parents
    assert isinstance(first[0], Constant) and first[0].data == 3.0 and first[1] is x  # argument order kept
    assert y.parents[0] is first[0]  # the same object every time: drawings and walks key nodes by identity
    leaf = first[0]
    assert (leaf.grad, leaf.requires_grad, leaf.op, leaf.parents, leaf.label) == (None, False, "", (), "")
    with pytest.raises(TypeError):
        leaf + 1  # a picture of a number, not a Value: no arithmetic
    from autograd import value
    key = id(y)
    assert key in value._constant_leaves
    del y, first
    gc.collect()
    assert key not in value._constant_leaves  # the side table does not outlive its node


def test_the_chain_of_the_benchmark_is_one_node_per_operation():
    x = Value(1.0)
    y = x
    for _ in range(1000):
        y = y * 1.0001 + 0.0001
    assert len(topological_order(y)) == 2001  # x and 2000 operations: no Value per number
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 1000, rel=1e-12)


def test_a_value_per_operation_costs_its_slots_and_its_float_only():
    y = Value(1.0) * 2.0
    assert sys.getsizeof(y) == 96  # the eight slots; the 2.0 is the caller's float, not a new object


@given(finite, finite)
def test_numbers_and_values_give_the_same_numbers_and_gradients(a, c):
    x, k = Value(a), Value(c)
    for build in (lambda x, c: x * c + c, lambda x, c: c / x - x / c, lambda x, c: (c - x) * (x + c)):
        with_number, with_value = build(x, c), build(x, k)
        assert with_number.data == with_value.data
        x.grad = 0.0
        with_number.backward()
        by_number = x.grad
        x.grad = 0.0
        with_value.backward()
        assert by_number == x.grad  # the same products and sums, bit for bit


def test_second_derivatives_through_numbers():
    d2 = grad(grad(lambda x: 3 * x ** 3 - 2 / x))
    v = 1.7
    assert d2(v) == pytest.approx(18 * v - 4 / v ** 3, rel=1e-12)


def test_apply_keeps_numbers_as_floats_and_names_a_bad_operand():
    x = Value(1.0)
    y = apply(ops.mul, 2, x)
    assert y._a == 2.0 and type(y._a) is float and y._b is x
    y.backward()
    assert x.grad == 2.0
    with pytest.raises(TypeError, match="a \\* b cannot take str: 'two'"):
        apply(ops.mul, x, "two")


def test_a_number_that_is_not_real_is_refused_as_before():
    x = Value(1.0)
    with pytest.raises(TypeError):
        x * "2"
    with pytest.raises(TypeError):
        x + [1.0]


def test_recording_off_and_detect_anomaly_with_a_number():
    x = Value(0.0, label="x")
    with no_grad():
        y = x * 2
    assert y._op is None and y.parents == ()
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"a / b on \(1\.0, x=0\.0\)"):
        1 / x


def test_the_trace_and_the_drawing_show_the_number_as_a_constant():
    x = Value(0.5, label="x")
    y = (x * 3).tanh()
    y.backward()
    trace = explain(y)
    assert len(trace.backward) == 2  # tanh -> product, product -> x: nothing flows into the 3
    assert "3" in trace.names.values()
    dot = to_dot(y)
    assert "data 3" in dot and "none (a constant)" in dot


def test_a_constant_belongs_to_the_module_of_its_operation():
    x = Value(1.0)
    with scope("outer"):
        y = x * 2.0
    assert module_path(y.parents[1]) == "outer"


def test_compile_writes_the_number_into_the_code():
    f = compile(lambda x: x * 0.1 + 3 - 2 / x, (1.0,))
    value, (dx,) = f(1.25)
    assert "0.1" in f.source and "2.0" in f.source
    x = Value(1.25)
    out = x * 0.1 + 3 - 2 / x
    out.backward()
    assert value == out.data and dx == x.grad


def test_numbers_as_leaves_gives_each_number_a_gradient_as_micrograd_does():
    x = Value(0.5, label="x")
    y = (x * 3 + 1).tanh()
    assert isinstance(y.parents[0].parents[1], Constant)  # asked for before: the side table is cleared below
    numbers_as_leaves(y)
    product, one = y.parents[0].parents
    three = product.parents[1]
    assert type(three) is Value and type(one) is Value and (three.data, one.data) == (3.0, 1.0)
    y.backward()
    slope = 1 - y.data ** 2
    assert three.grad == pytest.approx(slope * 0.5) and one.grad == pytest.approx(slope)
    assert x.grad == pytest.approx(slope * 3)
    with pytest.raises(TypeError, match="root must be a Value, got 2.0"):
        numbers_as_leaves(2.0)


def test_a_python_function_with_numbers_in_the_playground():
    from autograd.playground.state import FunctionSource, evaluate

    answer = evaluate(FunctionSource(lambda x, y: (x * 2 + 1).tanh() * y, ("x", "y")),
                      {"values": {"x": 0.3, "y": 2.0}, "inspect": "v1", "tangent": "x", "check": True})
    by_name = {node["name"]: node for node in answer["nodes"]}
    assert by_name["2"]["kind"] == "constant" and by_name["2"]["grad"] is not None  # a leaf there, with a gradient
