"""Drawings grouped by module: clusters, folded boxes, ×N repeats, tensor shapes, the too-large warning.

Checked on the DOT text (no Graphviz program needed), against what the graph itself says:
the module paths of `autograd.scopes`, the values that cross a module's border, the
gradients of its parameters.
"""

import os
import random
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from autograd import Tensor, nn, scope
from autograd.explain import drawing
from autograd.explain.grouping import LOOSE_LIMIT, OUTSIDE, ModuleTree
from autograd.scopes import module_path
from autograd.viz import DrawingTooLarge, draw_dot, to_dot, walk


def mlp_loss(points=3, sizes=(4, 4, 1), seed=0):
    random.seed(seed)
    model = nn.MLP(2, list(sizes))
    rng = random.Random(seed + 1)
    outputs = [model([rng.uniform(-1, 1), rng.uniform(-1, 1)]) for _ in range(points)]
    with scope("loss"):  # (a module called inside the block would be named under it: loss.MLP)
        loss = sum((out - 1.0) ** 2 for out in outputs)
    loss.backward()
    return model, loss


def clusters(source: str) -> dict[str, str]:
    """{cluster name: its label}."""
    found = {}
    for match in re.finditer(r"subgraph (cluster_\d+) \{\n(.*?)\n", source):
        label = re.search(r'label=(?:"([^"]*)"|([^\s\]]+))', match.group(2))  # (quoted only when it must be)
        found[match.group(1)] = (label.group(1) or label.group(2)) if label else ""
    return found


def cluster_of_each_node(source: str) -> dict[str, str | None]:
    """{DOT node name: the innermost cluster it is declared in}."""
    where, stack = {}, []
    for line in source.splitlines():
        line = line.strip()
        opened = re.match(r"subgraph (cluster_\d+) \{", line)
        if opened:
            stack.append(opened.group(1))
        elif line == "}":
            if stack:
                stack.pop()
        else:
            node = re.match(r"(n\d+|m\d+)(op)? \[", line)
            if node:
                where[node.group(0)[:-2].strip()] = stack[-1] if stack else None
    return where


def module_box(source: str, name: str) -> str:
    return re.search(rf"^\s*{name} \[label=<(.*?)> ", source, re.M | re.S).group(1)


def edges(source: str) -> list[tuple[str, str, str]]:
    """(from, to, attributes) of every edge."""
    return re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)


def test_every_module_is_a_cluster_titled_by_its_path_holding_its_values():
    model, loss = mlp_loss(points=1, sizes=(2, 1))
    graph = draw_dot(loss, group="module", max_nodes=None)
    titles = set(clusters(graph.source).values())
    assert titles == {"MLP", "layers.0 (Layer)", "layers.0.neurons.0 (Neuron)", "layers.0.neurons.1 (Neuron)",
                      "layers.1 (Layer)", "layers.1.neurons.0 (Neuron)", "loss"}
    label_of = clusters(graph.source)
    where = cluster_of_each_node(graph.source)
    for node in walk(loss):
        name = graph.node_ids[id(node)]
        path = module_path(node)
        title = label_of[where[name]] if where[name] else None
        assert title is not None and (title == path or title.startswith(f"{path} (") or (path == "" and title == "MLP"))


def crossing(loss, inside: str) -> tuple[set[int], set[int]]:
    """The values that go into and out of the module at path `inside`, read from the graph itself."""
    def within(node):
        path = module_path(node)
        return path is not None and (path == inside or path.startswith(inside + "."))
    into, out_of = set(), set()
    for node in walk(loss):
        for parent in node.parents:
            if within(node) and not within(parent):
                into.add(id(parent))
            if within(parent) and not within(node):
                out_of.add(id(parent))
    return into, out_of


