"""Workload 1: micrograd's demo step, every engine side by side.

One full-batch step of MLP(2, [16, 16, 1]) on 100 two-moons points: forward,
max-margin loss + 1e-4 * L2, backward, SGD update -- about 69,000 scalar
graph nodes. Every implementation gets the same 337 weights (micrograd's
initialisation under ``random.seed(1337)``) and the same points, builds the
same graph shape (micrograd's: ``b + w0*x0 + w1*x1 + ...`` per neuron), and
must reach the same loss and the same weights after one step, which the
driver checks before it reports a time.

Implementations:

    hand floats       the step derived by hand on Python floats, tuned (backward layer by layer over
                      the batch): the practical limit of pure Python, and the baseline of every ratio
    hand floats, per sample   the same derivation written sample by sample, as one writes it first
    autograd          this library, interpreted: autograd.nn.MLP, loss.backward()
    autograd.compile  this library, the step traced once and compiled to straight-line Python
                      (and once more without reusing variables: what reusing them buys)
    micrograd, torch (0-d tensors, 1 thread), dezero, mygrad, hips (HIPS autograd), jax (eager grad)

Each runs in its own process, in alternating rounds. Inside every process the
hand-float step is timed too, interleaved with the engine's steps, so each
engine also has a ratio to hand floats measured under the very same load.

    python benchmarks/scalar_mlp.py                 # this workload alone
    python benchmarks/run.py --only scalar          # the same, through make bench's driver
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path

import harness

SIZES = (2, 16, 16, 1)
L2 = 1e-4
STEPS = {  # (warm-up steps, timed steps) per round; the first step is always checked against hand floats
    "hand floats": (3, 30), "hand floats, per sample": (3, 30), "autograd": (2, 10), "autograd.compile": (3, 30),
    "autograd.compile, reuse_slots=False": (3, 30),
    "micrograd": (1, 5), "torch": (1, 5), "mygrad": (1, 3), "hips": (1, 3), "jax": (0, 1), "dezero": (0, 1),
}
ONE_ROUND = ("dezero", "jax")  # a step takes minutes: timed in the first round only
QUICK_STEPS = {name: (min(w, 1), min(s, 3)) for name, (w, s) in STEPS.items()}


def learning_rate(k: int) -> float:
    """micrograd's demo schedule: 1.0 at the first step, decaying linearly."""
    return 1.0 - 0.9 * k / 100


def problem():
    """The weights (micrograd's order: layer, neuron, its weights then its bias) and the data."""
    from autograd.data import make_moons  # the driver only; workers receive plain lists
    X, y = make_moons(100, noise=0.1, seed=0)
    rng = random.Random(1337)
    weights = []
    for nin, nout in zip(SIZES[:-1], SIZES[1:]):
        for _ in range(nout):
            weights += [rng.uniform(-1, 1) for _ in range(nin)] + [0.0]
    return weights, X.tolist(), y.tolist()  # labels are -1 and +1


def layers_of(flat: list) -> list:
    """Split the flat weight list into layers of (weights, bias) per neuron."""
    layers, k = [], 0
    for nin, nout in zip(SIZES[:-1], SIZES[1:]):
        layer = []
        for _ in range(nout):
            layer.append((flat[k:k + nin], flat[k + nin]))
            k += nin + 1
        layers.append(layer)
    return layers


# --- the baseline: derived by hand -----------------------------------------------------------------

