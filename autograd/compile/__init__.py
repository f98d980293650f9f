"""`compile`: trace a function once, then run its forward and backward pass as straight-line Python.

    from autograd.compile import compile

    f = compile(lambda x, y: (x * y).tanh() + x, (0.5, -1.0))
    value, (dx, dy) = f(0.3, 2.0)          # floats in, value and gradient out
    print(f.source)

prints the program a student would derive by hand, one assignment per node
of the graph, then the adjoints, written out in the order the interpreter
accumulates them::

    def forward_backward(x0, x1):
        # forward: one assignment per node
        v0 = x0 * x1
        v1 = _tanh(v0)
        v2 = v1 + x0
        # backward: d output/d node for every node, in the interpreter's order
        dv0 = 1.0 - v1 * v1
        dx0 = 1.0 + dv0 * x1
        dx1 = dv0 * x0
        return v2, (dx0, dx1)

``dv0`` is d v2/d v0: the seed 1 times tanh's partial ``1 - tanh^2``, read
from the table. x0 is used twice, so its gradient is the sum of two
contributions, in the order the interpreter adds them: 1.0 from ``+ x0``,
then ``dv0 * x1`` from the product.

(That is ``f.source`` with ``reuse_slots=False``; by default variables whose
value is no longer needed are reused, which big graphs need.)

How it is built. `autograd.compile.recording.record` runs the function once on Values.
The recorded graph is then walked in exactly the order of
`autograd.graph.backpropagate`, and each step is written down as text:

* forward: ``+ - *`` and unary minus as Python operators, every other
  primitive as a call of its float function (``F.tanh.on_real``, IEEE-754
  safe: ``exp(1000)`` is inf, not an OverflowError);
* backward: each edge's contribution, ``upstream * partial``, with the
  partial written from its formula in the table of primitives (`autograd.compile.inlining`
  writes it out), added to the input's gradient so far.

The floating-point operations and their order are the interpreter's, so the
results are the same to the last bit (a nan is a nan: IEEE-754 does not fix
the sign bit of a nan result, and neither does CPython); the only rewrites
are ones IEEE-754 guarantees exact (``u * 1.0`` is u). A primitive of your own is called,
not inlined. Where Python floats raise (``1 / 0.0`` in a partial) the call
falls back to the interpreter, which gives the IEEE answer.

Branches. Every comparison of Values made while tracing (``if x > 0``) is
re-checked by the compiled code right after its operands are computed. If
one comes out differently, the function is traced again at the new inputs
and compiled (up to `max_traces` versions, kept side by side); past that,
the interpreter answers. A branch on ``x.data`` is invisible to the tracer
(see `autograd.compile.recording`): the compiled code silently keeps the branch it saw.

Values that the function uses without being given them (a constant made
inside it, a Value captured from outside that is not an argument) are
constants of the compiled code, frozen at their traced value. To make a
model's weights inputs, pass them: ``compile(lambda *w: loss(model), model.parameters())``
traces with the weights themselves as the leaves.

The source text contains nothing but generated names (``x3``, ``v17``,
``dv17``, ``_tanh``), float literals and expressions of the table's rules;
it is compiled with Python's `compile` into a function object directly,
nothing else is executed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograd.compile.program import Compiled, Program, literal  # noqa: F401 - literal: for the tests
from autograd.compile.tensor_program import CompiledTensor, TensorProgram, refuse_other_libraries
from autograd.tensor import Tensor

__all__ = ["compile", "Compiled", "Program", "CompiledTensor", "TensorProgram"]


# The name users know from JAX and PyTorch; it shadows the builtin only here, where the builtin is not used.
def compile(f: Callable, example_args: Sequence, *, reuse_slots: bool = True,  # noqa: A001
            max_traces: int = 8, buffers: str | None = None) -> Compiled | CompiledTensor:
    """Trace ``f(*example_args)`` once; return it compiled to straight-line Python (or numpy, for Tensors).

    ``compile(f, args)(*new_args)`` returns ``(value, gradients)``, equal to
    the last bit to ``value_and_grad(f, argnums=all)(*new_args)`` as long as
    ``f`` takes the same branches (the ones it takes on Values are checked).

    Tensors: when an example argument is a `Tensor` or a numpy array, ``f`` is
    traced on Tensors and written as numpy (`autograd.compile.tensor_program`).
    Gradients come back for the Tensors given with ``requires_grad=True``
    (None for data: float arrays, integer labels); calls take arrays (or
    Tensors) of the traced shapes and dtypes, other shapes are traced again.
    ``buffers`` ("intermediate", the default; "all"; "none") says which arrays
    are kept from call to call; returned arrays are new on every call unless "all".
    ``reuse_slots`` lets values that are never alive at once share a variable
    (for Values) or a kept array (for Tensors).
    """
    if isinstance(example_args, (list, tuple)):
        for k, a in enumerate(example_args):
            refuse_other_libraries(k, a)
    if isinstance(example_args, (list, tuple)) and any(isinstance(a, (Tensor, np.ndarray)) for a in example_args):
        return CompiledTensor(f, example_args, buffers="intermediate" if buffers is None else buffers,
                              max_traces=max_traces, reuse_slots=reuse_slots)
    if buffers is not None:
        raise TypeError(f"buffers is for functions of Tensors (numpy arrays); these example_args are numbers, "
                        f"got buffers={buffers!r}")
    return Compiled(f, example_args, reuse_slots=reuse_slots, max_traces=max_traces)
