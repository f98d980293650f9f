# %% [markdown]
# # 8. Handwritten digits with an MLP
#
# **What this notebook teaches.** The source documents' network -- Affine, ReLU, Affine, ReLU,
# Affine, with softmax cross-entropy -- trained with minibatch SGD and with Adam, on handwritten
# digits. We compare batch sizes 10 and 100, measure the test accuracy, and look at the digits the
# network gets wrong.
#
# The data are the 8x8 digits that ship with scikit-learn (1,797 images, no download). With the
# 28x28 MNIST files on your disk, `load_mnist(path)` reads them instead; set `MNIST_DIR` below.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from autograd import nn, no_grad, optim
from autograd.data import DataLoader, load_digits, load_mnist

MNIST_DIR = None  # e.g. "~/data/mnist": a folder with train-images-idx3-ubyte(.gz) and the other three files

# %%
if MNIST_DIR:
    X_train, y_train = load_mnist(MNIST_DIR, "train")
    X_test, y_test = load_mnist(MNIST_DIR, "test")
    side = 28
else:
    X, y = load_digits()
    X = (X / 16.0).astype(np.float32)                      # pixels 0..16 -> 0..1
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]
    side = 8
print(f"{len(X_train)} training images, {len(X_test)} test images, {X_train.shape[1]} pixels each")

fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
for ax, image, label in zip(axes, X_train, y_train):
    ax.imshow(image.reshape(side, side), cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The network
#
# $\text{Affine}(x) = x W + b$; ReLU zeroes the negatives; the last Affine gives 10 scores
# (*logits*), and softmax cross-entropy turns them into a loss:
# $L = -\log \dfrac{e^{z_y}}{\sum_k e^{z_k}}$ for the true class $y$. Its gradient with respect to the
# logits is the famous $\text{softmax}(z) - \text{onehot}(y)$, which the library computes in one
# fused, numerically stable step.

# %%
def make_network(hidden=100, seed=0):
    nn.init.seed(seed)
    return nn.Sequential(
        nn.Linear(X_train.shape[1], hidden, init="he", dtype=np.float32), nn.ReLU(),
        nn.Linear(hidden, hidden, init="he", dtype=np.float32), nn.ReLU(),
        nn.Linear(hidden, 10, dtype=np.float32))

def accuracy(model, X, y):
    with no_grad():
        return float((model(X).data.argmax(axis=1) == y).mean())

def train(make_optimizer, batch_size, epochs=15, seed=0):
    model = make_network(seed=seed)
    optimizer = make_optimizer(model.parameters())
    losses = []
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=f"batch {batch_size}")
    for epoch in bar:
        for xb, yb in DataLoader(X_train, y_train, batch_size, seed=epoch):
            optimizer.zero_grad()
            loss = nn.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    return model, np.array(losses), time.perf_counter() - start

# %% [markdown]
# ## Minibatch SGD: batch size 10 versus 100

# %%
results = {}
for batch_size in (10, 100):
    model, losses, seconds = train(lambda p: optim.SGD(p, lr=0.1), batch_size)
    results[f"SGD, batch {batch_size}"] = (model, losses, seconds)

fig, axes = plt.subplots(1, 2, figsize=(13, 4))
for ax, (name, (model, losses, seconds)) in zip(axes, results.items()):
    ax.plot(losses, lw=0.6, label="loss of each minibatch")
    ax.plot(np.convolve(losses, np.ones(20) / 20, mode="valid"), lw=2, label="running mean of 20")
    ax.set_yscale("log")
    ax.set_xlabel("update")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title(f"{name}: test accuracy {accuracy(model, X_test, y_test):.1%}")
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Batch size 10 makes ten times as many updates per epoch, each from a noisier estimate of the
# gradient: its curve is ragged. Batch size 100 is smooth but has made fewer updates after the same
# number of epochs.
#
# ## Adam

# %%
model, losses, seconds = train(lambda p: optim.Adam(p, lr=1e-3), 32)
results["Adam, batch 32"] = (model, losses, seconds)
for name, (model, losses, seconds) in results.items():
    print(f"{name:15s}: test accuracy {accuracy(model, X_test, y_test):6.2%}  ({seconds:.1f} s)")
assert accuracy(model, X_test, y_test) >= 0.95

# %% [markdown]
# ## What the network gets wrong

# %%
with no_grad():
    predictions = model(X_test).data.argmax(axis=1)
wrong = np.flatnonzero(predictions != y_test)
print(f"{len(wrong)} of {len(y_test)} test images misclassified")
columns = 8
rows = max(1, int(np.ceil(min(len(wrong), 24) / columns)))
fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.5), squeeze=False)
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, wrong[:24]):
    ax.imshow(X_test[i].reshape(side, side), cmap="gray_r")
    ax.set_title(f"{y_test[i]} read as {predictions[i]}", fontsize=8)
fig.suptitle("Misclassified test digits: true label, and what the network said")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Exercises
# 1. Train without the hidden layers (`Linear(64, 10)` only): how much accuracy do they buy?
# 2. Use the documents' initialisation, `init=0.01`, with SGD. What happens in the first epochs, and why
#    (see notebook 7)?
# 3. Save the trained model with `model.save("digits.npz")`, load it into a fresh network, and check
#    that the accuracy is the same.
