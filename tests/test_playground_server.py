"""The playground's server and its contract: started as a learner starts it, spoken to over HTTP.

One server (``python -m autograd playground --no-browser --port 0``) serves
the whole module, as a class would share one laptop's server; the module
ends by pressing Ctrl-C (SIGINT) and expects exit status 0. Every number is
checked against ``backward()`` on the same expression built by hand.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("tornado", reason="the playground extra: pip install -e '.[playground]'")

from autograd import Value  # noqa: E402
from autograd.explain import explain  # noqa: E402
from autograd.expression import parse  # noqa: E402
from autograd.playground.state import MAX_VALUES, ExpressionSource, evaluate  # noqa: E402
from autograd.value import numbers_as_leaves  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{32,})$")


class Server:
    def __init__(self, process, port, token):
        self.process, self.port, self.token = process, port, token

    def request(self, method, path, body=None, headers=None, token=True, host=None):
        """(status, parsed JSON or text) of one request; the token in the header unless told otherwise."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = dict(headers or {})
        if token:
            headers["X-Autograd-Token"] = self.token
        if host is not None:
            connection.putrequest(method, path, skip_host=True)
            connection.putheader("Host", host)
            for name, value in headers.items():
                connection.putheader(name, value)
            data = json.dumps(body).encode() if body is not None else b""
            connection.putheader("Content-Length", str(len(data)))
            connection.endheaders(data)
        else:
            data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
            connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        kind = response.getheader("Content-Type") or ""
        return response.status, (json.loads(text) if "json" in kind else text)

    def evaluate(self, body, **options):
        return self.request("POST", "/api/evaluate", body, **options)


