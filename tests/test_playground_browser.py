"""The playground as a learner uses it: headless Debian Chromium, driven by Selenium, against the real server.

One server and one browser serve the module. Each test opens a state by
its share link, acts as a learner would (typing, arrow keys on a slider,
clicks, hovering), and compares every number the drawing shows -- the
``data-value`` of each box, exact -- with ``backward()`` on the same
expression built by hand. A screenshot of each state checked goes to
test-artifacts/ (or $AUTOGRAD_TEST_ARTIFACTS).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from autograd import Value
from autograd.explain import explain
from autograd.expression import parse
from autograd.value import numbers_as_leaves
from autograd.viz import walk
from tests.fixtures.chromium import missing_programs, start_chromium

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("AUTOGRAD_TEST_ARTIFACTS", ROOT / "test-artifacts"))

missing = missing_programs() + (["Graphviz's dot (Debian package graphviz)"] if shutil.which("dot") is None else [])
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"browser test needs {', '.join(missing)}; `make test` installs them when run as root")
pytest.importorskip("tornado", reason="the playground extra: pip install -e '.[playground]'")

EXAMPLE = "tanh(x*w + b) * x + 2*x"
AT = {"x": 0.5, "w": -3.0, "b": 2.0}


@pytest.fixture(scope="module")
def address():
    process = subprocess.Popen([sys.executable, "-m", "autograd", "playground", "--no-browser", "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def link(address, expression, values, output=None):
    fields = {"expr": expression, "values": ",".join(f"{k}:{v}" for k, v in values.items())}
    if output:
        fields["output"] = output
    return f"{address}#{urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)}"


def by_hand(expression, values, output_index=None):
    """The expression built with Values; backward() from the output (the whole, or value number i)."""
    leaves = {name: Value(value, label=name) for name, value in values.items()}
    root = parse(expression).evaluate(leaves)
    numbers_as_leaves(root)  # as the playground does: each number typed is a leaf with a gradient
    root.label = "f"  # the playground's name for the expression's value
    nodes = walk(root)
    output = root if output_index is None else nodes[output_index]
    output.backward()
    return nodes, leaves, output


ROOT_JS = "var r = document.querySelector('.autograd-playground');"


class Page:
    """The page object: the playground's root element (the page's or a notebook widget's) and what it shows."""

    def __init__(self, driver):
        self.driver = driver
        from selenium.webdriver.support.ui import WebDriverWait

        self.wait = lambda condition, timeout=20: WebDriverWait(driver, timeout, poll_frequency=0.05).until(
            lambda _: condition())

    def open(self, url):
        self.driver.get("about:blank")
        self.driver.get(url)
        self.ready()

    def ready(self, timeout=20):
        self.wait(lambda: self.js(ROOT_JS + "return !!(r && r.playground && r.playground.answer()) "
                                  "&& r.dataset.busy === '0'"), timeout)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def find(self, css):
        return self.driver.find_element("css selector", css)

    def idle(self):
        self.wait(lambda: self.js(ROOT_JS + "return r.dataset.busy === '0'"))

    def answer(self):
        return self.js(ROOT_JS + "return r.playground.answer()")

    def shown(self, node_id, field):
        text = self.find(f'g[data-node="{node_id}"] text.{field}')
        return text.get_attribute("textContent"), text.get_attribute("data-value")

    def node_id(self, name):
        return next(node["id"] for node in self.answer()["nodes"] if node["name"] == name)

    def screenshot(self, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert self.driver.save_screenshot(str(ARTIFACTS / f"playground-{name}.png"))

    def press(self, css, key, times):
        element = self.find(css)
        for _ in range(times):
            element.send_keys(key)

    def assert_numbers_match(self, expression, values, output_index=None):
        """Every box shows exactly the data of backward()'s graph, and d output/d value where a path leads."""
        nodes, leaves, output = by_hand(expression, values, output_index)
        reached = {id(n) for n in walk(output)}
        for i, node in enumerate(nodes):
            text, value = self.shown(f"v{i}", "data")
            assert float(value) == node.data and text == f"data {node.data:.4g}"
            text, value = self.shown(f"v{i}", "grad")
            if id(node) in reached:
                assert float(value) == node.grad and text == f"grad {node.grad:.4g}", (i, text, node)
            else:
                assert value == "" and text == "grad –"
        for name, leaf in leaves.items():
            cell = self.find(f'tr[data-name="{name}"] .pg-input-grad')
            assert float(cell.get_attribute("data-value")) == leaf.grad
        return nodes, leaves, output


@pytest.fixture(scope="module")
def page(browser):
    return Page(browser)


def test_type_an_expression_see_its_graph_and_a_syntax_error_keeps_it(page, address):
    page.open(address)  # the command line's state: tanh(x*w + b) at x=0.5, w=-3, b=2
    page.assert_numbers_match("tanh(x*w + b)", AT)
    page.screenshot("1-opened")
    box = page.find("input.pg-expression")
    box.clear()
    box.send_keys(EXAMPLE)
    page.wait(lambda: page.answer()["expression"] == EXAMPLE)
    page.idle()
    page.assert_numbers_match(EXAMPLE, AT)
    layout = page.find("#playground").get_attribute("data-layout")

    box.send_keys(" * (")  # a syntax error: said under the input, at its column; the graph stays
    page.wait(lambda: page.find(".pg-error").is_displayed())
    error = page.find(".pg-error")
    assert "never closed" in error.text and error.get_attribute("data-column") == str(len(EXAMPLE) + 4)
    assert page.find(".pg-error-caret").text.splitlines()[1] == " " * (len(EXAMPLE) + 3) + "^"
    assert page.find("#playground").get_attribute("data-layout") == layout
    page.assert_numbers_match(EXAMPLE, AT)
    page.screenshot("2-syntax-error")
    assert page.js("return performance.getEntriesByType('resource').every("
                   "e => e.name.startsWith(location.origin))")  # nothing from elsewhere: works offline


def test_moving_a_slider_updates_every_value_and_gradient_in_place(page, address):
    page.open(link(address, EXAMPLE, AT))
    svg_before = page.find(".graph-stage svg")
    slider = page.find('input.pg-slider[data-name="w"]')
    from selenium.webdriver.common.keys import Keys

    for _ in range(25):  # the arrow keys move it by its step, 0.01: an input event each
        slider.send_keys(Keys.ARROW_RIGHT)
    page.wait(lambda: page.answer()["values"]["w"] == pytest.approx(-2.75))
    page.idle()
    values = page.answer()["values"]
    assert values["w"] == float(page.find('input.pg-number[data-name="w"]').get_attribute("value"))
    page.assert_numbers_match(EXAMPLE, values)
    assert page.find(".graph-stage svg") == svg_before  # the same drawing: only the numbers changed
    timings = page.js("return document.getElementById('playground').playground.timings")
    assert timings and all(t >= 0 for t in timings)
    page.screenshot("3-slider-moved")


def test_click_a_node_to_read_the_inspector_and_hover_an_edge(page, address):
    page.open(link(address, EXAMPLE, AT))
    nodes, leaves, output = by_hand(EXAMPLE, AT)
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(page.driver).move_to_element(page.find('g[data-node="v0"] text.label')).click().perform()  # x
    page.wait(lambda: page.find(".pg-inspector").is_displayed() and page.answer().get("paths") is not None)
    page.idle()
    inspector = page.find(".pg-inspector")
    assert inspector.find_element("css selector", ".pg-inspect-name").text == "x"
    gradient = inspector.find_element("css selector", ".pg-inspect-grad").get_attribute("data-value")
    assert float(gradient) == leaves["x"].grad
    paths = inspector.find_elements("css selector", ".pg-paths li")
    assert len(paths) == 3  # x is used three times: three paths from f
    products = [float(p.get_attribute("data-value")) for p in paths]
    assert sum(products) == pytest.approx(leaves["x"].grad, rel=1e-14)
    assert inspector.find_element("css selector", ".pg-paths-sum").text.endswith(f"= {leaves['x'].grad:.4g}")

    ActionChains(page.driver).move_to_element(page.find('g[data-node="v5"] text.label')).click().perform()  # tanh
    page.wait(lambda: page.find(".pg-inspector").get_attribute("data-node") == "v5")
    page.idle()
    tanh = nodes[5]
    (local,) = inspector.find_elements("css selector", ".pg-locals li")
    assert local.text == f"d tanh(n2)/dn2 = 1 - tanh(n2)^2 = 1 - tanh(0.5)^2 = {1 - tanh.data ** 2:.4g}"
    assert float(local.get_attribute("data-value")) == 1 - tanh.data * tanh.data
    assert float(page.find(".pg-inspector .pg-inspect-grad").get_attribute("data-value")) == tanh.grad
    page.js("arguments[0].dispatchEvent(new MouseEvent('mouseenter', {clientX: 300, clientY: 300}))",
            page.find(".pg-paths li"))  # hovering a path marks its edges
    assert "path" in page.find('g[data-edge="v6-in0"]').get_attribute("class")

    edge = page.find('g[data-edge="v5-in0"] path')  # tanh's input edge: upstream x local = contribution
    ActionChains(page.driver).move_to_element(edge).perform()
    page.wait(lambda: page.find(".pg-tooltip").is_displayed())
    upstream, local_value = tanh.grad, 1 - tanh.data * tanh.data
    assert page.find(".pg-tooltip").text.startswith(
        f"df/dn3 × dn3/dn2 = {upstream:.4g} × {local_value:.4g} = {upstream * local_value:.4g}")
    page.screenshot("4-inspector-and-edge")


def test_any_node_can_be_made_the_output(page, address):
    page.open(link(address, EXAMPLE, AT))
    page.find('g[data-node="v5"] text.label').click()  # n3 = tanh(n2)
    page.wait(lambda: page.find(".pg-make-output").is_displayed())
    page.find(".pg-make-output").click()
    page.wait(lambda: page.answer()["output"] == "v5")
    page.idle()
    page.assert_numbers_match(EXAMPLE, AT, output_index=5)
    assert page.find("#playground").get_attribute("data-output") == "v5"
    assert "output=v5" in page.driver.current_url  # the address holds the choice
    page.screenshot("5-output-chosen")


def step_to_end(page, check_each):
    last = int(page.find(".pg-counter").text.rsplit(" ", 1)[1])
    for k in range(1, last + 1):
        page.find("button.pg-step-next").click()
        assert page.find("#playground").get_attribute("data-step") == str(k)
        check_each(k)
    assert not page.find("button.pg-step-next").is_enabled()
    return last


def test_step_through_the_forward_pass_the_reverse_pass_and_forward_mode(page, address):
    page.open(link(address, EXAMPLE, AT))
    nodes, leaves, output = by_hand(EXAMPLE, AT)
    trace = explain(output)

    page.find("button.pg-mode-forward").click()
    page.idle()  # the steps of the passes are asked for when a stepping mode opens
    assert page.shown("v9", "data")[0] == "data ?" and page.shown("v0", "data")[1] == "0.5"
    forward = page.answer()["forward"]

    def forward_step(k):
        node = forward[k - 1]["node"]
        assert float(page.shown(node, "data")[1]) == nodes[int(node[1:])].data
        assert page.find(".pg-explanation").text.startswith(f"Forward {k}/{len(forward)}: ")
    assert step_to_end(page, forward_step) == len(trace.forward)
    page.screenshot("6-forward-pass")

    page.find("button.pg-mode-reverse").click()
    page.idle()  # the steps of the passes are asked for when a stepping mode opens
    assert page.shown("v0", "grad")[0] == "grad ?" and page.shown("v9", "grad")[0] == "grad 1"

    def backward_step(k):
        step = trace.backward[k - 1]
        parent = f"v{nodes.index(step.parent)}"
        assert float(page.shown(parent, "grad")[1]) == step.total
        edge = page.find(f'g[data-edge="v{nodes.index(step.node)}-in{step.position}"]')
        assert "current" in edge.get_attribute("class")
    assert step_to_end(page, backward_step) == len(trace.backward)
    for name, leaf in leaves.items():
        assert float(page.shown(page.node_id(name), "grad")[1]) == leaf.grad
    page.screenshot("7-reverse-pass")

    from selenium.webdriver.support.ui import Select

    page.find("button.pg-mode-tangent").click()
    Select(page.find("select.pg-tangent-input")).select_by_value("w")
    page.wait(lambda: (page.answer().get("tangent") or {}).get("input") == "w")
    page.idle()
    assert page.shown("v1", "grad")[0] == "d/dw 1" and page.shown("v0", "grad")[0] == "d/dw 0"
    step_to_end(page, lambda k: None)
    assert float(page.shown("v9", "grad")[1]) == pytest.approx(leaves["w"].grad, rel=1e-14)
    assert "one per input" in page.find(".pg-explanation").text
    page.screenshot("8-forward-mode")


def test_practice_mode_says_right_and_wrong_and_keeps_score(page, address):
    page.open(link(address, "x*y + y", {"x": 2.0, "y": 3.0}))
    page.find("button.pg-mode-practice").click()
    page.idle()  # the steps of the passes are asked for when a stepping mode opens
    trace = explain(by_hand("x*y + y", {"x": 2.0, "y": 3.0})[2])
    guess = page.find("input.pg-guess")
    guess.send_keys(str(trace.backward[0].total))  # right
    page.find("button.pg-answer").click()
    assert page.find("#playground").get_attribute("data-last-verdict") == "right"
    assert page.find(".pg-feedback").text.startswith("Right")
    assert page.find("#playground").get_attribute("data-score") == "1/1"
    page.find("button.pg-next-question").click()
    guess.send_keys(str(trace.backward[1].total + 1))  # wrong
    guess.send_keys("\n")
    assert page.find("#playground").get_attribute("data-last-verdict") == "wrong"
    feedback = page.find(".pg-feedback").text
    assert feedback.startswith("Not quite") and trace.step_text(trace.backward[1]) in feedback
    assert page.find(".pg-score").text == "Score: 1 right of 2"
    page.screenshot("9-practice")


def test_check_descend_share_and_export(page, address):
    values = {"x": 0.5, "w": -3.0, "b": 2.0}
    page.open(link(address, EXAMPLE, values))
    nodes, leaves, output = by_hand(EXAMPLE, values)
    page.find("button.pg-check-button").click()
    page.wait(lambda: page.answer().get("check") is not None)
    page.idle()
    for name, leaf in leaves.items():
        cell = page.find(f'tr[data-name="{name}"] .pg-input-check')
        assert float(cell.get_attribute("data-value")) == pytest.approx(leaf.grad, rel=1e-6) and "✓" in cell.text
    assert "agree" in page.find(".pg-check-verdict").text

    page.find("button.pg-descend-10").click()
    page.wait(lambda: len(json.loads(page.find("#playground").get_attribute("data-losses") or "[]")) == 11)
    losses = json.loads(page.find("#playground").get_attribute("data-losses"))
    assert losses[0] == output.data and losses[-1] < losses[0]
    moved = page.answer()["values"]
    page.assert_numbers_match(EXAMPLE, moved)
    page.screenshot("10-check-and-descend")

    page.find("button.pg-link-button").click()
    shared = page.find("input.pg-link").get_attribute("value")
    assert re.search(r"#expr=.*&values=", shared)
    page.find("button.pg-export-svg").click()
    assert page.find("#playground").get_attribute("data-exported") == "graph.svg"
    svg = fetch_download(page)
    assert svg.startswith("<?xml") and 'data-node="v0"' in svg
    page.find("button.pg-export-html").click()
    page.wait(lambda: page.find("#playground").get_attribute("data-exported") == "chain-rule-stepper.html")
    assert 'class="autograd-stepper"' in fetch_download(page)

    page.open(shared)  # a teacher's link opens the same state
    assert page.find("input.pg-expression").get_attribute("value") == EXAMPLE
    assert page.answer()["values"] == moved
    page.assert_numbers_match(EXAMPLE, moved)
    page.screenshot("11-shared-link")


def fetch_download(page) -> str:
    return page.driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(document.querySelector('a.pg-download').href).then(r => r.text()).then(done);")
