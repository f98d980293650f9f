"""The chain-rule trace: one step per edge, formulas and numbers from the table, same totals as backward()."""

import math
import re
import shutil

import pytest
from hypothesis import given

from autograd import Value, ops
from autograd.explain import STEPPER_MAX_NODES, explain
from autograd.graph import backpropagate, topological_order
from autograd.testing.strategies import floats_in_domain
from autograd.value import Constant
from tests.fixtures.expressions import EXPRESSIONS, POINTS
from tests.test_primitives import PRIMITIVES

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's `dot` program is not installed (Debian package graphviz; `make test` installs it as root)")


def tanh_neuron():
    x, w, b = Value(0.5, label="x"), Value(-3.0, label="w"), Value(2.0, label="b")
    f = (x * w + b).tanh()
    f.label = "f"
    return f, (x, w, b)


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
@pytest.mark.parametrize("point", POINTS)
def test_the_trace_totals_are_exactly_what_backward_computes(name, point):
    x, y = Value(point[0], label="x"), Value(point[1], label="y")
    out = EXPRESSIONS[name](x, y)
    trace = explain(out)
    expected = backpropagate(out)
    assert {id(n): g for n, g in expected.items()} == trace.gradients  # bitwise: same order, same arithmetic
    assert x.grad == 0.0 and y.grad == 0.0  # explaining writes no .grad
    out.backward()
    assert trace.grad(x) == x.grad and trace.grad(y) == y.grad


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_one_step_per_edge_in_reverse_topological_order(name):
    x, y = Value(0.3, label="x"), Value(0.9, label="y")
    out = EXPRESSIONS[name](x, y)
    trace = explain(out)
    order = topological_order(out)
    edges = [(id(n), i) for n in reversed(order) if n._op is not None
             for i, p in enumerate(n.parents) if not isinstance(p, Constant)]  # a number gets no gradient
    assert [(id(s.node), s.position) for s in trace.backward] == edges
    finished = set()
    for step in trace.backward:
        # upstream is final when a node is first used: all its consumers came before it
        assert step.upstream == trace.grad(step.node)
        assert id(step.parent) not in finished
        finished.add(id(step.node))
        assert step.contribution == step.upstream * step.local
        assert step.total == (step.contribution if step.before is None else step.before + step.contribution)
    last_total = {id(s.parent): s.total for s in trace.backward}
    assert last_total == {k: v for k, v in trace.gradients.items() if k != id(out)}


