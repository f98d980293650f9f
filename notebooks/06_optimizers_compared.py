# %% [markdown]
# # 6. Optimizers compared
#
# **What this notebook teaches.** Plain gradient descent takes a step against the gradient. On a
# long narrow valley -- a *ravine* -- that is slow: the gradient points mostly across the valley,
# not along it. The optimizers of the source documents each fix this in their own way. We write
# down each update rule, run them all on the same functions with `autograd.optim`, and look at their
# paths and loss curves. (The rules are PyTorch's; the library's test suite checks them against
# `torch.optim` to 1e-10.)
#
# Notation: $g$ is the gradient, $\eta$ the learning rate, $t$ the step number.
#
# | optimizer | update |
# |---|---|
# | SGD | $p \leftarrow p - \eta g$ |
# | Momentum | $v \leftarrow \mu v + g$, $\;p \leftarrow p - \eta v$ |
# | Nesterov | $v \leftarrow \mu v + g$, $\;p \leftarrow p - \eta (g + \mu v)$ (look ahead) |
# | AdaGrad | $s \leftarrow s + g^2$, $\;p \leftarrow p - \eta\, g / (\sqrt{s} + \epsilon)$ |
# | RMSProp | $s \leftarrow \alpha s + (1 - \alpha) g^2$, $\;p \leftarrow p - \eta\, g / (\sqrt{s} + \epsilon)$ |
# | Adadelta | $s \leftarrow \rho s + (1-\rho) g^2$, $\;\Delta = \frac{\sqrt{u + \epsilon}}{\sqrt{s + \epsilon}}\, g$, $\;u \leftarrow \rho u + (1-\rho)\Delta^2$, $\;p \leftarrow p - \eta \Delta$ |
# | Adam | $m \leftarrow \beta_1 m + (1-\beta_1) g$, $\;v \leftarrow \beta_2 v + (1-\beta_2) g^2$, $\;p \leftarrow p - \eta\, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}$ |
# | AdamW | Adam, plus $p \leftarrow p\,(1 - \eta \lambda)$ each step (decoupled weight decay) |

# %%
import matplotlib.pyplot as plt
import numpy as np

from autograd import Value, optim

# %% [markdown]
# ## A ravine: $f(x, y) = \frac{x^2}{20} + y^2$
#
# It is twenty times steeper across ($y$) than along ($x$). Every optimizer starts at $(-7, 2)$ and
# takes 30 steps towards the minimum at $(0, 0)$. Each has a learning rate that suits it on this
# problem (tried by hand: Adadelta, whose steps start at about $\sqrt{\epsilon} = 10^{-3}$ times
# the gradient, needs a large one).

# %%
def ravine(x, y):
    return x * x / 20 + y * y

def trajectory(make_optimizer, f, start, steps):
    """Run an optimizer from `start` on f; return the visited points and the losses."""
    params = [Value(v) for v in start]
    optimizer = make_optimizer(params)
    points, losses = [[p.data for p in params]], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = f(*params)
        loss.backward()
        optimizer.step()
        points.append([p.data for p in params])
        losses.append(loss.data)
    return np.array(points), np.array(losses)

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.95),
    "Momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "Nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "AdaGrad": lambda p: optim.Adagrad(p, lr=1.5),
    "RMSProp": lambda p: optim.RMSprop(p, lr=0.2),
    "Adadelta": lambda p: optim.Adadelta(p, lr=100.0),
    "Adam": lambda p: optim.Adam(p, lr=0.3),
    "AdamW": lambda p: optim.AdamW(p, lr=0.3, weight_decay=0.1),
}
runs = {name: trajectory(make, ravine, (-7.0, 2.0), 30) for name, make in OPTIMIZERS.items()}

X, Y = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
fig, axes = plt.subplots(2, 4, figsize=(16, 7), sharex=True, sharey=True)
for ax, (name, (points, losses)) in zip(axes.flat, runs.items()):
    ax.contour(X, Y, X ** 2 / 20 + Y ** 2, levels=12, cmap="Greys", linewidths=0.7)
    ax.plot(points[:, 0], points[:, 1], "o-", ms=3, color="C3", label=name)
    ax.plot([0], [0], "k+", ms=12)
    ax.set_title(f"{name}: f = {losses[-1]:.2g} after 30 steps")
    ax.legend(loc="lower right")
