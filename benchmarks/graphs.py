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
(Drawing and exploring the demo's graph are not measured yet: see the issue's
   remaining steps.)
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
