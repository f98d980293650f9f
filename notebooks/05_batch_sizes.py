# %% [markdown]
# # 5. Full-batch, stochastic and minibatch gradient descent
#
# **What this notebook teaches.** How many examples should each update look at? *Full-batch*
# gradient descent uses all of them: an exact gradient, but one update per pass over the data.
# *Stochastic* gradient descent (SGD) uses one: many cheap, noisy updates. *Minibatch* gradient
# descent sits in between. We train the same small network on $y = 3x_0 + 2x_1$ all three ways and
# compare the loss curves.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from autograd import nn, no_grad, optim
from autograd.data import DataLoader

# %% [markdown]
# ## Data and model
#
# 500 points with $x_0, x_1$ uniform in $[0, 1)$ and $y = 3x_0 + 2x_1$; a network with one hidden
# layer of 16 tanh units, `Linear(2, 16) -> Tanh -> Linear(16, 1)`, always started from the same
# weights.

# %%
rng = np.random.default_rng(0)
X = rng.uniform(0, 1, size=(500, 2))
y = (3 * X[:, 0] + 2 * X[:, 1])[:, None]

def make_model():
    init = np.random.default_rng(1)
    return nn.Sequential(nn.Linear(2, 16, init="xavier", rng=init), nn.Tanh(), nn.Linear(16, 1, rng=init))

def full_loss(model):
    with no_grad():
        return nn.mse_loss(model(X), y).item()

# %% [markdown]
# ## One loop, three batch sizes
#
# Each run makes 20 passes (*epochs*) over the data with SGD. The learning rate is the same for
# all three; only the batch size differs, and with it the number of updates per epoch:
# 1 (full batch, 500 points), 50 (batches of 10) and 500 (one point at a time).

# %%
def train(batch_size, epochs=20, lr=0.05):
    model = make_model()
    optimizer = optim.SGD(model.parameters(), lr=lr)
    per_update, per_epoch = [], [full_loss(model)]
    start = time.perf_counter()
    for epoch in range(epochs):
        for xb, yb in DataLoader(X, y, batch_size, seed=epoch):
            optimizer.zero_grad()
            loss = nn.mse_loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            per_update.append(loss.item())
        per_epoch.append(full_loss(model))
    return np.array(per_update), np.array(per_epoch), time.perf_counter() - start

runs = {name: train(size) for name, size in tqdm([("full batch (500)", 500), ("minibatch (10)", 10),
                                                  ("stochastic (1)", 1)], desc="training")}
for name, (per_update, per_epoch, seconds) in runs.items():
    print(f"{name:17s}: {len(per_update):5d} updates, final loss {per_epoch[-1]:.5f}, {seconds:.2f} s")
assert runs["stochastic (1)"][1][-1] < runs["full batch (500)"][1][-1]

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.5))
for name, (per_update, per_epoch, _) in runs.items():
    left.semilogy(per_epoch, "o-", ms=3, label=name)
left.set_xlabel("epoch (one pass over the 500 points)")
left.set_ylabel("loss on all the data")
left.set_title("Per epoch: more updates win")
left.legend()
for name, (per_update, _, _) in runs.items():
    right.semilogy(np.arange(1, len(per_update) + 1), per_update, lw=0.8, label=name)
right.set_xscale("log")
right.set_xlabel("update")
right.set_ylabel("loss of the batch used for the update")
right.set_title("Per update: smaller batches are noisier")
right.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Per epoch, the small batches are far ahead: they make 50 or 500 updates in the time full-batch
# gradient descent makes one. Per update, the full batch is smoother: each of its steps uses the
# exact gradient.
#
# ## Noise versus batch size
#
# How noisy is a batch's view of the data? Take the trained minibatch model and compute its loss on
# 300 random batches of each size: the spread of those losses is the noise an update sees. An
# average of $B$ independent terms has a standard deviation $\sqrt{B}$ times smaller than one term.

# %%
model = make_model()
optimizer = optim.SGD(model.parameters(), lr=0.05)
for epoch in range(20):
    for xb, yb in DataLoader(X, y, 10, seed=epoch):
        optimizer.zero_grad()
        nn.mse_loss(model(xb), yb).backward()
        optimizer.step()

sizes, spreads = [1, 2, 5, 10, 20, 50, 100], []
sampler = np.random.default_rng(2)
with no_grad():
    for size in sizes:
        batch_losses = [nn.mse_loss(model(X[idx]), y[idx]).item()
                        for idx in (sampler.choice(len(X), size, replace=False) for _ in range(300))]
        spreads.append(np.std(batch_losses))

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(sizes, spreads, "o-", label="measured spread of the batch loss")
ax.loglog(sizes, spreads[0] / np.sqrt(sizes), "k:", label=r"$\propto 1/\sqrt{B}$")
ax.set_xlabel("batch size B")
ax.set_ylabel("standard deviation over 300 batches")
ax.set_title("The noise of a minibatch shrinks like 1/sqrt(B)")
ax.legend()
plt.show()
assert spreads[-1] < spreads[0] / 5

# %% [markdown]
# In practice minibatches of tens to hundreds are the usual compromise: enough updates per epoch,
# little enough noise, and -- on real hardware -- a batch is computed as one matrix product, almost
# as fast as a single example.
#
# ## Exercises
# 1. Give the full-batch run 50 times the learning rate. Does it catch up? What limits it?
# 2. Plot the final loss against the batch size (1, 2, 5, 10, 50, 500) for a fixed number of *updates*.
