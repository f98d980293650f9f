"""Module paths: every node made while a module runs knows which module made it, named as state_dict names it."""

import random
import sys

import numpy as np
import pytest

from autograd import Tensor, Value, nn, no_grad, scope
from autograd.scopes import Scope, module_path, recording, scope_of
from autograd.viz import walk


@pytest.fixture()
def mlp():
    random.seed(0)
    return nn.MLP(2, [3, 2, 1])


def test_every_node_an_mlp_makes_knows_its_neuron(mlp):
    out = mlp([0.5, -1.0])
    nodes = walk(out)
    names = dict(mlp.named_parameters())
    parameters = {id(p) for p in names.values()}
    for node in nodes:
        path = module_path(node)
        if id(node) in parameters:
            continue
        assert path is not None and path.startswith("layers.") and ".neurons." in path, (node, path)
    # the output is made by the one neuron of the last layer; the first products by neurons of the first
    assert module_path(out) == "layers.2.neurons.0"
    first = [n for n in nodes if n.op == "*" and module_path(n) == "layers.0.neurons.1"]
    assert len(first) == 2  # w0 * x0 and w1 * x1 of that neuron
    # the inputs, floats, became constants inside the neuron that used them
    assert {module_path(p) for n in first for p in n.parents if id(p) not in parameters} == {"layers.0.neurons.1"}


def test_a_parameter_belongs_to_its_module_as_state_dict_names_it(mlp):
    mlp([0.5, -1.0])
    for name, p in mlp.named_parameters():
        owner = name.rsplit(".", 2)[0] if ".w." in name else name.rsplit(".", 1)[0]
        assert module_path(p) == owner, name
    assert set(mlp.state_dict()) == {name for name, _ in mlp.named_parameters()}


def test_one_scope_per_place_in_the_model_however_many_calls(mlp):
    a, b = mlp([0.5, -1.0]), mlp([1.0, 2.0])
    assert scope_of(a) is scope_of(b)
    assert scope_of(a).parent.path == "layers.2" and scope_of(a).parent.kind == "Layer"
    assert scope_of(a).ancestors()[0].path == "" and scope_of(a).ancestors()[0].kind == "MLP"
    assert scope_of(a).depth == 3 and scope_of(a).module() is mlp.layers[2].neurons[0]
    assert scope_of(a).title == "layers.2.neurons.0 (Neuron)" and scope_of(a).ancestors()[0].title == "MLP"


def test_nodes_made_outside_every_module_have_no_path(mlp):
    out = mlp([0.5, -1.0])
    loss = (1 - out).relu()
    assert module_path(loss) is None and module_path(Value(2.0)) is None
    assert scope_of(loss) is None


def test_named_scopes_nest_outside_and_inside_modules(mlp):
    x = Value(1.0)
    with scope("loss"):
        a = x * 2
        with scope("data"):
            b = a + 1
    assert module_path(a) == "loss" and module_path(b) == "loss.data" and scope_of(b).kind == "scope"
    with scope("loss"):
        c = x * 3
    assert scope_of(c) is scope_of(a)  # the same place, the same Scope

    class Attention(nn.Module):
        def __init__(self):
            self.query = nn.Neuron(2, nonlin=False)

        def forward(self, x):
            with scope("scores"):
                s = self.query(x) * 2
            return s.tanh()

    model = Attention()
    out = model([1.0, 2.0])
    assert module_path(out) == ""  # made by the outermost module itself
    assert module_path(out.parents[0]) == "scores"
    assert module_path(out.parents[0].parents[0]) == "scores.query"  # a module inside the block


def test_module_paths_of_tensor_layers_name_the_attributes():
    class TwoLayers(nn.Module):
        def __init__(self):
            self.hidden = nn.Linear(3, 4, rng=np.random.default_rng(0))
            self.act = nn.ReLU()
            self.out = nn.Sequential(nn.Linear(4, 2, rng=np.random.default_rng(1)), nn.Tanh())

        def forward(self, x):
            return self.out(self.act(self.hidden(x)))

    model = TwoLayers()
    y = model(Tensor(np.ones((5, 3))))
    assert module_path(y) == "out.layers.1"
    assert module_path(y.parents[0]) == "out.layers.0"
    assert module_path(y.parents[0].parents[0]) == "act"
    assert module_path(model.hidden.weight) == "hidden" and module_path(model.out[0].bias) == "out.layers.0"
    assert {name.rsplit(".", 1)[0] for name, _ in model.named_parameters()} == {"hidden", "out.layers.0"}


def test_a_label_and_a_path_live_together(mlp):
    out = mlp([0.5, -1.0])
    out.label = "score"
    assert out.label == "score" and module_path(out) == "layers.2.neurons.0"
    out.label = ""
    assert out.label == "" and module_path(out) == "layers.2.neurons.0"
    with scope("named"):
        leaf = Value(1.0, label="x")
    assert leaf.label == "x" and module_path(leaf) == "named"
    assert repr(leaf) == "Value(data=1.0, grad=0.0, label='x')"
    with pytest.raises(TypeError, match="label"):
        out.label = 3


def test_recording_can_be_switched_off(mlp):
    with recording(False):
        out = mlp([0.5, -1.0])
        with scope("loss"):
            loss = out * 2
    assert module_path(out) is None and module_path(loss) is None
    with recording(True):
        assert module_path(mlp([0.5, -1.0])) == "layers.2.neurons.0"


def test_no_grad_and_anomaly_modes_record_paths_too(mlp):
    with no_grad():
        out = mlp([0.5, -1.0])
    assert module_path(out) == "layers.2.neurons.0" and out.parents == ()


def test_the_caller_s_scope_comes_back_even_when_forward_raises(mlp):
    with scope("outer"):
        with pytest.raises(ValueError):
            mlp([1.0, 2.0, 3.0])  # three inputs for two: the MLP refuses
        assert module_path(Value(1.0) * 2) == "outer"
    assert module_path(Value(1.0) * 2) is None


def test_recording_costs_a_value_no_memory():
    """The path lives in one Scope per module; a Value points at it from its label slot, not from a new slot."""
    assert "label" not in Value.__slots__ and len(Value.__slots__) == 8
    assert sys.getsizeof(Value(1.0)) <= 96


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="name"):
        scope("a.b")
    with pytest.raises(TypeError, match="name"):
        scope(3)
    with pytest.raises(TypeError, match="node"):
        module_path("x")
    with pytest.raises(TypeError, match="parent"):
        Scope("x", parent="y")
    with pytest.raises(TypeError, match="on"):
        recording("yes")
