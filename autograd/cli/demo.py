"""The demo: micrograd's classic example, trained here, then checked three ways.

An MLP(2, [16, 16, 1]) learns to separate two moons (100 points) with a
max-margin loss plus L2 regularisation, by full-batch SGD with a learning
rate decaying from 1.0 to 0.1 over 100 steps. Afterwards the gradient of one
step is computed by reverse mode, by forward mode and by finite differences,
and the three are printed side by side.

Given an output folder (``python -m autograd demo --out DIR``), it also writes

    moons_decision_boundary.png   the trained model's decision boundary (needs matplotlib)
    neuron_graph.svg              one neuron of the model on one point, with its gradients
    chain_rule_stepper.html       the chain rule of tanh(x*w + b), step by step, in a browser
    gradient_check.txt            the three-way gradient check
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from autograd import arguments
from autograd.data import make_moons
from autograd.dual import Dual
from autograd.nn import MLP, Neuron
from autograd.scopes import scope
from autograd.value import Value

__all__: list[str] = []  # a program, not a library: run it with `python -m autograd demo` (it takes 30 s)

ALPHA = 1e-4  # weight of the L2 penalty


def loss_and_accuracy(model, X, y):
    """micrograd's loss: mean(relu(1 - y * score)) + ALPHA * sum(p^2), and the accuracy."""
    scores = [model(x) for x in X]
    with scope("loss"):  # named, so that a drawing grouped by module shows the loss and its two parts
        with scope("data"):
            losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
        with scope("regularization"):
            reg_loss = ALPHA * sum(p * p for p in model.parameters())
        loss = data_loss + reg_loss
    accuracy = sum((yi > 0) == (score > 0) for yi, score in zip(y, scores)) / len(y)
    return loss, accuracy


def train(model, X, y, steps: int = 100, log=print):
    """Full-batch SGD; a line per step through `log`, and on a terminal a progress bar with the running loss."""
    bar = _progress_bar(steps) if log is print and sys.stdout.isatty() else None
    for k in range(steps):
        start = time.perf_counter()
        loss, accuracy = loss_and_accuracy(model, X, y)
        model.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        line = (f"step {k:3d}  loss {loss.data:.4f}  accuracy {accuracy:4.0%}  "
                f"({(time.perf_counter() - start) * 1e3:.0f} ms)")
        if bar is None:
            log(line)
        else:
            bar.write(line)
            bar.set_postfix(loss=f"{loss.data:.4f}", accuracy=f"{accuracy:.0%}")
            bar.update()
    if bar is not None:
        bar.close()
    return loss_and_accuracy(model, X, y)


def _progress_bar(steps: int):
    """tqdm's bar (installed with the demo), kept below the step lines; None without tqdm."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=steps, desc="training", unit="step")


def gradient_check(model, X, y, picks: int = 6, seed: int = 0):
    """d loss / d p for a few parameters p, checked by the one checker: reverse mode, forward mode, central differences.

    The loss is written as a function of the picked parameters: each call
    puts its arguments in their places in the model (Values from reverse
    mode and finite differences; a Dual of forward mode rides inside a
    Value, so every Value of the model carries its tangent along), computes
    the loss, and puts the parameters back. Returns the `GradientReport`.
    """
    from autograd.testing import gradient_report

    named = list(model.named_parameters())
    chosen = sorted(random.Random(seed).sample(range(len(named)), picks))
    slots = [_slot(model, named[i][0]) for i in chosen]

    def loss_of(*parameters):
        originals = [getter() for getter, _ in slots]
        try:
            for (_, setter), p in zip(slots, parameters):
                setter(p if isinstance(p, Value) else Value(p))
            loss = loss_and_accuracy(model, X, y)[0]
        finally:
            for (_, setter), p in zip(slots, originals):
                setter(p)
        return loss.data if isinstance(loss.data, Dual) else loss

    loss_of.__name__ = "loss"
    loss_of.variables = tuple(f"p{i}" for i in chosen)  # the parameter's index in model.parameters()
    return gradient_report(loss_of, tuple(named[i][1].data for i in chosen))


def _slot(model, name: str):
    """(get, set) for the parameter `name` of named_parameters ("layers.0.neurons.3.w.1"): where it lives."""
    *path, last = name.split(".")
    owner = model
    for part in path:
        owner = owner[int(part)] if isinstance(owner, list) else getattr(owner, part)
    if isinstance(owner, list):
        index = int(last)
        return (lambda: owner[index]), (lambda value: owner.__setitem__(index, value))
    return (lambda: getattr(owner, last)), (lambda value: setattr(owner, last, value))


def plot_decision_boundary(model, X, y, path: Path, resolution: int = 50) -> Path:
    """The sign of the model's score over a grid, with the training points on top (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt
    import numpy as np

    X = np.asarray(X)
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, resolution)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, resolution)
    scores = np.array([[model([float(a), float(b)]).data for a in xs] for b in ys])
    figure, axes = plt.subplots(figsize=(6, 4.5), dpi=100)
    axes.contourf(xs, ys, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#fdd0a2", "#c6dbef"], alpha=0.9)
    axes.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1)
    axes.scatter(X[:, 0], X[:, 1], c=np.asarray(y), cmap="coolwarm", edgecolors="black", s=25)
    axes.set_title("MLP(2, [16, 16, 1]) on two moons: decision boundary (score = 0)")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def one_neuron(model, X):
    """A copy of the model's first neuron on the first point that activates it, labelled and backpropagated."""
    trained = model.layers[0].neurons[0]
    neuron = Neuron(2)
    neuron.w = [Value(w.data, label=f"w{i + 1}") for i, w in enumerate(trained.w)]
    neuron.b = Value(trained.b.data, label="b")
    point = next((p for p in X if trained(p).data > 0), X[0])
    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(point)]
    out = neuron(inputs)
    out.label = "out"
    out.backward()
    return out


