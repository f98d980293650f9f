# %% [markdown]
# # 3. Forward mode versus reverse mode
#
# **What this notebook teaches.** There are two ways to apply the chain rule to a whole program.
# *Forward mode* carries a derivative along with every value, from the inputs to the output: one
# pass gives the derivative with respect to *one* input direction. *Reverse mode* records the
# program and walks it backwards: one pass gives the derivative of *one* output with respect to
# *every* input. Which is cheaper depends on the shape of the function: $f: \mathbb{R}^n \to \mathbb{R}$
# (a loss of many weights) favours reverse mode; $f: \mathbb{R} \to \mathbb{R}^m$ favours forward mode.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from autograd import Dual, Value, grad, jvp
from autograd.graph import backpropagate

# %% [markdown]
# ## Dual numbers by hand
#
# A dual number $a + b\,\epsilon$ with $\epsilon^2 = 0$ carries a value $a$ and a tangent $b$.
# Multiplying two of them,
# $(a + b\epsilon)(c + d\epsilon) = ac + (ad + bc)\epsilon$, is exactly the product rule.
# Seeding the input's tangent with 1 makes the output's tangent the derivative.

# %%
x = Dual(3.0, 1.0)          # x = 3, dx/dx = 1
y = x * x * x + 2 * x       # f(x) = x^3 + 2x
print(y)                    # f(3) = 33,  f'(3) = 3 * 9 + 2 = 29
assert (y.value, y.tangent) == (33.0, 29.0)

# %% [markdown]
# With several inputs, the tangents we seed choose a *direction*: `jvp` (Jacobian-vector product)
# returns the derivative of $f$ along it. To get the whole gradient of $f: \mathbb{R}^n \to \mathbb{R}$,
# forward mode needs $n$ passes, one per unit vector. Reverse mode needs one.

# %%
def f(*x):
    """f(x) = sum_i sin(x_i) * x_{i+1}: every input matters."""
    return sum((x[i].sin() * x[i + 1] for i in range(len(x) - 1)), 0.0 * x[0])

point = np.linspace(-1.0, 1.0, 5)
unit = np.eye(len(point))
forward = [jvp(f, point, unit[i])[1] for i in range(len(point))]        # n passes
reverse = grad(f, argnums=tuple(range(len(point))))(*point)             # 1 pass
print("forward mode, 5 passes:", np.round(forward, 12))
print("reverse mode, 1 pass:  ", np.round(reverse, 12))
assert np.allclose(forward, reverse, rtol=1e-14, atol=1e-14)

# %% [markdown]
# ## What it costs as $n$ grows
#
# We time the full gradient both ways for growing $n$.

# %%
def best_time(function, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)

sizes = [2, 5, 10, 20, 50, 100, 200]
forward_times, reverse_times = [], []
for n in sizes:
    x0 = np.linspace(-1.0, 1.0, n)
    basis = np.eye(n)
    forward_times.append(best_time(lambda: [jvp(f, x0, basis[i])[1] for i in range(n)]))
    reverse_times.append(best_time(lambda: grad(f, argnums=tuple(range(n)))(*x0)))

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(sizes, forward_times, "o-", label="forward mode: n passes of Dual numbers")
ax.loglog(sizes, reverse_times, "s-", label="reverse mode: one backward pass")
ax.set_xlabel("number of inputs n")
ax.set_ylabel("seconds for the whole gradient")
ax.set_title(r"Gradient of $f: \mathbb{R}^n \to \mathbb{R}$")
ax.legend()
plt.show()
for n, tf, tr in zip(sizes, forward_times, reverse_times):
    print(f"n = {n:4d}: forward {tf * 1e3:8.2f} ms   reverse {tr * 1e3:7.2f} ms   ratio {tf / tr:6.1f}")

# %% [markdown]
# Forward mode's cost grows like $n^2$ here ($n$ passes over a program of size $n$), reverse mode's
# like $n$. (The exact figures depend on the machine; the slopes do not.)
#
# ## When forward mode wins: few inputs, many outputs
#
# Now the other shape: $g: \mathbb{R} \to \mathbb{R}^m$. A shared computation $h(t)$ -- a chain of
# 100 operations -- feeds $m$ outputs $\sin(k\,h)$, $k = 1 \dots m$. Forward mode gets all $m$
# derivatives in *one* pass; reverse mode needs one backward pass per output, and each one walks
# back through the whole shared chain.

# %%
def g(t, m):
    h = t
    for _ in range(50):
        h = (h * 0.9).sin() + t * 0.1
    return [(h * k).sin() for k in range(1, m + 1)]

m = 200
start = time.perf_counter()
_, tangents = jvp(lambda t: g(t, m), (0.3,), (1.0,))        # one forward pass
forward_time = time.perf_counter() - start

start = time.perf_counter()
t = Value(0.3)
outputs = g(t, m)
reverse = [backpropagate(out)[t] for out in outputs]         # m backward passes
reverse_time = time.perf_counter() - start

assert np.allclose(reverse, tangents, rtol=1e-12, atol=1e-12)
print(f"{m} outputs: forward mode {forward_time * 1e3:.2f} ms (1 pass), "
      f"reverse mode {reverse_time * 1e3:.2f} ms ({m} passes)")

# %% [markdown]
# **Rule of thumb.** The cost of the full Jacobian of $f: \mathbb{R}^n \to \mathbb{R}^m$ is about
# $n$ forward passes or $m$ reverse passes. Neural-network training has millions of inputs (weights)
# and one output (the loss), which is why backpropagation -- reverse mode -- is what it uses.
#
# ## Exercises
# 1. Compute the Jacobian of $h(x, y) = (xy, x + y, \sin x)$ both ways. How many passes does each need?
# 2. Why does `jvp` need one tangent per input, and what does seeding two tangents at once compute?