def test_collapse_folds_deeper_modules_into_boxes_whose_edges_are_the_values_crossing():
    model, loss = mlp_loss(points=5, sizes=(4, 4, 1))
    tree = ModuleTree(loss)
    graph = draw_dot(loss, group="module", collapse=1, max_nodes=None)
    source = graph.source
    boxes = {tree.scopes[int(m[1:])].path: m for m in re.findall(r"^\s*(m\d+) \[", source, re.M)}
    assert set(boxes) == {"layers.0", "layers.1", "layers.2"}  # the MLP (depth 1) and the loss are open
    assert set(clusters(source).values()) == {"MLP", "loss"}
    for path, name in boxes.items():
        k = int(name[1:])
        label = module_box(source, name)
        assert f"{tree.sizes[k]:,} values" in label
        inside = [n for n in walk(loss) if (module_path(n) or "").startswith(path)]
        assert tree.sizes[k] == len(inside)
        parameters = [p for n, p in model.named_parameters() if n.startswith(path + ".")]
        assert f"{len(parameters)} parameters" in label
        norm = np.sqrt(sum(p.grad ** 2 for p in parameters))
        assert f"|grad| of parameters {drawing.format_number(norm, '.3g')}" in label
    # layers.0 -> layers.1 carries the 4 neurons' outputs for 5 points: 20 values, as the graph says
    into, _ = crossing(loss, "layers.1")
    from_layer0 = {id(n) for n in walk(loss) if (module_path(n) or "").startswith("layers.0")} & into
    labels = {(a, b): attributes for a, b, attributes in edges(source)}
    assert len(from_layer0) == 20
    assert f'label="{len(from_layer0)} values"' in labels[(boxes["layers.0"], boxes["layers.1"])]
    assert graph.layout_size < len(walk(loss)) / 3


def test_fold_repeats_draws_alike_siblings_once_marked_with_their_number():
    model, loss = mlp_loss(points=2, sizes=(16, 16, 1))
    plain = draw_dot(loss, group="module", collapse=2, max_nodes=None).source
    folded = draw_dot(loss, group="module", collapse=2, max_nodes=None, fold_repeats=True).source
    assert len(re.findall(r"^\s*m\d+ \[", plain, re.M)) == 33
    marks = re.findall(r"<B>Neuron ×(\d+)</B>", folded)
    assert sorted(map(int, marks)) == [16, 16]  # the last layer's one neuron differs, and is drawn alone
    assert "layers.0.neurons.0 … neurons.15" in folded and "layers.2.neurons.0 (Neuron)" in folded
    assert len(re.findall(r"^\s*m\d+ \[", folded, re.M)) == 3


def test_fold_repeats_keeps_apart_modules_that_differ():
    random.seed(0)
    model = nn.MLP(2, [3, 3, 1])
    out = model([0.5, 0.5])
    with scope("loss"):
        loss = out * 1.0
    loss.backward()
    # layers.0's neurons take 2 inputs, layers.1's take 3: never the same box
    folded = draw_dot(loss, group="module", collapse=2, max_nodes=None, fold_repeats=True).source
    assert sorted(map(int, re.findall(r"<B>Neuron ×(\d+)</B>", folded))) == [3, 3]


def tensor_model():
    np.random.seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    x = Tensor(np.random.randn(4, 3))
    out = model(x)
    loss = (out * out).sum()
    loss.backward()
    return model, loss


def test_tensor_edges_carry_shapes_and_dtypes_and_module_boxes_their_parameters():
    model, loss = tensor_model()
    source = draw_dot(loss, max_nodes=None).source
    shapes = {re.search(r'label="([^"]*)"', a).group(1) for _, _, a in edges(source) if "label=" in a}
    assert any("(4, 3) float64" in s for s in shapes) and any("(4, 5) float64" in s for s in shapes)
    grouped = draw_dot(loss, group="module", collapse=1, max_nodes=None).source
    assert "0.weight (3, 5) float64" in grouped or "weight (3, 5) float64" in grouped
    first = module_box(grouped, next(m for m in re.findall(r"^\s*(m\d+) \[", grouped, re.M)
                                     if "Linear" in module_box(grouped, m)))
    assert "(3, 5) float64" in first and "(5,) float64" in first
    # between folded modules too: the one tensor that crosses, by its shape
    between = [a for f, t, a in edges(grouped) if f.startswith("m") and t.startswith("m")]
    assert between and all('label="(4, 5) float64"' in a for a in between)


