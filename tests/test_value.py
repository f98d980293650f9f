"""`Value`: operations, accumulation, sharing, no_grad, anomalies, bad input, memory."""

import asyncio
import gc
import math
import sys
import threading
import weakref

import numpy as np
import pytest

from autograd import Dual, Value, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.graph import topological_order


def test_a_new_value_is_a_leaf_with_zero_grad():
    x = Value(3, label="x")
    assert x.data == 3.0 and isinstance(x.data, float)
    assert x.grad == 0.0 and x.label == "x"
    assert x.op == "" and x.parents == ()


@pytest.mark.parametrize("number", [2, 2.0, np.float64(2), np.float32(2), np.int64(2), True])
def test_ints_and_numpy_scalars_are_accepted(number):
    assert Value(number).data == float(number)
    assert type(Value(number).data) is float


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1j, object()])
def test_a_wrong_type_raises_type_error_naming_it(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_an_operation_with_a_wrong_type_raises_type_error():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="NoneType"):
        None * Value(1.0)


def test_operations_record_their_op_and_parents_in_argument_order():
    a, b = Value(2.0), Value(5.0)
    for out, op in [(a + b, "+"), (a - b, "-"), (a * b, "*"), (a / b, "/"), (a ** b, "**")]:
        assert out.op == op and out.parents == (a, b)
    assert (-a).op == "neg" and (a ** 2).op == "**2" and (a ** 2).parents == (a,)


def test_plain_numbers_work_on_either_side():
    x = Value(2.0)
    cases = {
        "2 + x": (2 + x, 4.0, 1.0), "x + 2": (x + 2, 4.0, 1.0),
        "2 - x": (2 - x, 0.0, -1.0), "x - 2": (x - 2, 0.0, 1.0),
        "2 * x": (2 * x, 4.0, 2.0), "x * 2": (x * 2, 4.0, 2.0),
        "1 / x": (1 / x, 0.5, -0.25), "x / 4": (x / 4, 0.5, 0.25),
        "2 ** x": (2 ** x, 4.0, 4.0 * math.log(2)), "x ** 3": (x ** 3, 8.0, 12.0),
        "-x": (-x, -2.0, -1.0),
    }
    for text, (out, value, slope) in cases.items():
        x.grad = 0.0
        out.backward()
        assert out.data == pytest.approx(value), text
        assert x.grad == pytest.approx(slope), text


def test_value_to_the_power_of_a_value():
    a, b = Value(2.0), Value(3.0)
    (a ** b).backward()
    assert a.grad == pytest.approx(3 * 2.0 ** 2)
    assert b.grad == pytest.approx(2.0 ** 3 * math.log(2.0))


def test_methods_and_their_derivatives_at_a_point():
    x = 0.7
    expected = {
        "exp": (math.exp(x), math.exp(x)), "log": (math.log(x), 1 / x),
        "sqrt": (math.sqrt(x), 0.5 / math.sqrt(x)), "tanh": (math.tanh(x), 1 - math.tanh(x) ** 2),
        "sigmoid": (1 / (1 + math.exp(-x)), math.exp(-x) / (1 + math.exp(-x)) ** 2),
        "relu": (x, 1.0), "sin": (math.sin(x), math.cos(x)), "cos": (math.cos(x), -math.sin(x)),
        "abs": (x, 1.0),
    }
    for name, (value, slope) in expected.items():
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        assert out.data == pytest.approx(value, rel=1e-14), name
        assert v.grad == pytest.approx(slope, rel=1e-12), name
    assert Value(-0.7).relu().data == 0.0 and abs(Value(-0.7)).data == 0.7


def test_a_node_used_twice_gets_both_contributions():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x, w = Value(3.0), Value(2.0)
    h = x * w           # one node, two consumers
    y = h.tanh() + h * h
    y.backward()
    t = math.tanh(6.0)
    assert h.grad == pytest.approx((1 - t * t) + 2 * 6.0)
    assert x.grad == pytest.approx(h.grad * 2.0) and w.grad == pytest.approx(h.grad * 3.0)


def test_calling_backward_twice_adds_for_every_node():
    x = Value(2.0)
    h = x * x
    y = h * x           # x^3
    y.backward()
    first = (x.grad, h.grad, y.grad)
    y.backward()
    assert (x.grad, h.grad, y.grad) == tuple(2 * g for g in first) == (24.0, 4.0, 2.0)
    for node in (x, h, y):  # the README's way of starting afresh
        node.grad = 0.0
    y.backward()
    assert x.grad == 12.0


def test_backward_with_a_seed_gradient_scales_linearly():
    x = Value(0.3)
    x.sin().backward(2.5)
    assert x.grad == pytest.approx(2.5 * math.cos(0.3))


