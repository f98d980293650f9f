"""The playground widget in a real JupyterLab, in the same headless Chromium, checked like the page.

JupyterLab starts once for the module, with its own token, configuration
and workspace folders in a temporary directory, on a free port of 127.0.0.1.
The notebook holds one cell, ``Playground("tanh(x*w + b)", x=0.5, w=-3, b=2)``;
the test runs it with Shift+Enter as a learner would, then checks every
number of the widget against ``backward()``, types a value and reads the
inspector. The kernel computes the numbers (there is no playground server).
Widget messages without a browser (a Python function as the source) are
checked at the end, fast.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.fixtures.chromium import start_chromium
from tests.test_playground_browser import AT, Page, by_hand, missing

pytest.importorskip("anywidget", reason="the playground extra: pip install -e '.[playground]'")
nbformat = pytest.importorskip("nbformat")

needs_lab = pytest.mark.skipif(
    bool(missing), reason=f"the JupyterLab test needs {', '.join(missing)}; `make test` installs them as root")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip("jupyterlab", reason="JupyterLab is in the test extra: pip install -e '.[test]'")
    home = tmp_path_factory.mktemp("jupyterlab")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        'from autograd.playground import Playground\nPlayground("tanh(x*w + b)", x=0.5, w=-3, b=2)')]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, home / "playground.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_RUNTIME_DIR": "run", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
               "JUPYTERLAB_SETTINGS_DIR": "settings"}
    environment = {**os.environ, **{name: str(home / folder) for name, folder in folders.items()}}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=",
         "--ServerApp.terminals_enabled=False", "--allow-root"],
        env=environment, stdout=subprocess.DEVNULL, stderr=open(home / "lab.log", "w"))
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as answer:
                json.load(answer)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"JupyterLab did not start: {(home / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/lab/tree/playground.ipynb?token={token}"
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@needs_lab
def test_the_widget_in_jupyterlab_shows_the_same_playground_computed_by_the_kernel(lab, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    page = Page(browser)
    browser.get(lab)
    editor = ".jp-Notebook .jp-Cell .jp-InputArea-editor"
    page.wait(lambda: page.js(f"var e = document.querySelector('{editor}'); return !!e && e.offsetHeight > 0"), 90)
    page.wait(lambda: "| Idle" in page.find(".jp-StatusBar-Widget, #jp-main-statusbar").text, 90)  # the kernel is up
    ActionChains(browser).move_to_element(page.find(editor)).click().perform()
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    try:  # a JupyterLab that asks which kernel: the one the notebook names
        page.wait(lambda: page.js("return !!document.querySelector('.jp-Dialog .jp-mod-accept')"), 3)
        page.find(".jp-Dialog .jp-mod-accept").click()
    except Exception:  # noqa: BLE001 - no dialog: the cell is running
        pass
    page.ready(timeout=90)
    assert page.find(".autograd-playground input.pg-expression").get_attribute("value") == "tanh(x*w + b)"
    page.assert_numbers_match("tanh(x*w + b)", AT)
    page.screenshot("jupyterlab-1-widget")

    box = page.find('.autograd-playground input.pg-number[data-name="b"]')  # the number box beside b's slider
    # JupyterLab keeps Backspace, Delete and the arrow keys from a widget's inputs in this headless Chromium
    # (the page's test types them for real); the box gets its new text and the input event typing makes.
    page.js("arguments[0].value = '1.9'; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", box)
    page.wait(lambda: page.answer()["values"]["b"] == pytest.approx(1.9))
    page.idle()
    page.assert_numbers_match("tanh(x*w + b)", page.answer()["values"])

    ActionChains(browser).move_to_element(page.find('g[data-node="v1"] text.label')).click().perform()  # w
    page.wait(lambda: (page.answer().get("paths") or {}).get("node") == "v1")
    page.idle()
    _, leaves, _ = by_hand("tanh(x*w + b)", page.answer()["values"])
    assert float(page.find(".pg-inspector .pg-inspect-grad").get_attribute("data-value")) == leaves["w"].grad
    assert page.find(".pg-inspector .pg-paths-sum").text.endswith(f"= {leaves['w'].grad:.4g}")
    page.screenshot("jupyterlab-2-inspector")


def test_the_widget_answers_like_the_server_for_a_python_function():
    from autograd.playground import Playground

    def neuron(x, w, b):
        return (x * w + b).tanh() * x

    widget = Playground(neuron, x=0.5, w=-3, b=2)
    assert widget.editable is False and widget.initial == {"expression": "neuron", "values": {"x": 0.5, "w": -3.0,
                                                                                               "b": 2.0}}
    status, answer = widget.answer("evaluate", {"values": {"x": 0.5, "w": -3.0, "b": 2.0}, "inspect": "v0"})
    _, leaves, out = by_hand("tanh(x*w + b) * x", AT)
    assert status == 200 and answer["gradients"] == {name: leaf.grad for name, leaf in leaves.items()}
    assert answer["paths"]["count"] == 2
    sent = []
    widget.send = sent.append
    widget._answer(widget, {"id": "a-1", "kind": "evaluate", "body": {"values": {"x": 1.0}}}, [])
    assert sent[0]["id"] == "a-1" and sent[0]["status"] == 200 and json.loads(sent[0]["json"])["values"]["x"] == 1.0


def test_the_widget_refuses_what_it_cannot_show():
    from autograd.playground import Playground

    with pytest.raises(ValueError, match="column"):
        Playground("x*(", x=1)
    with pytest.raises(ValueError, match="'y' is not a variable"):
        Playground("x*2", y=1)
    with pytest.raises(TypeError, match="needs a value for each input"):
        Playground(lambda x: x)
    with pytest.raises(TypeError, match="cannot be called with"):
        Playground(lambda x: x, y=1)
    with pytest.raises(TypeError, match="x must be a real number"):
        Playground("x", x="1")
    with pytest.raises(TypeError, match="expression_or_function must be"):
        Playground(3)
    raising = Playground(lambda x: 1 / 0 + x, x=1)
    assert raising.answer("evaluate", {"values": {"x": 1}}) == (
        500, {"error": "ZeroDivisionError: division by zero", "column": None})
