"""Graphs of real models: the cost of recording module paths (autograd.scopes).

    python benchmarks/graphs.py            # a markdown section on stdout
    python benchmarks/graphs.py --quick    # fewer rounds

1. Recording module paths (`autograd.scopes`) on the scalar MLP training
   step of micrograd's demo (MLP(2, [16, 16, 1]), 100 points, hinge loss +
   L2, backward, SGD: about 69,000 Values), with recording on and with
   ``scopes.recording(False)``, alternating in one process, each round
   timing both. "Off" still runs `Module.__call__`'s check and stores ""
   in each node: compare with the tree before recording existed with
   ``benchmarks/before_after.py --before-tree`` (the README gives both).
   Also the bytes one Value takes (the label slot holds the Scope: none more).
2. Drawing the demo's graph (68,818 values) grouped by module:
   ``draw_dot(loss, group="module", collapse=k)`` made and rendered to SVG by
   Graphviz's dot, for k = 1 and 2 (and 2 with ``fold_repeats=True``): the
   median of several rounds, the graph built once.
3. The explorer on the demo's graph: writing the page (`explore(loss,
   path)`), then opening it in headless Chromium until its first drawing is
   shown (the page's ``data-state`` becomes "ready"), and opening one neuron
   of layers.0 (703 values) until it is drawn. Needs Debian's chromium and
   chromium-driver; without them the section says so.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def demo_problem():
    from autograd.data import make_moons
    from autograd.nn import MLP

    X, y = make_moons(100, noise=0.1, seed=0)
    random.seed(1337)
    return MLP(2, [16, 16, 1]), X.tolist(), y.tolist()


def demo_loss(model, X, y):
    """The demo's loss (autograd/cli/demo.py's), its parts named with `autograd.scope`."""
    from autograd.cli.demo import loss_and_accuracy

    return loss_and_accuracy(model, X, y)[0]


def training_step(model, X, y) -> float:
    start = time.perf_counter()
    loss = demo_loss(model, X, y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    return time.perf_counter() - start


def recording_cost(rounds: int) -> dict:
    """Median step time with module paths recorded and not, measured alternately in this process."""
    from autograd import scopes

    model, X, y = demo_problem()
    times = {"on": [], "off": []}
    training_step(model, X, y)  # warm up
    for _ in range(rounds):
        for name in ("on", "off"):
            with scopes.recording(name == "on"):
                gc.collect()
                times[name].append(statistics.median(training_step(model, X, y) for _ in range(3)))
    return times


def demo_graph():
    model, X, y = demo_problem()
    loss = demo_loss(model, X, y)
    loss.backward()
    return model, loss


DRAWINGS = ({"collapse": 1}, {"collapse": 2}, {"collapse": 2, "fold_repeats": True})


def drawing_times(rounds: int) -> list[tuple[dict, int, list[float]]]:
    """(options, boxes, seconds per round) for each drawing of the demo's graph: draw_dot, then dot to SVG."""
    from autograd.viz import dot_available, draw_dot

    if not dot_available():
        return []
    _, loss = demo_graph()
    found = []
    for options in DRAWINGS:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            drawing = draw_dot(loss, group="module", **options)
            drawing.pipe(format="svg")
            times.append(time.perf_counter() - start)
        found.append((options, drawing.layout_size, times))
    return found


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def explorer_times(rounds: int) -> dict | None:
    """Seconds to write the page, to its first drawing in Chromium, and to open one neuron; None without Chromium."""
    import os
    import tempfile

    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from autograd.viz import explore

    _, loss = demo_graph()
    folder = Path(tempfile.mkdtemp(prefix="explorer-"))
    times = {"write": [], "open": [], "neuron": []}
    for _ in range(rounds):
        start = time.perf_counter()
        page = explore(loss, folder / "demo.html")
        times["write"].append(time.perf_counter() - start)
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--window-size=1500,1000",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    state = "const page = document.getElementById('explorer'); return page && page.getAttribute('data-state')"

    def until_ready(start: float) -> float:
        while driver.execute_script(state) != "ready":
            if time.perf_counter() - start > 120:
                raise RuntimeError("the explorer did not draw within 120 s")
            time.sleep(0.01)
        return time.perf_counter() - start

    try:
        for _ in range(rounds):
            start = time.perf_counter()
            driver.get(page.as_uri())
            times["open"].append(until_ready(start))
            neuron = driver.execute_script(
                "return autogradExplorer.tree.payload.scopes.findIndex((s) => s.path === 'layers.0.neurons.0')")
            start = time.perf_counter()
            driver.execute_script("document.getElementById('explorer').setAttribute('data-state', 'acting');"
                                  "autogradExplorer.openScope(arguments[0]);", neuron)
            times["neuron"].append(until_ready(start))
    finally:
        driver.quit()
    return times


