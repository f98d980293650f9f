"""Checking hand-written backward passes: the textbooks' layers, right and broken the ways students break them.

The layers are written here the way the source documents write them (numpy, forward/backward, parameters
and their gradients as attributes). Each mutant is one slip; the test asserts that the check fails, names
the gradient that is wrong, and -- where the slip has a recognisable pattern -- says so in its hint.
The correct layers pass at hypothesis-chosen shapes, batch size 1 included.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.testing import (
    BackwardReport,
    check_gradient,
    check_layer,
    check_network,
    check_parameters,
    check_vjp,
    for_all,
    strategies,
    taylor_test,
)

# --- the textbook layers, written by hand --------------------------------------------------------------------


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class ReLU:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0  # in place, as the textbook does: the checker must send a copy
        return dout


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class SoftmaxWithLoss:
    """Mean cross-entropy of softmax(x) against one-hot t; log-softmax exactly, so backward is its exact gradient."""

    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        z = x - x.max(axis=1, keepdims=True)
        return -np.sum(t * (z - np.log(np.exp(z).sum(axis=1, keepdims=True)))) / len(x)

    def backward(self, dout=1):
        return dout * (self.y - self.t) / len(self.t)


class TwoLayerNet:
    """The digits network's shape: params W1, b1, W2, b2 shared with its Affine layers; gradient() -> a dict."""

    def __init__(self, rng, n_in, n_hidden, n_out):
        self.params = {"W1": rng.normal(size=(n_in, n_hidden)), "b1": rng.normal(size=n_hidden),
                       "W2": rng.normal(size=(n_hidden, n_out)), "b2": rng.normal(size=n_out)}
        self.layers = [Affine(self.params["W1"], self.params["b1"]), ReLU(),
                       Affine(self.params["W2"], self.params["b2"])]
        self.last = SoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        return self.last.forward(x, t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        first, _, second = self.layers
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}


# --- the mutants: one slip each ---------------------------------------------------------------------------------


class AffineTransposedDW(Affine):
    def backward(self, dout):
        super().backward(dout)
        self.dW = dout.T @ self.x          # the transpose the wrong way round
        return dout @ self.W.T


class AffineDxWithoutTranspose(Affine):
    def backward(self, dout):
        super().backward(dout)
        return dout @ self.W               # W, not W.T (only runs when W is square)


class AffineDbWithoutSum(Affine):
    def backward(self, dout):
        super().backward(dout)
        self.db = dout                     # db without the sum over the batch
        return dout @ self.W.T


class AffineDbMean(Affine):
    def backward(self, dout):
        super().backward(dout)
        self.db = dout.mean(axis=0)        # a mean where the sum belongs
        return dout @ self.W.T


class AffineMeanTwice(Affine):
    def backward(self, dout):              # dout is already d(mean loss): dividing again takes the mean twice
        dx = super().backward(dout)
        self.dW = self.dW / len(dout)
        return dx


class AffineRepresentativeSample(Affine):
    def backward(self, dout):              # "the representative of the batch": x[0] and the mean of dout
        sample, mean_dout = self.x[:1], dout.mean(axis=0, keepdims=True)
        self.dW = sample.T @ mean_dout
        self.db = mean_dout.sum(axis=0)
        return dout @ self.W.T


class SigmoidUsesX(Sigmoid):
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        return dout * (1.0 - self.x) * self.x   # x where the output belongs


class SigmoidForgetsDout(Sigmoid):
    def backward(self, dout):
        return (1.0 - self.out) * self.out      # the local derivative alone: the chain rule's product is missing


class ReLUInvertedMask(ReLU):
    def forward(self, x):
        out = super().forward(x)
        self.mask = ~self.mask                  # x > 0 where x <= 0 belongs
        return out


class ReLUWithoutMask(ReLU):
    def backward(self, dout):
        return dout                             # the mask forgotten: the identity's gradient


class SoftmaxWithoutN(SoftmaxWithLoss):
    def backward(self, dout=1):
        return dout * (self.y - self.t)         # the / N of the mean forgotten


class SoftmaxMeanTwice(SoftmaxWithLoss):
    def backward(self, dout=1):
        return dout * (self.y - self.t) / len(self.t) ** 2


