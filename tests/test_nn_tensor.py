"""Tensor models: Linear and Sequential, their state dicts, losses, and the issue's acceptance examples."""

import time

import numpy as np
import pytest

from autograd import Tensor, nn, no_grad, optim
from autograd.data import DataLoader, load_digits, make_linear


def small_model(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(4, 8, init="he", rng=rng, dtype=dtype), nn.ReLU(),
                         nn.Linear(8, 3, rng=rng, dtype=dtype))


def test_linear_computes_x_at_w_plus_b_with_named_parameters():
    model = small_model()
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert model[0].weight.shape == (4, 8) and model[0].bias.shape == (8,)
    x = np.random.default_rng(1).normal(size=(5, 4))
    expected = np.maximum(x @ model[0].weight.data + model[0].bias.data, 0) @ model[2].weight.data + model[2].bias.data
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-12)
    no_bias = nn.Linear(4, 2, bias=False)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"] and no_bias(x).shape == (5, 2)


def test_activations_and_float32():
    x = Tensor(np.array([[-1.0, 0.5]], dtype=np.float32))
    assert nn.ReLU()(x).data.tolist() == [[0.0, 0.5]]
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data), rtol=1e-6)
    model = small_model(np.float32)
    loss = nn.cross_entropy(model(np.ones((2, 4), dtype=np.float32)), np.array([0, 2]))
    loss.backward()
    assert all(p.data.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())


def test_tensor_state_dict_round_trip_and_shape_errors(tmp_path):
    model, other = small_model(seed=0), small_model(seed=1)
    model.save(tmp_path / "m.npz")
    other.load(tmp_path / "m.npz")
    for p, q in zip(model.parameters(), other.parameters()):
        assert np.array_equal(p.data, q.data) and p.data is not q.data
    wrong = nn.Sequential(nn.Linear(4, 9), nn.ReLU(), nn.Linear(9, 3))
    before = [p.data.copy() for p in wrong.parameters()]
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(4, 8\).*shape \(4, 9\)"):
        wrong.load(tmp_path / "m.npz")
    assert all(np.array_equal(b, p.data) for b, p in zip(before, wrong.parameters()))


def test_zero_grad_sets_tensor_gradients_to_none():
    model = small_model()
    nn.mse_loss(model(np.ones((1, 4))), np.zeros((1, 3))).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_tensor_losses_match_their_formulas():
    p = Tensor(np.array([0.2, 0.7, 0.9]), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0])
    assert nn.mse_loss(p, t).item() == pytest.approx(np.mean((p.data - t) ** 2))
    assert nn.mse_loss(p, t, reduction="sum").item() == pytest.approx(np.sum((p.data - t) ** 2))
    bce = -(t * np.log(p.data) + (1 - t) * np.log(1 - p.data))
    assert nn.binary_cross_entropy(p, t).item() == pytest.approx(bce.mean())
    scores, labels = Tensor(np.array([0.5, -2.0, 3.0])), np.array([1.0, -1.0, -1.0])
    assert nn.hinge_loss(scores, labels).item() == pytest.approx(np.maximum(0, 1 - labels * scores.data).mean())
    logits = Tensor(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]))
    mean = nn.cross_entropy(logits, np.array([1, 2])).item()
    assert nn.cross_entropy(logits, np.array([1, 2]), reduction="sum").item() == pytest.approx(2 * mean)


def test_the_documents_linear_regression_recovers_a_and_b():
    """y = a x + b against Y = 0.3 x + 1.5 + noise: minibatches of 32, SGD lr 0.01, 1000 updates (as the
    documents' max_iter), the solver workflow zero_grad -> forward -> backward -> update."""
    x_all, y_all = make_linear(32 * 1000, a=0.3, b=1.5, noise=0.01, low=-2.0, high=2.0, seed=0)
    a, b = Tensor(np.random.default_rng(2).normal(), requires_grad=True), Tensor(0.0, requires_grad=True)
    solver = optim.SGD([a, b], lr=0.01)
    for x, y in DataLoader(x_all, y_all, batch_size=32, shuffle=False):
        solver.zero_grad()
        loss = ((a * x + b - y) ** 2).mean()
        loss.backward()
        solver.step()
    assert a.item() == pytest.approx(0.3, abs=0.02) and b.item() == pytest.approx(1.5, abs=0.02)


