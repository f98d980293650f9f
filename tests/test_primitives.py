"""Every primitive of the table, checked three ways at hypothesis-chosen points.

The tests walk `ops.PRIMITIVES` (plus a few members of the `power(n)` family),
so a primitive added to the table is tested without new test code.

Tolerances. Reverse and forward mode read the same partials and multiply
them by 1.0, so they must agree exactly. The central difference
(f(x + h) - f(x - h)) / 2h with h = eps**(1/3) * max(1, |x|) has truncation
error ~ h^2 |f'''| / 6 and rounding error ~ eps |f| / h, both about 1e-10
relative for the inputs drawn here (at most 10 in size, at least 0.05 from
any kink or domain edge); we allow 1e-6 relative plus 1e-7 absolute.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Dual, F, Value, derivative, grad, ops

EPS = 2.0 ** -52
MARGIN = 0.05
LIMIT = 10.0

PRIMITIVES = list(ops.PRIMITIVES.values()) + [ops.power(n) for n in (2, 3, -1, 0.5, -1.5)]


def points(op):
    """One float per input, inside the domain, away from kinks and edges."""
    def inside(domain):
        low, high = max(domain[0], -LIMIT), min(domain[1], LIMIT)
        low = low + MARGIN if low > -LIMIT else low
        high = high - MARGIN if high < LIMIT else high
        return st.floats(low, high).filter(lambda x: all(abs(x - k) > MARGIN for k in op.kinks))
    return st.tuples(*(inside(d) for d in op.domains))


def apply_to(op, args):
    """op on Values via the operators and methods users write (not via the table)."""
    if op.name in ops.UNARY_METHODS or op.name == "identity":
        return getattr(args[0], op.name)()
    return {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "neg": lambda a: -a,
        "power": lambda a: a ** float(op.expression.split("** ")[1]),
    }[op.name](*args)


def central_difference(f, args, i):
    h = EPS ** (1 / 3) * max(1.0, abs(args[i]))
    above, below = list(args), list(args)
    above[i] += h
    below[i] -= h
    return (f(*above) - f(*below)) / (2 * h)


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_first_derivatives_agree_three_ways(op):
    @given(points(op))
    def check(args):
        values = [Value(x) for x in args]
        out = apply_to(op, values)
        assert out.data == op.forward(*args) or math.isnan(out.data)
        out.backward()
        for i in range(len(args)):
            duals = [Dual(a, 1.0 if j == i else 0.0) for j, a in enumerate(args)]
            forward = apply_to(op, duals).tangent
            numeric = central_difference(op.forward, args, i)
            assert values[i].grad == forward, (op, args, i)
            assert math.isclose(numeric, forward, rel_tol=1e-6, abs_tol=1e-7), (op, args, i, numeric, forward)

    check()


@pytest.mark.parametrize("op", [op for op in PRIMITIVES if op.arity == 1], ids=lambda op: op.expression)
def test_second_derivatives_agree_three_ways(op):
    """Reverse over reverse, forward over forward, and a central difference of the first derivative."""
    f = lambda x: apply_to(op, [x])  # noqa: E731

    @given(points(op))
    def check(args):
        (x,) = args
        reverse = grad(grad(f))(x)
        forward = derivative(derivative(f))(x)
        numeric = central_difference(derivative(f), args, 0)
        assert math.isclose(reverse, forward, rel_tol=1e-12, abs_tol=1e-12), (reverse, forward)
        assert math.isclose(numeric, forward, rel_tol=1e-5, abs_tol=1e-6), (numeric, forward)

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


def test_each_derivative_is_written_once():
    """The methods of Value and Dual come from the table: no second copy of a rule."""
    for name in ops.UNARY_METHODS:
        op = getattr(ops, name)
        assert Value(0.3).__getattribute__(name)()._op is op
        assert getattr(Value, name).__doc__.endswith(op.formulas[0])