class SoftmaxWrongSign(SoftmaxWithLoss):
    def backward(self, dout=1):
        return dout * (self.t - self.y) / len(self.t)


class SoftmaxRepresentativeSample(SoftmaxWithLoss):
    def backward(self, dout=1):                 # every row gets the first sample's delta
        return np.broadcast_to((self.y[0] - self.t[0]) / len(self.t), self.y.shape).copy()


# --- cases: the layers at a point ----------------------------------------------------------------------------------

RNG = np.random.default_rng(20240611)
X = RNG.normal(size=(4, 3))
T = np.eye(3)[[0, 2, 1, 1]]


def affine(cls=Affine, n_in=3, n_out=2, rng=RNG):
    return cls(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out))


def one_hot(rng, batch, classes):
    return np.eye(classes)[rng.integers(0, classes, size=batch)]


MUTANTS = [
    # (the mutant layer, its arguments, the gradient it gets wrong, words its report must contain)
    (affine(AffineTransposedDW), (X,), "dW", "it is the transpose of the right shape, and its transpose agrees"),
    (affine(AffineDxWithoutTranspose, 3, 3), (X,), "dx", ""),
    (affine(AffineDbWithoutSum), (X,), "db", "summed over axis 0 (the batch axis) it agrees"),
    (affine(AffineDbMean), (X,), "db", "1/4 of the numeric gradient throughout, and 4 is the batch size"),
    (affine(AffineMeanTwice), (X,), "dW", "an extra / N"),
    (affine(AffineRepresentativeSample), (X,), "dW", "At batch size 1 every gradient agrees (each sample alone)"),
    (SigmoidUsesX(), (X,), "dx", "At batch size 1 it is wrong too (sample 0 alone, x[0:1], fails)"),
    (SigmoidForgetsDout(), (X,), "dx", ""),
    (ReLUInvertedMask(), (X,), "dx", "an inverted mask"),
    (ReLUWithoutMask(), (X,), "dx", "a mask (ReLU's x <= 0) is missing"),
    (SoftmaxWithoutN(), (X, T), "dx", "4 times the numeric gradient throughout, and 4 is the batch size: a missing"),
    (SoftmaxMeanTwice(), (X, T), "dx", "an extra / N"),
    (SoftmaxWrongSign(), (X, T), "dx", "the wrong sign"),
    (SoftmaxRepresentativeSample(), (X, T), "dx", "only row 0 of dx (the first sample) is right"),
]


@pytest.mark.parametrize("layer, args, gradient, words", MUTANTS, ids=[type(m[0]).__name__ for m in MUTANTS])
def test_every_mutant_is_caught_naming_the_gradient(layer, args, gradient, words):
    with pytest.raises(AssertionError) as failure:
        check_layer(layer, *args)
    report = failure.value.report
    assert report.wrong[0] == gradient and not report[gradient].ok
    assert str(report) == str(failure.value)
    assert words in str(report)


@pytest.mark.parametrize("layer, args", [(Sigmoid(), (X,)), (affine(), (X,)), (ReLU(), (X,)),
                                         (SoftmaxWithLoss(), (X, T))], ids=lambda v: type(v).__name__)
def test_the_textbook_layers_pass(layer, args):
    report = check_layer(layer, *args, taylor=True)
    assert report.ok and report.checks[0].name == "dx"
    assert all(c.taylor.verdict in ("h^2", "exact") for c in report.checks)


def test_an_affine_layer_is_checked_for_dx_dW_and_db_without_being_told():
    report = check_layer(affine(), X)
    assert [c.name for c in report.checks] == ["dx", "dW", "db"]
    assert [c.shape for c in report.checks] == [(4, 3), (3, 2), (2,)]