def test_an_mlp_reaches_95_percent_on_the_digits_within_a_minute():
    X, y = load_digits()
    X = (X / 16.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    (X_train, y_train), (X_test, y_test) = (X[:1400], y[:1400]), (X[1400:], y[1400:])
    nn.init.seed(0)
    model = nn.Sequential(nn.Linear(64, 100, init="he", dtype=np.float32), nn.ReLU(),
                          nn.Linear(100, 100, init="he", dtype=np.float32), nn.ReLU(),
                          nn.Linear(100, 10, dtype=np.float32))
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for epoch in range(10):
        for xb, yb in DataLoader(X_train, y_train, batch_size=32, seed=epoch):
            optimizer.zero_grad()
            nn.cross_entropy(model(xb), yb).backward()
            optimizer.step()
    elapsed = time.perf_counter() - start
    with no_grad():
        accuracy = (model(X_test).data.argmax(axis=1) == y_test).mean()
    assert accuracy >= 0.95 and elapsed < 60, (accuracy, elapsed)


# --- bad input gets a clear, named error (issue 12) ---------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.Linear(0, 3), ValueError, r"in_features must be an integer >= 1, got 0"),  # ZeroDivisionError
    (lambda: nn.Linear(3, 2.0), TypeError, r"out_features must be an integer, got 2.0"),
    (lambda: nn.Linear(3, 2, bias=None), TypeError, r"bias must be True or False, got None"),
    (lambda: nn.Linear(3, 2, init=-1.0), ValueError, r"init must be a finite number >= 0"),
    (lambda: nn.Linear(3, 2, init="lecun"), ValueError, r"unknown initialisation init='lecun'"),
    (lambda: nn.Linear(3, 2, init=None), TypeError, r"init must be a std or one of"),
    (lambda: nn.Linear(3, 2, dtype=np.int32), TypeError, r"dtype must be a floating-point dtype .*got int32"),
    (lambda: nn.Linear(3, 2, dtype="junk"), TypeError, r"dtype must be a floating-point dtype"),
    (lambda: nn.Linear(3, 2, rng=3), TypeError, r"rng must be a numpy Generator"),
    (lambda: nn.Linear(10**6, 10**6), ValueError, r"shape \(1000000, 1000000\) has 1,000,000,000,000 weights"),
    (lambda: nn.Sequential(nn.ReLU(), 3), TypeError, r"Sequential takes modules .* layer 1 is 3"),
])
def test_tensor_layers_check_their_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_linear_says_in_its_words_that_the_input_has_the_wrong_width():
    layer = nn.Linear(4, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"last dimension is in_features = 4, got an input of shape \(2, 5\)"):
        layer(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"in_features = 4, got an input of shape \(\)"):
        layer(Tensor(1.0))
    assert layer(np.ones(4)).shape == (3,)


def test_tensor_losses_refuse_shapes_that_would_broadcast():
    column = Tensor(np.ones((3, 1)), requires_grad=True)  # (3, 1) - (3,) is a (3, 3) table in numpy
    with pytest.raises(ValueError, match=r"mse_loss: predictions of shape \(3, 1\) and targets of shape \(3,\)"):
        nn.mse_loss(column, np.zeros(3))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: predictions of shape \(3, 1\)"):
        nn.binary_cross_entropy(column * 0.5, np.zeros(3))
    with pytest.raises(TypeError, match="logits must be a Tensor or a list of lists of Values"):
        nn.cross_entropy("logits", np.array([0]))
    with pytest.raises(ValueError, match=r"hinge_loss: labels must be -1 or \+1, got 0.0"):
        nn.hinge_loss(Tensor(np.ones(2)), np.array([0.0, 1.0]))
    assert nn.mse_loss(column, np.zeros((3, 1))).item() == 1.0


def test_activations_take_arrays_and_refuse_junk_with_a_type_error():
    np.testing.assert_array_equal(nn.ReLU()(np.array([-1.0, 2.0])).data, [0.0, 2.0])  # AttributeError, before
    assert nn.Tanh()(Tensor(0.0)).item() == 0.0
    with pytest.raises(TypeError, match="Tensor holds real numbers"):
        nn.Sigmoid()("a")
