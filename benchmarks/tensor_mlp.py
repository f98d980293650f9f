"""One training step of an MLP 784-200-200-10, timed side by side: `Tensor` against numpy by hand and peers.

Workload (issue 4): forward, backward and SGD update (lr 0.1) of
784-200-200-10 with ReLU and softmax cross-entropy, float32, random data
(seed 0), batch sizes 1, 100 and 1000. Every implementation starts from the
same weights and data:

* ``autograd``       this library: ``cross_entropy((x @ W + b).relu() ..., labels)``
* ``autograd affine`` the same with the fused Affine primitive, ``affine(x, W, b).relu()``
* ``autograd compiled`` the affine step through ``autograd.compile``: traced once, run as
                     straight-line numpy with its intermediates in buffers kept between calls
                     (``compiled, buffers=all``: the returned gradients in kept buffers too)
* ``tuned numpy``    backprop by hand, tuned: ``np.dot`` for every product (BLAS
                     even for the batch-1 outer product), ``np.maximum`` for ReLU
                     and a mask multiply in its backward, fused softmax-CE gradient,
                     float32 throughout, the input's gradient not computed
* ``textbook numpy`` the source documents' layers: Affine (``np.dot``), ReLU with a
                     boolean mask (``dout[mask] = 0``), Softmax-with-loss on one-hot
                     targets; every layer computes its input's gradient
* ``torch``, ``mygrad``, ``dezero``: when importable (``make bench-tensor`` installs them)

Before timing, each implementation must reproduce the tuned step's loss at
step 0 and after one update (so its gradients are right). Each round starts
one process per group -- this library with the two numpy baselines, then
each peer beside the tuned numpy step (see GROUPS) -- and inside a process
the implementations take one step each in turn, in rotating order, so that
they share the machine's load fairly. Every figure is the median over all
rounds with min-max beside it; each ratio is against the ``tuned numpy``
step of the same processes (torch's: of the first group's processes;
``x textbook`` goes through the tuned step: a peer's ratio to tuned divided
by the textbook's). Peak memory is the tracemalloc peak of
one step (numpy's allocations; torch's allocator is not traced, so torch has
no figure).

    python benchmarks/tensor_mlp.py                 # or: make bench-tensor
    python benchmarks/tensor_mlp.py --batches 100 --rounds 10 --only torch
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np

SIZES = (784, 200, 200, 10)
LR = 0.1
DEFAULT_STEPS = {1: 200, 100: 60, 1000: 12}


def make_problem(batch: int, seed: int = 0):
    """Weights (He-initialised), inputs and integer labels, all float32 except the labels."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, dtype=np.float32))
    x = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], size=batch)
    return params, x, labels


# --- the implementations: each keeps its own copy of the weights -------------------------

class TunedNumpy:
    name = "tuned numpy"

    def __init__(self, params, x, labels):
        self.params = [p.copy() for p in params]
        self.x, self.labels, self.rows = x, labels, np.arange(len(labels))

    def step(self) -> float:
        W1, b1, W2, b2, W3, b3 = self.params
        x, labels, rows = self.x, self.labels, self.rows
        h1 = np.maximum(np.dot(x, W1) + b1, 0)
        h2 = np.maximum(np.dot(h1, W2) + b2, 0)
        logits = np.dot(h2, W3) + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        sums = exps.sum(axis=1, keepdims=True)
        loss = float((np.log(sums[:, 0]) - shifted[rows, labels]).mean())
        d3 = exps / sums                     # softmax, then d loss / d logits = (p - onehot) / N
        d3[rows, labels] -= 1
        d3 /= len(labels)
        d2 = np.dot(d3, W3.T) * (h2 > 0)
        d1 = np.dot(d2, W2.T) * (h1 > 0)
        grads = (np.dot(x.T, d1), d1.sum(axis=0), np.dot(h1.T, d2), d2.sum(axis=0), np.dot(h2.T, d3), d3.sum(axis=0))
        for p, g in zip(self.params, grads):
            p -= LR * g
        self.grads = grads
        return loss


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T)


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t = t
        shifted = x - x.max(axis=1, keepdims=True)
        self.y = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        return -np.sum(t * np.log(self.y + 1e-7)) / x.shape[0]

    def backward(self):
        return (self.y - self.t) / self.t.shape[0]