def test_the_transposed_square_dW_is_named_a_transpose():
    class SquareTransposed(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.dW = self.dW.T
            return dx

    report = check_layer(affine(SquareTransposed, 3, 3), X, raises=False)
    assert report.wrong == ["dW"] and "the transpose of the right gradient" in report["dW"].hint


def test_the_taylor_test_measures_order_one_for_a_wrong_gradient_and_two_for_a_right_one():
    report = check_layer(SigmoidUsesX(), X, taylor=True, raises=False)
    assert report["dx"].taylor.verdict == "h" and abs(report["dx"].taylor.order - 1) < 0.1
    right = check_layer(Sigmoid(), X, taylor=True)
    assert abs(right["dx"].taylor.order - 2) < 0.1 and "Taylor order" in str(right)


# --- networks and dictionaries -----------------------------------------------------------------------------------


def test_the_two_layer_network_passes_the_textbook_gradient_check():
    rng = np.random.default_rng(1)
    report = check_network(TwoLayerNet(rng, 3, 5, 3), X, T)
    assert [c.name for c in report.checks] == ["dW1", "db1", "dW2", "db2"] and report.ok


def test_a_network_that_averages_one_gradient_twice_is_caught_at_that_gradient():
    class Averaged(TwoLayerNet):
        def gradient(self, x, t):
            grads = super().gradient(x, t)
            grads["W1"] = grads["W1"] / len(x)
            return grads

    report = check_network(Averaged(np.random.default_rng(1), 3, 5, 3), X, T, raises=False)
    assert report.wrong == ["dW1"] and "an extra / N" in report["dW1"].hint
    assert any("At batch size 1" in note for note in report.notes)


def test_a_network_with_a_missing_gradient_says_which():
    class Forgetful(TwoLayerNet):
        def gradient(self, x, t):
            grads = super().gradient(x, t)
            del grads["b2"]
            return grads

    report = check_network(Forgetful(np.random.default_rng(1), 3, 5, 3), X, T, raises=False)
    assert report.wrong == ["db2"] and "there is no gradient under 'b2'" in str(report)


def minibatch_network(rng):
    """The minibatch exercise's network: a dict, a 1-d W2 and a float b2, MSE against d = 3 x0 + 2 x1."""
    return {"W1": rng.normal(size=(2, 5)), "b1": rng.normal(size=5), "W2": rng.normal(size=5), "b2": 0.3}


def predict(network, x):
    z1 = 1 / (1 + np.exp(-(x @ network["W1"] + network["b1"])))
    return z1, z1 @ network["W2"] + network["b2"]


def minibatch_grads(network, x, d, representative=False):
    z1, y = predict(network, x)
    delta2 = (y - d) / len(x)          # d(mean of (y - d)^2 / 2) / dy
    if representative:                 # one sample standing for the batch, and the batch's mean delta
        x, z1, delta2 = x[:1], z1[:1], np.full(1, delta2.mean())
    delta1 = np.outer(delta2, network["W2"]) * z1 * (1 - z1)
    return {"W1": x.T @ delta1, "b1": delta1.sum(axis=0), "W2": z1.T @ delta2, "b2": delta2.sum()}


@pytest.mark.parametrize("representative", [False, True])
def test_a_minibatch_that_stands_one_sample_for_the_batch_is_caught(representative):
    rng = np.random.default_rng(3)
    network, x = minibatch_network(rng), rng.normal(size=(6, 2))
    d = x @ np.array([3.0, 2.0])
    loss = lambda: np.mean((predict(network, x)[1] - d) ** 2) / 2  # noqa: E731
    report = check_parameters(loss, network, minibatch_grads(network, x, d, representative), batch_size=6,
                              raises=False)
    assert report.ok != representative
    if representative:
        assert {"dW1", "dW2"} <= set(report.wrong)
    assert network["b2"] == 0.3 and isinstance(network["b2"], float)  # the float parameter is put back


def test_numbered_parameters_and_params_grads_dictionaries_on_a_layer_are_found():
    class TwoAffines:
        def __init__(self, rng):
            self.W1, self.W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
            self.params, self.grads = {"b": rng.normal(size=2)}, {}

        def forward(self, x):
            self.x, self.h = x, x @ self.W1
            return self.h @ self.W2 + self.params["b"]

        def backward(self, dout):
            self.dW2, dh = self.h.T @ dout, dout @ self.W2.T
            self.dW1 = self.x.T @ dh
            self.grads["b"] = dout.sum(axis=0)
            return dh @ self.W1.T

    report = check_layer(TwoAffines(np.random.default_rng(0)), X)
    assert [c.name for c in report.checks] == ["dx", "dW1", "dW2", "db"]


def test_parameters_can_be_named_and_scalar_attributes_are_parameters_too():
    class Scale:
        def __init__(self):
            self.weight, self.gain = np.array([2.0, -1.0, 0.5]), 1.5

        def forward(self, x):
            self.x = x
            return self.gain * x * self.weight

        def backward(self, dout):
            self.grad_weight = (self.gain * self.x * dout).sum(axis=0)
            self.grad_gain = float((self.x * self.weight * dout).sum())
            return self.gain * dout * self.weight

    layer = Scale()
    report = check_layer(layer, X, parameters={"weight": "grad_weight", "gain": "grad_gain"})
    assert [c.name for c in report.checks] == ["dx", "grad_weight", "grad_gain"] and layer.gain == 1.5


def test_a_parameter_without_a_gradient_is_said_not_checked():
    class NoGradientNames:
        def __init__(self):
            self.W = np.ones((3, 2))

        def forward(self, x):
            self.x = x
            return x @ self.W

        def backward(self, dout):
            return dout @ self.W.T

    report = check_layer(NoGradientNames(), X)
    assert "(not checked: W" in str(report) and "parameters=['W']" in str(report)


def test_a_gradient_that_backward_never_set_is_a_failure():
    class Lazy(Affine):
        def backward(self, dout):
            return dout @ self.W.T

    report = check_layer(affine(Lazy), X, raises=False)
    assert report.wrong == ["dW", "db"] and "there is no dW: it is None" in str(report)


# --- functions with a hand-written VJP or gradient ------------------------------------------------------------


def add(x, b):
    return x + b


def test_a_vjp_that_forgets_to_sum_over_broadcast_axes_is_caught():
    report = check_vjp(add, lambda g, x, b: (g, g), X, np.ones(3), raises=False)
    assert report.wrong == ["db"] and "summed over axis 0 (the batch axis) it agrees" in report["db"].hint
    assert check_vjp(add, lambda g, x, b: (g, g.sum(axis=0)), X, np.ones(3)).ok


def test_a_gradient_missing_the_mean_names_the_length():
    def mean_square(x):
        return np.mean(x ** 2)

    report = check_gradient(mean_square, lambda x: 2 * x, np.arange(1.0, 6.0), raises=False)
    assert "5 is len(x)" in report["dx"].hint and "a missing / N" in report["dx"].hint
    assert check_gradient(mean_square, lambda x: 2 * x / x.size, np.arange(1.0, 6.0)).ok


def test_wrt_leaves_the_other_arrays_unchecked():
    report = check_vjp(lambda x, t: (x - t) ** 2, lambda g, x, t: (2 * g * (x - t), None), X, T[:, :3], wrt=0)
    assert [c.name for c in report.checks] == ["dx"]


# --- the report ----------------------------------------------------------------------------------------------


def test_the_report_is_a_table_in_a_repl_and_in_jupyter():
    report = check_layer(affine(AffineMeanTwice), X, raises=False)
    text = str(report)
    assert repr(report) == text and isinstance(report, BackwardReport)
    for column in ("gradient", "shape", "wrong", "worst at", "hand-written", "numeric", "abs error", "rel error",
                   "tolerance"):
        assert column in text
    assert re.search(r"dW\s+\(3, 2\)\s+6 of 6\s+\[\d, \d\]", text) and "FAIL [1]" in text
    html = report._repr_html_()
    assert "<table>" in html and "<th>hand-written</th>" in html and "an extra / N" in html


def test_the_worst_element_shows_both_values_and_the_errors():
    report = check_layer(SoftmaxWithoutN(), X, T, raises=False)
    dx = report["dx"]
    i = dx.worst
    assert dx.hand[i] == pytest.approx(4 * dx.numeric[i], rel=1e-6)
    assert dx.abs_error == pytest.approx(abs(dx.hand[i] - dx.numeric[i]))
    assert dx.rel_error == pytest.approx(dx.abs_error / abs(dx.hand[i]))


def test_nan_from_the_hand_written_gradient_never_agrees():
    report = check_vjp(lambda x: x * 2, lambda g, x: (np.full_like(x, np.nan),), X, raises=False)
    assert not report.ok and "nan or inf at 12 of 12 elements" in report["dx"].hint


def test_a_function_undefined_at_the_point_is_a_failure_with_the_reason():
    report = check_gradient(lambda x: np.sum(np.log(x)), lambda x: 1 / x, np.array([1.0, -1.0]), raises=False)
    assert report.wrong == ["dx"] and "not defined here" in str(report)


def test_inf_agrees_only_with_the_same_inf():
    assert not check_gradient(lambda x: np.sum(x), lambda x: np.full_like(x, np.inf), np.ones(2), raises=False).ok


def test_float32_gets_the_float32_step_a_coarser_tolerance_and_a_note():
    x32 = X.astype(np.float32)
    report = check_layer(affine(n_in=3, n_out=2), x32)
    assert report.atol == 1e-3 and "float32 inputs" in str(report)
    assert not check_layer(affine(AffineMeanTwice), x32, raises=False).ok


def test_float16_inputs_are_checked_in_float64_and_float16_parameters_refused():
    assert "checked in float64" in str(check_layer(Sigmoid(), X.astype(np.float16)))
    layer = Affine(np.ones((3, 2), dtype=np.float16), np.zeros(2, dtype=np.float16))
    with pytest.raises(ValueError, match="float16"):
        check_layer(layer, X)


def test_the_layer_and_its_parameters_are_left_as_they_were():
    layer = affine()
    W, b = layer.W.copy(), layer.b.copy()
    x = X.copy()
    check_layer(layer, x, taylor=True)
    assert np.array_equal(layer.W, W) and np.array_equal(layer.b, b) and np.array_equal(x, X)


def test_a_given_dout_is_used_and_a_loss_layer_gets_one():
    dout = np.ones((4, 2))
    assert "dout of shape (4, 2)" in check_layer(affine(), X, dout=dout).point
    assert "dout = 1" in check_layer(SoftmaxWithLoss(), X, T).point


# --- the Taylor test on its own -----------------------------------------------------------------------------------


def test_taylor_test_orders():
    x = np.array([0.3, -1.2, 2.0])
    cubic = lambda x: float(np.sum(x ** 3))  # noqa: E731
    assert taylor_test(cubic, (x,), (3 * x ** 2,)).verdict == "h^2"
    wrong = taylor_test(cubic, (x,), (2 * x ** 2,))
    assert wrong.verdict == "h" and not wrong.ok and "h^1.0" in str(wrong)
    assert taylor_test(lambda x: float(np.sum(2 * x)), (x,), (np.full(3, 2.0),)).verdict == "exact"


# --- property tests: shapes chosen by hypothesis, failures shrunk -----------------------------------------------


def make_affine(rng, batch, n_in, n_out):
    return affine(Affine, n_in, n_out, rng), rng.normal(size=(batch, n_in))


def make_sigmoid(rng, batch, features):
    return Sigmoid(), rng.normal(size=(batch, features))


def make_relu(rng, batch, features):
    return ReLU(), rng.normal(size=(batch, features))


def make_softmax(rng, batch, classes):
    return SoftmaxWithLoss(), rng.normal(size=(batch, classes)), one_hot(rng, batch, classes)


@pytest.mark.parametrize("make, kinks", [(make_affine, ()), (make_sigmoid, ()), (make_relu, (0.0,)),
                                         (make_softmax, ())], ids=lambda v: getattr(v, "__name__", ""))
def test_the_correct_layers_pass_at_hypothesis_chosen_shapes(make, kinks):
    for_all(check_layer, strategies.layer_cases(make, kinks=kinks), max_examples=25)


def mutant_maker(cls):
    def make(rng, batch, n_in, n_out):
        return affine(cls, n_in, n_out, rng), rng.normal(size=(batch, n_in))
    return make


@pytest.mark.parametrize("cls, smallest", [
    (AffineRepresentativeSample, "batch=2, n_in=1, n_out=1"),   # right for one sample: it fails from two on
    (AffineTransposedDW, "batch=1, n_in=1, n_out=2"),           # a 1 x 1 transpose is no transpose
    (AffineDbWithoutSum, "batch=1, n_in=1, n_out=1"),
])
def test_a_wrong_backward_is_reported_at_the_smallest_failing_shape(cls, smallest):
    with pytest.raises(AssertionError) as failure:
        for_all(check_layer, strategies.layer_cases(mutant_maker(cls)), max_examples=20)
    assert f"the smallest failing case hypothesis found: {cls.__name__} at {smallest}, seed=0" in str(failure.value)
    assert isinstance(failure.value.report, BackwardReport) and not failure.value.report.ok
    assert f"x of shape ({smallest[6]}, 1)" in failure.value.report.point


def test_for_all_checks_a_vjp_over_broadcastable_shapes():
    from functools import partial

    def add_vjp(g, x, b):  # sums g back to each input's shape: what broadcasting asks of a VJP
        return tuple(_summed_to(g, np.shape(a)) for a in (x, b))

    for_all(partial(check_vjp, add, add_vjp), strategies.broadcastable_arrays(2), max_examples=25)
    with pytest.raises(AssertionError, match="the smallest failing case"):
        for_all(partial(check_vjp, add, lambda g, x, b: (g, g)), strategies.broadcastable_arrays(2), max_examples=25)


def _summed_to(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)


@settings(max_examples=30)
@given(strategies.layer_cases(make_relu, kinks=(0.0,), margin=0.1))
def test_layer_cases_keep_x_away_from_the_kinks_and_include_batch_one(case):
    layer, x = case
    assert np.all(np.abs(x) >= 0.1) and x.ndim == 2 and 1 <= len(x) <= 4


def test_layer_cases_reach_batch_size_one():
    from hypothesis import find

    assert len(find(strategies.layer_cases(make_sigmoid), lambda case: len(case[1]) == 1)[1]) == 1


@settings(max_examples=30)
@given(strategies.broadcastable_arrays(3, domain=(0.0, math.inf)))
def test_broadcastable_arrays_broadcast_and_stay_in_the_domain(arrays):
    np.broadcast_shapes(*(a.shape for a in arrays))
    assert all(np.all(a >= strategies.MARGIN) for a in arrays)


@given(st.floats(-1, 1))
def test_kept_out_moves_values_off_the_kink_and_inside_the_domain(v):
    moved = strategies.kept_out(np.array([v, 5.0]), kinks=(0.0,), domain=(-2.0, 2.0), margin=0.25)
    assert abs(moved[0]) >= 0.25 and moved[1] == 1.75


# --- the door -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, words", [
    (lambda: check_layer(object(), X), TypeError, "layer must have a forward method"),
    (lambda: check_layer(Sigmoid(), "x"), TypeError, "x must be an array of numbers"),
    (lambda: check_layer(Sigmoid(), X, dout=np.ones(2)), ValueError, "dout must have the shape"),
    (lambda: check_layer(Sigmoid(), X, atol=-1), ValueError, "atol"),
    (lambda: check_layer(Sigmoid(), X, parameters="W"), TypeError, "parameters must be a dict"),
    (lambda: check_layer(affine(), X, parameters=["V"]), ValueError, "the layer has no attribute 'V'"),
    (lambda: check_layer(Sigmoid(), X, raises=1), TypeError, "raises must be True or False"),
    (lambda: check_layer(type("Bad", (Sigmoid,), {"forward": lambda self, x: "out"})(), X), TypeError,
     "must return an array of numbers"),
    (lambda: check_network(object(), X, T), TypeError, "network must have a method loss"),
    (lambda: check_parameters(lambda: 0.0, [1.0], {}), TypeError, "params and grads must be dictionaries"),
    (lambda: check_vjp(add, lambda g, x, b: g, X, X), TypeError, "vjp must return one gradient per array (2)"),
    (lambda: check_vjp(add, None, X, X), TypeError, "vjp must be a function"),
    (lambda: check_vjp(add, add), ValueError, "give the point to check at"),
    (lambda: check_vjp(add, add, X, X, wrt=5), ValueError, "wrt[0] must be an integer"),
    (lambda: check_gradient(lambda x: x, lambda x: x, X), TypeError, "f must return one number"),
    (lambda: for_all(check_layer, [1, 2]), TypeError, "cases must be a hypothesis strategy"),
    (lambda: strategies.layer_cases(make_affine, kinks=0.0), TypeError, "kinks must be a tuple"),
    (lambda: strategies.broadcastable_arrays(domain=(1.0, 0.0)), ValueError, "low < high"),
    (lambda: taylor_test(np.sum, (X,), (np.ones(2),)), ValueError, "of the same shapes"),
])
def test_the_checks_check_their_arguments(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()
