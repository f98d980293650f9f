"""Gradient checking as a product: finite differences, three-way checks, hypothesis strategies.

    from autograd.testing import numerical_grad, check_grads, strategies

    numerical_grad(lambda x: x ** 3, 2.0)                       # ~12.0, by central differences
    check_grads(lambda a, b: (a * b).tanh(), (0.3, -1.2), order=2)   # raises when they disagree
    gradient_report(lambda x: x.sqrt(), (-1.0,))              # the same report, never raises
    @given(strategies.expressions()) ...                      # random graphs for your own tests

`strategies` needs hypothesis (``pip install hypothesis``); the rest needs nothing more.
"""

import importlib

from autograd.testing.check import GradientEntry, GradientReport, check_grads, check_primitive, gradient_report
from autograd.testing.numerical import default_step, numerical_grad


def __getattr__(name):
    if name == "strategies":  # imported on first use, so that hypothesis stays optional
        return importlib.import_module("autograd.testing.strategies")
    raise AttributeError(f"module 'autograd.testing' has no attribute {name!r}")


__all__ = ["numerical_grad", "default_step", "check_grads", "gradient_report", "check_primitive", "GradientReport",
           "GradientEntry", "strategies"]
