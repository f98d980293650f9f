# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Vanishing gradients
#
# **What this notebook teaches.** In a deep network the gradient reaching the first layers is a
# product of one factor per layer. If those factors are below 1, the product shrinks exponentially
# with depth and the early layers barely learn. The sigmoid's derivative is at most $1/4$, so a deep
# sigmoid stack starves its first layers; ReLU's derivative is 1 wherever it is active. Weight
# initialisation decides the rest.

# %%
import matplotlib.pyplot as plt
import numpy as np

from autograd import Tensor, Value, nn
from autograd.viz import draw_dot

# %% [markdown]
# ## The sigmoid's derivative is at most 1/4
#
# $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$, and a product $s(1 - s)$ of two numbers adding up to 1
# is largest when both are $\tfrac12$: $\sigma'(0) = \tfrac14$. Ten sigmoid layers multiply the
# gradient by at most $4^{-10} \approx 10^{-6}$ -- before the weights are even counted.

# %%
x = np.linspace(-6, 6, 400)
s = 1 / (1 + np.exp(-x))
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(x, s, label=r"$\sigma(x)$")
ax.plot(x, s * (1 - s), label=r"$\sigma'(x) = \sigma(1 - \sigma)$")
ax.plot(x, (x > 0).astype(float), "--", label="ReLU'(x)")
ax.axhline(0.25, color="gray", ls=":", label="1/4")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("The slopes that the chain rule multiplies together")
ax.legend()
plt.show()
assert np.max(s * (1 - s)) <= 0.25

# %% [markdown]
# ## A chain of sigmoids, drawn
#
# Eight scalar neurons in a chain, $h_{k+1} = \sigma(w_k h_k + b_k)$. Coloured by $|\text{grad}|$
# on a log scale, the drawing shows the gradient fading from the output (dark) back to the input
# (pale).

# %%
rng = np.random.default_rng(0)
h = x0 = Value(0.5, label="x")
for k in range(8):
    w = Value(rng.normal(), label=f"w{k}")
    h = (w * h + 0.1).sigmoid()
h.label = "out"
h.backward()
draw_dot(h, color="grad", show=("label", "grad"), rankdir="LR")

# %% [markdown]
# ## Gradient magnitude per layer: sigmoid versus ReLU
#
# Ten layers of 100 units, a batch of 64 random inputs, and the gradient of a simple loss (the mean
# of the outputs) with respect to each layer's weights. Same depth, same widths, same data; only the
# activation (and its matching initialisation) differs.

# %%
def layer_gradients(activation, init, depth=10, width=100, seed=0):
    generator = np.random.default_rng(seed)
    layers = [nn.Linear(width, width, init=init, rng=generator) for _ in range(depth)]
    h = Tensor(generator.standard_normal((64, width)))
    for layer in layers:
        h = activation(layer(h))
    h.mean().backward()
    return np.array([np.linalg.norm(layer.weight.grad) for layer in layers])

sigmoid_std001 = layer_gradients(lambda t: t.sigmoid(), 0.01)
sigmoid_xavier = layer_gradients(lambda t: t.sigmoid(), "xavier")
relu_std001 = layer_gradients(lambda t: t.relu(), 0.01)
relu_he = layer_gradients(lambda t: t.relu(), "he")

layers = np.arange(1, 11)
fig, ax = plt.subplots(figsize=(10, 4.5))
width = 0.2
for offset, (name, norms) in enumerate([("sigmoid, std 0.01", sigmoid_std001), ("sigmoid, Xavier", sigmoid_xavier),
                                        ("ReLU, std 0.01", relu_std001), ("ReLU, He", relu_he)]):
    ax.bar(layers + (offset - 1.5) * width, norms, width, label=name)
ax.set_yscale("log")
ax.set_xticks(layers)
ax.set_xlabel("layer (1 = nearest the input)")
ax.set_ylabel("|dL/dW| of the layer")
ax.set_title("Gradient norm per layer, 10 layers deep")
ax.legend()
plt.show()

for name, norms in [("sigmoid, Xavier", sigmoid_xavier), ("ReLU, He", relu_he)]:
    print(f"{name:16s}: first layer / last layer gradient = {norms[0] / norms[-1]:.2e}")
assert sigmoid_xavier[0] / sigmoid_xavier[-1] < 1e-2 < relu_he[0] / relu_he[-1]

# %% [markdown]
# With sigmoids the first layer's gradient is orders of magnitude smaller than the last one's,
# even with Xavier initialisation; with ReLU and He initialisation every layer gets a gradient of
# the same size. With the source documents' initialisation, $0.01 \times$ standard normal, the
# signal itself dies on the way *forward* (each layer multiplies it by about
# $0.01\sqrt{100} = 0.1$), and the gradients of the early layers with it, whatever the activation.

# %% [markdown]
# ## The same fade, drawn module by module
#
# A drawing of every value of a real model is thousands of boxes. Grouped by module, each layer is
# one box: `draw_dot(loss, group="module", collapse=1)` opens the outermost module (the
# `Sequential`) and folds each layer inside it into a box that says what it holds -- its
# parameters' shapes and the norm of their gradients. With `color="grad"` a box is shaded by that
# norm, so six sigmoid layers show the gradient fading from the output (dark, bottom) to the input
# (pale, top). The arrows carry the shape and dtype of the tensor that crosses from layer to layer.

# %%
generator = np.random.default_rng(0)
blocks = []
for _ in range(6):
    blocks += [nn.Linear(16, 16, init="xavier", rng=generator), nn.Sigmoid()]
model = nn.Sequential(*blocks)
loss = model(Tensor(generator.standard_normal((8, 16)))).mean()
loss.backward()
norms = [np.linalg.norm(layer.weight.grad) for layer in model.layers if isinstance(layer, nn.Linear)]
assert all(a < b for a, b in zip(norms, norms[1:]))  # each layer's gradient smaller than the next one's
draw_dot(loss, group="module", collapse=1, color="grad", rankdir="TB")

# %% [markdown]
# ## Why He initialisation is $\sqrt{2/n}$
#
# A layer of $n$ inputs with weights of variance $v$ multiplies the variance of the signal by
# about $n v$, and ReLU halves it again (it zeroes half its inputs). Keeping the variance constant
# from layer to layer needs $n v / 2 = 1$, so $v = 2/n$ -- He's rule. For tanh and sigmoid, which do
# not halve it, Xavier's $v = 2/(n_\text{in} + n_\text{out})$ balances the forward and the backward pass.

# %%
def activation_spread(activation, init, depth=10, width=100, seed=0):
    generator = np.random.default_rng(seed)
    h = Tensor(generator.standard_normal((256, width)))
    spreads = []
    for _ in range(depth):
        h = activation(nn.Linear(width, width, init=init, rng=generator)(h))
        spreads.append(h.data.std())
    return spreads

fig, ax = plt.subplots(figsize=(7, 4))
for name, activation, init in [("ReLU, He", lambda t: t.relu(), "he"), ("ReLU, std 0.01", lambda t: t.relu(), 0.01),
                               ("ReLU, Xavier", lambda t: t.relu(), "xavier")]:
    ax.semilogy(range(1, 11), activation_spread(activation, init), "o-", label=name)
ax.set_xlabel("layer")
ax.set_ylabel("standard deviation of the activations")
ax.set_title("The forward signal, layer by layer")
ax.legend()
plt.show()

# %% [markdown]
# ## Exercises
# 1. Make the sigmoid stack 20 layers deep. How small is the first layer's gradient now?
# 2. Use tanh instead of sigmoid (its derivative is at most 1, not 1/4). What changes?
