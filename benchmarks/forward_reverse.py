"""Workload 4: forward vs reverse mode, the gradient of f: R^n -> R for n = 10, 100, 1000.

    f(x) = sum_i sin(x_i) * x_{i+1}

Reverse mode gets the whole gradient in one backward pass; forward mode
gets one directional derivative per pass, so the gradient takes n passes
(one per basis vector). The ratio of the two grows like n -- the reason
training uses reverse mode. Methods:

    autograd reverse      grad(f, argnums=all): one graph, one backward pass
    autograd forward      n calls of jvp(f, x, e_i): Dual numbers
    autograd.compile      the reverse pass compiled once (compile time not included)
    torch reverse / forward-AD (n dual passes), 1-d float64 tensor, 1 thread
    jax jit(grad) / jit(jvp) x n, float64
    hips grad / make_jvp x n

This library computes on scalars; torch, jax and hips on a vector (one
``sin`` over the whole array), so across engines the shape of the cost
matters, not the raw time: compare each engine's forward/reverse ratio.

    python benchmarks/forward_reverse.py [--quick]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import harness

SIZES = (10, 100, 1000)
REPEATS = {10: 15, 100: 7, 1000: 3}


def point(n: int) -> list[float]:
    return [math.sin(0.37 * i) + 0.5 for i in range(n)]


def expected_gradient(x: list[float]) -> list[float]:
    n = len(x)
    g = [0.0] * n
    for i in range(n - 1):
        g[i] += math.cos(x[i]) * x[i + 1]
        g[i + 1] += math.sin(x[i])
    return g


def scalar_f(*x):
    """f on scalars with a .sin() method (Values, Duals)."""
    return sum((x[i].sin() * x[i + 1] for i in range(len(x) - 1)), 0.0)


# Each method: prepare(x) -> a callable returning the gradient as a list of floats.

def autograd_reverse(x):
    from autograd import grad
    g = grad(scalar_f, argnums=tuple(range(len(x))))
    return lambda: list(g(*x))


def autograd_forward(x):
    from autograd import jvp
    n = len(x)

    def gradient():
        out = []
        for i in range(n):
            basis = [0.0] * n
            basis[i] = 1.0
            out.append(jvp(scalar_f, x, basis)[1])
        return out

    return gradient


def autograd_compiled(x):
    from autograd.compile import compile
    compiled = compile(scalar_f, x)
    return lambda: list(compiled(*x)[1])


def _torch_setup():
    import torch
    torch.set_num_threads(1)
    return torch


def torch_reverse(x):
    torch = _torch_setup()
    data = torch.tensor(x, dtype=torch.float64)

    def gradient():
        t = data.clone().requires_grad_(True)
        (torch.sin(t[:-1]) * t[1:]).sum().backward()
        return t.grad.tolist()

    return gradient


def torch_forward(x):
    torch = _torch_setup()
    import torch.autograd.forward_ad as fwAD
    data = torch.tensor(x, dtype=torch.float64)
    basis = torch.eye(len(x), dtype=torch.float64)

    def gradient():
        out = []
        with fwAD.dual_level():
            for i in range(len(x)):
                t = fwAD.make_dual(data, basis[i])
                out.append(fwAD.unpack_dual((torch.sin(t[:-1]) * t[1:]).sum()).tangent.item())
        return out

    return gradient


def _jax_setup():
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    return jax, jnp, lambda t: jnp.sum(jnp.sin(t[:-1]) * t[1:])


def jax_reverse(x):
    jax, jnp, f = _jax_setup()
    g = jax.jit(jax.grad(f))
    data = jnp.asarray(x)
    g(data).block_until_ready()  # compile outside the timing
    return lambda: g(data).tolist()


def jax_forward(x):
    jax, jnp, f = _jax_setup()
    push = jax.jit(lambda t, v: jax.jvp(f, (t,), (v,))[1])
    data = jnp.asarray(x)
    basis = jnp.eye(len(x))
    push(data, basis[0]).block_until_ready()

    def gradient():
        return [float(push(data, basis[i])) for i in range(len(x))]

    return gradient


def hips_reverse(x):
    import autograd.numpy as anp

    import autograd
    g = autograd.grad(lambda t: anp.sum(anp.sin(t[:-1]) * t[1:]))
    data = anp.array(x)
    return lambda: list(g(data))


def hips_forward(x):
    import autograd.numpy as anp

    import autograd
    push = autograd.make_jvp(lambda t: anp.sum(anp.sin(t[:-1]) * t[1:]))
    data = anp.array(x)
    basis = anp.eye(len(x))

    def gradient():
        jvp_at = push(data)
        return [float(jvp_at(basis[i])[1]) for i in range(len(x))]

    return gradient


METHODS = {  # name: (engine, mode, prepare)
    "autograd reverse": ("autograd", "reverse", autograd_reverse),
    "autograd forward (jvp × n)": ("autograd", "forward", autograd_forward),
    "autograd.compile reverse": ("autograd.compile", "reverse", autograd_compiled),
    "torch reverse": ("torch", "reverse", torch_reverse),
    "torch forward-AD × n": ("torch", "forward", torch_forward),
    "jax jit(grad)": ("jax", "reverse", jax_reverse),
    "jax jit(jvp) × n": ("jax", "forward", jax_forward),
    "hips grad": ("hips", "reverse", hips_reverse),
    "hips make_jvp × n": ("hips", "forward", hips_forward),
}
PEERS = ("torch", "jax", "hips")


def worker(job: dict) -> dict:
    x = point(job["n"])
    gradient = METHODS[job["method"]][2](x)
    g = gradient()
    expected = expected_gradient(x)
    error = max(abs(a - b) for a, b in zip(g, expected))
    if error > 1e-9:
        return {"error": f"wrong gradient (off by {error:.1e})"}
    times = []
    for _ in range(job["repeats"]):
        start = time.perf_counter()
        gradient()
        times.append(time.perf_counter() - start)
    return {"times": times}


def run(installed: dict, quick: bool = False, log=print) -> str:
    sizes = SIZES[:2] if quick else SIZES
    results: dict[str, dict] = {}
    for name, (engine, _, _) in METHODS.items():
        if engine in PEERS and not installed[engine].ok:
            continue
        python = installed[engine].python if engine in PEERS else harness.python_of("peers")
        results[name] = {}
        for n in sizes:
            log(f"  forward vs reverse n={n}: {name}")
            out = harness.run_worker(python, Path(__file__), {"method": name, "n": n, "repeats": REPEATS[n]},
                                     timeout=600)
            results[name][n] = out
    return report(results, sizes, installed)


def report(results, sizes, installed) -> str:
    def med(name, n):
        r = results.get(name, {}).get(n)
        return harness.median(r["times"]) if isinstance(r, dict) else None

    rows = []
    for name, by_n in results.items():
        cells = []
        for n in sizes:
            r = by_n.get(n)
            cells.append(f"**{r}**" if isinstance(r, harness.Failure) else
                         f"{harness.show_time(med(name, n))} ({harness.show_spread(r['times'])})")
        rows.append([name] + cells)
    engines = {}
    for name, (engine, mode, _) in METHODS.items():
        engines.setdefault(engine, {})[mode] = name
    for engine, modes in engines.items():
        if "forward" in modes and "reverse" in modes and modes["forward"] in results:
            ratios = []
            for n in sizes:
                f, r = med(modes["forward"], n), med(modes["reverse"], n)
                ratios.append(harness.show_ratio(f / r) if f and r else "–")
            rows.append([f"*{engine}: forward ÷ reverse*"] + ratios)
    for engine in PEERS:
        if not installed[engine].ok:
            rows.append([f"{engine}: not installed ({installed[engine].error})"] + [""] * len(sizes))
    compiled = [med("autograd.compile reverse", n) and med("autograd reverse", n) and
                med("autograd reverse", n) / med("autograd.compile reverse", n) for n in sizes]
    lines = ["### 4. Forward vs reverse mode: the gradient of f(x) = Σ sin(x_i)·x_(i+1), x in R^n\n",
             harness.table(["method"] + [f"n = {n}" for n in sizes], rows), "",
             "Median time for the whole gradient (min–max). Forward mode needs one pass per input, so its cost "
             "over reverse mode's grows like n. This library works on scalars (n Values or Duals); torch, jax and "
             "hips on one float64 vector, so compare each engine's ratio rather than raw times across engines."]
    if all(compiled):
        lines.append("autograd.compile's reverse pass is " +
                     ", ".join(f"{c:.1f}x" for c in compiled) + " faster than the interpreter's at n = " +
                     ", ".join(map(str, sizes)) + " (compile time not included).")
    return "\n".join(lines)


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 10 and 100 only")
    args = parser.parse_args()
    installed = harness.ensure_envs(list(PEERS))
    print(run(installed, args.quick, log=lambda m: print(m, file=sys.stderr)))


if __name__ == "__main__":
    if not harness.worker_main(worker):
        main()
