# %% [markdown]
# # 11. Linear regression on 10^8 points with Dask
#
# **What this notebook teaches.** The same line fit as notebook 4 -- $y = W x + b$ against
# $Y = 0.3\,x + 1.5$ plus noise -- but on a hundred million points, which take 1.6 GB as two float64
# columns and are never held in memory at once. A `Tensor` made from a
# [Dask](https://docs.dask.org/en/stable/array.html) array computes lazily, chunk by chunk; the
# loss, `backward()` and the update are the same four lines as always. What changes is *when*
# anything is computed, and why that is allowed.
#
# **Why chunk by chunk works.** The loss is a mean over points,
#
# $$L = \frac{1}{N}\sum_{i=1}^{N} (W x_i + b - y_i)^2,$$
#
# and so are its derivatives:
#
# $$\frac{\partial L}{\partial W} = \frac{2}{N}\sum_{i=1}^{N} (W x_i + b - y_i)\,x_i, \qquad
#   \frac{\partial L}{\partial b} = \frac{2}{N}\sum_{i=1}^{N} (W x_i + b - y_i).$$
#
# A sum over all points is the sum of the sums over each chunk of points. So each chunk can be
# made, used for its three partial sums, and thrown away; only the partial sums -- three numbers a
# chunk -- are kept and added up. Reverse mode keeps this shape: the backward pass of
# `mean` spreads the seed evenly over the points, and the backward pass of `x @ W` is
# $x^\top g$, again a sum over the chunked axis. Nothing in the graph needs two chunks at once.
#
# (Had the loss been a *median* of the errors, this would not work: a median is no sum of
# per-chunk medians. Sums, means and everything built from them split; most losses are means.)

# %%
import os
import resource
import sys
import time

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

from autograd import Tensor, optim

# %% [markdown]
# ## How big
#
# The figures below are for $N = 10^8$ in chunks of $10^6$ points (8 MB a column a chunk). The test
# suite runs this notebook with `AUTOGRAD_NOTEBOOKS_QUICK=1` in its environment, which shrinks
# $N$ to $2 \times 10^5$ so that it takes seconds; everything else is the same.

# %%
QUICK = os.environ.get("AUTOGRAD_NOTEBOOKS_QUICK") == "1"
N = 200_000 if QUICK else 100_000_000
CHUNK = 20_000 if QUICK else 1_000_000
TRUE_W, TRUE_B, NOISE = 0.3, 1.5, 0.1
print(f"N = {N:,} points in {N // CHUNK} chunks of {CHUNK:,}; x and y would take "
      f"{2 * N * 8 / 1e6:,.0f} MB as float64 arrays")

# %% [markdown]
# ## A cluster
#
# A `dask.distributed` cluster runs the chunks' tasks on its workers. Here it is a `LocalCluster`
# of one worker with two threads inside this process (`processes=False`), so the memory figures
# below are this process's; on a real cluster, `Client("scheduler-address:8786")` is the only line
# that changes. While a `Client` is connected, Dask computes on its cluster.

# %%
cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)
client = Client(cluster)
print(client)

# %% [markdown]
# ## The data, made lazily
#
# `da.random.default_rng(0)` draws each chunk from its own seeded stream when a task needs it: the
# array below is a recipe, not numbers. Asking for the same chunk twice gives the same numbers,
# so every step sees the same data.

# %%
rng = da.random.default_rng(0)
x = rng.standard_normal((N, 1), chunks=(CHUNK, 1))
y = TRUE_W * x + TRUE_B + NOISE * rng.standard_normal((N, 1), chunks=(CHUNK, 1))
print(f"x: {x.shape}, {x.numblocks[0]} chunks of {x.chunksize[0]:,} points, {x.nbytes / 1e6:,.0f} MB if computed")

# %% [markdown]
# ## The model and one lazy step
#
# The parameters are `Tensor`s of small Dask arrays (one chunk each): a `Tensor` keeps its array's
# library, and the operands of one operation must share it. The loss and the gradients that come
# out of `backward()` are Dask arrays too -- recipes that have read nothing yet.

# %%
W = Tensor(da.zeros((1, 1), chunks=-1), requires_grad=True, label="W")
b = Tensor(da.zeros((1,), chunks=-1), requires_grad=True, label="b")
X = Tensor(x)

