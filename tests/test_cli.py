"""The command line: python -m autograd grad / demo, their errors, outputs and --help."""

import math
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

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
        _, value, reverse, forward, numeric, verdict = rows[name]
        assert verdict == "ok"
        assert float(reverse) == leaf.grad and float(forward) == pytest.approx(leaf.grad, rel=1e-12)
        assert float(numeric) == pytest.approx(leaf.grad, rel=1e-6)
    assert "forward mode agrees with reverse mode" in out and "central differences agree" in out


def test_a_kink_is_reported_not_hidden(capsys):
    status, out, _ = run(capsys, "grad", "relu(x)", "x=0")
    assert status == 0 and "central differences DISAGREE" in out  # reverse mode: 0; the central difference: 1/2
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
    assert main(command + ["--help"]) == 0  # main returns the status, for --help too
    text = capsys.readouterr().out
    assert "examples:" in text and "python -m autograd" in text


def test_python_m_autograd_is_the_entry_point():
    good = subprocess.run([sys.executable, "-m", "autograd", *EXAMPLE], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and "forward mode agrees" in good.stdout
    bad = subprocess.run([sys.executable, "-m", "autograd", "grad", "tanh(x) +", "x=1"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "error: invalid syntax" in bad.stderr


# --- as a user runs it: every mistake is one line and a documented exit status --------------

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "python -m autograd grad: error: "


@pytest.fixture
def folder(tmp_path):
    """An empty working folder holding one file, `a-file`."""
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path


def autograd(*argv, env=None, cwd=ROOT, timeout=60):
    """Run ``python -m autograd ARGV`` in a process of its own, as a user would."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "autograd", *argv], capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=timeout)


def refused(result, prefix=PREFIX, status=2):
    """The process failed with `status`, printed nothing on stdout, and said why on stderr in one line
    (a bad expression adds itself and a caret line under it). Returns that line."""
    lines = result.stderr.splitlines()
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert lines and lines[0].startswith(prefix), result.stderr
    assert len(lines) == 1 or (len(lines) == 3 and "(column " in lines[0] and "^" in lines[2]), result.stderr
    return lines[0]


@pytest.mark.parametrize("argv, words", [
    (["x", "x=nan"], "x must be a finite number, got nan"),
    (["x", "x=inf"], "got inf"),
    (["x", "x=-Infinity"], "got -inf"),
    (["x", "x=1e999"], "beyond the largest float"),
    (["x", "x="], "'' is not a number"),
    (["x", "=3"], "'' is not a variable name"),
    (["x", "lambda=3"], "'lambda' is not a variable name"),
    (["x", "x=1", "ｘ=2"], "given twice"),  # the same name, as Python reads names
    (["x", "x=1", "--bogus"], "unrecognized arguments: '--bogus'"),
    (["-x*y", "x=2", "y=3"], "goes after --"),
    (["x*", "x=1"], "(column 3)"),
    (["x" * 10_001, "x=1"], "too long (10,001 characters; at most 10,000)"),
    (["(" * 201 + "x" + ")" * 201, "x=1"], "more than 200 levels"),
    (["2", "--explain"], "no variables"),
    (["x", "x=1", "--dot", "g.dot", "--html", "./g.dot"], "the same file"),
    (["+".join(["x"] * 401), "x=1", "--html", "big.html"], "at most 400"),
    (["x", "x=1", "--dot", "no/such/folder/g.dot"], "argument --dot: cannot write 'no/such/folder/g.dot': "
                                                    "the folder 'no/such/folder' does not exist"),
    (["x", "x=1", "--html", "."], "argument --html: '.' is a folder"),
    (["x", "x=1", "--dot", ""], "argument --dot: the path is empty"),
    (["x", "x=1", "--dot", "a-file/g.dot"], "'a-file' is not a folder"),
    (["x", "x=1", "--dot", "/proc/autograd-test.dot"], "takes no new files"),  # a folder refusing even root
])
def test_every_mistake_is_one_line_and_status_2_before_any_work(argv, words, folder):
    line = refused(autograd("grad", *argv, cwd=folder))
    assert sorted(path.name for path in folder.iterdir()) == ["a-file"]  # nothing written
    assert words in line, line


@pytest.mark.parametrize("argv, prefix, words", [
    ([], "python -m autograd: error: ", "required: COMMAND"),
    (["frobnicate"], "python -m autograd: error: ", "invalid choice: 'frobnicate'"),
    (["grad"], "python -m autograd grad: error: ", "required: EXPRESSION"),
    (["demo", "--steps", "0"], "python -m autograd demo: error: ", "argument --steps: must be an integer >= 1"),
    (["demo", "--steps", "-5"], "python -m autograd demo: error: ", "got '-5'"),
    (["demo", "--steps", "1.5"], "python -m autograd demo: error: ", "got '1.5'"),
    (["demo", "--out", "a-file"], "python -m autograd demo: error: ", "'a-file' is a file, not a folder"),
    (["demo", "--out", "a-file/sub"], "python -m autograd demo: error: ", "is a file, not a folder"),
    (["demo", "--out", "/proc/autograd-test"], "python -m autograd demo: error: ", "takes no new files"),
])
def test_argparse_complaints_are_one_line_too(argv, prefix, words, folder):
    # (the demo's folder and count are checked before training: these return at once, with no "step" line)
    line = refused(autograd(*argv, cwd=folder), prefix=prefix)
    assert words in line, line


def test_values_may_follow_the_options():
    result = autograd("grad", "x*y", "--explain", "x=2", "y=3")
    assert result.returncode == 0 and "f = 6.0" in result.stdout, result.stderr


def test_a_flat_sum_of_3000_terms_is_differentiated():
    result = autograd("grad", "+".join(["x"] * 3000), "x=0.5")
    assert result.returncode == 0 and "f = 1500.0" in result.stdout and result.stderr == ""


def test_an_expression_of_only_a_number_is_its_value():
    result = autograd("grad", "2**10")
    assert result.returncode == 0 and "2**10 = 1024.0" in result.stdout and "nothing to differentiate" in result.stdout


def test_a_closed_pipe_ends_the_output_quietly_with_status_141():
    # 2,000 terms explained: far more than a pipe holds, so the writer meets the closed pipe.
    process = subprocess.Popen([sys.executable, "-m", "autograd", "grad", "+".join(["x"] * 2000), "x=1", "--explain"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    first = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does after its line
    status = process.wait(timeout=60)
    error = process.stderr.read().decode()
    process.stderr.close()
    assert first.startswith(b"f = x+x") and status == 141 and error == ""


def test_any_text_prints_whatever_the_terminal_encoding():
    result = autograd("grad", "é*2", "é=1", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and "f = \\xe9*2" in result.stdout and result.stderr == ""


def test_a_path_that_cannot_be_printed_is_refused(tmp_path):
    # A file name that is not UTF-8 (bytes from the shell) arrives as a lone surrogate: refused, not a traceback.
    result = subprocess.run([sys.executable, "-m", "autograd", "grad", "x", "x=1", "--dot",
                             os.fsencode(str(tmp_path)) + b"/\xff.dot"], capture_output=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.startswith(PREFIX.encode()) and result.stderr.count(b"\n") == 1


def test_nul_characters_are_refused_in_process(capsys):
    # A shell cannot pass a NUL; a program calling main() can.
    status, out, err = run(capsys, "grad", "x\x00", "x=1")
    assert status == 2 and out == "" and "\\x00" in err and "\x00" not in err
    assert main(["grad", "x", "x=1", "--dot", "g\x00.dot"]) == 2
    assert "cannot be printed" in capsys.readouterr().err


def test_the_output_is_never_named_like_a_variable(capsys):
    status, out, _ = run(capsys, "grad", "f*n", "f=2", "n=3", "--explain")
    assert status == 0 and "f_ = f*n" in out and "df_/df = 3" in out and "df_/dn = 2" in out
    assert "f = f * n" not in out and "df/df" not in out
    status, out, _ = run(capsys, "grad", "f*f_ + g*out", "f=1", "f_=2", "g=3", "out=4", "--explain")
    assert status == 0 and "out1 = f*f_ + g*out" in out and "dout1/dg = 4" in out


def test_the_trace_names_every_value_once(capsys):
    status, out, _ = run(capsys, "grad", "n1*n2 + n1*n3", "n1=2", "n2=3", "n3=4", "--explain")
    forward = out.split("Forward pass (inputs first):")[1].split("Backward pass")[0]
    names = [line.split()[0] for line in forward.strip().splitlines()]
    assert status == 0 and len(names) == len(set(names)) == 6, names


def test_an_expression_that_is_one_variable_keeps_its_name(capsys):
    status, out, _ = run(capsys, "grad", "x", "x=1", "--explain")
    assert status == 0 and "dx/dx = 1" in out and "df/df" not in out


def _as_in_a_terminal():
    """Ctrl-C as at a terminal: a suite started in the background (``make test &``) hands its children an
    ignored SIGINT, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_the_demo_is_one_line_and_status_130(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "autograd", "demo", "--steps", "1000", "--out",
                                str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               preexec_fn=_as_in_a_terminal)
    try:
        for line in process.stdout:
            if line.startswith("step"):
                break
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=60)
    finally:
        process.kill()
        process.stdout.close()
    error = process.stderr.read()
    process.stderr.close()
    assert status == 130 and error == "python -m autograd demo: interrupted\n"


@pytest.mark.parametrize("expression, value, words", [
    ("sqrt(x)", "x=1e-12", "used the smaller step"),          # was: central difference nan, "agree to 0.0e+00"
    ("1/x", "x=0", "f = inf at this point"),                  # was: -inf against 27271342415.4, "agree"
    ("log(x)", "x=-1", "f = nan at this point"),
])
def test_the_command_line_shows_the_one_checkers_verdict(capsys, expression, value, words):
    status, out, _ = run(capsys, "grad", expression, value)
    assert status == 0 and words in out
    if expression != "sqrt(x)":
        assert "DISAGREE" in out and "agree to" not in out
    else:
        assert "central differences agree" in out
