"""Workload 2: a deep chain, y = x; N times y = y * 1.0001 + 0.0001; then backward.

Two operations per step, so the graph is 2N nodes deep: the test of an
engine's graph walk (a recursive topological sort fails near Python's
recursion limit) and of its memory per node. For each engine and each N in
10^3 ... 10^6 a fresh process builds the chain, runs backward, checks the
gradient against 1.0001^N, and reports:

    time per node   (build + backward) / 2N, median over the repeats
    bytes per node  growth of the process's peak resident memory (ru_maxrss) over
                    the first build + backward, / 2N; shown from N = 10^5 on, where
                    the graph dwarfs the allocator's noise
    where it fails  the exception (RecursionError, ...), a crash or a timeout

    python benchmarks/deep_chain.py [--quick]
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import harness

SIZES = (10**3, 10**4, 10**5, 10**6)
REPEATS = {10**3: 5, 10**4: 5, 10**5: 3, 10**6: 1}
BUDGET = 60     # seconds: no further repeat starts after this much time in one process
TIMEOUT = 600   # seconds for one process: past it, the engine is reported as timed out
LONGEST = 300   # seconds: N is not tried when the time at N/10, times 10, predicts more than this
FACTOR, SHIFT = 1.0001, 0.0001


def chain(y, n: int):
    for _ in range(n):
        y = y * FACTOR + SHIFT
    return y


# Each engine: build(n) -> (output, leaf), backward(output), gradient(leaf) -> float; or one `total(n)`.

class Autograd:
    def build(self, n):
        from autograd import Value
        x = Value(1.0)
        return chain(x, n), x

    def backward(self, y):
        y.backward()

    def gradient(self, x):
        return x.grad


class Micrograd(Autograd):
    """micrograd as it comes: its recursive topological sort runs under Python's default recursion limit."""

    def build(self, n):
        from micrograd.engine import Value
        x = Value(1.0)
        return chain(x, n), x


class MicrogradDeep(Micrograd):
    """micrograd with ``sys.setrecursionlimit(10**8)``: how far it goes, and its memory per node."""

    def __init__(self):
        sys.setrecursionlimit(10**8)


class Torch(Autograd):
    def __init__(self):
        import torch
        torch.set_num_threads(1)
        self.torch = torch

    def build(self, n):
        x = self.torch.tensor(1.0, dtype=self.torch.float64, requires_grad=True)
        return chain(x, n), x

    def gradient(self, x):
        return x.grad.item()


class Dezero(Autograd):
    def __init__(self):
        import numpy as np
        np.int = int  # dezero 0.0.13 uses np.int, removed in numpy 1.24
        import dezero
        self.dezero, self.np = dezero, np

    def build(self, n):
        x = self.dezero.Variable(self.np.array(1.0))
        return chain(x, n), x

    def gradient(self, x):
        return float(x.grad.data)


class MyGrad(Autograd):
    def build(self, n):
        import mygrad
        x = mygrad.tensor(1.0)
        return chain(x, n), x

    def gradient(self, x):
        return float(x.grad)


class Hips:
    """HIPS autograd records while it differentiates: build and backward are one call."""

    def __init__(self):
        import autograd
        self.grad = autograd.grad

    def total(self, n):
        return float(self.grad(lambda x: chain(x, n))(1.0))


class Jax:
    """JAX eager (no jit: tracing a million-step Python loop is the point)."""

    def __init__(self):
        import jax
        jax.config.update("jax_enable_x64", True)
        self.jax = jax

    def total(self, n):
        return float(self.jax.grad(lambda x: chain(x, n))(1.0))


IMPLEMENTATIONS = {"autograd": Autograd, "micrograd": Micrograd, "micrograd, recursion limit 10^8": MicrogradDeep,
                   "torch": Torch, "dezero": Dezero, "mygrad": MyGrad, "hips": Hips, "jax": Jax}
PEER_OF = {"micrograd": "micrograd", "micrograd, recursion limit 10^8": "micrograd", "torch": "torch",
           "dezero": "dezero", "mygrad": "mygrad", "hips": "hips", "jax": "jax"}


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def worker(job: dict) -> dict:
    impl = IMPLEMENTATIONS[job["impl"]]()
    n = job["n"]
    expected = FACTOR ** n
    builds, backwards, totals = [], [], []
    start_peak = peak_bytes()
    growth = None
    began = time.perf_counter()
    for _ in range(job["repeats"]):
        if totals and time.perf_counter() - began > BUDGET:
            break
        if hasattr(impl, "total"):
            start = time.perf_counter()
            g = impl.total(n)
            totals.append(time.perf_counter() - start)
        else:
            start = time.perf_counter()
            y, x = impl.build(n)
            built = time.perf_counter()
            impl.backward(y)
            done = time.perf_counter()
            g = impl.gradient(x)
            builds.append(built - start)
            backwards.append(done - built)
            totals.append(done - start)
            del y, x
        if growth is None:
            growth = peak_bytes() - start_peak
        if abs(g - expected) > 1e-9 * expected:
            return {"error": f"wrong gradient {g!r}, expected {expected!r}"}
    return {"build": builds, "backward": backwards, "total": totals, "growth": growth}