@pytest.fixture(scope="module")
def server():
    process = subprocess.Popen([sys.executable, "-m", "autograd", "playground", "tanh(x*w + b)", "x=0.5", "w=-3",
                                "b=2", "--no-browser", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline().strip()
    match = ADDRESS.match(first)
    assert match, f"the first line should be the address, got {first!r}; stderr: {process.stderr.read()}"
    yield Server(process, int(match.group(1)), match.group(2))
    process.send_signal(signal.SIGINT)  # Ctrl-C
    assert process.wait(timeout=20) == 0


def by_hand(source, values, output=None):
    """The expression built with Values and backpropagated: what every number must equal."""
    leaves = {name: Value(value, label=name) for name, value in values.items()}
    out = parse(source).evaluate(leaves)
    numbers_as_leaves(out)  # as the playground does: each number typed is a leaf with a gradient
    out.backward()
    return out, leaves


# --- the contract ------------------------------------------------------------------

def test_the_initial_state_is_the_command_lines(server):
    status, initial = server.request("GET", "/api/initial")
    assert status == 200 and initial == {"expression": "tanh(x*w + b)", "values": {"x": 0.5, "w": -3.0, "b": 2.0}}


@pytest.mark.parametrize("source, values", [
    ("tanh(x*w + b)", {"x": 0.5, "w": -3.0, "b": 2.0}),
    ("tanh(x*w + b) * x + 2*x", {"x": 0.5, "w": -3.0, "b": 2.0}),
    ("x**2 * sin(y) / (1 + exp(-x*y))", {"x": 1.3, "y": -0.7}),
    ("relu(a - b) + abs(a) ** 0.5 + log(b) - sigmoid(-a)", {"a": 2.5, "b": 0.25}),
])
def test_evaluate_gives_the_value_and_every_gradient_of_backward(server, source, values):
    status, answer = server.evaluate({"expression": source, "values": values})
    assert status == 200
    out, leaves = by_hand(source, values)
    assert answer["value"] == out.data
    assert answer["gradients"] == {name: leaf.grad for name, leaf in leaves.items()}
    assert "svg" in answer and answer["svg"].startswith("<svg")
    # every value's data and gradient, by the ids the drawing carries
    trace = explain(out)
    shown = {node["name"]: node for node in answer["nodes"]}
    for name, leaf in leaves.items():
        assert shown[name]["value"] == leaf.data and shown[name]["grad"] == leaf.grad
        assert f'data-node="{shown[name]["id"]}"' in answer["svg"]
    assert len(answer["nodes"]) == len(trace.nodes) and len(answer["backward"]) == len(trace.backward)
    assert [step["total"] for step in answer["backward"]] == [step.total for step in trace.backward]


def test_the_same_structure_is_laid_out_once(server):
    first = server.evaluate({"expression": "x*y + y", "values": {"x": 1, "y": 2}})[1]
    again = server.evaluate({"expression": "x*y + y", "values": {"x": 3, "y": -1}, "layout": first["layout_key"]})[1]
    assert again["layout_key"] == first["layout_key"] and "svg" not in again
    assert again["gradients"] == {"x": -1.0, "y": 4.0}


@pytest.mark.parametrize("body, column", [
    ({"expression": "x*(w + ", "values": {}}, 3),
    ({"expression": "x ^ 2", "values": {}}, 1),
    ({"expression": "foo(x)", "values": {}}, 1),
    ({"expression": "x + 'a'", "values": {}}, 5),
    ({"expression": "x" * 10_001, "values": {}}, None),
    ({"expression": "+".join(["x"] * (MAX_VALUES + 1)), "values": {}}, None),
    ({"expression": "3 + 4", "values": {}}, None),
    ({"expression": "x", "values": {"x": "1"}}, None),
    ({"expression": "x", "values": {"x": True}}, None),
    ({"expression": "x", "values": {"x": 1e400}}, None),
    ({"expression": "x", "values": [1]}, None),
    ({"expression": 5, "values": {}}, None),
    ({"values": {}}, None),
    ({"expression": "x", "output": "v99"}, None),
    ({"expression": "x", "tangent": "y"}, None),
])
def test_a_bad_expression_or_value_is_a_400_naming_it(server, body, column):
    status, answer = server.evaluate(body)
    assert status == 400, answer
    assert set(answer) == {"error", "column"} and answer["error"] and answer["column"] == column


def test_a_body_that_is_not_json_or_holds_nan_is_a_400(server):
    assert server.evaluate(b"{not json")[0] == 400
    status, answer = server.evaluate(b'{"expression": "x", "values": {"x": NaN}}')
    assert status == 400 and "NaN" in answer["error"]


def test_the_stepper_export_is_the_self_contained_stepper(server):
    status, answer = server.request("POST", "/api/stepper", {"expression": "x*w", "values": {"x": 2, "w": 3}})
    assert status == 200 and answer["filename"].endswith(".html")
    assert 'class="autograd-stepper"' in answer["html"] and "<script src" not in answer["html"]


def test_the_page_and_its_files_come_from_the_package(server):
    status, page = server.request("GET", f"/?token={server.token}", token=False)
    assert status == 200 and f"static/page.js?token={server.token}" in page and "http" not in page.split("<body")[1]
    for name in ("page.js", "playground.js", "graph_view.js", "playground.css"):
        assert server.request("GET", f"/static/{name}?token={server.token}", token=False)[0] == 200
    assert server.request("GET", "/static/..%2fserver.py")[0] == 404
    assert server.request("GET", "/static/nothing.js")[0] == 404


# --- the security rules --------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/static/playground.js"), ("GET", "/api/initial"),
                                          ("POST", "/api/evaluate"), ("POST", "/api/stepper"), ("GET", "/nothing")])
def test_without_the_token_every_request_is_refused(server, method, path):
    body = {"expression": "x", "values": {"x": 1}} if method == "POST" else None
    assert server.request(method, path, body, token=False)[0] == 403
    assert server.request(method, path, body, token=False, headers={"X-Autograd-Token": "guess"})[0] == 403
    assert server.request(method, f"{path}?token={server.token[:-1]}", body, token=False)[0] == 403


