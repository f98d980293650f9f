"""Hand-written gradients of other frameworks: a PyTorch autograd.Function and a JAX custom_vjp, right and broken.

Each framework's tests run where it is installed (PyTorch is in the `test` extra, so `make test` runs them).
"""

import sys

import numpy as np
import pytest

from autograd.testing import check_jax, check_torch, for_all, strategies, torch_function

RNG = np.random.default_rng(7)
X, W = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 2))


# --- PyTorch ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def linear_function(torch, dx=lambda g, x, w: g @ w.T, dw=lambda g, x, w: x.T @ g, db=lambda g: g.sum(0)):
    """A torch.autograd.Function for x @ w + b whose backward is assembled from the three formulas given."""

    class Linear(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            ctx.save_for_backward(x, w)
            return x @ w + b

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return dx(g, x, w), dw(g, x, w), db(g)

    return Linear


def test_a_right_torch_function_passes(torch):
    report = check_torch(linear_function(torch), X, W, np.zeros(2))
    assert report.ok and [c.name for c in report.checks] == ["dx", "dw", "db"]


@pytest.mark.parametrize("broken, gradient, words", [
    ({"dx": lambda g, x, w: g @ w}, "dx", ""),                                          # w where w.T belongs
    ({"dw": lambda g, x, w: g.T @ x}, "dw", "its transpose agrees"),                      # the transpose missing
    ({"db": lambda g: g.mean(0)}, "db", "1/4 of the numeric gradient"),                 # a mean for a sum
    ({"db": lambda g: -g.sum(0)}, "db", "the wrong sign"),
])
def test_a_broken_torch_backward_is_caught_as_it_returns_its_gradient(torch, broken, gradient, words):
    """torch's own engine refuses a dw of shape (2, 3) for w of (3, 2) with a RuntimeError: the report says why."""
    x, w = (X[:, :2], W[:2]) if gradient == "dx" else (X, W)  # a square w, for g @ w to run at all
    report = check_torch(linear_function(torch, **broken), x, w, np.zeros(2), raises=False)
    assert report.wrong == [gradient] and words in str(report)


def test_a_db_that_torch_sums_for_you_passes_with_a_note(torch):
    """Returning g for b is no bug in torch: its engine sums a gradient that broadcasts back to the input's shape."""
    Linear = linear_function(torch, db=lambda g: g)
    report = check_torch(Linear, X, W, np.zeros(2))
    assert report.ok and "torch's engine sums such a gradient down to the input's shape" in str(report)
    assert torch.autograd.gradcheck(Linear.apply, tuple(torch.tensor(a, requires_grad=True)
                                                        for a in (X, W, np.zeros(2))))


def test_any_function_of_tensors_is_checked_through_torch_autograd(torch):
    assert check_torch(lambda x, w: torch.tanh(x @ w).sum(), X, W).ok


def test_torch_functions_at_hypothesis_chosen_shapes(torch):
    class Multiply(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

    f, vjp = torch_function(Multiply)
    for_all(lambda x, y: check_torch(Multiply, x, y), strategies.broadcastable_arrays(2, max_dims=0), max_examples=10)
    assert f(np.array(2.0), np.array(3.0)) == 6.0 and vjp(np.array(1.0), np.array(2.0), np.array(3.0)) == (3.0, 2.0)


def test_a_function_returning_no_tensor_is_refused_in_words(torch):
    with pytest.raises(TypeError, match="must return one torch.Tensor"):
        check_torch(lambda x: 1.0, X)


# --- JAX --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jax():
    return pytest.importorskip("jax")


def softplus_with(jax, derivative):
    """A jax.custom_vjp softplus whose bwd multiplies by `derivative(x)`."""

    @jax.custom_vjp
    def softplus(x):
        return jax.numpy.log1p(jax.numpy.exp(x))

    softplus.defvjp(lambda x: (softplus(x), x), lambda x, g: (g * derivative(x),))
    return softplus


def test_a_right_jax_custom_vjp_passes_in_float64(jax):
    report = check_jax(softplus_with(jax, jax.nn.sigmoid), X)
    assert report.ok and report.atol == 1e-6  # checked with float64's tolerance: x64 was on for the call


def test_a_broken_jax_custom_vjp_is_caught(jax):
    report = check_jax(softplus_with(jax, lambda x: jax.nn.sigmoid(-x)), X, raises=False)
    assert report.wrong == ["dx"]


def test_a_jax_bwd_of_the_wrong_shape_is_reported_not_refused(jax):
    """jax.vjp would stop at "the bwd rule produced an output of type float64[2,3]": the report says more."""

    @jax.custom_vjp
    def linear(x, w):
        return x @ w

    linear.defvjp(lambda x, w: (x @ w, (x, w)), lambda residuals, g: (g @ residuals[1].T, g.T @ residuals[0]))
    report = check_jax(linear, X, W, raises=False)
    assert report.wrong == ["dw"] and "its transpose agrees" in str(report)


def test_without_the_framework_the_adapters_say_so_in_a_type_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)  # what an import finds when jax is not installed
    with pytest.raises(TypeError, match="jax is not installed here"):
        check_jax(lambda x: x, X)