def hand_step(weights: list, X, y, lr: float):
    """Forward, loss, backward and update on plain floats, sample by sample; returns (loss, new weights).

    Per sample: z1 = W1 x + b1, h1 = relu(z1), z2 = W2 h1 + b2, h2 = relu(z2),
    s = w3 . h2 + b3, loss term relu(1 - t s) / n. Backward: ds = -t / n where
    the margin is positive (else 0); then d w3 = ds h2, d h2 = ds w3,
    d z2 = d h2 where z2 > 0, d W2 = d z2 h1^T, d h1 = W2^T d z2, and so on.
    The L2 term adds 2e-4 w to every weight's gradient.
    """
    (layer1, layer2, (out,)) = layers_of(weights)
    W1 = [w for w, _ in layer1]
    b1 = [b for _, b in layer1]
    W2 = [w for w, _ in layer2]
    b2 = [b for _, b in layer2]
    w3, b3 = out
    gW1 = [[0.0] * len(W1[0]) for _ in W1]
    gb1 = [0.0] * len(b1)
    gW2 = [[0.0] * len(W2[0]) for _ in W2]
    gb2 = [0.0] * len(b2)
    gw3 = [0.0] * len(w3)
    gb3 = 0.0
    n = len(X)
    total = 0.0
    for x, t in zip(X, y):
        x0, x1 = x
        z1 = [b + w[0] * x0 + w[1] * x1 for w, b in zip(W1, b1)]
        h1 = [z if z > 0 else 0.0 for z in z1]
        z2 = [b + sum([wj * hj for wj, hj in zip(w, h1)]) for w, b in zip(W2, b2)]
        h2 = [z if z > 0 else 0.0 for z in z2]
        s = b3 + sum([wk * hk for wk, hk in zip(w3, h2)])
        margin = 1.0 - t * s
        if margin > 0:
            total += margin
            ds = -t / n
        else:
            ds = 0.0  # a full backward pass all the same, as the engines do
        gb3 += ds
        gw3 = [g + ds * hk for g, hk in zip(gw3, h2)]
        dz2 = [ds * wk if zk > 0 else 0.0 for wk, zk in zip(w3, z2)]
        dh1 = [0.0] * len(h1)
        for k, (dzk, wk) in enumerate(zip(dz2, W2)):
            gb2[k] += dzk
            gW2[k] = [g + dzk * hj for g, hj in zip(gW2[k], h1)]
            dh1 = [d + dzk * wkj for d, wkj in zip(dh1, wk)]
        for j, (dhj, zj) in enumerate(zip(dh1, z1)):
            if zj > 0:
                gb1[j] += dhj
                gj = gW1[j]
                gj[0] += dhj * x0
                gj[1] += dhj * x1
    loss = total / n + L2 * sum([w * w for w in weights])
    grads = []
    for g_w, g_b in ((gW1, gb1), (gW2, gb2)):
        for gw, gb in zip(g_w, g_b):
            grads += gw + [gb]
    grads += gw3 + [gb3]
    return loss, [w - lr * (g + 2 * L2 * w) for w, g in zip(weights, grads)]


def hand_step_tuned(weights: list, X, y, lr: float):
    """The same step, tuned: forward per sample, then backward one layer at a time over the batch.

    Gradients of the weights are sums over the samples, e.g. dL/dW2[k][j] =
    sum_s dz2[s][k] h1[s][j]; computed as dot products of columns (100 long)
    instead of 100 small updates, they cost fewer interpreter steps. The
    fastest pure-Python version we could write, and the bar for the compiler.
    """
    (layer1, layer2, (out,)) = layers_of(weights)
    L1 = [(w[0], w[1], b) for w, b in layer1]
    W2T = list(zip(*[w for w, _ in layer2]))
    w3, b3 = out
    n = len(X)
    total = 0.0
    Z1, H1, Z2, H2, DS = [], [], [], [], []
    for (x0, x1), t in zip(X, y):
        z1 = [b + w0 * x0 + w1 * x1 for w0, w1, b in L1]
        h1 = [z if z > 0 else 0.0 for z in z1]
        z2 = [b + sum([a * c for a, c in zip(w, h1)]) for w, b in layer2]
        h2 = [z if z > 0 else 0.0 for z in z2]
        s = b3 + sum([a * c for a, c in zip(w3, h2)])
        margin = 1.0 - t * s
        if margin > 0:
            total += margin
            DS.append(-t / n)
        else:
            DS.append(0.0)
        Z1.append(z1)
        H1.append(h1)
        Z2.append(z2)
        H2.append(h2)
    # backward, one layer at a time over the whole batch
    gb3 = sum(DS)
    gw3 = [sum([d * h for d, h in zip(DS, col)]) for col in zip(*H2)]
    dZ2 = [[ds * wk if zk > 0 else 0.0 for wk, zk in zip(w3, z2)] for ds, z2 in zip(DS, Z2)]
    dZ2cols = list(zip(*dZ2))
    H1cols = list(zip(*H1))
    gW2 = [[sum([a * b for a, b in zip(dcol, hcol)]) for hcol in H1cols] for dcol in dZ2cols]
    gb2 = [sum(dcol) for dcol in dZ2cols]
    dZ1 = [[sum([d * w for d, w in zip(dz2, col)]) if zj > 0 else 0.0 for col, zj in zip(W2T, z1)]
           for dz2, z1 in zip(dZ2, Z1)]
    dZ1cols = list(zip(*dZ1))
    X0 = [x[0] for x in X]
    X1 = [x[1] for x in X]
    grads = []
    for dcol in dZ1cols:
        grads += [sum([d * a for d, a in zip(dcol, X0)]), sum([d * a for d, a in zip(dcol, X1)]), sum(dcol)]
    for gw, gb in zip(gW2, gb2):
        grads += gw + [gb]
    grads += gw3 + [gb3]
    loss = total / n + L2 * sum([w * w for w in weights])
    return loss, [w - lr * (g + 2 * L2 * w) for w, g in zip(weights, grads)]


