"""Properties of the whole engine, on random expression graphs (depth up to 8, with sharing)."""

import math

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, derivative, grad, hessian
from autograd.graph import backpropagate
from autograd.testing import check_grads
from autograd.testing.strategies import expressions

DEEP = expressions(variables=("x", "y", "z"), max_depth=8)


@given(DEEP)
def test_random_graphs_agree_three_ways_first_and_second_order(expr):
    check_grads(expr, expr.inputs, order=2, atol=1e-5, rtol=1e-4)


@given(DEEP, st.integers(-10, 10), st.sampled_from([1.0, -1.0]), st.floats(-3, 3), st.floats(-3, 3))
def test_backward_is_linear_in_the_seed_gradient(expr, k, sign, s, t):
    root = expr(*(Value(x) for x in expr.inputs))
    one = backpropagate(root)
    # Homogeneity, exactly: multiplying by a power of two loses no bits, so every gradient scales exactly.
    c = sign * 2.0 ** k
    scaled = backpropagate(root, c)
    assert all(scaled[node] == c * g for node, g in one.items())
    # Additivity, up to rounding: sums that cancel leave residues of the size of the gradients around them.
    by_s, by_t, by_sum = (backpropagate(root, seed) for seed in (s, t, s + t))
    scale = max(abs(g) for g in one.values())
    for node in one:
        assert abs(by_sum[node] - (by_s[node] + by_t[node])) <= 1e-9 * (abs(s) + abs(t)) * scale


@given(DEEP)
def test_two_backward_passes_accumulate_to_twice_one(expr):
    leaves = [Value(x) for x in expr.inputs]
    root = expr(*leaves)
    root.backward()
    once = [leaf.grad for leaf in leaves]
    root.backward()
    assert [leaf.grad for leaf in leaves] == [2 * g for g in once]


@given(expressions(variables=("x",), max_depth=4), expressions(variables=("u",), max_depth=4))
def test_the_chain_rule_on_compositions(g, f):
    """d f(g(x))/dx = f'(g(x)) * g'(x), each side computed separately."""
    x = g.inputs[0]
    inner = g(x)
    assume(f.smooth_at(inner))
    composed = grad(lambda v: f(g(v)))(x)
    assert math.isclose(composed, grad(f)(inner) * grad(g)(x), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(composed, derivative(lambda v: f(g(v)))(x), rel_tol=1e-9, abs_tol=1e-12)


@given(DEEP)
def test_the_hessian_is_symmetric(expr):
    H = hessian(expr)(*expr.inputs)
    np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(H).max()))
