"""The demo and the command line that runs it."""

import errno
import random
import shutil
import subprocess
import sys

import pytest

from autograd.cli import demo, main
from autograd.data import make_moons
from autograd.nn import MLP


def test_make_moons_gives_two_labelled_half_circles():
    X, y = make_moons(100, noise=0.0, seed=0)
    assert X.shape == (100, 2) and sorted(set(y)) == [-1.0, 1.0] and (y == 1).sum() == 50
    upper, lower = X[y == -1], X[y == 1]
    assert abs((upper ** 2).sum(axis=1) - 1).max() < 1e-12                          # on the unit circle
    assert abs(((lower - [1.0, 0.5]) ** 2).sum(axis=1) - 1).max() < 1e-12           # shifted circle


def test_the_demo_learns_and_its_three_gradients_agree():
    lines = []
    accuracy = demo.main(steps=15, log=lines.append)
    assert accuracy >= 0.8
    assert sum(line.startswith("step") for line in lines) == 15
    X, y = make_moons(100, noise=0.1, seed=0)
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    before = [p.data for p in model.parameters()]
    check = demo.gradient_check(model, X.tolist(), y.tolist())
    assert check.ok and len(check.entries) == 6 and "all agree" in str(check)
    for entry in check.entries:
        reverse, forward, numeric = (entry.values[m] for m in ("reverse", "forward", "numeric"))
        assert abs(forward - reverse) <= 1e-12 * max(1.0, abs(reverse))
        assert abs(numeric - reverse) <= 1e-6 * max(1.0, abs(reverse))
    assert [p.data for p in model.parameters()] == before  # the check put every parameter back
    model.zero_grad()
    loss, _ = demo.loss_and_accuracy(model, X.tolist(), y.tolist())
    loss.backward()
    assert [e.values["reverse"] for e in check.entries] == pytest.approx(
        [model.parameters()[int(e.name.removeprefix("d/dp"))].grad for e in check.entries], rel=1e-12)


def test_python_m_autograd_demo_runs_and_writes_its_files(tmp_path):
    out = tmp_path / "demo-output"
    result = subprocess.run([sys.executable, "-m", "autograd", "demo", "--steps", "2", "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "step   1" in result.stdout and "gradient check" in result.stdout
    names = ["moons_decision_boundary.png", "neuron_graph.svg", "chain_rule_stepper.html", "gradient_check.txt"]
    if shutil.which("dot") is None:  # the SVG and the stepper need Graphviz; the demo says so and writes DOT
        assert "skipped the SVG and the stepper" in result.stdout
        names[1:3] = ["neuron_graph.dot"]
    for name in names:
        assert f"  {(out / name).resolve()}" in result.stdout  # it prints where each file is
    assert (out / "moons_decision_boundary.png").read_bytes().startswith(b"\x89PNG")
    assert "reverse mode" in (out / "gradient_check.txt").read_text()
    if shutil.which("dot"):
        svg = (out / "neuron_graph.svg").read_text()
        assert all(f">{label}<" in svg for label in ("w1", "w2", "x1", "x2", "b", "out")) and "grad " in svg
        assert 'class="autograd-stepper"' in (out / "chain_rule_stepper.html").read_text()


def test_the_demo_refuses_a_count_below_one_and_a_folder_it_cannot_make_before_training(tmp_path):
    lines = []
    for steps in (0, -5):
        with pytest.raises(ValueError, match="steps must be an integer >= 1"):
            demo.main(steps=steps, log=lines.append)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "sub"):
        with pytest.raises(OSError):
            demo.main(steps=1, log=lines.append, out=out)
    assert lines == []  # not one step was trained


def test_a_folder_that_fails_after_training_is_one_line_and_status_1(tmp_path, monkeypatch, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "gradient_check.txt"))

    monkeypatch.setattr(demo, "write_files", disk_full)
    status = main(["demo", "--steps", "1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1
    assert err.startswith("python -m autograd demo: error: cannot write: [Errno 28] No space left on device")
