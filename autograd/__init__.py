"""autograd: a small, fast, honest automatic-differentiation engine.

    from autograd import Value
    x = Value(2.0, label="x")
    y = (x * x + x.sin()).tanh()
    y.backward()
    x.grad

Where things live:

    ops.py         the one table of primitives: values and local derivatives
    functions.py   F.exp, F.tanh, ...: on floats (IEEE-754), Values and Duals alike
    value.py       Value, the scalar node of reverse mode
    graph.py       topological order and the backward pass
    dual.py        Dual numbers: forward mode, from the same table
    tensor_ops.py  the one table of tensor primitives: values and vector-Jacobian products
    tensor.py      Tensor, the numpy-backed node; matmul, affine, concatenate, softmax, cross_entropy
    functional.py  grad, value_and_grad, jvp, vjp, derivative, hessian
    modes.py       no_grad, detect_anomaly
    compile.py     compile: straight-line Python for a traced graph   (from autograd.compile import compile)
    trace.py       recording a function's graph and its branch decisions
    inline.py      the table's rules as expressions, for compile
    nn.py          Neuron, Layer, MLP (micrograd-compatible)
    data.py        small data sets (two moons)
    viz.py         draw_dot, to_dot: drawing graphs       (from autograd.viz import draw_dot)
    explain.py     explain: the chain-rule trace, and     (from autograd.explain import explain)
    stepper.py     its interactive HTML stepper
    expression.py  reading typed expressions safely, for
    cli.py         python -m autograd grad / demo
"""

from autograd import functions as F
from autograd.dual import Dual
from autograd.functional import derivative, grad, hessian, jvp, value_and_grad, vjp
from autograd.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.tensor import Tensor
from autograd.value import Value

__version__ = "0.1.0"

__all__ = [
    "F", "Value", "Dual", "grad", "value_and_grad", "jvp", "vjp", "derivative", "hessian",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "Tensor",
]