@given(floats_in_domain(ops.tanh))
def test_the_issue_example_tanh(inputs):
    (u_value,) = inputs
    u = Value(u_value, label="u")
    trace = explain(u.tanh())
    (step,) = trace.backward
    assert step.derivative == "d tanh(u)/du" and step.formula == "1 - tanh(u)^2"
    assert step.local == pytest.approx(1 - math.tanh(u_value) ** 2, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_every_primitive_is_explained_from_its_row_of_the_table(op):
    names = ["p", "q"][:op.arity]
    inside = [min(max(1.3, d[0] + 0.5), d[1] - 0.5) if i == 0 else 0.7 for i, d in enumerate(op.domains)]
    leaves = [Value(v, label=n) for v, n in zip(inside, names)]
    out = op(*leaves)
    assert out._op is op
    trace = explain(out)
    partials = op.partials(*inside, out.data)
    assert len(trace.backward) == op.arity
    for step, leaf, formula, partial in zip(trace.backward, leaves, op.formulas, partials):
        assert step.parent is leaf and step.local == partial
        assert step.formula == op.format(*names, text=formula)
        assert f"d{leaf.label}" in step.derivative


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_the_table_writes_formulas_in_the_input_names_the_trace_substitutes(op):
    words = set(re.findall(r"\b[a-z]\b", op.expression + " " + " ".join(op.formulas)))
    assert words <= set(op.inputs), words


def test_substitution_is_simultaneous_and_parenthesizes():
    assert ops.pow.format("b", "a", text=ops.pow.formulas[0]) == "a * b^(a - 1)"
    assert ops.tanh.format("-0.5", text=ops.tanh.formulas[0]) == "1 - tanh((-0.5))^2"
    assert ops.exp.format("h1") == "exp(h1)"


def test_printing_gives_a_readable_table():
    f, (x, w, b) = tanh_neuron()
    text = str(explain(f, title="tanh(x*w + b)"))
    n2 = 0.5 * -3.0 + 2.0
    local = 1 - math.tanh(n2) ** 2
    assert f"d tanh(n2)/dn2 = 1 - tanh(n2)^2 = {local:.4g}" in text
    assert "n1 = x * w = 0.5 * (-3) = -1.5" in text
    assert re.search(r"step\s+node\s+upstream\s+local derivative\s+product\s+into\s+its grad so far", text)
    f.backward()
    for leaf in (x, w, b):
        assert f"df/d{leaf.label} = {leaf.grad:.4g}" in text


def test_x_times_x_explains_both_edges_and_their_running_total():
    x = Value(3.0, label="x")
    y = x * x
    trace = explain(y)
    first, second = trace.backward
    assert first.derivative.endswith("(as a)") and second.derivative.endswith("(as b)")
    assert first.before is None and second.before == first.total and second.total == 6.0
    assert "dn1/dx = 3 + 3 = 6" in trace.step_text(second)


@needs_dot
def test_the_stepper_is_one_self_contained_file(tmp_path):
    f, _ = tanh_neuron()
    path = explain(f).to_html(tmp_path / "f.html")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<script>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # XML namespace names


@needs_dot
def test_in_jupyter_a_trace_is_the_stepper_fragment():
    f, _ = tanh_neuron()
    trace = explain(f)
    first, second = trace._repr_html_(), trace._repr_html_()
    assert "<html" not in first and "<svg" in first and 'class="autograd-stepper"' in first
    ids = re.findall(r'<div class="autograd-stepper" id="([\w-]+)"', first + second)
    assert len(set(ids)) == 2  # two outputs in one notebook never share ids


def test_without_dot_jupyter_gets_the_table_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    f, _ = tanh_neuron()
    shown = explain(f)._repr_html_()
    assert "<table" in shown and "apt-get install graphviz" in shown and "stepper needs" in shown
    assert "d tanh(n2)/dn2" in shown


def test_the_stepper_refuses_a_graph_too_large_to_read(tmp_path):
    x = Value(0.1, label="x")
    h = x
    for _ in range(STEPPER_MAX_NODES):
        h = h * 1.01
    trace = explain(h)
    assert len(trace.backward) == STEPPER_MAX_NODES  # the trace itself has every step (the 1.01s get none)
    with pytest.raises(ValueError, match="at most 400"):
        trace.to_html(tmp_path / "big.html")
    assert "too large for the stepper" in trace._repr_html_()
    assert not (tmp_path / "big.html").exists()


def test_explain_is_for_scalar_graphs():
    class Tensorish:
        shape = (3,)

    with pytest.raises(TypeError, match="scalar Values"):
        explain(Tensorish())


def test_the_engine_and_the_text_trace_need_no_graphviz():
    """Drawing is optional: with the graphviz package unimportable, the engine and explain() still work."""
    import subprocess
    import sys

    program = (
        "import sys\n"
        "class NoGraphviz:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'graphviz' or name.startswith('graphviz.'):\n"
        "            raise ImportError('graphviz is not installed (blocked by the test)')\n"
        "sys.meta_path.insert(0, NoGraphviz())\n"
        "import autograd, autograd.nn, autograd.optim, autograd.testing, autograd.compile\n"
        "from autograd import Value\n"
        "from autograd.explain import explain\n"
        "x = Value(0.5, label='x'); f = (x * x).tanh(); f.label = 'f'\n"
        "print(explain(f))\n"
        "assert 'graphviz' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "tanh" in result.stdout
