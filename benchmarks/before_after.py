"""Did a change slow the hot path? The same three steps timed on two source trees, side by side in one run.

    python benchmarks/before_after.py                  # HEAD (checked out into a temporary worktree) vs the work tree
    python benchmarks/before_after.py --before v1 --rounds 9
    python benchmarks/before_after.py --before-tree /tmp/old --after-tree .

The steps, each in a fresh process per round, the two trees alternating so
that both see the same load:

    scalar   one training step of micrograd's demo: MLP(2, [16, 16, 1]) on 100 two-moons
             points, hinge loss + L2, backward, SGD (about 69,000 Value nodes)
    tensor   one training step of a 784-200-200-10 float32 MLP at batch 100, written as users
             write it: nn.Sequential of nn.Linear and nn.ReLU, nn.cross_entropy, SGD
    chain    y = y * 1.0001 + 0.0001, 10^5 times, then backward (2 x 10^5 nodes)

It prints the median of each (min-max beside it) and the ratio after/before.
Timings on a shared 2-core machine are noisy: read ratios, take more rounds
for a closer look, or count instructions instead (``--callgrind``: each step
under valgrind's callgrind, 1 and 3 repetitions, the difference halved, so
imports and set-up cancel out; repeatable to a fraction of a percent).
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the workers'
environment (benchmarks only, never tests), and the BLAS kernel that ran
is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
STEPS = ("scalar", "tensor", "chain")


# --- inside a worker: the tree under test is first on sys.path ----------------------------

def scalar_step(repeats: int) -> list[float]:
    import random

    from autograd.data import make_moons
    from autograd.nn import MLP

    X, y = make_moons(100, noise=0.1, seed=0)
    X, y = X.tolist(), y.tolist()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        scores = [model(x) for x in X]
        losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        times.append(time.perf_counter() - start)
    return times


def tensor_step(repeats: int) -> list[float]:
    import numpy as np

    from autograd import Tensor, nn, optim

    nn.init.seed(0)
    model = nn.Sequential(nn.Linear(784, 200, dtype=np.float32), nn.ReLU(), nn.Linear(200, 200, dtype=np.float32),
                          nn.ReLU(), nn.Linear(200, 10, dtype=np.float32))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((100, 784)).astype(np.float32))
    labels = rng.integers(0, 10, 100)
    times = []
    for _ in range(repeats + 3):  # three to warm up the BLAS buffers
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = nn.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
    return times[3:]


def chain_step(repeats: int) -> list[float]:
    from autograd import Value

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        x = Value(1.0)
        y = x
        for _ in range(100_000):
            y = y * 1.0001 + 0.0001
        y.backward()
        times.append(time.perf_counter() - start)
        del x, y
    return times


def worker(step: str, repeats: int) -> None:
    import autograd

    times = {"scalar": scalar_step, "tensor": tensor_step, "chain": chain_step}[step](repeats)
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info()
                         if i.get("user_api") == "blas")
    except ImportError:
        pass
    print(json.dumps({"times": times, "module": autograd.__file__, "blas": blas}))


# --- the driver ---------------------------------------------------------------------------------

def instructions_in(tree: Path, step: str) -> int:
    """Instructions one more repetition of `step` costs in `tree`, counted by callgrind (set-up cancels out)."""
    counts = []
    for repeats in (1, 3):
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env.update(PYTHONPATH=str(tree), OPENBLAS_NUM_THREADS="1")
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                              str(HERE), "--worker", step, "--repeats", str(repeats)],
                             cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True, check=True)
        counts.append(int(re.search(r"Collected : (\d+)", out.stderr).group(1)))
    return (counts[1] - counts[0]) // 2


def run_in(tree: Path, step: str, repeats: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["PYTHONPATH"] = str(tree)
    out = subprocess.run([sys.executable, str(HERE), "--worker", step, "--repeats", str(repeats)],
                         cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(result["module"]).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"the worker imported {result['module']}, not the tree {tree}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="HEAD", help="a git revision to check out as the 'before' tree")
    parser.add_argument("--before-tree", type=Path, help="an existing source tree instead of --before")
    parser.add_argument("--after-tree", type=Path, default=ROOT, help="the 'after' tree (default: this work tree)")
    parser.add_argument("--rounds", type=int, default=5, help="processes per tree and step (default 5)")
    parser.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--callgrind", action="store_true", help="count instructions per step instead of timing")
    parser.add_argument("--worker", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeats)
        return

    with tempfile.TemporaryDirectory() as scratch:
        before = args.before_tree
        if before is None:
            before = Path(scratch) / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.before],
                           check=True, capture_output=True)
        try:
            if args.callgrind:
                print(f"before: {args.before_tree or args.before}   after: {args.after_tree}   "
                      "instructions per step (callgrind, one BLAS thread)")
                for step in args.only:
                    b, a = instructions_in(before, step), instructions_in(args.after_tree, step)
                    print(f"{step:8} {b:>15,} {a:>15,}   after/before {a / b:.4f}")
                return
            rows, blas = [], ""
            for step in args.only:
                medians = {"before": [], "after": []}
                for _ in range(args.rounds):
                    for name, tree in (("before", before), ("after", args.after_tree)):
                        result = run_in(tree, step, 5)
                        medians[name].append(statistics.median(result["times"]))
                        blas = blas or result["blas"]
                b, a = statistics.median(medians["before"]), statistics.median(medians["after"])
                rows.append((step, b, min(medians["before"]), max(medians["before"]),
                             a, min(medians["after"]), max(medians["after"]), a / b))
        finally:
            if args.before_tree is None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                               capture_output=True)
    label = args.before_tree or args.before
    print(f"before: {label}   after: {args.after_tree}   {args.rounds} rounds of 5 steps; BLAS: {blas or 'unknown'}")
    print(f"{'step':8} {'before (median, min-max)':>30} {'after (median, min-max)':>30} {'after/before':>13}")
    for step, b, b_lo, b_hi, a, a_lo, a_hi, ratio in rows:
        print(f"{step:8} {b * 1e3:11.2f} ms ({b_lo * 1e3:6.2f}-{b_hi * 1e3:6.2f}) "
              f"{a * 1e3:11.2f} ms ({a_lo * 1e3:6.2f}-{a_hi * 1e3:6.2f}) {ratio:13.3f}")


if __name__ == "__main__":
    main()
