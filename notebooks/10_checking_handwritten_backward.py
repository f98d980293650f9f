# %% [markdown]
# # 10. Checking a backward pass written by hand
#
# **What this notebook teaches.** The source documents teach backpropagation by writing it: a
# `Sigmoid`, an `Affine` (their `Dense_layer`), a `ReLU` and a `SoftmaxWithLoss` layer, each with a
# `forward` and a hand-derived `backward`, then a network whose `gradient()` returns a dictionary
# of gradients. Every line of those backward passes can be wrong in a way that still runs. We write
# the four layers in numpy, check them with `autograd.testing.check_layer` -- which compares every
# gradient with finite differences and says *which* gradient is wrong, *where*, by *how much*, and
# often *why* -- then break each the way students do and read what the report says. At the end,
# hypothesis finds the smallest batch at which a broken layer fails, and the Taylor test checks a
# gradient with no tolerance at all.

# %%
import numpy as np

from autograd.testing import check_layer, check_network, check_parameters, for_all, strategies, taylor_test

rng = np.random.default_rng(0)

# %% [markdown]
# ## The layers, by hand
#
# The protocol is the textbook's: `forward(x)` keeps what backward will need; `backward(dout)`
# receives $\partial L/\partial\,\text{out}$ and returns $\partial L/\partial x$, leaving the
# gradients of the parameters in attributes (`dW`, `db`) for the optimizer to read.
#
# * Sigmoid: $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$, written with the *output* it kept.
# * Affine, $\text{out} = xW + b$ over a batch: $dx = dout\,W^\top$, $dW = x^\top dout$,
#   $db = \sum_{\text{batch}} dout$.
# * ReLU: the gradient passes where $x > 0$ and is blocked elsewhere (a *mask*).
# * Softmax with cross-entropy, averaged over the batch of $N$: $dx = (y - t)/N$.

# %%
class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class ReLU:
    def forward(self, x):
        self.mask = x <= 0
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class SoftmaxWithLoss:
    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        shifted = x - x.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log softmax, without log(0)
        return -np.sum(t * log_y) / len(x)

    def backward(self, dout=1):
        return dout * (self.y - self.t) / len(self.t)

# %% [markdown]
# ## Checking them
#
# `check_layer(layer, x)` calls `forward`, sends a random `dout` back through `backward`, and finds
# the parameters by their names: every attribute `X` with a gradient `dX` after backward. It then
# compares each gradient with **central differences** of the one number
# $\varphi = \sum \text{forward}(x) \cdot dout$, whose gradient is exactly what backward must return.
# A loss layer gets `dout = 1`; its targets `t` are passed through and not differentiated.

# %%
x = rng.normal(size=(4, 3))
t = np.eye(3)[[0, 2, 1, 1]]
affine = Affine(rng.normal(size=(3, 2)), rng.normal(size=2))

check_layer(affine, x)

# %%
for layer, args in [(Sigmoid(), (x,)), (ReLU(), (x,)), (SoftmaxWithLoss(), (x, t))]:
    print(check_layer(layer, *args).title())

# %% [markdown]
# ## Breaking them, the way students do
#
# Five slips from the classroom, each a small subclass. None of them crashes: each trains, a little
# or a lot worse, and only a gradient check notices.

# %%
class MissingTranspose(Affine):          # dW = dout.T @ x: the transpose on the wrong side
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = dout.T @ self.x
        return dx


class DbWithoutSum(Affine):              # db = dout: the sum over the batch forgotten
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout
        return dx


class MeanTakenTwice(Affine):            # dout already carries the loss's 1/N; dividing again is twice
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW, self.db = self.dW / len(dout), self.db / len(dout)
        return dx


class SigmoidUsesX(Sigmoid):             # sigma'(x) written with the input instead of the output
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        return dout * (1.0 - self.x) * self.x


class RepresentativeSample(Affine):      # "take x[0] as the representative of the batch": is that right?
    def backward(self, dout):
        sample, mean_dout = self.x[:1], dout.mean(axis=0, keepdims=True)
        self.dW = sample.T @ mean_dout
        self.db = mean_dout.sum(axis=0)
        return dout @ self.W.T

# %% [markdown]
# The report of the first: `dW` has the shape of `W` transposed, and its transpose would agree.

# %%
W, b = affine.W, affine.b
check_layer(MissingTranspose(W, b), x, raises=False)

# %% [markdown]
# Raised as an `AssertionError` (the default, for tests), the message is the same table:

# %%
try:
    check_layer(MeanTakenTwice(W, b), x)
except AssertionError as failure:
    print(failure)