class TextbookNumpy:
    name = "textbook numpy"

    def __init__(self, params, x, labels):
        self.params = [p.copy() for p in params]
        W1, b1, W2, b2, W3, b3 = self.params
        self.layers = [Affine(W1, b1), Relu(), Affine(W2, b2), Relu(), Affine(W3, b3)]
        self.last = SoftmaxWithLoss()
        self.x = x
        self.t = np.eye(SIZES[-1], dtype=np.float32)[labels]

    def step(self) -> float:
        out = self.x
        for layer in self.layers:
            out = layer.forward(out)
        loss = self.last.forward(out, self.t)
        dout = self.last.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        for layer in affines:
            layer.W -= LR * layer.dW
            layer.b -= LR * layer.db
        self.grads = [g for layer in affines for g in (layer.dW, layer.db)]
        return float(loss)


class Autograd:
    name = "autograd"

    def __init__(self, params, x, labels):
        from autograd.tensor import Tensor, cross_entropy
        self.cross_entropy = cross_entropy
        self.params = [Tensor(p, requires_grad=True) for p in params]
        self.x, self.labels = Tensor(x), labels
        self.layer = lambda x, W, b: x @ W + b  # written out: two nodes, x @ W kept beside the sum

    def step(self) -> float:
        W1, b1, W2, b2, W3, b3 = self.params
        layer = self.layer
        h1 = layer(self.x, W1, b1).relu()
        h2 = layer(h1, W2, b2).relu()
        loss = self.cross_entropy(layer(h2, W3, b3), self.labels)
        for p in self.params:
            p.grad = None
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad
        self.grads = [p.grad for p in self.params]
        return loss.item()


class AutogradAffine(Autograd):
    """The same network with the fused Affine primitive: ``affine(x, W, b)`` is one node, not two."""
    name = "autograd affine"

    def __init__(self, params, x, labels):
        super().__init__(params, x, labels)
        from autograd.tensor import affine
        self.layer = affine


class AutogradCompiled:
    """The affine step traced once by `autograd.compile` and run as its straight-line numpy program
    (intermediates in buffers kept between calls; the returned gradients new on every call)."""
    name = "autograd compiled"
    buffers = "intermediate"

    def __init__(self, params, x, labels):
        from autograd.compile import compile
        from autograd.tensor import Tensor, affine, cross_entropy

        def loss(x, labels, W1, b1, W2, b2, W3, b3):
            h1 = affine(x, W1, b1).relu()
            h2 = affine(h1, W2, b2).relu()
            return cross_entropy(affine(h2, W3, b3), labels)

        weights = [Tensor(p, requires_grad=True) for p in params]
        self.compiled = compile(loss, (x, labels, *weights), buffers=self.buffers)
        self.params = [w.data for w in weights]
        self.x, self.labels = x, labels

    def step(self) -> float:
        value, grads = self.compiled(self.x, self.labels, *self.params)
        grads = grads[2:]  # None, None for the images and the labels
        for p, g in zip(self.params, grads):
            p -= LR * g
        self.grads = grads
        return float(value)


class AutogradCompiledAll(AutogradCompiled):
    """The same, with the returned gradients in kept buffers too (buffers="all": overwritten by the next call)."""
    name = "compiled, buffers=all"
    buffers = "all"


class Torch:
    name = "torch"
    module = "torch"

    def __init__(self, params, x, labels):
        import torch
        torch.set_num_threads(2)
        self.torch = torch
        self.params = [torch.tensor(p, requires_grad=True) for p in params]
        self.x, self.labels = torch.from_numpy(x), torch.from_numpy(labels)

    def step(self) -> float:
        torch, F = self.torch, self.torch.nn.functional
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = torch.relu(self.x @ W1 + b1)
        h2 = torch.relu(h1 @ W2 + b2)
        loss = F.cross_entropy(h2 @ W3 + b3, self.labels)
        for p in self.params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p -= LR * p.grad
        self.grads = [p.grad.numpy() for p in self.params]
        return loss.item()


