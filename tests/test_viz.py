"""Drawing graphs: DOT text, rendering, gradients not yet computed, colors, tensors, large graphs."""

import random
import re
import shutil
import time

import graphviz
import numpy as np
import pytest

from autograd import Value
from autograd.cli.demo import loss_and_accuracy
from autograd.data import make_moons
from autograd.nn import MLP
from autograd.viz import GraphvizNotFound, draw_dot, gradients_computed, to_dot, walk

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's `dot` program is not installed (Debian package graphviz; `make test` installs it as root)")


def boxes(source: str) -> dict[str, str]:
    """{DOT node name: its label} for every value box of a DOT source."""
    return dict(re.findall(r"^\s*(n\d+) \[label=<(.*)> id=", source, flags=re.M))


def box_of(source: str, label: str) -> str:
    """The label of the value box whose label cell is `label`."""
    found = [text for text in boxes(source).values() if f"<B>{label}</B>" in text]
    assert len(found) == 1, (label, found)
    return found[0]


def edges_into(source: str, target: str) -> list[tuple[str, str]]:
    """(source node, edge label) of each edge into `target`, in the order the DOT text lists them."""
    return [(tail, label) for tail, label in
            re.findall(rf"^\s*(\w+) -> {target} \[(?:label=(\w+) )?id=", source, flags=re.M)]


def name_of(source: str, label: str) -> str:
    return next(name for name, text in boxes(source).items() if f"<B>{label}</B>" in text)


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    return out, (x1, x2, w1, w2, b)


def test_to_dot_is_text_and_needs_no_program(monkeypatch, tmp_path):
    out, leaves = neuron()
    out.backward()
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere
    source = to_dot(out)
    assert source.startswith("digraph")
    for leaf in leaves:
        box = box_of(source, leaf.label)
        assert f"data {leaf.data:.4g}" in box and f"grad {leaf.grad:.4g}" in box
    assert box_of(source, "out").count("tanh") == 0 and 'label=tanh' in source


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_draw_dot_is_a_digraph_that_renders(tmp_path, fmt, magic):
    out, _ = neuron()
    out.backward()
    drawing = draw_dot(out)
    assert isinstance(drawing, graphviz.Digraph)
    path = drawing.render(tmp_path / "neuron", format=fmt, cleanup=True)
    assert open(path, "rb").read().startswith(magic)
    assert "image/svg+xml" in drawing._repr_mimebundle_()  # what Jupyter displays


def test_one_edge_per_use_in_argument_order():
    x = Value(3.0, label="x")
    y = Value(5.0, label="y")
    square = x * x
    square.label = "square"
    difference = y - square
    difference.label = "difference"
    source = to_dot(difference)
    x_name, y_name = name_of(source, "x"), name_of(source, "y")
    assert edges_into(source, name_of(source, "square") + "op") == [(x_name, "a"), (x_name, "b")]
    assert edges_into(source, name_of(source, "difference") + "op") == [(y_name, "a"),
                                                                         (name_of(source, "square"), "b")]
    assert "ordering=in" in source  # Graphviz keeps the arguments in that order


def test_gradients_before_backward_are_not_computed_yet_never_zero():
    out, leaves = neuron()
    assert not gradients_computed(out)
    source = to_dot(out)
    assert len(boxes(source)) == 10
    for text in boxes(source).values():
        assert "grad not computed yet" in text and "grad 0" not in text
    assert "call backward() on the output first" in source
    out.backward()
    assert gradients_computed(out)
    after = to_dot(out)
    assert "not computed yet" not in after
    assert f"grad {leaves[0].grad:.4g}" in box_of(after, "x1")


def test_options_rankdir_fields_and_number_format():
    out, _ = neuron()
    out.backward()
    source = to_dot(out, rankdir="TB", show=("data",), fmt=".2f")
    assert "rankdir=TB" in source
    assert "data 2.00" in source and "data -3.00" in source
    assert "grad" not in "".join(boxes(source).values()) and "<B>" not in source
    assert "data +2.0e+00" in to_dot(out, fmt=lambda v: f"{v:+.1e}")
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(out, rankdir="RL2")
    with pytest.raises(ValueError, match="show"):
        to_dot(out, show=("data", "colour"))
    with pytest.raises(ValueError, match="color"):
        to_dot(out, color="data")


def shade(text: str) -> int:
    return int(re.search(r'BGCOLOR="/ylorrd9/(\d)"', text).group(1))


def test_color_by_grad_shows_a_vanishing_gradient_in_a_sigmoid_stack():
    x = Value(0.5, label="x")
    h = x
    for layer in range(1, 13):
        h = (h * 2.0).sigmoid()
        h.label = f"h{layer}"
    h.backward()  # each sigmoid multiplies the gradient by at most 1/4 * 2
    source = to_dot(h, color="grad")
    shades = [shade(box_of(source, f"h{k}")) for k in range(12, 0, -1)] + [shade(box_of(source, "x"))]
    assert shades == sorted(shades, reverse=True)   # fading from the output back to the input
    assert shades[0] == 9 and shades[-1] <= 2
    assert "color: |grad|, log scale" in source and "|grad| = 0" in source
    decades = np.floor(np.log10([abs(h.grad), abs(x.grad)]))
    assert f"1e{int(decades[1])} ≤ |grad|" in source


def test_color_by_grad_marks_zero_gradients_apart():
    x = Value(-1.0, label="x")
    y = Value(2.0, label="y")
    out = x.relu() + y * y
    out.label = "out"
    out.backward()
    source = to_dot(out, color="grad")
    assert 'BGCOLOR="gray85"' in box_of(source, "x")
    assert "/ylorrd9/" in box_of(source, "y")


