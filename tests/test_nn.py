"""nn: modules find their parameters, save and load them safely; initialisers; losses on Values."""

import math
import random

import numpy as np
import pytest

from autograd import Value, nn
from autograd.nn import init, losses


def micrograd_model():
    random.seed(1337)
    return nn.MLP(2, [16, 16, 1])


def test_parameters_are_found_in_assignment_order_with_names():
    model = micrograd_model()
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 337 == len(model.parameters())
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    neuron = model.layers[0].neurons[0]
    assert model.parameters()[:3] == neuron.w + [neuron.b]  # micrograd's order: w, then b


def test_a_shared_parameter_is_listed_once():
    class Tied(nn.Module):
        def __init__(self):
            self.a = Value(1.0)
            self.pair = [self.a, Value(2.0)]

    assert [name for name, _ in Tied().named_parameters()] == ["a", "pair.1"]


def test_micrograd_s_demo_loop_runs_unchanged():
    from autograd.data import make_moons

    X, y = make_moons(100, noise=0.1)
    model = micrograd_model()

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses_ = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses_) * (1.0 / len(losses_))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return data_loss + reg_loss, sum(accuracy) / len(accuracy)

    for k in range(100):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert acc == 1.0  # the acceptance example: 100% training accuracy in 100 steps


def test_state_dict_round_trips_through_a_file(tmp_path):
    model, other = micrograd_model(), nn.MLP(2, [16, 16, 1], rng=random.Random(5))
    assert [p.data for p in model.parameters()] != [p.data for p in other.parameters()]
    model.save(tmp_path / "model.npz")
    other.load(tmp_path / "model.npz")
    assert [p.data for p in model.parameters()] == [p.data for p in other.parameters()]
    assert all(type(p.data) is float for p in other.parameters())


def test_loading_a_wrong_state_names_the_key_and_changes_nothing():
    model = micrograd_model()
    before = [p.data for p in model.parameters()]
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "layers.1.neurons.3.b"}
    with pytest.raises(ValueError, match=r"missing \['layers.1.neurons.3.b'\]"):
        model.load_state_dict(missing)
    with pytest.raises(ValueError, match=r"unexpected \['extra'\]"):
        model.load_state_dict({**state, "extra": np.zeros(1)})
    wrong = {**{k: v + 1 for k, v in state.items()}, "layers.0.neurons.0.w.0": np.zeros((2, 3))}
    with pytest.raises(ValueError, match=r"'layers.0.neurons.0.w.0' has shape \(2, 3\).*shape \(\)"):
        model.load_state_dict(wrong)
    assert [p.data for p in model.parameters()] == before


