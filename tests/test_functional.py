"""grad, value_and_grad, jvp, vjp, derivative, hessian: first and higher order."""

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Dual, Value, derivative, grad, hessian, jvp, value_and_grad, vjp


def test_grad_is_with_respect_to_the_first_argument_by_default():
    assert grad(lambda a, b: a * b + a)(2.0, 3.0) == 4.0
    assert grad(lambda a, b: a * b + a, argnums=1)(2.0, 3.0) == 2.0
    assert grad(lambda a, b: a * b + a, argnums=(0, 1))(2.0, 3.0) == (4.0, 2.0)


def test_grad_returns_plain_floats():
    g = grad(lambda x: x.sin())(0.5)
    assert type(g) is float and g == math.cos(0.5)


def test_value_and_grad():
    value, gradient = value_and_grad(lambda x, y: x * y.exp(), argnums=(0, 1))(2.0, 0.0)
    assert value == 2.0 and gradient == (1.0, 2.0)


def test_the_gradient_of_a_constant_function_is_zero():
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert grad(lambda x, y: y * 2, argnums=(0, 1))(1.0, 1.0) == (0.0, 2.0)


@pytest.mark.parametrize("order, expected", [(1, 12.0), (2, 12.0), (3, 6.0), (4, 0.0)])
def test_nested_grad_to_any_order(order, expected):
    f = lambda x: x ** 3  # noqa: E731 - d/dx: 3x^2 = 12, 6x = 12, 6, 0 at x = 2
    for _ in range(order):
        f = grad(f)
    assert f(2.0) == expected


@given(st.floats(-3, 3))
def test_second_derivative_of_tanh_matches_its_closed_form(x):
    t = math.tanh(x)
    closed_form = -2 * t * (1 - t * t)
    assert grad(grad(lambda v: v.tanh()))(x) == pytest.approx(closed_form, rel=1e-12, abs=1e-15)
    assert derivative(derivative(lambda v: v.tanh()))(x) == pytest.approx(closed_form, rel=1e-12, abs=1e-15)


def test_inner_gradient_may_close_over_the_outer_variable():
    # d/dx [ d/dy (x * y) ] = d/dx [x] = 1, by reverse and by forward mode
    assert grad(lambda x: grad(lambda y: x * y)(1.0))(3.0) == 1.0
    assert derivative(lambda x: x * derivative(lambda y: x + y)(1.0))(2.0) == 1.0  # no perturbation confusion


def test_forward_over_reverse_and_reverse_over_forward():
    cube = lambda x: x ** 3  # noqa: E731
    assert jvp(grad(cube), (2.0,), (1.0,)) == (12.0, 12.0)
    assert grad(derivative(cube))(2.0) == 12.0


def test_jvp_is_a_directional_derivative():
    f = lambda a, b: a * b + a.sin()  # noqa: E731
    out, tangent = jvp(f, (1.0, 2.0), (0.5, -1.0))
    assert out == 2.0 + math.sin(1.0)
    assert tangent == pytest.approx((2.0 + math.cos(1.0)) * 0.5 + 1.0 * -1.0)
    with pytest.raises(ValueError, match="one tangent per primal"):
        jvp(f, (1.0, 2.0), (1.0,))


def test_jvp_of_a_function_with_several_outputs():
    outs, tangents = jvp(lambda x: (x * x, x.exp(), 3.0), (1.0,), (1.0,))
    assert outs == (1.0, math.e, 3.0) and tangents == (2.0, math.e, 0.0)


def test_vjp_pulls_a_cotangent_back():
    out, pullback = vjp(lambda a, b: a * b, 2.0, 5.0)
    assert out == 10.0 and pullback(1.0) == (5.0, 2.0) and pullback(3.0) == (15.0, 6.0)


def test_dual_numbers_by_hand():
    x = Dual(2.0, 1.0)
    assert (x * x).tangent == 4.0
    assert (3 * x + 1).value == 7.0 and (3 * x + 1).tangent == 3.0
    assert (1 / x).tangent == -0.25 and (2 ** x).tangent == pytest.approx(4 * math.log(2))