def run(installed: dict, quick: bool = False, log=print) -> str:
    sizes = SIZES[:3] if quick else SIZES
    names = [n for n in IMPLEMENTATIONS if n not in PEER_OF or installed[PEER_OF[n]].ok]
    results: dict[str, dict] = {name: {} for name in names}
    for n in sizes:
        for name in names:
            previous = [v for v in results[name].values() if isinstance(v, harness.Failure)]
            if previous:  # it failed at a smaller N: a longer chain will not do better
                continue
            smaller = results[name].get(n // 10)
            if isinstance(smaller, dict) and 10 * harness.median(smaller["total"]) > LONGEST:
                results[name][n] = harness.Failure(f"not tried: 10x the time at N/10 is over {LONGEST} s")
                continue
            log(f"  deep chain N={n:.0e}: {name}")
            python = harness.python_of("peers") if name not in PEER_OF else installed[PEER_OF[name]].python
            job = {"impl": name, "n": n, "repeats": 1 if quick and n >= 10**5 else REPEATS[n]}
            results[name][n] = harness.run_worker(python, Path(__file__), job, timeout=TIMEOUT)
    return report(results, sizes, installed)


def _cell(result, n) -> str:
    if result is None:
        return "–"
    if isinstance(result, harness.Failure):
        return f"**{result}**"
    total = harness.median(result["total"])
    spread = f"{harness.show_spread(result['total'])}; " if len(result["total"]) > 1 else "1 run; "
    return f"{harness.show_time(total)} ({spread}{harness.show_time(total / (2 * n))}/node)"


def report(results, sizes, installed) -> str:
    header = ["engine"] + [f"N = 10^{len(str(n)) - 1}" for n in sizes] + [
        f"at N = 10^{len(str(sizes[-1])) - 1}: build / backward per node", "bytes/node (peak RSS)", "B/node × autograd"]
    ours = _bytes_per_node(results.get("autograd", {}), sizes)
    rows = []
    for name, by_n in results.items():
        last = by_n.get(sizes[-1])
        split = "–"
        if isinstance(last, dict) and last["build"]:
            n = sizes[-1]
            split = (f"{harness.show_time(harness.median(last['build']) / (2 * n))} / "
                     f"{harness.show_time(harness.median(last['backward']) / (2 * n))}")
        memory = _bytes_per_node(by_n, sizes)
        first_failure = next((n for n in sizes if isinstance(by_n.get(n), harness.Failure)), None)
        cells = [_cell(by_n.get(n), n) if first_failure is None or n <= first_failure else "(not run)" for n in sizes]
        rows.append([f"**{name}**" if name == "autograd" else name] + cells + [
            split, f"{memory[1]:.0f} (N = 10^{len(str(memory[0])) - 1})" if memory else "–",
            f"{memory[1] / ours[1]:.2f}" if memory and ours else "–"])
    for name, peer in PEER_OF.items():
        if not installed[peer].ok and name not in results:
            rows.append([name, "not installed: " + installed[peer].error] + [""] * (len(header) - 2))
    lines = ["### 2. Deep chain (y = y * 1.0001 + 0.0001, N times: 2N nodes; forward + backward)\n",
             harness.table(header, rows), "",
             "Each cell: median time for the whole chain (min–max; per node); each (engine, N) runs in a fresh "
             "process, "
             f"{', '.join(f'{REPEATS[n]}x at 10^{len(str(n)) - 1}' for n in sizes)} (fewer once {BUDGET} s have "
             "passed). A failure is the exception the engine raised; larger N are then not tried. Bytes per "
             "node: growth of the peak resident set over the first run, divided by 2N, at the largest N that ran "
             "(10^5 or more). hips and jax build and differentiate in one call, so they have no split. Every "
             "gradient that finished equals 1.0001^N."]
    if ours and "micrograd, recursion limit 10^8" in results:
        m = _bytes_per_node(results["micrograd, recursion limit 10^8"], sizes)
        if m and m[0] == ours[0]:
            lines.append(f"\nMemory per node: autograd {ours[1]:.0f} B, micrograd {m[1]:.0f} B at the same N: "
                         f"**{ours[1] / m[1]:.0%} of micrograd's**.")
    return "\n".join(lines)


def _bytes_per_node(by_n: dict, sizes) -> tuple[int, float] | None:
    """(N, bytes per node) at the largest N >= 10^5 that finished, or None."""
    for n in reversed(sizes):
        r = by_n.get(n)
        if n >= 10**5 and isinstance(r, dict) and r.get("growth") is not None:
            return n, r["growth"] / (2 * n)
    return None


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N up to 10^5, one repeat for the large ones")
    args = parser.parse_args()
    installed = harness.ensure_envs(sorted(set(PEER_OF.values())))
    print(run(installed, args.quick, log=lambda m: print(m, file=sys.stderr)))


if __name__ == "__main__":
    if not harness.worker_main(worker):
        main()
