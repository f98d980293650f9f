"""The chain-rule stepper in a real browser: headless Debian Chromium, driven by Selenium.

Needs the Debian packages chromium, chromium-driver and graphviz (`make test`
installs them when run as root). Without them these tests are skipped, and
pytest's summary (-ra) says why. Selenium is told where the driver and the
browser are, so it never tries to download either.

A screenshot of the finished stepper is kept in test-artifacts/ (or in
$AUTOGRAD_TEST_ARTIFACTS).
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from autograd import Value
from autograd.explain import explain
from tests.fixtures.chromium import missing_programs, start_chromium

ARTIFACTS = Path(os.environ.get("AUTOGRAD_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))

missing = missing_programs() + (["Graphviz's dot (Debian package graphviz)"] if shutil.which("dot") is None else [])
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"browser test needs {', '.join(missing)}; `make test` installs them when run as root")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), 1400, 1000)
    yield driver
    driver.quit()


def example():
    """f = tanh(x*w + b) * x + 2 * x: x is used three times, and 2 is a constant."""
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    f = (x * w + b).tanh() * x + 2 * x
    f.label = "f"
    return f, (x, w, b)


class Stepper:
    """The page object: one stepper <div>, its steps and its graph."""

    def __init__(self, driver, element):
        self.driver, self.element = driver, element
        self.data = json.loads(self.js("return arguments[0].querySelector('script.stepper-data').textContent"))
        self.prefix = element.get_attribute("id") + "-"

    def js(self, script):
        return self.driver.execute_script(script, self.element)

    def click(self, button):
        self.element.find_element("css selector", f"button.{button}").click()

    def step(self) -> int:
        return int(self.element.get_attribute("data-step"))

    def svg_id(self, name) -> str:
        (found,) = [key for key, node in self.data["nodes"].items() if node["name"] == name]
        return found

    def shown(self, svg_id, field) -> tuple[str, str]:
        text = self.element.find_element("css selector", f'[id="{self.prefix}{svg_id}"] text.{field}')
        return text.get_attribute("textContent"), text.get_attribute("data-value")

    def classes(self, svg_id) -> str:
        return self.element.find_element("css selector", f'[id="{self.prefix}{svg_id}"]').get_attribute("class")


def open_stepper(browser, path, index=0) -> Stepper:
    browser.get(path.as_uri())
    return Stepper(browser, browser.find_elements("css selector", "div.autograd-stepper")[index])


def test_clicking_through_every_step_ends_with_each_leafs_grad(browser, tmp_path):
    f, leaves = example()
    f.backward()
    trace = explain(f)
    stepper = open_stepper(browser, trace.to_html(tmp_path / "stepper.html"))
    steps = stepper.data["steps"]
    assert len(steps) == 1 + len(trace.forward) + 1 + len(trace.backward)

    # before the forward pass: inputs known, everything else a question mark
    assert stepper.step() == 0
    for leaf in leaves:
        assert stepper.shown(stepper.svg_id(leaf.label), "data") == (f"data {leaf.data:.4g}", repr(leaf.data))
    assert stepper.shown(stepper.svg_id("f"), "data")[0] == "data ?"
    assert all(stepper.shown(key, "grad")[0] == "grad ?" for key in stepper.data["nodes"])

    for k in range(1, len(steps)):
        stepper.click("next")
        assert stepper.step() == k
        step = steps[k]
        if step["kind"] == "forward":
            assert stepper.shown(step["node"], "data") == (step["data"], step["value"])
        else:  # the seed, then one edge per step: the parent's grad so far is filled in
            target = step.get("parent", step["node"])
            assert stepper.shown(target, "grad") == (step["grad"], step["value"])
        for edge in step.get("edges", []):
            assert "current" in stepper.classes(edge)
        explanation = stepper.element.find_element("css selector", ".explanation").get_attribute("textContent")
        assert explanation == step["text"]

    # the end: every leaf shows exactly its .grad
    for leaf in leaves:
        text, value = stepper.shown(stepper.svg_id(leaf.label), "grad")
        assert text == f"grad {leaf.grad:.4g}" and float(value) == leaf.grad
    assert not stepper.element.find_element("css selector", "button.next").is_enabled()
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # fetched nothing
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "stepper-final.png"))


def test_previous_and_first_undo_exactly(browser, tmp_path):
    f, (x, w, b) = example()
    trace = explain(f)
    stepper = open_stepper(browser, trace.to_html(tmp_path / "stepper.html"))
    stepper.click("last")
    last = len(stepper.data["steps"]) - 1
    final_step = trace.backward[-1]
    parent = stepper.data["steps"][last]["parent"]
    assert stepper.shown(parent, "grad")[1] == repr(final_step.total)
    stepper.click("previous")
    assert stepper.step() == last - 1
    expected = "?" if final_step.before is None else trace.number(final_step.before)
    assert stepper.shown(parent, "grad")[0] == f"grad {expected}"
    stepper.click("first")
    assert stepper.step() == 0 and stepper.shown(stepper.svg_id("f"), "data")[0] == "data ?"


def test_play_runs_to_the_end(browser, tmp_path):
    f, leaves = example()
    f.backward()
    stepper = open_stepper(browser, explain(f).to_html(tmp_path / "stepper.html"))
    stepper.js("var s = arguments[0].querySelector('select.speed'); s.value = s.options[2].value;")  # fast
    stepper.click("play")
    last = len(stepper.data["steps"]) - 1
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20, poll_frequency=0.1).until(lambda _: stepper.step() == last)
    for leaf in leaves:
        assert float(stepper.shown(stepper.svg_id(leaf.label), "grad")[1]) == leaf.grad


def test_two_steppers_in_one_page_like_a_notebook_stay_apart(browser, tmp_path):
    f, _ = example()
    u = Value(1.5, label="u")
    g = (u * Value(2.0, label="v")).sin()
    g.label = "g"
    page = tmp_path / "notebook.html"
    page.write_text("<html><body><h1>a notebook</h1>" + explain(f)._repr_html_() + "<p>another cell</p>"
                    + explain(g)._repr_html_() + "</body></html>")
    first = open_stepper(browser, page, 0)
    second = Stepper(browser, browser.find_elements("css selector", "div.autograd-stepper")[1])
    second.click("last")
    assert second.step() == len(second.data["steps"]) - 1 and first.step() == 0
    assert second.shown(second.svg_id("u"), "grad")[0] == f"grad {explain(g).grad(u):.4g}"
    assert first.shown(first.svg_id("x"), "grad")[0] == "grad ?"