def test_hessian_matches_the_closed_form_and_is_symmetric():
    f = lambda x, y: x * x * y + y.sin() * x  # noqa: E731
    x, y = 1.5, -0.5
    H = hessian(f)(x, y)
    expected = np.array([[2 * y, 2 * x + math.cos(y)], [2 * x + math.cos(y), -math.sin(y) * x]])
    np.testing.assert_allclose(H, expected, rtol=1e-12)
    assert np.array_equal(H, H.T)


def test_newtons_method_with_grad_and_hessian_finds_the_minimum_of_rosenbrock():
    f = lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2  # noqa: E731
    point = np.array([-1.2, 1.0])
    for _ in range(20):
        g = np.array(grad(f, argnums=(0, 1))(*point))
        point = point - np.linalg.solve(hessian(f)(*point), g)
    np.testing.assert_allclose(point, [1.0, 1.0], atol=1e-10)


def test_the_functional_api_never_writes_grad():
    w = Value(2.0)  # say, a model parameter the function closes over
    assert grad(lambda x: x * w)(3.0) == 2.0
    assert w.grad == 0.0


# --- no silent zero gradients, no raw internal errors (issue 12) ----------------------

@pytest.mark.parametrize("f, words", [
    (lambda x: (x, x), "got (Value"),
    (lambda x: None, "got None"),
    (lambda x: "x", "got 'x'"),
    (lambda x: [x * 2], "once per output"),
])
def test_grad_of_a_function_that_does_not_return_one_number_is_an_error(f, words):
    with pytest.raises(TypeError, match="must return one number") as error:
        grad(f)(1.0)
    assert words in str(error.value)


@pytest.mark.parametrize("f", [lambda x: math.sin(x), lambda x: float(x) * 2, lambda x: x * math.exp(x)])
def test_leaving_the_graph_inside_grad_is_an_error_not_a_silent_zero(f):
    """math.sin(x) and float(x) turn x into a plain float: its gradient would be a silent 0 (JAX refuses too)."""
    with pytest.raises(TypeError, match=r"float\(\) of a Value inside grad\(\)"):
        grad(f)(0.5)
    with pytest.raises(TypeError, match=r"float\(\) of a Dual inside jvp\(\)"):
        jvp(f, (0.5,), (1.0,))


def test_float_of_a_value_still_works_outside_grad_and_data_inside():
    assert float(Value(2.5)) == 2.5
    assert grad(lambda x: x * x.data)(3.0) == 3.0  # x.data: the plain number, on purpose


@pytest.mark.parametrize("argnums, error, words", [
    (5, ValueError, "argnums=5, but the function was called with 1 argument"),
    ((0, 3), ValueError, "must be from -1 to 0"),
    ((0, 0), ValueError, "names an argument twice"),
    ((), ValueError, "argnums is empty"),
    (1.5, TypeError, "argnums must be an int or a tuple of ints"),
    (("a",), TypeError, "argnums must be an integer"),
])
def test_grad_checks_argnums(argnums, error, words):
    with pytest.raises(error, match=re.escape(words)):
        grad(lambda x: x * x, argnums=argnums)(2.0)


def test_negative_argnums_count_from_the_end():
    assert grad(lambda a, b: a * b, argnums=-1)(2.0, 3.0) == 2.0


@pytest.mark.parametrize("call, error, words", [
    (lambda: grad(3.0), TypeError, "f must be a function"),
    (lambda: grad(lambda x: x)("a"), TypeError, "grad: argument 0 must be a real number, got 'a'"),
    (lambda: grad(lambda x: x)(np.ones(3)), TypeError, "for arrays, use Tensor"),
    (lambda: jvp(lambda x: x, 1.0, 1.0), TypeError, "primals must be a tuple"),
    (lambda: jvp(lambda x: x, (1.0,), ("a",)), TypeError, "tangents[0] must be a real number"),
    (lambda: jvp(lambda x: None, (1.0,), (1.0,)), TypeError, "must return a number"),
    (lambda: vjp(lambda x: x * 2, 1.0)[1]("a"), TypeError, "cotangent must be a real number"),
    (lambda: vjp(lambda x: (x, x), 1.0), TypeError, "must return one number"),
    (lambda: hessian(lambda x: x)(), ValueError, "at least one argument"),
    (lambda: derivative(None), TypeError, "f must be a function"),
])
def test_the_functional_api_checks_its_arguments(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()
