"""The graph explorer as a user meets it: headless Debian Chromium, driven by Selenium, on the demo's graph.

The page is `autograd.viz.explore(loss, path)` of the demo's MLP(2, [16, 16, 1])
on 100 points (68,818 values). Each test acts as a user would (clicking a
folded module, clicking an open module's frame, typing in the search box,
hovering a box or an edge, switching to the gradient flow) and compares what
the page shows -- the exact numbers of the boxes' ``data-value`` and of the
hover panel -- with the graph's ``.data`` and ``.grad``, and the gradients on
the edges with a backward pass of `autograd.graph.backpropagate` recorded edge
by edge. A screenshot of each state checked goes to test-artifacts/explorer-*.png
(or $AUTOGRAD_TEST_ARTIFACTS).

Needs the Debian packages chromium and chromium-driver (`make test` installs
them when run as root); without them these tests are skipped, and pytest's
summary (-ra) says why. The layout runs in the page (Viz.js), so Graphviz's
own dot is not needed.
"""

import math
import os
import random
import re
import time
from pathlib import Path

import pytest

from autograd import Value, nn
from autograd.cli.demo import loss_and_accuracy
from autograd.data import make_moons
from autograd.explain.grouping import ModuleTree
from autograd.graph import backpropagate, walk
from autograd.value import Constant
from autograd.viz import Explorer as ExplorerPage
from autograd.viz import explore
from tests.fixtures.chromium import missing_programs, start_chromium

