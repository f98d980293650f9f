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
    with pytest.raises(KeyError, match=r"missing \['layers.1.neurons.3.b'\]"):
        model.load_state_dict(missing)
    with pytest.raises(KeyError, match=r"unexpected \['extra'\]"):
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
