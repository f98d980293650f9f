"""The public testing API: numerical_grad, check_grads and the hypothesis strategies."""

import math
import re

import numpy as np
import pytest
from hypothesis import given

from autograd import Dual, F, Value, ops
from autograd.ops import Primitive
from autograd.testing import check_grads, default_step, gradient_report, numerical_grad, strategies


def test_central_differences_of_known_functions():
    assert numerical_grad(lambda x: x ** 3, 2.0) == pytest.approx(12.0, rel=1e-9)
    assert numerical_grad(lambda a, b: a * b, 2.0, 5.0) == pytest.approx((5.0, 2.0), rel=1e-9)
    assert numerical_grad(lambda x: x.sin(), Value(0.5)) == pytest.approx(math.cos(0.5), rel=1e-9)


def test_the_error_orders_central_h_squared_forward_h():
    """Halving h quarters the central error and halves the forward one (truncation-dominated regime)."""
    f, exact = F.exp, math.exp(1.0)
    errors = {method: [abs(numerical_grad(f, 1.0, eps=h, method=method) - exact) for h in (1e-2, 5e-3)]
              for method in ("central", "forward")}
    assert errors["central"][0] / errors["central"][1] == pytest.approx(4.0, rel=0.01)
    assert errors["forward"][0] / errors["forward"][1] == pytest.approx(2.0, rel=0.01)


def test_the_default_step_balances_truncation_and_rounding():
    assert default_step(1.0) == pytest.approx(np.finfo(float).eps ** (1 / 3))
    assert default_step(1.0, "forward") == pytest.approx(np.finfo(float).eps ** 0.5)
    assert default_step(1000.0) == pytest.approx(1000 * default_step(1.0))
    # at the default step, central differences of exp are good to ~1e-10, forward ones only to ~1e-8
    assert abs(numerical_grad(F.exp, 1.0) - math.e) < 1e-9
    assert 1e-10 < abs(numerical_grad(F.exp, 1.0, method="forward") - math.e) < 1e-7


def test_numerical_grad_of_an_array_is_taken_element_by_element():
    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_grad(lambda x: (x ** 2).sum() + x[0, 1] * x[1, 0], a)
    assert g.shape == a.shape
    np.testing.assert_allclose(g, [[2.0, -4.0 + 0.5], [1.0 - 2.0, 6.0]], rtol=1e-8)
    assert numerical_grad(lambda x: x.sum(), np.ones(3, dtype=np.float32)).dtype == np.float32


def test_numerical_grad_rejects_bad_methods_and_vector_outputs():
    with pytest.raises(ValueError, match="method"):
        numerical_grad(F.exp, 1.0, method="sideways")
    with pytest.raises(ValueError, match="one output"):
        numerical_grad(lambda x: x * 2, np.ones(3))


def test_check_grads_returns_a_report_when_all_agree():
    report = check_grads(lambda a, b: (a * b).tanh(), (0.3, -1.2), order=2)
    assert report.ok and len(report.entries) == 2 + 4
    assert [e.name for e in report.entries[:2]] == ["d/da", "d/db"]
    assert set(report.entries[0].values) == {"reverse", "forward", "numeric"}
    assert set(report.entries[2].values) == {"rev-over-rev", "fwd-over-rev", "numeric-of-rev"}
    text = str(report)
    assert "all agree" in text and "d2/dadb" in text and "FAIL" not in text
    assert "<table>" in report._repr_html_()


def test_check_grads_raises_with_a_table_naming_the_disagreement():
    check_grads(lambda x: x.relu(), (0.7,))
    with pytest.raises(AssertionError) as failure:
        check_grads(lambda x: x.relu(), (0.0,))  # relu has no derivative at its kink
    message = str(failure.value)
    assert "1 disagree" in message and "FAIL" in message and "d/dx" in message and "numeric" in message


