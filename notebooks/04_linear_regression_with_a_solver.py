# %% [markdown]
# # 4. Linear regression with a solver
#
# **What this notebook teaches.** Training a model is a loop of four steps that every framework
# shares -- the *solver workflow*:
#
# 1. `optimizer.zero_grad()` -- forget the previous gradients (they *accumulate* otherwise);
# 2. forward -- compute the loss from the current parameters;
# 3. `loss.backward()` -- compute the gradient of the loss with respect to every parameter;
# 4. `optimizer.step()` -- move each parameter a little against its gradient.
#
# We fit a line $y = a x + b$ to noisy points from $Y = 0.3\,x + 1.5$, in minibatches of 32, with
# plain SGD and learning rate 0.01 -- the source documents' example -- and then see what goes wrong
# when step 1 is forgotten.

# %%
import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from autograd import Tensor, optim
from autograd.data import DataLoader

# %% [markdown]
# ## The data
#
# $x$ is drawn from a standard normal distribution, and $Y = 0.3\,x + 1.5$ plus a little noise:
# 200 minibatches of 32 points, one per update.

# %%
rng = np.random.default_rng(0)
batch_size, updates = 32, 200
X = rng.standard_normal(updates * batch_size)
Y = 0.3 * X + 1.5 + 0.01 * rng.standard_normal(X.size)

# %% [markdown]
# ## The model, the loss and the solver
#
# The parameters are two tensors that ask for gradients; the loss is the mean squared error
# $L = \frac{1}{32}\sum_i (a x_i + b - y_i)^2$ over a minibatch.

# %%
a = Tensor(rng.standard_normal(), requires_grad=True, label="a")
b = Tensor(rng.standard_normal(), requires_grad=True, label="b")
solver = optim.SGD([a, b], lr=0.01)
print(f"start: a = {a.item():.4f}, b = {b.item():.4f}")

snapshots, losses = {0: (a.item(), b.item())}, []
for step, (x, y) in enumerate(tqdm(DataLoader(X, Y, batch_size, shuffle=False), desc="SGD"), start=1):
    solver.zero_grad()                        # 1. forget the old gradients
    loss = ((a * x + b - y) ** 2).mean()      # 2. forward
    loss.backward()                           # 3. backward
    solver.step()                             # 4. update
    losses.append(loss.item())
    if step in (10, 30, 100, 200):
        snapshots[step] = (a.item(), b.item())
print(f"after {updates} updates: a = {a.item():.4f}, b = {b.item():.4f}  (true: 0.3, 1.5)")
assert abs(a.item() - 0.3) < 0.05 and abs(b.item() - 1.5) < 0.05

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
left.scatter(X[:300], Y[:300], s=6, color="gray", alpha=0.5, label="data (first 300 points)")
line = np.linspace(-3, 3, 2)
for step, (a_k, b_k) in snapshots.items():
    left.plot(line, a_k * line + b_k, label=f"after {step} updates: y = {a_k:.2f} x + {b_k:.2f}")
left.set_xlabel("x")
left.set_ylabel("y")
left.set_title("The line converging")
left.legend(fontsize=8)
right.semilogy(range(1, updates + 1), losses)
right.set_xlabel("update")
right.set_ylabel("mean squared error of the minibatch")
right.set_title("Loss")
plt.tight_layout()
plt.show()

# %% [markdown]
# Each update shrinks the distance to the best $(a, b)$ by about $1 - 2 \times 0.01 = 0.98$
# (the loss's curvature is $2\,E[x^2] = 2$ in both directions), so 200 updates leave about
# $0.98^{200} \approx 2\%$ of the starting error -- more updates, or a larger learning rate, bring it
# down to the noise.
#
# ## Gradients accumulate
#
# `backward()` *adds* into `.grad`. Running it twice without clearing gives twice the gradient:

# %%
x, y = X[:32], Y[:32]
a.grad = b.grad = None
((a * x + b - y) ** 2).mean().backward()
once = a.grad.copy()
((a * x + b - y) ** 2).mean().backward()
print(f"after one backward: {once}, after two: {a.grad}")
assert np.isclose(a.grad, 2 * once)

# %% [markdown]
# ## Forgetting `zero_grad`
#
# Without step 1, update $k$ uses the *sum* of the last $k$ gradients: the steps grow and
# overshoot, and the fit swings around the answer instead of settling.

# %%
def fit(forget_zero_grad: bool, updates=200, seed=0):
    generator = np.random.default_rng(seed)
    a = Tensor(generator.standard_normal(), requires_grad=True)
    b = Tensor(generator.standard_normal(), requires_grad=True)
    solver = optim.SGD([a, b], lr=0.01)
    history = []
    for x, y in DataLoader(X[: updates * 32], Y[: updates * 32], 32, shuffle=False):
        if not forget_zero_grad:
            solver.zero_grad()
        loss = ((a * x + b - y) ** 2).mean()
        loss.backward()
        solver.step()
        history.append((a.item(), b.item(), loss.item()))
    return np.array(history)

right_way, forgotten = fit(False), fit(True)
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
axes[0].plot(right_way[:, 1], label="with zero_grad")
axes[0].plot(forgotten[:, 1], label="zero_grad forgotten")
axes[0].axhline(1.5, color="k", ls=":", label="true b = 1.5")
axes[0].set_xlabel("update")
axes[0].set_ylabel("b")
axes[0].set_title("The intercept b")
axes[0].legend()
axes[1].semilogy(right_way[:, 2], label="with zero_grad")
axes[1].semilogy(forgotten[:, 2], label="zero_grad forgotten")
axes[1].set_xlabel("update")
axes[1].set_ylabel("minibatch loss")
axes[1].set_title("Loss")
axes[1].legend()
plt.tight_layout()
plt.show()
print(f"final b with zero_grad: {right_way[-1, 1]:.4f}, without: {forgotten[-1, 1]:.4f}")

# %% [markdown]
# ## Exercises
# 1. Raise the learning rate to 0.5. How many updates does the fit need now? What happens at 1.1?
# 2. Replace `optim.SGD` with `optim.Adam(..., lr=0.05)`. Is it faster here?
# 3. Accumulating gradients on purpose: call `backward()` on 4 minibatches, then `step()` once,
#    then `zero_grad()`. Which batch size does that imitate?
