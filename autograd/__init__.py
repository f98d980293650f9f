"""autograd: a small, fast, honest automatic-differentiation engine.

    from autograd import Value
    x = Value(2.0, label="x")
    y = (x * x + x.sin()).tanh()
    y.backward()
    x.grad

Where things live. The engine is flat at the top, each tool in a folder of its own:

    ops.py          the one table of scalar primitives: each value, and each local derivative as a formula
    expression.py   the safe reader of those formulas and of typed expressions (nothing is evaluated)
    elementary.py   F: exp, tanh, sign, ... on floats (IEEE-754), arrays, Values and Duals alike
    value.py        Value, the scalar node of reverse mode (a plain number in it: a Constant to the tools)
    graph.py        every walk of the graph, and the backward pass itself
    dual.py         Dual numbers: forward mode, from the same table
    tensor_ops.py   the table of tensor primitives: values and vector-Jacobian products (reverse mode)
    tensor.py       Tensor, the array-backed node; matmul, affine, concatenate, softmax, cross_entropy
    array_library.py  which array library an array is (numpy, torch, CuPy, Dask, ...): the array API gaps filled
    comparisons.py  < <= > >= on nodes, shared by Value and Tensor
    functional.py   grad, value_and_grad, jvp, vjp, derivative, hessian
    modes.py        no_grad, enable_grad, detect_anomaly; retain_values, free_unneeded (what a tensor graph keeps)
    scopes.py       which module made a node: module paths, scope("name") (drawings group by them)
    arguments.py    the one style of checking what a public function is given
    nn/             Module, micrograd's Neuron/Layer/MLP, tensor layers, initialisers, losses
    optim.py        SGD, Adam and friends, gradient clipping, learning-rate schedules
    data.py         small data sets, the digits, MNIST files, DataLoader

    testing/        check_grads (the one gradient checker), finite differences, hypothesis
                    strategies, and checks of hand-written backward passes
    compile/        compile: a traced graph as straight-line Python  (from autograd.compile import compile)
    explain/        explain: the chain-rule trace, drawings (grouped by module too), the graph
                    explorer and the HTML stepper
                    (from autograd.explain import explain; from autograd.viz import draw_dot, explore)
    cli/            python -m autograd grad / demo / playground
    playground/     the live playground: a local server and a Jupyter widget, one front end
"""

from autograd import elementary as F
from autograd.dual import Dual
from autograd.functional import derivative, grad, hessian, jvp, value_and_grad, vjp
from autograd.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.scopes import scope
from autograd.tensor import Tensor
from autograd.value import Value

__version__ = "0.1.0"

__all__ = [
    "F", "Value", "Dual", "grad", "value_and_grad", "jvp", "vjp", "derivative", "hessian",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "Tensor", "scope",
]