def value_bytes() -> int:
    """What one Value takes from the allocator (sys.getsizeof rounded up to pymalloc's 16 bytes)."""
    from autograd import Value

    size = sys.getsizeof(Value(1.0))
    return -(-size // 16) * 16


def spread(times: list[float], unit: float = 1.0, suffix: str = " s", digits: int = 2) -> str:
    return (f"**{statistics.median(times) * unit:.{digits}f}{suffix}** "
            f"({min(times) * unit:.{digits}f}–{max(times) * unit:.{digits}f}, n = {len(times)})")


def run(installed=None, quick: bool = False, log=print) -> str:
    """The markdown section for `make bench` (``installed``: unused, no peers draw module graphs)."""
    title = "### 6. Graphs of real models: recording module paths, drawing, exploring\n\n"
    lines = ["| what | time | target |", "| --- | --- | --- |"]
    log("  graphs: the scalar MLP step, module paths recorded and not")
    cost = recording_cost(3 if quick else 9)
    on, off = statistics.median(cost["on"]), statistics.median(cost["off"])
    lines.append(f"| scalar MLP step, module paths recorded | {spread(cost['on'], 1e3, ' ms', 1)} | |")
    lines.append(f"| scalar MLP step, `scopes.recording(False)` | {spread(cost['off'], 1e3, ' ms', 1)} | |")
    lines.append(f"| ratio recorded / not | **{on / off:.3f}** | at most 1.03 |")
    lines.append(f"| one Value (bytes from the allocator) | {value_bytes()} | no more than without recording (96) |")
    log("  graphs: drawing the demo's graph grouped by module")
    drawings = drawing_times(3 if quick else 7)
    if not drawings:
        lines.append("| drawing the demo's graph | not measured: Graphviz's dot is not installed | |")
    for options, boxes, times in drawings:
        shown = ", ".join(f"{k}={v}" for k, v in options.items())
        lines.append(f"| `draw_dot(loss, group='module', {shown})` to SVG ({boxes} boxes) | {spread(times)} "
                     f"| under 2 s |")
    log("  graphs: the explorer on the demo's graph, in headless Chromium")
    explorer = explorer_times(2 if quick else 5)
    if explorer is None:
        lines.append("| the explorer | not measured: needs Debian's chromium and chromium-driver | |")
    else:
        lines.append(f"| `explore(loss, path)`: writing the page | {spread(explorer['write'])} | |")
        lines.append(f"| opening it in headless Chromium, to its first drawing | {spread(explorer['open'])} "
                     f"| under 3 s |")
        lines.append(f"| opening one neuron of layers.0 (703 values), to its drawing "
                     f"| {spread(explorer['neuron'])} | |")
    return (title + "\n".join(lines) + "\n\nThe demo's graph is `MLP(2, [16, 16, 1])` over 100 two-moons points "
            "with the demo's loss, its data and regularization terms named with `autograd.scope` "
            "(`benchmarks/graphs.py`).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only-recording", action="store_true", help="only the cost of recording module paths")
    args = parser.parse_args()
    if args.only_recording:
        cost = recording_cost(3 if args.quick else 15)
        on, off = statistics.median(cost["on"]), statistics.median(cost["off"])
        print(f"on  {spread(cost['on'], 1e3, ' ms', 1)}\noff {spread(cost['off'], 1e3, ' ms', 1)}\n"
              f"on/off {on / off:.3f}; one Value: {value_bytes()} bytes")
        return
    print(run(quick=args.quick, log=lambda message: print(message, file=sys.stderr, flush=True)))


if __name__ == "__main__":
    main()