class FakeTensor:
    """A stand-in for the numpy-backed Tensor: the public node interface plus shape and dtype."""

    def __init__(self, data, label="", op="", parents=(), grad=None):
        self.data = np.asarray(data, dtype=np.float32)
        self.grad = grad
        self.label = label
        self.op = op
        self.parents = tuple(parents)
        self._op = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def __eq__(self, other):  # elementwise, like numpy: the drawing must not rely on ==
        return self.data == other


def test_tensor_nodes_show_shape_dtype_and_summaries_not_elements():
    weights = FakeTensor(np.arange(12).reshape(3, 4) - 5.5, label="W")
    inputs = FakeTensor(np.full((4, 2), 0.125), label="X")
    product = FakeTensor(weights.data @ inputs.data, op="@", parents=(weights, inputs),
                         grad=np.ones((3, 2), np.float32))
    weights.grad = np.full((3, 4), -2.0, np.float32)
    source = to_dot(product)
    w_box = box_of(source, "W")
    norm = np.linalg.norm(weights.data)
    assert "(3, 4) float32" in w_box
    assert f"data norm {norm:.4g} min -5.5 max 5.5" in w_box
    assert f"grad norm {np.linalg.norm(weights.grad):.4g} min -2 max -2" in w_box
    assert "grad not computed yet" in box_of(source, "X")  # its grad is None
    assert "1.5" not in w_box  # no element is listed
    assert 'label="@"' in source


def test_a_deep_chain_is_walked_without_recursion():
    x = Value(1.0, label="x")
    h = x
    for _ in range(50_000):  # fifty times Python's recursion limit
        h = h * 1.0
    assert len(walk(h)) == 100_001
    source = to_dot(h, max_nodes=30)
    assert len(boxes(source)) <= 30 and "inputs not drawn" in source


@pytest.fixture(scope="module")
def mlp_loss():
    X, y = make_moons(100, noise=0.1, seed=0)
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    loss, _ = loss_and_accuracy(model, X.tolist(), y.tolist())
    loss.backward()
    return loss


def test_a_large_graph_is_cut_and_says_what_it_left_out(mlp_loss):
    total = len(walk(mlp_loss))
    drawing = draw_dot(mlp_loss)
    drawn = len(boxes(drawing.source))
    assert 50 <= drawn <= 200 and drawing.left_out == total - drawn
    caption = re.search(r'label="(Showing[^"]*)"', drawing.source).group(1)
    assert f"Showing {drawn:,} of {total:,} values" in caption
    assert f"Not drawn: {total - drawn:,} values" in caption and "'*'" in caption and "leaves" in caption
    assert "inputs not drawn" in drawing.source
    assert len(boxes(to_dot(mlp_loss, max_depth=3))) < drawn
    assert len(boxes(to_dot(mlp_loss, max_nodes=20))) <= 20


@needs_dot
def test_the_mlp_over_100_points_renders_in_seconds(mlp_loss, tmp_path):
    started = time.perf_counter()
    path = draw_dot(mlp_loss, color="grad").render(tmp_path / "mlp", format="svg", cleanup=True)
    seconds = time.perf_counter() - started
    print(f"MLP(2, [16, 16, 1]) over 100 points: drawn and rendered to SVG in {seconds:.2f} s")
    assert seconds < 15 and open(path).read().count('class="node"') > 100


def test_rendering_without_dot_fails_early_naming_the_packages(monkeypatch, tmp_path):
    out, _ = neuron()
    monkeypatch.setenv("PATH", str(tmp_path))
    drawing = draw_dot(out)
    with pytest.raises(GraphvizNotFound) as raised:
        drawing.render(tmp_path / "never", format="svg")
    message = str(raised.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    assert isinstance(raised.value, graphviz.ExecutableNotFound)  # what graphviz users already catch
    with pytest.raises(GraphvizNotFound):
        drawing.pipe(format="svg")
    assert not list(tmp_path.iterdir())  # failed before writing anything
    assert to_dot(out).startswith("digraph")


def test_a_real_tensor_graph_is_drawn_with_shapes_and_summaries():
    import numpy as np

    from autograd import Tensor, nn

    x = Tensor(np.ones((4, 3)), label="x")
    model = nn.Sequential(nn.Linear(3, 5, rng=np.random.default_rng(0)), nn.ReLU(), nn.Linear(5, 2))
    model[0].weight.label = "W1"
    loss = nn.cross_entropy(model(x), np.array([0, 1, 1, 0]))
    loss.label = "loss"
    before = to_dot(loss)
    assert "(4, 3) float64" in before and "(3, 5) float64" in before and "data norm" in before
    assert "grad not computed yet" in before and "not kept" not in before
    assert "grad not requested" in next(line for line in before.splitlines() if "<B>x</B>" in line)
    loss.backward()
    after = to_dot(loss)
    w_box = next(line for line in after.splitlines() if "<B>W1</B>" in line)
    assert "grad norm" in w_box and "not computed" not in w_box  # a leaf: its gradient is shown
    assert "grad not kept" in after and "grad not computed yet" not in after  # intermediates are not kept
    assert after.count("affine") >= 2 and "CE" in after


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_a_value_used_sixty_times_lays_out_quickly():
    """x + x + ... (60 uses of x): without a bound on dot's effort this took minutes (found by the CLI's tests)."""
    import time

    x = Value(1.0, label="x")
    f = x
    for _ in range(59):
        f = f + x
    f.backward()
    started = time.perf_counter()
    svg = draw_dot(f).pipe(format="svg")
    assert b"<svg" in svg and time.perf_counter() - started < 30