def test_a_million_operations_differentiate_under_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    y.backward()
    assert x.grad == pytest.approx(1.000001 ** 1_000_000, rel=1e-9)
    del y  # freeing the chain must not overflow the C stack either


def test_dropping_the_output_frees_the_whole_graph():
    gc.collect()
    gc.disable()  # reference counting alone must do it: the graph has no cycles
    try:
        x = Value(1.5)
        y = x
        for _ in range(50):
            y = (y * x).tanh() + 1
        y.backward()
        nodes = [weakref.ref(n) for n in topological_order(y) if n is not x]
        assert all(r() is not None for r in nodes)
        del y
        assert all(r() is None for r in nodes)
    finally:
        gc.enable()


def test_no_grad_records_nothing():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        with enable_grad():
            z = x * x
    assert is_grad_enabled()
    assert y.data == 5.0 and y.parents == () and y.op == ""
    assert z.parents == (x, x)


def test_no_grad_is_also_a_decorator():
    @no_grad()
    def predict(x):
        return x * 3

    assert predict(Value(1.0)).parents == ()


def test_no_grad_in_one_thread_does_not_leak_into_another():
    inside, recorded = threading.Event(), []

    def other_thread():
        inside.wait()
        recorded.append((Value(1.0) * 2).parents != ())

    thread = threading.Thread(target=other_thread)
    thread.start()
    with no_grad():
        inside.set()
        thread.join()
        assert (Value(1.0) * 2).parents == ()
    assert recorded == [True]


def test_no_grad_in_one_asyncio_task_does_not_leak_into_another():
    async def without_grad(started, release):
        with no_grad():
            started.set()
            await release.wait()
            return (Value(1.0) * 2).parents == ()

    async def with_grad(started, release):
        await started.wait()
        recorded = (Value(1.0) * 2).parents != ()
        release.set()
        return recorded

    async def both():
        started, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(without_grad(started, release), with_grad(started, release))

    assert asyncio.run(both()) == [True, True]


def test_ieee_754_in_the_middle_of_a_graph():
    assert Value(1000.0).exp().data == math.inf
    assert Value(0.0).log().data == -math.inf
    assert Value(-1.0).log().data != Value(-1.0).log().data  # nan
    assert math.isnan((Value(0.0) / 0).data)
    assert (Value(1.0) / 0).data == math.inf and (Value(-1.0) / 0).data == -math.inf
    assert math.isnan((Value(-8.0) ** (1 / 3)).data) and (Value(0.0) ** -1).data == math.inf
    assert (Value(10.0) ** 400).data == math.inf and Value(-1.0).sqrt().data != 0


@pytest.mark.parametrize("f, x, value, slope", [
    (lambda v: v.log(), 0.0, -math.inf, math.inf),
    (lambda v: v.sqrt(), 0.0, 0.0, math.inf),
    (lambda v: 1 / v, 0.0, math.inf, -math.inf),
    (lambda v: v.exp(), 1000.0, math.inf, math.inf),
    (lambda v: v ** 0.5, 0.0, 0.0, math.inf),
])
def test_forward_and_reverse_mode_agree_on_infinities(f, x, value, slope):
    v = Value(x)
    out = f(v)
    out.backward()
    d = f(Dual(x, 1.0))
    assert out.data == d.value == value
    assert v.grad == d.tangent == slope


def test_detect_anomaly_names_the_op_and_the_labels_in_the_forward_pass():
    x = Value(0.0, label="x")
    x.log()  # outside the context: -inf, quietly
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"log\(x\).*x=0\.0.*-inf"):
        x.log()


def test_detect_anomaly_catches_the_first_nan_of_the_backward_pass():
    x = Value(0.0, label="x")
    y = x.sqrt()          # finite: 0
    z = y * 0.0           # finite, but d sqrt/dx at 0 is inf, and inf * 0 ...
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"backward pass of .*sqrt\(x\).*'x'"):
            z.backward()


def test_detect_anomaly_in_forward_mode():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="log"):
        Dual(0.0, 1.0).log()


def test_comparisons_look_at_the_data():
    assert Value(2.0) > 1 and Value(2.0) >= Value(2.0) and Value(1.0) < 2 and Value(1.0) <= 1.0
    assert Value(1.0) != Value(1.0)  # equality is identity: nodes live in sets and dicts


def test_backward_leaves_no_scratch_behind_even_when_stopped():
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0
    nodes = topological_order(y)
    assert all(node._g is None for node in nodes)
    y.backward()
    assert all(node._g is None for node in nodes)
    with detect_anomaly(), pytest.raises(FloatingPointError):
        y.backward()
    assert all(node._g is None for node in nodes)