def test_check_grads_with_only_one_mode_and_custom_tolerances():
    report = check_grads(lambda x: x.exp(), (1.0,), modes=("fwd",), atol=0.0, rtol=1e-8)
    assert set(report.entries[0].values) == {"forward", "numeric"}
    with pytest.raises(ValueError, match="modes"):
        check_grads(lambda x: x, (1.0,), modes=("sideways",))


@given(strategies.floats_in_domain(ops.log))
def test_floats_in_domain_stay_inside_and_away_from_edges(args):
    (x,) = args
    assert strategies.MARGIN < x <= strategies.LIMIT


@given(strategies.floats_in_domain("relu"))
def test_floats_in_domain_avoid_kinks(args):
    assert abs(args[0]) > strategies.MARGIN


@given(strategies.expressions(max_depth=6))
def test_expressions_evaluate_finitely_where_they_are_drawn(expr):
    value = expr(*expr.inputs)
    assert math.isfinite(value) and expr.smooth_at(*expr.inputs)
    assert abs(expr(*(Value(x) for x in expr.inputs)).data - value) == 0.0
    assert str(expr).startswith("t1 = ")


# The README's example, as a student would paste it:
@given(strategies.expressions())
def test_readme_example_my_engine_on_random_graphs(expr):
    check_grads(expr, expr.inputs, order=2, atol=1e-5, rtol=1e-4)


def softplus_value(x):
    return F.log(1 + F.exp(x))


def test_readme_example_my_own_op():
    softplus = Primitive("softplus", "softplus", softplus_value, lambda x, out: (F.sigmoid(x),),
                         "softplus(x)", ("sigmoid(x)",))
    report = check_grads(softplus, (0.5,), order=2)
    assert report.entries[0].values["reverse"] == pytest.approx(1 / (1 + math.exp(-0.5)), rel=1e-15)
    y = softplus(Value(0.5))
    assert y.op == "softplus" and y._op is softplus  # one node, differentiated by its own rule

    broken = Primitive("softplus", "softplus", softplus_value, lambda x, out: (F.sigmoid(-x),),
                       "softplus(x)", ("sigmoid(x)",))
    with pytest.raises(AssertionError, match="FAIL"):
        check_grads(broken, (0.5,))


def test_a_primitive_of_your_own_is_applied_to_floats_duals_and_values():
    square = Primitive("square", "sq", lambda x: x * x, lambda x, out: (2 * x,), "x^2", ("2x",))
    assert square(3.0) == 9.0 and square(Dual(3.0, 1.0)).tangent == 6.0
    x = Value(3.0)
    square(x).backward()
    assert x.grad == 6.0
    with pytest.raises(TypeError, match="1 operand"):
        square(1.0, 2.0)
    with pytest.raises(ValueError, match="one or two inputs"):
        Primitive("bad", "bad", lambda: 0.0, lambda out: (), "bad()", ())


@given(strategies.tensors(shape=(2, 3)), strategies.arrays(shape=(3,)))
def test_check_grads_on_tensor_functions(x, b):
    report = check_grads(lambda x, b: ((x + b).tanh() * x).sum(), (x, b))
    assert report.ok and len(report.entries) == 6 + 3
    assert report.entries[0].name == "d/dx[0, 0]" and set(report.entries[0].values) == {"reverse", "numeric"}


def test_check_grads_on_a_tensor_function_with_a_wrong_rule_fails():
    from autograd import tensor_ops
    from autograd.tensor import Tensor

    wrong = tensor_ops.TensorPrimitive("wrong", "w", "wrong(x)", np.tanh, (lambda g, out, x: g * out,), ("g",))

    def f(x):
        from autograd.tensor import _apply
        return _apply(wrong, (x,)).sum()

    with pytest.raises(AssertionError, match="FAIL"):
        check_grads(f, (np.array([0.5, -1.0]),))
    with pytest.raises(ValueError, match="first order only"):
        check_grads(lambda x: x.sum(), (Tensor(np.ones(2)),), order=2)


# --- no check agrees with what it did not compute (issue 12) ---------------------------

