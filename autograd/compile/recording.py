"""Recording: run a function once on `Value`s and keep what it did (the first step of `autograd.compile`).

    recording = record(lambda x, y: (x * y).tanh(), (0.5, -1.0))
    recording.output        # the Value it returned: the recorded graph
    recording.inputs        # the leaf Values that stood for the arguments
    recording.branches      # every comparison made on a Value, and how it came out

The graph alone is not the whole story of a Python function. In

    def f(x):
        return x * x if x > 0 else -x

the graph recorded at x = 2 is ``x * x``, and it is right only where x > 0.
So while tracing, every ``<, <=, >, >=`` on a Value is reported here (see
`autograd.modes.observe_branches`) and kept as a `Branch`; compiled code
re-checks each one before it trusts the trace.

What a tracer cannot see: a function that reads ``.data`` (or calls
``float(v)``) and branches on the plain number. ``if x.data > 0`` is an
ordinary float comparison; the trace records only the branch it took, and
`autograd.compile` cannot know that another input would take another one.
Compare the Values themselves (``if x > 0``) in a function you compile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd.elementary import REAL_TYPES
from autograd.modes import enable_grad, observe_branches
from autograd.value import Value

__all__: list[str] = []  # used by autograd.compile, not an API of its own


@dataclass(frozen=True)
class Branch:
    """One comparison made while tracing: ``left <symbol> right`` came out `outcome`."""

    left: Value
    symbol: str            # "<", "<=", ">" or ">="
    right: object          # a Value or a plain number
    outcome: bool


@dataclass
class Recording:
    """What one call of a function on Values did: the graph it built and the branches it took."""

    inputs: list[Value]
    output: object        # a Value, or a plain number for a function that ignores its inputs
    branches: list[Branch]


def leaves_for(args: Sequence) -> list[Value]:
    """One leaf per argument: a new Value for a number, the Value itself for a Value (say, a model's weight)."""
    leaves = []
    for i, x in enumerate(args):
        if isinstance(x, Value):
            if not isinstance(x.data, float):
                raise TypeError(f"argument {i} is a Value holding {type(x.data).__name__}; compile needs floats")
            leaves.append(x)
        elif isinstance(x, REAL_TYPES):
            leaves.append(Value(float(x)))
        else:
            raise TypeError(f"argument {i} must be a number or a Value, not {type(x).__name__}: {x!r}")
    if len({id(leaf) for leaf in leaves}) != len(leaves):
        raise ValueError("the same Value is passed as two arguments; each argument needs a leaf of its own")
    return leaves


def record(f: Callable, args: Sequence) -> Recording:
    """Call ``f`` on leaf Values standing for `args`, recording the graph and every branch decision."""
    leaves = leaves_for(args)
    branches: list[Branch] = []

    def heard(left, symbol, right, outcome):
        branches.append(Branch(left, symbol, right, outcome))

    with enable_grad(), observe_branches(heard):
        output = f(*leaves)
    if not isinstance(output, (Value, *REAL_TYPES)):
        raise TypeError(f"the function must return one Value (or a number), not {type(output).__name__}")
    return Recording(leaves, output, branches)
