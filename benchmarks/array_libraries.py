"""`Tensor` on numpy, on PyTorch CPU tensors and on Dask: the MLP step side by side, and Dask at scale.

Two workloads, each library in a process of its own (torch's OpenMP threads
and numpy's OpenBLAS threads spin-wait for work and starve each other when
they share a process on 2 cores; see `tensor_mlp.GROUPS`):

1. The MLP step of `tensor_mlp.py` -- 784-200-200-10, ReLU, softmax
   cross-entropy, SGD lr 0.1, float32, its ``autograd`` step written out as
   ``x @ W + b`` -- at batch 100 and 1000, with the weights, inputs and
   labels as numpy arrays, as torch CPU tensors, or as Dask arrays (the
   batch in 4 chunks, the weights one chunk each, Dask's threaded scheduler);
   and, for scale, the same step in PyTorch's own autograd (`tensor_mlp`'s
   torch peer), which tells this library's share of torch's time.
   On Dask a step computes the loss and the six gradients in one
   ``dask.persist`` and persists the updated weights (else each step's graph
   would hold every step before it). Before timing, each library's first two
   losses must equal numpy's (rtol 1e-4, float32). Figures: medians over all
   rounds, min-max beside, ratio to numpy's median.
2. The linear regression step of notebook 11 (``x @ W + b`` against
   ``0.3 x + 1.5 + noise``, mean squared error, SGD) on N points made lazily by
   ``dask.array.random`` in chunks of 10^6 points, on a ``dask.distributed``
   LocalCluster of one worker (``--threads`` threads) in the process: the time per
   step and the process's peak resident memory (Linux's VmHWM: getrusage's
   ru_maxrss would include this parent process, which Linux carries over into
   the forked worker), beside the size x and y would have in memory.

    python benchmarks/array_libraries.py
    python benchmarks/array_libraries.py --rounds 5 --points 1e6 1e7 1e8
    python benchmarks/array_libraries.py --threads 1   # one thread each: steadier on a shared machine
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tensor_mlp  # noqa: E402  (the MLP's problem and its autograd step: one copy of them)

LIBRARIES = ("numpy", "torch", "dask", "PyTorch itself")
"""What holds the arrays of autograd's step -- and, for scale, the same step in PyTorch's own autograd."""
STEPS = {100: 30, 1000: 10}  # batch size -> timed steps a round, after 3 warm-up steps
DASK_BATCH_CHUNKS = 4
REGRESSION_CHUNK = 1_000_000


# --- 1. the MLP step, in one library -------------------------------------------------------------------

class DaskStep(tensor_mlp.Autograd):
    """tensor_mlp's autograd step on Dask arrays: lazily built, then computed together and persisted."""

    def step(self) -> float:
        import dask
        W1, b1, W2, b2, W3, b3 = self.params
        layer = self.layer
        h1 = layer(self.x, W1, b1).relu()
        h2 = layer(h1, W2, b2).relu()
        loss = self.cross_entropy(layer(h2, W3, b3), self.labels)
        for p in self.params:
            p.grad = None
        loss.backward()
        value, *grads = dask.persist(loss.data, *(p.grad for p in self.params))  # one pass for all seven
        for p, g in zip(self.params, grads):
            p.data = p.data - tensor_mlp.LR * g
        updated = dask.persist(*(p.data for p in self.params))
        for p, data in zip(self.params, updated):
            p.data = data
        self.grads = grads
        return float(value.compute())


def runner_of(library: str, batch: int, threads: int):
    params, x, labels = tensor_mlp.make_problem(batch)
    if library == "numpy":
        return tensor_mlp.Autograd(params, x, labels)
    if library == "PyTorch itself":  # tensor_mlp's torch peer: torch.autograd, not this library
        import torch
        runner = tensor_mlp.Torch(params, x, labels)
        torch.set_num_threads(threads)  # (after: the peer sets its own 2)
        return runner
    if library == "torch":
        import torch
        torch.set_num_threads(threads)
        return tensor_mlp.Autograd([torch.asarray(p) for p in params], torch.asarray(x), torch.asarray(labels))
    import dask
    import dask.array as da
    dask.config.set(num_workers=threads)  # (the threaded scheduler's pool)
    rows = -(-batch // DASK_BATCH_CHUNKS)
    return DaskStep([da.from_array(p, chunks=-1) for p in params], da.from_array(x, chunks=(rows, -1)),
                    da.from_array(labels, chunks=rows))


def mlp_worker(library: str, batch: int, steps: int, threads: int) -> dict:
    """The first two losses (checked against numpy's by the parent) and `steps` timed steps."""
    checker = runner_of(library, batch, threads)
    losses = [checker.step(), checker.step()]
    runner = runner_of(library, batch, threads)
    times = []
    for k in range(3 + steps):
        start = time.perf_counter()
        runner.step()
        if k >= 3:
            times.append(time.perf_counter() - start)
    return {"losses": losses, "times": times}


# --- 2. the linear regression of notebook 11, at N points ----------------------------------------------

def peak_memory() -> int:
    """The process's resident high-water mark in bytes: VmHWM on Linux, else ru_maxrss (see notebook 11)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def regression_worker(points: int, steps: int, threads: int) -> dict:
    """Notebook 11's training steps on `points` lazy points: time per step, peak memory, the fit."""
    import dask
    import dask.array as da
    from distributed import Client, LocalCluster

    from autograd import Tensor, optim

    cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=threads, dashboard_address=None)
    client = Client(cluster)
    chunk = min(REGRESSION_CHUNK, points)
    rng = da.random.default_rng(0)
    x = rng.standard_normal((points, 1), chunks=(chunk, 1))
    y = 0.3 * x + 1.5 + 0.1 * rng.standard_normal((points, 1), chunks=(chunk, 1))
    W = Tensor(da.zeros((1, 1), chunks=-1), requires_grad=True)
    b = Tensor(da.zeros((1,), chunks=-1), requires_grad=True)
    X = Tensor(x)
    solver = optim.SGD([W, b], lr=0.25)
    before = peak_memory()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        solver.zero_grad()
        loss = ((X @ W + b - y) ** 2).mean()
        loss.backward()
        loss.data, W.grad, b.grad = dask.persist(loss.data, W.grad, b.grad)
        solver.step()
        W.data, b.data = dask.persist(W.data, b.data)
        loss.item()
        times.append(time.perf_counter() - start)
    peak = peak_memory()
    fitted = (W.item(), b.item())
    client.close()
    cluster.close()
    return {"times": times, "peak": peak, "before": before, "fit": fitted, "chunks": x.numblocks[0]}


