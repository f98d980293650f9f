# %% [markdown]
# # 2. Numerical versus automatic differentiation
#
# **What this notebook teaches.** A derivative can be *estimated* from two values of the function
# (finite differences) or *computed exactly* by applying the chain rule (automatic differentiation).
# We measure how good the estimate is as the step $h$ shrinks -- it first improves, then gets worse
# again -- and then use both to run gradient descent.
#
# The two estimates:
#
# $$\text{forward:}\quad f'(x) \approx \frac{f(x + h) - f(x)}{h} \qquad\qquad
#   \text{central:}\quad f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}$$
#
# Taylor's theorem says their *truncation* errors are about $\tfrac{h}{2}|f''|$ and
# $\tfrac{h^2}{6}|f'''|$. But a float only carries about 16 digits: each value of $f$ is off by
# about $\varepsilon |f|$ with $\varepsilon = 2.2 \times 10^{-16}$, and dividing by $h$ magnifies that
# *rounding* error to about $\varepsilon |f| / h$. Small $h$ is good for one error and bad for the other.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from autograd import F, Value, grad
from autograd.testing import default_step, numerical_grad

# %% [markdown]
# ## Error versus step size
#
# We differentiate $f(x) = \sin(x)\,e^{x}$ at $x = 1$, where the exact derivative is
# $f'(x) = (\cos x + \sin x)\,e^{x}$. The library's reverse mode gives it to the last digit:

# %%
def f(x):
    return F.sin(x) * F.exp(x)

exact = (math.cos(1.0) + math.sin(1.0)) * math.exp(1.0)
automatic = grad(f)(1.0)
print(f"exact:     {exact!r}\nautomatic: {automatic!r}")
assert abs(automatic - exact) <= 2e-16 * abs(exact)

# %%
steps = np.logspace(-15, -1, 57)
errors = {method: [abs(numerical_grad(f, 1.0, eps=h, method=method) - exact) for h in steps]
          for method in ("forward", "central")}

eps = np.finfo(float).eps
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(steps, errors["forward"], "o-", ms=3, label="forward difference")
ax.loglog(steps, errors["central"], "s-", ms=3, label="central difference")
ax.axvline(eps ** 0.5, color="C0", ls=":", label=r"$h = \sqrt{\varepsilon}$")
ax.axvline(eps ** (1 / 3), color="C1", ls=":", label=r"$h = \varepsilon^{1/3}$")
ax.set_xlabel("step h")
ax.set_ylabel("|estimate - exact derivative|")
ax.set_title("Finite differences: truncation (right) against rounding (left)")
ax.legend()
plt.show()

# %% [markdown]
# Read the plot from the right: the error falls with slope 1 (forward) and slope 2 (central) --
# the truncation error. Then it turns and *rises* as $h$ shrinks further, with slope $-1$: the
# rounding error takes over. The best steps are near $h \approx \sqrt{\varepsilon} \approx 1.5\times10^{-8}$
# (forward) and $h \approx \varepsilon^{1/3} \approx 6\times10^{-6}$ (central), which is why the
# library's `numerical_grad` uses the central difference with a step of $\varepsilon^{1/3}\max(1, |x|)$:

# %%
best = {method: min(zip(errors[method], steps)) for method in errors}
for method, (error, h) in best.items():
    print(f"{method:8s}: smallest error {error:.1e} at h = {h:.1e}")
print(f"default step of numerical_grad at x = 1: {default_step(1.0):.2e}")
assert best["central"][0] < best["forward"][0] / 10  # the central difference keeps more digits

# %% [markdown]
# Even at its best the estimate has lost about a third of the digits. Automatic differentiation
# loses none, and costs one backward pass however many inputs there are, where finite differences
# need two evaluations *per input*.
#
# ## Gradient descent, both ways
#
# The source documents' example: minimise $f(x_0, x_1) = (x_0 - 1)^2 + (x_1 - 2)^2$ starting at
# $(0, 0)$ with learning rate 0.1 for 20 steps: $x \leftarrow x - 0.1\,\nabla f(x)$. The minimum is
# at $(1, 2)$. We take each step with the exact gradient, and print the central-difference
# estimate with the documents' $h = 10^{-4}$ beside it.

# %%
def bowl(x0, x1):
    return (x0 - 1) ** 2 + (x1 - 2) ** 2

point = np.array([0.0, 0.0])
path = [point.copy()]
for step in range(20):
    exact_gradient = np.array(grad(bowl, argnums=(0, 1))(*point))
    estimate = np.array(numerical_grad(bowl, *point, eps=1e-4))
    if step < 3 or step == 19:
        print(f"step {step:2d}  x = {point.round(4)}  exact grad {exact_gradient.round(6)}  "
              f"estimate {estimate.round(6)}")
    point = point - 0.1 * exact_gradient
    path.append(point.copy())
path = np.array(path)
print("final point:", path[-1])
distance = np.linalg.norm(path - [1.0, 2.0], axis=1)
print(f"distance to the minimum shrinks by {distance[-1] / distance[-2]:.6f} per step")
assert np.isclose(distance[-1], 0.8 ** 20 * distance[0])

# %%
grid0, grid1 = np.meshgrid(np.linspace(-0.5, 2.5, 200), np.linspace(-0.5, 3.0, 200))
fig, ax = plt.subplots(figsize=(6, 5))
contours = ax.contour(grid0, grid1, (grid0 - 1) ** 2 + (grid1 - 2) ** 2, levels=15, cmap="viridis")
ax.clabel(contours, inline=True, fontsize=7)
ax.plot(path[:, 0], path[:, 1], "o-", color="C3", ms=4, label="gradient descent, lr 0.1")
ax.plot([1], [2], "k*", ms=14, label="minimum (1, 2)")
ax.set_xlabel("$x_0$")
ax.set_ylabel("$x_1$")
ax.set_title("20 steps of gradient descent on $(x_0 - 1)^2 + (x_1 - 2)^2$")
ax.legend()
ax.set_aspect("equal")
plt.show()

# %% [markdown]
# Each step shortens the distance to the minimum by the same factor, $1 - 0.1 \cdot 2 = 0.8$
# (the gradient of this bowl is $2(x - x^*)$), so after 20 steps it is $0.8^{20} \approx 1\%$ of
# the initial one.
#
# ## Exercises
# 1. Repeat the error plot for $f(x) = x^3$ at $x = 10^4$. Where is the best step now, and why does
#    `default_step` scale $h$ with $|x|$?
# 2. Run gradient descent with learning rate 1.0. What happens, and what does $1 - 2\cdot\text{lr}$ say?
