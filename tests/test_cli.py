"""The command line: python -m autograd grad / demo, their errors, outputs and --help."""

import math
import shutil
import subprocess
import sys

import pytest

from autograd import Value
from autograd.cli import main
from tests.test_expression import INJECTIONS, nothing_runs

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's `dot` program is not installed (Debian package graphviz; `make test` installs it as root)")

EXAMPLE = ["grad", "tanh(x*w + b)", "x=0.5", "w=-3", "b=2"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def reference():
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    f = (x * w + b).tanh()
    f.backward()
    return f, {"x": x, "w": w, "b": b}


def test_grad_prints_the_value_and_each_gradient_checked_three_ways(capsys):
    status, out, err = run(capsys, *EXAMPLE)
    assert status == 0 and err == ""
    f, leaves = reference()
    assert f"f = {f.data!r}" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:2] in ("x ", "w ", "b ")}
    for name, leaf in leaves.items():
        _, value, reverse, forward, numeric = rows[name]
        assert float(reverse) == leaf.grad and float(forward) == pytest.approx(leaf.grad, rel=1e-12)
        assert float(numeric) == pytest.approx(leaf.grad, rel=1e-6)
    assert "forward mode agrees with reverse mode" in out and "central differences agree" in out


def test_a_kink_is_reported_not_hidden(capsys):
    status, out, _ = run(capsys, "grad", "relu(x)", "x=0")
    assert status == 0 and "differ by up to" in out  # reverse mode: 0; the central difference: 1/2
    status, out, _ = run(capsys, "grad", "relu(x) * 3 + 2 * 5", "x=1.5")
    assert status == 0 and "agree to" in out


def test_explain_prints_the_trace(capsys):
    status, out, _ = run(capsys, *EXAMPLE, "--explain")
    local = 1 - math.tanh(0.5) ** 2
    assert status == 0 and "Chain-rule trace of f = tanh(x*w + b)" in out
    assert f"d tanh(n2)/dn2 = 1 - tanh(n2)^2 = {local:.4g}" in out


def test_dot_writes_the_source_without_graphviz(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    status, out, _ = run(capsys, *EXAMPLE, "--dot", str(tmp_path / "f.dot"))
    assert status == 0 and (tmp_path / "f.dot").read_text().startswith("digraph")
    status, _, err = run(capsys, *EXAMPLE, "--dot", str(tmp_path / "f.svg"))
    assert status == 1 and "apt-get install graphviz" in err and not (tmp_path / "f.svg").exists()


@needs_dot
def test_dot_and_html_write_the_drawing_and_the_stepper(capsys, tmp_path):
    svg, page = tmp_path / "f.svg", tmp_path / "f.html"
    status, out, _ = run(capsys, *EXAMPLE, "--dot", str(svg), "--html", str(page))
    assert status == 0 and f"wrote the graph to {svg}" in out and f"wrote the chain-rule stepper to {page}" in out
    assert "<svg" in svg.read_text() and "grad 0.7864" in svg.read_text()
    assert 'class="autograd-stepper"' in page.read_text() and "tanh(x*w + b)" in page.read_text()


@pytest.mark.parametrize("argv, words", [
    (["grad", "tanh(x*w + b", "x=1", "w=1", "b=1"], ["invalid syntax", "column"]),
    (["grad", "foo(x)", "x=1"], ["unknown function 'foo'", "known functions are exp, log"]),
    (["grad", "x * w + b", "x=1", "w=2"], ["no value for the variable 'b'", "b=NUMBER", "column 9"]),
    (["grad", "x * 2", "x=1", "y=3"], ["'y' does not appear"]),
    (["grad", "x * 2", "x=abc"], ["'abc' is not a number"]),
    (["grad", "x * 2", "x"], ["NAME=NUMBER"]),
    (["grad", "x * 2", "x=1", "x=2"], ["given twice"]),
    (["grad", "x.real", "x=1"], ["attribute access", "^"]),
])
def test_a_bad_command_line_exits_2_with_a_message(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("python -m autograd grad: error: ")
    for word in words:
        assert word in err


@pytest.mark.parametrize("template", INJECTIONS)
def test_injections_through_the_command_line_run_nothing(capsys, template, tmp_path):
    sentinel = tmp_path / "pwned"
    main(["grad", "x", "x=1"])  # warm up: the imports a good run makes are not the expression's doing
    capsys.readouterr()
    with nothing_runs():
        status = main(["grad", template.format(sentinel=sentinel), "x=1"])
    assert status == 2 and not sentinel.exists()
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["grad"], ["demo"]])
def test_help_on_every_command_has_examples(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main(command + ["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "python -m autograd" in text


def test_python_m_autograd_is_the_entry_point():
    good = subprocess.run([sys.executable, "-m", "autograd", *EXAMPLE], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and "forward mode agrees" in good.stdout
    bad = subprocess.run([sys.executable, "-m", "autograd", "grad", "tanh(x) +", "x=1"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "error: invalid syntax" in bad.stderr