def test_a_crash_while_saving_leaves_the_old_file_whole(tmp_path, monkeypatch):
    model, path = micrograd_model(), tmp_path / "model.npz"
    model.save(path)
    original = path.read_bytes()

    def crash_halfway(file, **arrays):
        file.write(b"half a zip file")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash_halfway)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == original
    assert [f.name for f in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left behind


def test_files_with_pickled_objects_are_refused(tmp_path):
    np.savez(tmp_path / "evil.npz", **{"layers.0.neurons.0.w.0": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="pickle"):
        micrograd_model().load(tmp_path / "evil.npz")


def test_train_and_eval_switch_every_module():
    model = micrograd_model()
    assert all(m.training for m in model.modules())
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


@pytest.mark.parametrize("scheme, expected_std", [
    (0.01, 0.01), ("xavier", math.sqrt(2 / (400 + 300))), ("he", math.sqrt(2 / 400)),
    ("xavier_uniform", math.sqrt(2 / (400 + 300))), ("he_uniform", math.sqrt(2 / 400)),
    ("default", 1 / math.sqrt(3 * 400)),
])
def test_initialisers_have_their_spread(scheme, expected_std):
    weights = init.initial((400, 300), scheme, rng=np.random.default_rng(0))
    assert weights.std() == pytest.approx(expected_std, rel=0.02) and abs(weights.mean()) < 0.02 * expected_std


def test_the_global_seed_makes_initialisation_repeatable():
    init.seed(3)
    first = init.he_normal((5, 4))
    init.seed(3)
    assert np.array_equal(first, init.he_normal((5, 4)))
    assert init.normal((2, 2), dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="unknown initialisation"):
        init.initial((2, 2), "lecun")


def test_scalar_losses():
    p = [Value(0.5), Value(-1.0)]
    assert losses.mse_loss(p, [1.0, 1.0]).data == pytest.approx((0.25 + 4.0) / 2)
    assert losses.mse_loss(p, [1.0, 1.0], reduction="sum").data == pytest.approx(4.25)
    assert losses.hinge_loss(p, [1.0, -1.0]).data == pytest.approx((0.5 + 0.0) / 2)
    bce = losses.binary_cross_entropy([Value(0.8), Value(0.3)], [1.0, 0.0])
    assert bce.data == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    logits = [[Value(1.0), Value(2.0), Value(0.5)], [Value(-1.0), Value(0.0), Value(3.0)]]
    ce = losses.cross_entropy(logits, np.array([1, 2]))
    expected = [math.log(sum(math.exp(v.data) for v in row)) - row[k].data for row, k in zip(logits, [1, 2])]
    assert ce.data == pytest.approx(sum(expected) / 2)
    ce.backward()
    softmax0 = [math.exp(v.data) / sum(math.exp(u.data) for u in logits[0]) for v in logits[0]]
    assert [v.grad for v in logits[0]] == pytest.approx([(s - (k == 1)) / 2 for k, s in enumerate(softmax0)])
    onehot = losses.cross_entropy(logits, np.eye(3)[[1, 2]])
    assert onehot.data == pytest.approx(ce.data)
    with pytest.raises(ValueError, match="reduction"):
        losses.mse_loss(p, [1.0, 1.0], reduction="median")


# --- bad input gets a clear, named error (issue 12) ---------------------------------------

@pytest.mark.parametrize("module, inputs, message", [
    (lambda: nn.MLP(2, [3, 1]), [1.0, 2.0, 3.0], r"MLP\(2, \[3, 1\]\) takes 2 inputs, got 3"),
    (lambda: nn.MLP(2, [3, 1]), [1.0], r"MLP\(2, \[3, 1\]\) takes 2 inputs, got 1"),
    (lambda: nn.Layer(2, 4), [1.0, 2.0, 3.0], r"Layer\(2, 4\) takes 2 inputs, got 3"),
    (lambda: nn.Neuron(3), [1.0], r"Neuron\(3\) takes 3 inputs, got 1"),
])
def test_scalar_networks_refuse_the_wrong_number_of_inputs(module, inputs, message):
    with pytest.raises(ValueError, match=message):  # zip() used to drop the extra inputs, or the missing weights
        module()(inputs)
    with pytest.raises(TypeError, match="takes a list of"):
        module()(0.5)


def test_a_hidden_layer_of_one_neuron_feeds_the_next_layer():
    model = nn.MLP(2, [1, 3], rng=random.Random(0))  # the one neuron hands on a Value, not a list
    outputs = model([1.0, 2.0])
    hidden = model.layers[0]([1.0, 2.0])
    assert [o.data for o in outputs] == [n([hidden]).data for n in model.layers[1].neurons]


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.Neuron(0), ValueError, r"nin must be an integer >= 1, got 0"),
    (lambda: nn.Neuron(2.0), TypeError, r"nin must be an integer, got 2.0"),
    (lambda: nn.Neuron(2, nonlin="no"), TypeError, r"nonlin must be True or False"),
    (lambda: nn.Neuron(2, rng=np.random.default_rng(0)), TypeError, r"rng must be a random.Random"),
    (lambda: nn.Layer(2, 0), ValueError, r"nout must be an integer >= 1, got 0"),
    (lambda: nn.Layer(1000, 1000), ValueError, r"Layer\(1000, 1000\) would hold 1,001,000 Values; .* at most 1,000"),
    (lambda: nn.MLP(2, []), ValueError, r"nouts must hold at least 1"),
    (lambda: nn.MLP(2, 3), TypeError, r"nouts must be a list of integers"),
    (lambda: nn.MLP(2, [3, 0]), ValueError, r"nouts\[1\] must be an integer >= 1"),
    (lambda: nn.MLP(-1, [3]), ValueError, r"nin must be an integer >= 1"),
])
def test_scalar_network_constructors_check_their_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("call, error, message", [
    (lambda: init.he_normal((0, 3)), ValueError, r"shape\[0\] must be an integer >= 1, got 0"),
    (lambda: init.xavier_uniform((3, -1)), ValueError, r"shape\[1\] must be an integer >= 1"),
    (lambda: init.normal((10**30,)), ValueError, r"has 1,000,.* weights; an initialiser makes at most 16,777,216"),
    (lambda: init.normal("ab"), TypeError, r"shape must be a list of integers"),
    (lambda: init.normal((2, 2), std=-1.0), ValueError, r"std must be a finite number >= 0"),
    (lambda: init.uniform((2, 2), 1e308), ValueError, r"bound must be a finite number >= 0 and <= 8.98847e\+307"),
    (lambda: init.normal((2, 2), dtype=np.int32), TypeError, r"dtype must be a floating-point dtype"),
    (lambda: init.normal((2, 2), rng=3), TypeError, r"rng must be a numpy Generator"),
    (lambda: init.generator(random.Random(0)), TypeError, r"rng must be a numpy Generator"),
    (lambda: init.seed(-1), ValueError, r"n must be an integer >= 0"),
    (lambda: init.initial((2, 2), True), TypeError, r"scheme must be a std or one of"),
    (lambda: init.initial((2, 2), -0.5), ValueError, r"scheme must be a finite number >= 0"),
])
def test_initialisers_check_their_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