# %% [markdown]
# The factor 1/4 *is* 1/N, the batch size, so the report names it. It also ran the check again on
# the first sample alone -- where a mean over one sample changes nothing -- and says that the
# derivative is right and the treatment of the batch is not.
#
# All five, in one line each: which gradients are wrong, and the hint of the first.

# %%
def verdict(layer, *args):
    """The mutant's name, the gradients its report names, the first one's footnote and the batch-size-1 note."""
    report = check_layer(layer, *args, raises=False)
    first = report[report.wrong[0]]
    said = first.footnote() or f"wrong at {first.wrong} of {first.numeric.size} elements, no pattern to name"
    batch = [note for note in report.notes if note.startswith("At batch size 1")]
    return "\n".join([f"{type(layer).__name__}: wrong {', '.join(report.wrong)}", f"    {first.name}: {said}",
                      *(f"    {note}" for note in batch)])


mutants = [MissingTranspose(W, b), DbWithoutSum(W, b), MeanTakenTwice(W, b), SigmoidUsesX(),
           RepresentativeSample(W, b)]
for mutant in mutants:
    print(verdict(mutant, x), "\n")

# %% [markdown]
# `SigmoidUsesX` has no pattern to name: its derivative is simply a different function. The
# report still says that only `dx` is wrong, at every element, and that it is wrong for a single
# sample too. And the minibatch exercise's question -- *is it right to take `x[0]` as the
# representative of the batch?* -- has its answer: no. It is right at batch size 1 only.

# %% [markdown]
# ## A whole network: `params` and `gradient()`
#
# The digits network keeps its parameters in a dictionary `params` (`W1`, `b1`, `W2`, `b2`) whose
# arrays its layers share, and `gradient(x, t)` returns a dictionary with the same keys.
# `check_network` does what the textbook's gradient check does -- perturb each parameter in place,
# recompute `loss(x, t)` -- element by element, and reports as before.

# %%
class TwoLayerNet:
    def __init__(self, n_in, n_hidden, n_out, rng, affine=Affine):
        self.params = {"W1": rng.normal(size=(n_in, n_hidden)), "b1": np.zeros(n_hidden),
                       "W2": rng.normal(size=(n_hidden, n_out)), "b2": np.zeros(n_out)}
        self.layers = [affine(self.params["W1"], self.params["b1"]), ReLU(),
                       affine(self.params["W2"], self.params["b2"])]
        self.last = SoftmaxWithLoss()

    def loss(self, x, t):
        for layer in self.layers:
            x = layer.forward(x)
        return self.last.forward(x, t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        first, second = self.layers[0], self.layers[2]
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}


check_network(TwoLayerNet(3, 5, 3, rng), x, t)

# %%
print(check_network(TwoLayerNet(3, 5, 3, rng, affine=DbWithoutSum), x, t, raises=False))

# %% [markdown]
# A dictionary network with hand-written `backward(network, x, d, ...)` functions, as in the minibatch
# exercise, is checked the same way with `check_parameters(loss, params, grads)`: `loss()` reads the
# arrays of `params` as they are when it is called.

# %%
network = {"W1": rng.normal(size=(2, 4)), "b1": np.zeros(4), "W2": rng.normal(size=4), "b2": 0.0}
xs = rng.random((10, 2))
d = 3 * xs[:, 0] + 2 * xs[:, 1]


def forward(network, x):
    z1 = np.maximum(0, x @ network["W1"] + network["b1"])
    return z1, z1 @ network["W2"] + network["b2"]


def backward(network, x, d, representative=False):
    z1, y = forward(network, x)
    delta2 = (y - d) / len(x)                        # d/dy of the mean of (y - d)^2 / 2
    if representative:                               # the batch's mean delta, and x[0] for the batch
        x, z1, delta2 = x[:1], z1[:1], np.full(1, delta2.mean())
    delta1 = np.outer(delta2, network["W2"]) * (z1 > 0)
    return {"W1": x.T @ delta1, "b1": delta1.sum(axis=0), "W2": z1.T @ delta2, "b2": delta2.sum()}


def mse():
    return np.mean((forward(network, xs)[1] - d) ** 2) / 2


print(check_parameters(mse, network, backward(network, xs, d)).title())
print(check_parameters(mse, network, backward(network, xs, d, representative=True), raises=False))

# %% [markdown]
# ## The smallest batch that fails
#
# A check at one shape can be lucky: a transpose of a 1 x 1 matrix is itself, and a layer that
# ignores all but the first sample is right at batch size 1. `strategies.layer_cases(make)` draws the
# sizes of `make(rng, batch, n_in, n_out)` (batch size 1 included), and `for_all` runs the check at
# each; when one fails, hypothesis *shrinks* the case to the smallest sizes that still fail.