for ax in axes[1]:
    ax.set_xlabel("x")
for ax in axes[:, 0]:
    ax.set_ylabel("y")
fig.suptitle(r"30 steps on the ravine $f(x, y) = x^2/20 + y^2$ from $(-7, 2)$")
plt.tight_layout()
plt.show()

# %% [markdown]
# SGD zig-zags across the valley; momentum builds up speed along it (and overshoots); AdaGrad,
# RMSProp and Adam rescale each coordinate by its own gradient history, so the steep $y$ and the
# shallow $x$ move at similar speeds.
#
# ## The Rosenbrock function
#
# $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$ has its minimum at $(1, 1)$ at the bottom of a curved
# banana-shaped valley: easy to find the valley, hard to follow it.

# %%
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2

ROSENBROCK = {
    "SGD": lambda p: optim.SGD(p, lr=1e-3),
    "Momentum": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9),
    "Nesterov": lambda p: optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
    "AdaGrad": lambda p: optim.Adagrad(p, lr=1.5),
    "RMSProp": lambda p: optim.RMSprop(p, lr=3e-3),
    "Adadelta": lambda p: optim.Adadelta(p, lr=1.0),
    "Adam": lambda p: optim.Adam(p, lr=0.05),
    "AdamW": lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.01),
}
rosenbrock_runs = {name: trajectory(make, rosenbrock, (-1.5, 2.0), 1500) for name, make in ROSENBROCK.items()}

X, Y = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5.5))
left.contour(X, Y, np.log10((1 - X) ** 2 + 100 * (Y - X ** 2) ** 2 + 1e-3), levels=20, cmap="Greys")
for name, (points, _) in rosenbrock_runs.items():
    left.plot(points[:, 0], points[:, 1], "-", lw=1.2, label=name)
left.plot([1], [1], "k*", ms=14, label="minimum (1, 1)")
left.set_xlabel("x")
left.set_ylabel("y")
left.set_title("Paths on the Rosenbrock function, 1500 steps from (-1.5, 2)")
left.legend(fontsize=8)
for name, (_, losses) in rosenbrock_runs.items():
    right.semilogy(losses, label=name)
right.set_xlabel("step")
right.set_ylabel("f(x, y)")
right.set_title("Loss curves")
right.legend(fontsize=8)
plt.tight_layout()
plt.show()

for name, (points, losses) in rosenbrock_runs.items():
    print(f"{name:9s} ends at ({points[-1, 0]: .4f}, {points[-1, 1]: .4f}), f = {losses[-1]:.2e}")
assert rosenbrock_runs["Adam"][1][-1] < rosenbrock_runs["SGD"][1][-1]

# %% [markdown]
# ## Adam's bias correction, in numbers
#
# Adam's running means start at zero, so early on they are pulled towards zero: with a constant
# gradient $g = 1$, after $t$ steps $m_t = 1 - \beta_1^t$ (0.1 after the first step with
# $\beta_1 = 0.9$), although the gradient has always been 1. Dividing by $1 - \beta_1^t$ undoes
# exactly that:

# %%
beta1, m = 0.9, 0.0
print(" t    m_t (raw)   m_t / (1 - beta1^t)")
for t in range(1, 11):
    m = beta1 * m + (1 - beta1) * 1.0
    print(f"{t:2d}   {m:9.6f}   {m / (1 - beta1 ** t):9.6f}")
    assert abs(m / (1 - beta1 ** t) - 1.0) < 1e-12

# %% [markdown]
# Without the correction, Adam's very first steps would be about ten times too small in the
# numerator and, with $\beta_2 = 0.999$, the denominator $\sqrt{v}$ about thirty times too small:
# the two errors do not cancel, and the first steps would be erratic.
#
# ## Exercises
# 1. Double each learning rate on the ravine. Which optimizers still converge?
# 2. Which optimizer would you choose for a problem whose gradients differ by 1000x between
#    parameters? Try it: scale the ravine's $x$ term by 1/1000.
