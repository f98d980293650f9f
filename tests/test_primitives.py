"""Every primitive of the table, checked three ways at hypothesis-chosen points.

The tests walk `ops.PRIMITIVES` (plus members of the `power(n)` family), so a
primitive added to the table is tested the day it is added, with no new test
code. `check_primitive` compares reverse mode, forward mode and finite
differences, first and second order (see `autograd.testing`); reverse and
forward mode, reading the same partials, must moreover agree exactly.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Dual, F, Value, ops
from autograd.testing import check_primitive
from autograd.testing.strategies import floats_in_domain

PRIMITIVES = list(ops.PRIMITIVES.values()) + [ops.power(n) for n in (2, 3, -1, 0.5, -1.5)]


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_first_and_second_derivatives_agree_three_ways(op):
    check_primitive(op, order=2)


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_reverse_and_forward_mode_agree_exactly(op):
    @given(floats_in_domain(op))
    def check(args):
        values = [Value(x) for x in args]
        out = op.forward(*values)
        assert out._op is op and out.data == op.forward(*args)
        out.backward()
        for i in range(len(args)):
            duals = [Dual(a, 1.0 if j == i else 0.0) for j, a in enumerate(args)]
            assert values[i].grad == op.forward(*duals).tangent

    check()


@pytest.mark.parametrize("name", ops.UNARY_METHODS)
@given(x=st.floats(-5, 5))
def test_functional_namespace_works_on_floats_values_and_duals(name, x):
    if name in ("log", "sqrt"):
        x = abs(x) + 0.1
    on_float = getattr(F, name)(x)
    assert isinstance(on_float, float)
    on_value = getattr(F, name)(Value(x))
    on_dual = getattr(F, name)(Dual(x, 1.0))
    assert isinstance(on_value, Value) and on_value.op == name
    assert isinstance(on_dual, Dual)
    assert on_value.data == on_float == on_dual.value


def test_operators_and_methods_record_the_table_s_primitives():
    """The methods of Value and Dual come from the table: no second copy of a rule."""
    x, y = Value(0.3), Value(2.0)
    for name in ops.UNARY_METHODS:
        assert getattr(x, name)()._op is getattr(ops, name)
        assert getattr(Value, name).__doc__.endswith(getattr(ops, name).formulas[0])
    assert (x + y)._op is ops.add and (x - y)._op is ops.sub and (x * y)._op is ops.mul
    assert (x / y)._op is ops.div and (x ** y)._op is ops.pow and (-x)._op is ops.neg
    assert (x ** 2)._op is ops.power(2) is ops.power(2.0) and abs(x)._op is ops.abs