class MyGrad:
    name = "mygrad"
    module = "mygrad"

    def __init__(self, params, x, labels):
        import mygrad
        from mygrad.nnet.losses import softmax_crossentropy
        self.mg, self.loss_fn = mygrad, softmax_crossentropy
        self.params = [mygrad.tensor(p) for p in params]
        self.x, self.labels = x, labels

    def step(self) -> float:
        mg = self.mg
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = mg.nnet.relu(mg.matmul(self.x, W1) + b1)
        h2 = mg.nnet.relu(mg.matmul(h1, W2) + b2)
        loss = self.loss_fn(mg.matmul(h2, W3) + b3, self.labels)
        loss.backward()
        grads = [p.grad for p in self.params]
        for p, g in zip(self.params, grads):
            p.data -= LR * g
        self.grads = grads
        return float(loss.item())


class Dezero:
    name = "dezero"
    module = "dezero"

    def __init__(self, params, x, labels):
        np.int = int  # dezero 0.0.13 still uses np.int, removed in numpy 1.24
        import dezero
        import dezero.functions
        self.F = dezero.functions
        self.params = [dezero.Variable(p.copy()) for p in params]
        self.x, self.labels = x, labels

    def step(self) -> float:
        F = self.F
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = F.relu(F.linear(self.x, W1, b1))
        h2 = F.relu(F.linear(h1, W2, b2))
        loss = F.softmax_cross_entropy(F.linear(h2, W3, b3), self.labels)
        for p in self.params:
            p.cleargrad()
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad.data
        self.grads = [p.grad.data for p in self.params]
        return float(loss.data)


IMPLEMENTATIONS = {impl.name: impl for impl in (
    Autograd, AutogradAffine, AutogradCompiled, AutogradCompiledAll, TunedNumpy, TextbookNumpy, Torch, MyGrad, Dezero)}

# Implementations that share a process, one step each in turn. MyGrad and DeZero run beside the
# tuned numpy step, and their ratio is taken against that process's tuned step, so that the load
# of a shared machine (which changes from one process to the next) cancels out. Torch runs alone
# and is compared with the tuned step of the first group: in one process, torch's OpenMP threads
# and numpy's OpenBLAS threads spin-wait for work and starve each other on 2 cores (measured
# here: a torch step 67x the tuned one in the same process, under 2x in a process of its own).
GROUPS = (("autograd", "autograd affine", "autograd compiled", "compiled, buffers=all", "tuned numpy",
           "textbook numpy"),
          ("torch",), ("mygrad", "tuned numpy"), ("dezero", "tuned numpy"))


def importable(name: str) -> bool:
    module = getattr(IMPLEMENTATIONS[name], "module", None)
    return module is None or importlib.util.find_spec(module) is not None


# --- measuring (inside a worker process) --------------------------------------------------

def check_agreement(impl, batch: int) -> None:
    """The implementation reproduces the tuned step's loss before and after one update."""
    params, x, labels = make_problem(batch)
    reference = TunedNumpy(params, x, labels)
    expected = [reference.step(), reference.step()]
    runner = impl(params, x, labels)
    got = [runner.step(), runner.step()]
    # float32 sums in another order, and the textbook's log(p + 1e-7): agree to 1e-4
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-5), f"{impl.name} disagrees: {got} vs {expected}"


def peak_memory(impl, batch: int) -> int:
    """tracemalloc's peak over one step (after two warm-up steps), in bytes above the start."""
    params, x, labels = make_problem(batch)
    runner = impl(params, x, labels)
    runner.step()
    runner.step()
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    runner.step()
    peak = tracemalloc.get_traced_memory()[1] - start
    tracemalloc.stop()
    return peak


