"""The benchmarks' hand-written baselines compute what the engines compute (timing is not tested here)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import forward_reverse  # noqa: E402
import harness  # noqa: E402
import scalar_mlp  # noqa: E402

from autograd import grad  # noqa: E402


@pytest.fixture(scope="module")
def problem():
    return scalar_mlp.problem()


@pytest.mark.parametrize("step", [scalar_mlp.hand_step, scalar_mlp.hand_step_tuned])
def test_hand_derived_steps_match_the_engine(problem, step):
    weights, X, y = problem
    engine = scalar_mlp.Autograd(weights, X, y)
    loss = engine.step(0)
    hand_loss, hand_weights = step(weights, X, y, scalar_mlp.learning_rate(0))
    assert hand_loss == pytest.approx(loss, rel=1e-13)
    assert hand_weights == pytest.approx(engine.weights, rel=1e-12, abs=1e-14)


def test_the_compiled_step_is_bit_exact_and_matches_hand_floats(problem):
    weights, X, y = problem
    compiled = scalar_mlp.AutogradCompiled(weights, X, y)
    assert compiled.bit_exact
    loss = compiled.step(0)
    hand_loss, hand_weights = scalar_mlp.hand_step_tuned(weights, X, y, scalar_mlp.learning_rate(0))
    assert loss == pytest.approx(hand_loss, rel=1e-13)
    assert compiled.weights == pytest.approx(hand_weights, rel=1e-12, abs=1e-14)


def test_the_forward_reverse_reference_gradient():
    x = forward_reverse.point(12)
    assert grad(forward_reverse.scalar_f, argnums=tuple(range(12)))(*x) == \
        pytest.approx(forward_reverse.expected_gradient(x), rel=1e-13)


def test_tables_and_times_print_sensibly():
    assert harness.show_time(0.00407) == "4.07 ms" and harness.show_time(812e-9) == "812 ns"
    assert harness.show_spread([0.0031, 0.0042]) == "3.1–4.2 ms"
    assert harness.table(["a", "b"], [["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_a_peer_that_fails_to_install_is_reported_and_remembered(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "ENVS", tmp_path)
    monkeypatch.setitem(harness.ENV_BASE, "broken", ())
    missing = str(tmp_path / "no-such-peer-1.0-py3-none-any.whl")  # fails locally, asks no registry
    monkeypatch.setitem(harness.PEERS, "nowhere", harness.Peer("nowhere", "broken", (missing,), "nowhere"))
    outcome = harness.ensure_envs(["nowhere"], log=lambda message: None)["nowhere"]
    assert not outcome.ok and outcome.error.startswith("pip install failed")
    assert (tmp_path / "broken" / ".failed-nowhere").exists()
    again = harness.ensure_envs(["nowhere"], log=lambda message: pytest.fail(f"pip asked again: {message}"))
    assert again["nowhere"].error == outcome.error


def test_a_worker_that_raises_or_dies_is_a_failure_not_a_crash(tmp_path):
    script = tmp_path / "worker.py"
    here = str(Path(harness.__file__).parent)
    script.write_text("\n".join([
        "import os, sys",
        f"sys.path.insert(0, {here!r})",
        "import harness",
        "def work(job):",
        "    if job['how'] == 'raise':",
        "        raise RecursionError('too deep')",
        "    if job['how'] == 'die':",
        "        os._exit(3)",
        "    return {'ok': job['how']}",
        "harness.worker_main(work)",
    ]) + "\n")
    assert harness.run_worker(sys.executable, script, {"how": "fine"}) == {"ok": "fine"}
    assert str(harness.run_worker(sys.executable, script, {"how": "raise"})) == "RecursionError: too deep"
    assert str(harness.run_worker(sys.executable, script, {"how": "die"})).startswith("crashed")