# %%
def maker(cls):
    def make(rng, batch, n_in, n_out):
        return cls(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)), rng.normal(size=(batch, n_in))
    return make


for_all(check_layer, strategies.layer_cases(maker(Affine)))   # the right layer: quiet
print("Affine: every case passes")

for cls in (RepresentativeSample, MissingTranspose):
    try:
        for_all(check_layer, strategies.layer_cases(maker(cls)))
    except AssertionError as failure:
        print(str(failure).split("\n")[0])

# %% [markdown]
# The representative sample fails first at batch size 2; the missing transpose needs a `W` that is
# not square, 1 x 2. ReLU's kink at 0 is kept out of the drawn inputs with
# `layer_cases(make, kinks=(0.0,))`: finite differences across a kink measure nothing.
#
# ## Numerics that do not lie
#
# **Float32.** A float32 layer is checked in float32 -- it is what it computes in -- with the step
# and tolerance of float32, and the report says the check is coarser. A mean taken twice is still
# caught easily.

# %%
x32 = x.astype(np.float32)
print(check_layer(Affine(W.astype(np.float32), b.astype(np.float32)), x32))
print(check_layer(MeanTakenTwice(W.astype(np.float32), b.astype(np.float32)), x32, raises=False).title())

# %% [markdown]
# **The Taylor test needs no tolerance.** Along a direction $v$, a right gradient $g$ leaves a
# remainder $|f(x + hv) - f(x) - h\langle g, v\rangle|$ that shrinks like $h^2$; a wrong one leaves
# an error of order $h$. Halving $h$ divides the remainder by 4 -- or by 2. `taylor=True` adds the
# measured order to the table.

# %%
print(check_layer(SigmoidUsesX(), x, taylor=True, raises=False))

# %%
cubic = lambda v: float(np.sum(v ** 3))  # noqa: E731
point = np.array([0.5, -1.0, 2.0])
print(taylor_test(cubic, (point,), (3 * point ** 2,)))
print(taylor_test(cubic, (point,), (3 * point ** 2 + 0.01,)))

# %% [markdown]
# **A finding.** The textbook's cross-entropy is `-sum(t * log(y + 1e-7))`: the `1e-7` keeps
# `log(0)` away, but it also makes `(y - t) / N` *not quite* the gradient of that loss -- off by
# about `1e-7 / y` for the right class's probability `y`. Harmless while the network is unsure;
# when it is confidently wrong (the right class gets a probability near `1e-7`), the backward pass
# no longer matches the loss. Finite differences see it, and so does the Taylor test.

# %%
class TextbookSoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        self.t, self.y = t, softmax(x)
        return -np.sum(t * np.log(self.y + 1e-7)) / len(x)


confident = 4 * x                                   # large logits ...
wrong_class = np.eye(3)[np.argmin(confident, axis=1)]    # ... and the targets the network thinks least likely
print("probability of the right class:", softmax(confident)[wrong_class == 1].round(5))
print(check_layer(SoftmaxWithLoss(), confident, wrong_class, taylor=True).title())
print(check_layer(TextbookSoftmaxWithLoss(), confident, wrong_class, taylor=True, raises=False))

# %% [markdown]
# ## Other frameworks
#
# The same check serves a custom `torch.autograd.Function` (`check_torch`), a JAX `custom_vjp`
# (`check_jax`) and any numpy function with a hand-written VJP (`check_vjp(f, f_vjp, *arrays)`).
# The gradients compared are the ones *your* backward returns. Below, `dw` has the transposed
# shape: torch's own engine would stop at "returned an invalid gradient at index 1 - got [2, 3] but
# expected shape compatible with [3, 2]"; the report says which gradient, and that its transpose is
# right. The `db` that forgets the sum over the batch is *not* a bug in torch -- its engine sums a
# gradient that broadcasts back to the input's shape -- and the report says that too, in a note.

# %%
try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: pip install torch")

if torch is not None:
    from autograd.testing import check_torch

    class LinearFunction(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            ctx.save_for_backward(x, w)
            return x @ w + b

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g @ w.T, g.T @ x, g                 # dw transposed; db left for torch to sum

    print(check_torch(LinearFunction, x, W, b, raises=False))

# %% [markdown]
# ## Exercises
# 1. Write a `Tanh` layer by hand and check it; then break it by using `1 - x**2` for `1 - out**2`.
#    Does the Taylor test agree with the finite differences?
# 2. The textbook ReLU's backward writes into `dout` (`dout[self.mask] = 0`). Why is that harmless
#    in the network, and why does `check_layer` send it a copy?
# 3. Write an MSE loss layer `forward(y, t) = sum((y - t)**2) / (2 N)` and its backward, then
#    forget the `/ N`. What does the report name, and at which batch size does `for_all` first fail?