class HandFloats:
    """The tuned hand-derived step: the baseline every process times beside its engine."""

    def __init__(self, weights, X, y):
        self.weights, self.X, self.y = list(weights), X, y

    def step(self, k: int) -> float:
        loss, self.weights = hand_step_tuned(self.weights, self.X, self.y, learning_rate(k))
        return loss


class HandFloatsPerSample(HandFloats):
    """The first derivation: forward and backward per sample, as one writes it first."""

    def step(self, k: int) -> float:
        loss, self.weights = hand_step(self.weights, self.X, self.y, learning_rate(k))
        return loss


# --- this library ----------------------------------------------------------------------------------

def hinge_loss(scores, y, parameters):
    """micrograd's demo loss, written once for every engine whose scalars support + * and relu()."""
    losses = [(1 + -t * s).relu() for t, s in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + L2 * sum(p * p for p in parameters)


class Autograd:
    def __init__(self, weights, X, y):
        self.model = self.mlp_class()(SIZES[0], list(SIZES[1:]))
        self.params = self.model.parameters()
        for p, w in zip(self.params, weights):
            p.data = w
        self.X, self.y = X, y

    @staticmethod
    def mlp_class():
        from autograd.nn import MLP
        return MLP

    @staticmethod
    def parents_of(value):
        return value.parents

    def loss(self):
        return hinge_loss([self.model(x) for x in self.X], self.y, self.params)

    def step(self, k: int) -> float:
        loss = self.loss()
        self.model.zero_grad()
        loss.backward()
        lr = learning_rate(k)
        for p in self.params:
            p.data -= lr * p.grad
        return loss.data

    @property
    def weights(self):
        return [p.data for p in self.params]

    def memory(self):
        """Graph nodes of one step and tracemalloc bytes per node (the graph held after backward)."""
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        loss = self.loss()
        loss.backward()
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        nodes = count_nodes(loss, self.parents_of)
        return {"nodes": nodes, "bytes_per_node": held / nodes}


class AutogradCompiled(Autograd):
    """The same step, traced once (outside the timing) and compiled; the weights are its inputs."""

    reuse_slots = True

    def __init__(self, weights, X, y):
        super().__init__(weights, X, y)
        from autograd.compile import compile
        from autograd.graph import backpropagate
        start = time.perf_counter()
        self.compiled = compile(lambda *w: self.loss(), self.params, reuse_slots=self.reuse_slots)
        self.compile_seconds = time.perf_counter() - start
        # The promise: the interpreter's numbers, to the last bit.
        loss = self.loss()
        expected = backpropagate(loss, stop_at=frozenset(self.params))
        value, grads = self.compiled(*[p.data for p in self.params])
        self.bit_exact = value == loss.data and all(expected.get(p, 0.0) == g for p, g in zip(self.params, grads))
        self.flat = [p.data for p in self.params]

    def step(self, k: int) -> float:
        lr = learning_rate(k)
        loss, grads = self.compiled(*self.flat)
        self.flat = [w - lr * g for w, g in zip(self.flat, grads)]
        return loss

    @property
    def weights(self):
        return self.flat

    def info(self) -> dict:
        program = self.compiled.programs[0]
        return {"compile_seconds": self.compile_seconds, "bit_exact": self.bit_exact, "lines": program.lines,
                "variables": program.function.__code__.co_nlocals}


class AutogradCompiledNoReuse(AutogradCompiled):
    """The compiled step with one variable per value (``reuse_slots=False``): what reusing them buys."""

    reuse_slots = False


def count_nodes(root, parents_of) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for p in parents_of(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


# --- the peers -------------------------------------------------------------------------------------

class Micrograd(Autograd):
    @staticmethod
    def mlp_class():
        from micrograd.nn import MLP
        return MLP

    @staticmethod
    def parents_of(value):
        return value._prev


def scalar_net(layers, x, relu):
    """micrograd's network on any engine's scalars: ``b + w0*x0 + ...`` per neuron, relu but for the last layer."""
    h = x
    for index, layer in enumerate(layers):
        out = [sum((wi * hi for wi, hi in zip(w, h)), b) for w, b in layer]
        h = [relu(z) for z in out] if index < len(layers) - 1 else out
    return h[0]


def scalar_loss(layers, params, X, y, relu):
    scores = [scalar_net(layers, x, relu) for x in X]
    losses = [relu(1 + -t * s) for t, s in zip(y, scores)]
    return sum(losses) * (1.0 / len(losses)) + L2 * sum(p * p for p in params)


class Torch:
    def __init__(self, weights, X, y):
        import torch
        torch.set_num_threads(1)  # scalar graphs: threads only add overhead
        self.torch = torch
        self.params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
        self.layers = layers_of(self.params)
        self.X, self.y = X, y

    def step(self, k: int) -> float:
        torch = self.torch
        loss = scalar_loss(self.layers, self.params, self.X, self.y, torch.relu)
        for p in self.params:
            p.grad = None
        loss.backward()
        lr = learning_rate(k)
        with torch.no_grad():
            for p in self.params:
                p -= lr * p.grad
        return loss.item()

    @property
    def weights(self):
        return [p.item() for p in self.params]


class Dezero:
    def __init__(self, weights, X, y):
        import numpy as np
        np.int = int  # dezero 0.0.13 uses np.int, which numpy removed in 1.24
        import dezero
        import dezero.functions
        self.relu = dezero.functions.relu
        self.params = [dezero.Variable(np.array(w)) for w in weights]
        self.layers = layers_of(self.params)
        self.X, self.y = X, y

    def step(self, k: int) -> float:
        loss = scalar_loss(self.layers, self.params, self.X, self.y, self.relu)
        for p in self.params:
            p.cleargrad()
        loss.backward()
        lr = learning_rate(k)
        for p in self.params:
            p.data = p.data - lr * p.grad.data
        return float(loss.data)

    @property
    def weights(self):
        return [float(p.data) for p in self.params]


class MyGrad:
    def __init__(self, weights, X, y):
        import mygrad
        self.mg = mygrad
        self.params = [mygrad.tensor(w) for w in weights]
        self.layers = layers_of(self.params)
        self.X, self.y = X, y

    def step(self, k: int) -> float:
        from mygrad.nnet.activations import relu
        loss = scalar_loss(self.layers, self.params, self.X, self.y, relu)
        loss.backward()
        lr = learning_rate(k)
        self.params = [self.mg.tensor(p.item() - lr * p.grad.item()) for p in self.params]
        self.layers = layers_of(self.params)
        return loss.item()

    @property
    def weights(self):
        return [p.item() for p in self.params]


class Hips:
    """HIPS autograd: the gradient of a plain-Python function of the 337 weights (a list of floats)."""

    def __init__(self, weights, X, y):
        import autograd.numpy as anp

        import autograd
        if not hasattr(autograd, "value_and_grad"):
            raise ImportError("this `autograd` is not HIPS autograd")

        def relu(z):
            return anp.maximum(z, 0.0)

        def loss(w):
            return scalar_loss(layers_of(w), w, X, y, relu)

        self.value_and_grad = autograd.value_and_grad(loss)
        self.flat = list(weights)

    def step(self, k: int) -> float:
        loss, grads = self.value_and_grad(self.flat)
        lr = learning_rate(k)
        self.flat = [w - lr * float(g) for w, g in zip(self.flat, grads)]
        return float(loss)

    @property
    def weights(self):
        return self.flat


class Jax:
    """JAX, eager: ``jax.value_and_grad`` of the same function of a list of 337 scalars, float64."""

    def __init__(self, weights, X, y):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        def loss(w):
            return scalar_loss(layers_of(w), w, X, y, jax.nn.relu)

        self.value_and_grad = jax.value_and_grad(loss)
        self.flat = [jnp.float64(w) for w in weights]

    def step(self, k: int) -> float:
        loss, grads = self.value_and_grad(self.flat)
        lr = learning_rate(k)
        self.flat = [w - lr * g for w, g in zip(self.flat, grads)]
        return float(loss)

    @property
    def weights(self):
        return [float(w) for w in self.flat]


IMPLEMENTATIONS = {"hand floats": HandFloats, "hand floats, per sample": HandFloatsPerSample,
                   "autograd": Autograd, "autograd.compile": AutogradCompiled,
                   "autograd.compile, reuse_slots=False": AutogradCompiledNoReuse,
                   "micrograd": Micrograd, "torch": Torch, "dezero": Dezero, "mygrad": MyGrad,
                   "hips": Hips, "jax": Jax}
PEER_OF = {"micrograd": "micrograd", "torch": "torch", "dezero": "dezero", "mygrad": "mygrad",
           "hips": "hips", "jax": "jax"}


# --- inside a worker -------------------------------------------------------------------------------

def worker(job: dict) -> dict:
    """Check one step, then time the engine's steps interleaved with hand-float steps."""
    weights, X, y = job["weights"], job["X"], job["y"]
    impl = IMPLEMENTATIONS[job["impl"]](weights, X, y)
    hand = HandFloats(weights, X, y)
    times, hand_times = [], []
    warmup, steps = job["warmup"], job["steps"]
    for k in range(warmup + steps):  # step 0 is checked; it is timed too when there is no warm-up
        start = time.perf_counter()
        loss = impl.step(k)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        hand.step(k)
        hand_elapsed = time.perf_counter() - start
        if k == 0:
            first_loss, after_first = loss, impl.weights
        if k >= warmup:
            times.append(elapsed)
            hand_times.append(hand_elapsed)
    result = {"times": times, "hand_times": hand_times, "first_loss": first_loss, "after_first": after_first}
    if hasattr(impl, "memory") and job.get("memory"):
        result.update(impl.memory())
    if hasattr(impl, "info"):
        result.update(impl.info())
    return result


# --- the driver ------------------------------------------------------------------------------------

def run(installed: dict, rounds: int = 3, quick: bool = False, log=print) -> str:
    """Every implementation, `rounds` alternating rounds; returns the markdown report."""
    weights, X, y = problem()
    steps = QUICK_STEPS if quick else STEPS
    names = [n for n in IMPLEMENTATIONS if n not in PEER_OF or installed[PEER_OF[n]].ok]
    python = {n: harness.python_of("peers") if n not in PEER_OF else installed[PEER_OF[n]].python for n in names}
    results: dict[str, dict] = {n: {"times": [], "hand_times": []} for n in names}
    failures: dict[str, str] = {}
    for r in range(rounds):
        for name in names:
            if name in failures or (r > 0 and name in ONE_ROUND):
                continue
            log(f"  scalar MLP, round {r + 1}/{rounds}: {name}")
            warmup, count = steps[name]
            job = {"impl": name, "weights": weights, "X": X, "y": y, "warmup": warmup, "steps": count,
                   "memory": r == 0 and name in ("autograd", "micrograd")}
            out = harness.run_worker(python[name], Path(__file__), job, timeout=900)
            if isinstance(out, harness.Failure):
                failures[name] = str(out)
                continue
            results[name]["times"] += out.pop("times")
            results[name]["hand_times"] += out.pop("hand_times")
            results[name].update(out)
    return report(results, failures, installed, weights, X, y, rounds)


def check(results: dict, weights, X, y) -> dict[str, str]:
    """Each engine against hand floats: the loss at step 0 and the weights after one step."""
    loss, after = hand_step(weights, X, y, learning_rate(0))
    verdicts = {}
    for name, r in results.items():
        if "first_loss" not in r:
            continue
        loss_error = abs(r["first_loss"] - loss)
        weight_error = max(abs(a - b) for a, b in zip(r["after_first"], after))
        verdicts[name] = "ok" if loss_error < 1e-9 and weight_error < 1e-9 else \
            f"DISAGREES (loss off by {loss_error:.1e}, weights by {weight_error:.1e})"
    return verdicts


def report(results, failures, installed, weights, X, y, rounds) -> str:
    verdicts = check(results, weights, X, y)
    timed = {n: r for n, r in results.items() if r["times"]}
    med = {n: harness.median(r["times"]) for n, r in timed.items()}
    ours = med.get("autograd")
    rows = []
    for name, r in sorted(timed.items(), key=lambda item: med[item[0]]):
        same_process = med[name] / harness.median(r["hand_times"])
        version = installed[PEER_OF[name]].version if name in PEER_OF else "this branch"
        rows.append([f"**{name}**" if name.startswith("autograd") else name, version,
                     harness.show_time(med[name]), harness.show_spread(r["times"]),
                     harness.show_ratio(same_process), harness.show_ratio(med[name] / ours) if ours else "–",
                     str(len(r["times"])), verdicts.get(name, "–")])
    for name, reason in failures.items():
        rows.append([name, "", "failed", reason, "", "", "", ""])
    for name, peer in PEER_OF.items():
        if not installed[peer].ok:
            rows.append([name, "", "not installed", installed[peer].error, "", "", "", ""])
    lines = ["### 1. Scalar MLP step (micrograd's demo: MLP 2-16-16-1, 100 points, hinge + L2, one SGD step)\n",
             harness.table(["implementation", "version", "step median", "min–max", "× hand floats (same process)",
                            "× autograd", "steps timed", "same loss and weights"], rows), ""]
    notes = []
    if ours and "micrograd" in med:
        notes.append(f"autograd (interpreted) is **{med['micrograd'] / ours:.1f}x faster than micrograd**")
    if ours and "torch" in med:
        notes.append(f"**{med['torch'] / ours:.1f}x faster than torch 0-d tensors**")
    if "autograd.compile" in med:
        c = results["autograd.compile"]
        ratio = med["autograd.compile"] / harness.median(c["hand_times"])
        notes.append(f"autograd.compile runs the step in **{ratio:.2f}x the time of the hand-derived floats** "
                     f"(same process; compiled once in {c['compile_seconds']:.1f} s to {c['lines']:,} lines, "
                     f"{c['variables']:,} variables; bit-exact with the interpreter: "
                     f"{'yes' if c['bit_exact'] else 'NO'})")
    if "autograd.compile" in med and "autograd.compile, reuse_slots=False" in med:
        c = results["autograd.compile, reuse_slots=False"]
        notes.append(f"without reusing variables ({c['variables']:,} of them) the compiled step takes "
                     f"{med['autograd.compile, reuse_slots=False'] / med['autograd.compile']:.2f}x as long")
    if "autograd" in results and "micrograd" in results and "bytes_per_node" in results["micrograd"]:
        a, m = results["autograd"], results["micrograd"]
        notes.append(f"graph memory (tracemalloc, one step's graph after backward): autograd "
                     f"{a['bytes_per_node']:.0f} B/node over {a['nodes']:,} nodes, micrograd "
                     f"{m['bytes_per_node']:.0f} B/node ({a['bytes_per_node'] / m['bytes_per_node']:.0%})")
    lines.append("; ".join(notes) + "." if notes else "")
    lines.append(f"\n{rounds} round(s), each engine in its own process per round ({' and '.join(ONE_ROUND)}: the "
                 "first round only, a step takes minutes); torch runs 1 thread; jax is eager `value_and_grad` "
                 "(float64); hips is HIPS autograd's `value_and_grad` over a list of floats. \"× hand floats\" divides "
                 "each engine's median by the median of the hand-float steps timed between its own steps, in its "
                 "own process.")
    return "\n".join(lines)


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer steps, for trying the harness")
    args = parser.parse_args()
    installed = harness.ensure_envs(list(PEER_OF.values()))
    print(run(installed, args.rounds, args.quick, log=lambda m: print(m, file=sys.stderr)))


if __name__ == "__main__":
    if not harness.worker_main(worker):
        main()