# --- running the workers and the report -------------------------------------------------------------------

def run_worker(job: dict) -> dict:
    """The job in a fresh process, its BLAS and OpenMP thread pools of job["threads"] threads (set before numpy
    and torch are imported: that is when their pools are made)."""
    command = [sys.executable, __file__, "--worker", json.dumps(job)]
    pools = {name: str(job["threads"]) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **pools})
    if out.returncode:
        raise RuntimeError(f"worker {job} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms" if seconds < 1 else \
        f"{seconds:.2f} s"


def versions() -> str:
    import dask
    import torch
    return f"numpy {np.__version__}, torch {torch.__version__}, dask {dask.__version__}"


def mlp_table(args) -> None:
    print(f"1. MLP 784-200-200-10 training step, float32 ({args.rounds} rounds, one process per library "
          f"a round; {args.threads} thread(s) each; Dask: the batch in {DASK_BATCH_CHUNKS} chunks, threaded "
          f"scheduler)\n")
    print("| batch | library | step median | min - max | x numpy |")
    print("|---|---|---|---|---|")
    for batch in args.batches:
        steps = STEPS.get(batch, 10)
        times = {library: [] for library in LIBRARIES}
        losses = {}
        for _ in range(args.rounds):
            for library in LIBRARIES:
                result = run_worker({"kind": "mlp", "library": library, "batch": batch, "steps": steps,
                                     "threads": args.threads})
                times[library].extend(result["times"])
                losses[library] = result["losses"]
        for library in LIBRARIES:
            assert np.allclose(losses[library], losses["numpy"], rtol=1e-4), (library, losses)
        numpy_median = statistics.median(times["numpy"])
        for library in LIBRARIES:
            t = times[library]
            print(f"| {batch} | {library} | {show(statistics.median(t))} | {show(min(t))} - {show(max(t))} | "
                  f"{statistics.median(t) / numpy_median:.2f} |")
    print("\nEvery library's first two losses equal numpy's (rtol 1e-4).\n")


def regression_table(args) -> None:
    print(f"2. Linear regression on N lazy points (notebook 11), Dask on a LocalCluster (1 worker, {args.threads} "
          f"thread(s), in process), chunks of {REGRESSION_CHUNK:,} points, {args.regression_steps} steps\n")
    print("| N | chunks | step median | min - max | peak RSS of the process | RSS before the steps | "
          "x and y in memory | fitted W, b |")
    print("|---|---|---|---|---|---|---|---|")
    for points in (int(p) for p in args.points):
        result = run_worker({"kind": "regression", "points": points, "steps": args.regression_steps,
                             "threads": args.threads})
        t = result["times"]
        W, b = result["fit"]
        print(f"| {points:.0e} | {result['chunks']} | {show(statistics.median(t))} | {show(min(t))} - "
              f"{show(max(t))} | {result['peak'] / 1e6:.0f} MB | {result['before'] / 1e6:.0f} MB | "
              f"{2 * points * 8 / 1e6:,.0f} MB | {W:.4f}, {b:.4f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of one process per library (default 3)")
    parser.add_argument("--batches", type=int, nargs="*", default=list(STEPS),
                        help="batch sizes of the MLP step (default 100 1000; none: skip it)")
    parser.add_argument("--points", type=float, nargs="*", default=[1e6, 1e7],
                        help="sizes of the Dask linear regression (default 1e6 1e7; none: skip it)")
    parser.add_argument("--regression-steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of every library (BLAS, torch, Dask's workers); default 2, this machine's cores")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        result = mlp_worker(job["library"], job["batch"], job["steps"], job["threads"]) if job["kind"] == "mlp" \
            else regression_worker(job["points"], job["steps"], job["threads"])
        print(json.dumps(result))
        return

    print(f"Tensor on numpy, torch CPU and Dask, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, {versions()}; load average "
          f"{os.getloadavg()[0]:.2f} at the start (above the cores: other work shared the machine)\n")
    if args.batches:
        mlp_table(args)
    if args.points:
        regression_table(args)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