p2 = [Value(0.5), Value(-1.0)]


@pytest.mark.parametrize("call, error, message", [
    (lambda: losses.mse_loss(p2, [1.0, 2.0, 3.0]), ValueError, r"mse_loss: 2 predictions but 3 targets"),
    (lambda: losses.mse_loss([], []), ValueError, r"mse_loss: predictions is empty"),
    (lambda: losses.mse_loss([0.5, 1.0], [1.0, 1.0]), TypeError, r"predictions\[0\] must be a Value, got 0.5"),
    (lambda: losses.mse_loss("ab", [1.0, 1.0]), TypeError, r"predictions must be a Tensor, a Value or a list"),
    (lambda: losses.mse_loss(p2, [float("nan"), 1.0]), ValueError, r"targets must hold finite numbers"),
    (lambda: losses.hinge_loss(p2, [0, 1]), ValueError, r"hinge_loss: labels must be -1 or \+1, got 0"),
    (lambda: losses.hinge_loss(p2, [1.0]), ValueError, r"hinge_loss: 2 predictions but 1 targets"),
    (lambda: losses.binary_cross_entropy([Value(1.5)], [1.0]), ValueError, r"probabilities must be in \[0, 1\]"),
    (lambda: losses.binary_cross_entropy([Value(0.5)], [2.0]), ValueError, r"targets must be in \[0, 1\], got 2.0"),
    (lambda: losses.cross_entropy([[Value(1.0), Value(2.0)]], np.array([-1])), ValueError,
     r"labels must lie in \[0, 2\), got -1"),
    (lambda: losses.cross_entropy([[Value(1.0), Value(2.0)]], np.array([2])), ValueError,
     r"labels must lie in \[0, 2\), got 2"),
    (lambda: losses.cross_entropy([[Value(1.0), Value(2.0)], [Value(0.0)]], np.array([0, 0])), ValueError,
     r"logits\[1\] has 1"),
    (lambda: losses.cross_entropy([[1.0, 2.0]], np.array([0])), TypeError, r"logits\[0\] must be a list of Values"),
    (lambda: losses.cross_entropy([[Value(1.0)]], np.array([0, 0])), ValueError, r"1 rows of logits need 1"),
])
def test_losses_on_values_check_both_sides(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_module_methods_check_their_arguments():
    model = micrograd_model()
    with pytest.raises(TypeError, match="prefix must be a string"):
        model.named_parameters(prefix=3)
    with pytest.raises(TypeError, match="mode must be True or False"):
        model.train("no")
    assert all(m.training for m in model.modules())
