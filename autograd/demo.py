"""The demo: micrograd's classic example, trained here, then checked three ways.

An MLP(2, [16, 16, 1]) learns to separate two moons (100 points) with a
max-margin loss plus L2 regularisation, by full-batch SGD with a learning
rate decaying from 1.0 to 0.1 over 100 steps. Afterwards the gradient of one
step is computed by reverse mode, by forward mode and by finite differences,
and the three are printed side by side.
"""

from __future__ import annotations

import random
import time

from autograd.data import make_moons
from autograd.dual import Dual
from autograd.modes import no_grad
from autograd.nn import MLP

ALPHA = 1e-4  # weight of the L2 penalty


def loss_and_accuracy(model, X, y):
    """micrograd's loss: mean(relu(1 - y * score)) + ALPHA * sum(p^2), and the accuracy."""
    scores = [model(x) for x in X]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    accuracy = sum((yi > 0) == (score > 0) for yi, score in zip(y, scores)) / len(y)
    return data_loss + reg_loss, accuracy


def train(model, X, y, steps: int = 100, log=print):
    for k in range(steps):
        start = time.perf_counter()
        loss, accuracy = loss_and_accuracy(model, X, y)
        model.zero_grad()
        loss.backward()
        learning_rate = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        log(f"step {k:3d}  loss {loss.data:.4f}  accuracy {accuracy:4.0%}  "
            f"({(time.perf_counter() - start) * 1e3:.0f} ms)")
    return loss_and_accuracy(model, X, y)


def gradient_check(model, X, y, picks: int = 6, h: float = 1e-6, seed: int = 0):
    """d loss / d p for a few parameters p: reverse mode, forward mode, central differences.

    Forward mode runs the model with one parameter's data replaced by the dual
    number (p, 1): every Value then carries a tangent along, and the loss's
    tangent is d loss / d p. Finite differences re-run the model at p +- h.
    """
    params = model.parameters()
    model.zero_grad()
    loss, _ = loss_and_accuracy(model, X, y)
    loss.backward()
    rows = []
    for i in sorted(random.Random(seed).sample(range(len(params)), picks)):
        p = params[i]
        x = p.data
        with no_grad():
            p.data = Dual(x, 1.0)
            forward = loss_and_accuracy(model, X, y)[0].data.tangent
            p.data = x + h
            above = loss_and_accuracy(model, X, y)[0].data
            p.data = x - h
            below = loss_and_accuracy(model, X, y)[0].data
            p.data = x
        rows.append((i, p.grad, forward, (above - below) / (2 * h)))
    return rows


def main(steps: int = 100, log=print) -> float:
    X, y = make_moons(100, noise=0.1, seed=0)
    X, y = X.tolist(), y.tolist()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    log(f"{model}\n{len(model.parameters())} parameters, {len(X)} points\n")
    started = time.perf_counter()
    loss, accuracy = train(model, X, y, steps, log)
    log(f"\nafter {steps} steps ({time.perf_counter() - started:.1f} s): "
        f"loss {loss.data:.4f}, accuracy {accuracy:.0%}\n")

    log("gradient check of one step, d loss / d parameter:")
    log(f"{'param':>6} {'reverse mode':>16} {'forward mode':>16} {'central diff.':>16} {'max rel. err':>13}")
    worst = 0.0
    for i, reverse, forward, numeric in gradient_check(model, X, y):
        scale = max(abs(reverse), 1e-12)
        error = max(abs(forward - reverse), abs(numeric - reverse)) / scale
        worst = max(worst, abs(forward - reverse) / scale)
        log(f"{i:>6} {reverse:>16.10f} {forward:>16.10f} {numeric:>16.10f} {error:>13.1e}")
    log(f"\nreverse and forward mode agree to {worst:.1e} (relative); "
        "finite differences to about 1e-8, their truncation and rounding error.")
    return accuracy
