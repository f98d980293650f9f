"""Gradient checking as a product: finite differences, three-way checks, hypothesis strategies.

    from autograd.testing import numerical_grad, check_grads, strategies

    numerical_grad(lambda x: x ** 3, 2.0)                       # ~12.0, by central differences
    check_grads(lambda a, b: (a * b).tanh(), (0.3, -1.2), order=2)   # raises when they disagree
    gradient_report(lambda x: x.sqrt(), (-1.0,))              # the same report, never raises
    @given(strategies.expressions()) ...                      # random graphs for your own tests

    check_layer(Affine(W, b), x)                              # a hand-written backward: dx, dW, db
    check_vjp(f, f_vjp, x, W); check_torch(MyFunction, x)     # a hand-written VJP, in numpy or PyTorch
    for_all(check_layer, strategies.layer_cases(make_affine)) # at hypothesis-chosen shapes, shrunk

`strategies` and `for_all` need hypothesis (``pip install hypothesis``), `check_torch` and `check_jax`
PyTorch and JAX; the rest needs nothing more.
"""

import importlib

from autograd.testing.backward import (
    BackwardReport,
    GradientCheck,
    check_gradient,
    check_layer,
    check_network,
    check_parameters,
    check_vjp,
    for_all,
)
from autograd.testing.check import GradientEntry, GradientReport, check_grads, check_primitive, gradient_report
from autograd.testing.frameworks import check_jax, check_torch, jax_function, torch_function
from autograd.testing.numerical import default_step, numerical_grad
from autograd.testing.taylor import TaylorResult, taylor_test


def __getattr__(name):
    if name == "strategies":  # imported on first use, so that hypothesis stays optional
        return importlib.import_module("autograd.testing.strategies")
    raise AttributeError(f"module 'autograd.testing' has no attribute {name!r}")


__all__ = ["numerical_grad", "default_step", "check_grads", "gradient_report", "check_primitive", "GradientReport",
           "GradientEntry", "strategies",
           "check_layer", "check_network", "check_parameters", "check_vjp", "check_gradient", "for_all",
           "BackwardReport", "GradientCheck", "taylor_test", "TaylorResult",
           "check_torch", "check_jax", "torch_function", "jax_function"]