@pytest.mark.parametrize("f, x", [
    (lambda x: x.log(), -1.0),          # not defined: log of a negative number is nan
    (lambda x: 1 / x, 0.0),             # a pole: f = inf, reverse -inf, differences across it 2.7e10
    (lambda x: x.sqrt(), -4.0),
    (lambda x: x.sqrt(), 0.0),          # d/dx = inf at the edge: no finite difference equals it
])
def test_a_nan_or_an_inf_is_never_agreement(f, x):
    report = gradient_report(f, (x,))
    assert not report.ok and not report.entries[0].ok
    assert "FAIL" in str(report)
    with pytest.raises(AssertionError):
        check_grads(f, (x,))


def test_a_function_not_defined_at_the_point_is_said_in_words():
    report = gradient_report(lambda x: 1 / x, (0.0,))
    assert "f = inf at this point" in str(report) and "no derivative" in str(report)
    assert math.isnan(report.entries[0].values["numeric"])
    assert "f = nan at this point" in str(gradient_report(lambda x: x.log(), (-1.0,)))


def test_near_the_edge_of_the_domain_a_smaller_step_is_taken_and_said():
    """sqrt at 1e-12: the default step 6e-6 lands at a negative number; a step of ~1e-18 stays inside."""
    report = check_grads(lambda x: x.sqrt(), (1e-12,))
    entry = report.entries[0]
    assert entry.values["numeric"] == pytest.approx(5e5, rel=1e-8)
    assert "left the function's domain" in entry.note and "smaller step" in entry.note
    assert "[1]" in str(report)
    assert numerical_grad(lambda x: x.log(), Value(2e-6)) == pytest.approx(5e5, rel=1e-6)


def test_at_the_very_edge_a_one_sided_difference_is_used_and_said():
    from autograd.testing.numerical import estimate_derivative

    estimate = estimate_derivative(lambda t: math.sqrt(t - 1) * (t - 1) if t >= 1 else math.nan, 1.0)
    assert "one-sided" in estimate.note
    assert estimate.value == pytest.approx(0.0, abs=1e-2)  # d/dt (t-1)^1.5 = 0 at t = 1


def test_nan_inside_a_tensor_check_is_a_disagreement():
    """The old checker marked both rows ok: nan - nan compared as a difference of 0."""
    report = gradient_report(lambda x: x.log().sum(), (np.array([1.0, -1.0]),))
    assert not report.ok and not any(e.ok for e in report.entries)
    assert "sum(f * v) = nan at this point" in str(report)


def test_the_report_is_a_table_in_a_repl_too():
    report = check_grads(lambda x: x * x, (3.0,))
    assert repr(report) == str(report) and "derivative" in repr(report) and "ok" in repr(report)


@pytest.mark.parametrize("call, error, words", [
    (lambda: check_grads("x", (1.0,)), TypeError, "f must be a function"),
    (lambda: check_grads(lambda x: x, 1.0), TypeError, "args must be a tuple"),
    (lambda: check_grads(lambda x: x, ()), ValueError, "args is empty"),
    (lambda: check_grads(lambda x: x, ("a",)), TypeError, "args[0] must be a real number"),
    (lambda: check_grads(lambda x: x, (1.0,), atol=-1), ValueError, "atol"),
    (lambda: check_grads(lambda x: x, (1.0,), rtol=math.nan), ValueError, "rtol"),
    (lambda: check_grads(lambda x: x, (1.0,), eps=0.0), ValueError, "eps"),
    (lambda: check_grads(lambda x: x, (1.0,), order=3), ValueError, "order"),
    (lambda: check_grads(lambda x: x, (1.0,), modes=()), ValueError, "modes"),
    (lambda: check_grads(lambda x: x, (1.0,), modes="rev"), TypeError, "modes"),
    (lambda: numerical_grad(lambda x: x, 1.0, eps=-1e-3), ValueError, "eps"),
])
def test_check_grads_checks_its_arguments(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()