def test_a_drawing_too_large_warns_before_rendering_and_names_a_collapse_that_fits():
    model, loss = mlp_loss(points=12, sizes=(8, 8, 1))
    with pytest.warns(DrawingTooLarge, match=r"collapse=(\d+)") as caught:
        graph = draw_dot(loss, max_nodes=None)
    assert graph.layout_size > drawing.QUICK_LAYOUT
    depth = int(re.search(r"collapse=(\d+)", str(caught[0].message)).group(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DrawingTooLarge)
        fitting = draw_dot(loss, group="module", collapse=depth, max_nodes=None)
    assert fitting.layout_size <= drawing.QUICK_LAYOUT
    with pytest.warns(DrawingTooLarge):  # and it is the deepest that fits
        draw_dot(loss, group="module", collapse=depth + 1, max_nodes=None)
    # a drawing cut by max_nodes (the default) says what it left out instead, and does not warn;
    # cut at a max_nodes still too large to lay out quickly, it warns
    with warnings.catch_warnings():
        warnings.simplefilter("error", DrawingTooLarge)
        draw_dot(loss)
    with pytest.warns(DrawingTooLarge):
        cut = draw_dot(loss, max_nodes=len(walk(loss)) - 10)
    assert cut.left_out > 0


def test_max_nodes_keeps_a_module_folded_when_opening_it_would_exceed_it():
    model, loss = mlp_loss(points=30, sizes=(4, 4, 1))
    source = draw_dot(loss, group="module", max_nodes=60).source
    tree = ModuleTree(loss)
    loss_scope = next(k for k, s in enumerate(tree.scopes) if s.path == "loss")
    assert len(tree.members[loss_scope]) > 60
    assert "<B>loss</B>" in source  # a folded box, not a cluster
    assert "loss" not in clusters(source).values()
    assert len(re.findall(r"^\s*(n\d+|m\d+) \[", source, re.M)) <= 60


def test_color_by_grad_shades_folded_boxes_by_their_parameters_gradient():
    model, loss = mlp_loss(points=3, sizes=(4, 4, 1))
    source = draw_dot(loss, group="module", collapse=2, max_nodes=None, color="grad").source
    shades = re.findall(r'm\d+ \[label=<<TABLE [^>]*BGCOLOR="(/ylorrd9/\d)"', source)
    assert len(shades) == 9  # every neuron has parameters with a gradient
    assert "color: |grad|, log scale" in source


def test_values_outside_every_module_are_gathered_when_many():
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    outputs = [model([0.1 * i, 0.2]) for i in range(40)]
    loss = sum((o - 1.0) ** 2 for o in outputs)  # about 120 values outside every module
    tree = ModuleTree(loss)
    loose = [n for n in walk(loss) if module_path(n) is None]
    assert len(loose) > LOOSE_LIMIT
    gathered = next(k for k, s in enumerate(tree.scopes) if s.path == OUTSIDE)
    assert tree.sizes[gathered] == len(loose) - 1  # all but the output itself
    source = draw_dot(loss, group="module", collapse=0).source
    assert f"<B>{OUTSIDE}</B>" in source and graph_size(source) <= 4


def graph_size(source: str) -> int:
    return len(re.findall(r"^\s*(n\d+|m\d+) \[", source, re.M))


def test_a_graph_without_modules_grouped_is_the_plain_drawing():
    from autograd import Value
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    y.backward()
    assert sorted(to_dot(y, group="module").splitlines()) == sorted(to_dot(y).splitlines())


@pytest.mark.parametrize("options, message", [
    ({"group": "layers"}, "group"),
    ({"group": "module", "collapse": -1}, "collapse"),
    ({"group": "module", "collapse": 1.5}, "collapse"),
    ({"collapse": 1}, "group='module'"),
    ({"fold_repeats": True}, "group='module'"),
    ({"group": "module", "fold_repeats": "yes"}, "fold_repeats"),
    ({"group": "module", "max_depth": 2}, "max_depth"),
])
def test_bad_grouping_options_name_the_argument(options, message):
    model, loss = mlp_loss(points=1, sizes=(2, 1))
    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        draw_dot(loss, **options)


def test_rendering_a_large_drawing_shows_a_progress_bar(capsys):
    pytest.importorskip("tqdm")
    if not drawing.dot_available():
        pytest.skip("needs Graphviz's dot program")
    model, loss = mlp_loss(points=1, sizes=(2, 1))
    graph = draw_dot(loss, group="module", max_nodes=None)
    graph.layout_size = drawing.PROGRESS_FROM + 1  # as large as a bar is shown for, drawn small to be quick
    svg = graph.pipe(format="svg")
    assert svg.startswith(b"<?xml")
    err = capsys.readouterr().err
    assert f"Graphviz: laying out {drawing.PROGRESS_FROM + 1:,} boxes" in err
    assert "of ~" in err


ARTIFACTS = Path(os.environ.get("AUTOGRAD_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))


def demo_graph():
    """The demo's graph: MLP(2, [16, 16, 1]) over 100 two-moons points, its loss, after backward()."""
    from autograd.cli.demo import loss_and_accuracy
    from autograd.data import make_moons

    X, y = make_moons(100, noise=0.1, seed=0)
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    loss = loss_and_accuracy(model, X.tolist(), y.tolist())[0]
    loss.backward()
    return model, loss


@pytest.mark.parametrize("collapse, fold_repeats", [(1, False), (2, True), (2, False)])
def test_the_demo_graph_folded_at_depth_1_or_2_renders_as_pictures_kept_in_test_artifacts(collapse, fold_repeats):
    if not drawing.dot_available():
        pytest.skip("needs Graphviz's dot program")
    model, loss = demo_graph()
    assert len(walk(loss)) == 68_818
    started = time.perf_counter()
    graph = draw_dot(loss, group="module", collapse=collapse, fold_repeats=fold_repeats)
    svg = graph.pipe(format="svg").decode()
    seconds = time.perf_counter() - started
    print(f"collapse={collapse} fold_repeats={fold_repeats}: {graph.layout_size} boxes, {seconds:.2f} s to SVG")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = f"draw-dot-demo-collapse{collapse}{'-fold-repeats' if fold_repeats else ''}"
    graph.render(ARTIFACTS / name, format="png", cleanup=True)
    # what a reader must find in the picture: the layers (or their neurons), the loss's parts, the output
    assert "68,818 values" in svg and "loss.data" in svg and "loss.regularization" in svg
    if collapse == 1:
        for path in ("layers.0 (Layer)", "layers.1 (Layer)", "layers.2 (Layer)"):
            assert path in svg
    elif fold_repeats:
        assert svg.count("Neuron ×16") == 2 and "layers.2.neurons.0 (Neuron)" in svg
    else:
        assert all(f"layers.1.neurons.{i} (Neuron)" in svg for i in range(16))


def test_a_graph_recorded_under_free_unneeded_is_drawn_saying_which_values_were_freed():
    from autograd.explain.explorer import graph_payload
    from autograd.modes import free_unneeded
    from autograd.tensor import FreedValues

    np.random.seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    with free_unneeded():
        loss = (model(Tensor(np.random.randn(4, 3))) * 2.0).sum()
        loss.backward()
    freed = [n for n in walk(loss) if isinstance(n.data, FreedValues)]
    assert freed, "free_unneeded() freed nothing in this graph: the test shows nothing"
    source = to_dot(loss, max_nodes=None)
    assert source.count("data freed (no backward step reads it") == len(freed)
    payload = graph_payload(loss)
    assert sum(d == drawing.NOT_KEPT_DATA for d in payload["nodes"]["data"]) == len(freed)