ARTIFACTS = Path(os.environ.get("AUTOGRAD_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))
PROBE = "probe"  # the label the test gives one value inside layers.0.neurons.0, to search for

missing = missing_programs()
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"browser test needs {', '.join(missing)}; `make test` installs them when run as root")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's graph after backward(), one value labelled PROBE, and its explorer page on disk."""
    X, y = make_moons(100, noise=0.1, seed=0)
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    loss, _ = loss_and_accuracy(model, X.tolist(), y.tolist())
    loss.backward()
    nodes = walk(loss)
    tree = ModuleTree(loss, nodes)
    neuron = [s.path for s in tree.scopes].index("layers.0.neurons.0")
    probe = next(i for i in tree.members[neuron] if nodes[i].op == "relu")
    nodes[probe].label = PROBE
    page = explore(loss, tmp_path_factory.mktemp("explorer") / "demo.html")
    # (the model stays referenced: the tree finds a module's parameters through it)
    return {"model": model, "loss": loss, "nodes": nodes, "tree": tree, "probe": probe, "page": page}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


class Explorer:
    """The page object: the explorer page in the browser, and what a user does with it."""

    def __init__(self, driver):
        self.driver = driver

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def state(self):
        return self.js("return document.getElementById('explorer').getAttribute('data-state')")

    def ready(self, timeout=120) -> float:
        """Wait until the view is drawn; the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            state = self.state()
            assert state != "error", self.status()
            if state == "ready":
                return time.monotonic() - started
            time.sleep(0.02)
        raise AssertionError(f"the explorer did not finish drawing in {timeout} s: {self.status()}")

    def after(self, act, timeout=120) -> float:
        """Do `act` (a click, ...), then wait for the drawing it starts to finish; the seconds it all took."""
        self.js("document.getElementById('explorer').setAttribute('data-state', 'acting')")
        started = time.monotonic()
        act()  # (the browser may be laying out already when this returns)
        self.ready(timeout)
        return time.monotonic() - started

    def status(self):
        return self.js("return document.querySelector('.ex-status').textContent")

    def find(self, css):
        return self.driver.find_element("css selector", css)

    def all(self, css):
        return self.driver.find_elements("css selector", css)

    def scope(self, path) -> int:
        return self.js("return autogradExplorer.tree.scopes.findIndex((s) => s.path === arguments[0])", path)

    def open_set(self) -> set[int]:
        return set(self.js("return [...autogradExplorer.open]"))

    def shown(self, node_id, field) -> str:
        return self.find(f'g[data-node="{node_id}"] text.{field}').get_attribute("data-value")

    def hover(self, element):
        from selenium.webdriver import ActionChains

        ActionChains(self.driver).move_to_element(element).perform()

    def fit(self):
        self.find('.graph-zoom button[title="show the whole graph"]').click()

    def hover_line(self, edge):
        """Move the mouse onto the middle of an edge's line (the middle of its box may be off the curve)."""
        from selenium.webdriver.common.action_chains import ActionBuilder

        x, y = self.js("""const path = arguments[0].querySelector('path');
            const p = path.getPointAtLength(path.getTotalLength() / 2).matrixTransform(path.getScreenCTM());
            return [Math.round(p.x), Math.round(p.y)];""", edge)
        actions = ActionBuilder(self.driver)
        actions.pointer_action.move_to_location(x, y)
        actions.perform()

    def panel(self, field) -> str:
        return self.find(f'.ex-panel td[data-field="{field}"]').get_attribute("data-value")

    def screenshot(self, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert self.driver.save_screenshot(str(ARTIFACTS / f"explorer-{name}.png"))

    def back_to_top(self):
        self.after(lambda: self.js("autogradExplorer.setMode('forward'); autogradExplorer.top()"))


@pytest.fixture(scope="module")
def opened(browser, demo):
    page = Explorer(browser)
    started = time.monotonic()
    browser.get(demo["page"].as_uri())
    page.ready()
    first = time.monotonic() - started
    print(f"\nexplorer: first drawing of {len(demo['nodes']):,} values {first:.2f} s after the page was asked for "
          f"({page.status()})")
    return page


@pytest.fixture()
def page(opened):
    opened.back_to_top()
    return opened


def test_it_opens_folded_at_the_top_level(page, demo):
    tree = demo["tree"]
    outermost = tree.scopes.index(next(s for s in tree.scopes if s.depth == 1 and s.kind == "MLP"))
    layers = [tree.scopes[k].path for k in tree.children[outermost]]
    assert layers == ["layers.0", "layers.1", "layers.2"]
    # The MLP is an open frame; its layers are folded boxes, saying what they hold.
    assert page.all(f'g[data-cluster="c{outermost}"]')
    for path in layers:
        k = page.scope(path)
        text = page.find(f'g[data-node="m{k}"]').text
        assert tree.scopes[k].title in text and f"{tree.sizes[k]:,} values" in text
    # The output is drawn as itself, with its numbers, exact.
    root = len(demo["nodes"]) - 1
    assert float(page.shown(f"n{root}", "data")) == demo["loss"].data
    assert float(page.shown(f"n{root}", "grad")) == demo["loss"].grad
    assert "laid out in" in page.status()
    page.screenshot("1-opened")


def test_expanding_a_layer_and_a_neuron_shows_its_values_and_folding_hides_them(page, demo):
    nodes, tree = demo["nodes"], demo["tree"]
    layer, neuron = page.scope("layers.0"), page.scope("layers.0.neurons.0")
    page.after(lambda: page.find(f'g[data-node="m{layer}"]').click())
    assert layer in page.open_set() and page.all(f'g[data-cluster="c{layer}"]')
    assert len(tree.children[layer]) == 16  # its neurons, each a folded box
    assert all(page.all(f'g[data-node="m{k}"]') for k in tree.children[layer])
    page.screenshot("2-layer-open")

    seconds = page.after(lambda: page.find(f'g[data-node="m{neuron}"]').click())
    layout = page.js("return document.getElementById('explorer').dataset.layoutSeconds")
    print(f"\nexplorer: expanding {tree.scopes[neuron].path} ({tree.sizes[neuron]} values): "
          f"{seconds:.2f} s, of which layout {layout} s ({page.status()})")
    members = tree.members[neuron]
    drawn = {g.get_attribute("data-node") for g in page.all("g[data-node]")}
    assert {f"n{i}" for i in members} <= drawn
    for i in members[::50]:  # every value of the neuron is drawn; its numbers are the graph's, exact
        assert float(page.shown(f"n{i}", "data")) == nodes[i].data
        if isinstance(nodes[i], Constant):  # an input number: no gradient, and the box says so
            shown = page.find(f'g[data-node="n{i}"] text.grad').get_attribute("textContent")
            assert shown.endswith("none (a constant)")
        else:
            assert float(page.shown(f"n{i}", "grad")) == nodes[i].grad
    assert any(isinstance(nodes[i], Constant) for i in members[::50])  # (the check above met one)
    page.screenshot("3-neuron-open")

    page.fit()  # (the title is out of view)
    page.after(lambda: page.find(f'g[data-cluster="c{neuron}"] > text').click())  # its frame's title
    assert neuron not in page.open_set() and page.all(f'g[data-node="m{neuron}"]')
    assert not page.all(f'g[data-node="n{members[0]}"]')
    page.screenshot("4-neuron-folded")


def test_searching_a_label_opens_the_modules_around_it_and_marks_it(page, demo):
    probe, node = demo["probe"], demo["nodes"][demo["probe"]]
    box = page.find(".ex-search")
    box.send_keys(PROBE)
    (match,) = page.all(".ex-matches button")  # one value has that label, and no module
    assert match.get_attribute("data-match") == f"n{probe}" and "layers.0.neurons.0" in match.text
    page.after(match.click)
    box.clear()
    g = page.find(f'g[data-node="n{probe}"]')
    assert "selected" in g.get_attribute("class")
    assert page.shown(f"n{probe}", "label") == PROBE
    assert float(page.shown(f"n{probe}", "data")) == node.data
    assert {page.scope("layers.0"), page.scope("layers.0.neurons.0")} <= page.open_set()
    page.screenshot("5-search")


def test_hovering_a_box_shows_its_exact_numbers(page, demo):
    probe, node = demo["probe"], demo["nodes"][demo["probe"]]
    page.after(lambda: page.js("autogradExplorer.reveal({node: arguments[0]})", probe))
    page.js("autogradExplorer.selected = null")  # (so the panel follows the mouse only)
    page.hover(page.find(f'g[data-node="n{probe}"]'))
    assert page.find(".ex-panel").get_attribute("data-for") == f"n{probe}"
    assert float(page.panel("data")) == node.data and float(page.panel("grad")) == node.grad
    assert page.panel("operation") == "relu" and page.panel("module") == "layers.0.neurons.0"
    page.screenshot("6-hover-value")
    layer = page.scope("layers.1")
    page.fit()
    page.hover(page.find(f'g[data-node="m{layer}"]'))
    assert page.panel("module") == "layers.1"
    assert page.panel("values") == str(demo["tree"].sizes[layer])
    assert math.isclose(float(page.panel("grad_norm")), demo["tree"].gradient_norm(layer), rel_tol=1e-15)
    page.screenshot("6-hover-module")


def contributions(loss):
    """{(id(node), input position): the gradient node sent into that input}, by the engine's backward pass."""
    sent = {}

    def record(node, position, upstream, local, contribution, before, total):
        sent[(id(node), position)] = float(contribution)

    backpropagate(loss, 1.0, on_edge=record)
    return sent


def test_the_gradient_flow_view_carries_what_each_value_sent_into_each_input(page, demo):
    nodes, tree, probe = demo["nodes"], demo["tree"], demo["probe"]
    sent = contributions(demo["loss"])
    # At the top level: a bundle between two folded modules carries the sum of what crossed.
    page.after(lambda: page.find('.ex-modes button[data-mode="flow"]').click())
    assert page.js("return document.getElementById('explorer').dataset.mode") == "flow"
    open_ = page.open_set()
    box = [tree.box_of(i, open_) for i in range(len(nodes))]
    index = tree.index
    edges = [g for g in page.all("g[data-edge]") if g.get_attribute("data-from").startswith("m")
             and g.get_attribute("data-to").startswith("m")]
    assert edges
    for g in edges:
        source, target = (("scope", int(g.get_attribute(a)[1:])) for a in ("data-from", "data-to"))
        expected = sum(sent[(id(n), p)] for i, n in enumerate(nodes) if box[i] == target
                       for p, parent in enumerate(n.parents) if box[index[id(parent)]] == source)
        assert math.isclose(float(g.get_attribute("data-flow")), expected, rel_tol=1e-9, abs_tol=1e-15)
    page.screenshot("7-flow-top")

    # Inside an open neuron: the edge from the probe into its input carries exactly that product.
    page.after(lambda: page.js("autogradExplorer.reveal({node: arguments[0]})", probe))
    g = page.find(f'g[data-edge="n{probe}-in0"]')
    assert float(g.get_attribute("data-flow")) == sent[(id(nodes[probe]), 0)]
    assert g.get_attribute("data-from") == f"n{index[id(nodes[probe].parents[0])]}"
    page.hover_line(g)
    assert page.find(".ex-panel").get_attribute("data-for") == f"n{probe}-in0"
    assert float(page.find('.ex-panel td[data-field="gradient sent back"]').text) == sent[(id(nodes[probe]), 0)]
    page.screenshot("8-flow-neuron")


def test_a_view_slow_to_lay_out_is_asked_for_first_and_can_be_cancelled(page, demo):
    tree = demo["tree"]
    layer, neuron = page.scope("layers.1"), page.scope("layers.1.neurons.0")
    page.after(lambda: page.find(f'g[data-node="m{layer}"]').click())
    page.fit()
    page.js("document.getElementById('explorer').setAttribute('data-state', 'acting')")
    page.find(f'g[data-node="m{neuron}"]').click()  # 3,317 values: some 6,500 boxes for Graphviz
    deadline = time.monotonic() + 20
    while page.state() != "asking" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert page.state() == "asking", page.status()
    assert "boxes: laying it out takes about" in page.status()
    page.screenshot("10-asking-before-a-slow-layout")
    page.after(lambda: page.find(".ex-slow-cancel").click())
    assert neuron not in page.open_set() and layer in page.open_set()
    assert page.all(f'g[data-node="m{neuron}"]') and tree.sizes[neuron] > 3000


def test_the_page_fetches_nothing_from_the_network(opened, demo):
    html = demo["page"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"""<(link|img|iframe)[^>]*(src|href)=["'](?!data:)""", html, re.IGNORECASE)
    loaded = opened.js("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert [name for name in loaded if re.match(r"(https?|wss?):", name)] == []


def test_a_small_graph_outside_modules_is_drawn_whole_also_in_a_notebook_iframe(browser, tmp_path):
    """No module at all: every value is a box. Shown as Jupyter shows it: `_repr_html_`, a sandboxed iframe.

    (Last in this file: it takes the browser away from the demo's page.)
    """
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    f.backward()
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!DOCTYPE html><html><body>{ExplorerPage(f)._repr_html_()}</body></html>", encoding="utf-8")
    browser.get(notebook.as_uri())
    browser.switch_to.frame(browser.find_element("css selector", "iframe"))
    try:
        page = Explorer(browser)
        page.ready()
        for i, node in enumerate(walk(f)):
            assert float(page.shown(f"n{i}", "data")) == node.data
            assert float(page.shown(f"n{i}", "grad")) == node.grad
        assert not page.all("g[data-cluster]") and not page.all('g[data-node^="m"]')
        page.screenshot("9-small-graph-in-an-iframe")
    finally:
        browser.switch_to.default_content()


def test_a_tensor_model_shows_shapes_on_its_edges_and_why_a_gradient_is_missing(browser, tmp_path):
    """A tensor graph: edges carry the shape and dtype that crosses; intermediates' grads read "not kept"."""
    import numpy as np

    from autograd import Tensor

    generator = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 5, rng=generator), nn.ReLU(), nn.Linear(5, 2, rng=generator))
    loss = (model(Tensor(generator.standard_normal((4, 3)))) ** 2).sum()
    loss.backward()
    browser.get(explore(loss, tmp_path / "tensor.html").as_uri())
    page = Explorer(browser)
    page.ready()
    edges = page.js("return [...document.querySelectorAll('g[data-edge] text')].map((t) => t.textContent)")
    assert "(4, 3) float64" in edges and "(4, 5) float64" in edges and "(4, 2) float64" in edges
    linear = page.find(f'g[data-node="m{page.scope("layers.0")}"]').text
    assert "weight (3, 5) float64" in linear and "bias (5,) float64" in linear
    nodes = walk(loss)
    output = len(nodes) - 1
    assert page.shown(f"n{output}", "grad") in ("not kept", "grad not kept")
    page.screenshot("11-tensor-model")
