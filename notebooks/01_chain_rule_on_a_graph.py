# %% [markdown]
# # 1. The chain rule on a graph
#
# **What this notebook teaches.** A computer differentiates a formula by recording it as a *graph* of
# small operations and applying the chain rule once per edge, from the output back to the inputs.
# We build a small expression, draw its graph, step through the forward and the backward pass, and
# compare every number with the derivative worked out by hand.
#
# You will see:
# 1. that each operation only needs its own *local* derivative;
# 2. that the gradient reaching an input is the *product* of the local derivatives along a path,
#    and the *sum* over all paths;
# 3. the sigmoid's famous derivative $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$ appearing by itself.

# %%
from autograd import Value
from autograd.explain import explain
from autograd.viz import draw_dot

# %% [markdown]
# ## A first expression: $z = (x + y)^2$
#
# By hand, with $u = x + y$: $\dfrac{\partial z}{\partial x} = \dfrac{dz}{du}\,\dfrac{\partial u}{\partial x}
# = 2u \cdot 1 = 2(x + y)$, and the same for $y$.
#
# In code, every operation on a `Value` makes a new node that remembers its inputs.

# %%
x = Value(1.5, label="x")
y = Value(-4.0, label="y")
u = x + y
u.label = "u"
z = u ** 2
z.label = "z"
z

# %% [markdown]
# Drawn before `backward()`, the gradients are not known yet, and the drawing says so rather than
# showing a misleading 0:

# %%
draw_dot(z)

# %% [markdown]
# Now the backward pass. `z.backward()` starts with $\partial z / \partial z = 1$ and walks the graph
# from the output back, multiplying by each operation's local derivative.

# %%
z.backward()
print(f"dz/dx = {x.grad}   by hand: 2(x + y) = {2 * (x.data + y.data)}")
print(f"dz/dy = {y.grad}   by hand: 2(x + y) = {2 * (y.data + x.data)}")
assert x.grad == y.grad == 2 * (1.5 - 4.0)
draw_dot(z)

# %% [markdown]
# ## Every step of the chain rule, written out
#
# `explain` records each edge of the backward pass: the gradient arriving from above (*upstream*),
# the local derivative of the operation (its formula comes from the library's table of primitives),
# their product, and the running total of the input's gradient.

# %%
trace = explain(z)
print(trace)

# %% [markdown]
# In a notebook the trace also displays as an interactive *stepper*: press **Next** to take one
# step at a time, first through the forward pass, then through the backward pass, and watch the
# gradients fill in. (`trace.to_html("chain_rule.html")` writes the same page to a file that opens
# in any browser, with no network needed.)

# %%
trace

# %% [markdown]
# ## A node used twice: the contributions add up
#
# In $f = x \cdot x$ the input $x$ feeds the multiplication twice, so the graph has two edges
# from $x$, and $x$ receives two contributions, $x$ and $x$: in total $2x$, the derivative of $x^2$.

# %%
x = Value(3.0, label="x")
f = x * x
f.label = "f"
f.backward()
print(f"d(x*x)/dx = {x.grad} = 2x")
assert x.grad == 6.0
draw_dot(f)

# %% [markdown]
# ## The sigmoid, built from pieces
#
# $\sigma(x) = \dfrac{1}{1 + e^{-x}}$. Built from negation, `exp`, addition and division, its graph
# has four operations; the chain rule through all four gives
# $\sigma'(x) = \dfrac{e^{-x}}{(1 + e^{-x})^2} = \sigma(x)\,(1 - \sigma(x))$.

# %%
x = Value(0.8, label="x")
s = 1 / (1 + (-x).exp())
s.label = "s"
s.backward()
by_hand = s.data * (1 - s.data)
print(f"through four operations: {x.grad:.15f}")
print(f"sigma * (1 - sigma):     {by_hand:.15f}")
assert abs(x.grad - by_hand) < 1e-15
draw_dot(s)

# %% [markdown]
# The library also has `sigmoid` as a single primitive whose local derivative is written directly
# as $\sigma(1 - \sigma)$. Both routes give the same number:

# %%
x2 = Value(0.8, label="x")
x2.sigmoid().backward()
print(x2.grad, x.grad)
assert abs(x2.grad - x.grad) < 1e-15
explain(Value(0.8, label="x").sigmoid())

# %% [markdown]
# ## The same graph, live
#
# The playground draws the neuron from the top of this notebook and recomputes every number as you
# change it: drag a value's slider, click a node to see every chain-rule path into it, or switch to
# practice mode and predict each gradient before the engine shows it.

# %%
from autograd.playground import Playground

Playground("tanh(x*w + b)", x=0.5, w=-3, b=2)

# %% [markdown]
# ## Exercises
# 1. Build $z = x \cdot y + \tanh(x)$ and predict $\partial z/\partial x$ by hand before running `backward()`.
# 2. Call `z.backward()` twice. What happens to `x.grad`, and why? (Hint: gradients *accumulate*.)
# 3. Step through `explain((x * y).tanh())` and find the step where $1 - \tanh^2$ appears.
