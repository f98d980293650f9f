"""micrograd's demo step, timed side by side: this library against micrograd 0.1.0.

Workload: one full-batch step of MLP(2, [16, 16, 1]) on 100 two-moons points
-- forward, max-margin loss + 1e-4 * L2, backward, SGD update -- about 69,000
graph nodes. Both engines start from the same weights (``random.seed(1337)``)
and must reach the same loss, which the driver checks before it reports.

Each engine runs in its own subprocess (so the garbage collector of one never
walks the other's objects), in alternating rounds, and every figure is the
median over all timed steps with the min-max beside it. Memory per node is
measured with tracemalloc over one retained graph, after backward.

    python benchmarks/scalar_mlp.py            # or: make bench
    python benchmarks/scalar_mlp.py --rounds 5 --steps 7
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc

ENGINES = {"autograd": "autograd.nn", "micrograd": "micrograd.nn"}


def moons():
    from autograd.data import make_moons  # the same points for every engine
    X, y = make_moons(100, noise=0.1, seed=0)
    return X.tolist(), y.tolist()


def loss_of(model, X, y):
    scores = [model(x) for x in X]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


def count_nodes(root) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        parents = node._prev if hasattr(node, "_prev") else node.parents
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def worker(engine: str, steps: int) -> dict:
    """Runs inside the subprocess: time `steps` SGD steps after one warm-up step."""
    MLP = __import__(ENGINES[engine], fromlist=["MLP"]).MLP
    X, y = moons()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    first_loss, times = None, []
    for k in range(steps + 1):
        start = time.perf_counter()
        loss = loss_of(model, X, y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        elapsed = time.perf_counter() - start
        if k == 0:
            first_loss = loss.data
        else:
            times.append(elapsed)
        del loss

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = loss_of(model, X, y)
    loss.backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    nodes = count_nodes(loss)
    return {"engine": engine, "times": times, "first_loss": first_loss, "nodes": nodes, "bytes_per_node": held / nodes}


def run(engine: str, steps: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", engine, "--steps", str(steps)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round and engine")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.steps)))
        return

    engines = [e for e in ENGINES if importlib.util.find_spec(ENGINES[e].split(".")[0])]
    results = {e: {"times": []} for e in engines}
    for _ in range(args.rounds):
        for engine in engines:
            r = run(engine, args.steps)
            results[engine]["times"] += r["times"]
            results[engine].update({k: v for k, v in r.items() if k != "times"})

    losses = {e: r["first_loss"] for e, r in results.items()}
    assert max(losses.values()) - min(losses.values()) < 1e-9, f"engines disagree on the loss: {losses}"
    median = {e: statistics.median(r["times"]) for e, r in results.items()}
    print(f"scalar MLP step (MLP 2-16-16-1, 100 points), {time.strftime('%Y-%m-%d')}, "
          f"{platform.machine()}, Python {platform.python_version()}, "
          f"{args.rounds} rounds x {args.steps} steps per engine\n")
    print("| engine | step median | min - max | x autograd | graph nodes | bytes/node | memory x autograd |")
    print("|---|---|---|---|---|---|---|")
    ours = results["autograd"]
    for engine, r in results.items():
        print(f"| {engine} | {median[engine] * 1e3:.1f} ms | {min(r['times']) * 1e3:.1f} - "
              f"{max(r['times']) * 1e3:.1f} ms | {median[engine] / median['autograd']:.2f} | {r['nodes']:,} | "
              f"{r['bytes_per_node']:.0f} | {r['bytes_per_node'] / ours['bytes_per_node']:.2f} |")
    if "micrograd" in results:
        memory = ours["bytes_per_node"] / results["micrograd"]["bytes_per_node"]
        print(f"\nautograd is {median['micrograd'] / median['autograd']:.1f}x faster than micrograd per step "
              f"and holds {memory:.0%} of its memory per node.")


if __name__ == "__main__":
    main()