def worker(names: list[str], batch: int, steps: int, warmup: int = 5) -> dict:
    """Time `steps` steps of each implementation, one step each in turn, in rotating order."""
    impls = [IMPLEMENTATIONS[n] for n in names]
    for impl in impls:
        check_agreement(impl, batch)
    params, x, labels = make_problem(batch)
    runners = [impl(params, x, labels) for impl in impls]
    times = {r.name: [] for r in runners}
    for k in range(warmup + steps):
        shift = k % len(runners)
        for runner in runners[shift:] + runners[:shift]:
            start = time.perf_counter()
            runner.step()
            elapsed = time.perf_counter() - start
            if k >= warmup:
                times[runner.name].append(elapsed)
    return {
        "times": times,
        "dtypes": {r.name: ",".join(sorted({str(g.dtype) for g in r.grads})) for r in runners},
        "memory": {impl.name: peak_memory(impl, batch) for impl in impls if impl is not Torch},
    }


def run_worker(names, batch: int, steps: int) -> dict:
    command = [sys.executable, __file__, "--worker", json.dumps({"names": list(names), "batch": batch, "steps": steps})]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


# --- the report ------------------------------------------------------------------------------

def show(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one process per group (default 5)")
    parser.add_argument("--steps", type=int, help="timed steps per round (default 200 / 60 / 12 by batch size)")
    parser.add_argument("--only", nargs="+", help="implementations to run, by name (the numpy group always runs)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(worker(job["names"], job["batch"], job["steps"])))
        return

    groups = [[n for n in group if importable(n) and (not args.only or n in args.only or group is GROUPS[0]
                                                       or n == TunedNumpy.name)]
              for group in GROUPS]
    groups = [g for g in groups if g and g != [TunedNumpy.name]]
    print(f"MLP 784-200-200-10 training step, float32, {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}")
    print(f"processes: {' | '.join(', '.join(g) for g in groups)}; {args.rounds} rounds\n")
    for batch in args.batches:
        steps = args.steps or DEFAULT_STEPS.get(batch, 30)
        times = [{} for _ in groups]  # per group: name -> all its step times
        dtypes, memory = {}, {}
        for _ in range(args.rounds):
            for group, group_times in zip(groups, times):
                result = run_worker(group, batch, steps)
                for name, t in result["times"].items():
                    group_times.setdefault(name, []).extend(t)
                dtypes.update(result["dtypes"])
                memory.update(result["memory"])
        first = {name: statistics.median(t) for name, t in times[0].items()}
        textbook = first["textbook numpy"] / first["tuned numpy"]
        print(f"batch {batch}: {args.rounds} x {steps} steps each; every implementation reproduced the tuned "
              f"step's loss before and after an update\n")
        print("| implementation | step median | min - max | x tuned numpy | x textbook | peak memory | "
              "memory x tuned | gradient dtype |")
        print("|---|---|---|---|---|---|---|---|")
        ratios = {}
        for index, group_times in enumerate(times):
            tuned = statistics.median(group_times.get(TunedNumpy.name, times[0][TunedNumpy.name]))
            for name, t in group_times.items():
                if name == TunedNumpy.name and index:
                    continue  # the peer's own reference: shown through the ratio only
                median = statistics.median(t)
                ratios[name] = median / tuned
                mem = memory.get(name)
                print(f"| {name} | {show(median)} | {show(min(t))} - {show(max(t))} | {ratios[name]:.2f} | "
                      f"{ratios[name] / textbook:.2f} | {f'{mem / 1e6:.2f} MB' if mem is not None else '-'} | "
                      f"{f'{mem / memory[TunedNumpy.name]:.2f}' if mem is not None else '-'} | {dtypes[name]} |")
        if "torch" in ratios:
            print(f"\nautograd / torch = {ratios['autograd'] / ratios['torch']:.2f} "
                  f"(autograd affine / torch = {ratios['autograd affine'] / ratios['torch']:.2f}), "
                  f"through each one's ratio to the tuned numpy step")
        print()


if __name__ == "__main__":
    main()
