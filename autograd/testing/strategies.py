"""Hypothesis strategies for property-testing gradients.

    from hypothesis import given
    from autograd import ops
    from autograd.testing import check_grads, strategies

    @given(strategies.floats_in_domain(ops.log))
    def test_log(args):
        check_grads(ops.log.forward, args)

    @given(strategies.expressions(max_depth=6))
    def test_random_graphs(expr):
        check_grads(expr, expr.inputs, order=2)

Points are drawn inside each primitive's domain and a margin away from its
kinks (relu and abs at 0, 1/x at 0), where a derivative exists and finite
differences can see it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import arguments, ops

__all__ = ["floats_in_domain", "expressions", "arrays", "tensors", "layer_cases", "broadcastable_arrays",
           "kept_out"]

LIMIT = 10.0    # inputs are drawn from [-LIMIT, LIMIT] intersected with the domain
MARGIN = 0.05   # ... and at least this far from the domain's edges and from kinks
LARGEST = 1e4   # intermediate values of a random expression stay below this in size
STEEPEST = 1e2  # ... and so does the sensitivity of each value to the inputs (a bound on its
                # gradient): finite differences cannot follow a much steeper function closely

DEFAULT_PRIMITIVES = tuple(ops.PRIMITIVES.values()) + tuple(ops.power(n) for n in (2, 3, 0.5, -1))


def _primitive(p) -> ops.Primitive:
    if isinstance(p, str):
        return ops.PRIMITIVES[arguments.one_of("primitive", p, ops.PRIMITIVES)]
    if not isinstance(p, ops.Primitive):
        raise TypeError(f"primitive must be a row of the table (an autograd.ops.Primitive) or its name, "
                        f"got {arguments.shown(p)}")
    return p


def _inside(x: float, domain, kinks, margin: float) -> bool:
    low, high = domain
    return (low + margin < x < high - margin if math.isfinite(low) else x < high - margin) \
        and all(abs(x - k) > margin for k in kinks)


def floats_in_domain(primitive, limit: float = LIMIT, margin: float = MARGIN) -> st.SearchStrategy:
    """Tuples of floats, one per input of `primitive` (an `ops.Primitive` or its name), inside its domain."""
    op = _primitive(primitive)
    limit = arguments.real("limit", limit, low=0, low_open=True)
    margin = arguments.real("margin", margin, low=0)

    def one(domain):
        low, high = max(domain[0], -limit), min(domain[1], limit)
        return st.floats(low, high).filter(lambda x: _inside(x, domain, op.kinks, margin))

    return st.tuples(*(one(d) for d in op.domains))


def _step(op, operands, values, sensitivity, margin: float):
    """The value and sensitivity of one step, or None when the step is not allowed.

    Allowed: operands inside the primitive's domain and away from its kinks, a
    result below LARGEST in size, and a sensitivity below STEEPEST, where a
    value's sensitivity is sum_i |d value/d operand_i| * sensitivity(operand_i)
    (1 for a variable): a bound on the size of its gradient.
    """
    args = [values[i] for i in operands]
    if not all(_inside(x, d, op.kinks, margin) for x, d in zip(args, op.domains)):
        return None
    result = op.forward(*args)
    if not (math.isfinite(result) and abs(result) < LARGEST):
        return None
    steepness = sum(abs(d) * sensitivity[i] for d, i in zip(op.partials(*args, result), operands))
    return (result, steepness) if steepness < STEEPEST else None


@dataclass(frozen=True)
class Expression:
    """A random expression graph: straight-line code over the primitive table.

    ``steps[k] = (primitive, operand indices)``; index i < len(variables) is
    a variable, larger ones the results of earlier steps, so a step may be
    used by several later ones (a shared subexpression). Calling the
    expression evaluates it on floats, Values or Duals; `inputs` is a point
    where every step is inside its primitive's domain and away from its kinks.
    """

    variables: tuple[str, ...]
    steps: tuple[tuple[ops.Primitive, tuple[int, ...]], ...]
    inputs: tuple[float, ...]

    def __call__(self, *args):
        values = list(args)
        for op, operands in self.steps:
            values.append(op(*(values[i] for i in operands)))
        return values[-1]

    def smooth_at(self, *inputs: float, margin: float = MARGIN) -> bool:
        """Whether every step, evaluated at these inputs, is one `expressions` would allow."""
        values, sensitivity = list(inputs), [1.0] * len(inputs)
        for op, operands in self.steps:
            step = _step(op, operands, values, sensitivity, margin)
            if step is None:
                return False
            values.append(step[0])
            sensitivity.append(step[1])
        return True

    @property
    def __name__(self) -> str:
        return "expression"

    def names(self) -> list[str]:
        return list(self.variables) + [f"t{k + 1}" for k in range(len(self.steps))]

    def __str__(self) -> str:
        names = self.names()
        first = len(self.variables)
        return "; ".join(f"{names[first + k]} = {op.format(*(names[i] for i in operands))}"
                         for k, (op, operands) in enumerate(self.steps))

    def __repr__(self) -> str:
        inputs = ", ".join(f"{v}={x!r}" for v, x in zip(self.variables, self.inputs))
        return f"Expression({self}; at {inputs})"


@st.composite
def expressions(draw, variables=("x", "y"), max_depth: int = 4, primitives=DEFAULT_PRIMITIVES,
                margin: float = MARGIN) -> Expression:
    """Random expression graphs of depth 1..max_depth over `primitives`, with shared subexpressions.

    Each step applies a primitive to the previous step's result (so the graph
    is as deep as it has steps) and, for a binary primitive, to any earlier
    node or variable (so nodes get reused). Steps whose operands would leave
    the primitive's domain or come near a kink, or whose value would exceed
    1e4 or its gradient 1e2 in size, are redrawn (see `_step`): every
    expression evaluates finitely at its `inputs`, and finite differences can
    follow it there.
    """
    variables = tuple(variables)
    inputs = draw(st.tuples(*(st.floats(-2.0, 2.0).filter(lambda x: abs(x) > margin) for _ in variables)))
    values, sensitivity = list(inputs), [1.0] * len(inputs)
    steps = []
    primitives = [_primitive(p) for p in primitives]
    for _ in range(draw(st.sampled_from(range(1, max_depth + 1)))):
        for _attempt in range(20):
            op = draw(st.sampled_from(primitives))
            operands = (len(values) - 1,) if op.arity == 1 else \
                (len(values) - 1, draw(st.integers(0, len(values) - 1)))
            if draw(st.booleans()) and op.arity == 2:
                operands = operands[::-1]
            step = _step(op, operands, values, sensitivity, margin)
            if step is not None:
                steps.append((op, operands))
                values.append(step[0])
                sensitivity.append(step[1])
                break
    if not steps:  # every draw was rejected: fall back to the simplest graph over the variables
        steps.append((ops.identity, (len(values) - 1,)))
    return Expression(variables, tuple(steps), inputs)


def arrays(shape=None, dtype=np.float64, elements: st.SearchStrategy | None = None,
           max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    """numpy arrays of moderate floats: a given shape, or hypothesis-chosen shapes (including empty and size-1 dims)."""
    dtype = arguments.floating_dtype("dtype", dtype)
    if shape is not None:
        shape = tuple(arguments.sequence_of_integers("shape", shape, low=0))
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise TypeError(f"elements must be a hypothesis strategy, got {arguments.shown(elements)}")
    max_dims = arguments.integer("max_dims", max_dims, low=0, high=32)
    max_side = arguments.integer("max_side", max_side, low=0, high=1000)
    elements = elements if elements is not None else st.floats(-3.0, 3.0, width=np.dtype(dtype).itemsize * 8)
    shapes = st.just(shape) if shape is not None else hnp.array_shapes(min_dims=0, max_dims=max_dims,
                                                                       min_side=0, max_side=max_side)
    return hnp.arrays(dtype, shapes, elements=elements)


def tensors(shape=None, dtype=np.float64, requires_grad: bool = True, **options) -> st.SearchStrategy:
    """`Tensor`s holding `arrays(shape, dtype, ...)`: ``@given(tensors(shape=(3, 4)))``."""
    from autograd.tensor import Tensor

    arguments.flag("requires_grad", requires_grad)
    return arrays(shape, dtype, **options).map(lambda a: Tensor(a, requires_grad=requires_grad))


# --- cases for checking a hand-written backward (autograd.testing.backward) -----------------------------------

class _Case(tuple):
    """The arguments of one check, a tuple, shown by what matters: the sizes and the seed."""

    description = ""

    def __new__(cls, values, description: str):
        case = super().__new__(cls, values)
        case.description = description
        return case

    def __repr__(self) -> str:
        return self.description


def _domain(domain) -> tuple[float, float]:
    if domain is None:
        return (-math.inf, math.inf)
    if isinstance(domain, (str, bytes)) or not isinstance(domain, (tuple, list)) or len(domain) != 2:
        raise TypeError(f"domain must be a pair (low, high), got {arguments.shown(domain)}")
    low = arguments.real("domain[0]", domain[0], finite=False)
    high = arguments.real("domain[1]", domain[1], finite=False)
    if not low < high:
        raise ValueError(f"domain must have low < high, got {tuple(domain)!r}")
    return low, high


def _kinks(kinks) -> tuple[float, ...]:
    if isinstance(kinks, (str, bytes)) or not isinstance(kinks, (tuple, list)):
        raise TypeError(f"kinks must be a tuple of numbers (the points where a derivative jumps, such as relu's 0), "
                        f"got {arguments.shown(kinks)}")
    return tuple(arguments.real(f"kinks[{i}]", k) for i, k in enumerate(kinks))


def kept_out(x: np.ndarray, kinks=(), domain=None, margin: float = MARGIN) -> np.ndarray:
    """x with every element at least `margin` inside `domain` and `margin` away from each kink.

    Finite differences across a kink (relu at 0) or over the edge of a domain (log at 0) measure nothing
    the derivative is, so a check keeps its inputs out of both: an element too close is moved to the
    nearest allowed point.
    """
    x = np.array(arguments.array("x", x), dtype=np.float64)
    kinks, (low, high) = _kinks(kinks), _domain(domain)
    margin = arguments.real("margin", margin, low=0)
    if high - low <= 2 * margin:
        raise ValueError(f"the domain {(low, high)} is no wider than twice the margin {margin}: nothing is left")
    x = np.clip(x, low + margin, high - margin)
    for k in kinks:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] < k, -margin, margin)
    return x


def _values(rng: np.random.Generator, shape, kinks, domain, margin) -> np.ndarray:
    """Random values for an argument: N(0, 1), or uniform inside a bounded domain, kept out of kinks and edges."""
    low, high = domain
    if math.isfinite(low) or math.isfinite(high):
        low, high = max(low + margin, -LIMIT), min(high - margin, LIMIT)
        return kept_out(rng.uniform(low, high, size=shape), kinks, domain, margin)
    return kept_out(rng.normal(size=shape), kinks, domain, margin)


def layer_cases(make_layer, max_batch: int = 4, max_size: int = 4, kinks=(), domain=None,
                margin: float = MARGIN) -> st.SearchStrategy:
    """(layer, x, *targets) at hypothesis-chosen sizes, for `check_layer`; a failure shrinks to the smallest.

        def make_affine(rng, batch, n_in, n_out):
            return Affine(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)), rng.normal(size=(batch, n_in))

        for_all(check_layer, strategies.layer_cases(make_affine))

    make_layer(rng, **sizes) builds one case: rng is a seeded numpy Generator, and every other parameter is a
    size hypothesis draws, from 1 (batch size 1 included) to max_size, or max_batch for a name with "batch" in
    it. Shrinking brings the sizes down to the smallest that still fail (and the seed to 0). The elements of x
    are kept `margin` away from the kinks and inside the domain of the layer (`kept_out`).
    """
    import inspect

    arguments.function("make_layer", make_layer)
    max_batch = arguments.integer("max_batch", max_batch, low=1, high=1000)
    max_size = arguments.integer("max_size", max_size, low=1, high=1000)
    kinks, domain = _kinks(kinks), _domain(domain)
    margin = arguments.real("margin", margin, low=0)
    try:
        parameters = list(inspect.signature(make_layer).parameters.values())[1:]
    except (TypeError, ValueError):
        parameters = []
    sizes = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    @st.composite
    def cases(draw):
        drawn = {name: draw(st.integers(1, max_batch if "batch" in name else max_size), label=name) for name in sizes}
        seed = draw(st.integers(0, 2 ** 32 - 1), label="seed")
        made = make_layer(np.random.default_rng(seed), **drawn)
        if not isinstance(made, tuple) or len(made) < 2:
            raise TypeError(f"make_layer must return (layer, x, *targets), got {arguments.shown(made)}")
        layer, x, *targets = made
        described = ", ".join([*(f"{name}={n}" for name, n in drawn.items()), f"seed={seed}"])
        return _Case((layer, kept_out(x, kinks, domain, margin), *targets), f"{type(layer).__name__} at {described}")

    return cases()


def broadcastable_arrays(count: int = 2, max_dims: int = 3, max_side: int = 4, kinks=(), domain=None,
                         margin: float = MARGIN, dtype=np.float64) -> st.SearchStrategy:
    """Tuples of `count` arrays whose shapes broadcast together (size-1 axes, missing axes, 0-d arrays).

    For a function of several arrays with a hand-written VJP, where broadcasting is where gradients go
    wrong: the gradient of an array that was broadcast must be summed back to its shape. Values are N(0, 1)
    from a drawn seed (uniform inside a bounded `domain`), kept away from `kinks`.
    """
    count = arguments.integer("count", count, low=1, high=32)
    max_dims = arguments.integer("max_dims", max_dims, low=0, high=32)
    max_side = arguments.integer("max_side", max_side, low=1, high=1000)
    kinks, domain = _kinks(kinks), _domain(domain)
    margin = arguments.real("margin", margin, low=0)
    dtype = arguments.floating_dtype("dtype", dtype)

    @st.composite
    def cases(draw):
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=max_dims,
                                                        min_side=1, max_side=max_side)).input_shapes
        seed = draw(st.integers(0, 2 ** 32 - 1), label="seed")
        rng = np.random.default_rng(seed)
        arrays = tuple(_values(rng, shape, kinks, domain, margin).astype(dtype) for shape in shapes)
        return _Case(arrays, f"arrays of shapes {', '.join(map(str, shapes))} (seed={seed})")

    return cases()
