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
# # 9. Property-testing your gradients
#
# **What this notebook teaches.** A derivative rule can be wrong in ways no example you think of
# will show. We write a new primitive for the library, break its derivative on purpose, and watch two
# tools catch the mistake: `check_grads`, which compares reverse mode, forward mode and finite
# differences at a point, and a *property test* with hypothesis, which searches for a point where
# they disagree -- and then shrinks it to the simplest one. Then we fix the rule.

# %%
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import F, Value, ops
from autograd.ops import Primitive
from autograd.testing import check_grads, numerical_grad, strategies

# %% [markdown]
# ## A new primitive: softplus
#
# $\operatorname{softplus}(x) = \log(1 + e^x)$ is a smooth ReLU. Its derivative is the sigmoid:
# $\dfrac{d}{dx}\log(1 + e^x) = \dfrac{e^x}{1 + e^x} = \sigma(x)$.
#
# A `Primitive` is one row of the library's table: a name, a symbol for drawings, the value, the
# local partial derivatives, each written once as a formula in the inputs (and `out`, the output).
# From that formula the library makes the function the engine runs -- on floats, on Values (reverse
# mode) and on Duals (forward mode) -- and the text the drawings and the stepper show.

# %%
def softplus_value(x):
    return F.log(1 + F.exp(x))

softplus = Primitive("softplus", "softplus", softplus_value,
                     ("sigmoid(x)",),                     # d softplus / dx
                     "softplus(x)")

x = Value(0.5, label="x")
y = softplus(x)
y.backward()
print(y, x.grad)

# %% [markdown]
# `check_grads` computes the derivative three ways and prints them side by side. With `order=2` it
# also checks the second derivative, $\sigma'(x) = \sigma(1 - \sigma)$, which reverse mode gets by
# differentiating the rule we wrote.

# %%
check_grads(softplus, (0.5,), order=2)

# %% [markdown]
# ## Breaking it on purpose
#
# A classic slip: a sign. $\sigma(-x) = 1 - \sigma(x)$ looks similar, and at $x = 0$ it is even
# right. Reverse and forward mode both read our (wrong) rule, so they agree with each other --
# finite differences, which know nothing of our rule, do not.

# %%
broken = Primitive("softplus", "softplus", softplus_value,
                   ("sigmoid(-x)",),                      # wrong!
                   "softplus(x)")

print(check_grads(broken, (0.0,)))     # the one point where the mistake hides
try:
    check_grads(broken, (0.5,))
except AssertionError as failure:
    print(failure)

# %% [markdown]
# ## A property test finds the bad point by itself
#
# We rarely know where a rule is wrong. A hypothesis test states a *property* -- "the three
# derivatives agree" -- for all inputs in a range, and hypothesis hunts for a counterexample.
# `strategies.floats_in_domain` draws points inside a primitive's domain, away from its kinks.

# %%
def agrees_three_ways(primitive):
    @settings(max_examples=200, database=None)
    @given(strategies.floats_in_domain(primitive))
    def test(args):
        check_grads(primitive, args)
    return test

agrees_three_ways(softplus)()          # passes quietly
print("softplus: 200 points, all agree")

try:
    agrees_three_ways(broken)()
except AssertionError as failure:
    print("hypothesis found a counterexample:\n")
    print(str(failure).split("Falsifying example")[0][:1500])

# %% [markdown]
# ## Fixing it, and testing random graphs
#
# With the rule fixed, the property holds again. Random *expression graphs* over the whole table of
# primitives (with shared subexpressions) test the engine itself: the chain rule, the accumulation of
# gradients, and every rule at once.

# %%
fixed = Primitive("softplus", "softplus", softplus_value, ("sigmoid(x)",), "softplus(x)")
agrees_three_ways(fixed)()

@settings(max_examples=50, database=None)
@given(strategies.expressions(variables=("x", "y"), max_depth=6))
def test_random_graphs(expr):
    check_grads(expr, expr.inputs, order=2, atol=1e-5, rtol=1e-4)

test_random_graphs()
print("an example graph:", strategies.expressions(max_depth=5).example())

# %% [markdown]
# The library's own test suite goes one step further: it breaks *every* derivative rule of its
# table in turn -- wrong sign, a factor of 2, a missing term, swapped partials -- and checks that
# each broken version is caught (a *mutation test*; see `tests/test_mutations.py`).
#
# ## Exercises
# 1. Add a primitive `gelu(x) = x * sigmoid(1.702 x)` with its derivative, and test it.
# 2. Break it by forgetting the product rule (`sigmoid(1.702 x)` alone). Which inputs reveal the bug?
# 3. Why does the check at $x = 0$ pass for the broken softplus? What does that say about testing
#    at one hand-picked point?