loss = ((X @ W + b - y) ** 2).mean()
loss.backward()
print(type(loss.data).__name__, "of shape", loss.shape, "-", len(loss.data.__dask_graph__()), "tasks in its graph")
print("dL/dW:", type(W.grad).__name__, "-", len(W.grad.__dask_graph__()), "tasks")

# %% [markdown]
# ## Training
#
# Each step is the solver workflow of notebook 4, plus two lines that decide when to compute:
#
# 1. `dask.persist(loss.data, W.grad, b.grad)` computes the loss and both gradients *together*:
#    they share one graph, so each chunk is made once a step and serves all three sums;
# 2. after `solver.step()`, `dask.persist(W.data, b.data)` computes the new parameters. Without it
#    `W` after step $k$ would be a recipe that contains all $k$ earlier steps -- every step would
#    redo the ones before it, and the graph would grow without end.
#
# The learning rate is 0.25: the loss's curvature is $2\,E[x^2] = 2$ in both directions, so each
# step halves the distance to the best $(W, b)$.

# %%
def peak_memory() -> int:
    """The most memory this process has held resident so far, in bytes (its high-water mark).

    Linux says it in /proc/self/status as VmHWM. (getrusage's ru_maxrss would also count the
    program that started this one: Linux carries it over from the parent that forked the kernel.)
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # (not Linux: macOS says bytes, others KiB)
    return maxrss if sys.platform == "darwin" else maxrss * 1024


solver = optim.SGD([W, b], lr=0.25)
steps = 12
rss_before = peak_memory()
times, losses = [], []
for step in range(1, steps + 1):
    start = time.perf_counter()
    solver.zero_grad()
    loss = ((X @ W + b - y) ** 2).mean()
    loss.backward()
    loss.data, W.grad, b.grad = dask.persist(loss.data, W.grad, b.grad)  # one pass over the chunks
    solver.step()
    W.data, b.data = dask.persist(W.data, b.data)                           # the graph does not grow
    losses.append(loss.item())
    times.append(time.perf_counter() - start)
    print(f"step {step:2d}: loss {losses[-1]:.6f}, W = {W.item():.5f}, b = {b.item():.5f}, {times[-1]:.2f} s")
peak = peak_memory()

# %% [markdown]
# ## What it cost
#
# `peak_memory()` is the largest resident memory this process has had since it started -- the
# kernel, numpy, Dask, the worker's threads and every chunk they held. It is measured, not estimated.

# %%
print(f"fitted W = {W.item():.5f}, b = {b.item():.5f}   (true: {TRUE_W}, {TRUE_B})")
print(f"time per step: median {np.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})")
print(f"peak resident memory of the process: {peak / 1e6:,.0f} MB "
      f"(before training: {rss_before / 1e6:,.0f} MB); x and y in memory would take {2 * N * 8 / 1e6:,.0f} MB")
print(f"graph of W after {steps} steps: {len(W.data.__dask_graph__())} task(s)")
assert abs(W.item() - TRUE_W) < 0.01 and abs(b.item() - TRUE_B) < 0.01
assert len(W.data.__dask_graph__()) == 1
if not QUICK:
    assert peak < N * 8, "the data should never sit in memory at once"

# %% [markdown]
# On this project's 2-core machine, shared with other work (load average about 3.5), $N = 10^8$
# took a median of 11.9 s a step, with a peak of 304 MB for the whole process (94 MB of it before
# the first step), against 1.6 GB for x and y (measured on 2026-12-02; your figures print above).
# The noise is the floor: the loss settles at $\text{NOISE}^2 = 0.01$.

# %%
client.close()
cluster.close()

# %% [markdown]
# ## Exercises
# 1. Drop the second `dask.persist` and time steps 1, 5 and 10. How does the time per step grow, and why?
# 2. Compute the loss and the gradients with three separate `.compute()` calls instead of one `persist`.
#    How many times is each chunk made now? (Compare the time per step.)
# 3. Change `CHUNK` to 100,000 and to 10,000,000. What happens to the time per step and to the peak memory?
# 4. Replace the mean squared error by the mean absolute error, `abs(X @ W + b - y).mean()`. Does it still
#    go chunk by chunk? What about `(X @ W + b - y).max()`?
