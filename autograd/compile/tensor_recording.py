"""Recording a function of Tensors: run it once and keep the graph, the inputs and the branches it took.

The tensor sibling of `autograd.compile.recording`. Step by step:

1. Every argument gets a leaf. A `Tensor` is its own leaf (say, a model's
   weight that the function also reaches through the model); a float array is
   wrapped in a new leaf Tensor that wants no gradient (data, as
   ``torch.from_numpy``); an integer or boolean array -- class labels, an
   index -- is handed to the function as it is, since a Tensor holds floats.
2. While the function runs, *every* leaf is recorded, data included: the
   engine records nothing computed from tensors without ``requires_grad``
   (``x / 255`` of a data tensor would come back as a constant, frozen at the
   traced images), so the data leaves are marked ``requires_grad`` for the
   duration of the call and given back their flag afterwards. `wanted` keeps
   which leaves the caller wants gradients for: those created with
   ``requires_grad=True``.
3. Every ``< <= > >=`` on a Tensor is kept as a `TensorBranch` (its outcome
   is a boolean array), exactly as the scalar recorder keeps them.

What a tracer cannot see, here as for Values: a branch on ``t.data`` or on a
plain number, and anything computed from an integer array other than using
it as cross-entropy's labels or as an index (``labels * 2.0`` turns it into a
constant Tensor on the spot). `record_tensors` refuses an integer argument
that the graph does not use at all, which is what that mistake looks like.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from autograd.arguments import shown
from autograd.modes import enable_grad, observe_branches, retain_values
from autograd.tensor import Tensor

__all__: list[str] = []  # used by autograd.compile, not an API of its own


@dataclass(frozen=True)
class TensorBranch:
    """One comparison made while tracing: ``left <symbol> right`` came out `outcome` (an array of bools)."""

    left: Tensor
    symbol: str
    right: object          # a Tensor, an array or a plain number
    outcome: object        # numpy bool or boolean array


@dataclass
class TensorRecording:
    """What one call of a function on Tensors did."""

    arguments: list        # per argument: its leaf Tensor, or the integer array itself
    wanted: list[bool]     # per argument: does the caller want its gradient
    output: Tensor
    branches: list[TensorBranch]


def is_integer_array(x) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "biu"


def leaves_for(args: Sequence) -> list:
    """One leaf per argument (step 1 above); integer arrays stay arrays."""
    leaves = []
    for i, x in enumerate(args):
        if isinstance(x, Tensor):
            leaves.append(x)
        elif is_integer_array(x):
            leaves.append(x)
        elif isinstance(x, np.ndarray) and x.dtype.kind == "f":
            leaves.append(Tensor._leaf(x))
        else:
            raise TypeError(f"argument {i} of a tensor function must be a Tensor or a numpy array "
                            f"(float for data, integer for labels), got {shown(x)}")
    if len({id(leaf) for leaf in leaves}) != len(leaves):
        raise ValueError("the same Tensor (or array) is passed as two arguments; each argument needs a leaf of its own")
    return leaves


@contextmanager
def recording_everything(leaves: list):
    """Mark every leaf Tensor ``requires_grad`` for a while (step 2 above); give back the flags after."""
    tensors = [leaf for leaf in leaves if isinstance(leaf, Tensor)]
    saved = [t.requires_grad for t in tensors]
    try:
        for t in tensors:
            t.requires_grad = True
        yield
    finally:
        for t, flag in zip(tensors, saved):
            t.requires_grad = flag


def record_tensors(f: Callable, args: Sequence, wanted: Sequence[bool] | None = None) -> TensorRecording:
    """Call ``f`` on leaves standing for `args`, recording the whole graph and every branch decision.

    `wanted` says which arguments' gradients are wanted; by default, the Tensors with ``requires_grad``.
    """
    leaves = leaves_for(args)
    if wanted is None:
        wanted = [isinstance(leaf, Tensor) and leaf.requires_grad for leaf in leaves]
    wanted = [bool(w) and isinstance(leaf, Tensor) for w, leaf in zip(wanted, leaves)]
    branches: list[TensorBranch] = []

    def heard(left, symbol, right, outcome):
        if isinstance(left, Tensor):
            branches.append(TensorBranch(left, symbol, right, outcome))

    # retain_values(): the program is written from every node's data, and from the graph as written
    with recording_everything(leaves), enable_grad(), retain_values(), observe_branches(heard):
        output = f(*leaves)
    if not isinstance(output, Tensor):
        raise TypeError(f"the function must return one Tensor (a loss), not {shown(output)}")
    if output.size != 1:
        raise ValueError(f"the function must return a one-element Tensor (a loss, seeded with 1 as by backward()); "
                         f"it returned one of shape {output.shape}")
    return TensorRecording(leaves, wanted, output, branches)
