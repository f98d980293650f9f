"""The playground's speed: the server's answer, and a slider's update in a real browser.

    python benchmarks/playground_latency.py            # both measurements, a markdown section on stdout
    python benchmarks/playground_latency.py --quick    # fewer repeats

1. The server: ``POST /api/evaluate`` for an expression of about 200 values
   (``tanh(x*w0 + b0) + tanh(x*w1 + b1) + ...``), its layout already cached
   (a slider never changes the structure), timed from the client's send to
   the last byte of the answer, over one kept-alive connection. Target: a
   median under 20 ms.
2. The page: an expression of about 50 values in headless Chromium; a slider
   is moved 20 times (its value set, then the ``input`` event the browser
   sends when it is dragged), and the page itself times each from that event
   to the last gradient drawn (``playground.timings``). Target: a median
   under 50 ms.

Needs the playground extra (tornado) and, for the second, selenium with
Debian's chromium and chromium-driver; without them the section says so.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def expression_of(values: int) -> tuple[str, dict[str, float]]:
    """A sum of neurons tanh(x*w_i + b_i) with about `values` values in its graph (6 per neuron)."""
    terms = max(1, round((values - 1) / 6))
    source = " + ".join(f"tanh(x*w{i} + b{i})" for i in range(terms))
    point = {"x": 0.5, **{f"w{i}": 0.1 * i - 1 for i in range(terms)}, **{f"b{i}": 0.05 * i for i in range(terms)}}
    return source, point


def count_values(source: str, point: dict) -> int:
    from autograd.playground.state import ExpressionSource, Graph

    return len(Graph(ExpressionSource(source), point).nodes)


class Server:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "autograd", "playground", "--no-browser", "--port", "0"],
                                        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.process.stdout.readline().strip()
        parts = urllib.parse.urlsplit(self.url)
        self.port, self.token = parts.port, urllib.parse.parse_qs(parts.query)["token"][0]

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=20)


def server_latency(server: Server, repeats: int) -> tuple[int, list[float]]:
    source, point = expression_of(200)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"X-Autograd-Token": server.token, "Content-Type": "application/json"}

    def ask(body):
        started = time.perf_counter()
        connection.request("POST", "/api/evaluate", body=json.dumps(body), headers=headers)
        answer = connection.getresponse().read()
        return time.perf_counter() - started, json.loads(answer)

    _, first = ask({"expression": source, "values": point})  # lays out the structure once
    times = []
    for i in range(repeats):
        elapsed, answer = ask({"expression": source, "values": {**point, "x": 0.5 + 0.01 * i},
                               "layout": first["layout_key"]})
        assert "svg" not in answer and "gradients" in answer
        times.append(elapsed)
    connection.close()
    return len(first["nodes"]), times


def page_latency(server: Server, moves: int) -> tuple[int, list[float]]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    source, point = expression_of(50)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1500,1000", f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        fields = {"expr": source, "values": ",".join(f"{k}:{v}" for k, v in point.items())}
        driver.get(f"{server.url}#{urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)}")
        root = "var r = document.querySelector('.autograd-playground');"
        wait = WebDriverWait(driver, 30, poll_frequency=0.01)
        wait.until(lambda d: d.execute_script(root + "return !!(r.playground && r.playground.answer()) && "
                                              "r.dataset.busy === '0'"))
        nodes = driver.execute_script(root + "return r.playground.answer().nodes.length")
        times = []
        for i in range(moves):
            before = driver.execute_script(root + "return r.playground.timings.length")
            driver.execute_script(root + "var s = r.querySelector('input.pg-slider[data-name=\"x\"]');"
                                  "s.value = String(arguments[0]);"
                                  "s.dispatchEvent(new Event('input', {bubbles: true}));", 0.5 + 0.05 * (i + 1))
            wait.until(lambda d, before=before: d.execute_script(root + "return r.playground.timings.length") > before
                       and d.execute_script(root + "return r.dataset.busy === '0'"))
            times.append(driver.execute_script(root + "return r.playground.timings[r.playground.timings.length - 1]")
                         / 1000)
        return nodes, times
    finally:
        driver.quit()


def spread(times: list[float]) -> str:
    return (f"median **{statistics.median(times) * 1000:.1f} ms** "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}, n = {len(times)})")


def run(installed=None, quick: bool = False, log=print) -> str:
    """The markdown section for `make bench` (``installed``: unused, the peers have no playground)."""
    title = "### 5. The playground: server answer and slider update\n\n"
    try:
        import tornado  # noqa: F401
    except ImportError:
        return title + "Not run: the playground extra is not installed (`pip install -e '.[playground]'`)."
    server = Server()
    lines = []
    try:
        log("  playground: /api/evaluate")
        nodes, times = server_latency(server, 20 if quick else 100)
        lines.append(f"| `POST /api/evaluate`, {nodes} values, layout cached | {spread(times)} | under 20 ms |")
        if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
            lines.append("| slider move to last gradient drawn, headless Chromium | not run: needs the Debian packages "
                         "chromium and chromium-driver | under 50 ms |")
        else:
            log("  playground: slider moves in headless Chromium")
            nodes, times = page_latency(server, 20)
            lines.append(f"| slider move to last gradient drawn, {nodes} values, headless Chromium | {spread(times)} "
                         f"| under 50 ms |")
    finally:
        server.stop()
    return (title + "| what | time | target |\n| --- | --- | --- |\n" + "\n".join(lines) +
            "\n\nThe server is `python -m autograd playground` on 127.0.0.1; its answer is timed by the client, the "
            "slider's update by the page (`performance.now()` from the input event to the last number written).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(run(quick=args.quick, log=lambda message: print(message, file=sys.stderr, flush=True)))


if __name__ == "__main__":
    main()