def test_the_token_works_in_the_query_or_the_header(server):
    body = {"expression": "x", "values": {"x": 1}}
    assert server.evaluate(body, token=False, headers={"X-Autograd-Token": server.token})[0] == 200
    assert server.request("POST", f"/api/evaluate?token={server.token}", body, token=False)[0] == 200


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", "localhost.evil.example:{port}",
                                  "127.0.0.2:{port}", ""])
def test_a_foreign_host_header_is_refused_against_dns_rebinding(server, host):
    body = {"expression": "x", "values": {"x": 1}}
    assert server.evaluate(body, host=host.format(port=server.port))[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST:{port}"])
def test_the_loopback_names_with_the_port_are_accepted(server, host):
    assert server.evaluate({"expression": "x", "values": {"x": 1}}, host=host.format(port=server.port))[0] == 200


def test_a_body_over_64_kib_is_refused_with_413(server):
    padding = "x" * (64 * 1024)
    status, answer = server.evaluate({"expression": "x", "values": {"x": 1}, "padding": padding})
    assert status == 413 and "64" not in answer["error"] or "65536" in answer["error"]
    # sent in chunks, without a length: counted as it arrives. Nine chunks of 8 KiB pass the limit with the
    # last one, and nothing more is sent: the server has read all there was when it answers, so its close
    # is a clean one (a client still sending into a closed connection would meet a broken pipe, a race)
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as connection:
        connection.sendall(f"POST /api/evaluate HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                           f"X-Autograd-Token: {server.token}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        for _ in range(9):
            connection.sendall(b"2000\r\n" + b"a" * 8192 + b"\r\n")
        status_line = connection.makefile("rb").readline()
    assert status_line.split()[1] == b"413", status_line
    assert server.evaluate({"expression": "x", "values": {"x": 1}})[0] == 200  # and the server goes on


INJECTIONS = [
    "__import__('os').system('touch {marker}')",
    "open('{marker}', 'w')",
    "exec(\"open('{marker}', 'w')\")",
    "eval('1')",
    "x.__class__.__mro__",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: open('{marker}', 'w'))()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "globals()",
    "x if __import__('os') else y",
    "sin(x, key=__import__('os'))",
    "f'{{x}}'",
    "x; import os",
    "x\n__import__('os')",
    "(x := 3)",
    "x @ y",
    "9 ** 9 ** 9 ** 9 ** 9",  # numbers are floats: inf, never a huge integer
    "(" * 400 + "x" + ")" * 400,
]


@pytest.mark.parametrize("template", INJECTIONS)
def test_injection_strings_are_read_never_run(server, tmp_path, template):
    marker = tmp_path / "ran"
    source = template.format(marker=marker)
    status, answer = server.evaluate({"expression": source, "values": {"x": 1.0, "y": 2.0}})
    if status == 200:  # the harmless ones are arithmetic: 9 ** 9 ** ... is inf, deep parentheses are just x
        assert source.startswith(("9 **", "(((")), answer
    else:
        assert status == 400 and answer["error"]
    assert not marker.exists()


def test_fifty_clients_at_once_each_get_their_own_answer(server):
    def one_client(i):
        values = {"x": 0.01 * i, "w": -3.0 + i, "b": 2.0 - 0.1 * i}
        status, answer = server.evaluate({"expression": "tanh(x*w + b) * x", "values": values})
        out, leaves = by_hand("tanh(x*w + b) * x", values)
        return status == 200 and answer["value"] == out.data and answer["gradients"] == {
            name: leaf.grad for name, leaf in leaves.items()}

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert all(pool.map(one_client, range(50)))


def test_a_slow_client_does_not_stall_the_others(server):
    stalled = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    stalled.sendall(f"POST /api/evaluate HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Autograd-Token: "
                    f"{server.token}\r\nContent-Length: 1000\r\n\r\n{{\"expression\": ".encode())
    try:
        started = time.perf_counter()
        for _ in range(5):
            assert server.evaluate({"expression": "x*x", "values": {"x": 3}})[0] == 200
        assert time.perf_counter() - started < 5
    finally:
        stalled.close()


def test_a_bad_command_line_exits_with_status_2():
    process = subprocess.run([sys.executable, "-m", "autograd", "playground", "x*(", "--no-browser"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 2 and "column 3" in process.stderr and process.stdout == ""
    process = subprocess.run([sys.executable, "-m", "autograd", "playground", "x*y", "z=1", "--no-browser"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert process.returncode == 2 and "'z'" in process.stderr


# --- what the page is told, computed by the engine -----------------------------------

def test_the_paths_into_a_value_add_up_to_its_gradient():
    source, values = "tanh(x*w + b) * x + 2*x", {"x": 0.5, "w": -3.0, "b": 2.0}
    answer = evaluate(ExpressionSource(source), {"values": values, "inspect": "v0"})
    out, leaves = by_hand(source, values)
    paths = answer["paths"]
    assert paths["count"] == 3 and len(paths["paths"]) == 3  # x is used three times
    assert paths["grad"] == leaves["x"].grad
    assert paths["sum"] == pytest.approx(leaves["x"].grad, rel=1e-15)
    # each product is the product of its edges' local derivatives
    edges = {edge["id"]: edge for edge in answer["edges"]}
    for path in paths["paths"]:
        product = 1.0
        for edge in path["edges"]:
            product *= edges[edge]["local"]
        assert path["product"] == product


def test_any_value_can_be_the_output():
    source, values = "tanh(x*w + b) * x", {"x": 0.5, "w": -3.0, "b": 2.0}
    first = evaluate(ExpressionSource(source), {"values": values})
    inner = next(node["id"] for node in first["nodes"] if node.get("op") == "tanh")
    answer = evaluate(ExpressionSource(source), {"values": values, "output": inner})
    leaves = {name: Value(value, label=name) for name, value in values.items()}
    (leaves["x"] * leaves["w"] + leaves["b"]).tanh().backward()
    assert answer["output"] == inner and answer["value"] == pytest.approx(0.46211715726000974)
    assert answer["gradients"] == {name: leaf.grad for name, leaf in leaves.items()}
    assert [node["grad"] for node in answer["nodes"] if node["id"] == answer["root"]] == [None]  # above: no path


def test_forward_mode_moves_the_tangents_of_one_input():
    source, values = "tanh(x*w + b) * x + 2*x", {"x": 0.5, "w": -3.0, "b": 2.0}
    out, leaves = by_hand(source, values)
    for name in values:
        answer = evaluate(ExpressionSource(source), {"values": values, "tangent": name})
        tangent = answer["tangent"]
        assert tangent["input"] == name and tangent["value"] == pytest.approx(leaves[name].grad, rel=1e-14)
        assert len(tangent["steps"]) == sum(node["kind"] == "operation" for node in answer["nodes"])


def test_the_check_compares_three_methods():
    answer = evaluate(ExpressionSource("x**3 * y"), {"values": {"x": 2.0, "y": -1.0}, "check": True})
    check = answer["check"]
    assert check["ok"] and [e["name"] for e in check["entries"]] == ["x", "y"]
    x = check["entries"][0]
    assert x["reverse"] == -12.0 and x["forward"] == -12.0 and x["numeric"] == pytest.approx(-12.0, rel=1e-6)
    kinked = evaluate(ExpressionSource("log(x)"), {"values": {"x": -1.0}, "check": True})["check"]
    assert not kinked["ok"] and kinked["entries"][0]["note"]  # undefined there: said in words, never a failure


def test_json_never_carries_nan_but_says_it():
    answer = evaluate(ExpressionSource("log(x) * 0 + sqrt(x)"), {"values": {"x": -1.0}})
    json.dumps(answer, allow_nan=False)
    assert answer["value"] == "nan"


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_the_address_line_is_flushed_at_once(server):
    assert server.process.poll() is None  # the fixture read the first line through a pipe, before any request