def write_files(model, X, y, report: list[str], out: Path, log=print) -> list[Path]:
    """Write the demo's pictures and report into `out`; return the paths written."""
    from autograd.explain import explain
    from autograd.explain.drawing import GraphvizNotFound, draw_dot
    from autograd.expression import parse

    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        written.append(plot_decision_boundary(model, X, y, out / "moons_decision_boundary.png"))
    except ImportError:
        log("skipped the decision boundary: matplotlib is not installed "
            "(pip install 'autograd-scalar[demo]', or run `make demo`)")

    neuron = one_neuron(model, X)
    stepper_expression = parse("tanh(x*w + b)")
    leaves = {name: Value(v, label=name) for name, v in (("x", 0.5), ("w", -3.0), ("b", 2.0))}
    f = stepper_expression.evaluate(leaves)
    f.label = "f"
    try:
        drawing = draw_dot(neuron, graph_label="one neuron of the trained model: relu(w1*x1 + w2*x2 + b)")
        written.append(Path(drawing.render(outfile=out / "neuron_graph.svg", cleanup=True)))
        written.append(explain(f, title=stepper_expression.source).to_html(out / "chain_rule_stepper.html"))
    except GraphvizNotFound as error:
        (out / "neuron_graph.dot").write_text(drawing.source)
        written.append(out / "neuron_graph.dot")
        log(f"skipped the SVG and the stepper (wrote the DOT text instead): {error}")

    report_path = out / "gradient_check.txt"
    report_path.write_text("\n".join(report) + "\n", encoding="utf-8")
    written.append(report_path)
    return written


def main(steps: int = 100, log=print, out: Path | None = None) -> float:
    """Train, check, and (given a folder `out`) write the files; return the final accuracy.

    The folder is made first, before training: one that cannot be made fails at once, not after 30 s.
    """
    steps = arguments.integer("steps", steps, low=1)
    log = arguments.function("log", log)
    if out is not None:
        out = arguments.path("out", out)
        out.mkdir(parents=True, exist_ok=True)
    X, y = make_moons(100, noise=0.1, seed=0)
    X, y = X.tolist(), y.tolist()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    log(f"MLP(2, [16, 16, 1]): {len(model.parameters())} parameters, {len(X)} points\n")
    started = time.perf_counter()
    loss, accuracy = train(model, X, y, steps, log)
    log(f"\nafter {steps} steps ({time.perf_counter() - started:.1f} s): "
        f"loss {loss.data:.4f}, accuracy {accuracy:.0%}\n")

    check = gradient_check(model, X, y)
    report = ["gradient check of one step by reverse mode, forward mode and central differences "
              "(autograd.testing.gradient_report), d loss / d p_i, i its index in model.parameters():",
              *str(check).splitlines()]
    for line in report:
        log(line)

    if out is not None:
        written_at = time.perf_counter()
        written = write_files(model, X, y, report, out, log)
        log(f"\nwrote {len(written)} files in {time.perf_counter() - written_at:.1f} s, "
            f"into {out.resolve()}:")
        for path in written:
            log(f"  {Path(path).resolve()}")
    return accuracy
