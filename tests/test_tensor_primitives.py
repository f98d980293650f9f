"""Every tensor primitive's VJP against central differences, at hypothesis-chosen shapes.

The cases below are keyed by the names of `tensor_ops.TENSOR_PRIMITIVES`, and
a test checks that the keys cover the table, so a primitive added to the
table fails the suite until it has a case here. Shapes are drawn with up to
three axes of sizes 0 to 3: broadcasting in both directions, size-1 axes and
empty axes all come up.

The check (`assert_vjp_matches_central_differences`, one call per case) runs
reverse mode with a random upstream gradient v, which tests the whole
vector-Jacobian product, not only its sum, and compares every input's
gradient with the central difference of sum(f(x) * v) in float64.

Tolerances: with h = eps**(1/3) * max(1, |x|) the truncation error is
~ h^2 |f'''| / 6 ~ 1e-11 and the rounding error ~ eps |sum| / h ~ 1e-10 for
the values drawn here (at most a few dozen elements of size < 10, at least
0.05 from any kink or domain edge); we allow 1e-6 relative plus 1e-6
absolute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import tensor_ops
from autograd.tensor import Tensor, affine, concatenate, cross_entropy, log_softmax, softmax, stack
from autograd.testing import check_grads

MARGIN = 0.05


# --- the check: one call per primitive ------------------------------------------------

def assert_vjp_matches_central_differences(f: Callable, *arrays: np.ndarray, rtol=1e-6, atol=1e-6) -> None:
    """Reverse mode on f(*arrays), with a random upstream gradient for a non-scalar output, agrees with
    central differences element by element: `autograd.testing.check_grads` on tensors."""
    check_grads(f, arrays, atol=atol, rtol=rtol)


# --- what to feed each primitive --------------------------------------------------------

def floats(low=-3.0, high=3.0, kinks=()):
    """Floats in [low, high], at least MARGIN from each kink."""
    return st.floats(low, high).filter(lambda x: all(abs(x - k) > MARGIN for k in kinks))


def away_from_zero():
    return st.one_of(st.floats(0.5, 3.0), st.floats(-3.0, -0.5))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
NONEMPTY_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def array(shape, elements=None, unique=False):
    return hnp.arrays(np.float64, shape, elements=floats() if elements is None else elements, unique=unique)


@st.composite
def unary(draw, elements=None):
    return (draw(array(SHAPES, elements)),), {}


@st.composite
def binary(draw, left=None, right=None):
    """Two arrays whose shapes broadcast together (either one may be the larger)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3))
    a, b = shapes.input_shapes
    return (draw(array(a, left)), draw(array(b, right))), {}


@st.composite
def matmul_operands(draw):
    """Shapes for numpy's matmul: 1-D on either side, stacked operands that broadcast."""
    shapes = draw(hnp.mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)", max_dims=2,
                                                    min_side=0, max_side=3))
    a, b = shapes.input_shapes
    return (draw(array(a)), draw(array(b))), {}


@st.composite
def affine_operands(draw):
    """x and W as for matmul, and a bias that broadcasts against x @ W."""
    (x, W), _ = draw(matmul_operands())
    result = np.matmul(x, W).shape
    bias = draw(hnp.broadcastable_shapes(result, min_dims=0, max_dims=len(result), min_side=0, max_side=3)
                .filter(lambda shape: np.broadcast_shapes(shape, result) == result))
    return (x, W, draw(array(bias))), {}


@st.composite
def reduction(draw, distinct=False):
    """An array and an axis (None, one, or several) to reduce over, keepdims either way.
    For max and min: distinct elements (no ties) and no empty axis reduced (no identity)."""
    shape = draw(NONEMPTY_SHAPES if distinct else SHAPES)
    # distinct elements at least 0.1 apart, so that no finite-difference step creates or breaks a tie
    x = draw(array(shape, st.integers(-50, 50).map(lambda k: k / 10) if distinct else None, unique=distinct))
    ndim = len(shape)
    axis = draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1) if ndim else st.none(),
        st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple) if ndim else st.none(),
    ))
    return (x,), {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def reshaping(draw):
    x = draw(array(SHAPES))
    shape = draw(st.sampled_from([(-1,), (1, *x.shape), x.shape[::-1], (x.size, 1)]))
    return (x,), {"shape": shape}


@st.composite
def transposing(draw):
    x = draw(array(SHAPES))
    axes = draw(st.one_of(st.none(), st.permutations(range(x.ndim)).map(tuple)))
    return (x,), {"axes": axes}


@st.composite
def indexing(draw):
    """Basic (an int, a slice, both) and advanced (integer array with repeats, boolean mask) indices."""
    x = draw(array(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    n = x.shape[0]
    kind = draw(st.sampled_from(["int", "slice", "int-and-slice", "integer-array", "mask", "ellipsis"]))
    if kind == "int":
        index = draw(st.integers(-n, n - 1))
    elif kind == "slice":
        index = slice(draw(st.integers(0, n)), draw(st.integers(0, n)), draw(st.sampled_from([1, 2, -1])))
    elif kind == "int-and-slice":
        index = (draw(st.integers(0, n - 1)), slice(None, None, -1))[: x.ndim]
    elif kind == "integer-array":
        index = np.array(draw(st.lists(st.integers(-n, n - 1), max_size=5)), dtype=np.intp)
    elif kind == "mask":
        index = draw(hnp.arrays(bool, x.shape))
    else:
        index = (Ellipsis, draw(st.integers(0, x.shape[-1] - 1)))
    return (x,), {"index": index}


@st.composite
def joining(draw, same_shape):
    """One to three arrays to concatenate (shapes differ along the axis) or stack (same shapes)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
    axis = draw(st.integers(-len(shape) - (1 if same_shape else 0), len(shape) - (0 if same_shape else 1)))
    count = draw(st.integers(1, 3))
    shapes = []
    for _ in range(count):
        if same_shape:
            shapes.append(shape)
        else:
            sizes = list(shape)
            sizes[axis] = draw(st.integers(0, 3))
            shapes.append(tuple(sizes))
    return tuple(draw(array(s)) for s in shapes), {"axis": axis}


@st.composite
def along_an_axis(draw):
    """softmax and log_softmax: any shape (other axes may be empty) with a non-empty axis to normalise over."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3).filter(lambda s: max(s) > 0))
    axis = draw(st.integers(-len(shape), len(shape) - 1).filter(lambda a: shape[a] > 0))
    return (draw(array(shape, floats(-5, 5))),), {"axis": axis}


@st.composite
def logits_and_targets(draw):
    """Logits (..., C) with integer labels, one-hot rows, or any distribution per sample."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    classes = draw(st.integers(1, 4))
    logits = draw(array(batch + (classes,), floats(-5, 5)))
    labels = np.array(draw(hnp.arrays(np.int64, batch, elements=st.integers(0, classes - 1))))
    kind = draw(st.sampled_from(["labels", "one-hot", "distribution"]))
    if kind == "labels":
        targets = labels
    elif kind == "one-hot":
        targets = np.eye(classes)[labels]
    else:
        weights = draw(array(batch + (classes,), st.floats(0.1, 1.0)))
        targets = weights / weights.sum(axis=-1, keepdims=True)
    return (logits,), {"targets": targets}


@st.composite
def clipping(draw):
    low = draw(st.one_of(st.none(), st.floats(-2, 0)))
    high = draw(st.one_of(st.none(), st.floats(0.5, 2)))
    kinks = tuple(k for k in (low, high) if k is not None)
    return (draw(array(SHAPES, floats(kinks=kinks))),), {"low": low, "high": high}


@dataclass
class Case:
    inputs: st.SearchStrategy           # draws (arrays, keyword arguments)
    apply: Callable                     # the primitive through the public API: apply(*tensors, **kwargs)


CASES: dict[str, Case] = {
    "add": Case(binary(), lambda a, b: a + b),
    "sub": Case(binary(), lambda a, b: a - b),
    "mul": Case(binary(), lambda a, b: a * b),
    "div": Case(binary(right=away_from_zero()), lambda a, b: a / b),
    "pow": Case(binary(left=st.floats(0.5, 3), right=st.floats(-2, 2)), lambda a, b: a ** b),
    "neg": Case(unary(), lambda x: -x),
    "exp": Case(unary(), lambda x: x.exp()),
    "log": Case(unary(st.floats(0.1, 5)), lambda x: x.log()),
    "sqrt": Case(unary(st.floats(0.1, 5)), lambda x: x.sqrt()),
    "tanh": Case(unary(), lambda x: x.tanh()),
    "sigmoid": Case(unary(floats(-8, 8)), lambda x: x.sigmoid()),
    "relu": Case(unary(floats(kinks=(0.0,))), lambda x: x.relu()),
    "abs": Case(unary(floats(kinks=(0.0,))), lambda x: abs(x)),
    "sin": Case(unary(), lambda x: x.sin()),
    "cos": Case(unary(), lambda x: x.cos()),
    "clip": Case(clipping(), lambda x, low, high: x.clip(low, high)),
    "matmul": Case(matmul_operands(), lambda a, b: a @ b),
    "affine": Case(affine_operands(), lambda x, W, b: affine(x, W, b)),
    "sum": Case(reduction(), lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims)),
    "mean": Case(reduction(), lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims)),
    "max": Case(reduction(distinct=True), lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims)),
    "min": Case(reduction(distinct=True), lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims)),
    "reshape": Case(reshaping(), lambda x, shape: x.reshape(shape)),
    "transpose": Case(transposing(), lambda x, axes: x.transpose(axes) if axes is not None else x.T),
    "getitem": Case(indexing(), lambda x, index: x[index]),
    "concatenate": Case(joining(same_shape=False), lambda *xs, axis: concatenate(xs, axis=axis)),
    "stack": Case(joining(same_shape=True), lambda *xs, axis: stack(xs, axis=axis)),
    "softmax": Case(along_an_axis(), lambda x, axis: softmax(x, axis)),
    "log_softmax": Case(along_an_axis(), lambda x, axis: log_softmax(x, axis)),
    "cross_entropy": Case(logits_and_targets(), lambda x, targets: cross_entropy(x, targets)),
}
for _n in (2, 3, -1, 0.5, -1.5):
    CASES[f"power {_n}"] = Case(unary(st.floats(0.2, 3) if _n != int(_n) or _n < 0 else floats()),
                                lambda x, n=_n: x ** n)


def test_every_primitive_of_the_table_has_a_case():
    named = {name.split(" ")[0] for name in CASES}
    assert named == set(tensor_ops.TENSOR_PRIMITIVES) | {"power"}


def test_elementwise_rules_are_the_scalar_table_s():
    """tanh's derivative is written once, in autograd.ops: the tensor row only points at it."""
    from autograd import ops
    for name in ops.UNARY_METHODS + ("add", "sub", "mul", "div", "pow", "neg"):
        assert getattr(tensor_ops, name).scalar is getattr(ops, name)
    assert tensor_ops.power(2).scalar is ops.power(2)
    assert tensor_ops.tanh.formulas == ("g * (1 - tanh(x)^2)",) and tensor_ops.add.formulas == ("g", "g")


# The mean of an empty axis and the cross-entropy of zero samples are nan (0 / 0), and numpy says so.
EMPTY_MEANS = [pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning"),
               pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")]


@pytest.mark.parametrize("name", CASES)
@EMPTY_MEANS[0]
@EMPTY_MEANS[1]
def test_vjp_matches_central_differences(name):
    case = CASES[name]

    @given(case.inputs)
    def check(example):
        arrays, kwargs = example
        assert_vjp_matches_central_differences(lambda *ts: case.apply(*ts, **kwargs), *arrays)

    check()


@pytest.mark.parametrize("name", CASES)
@EMPTY_MEANS[0]
@EMPTY_MEANS[1]
def test_each_case_runs_its_own_primitive_and_keeps_float32(name):
    """The case really reaches the named row of the table, and float32 in gives float32 out and back."""
    case = CASES[name]

    @given(case.inputs)
    def check(example):
        arrays, kwargs = example
        tensors = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        out = case.apply(*tensors, **kwargs)
        assert out._op.name == name.split(" ")[0]
        assert out.dtype == np.float32
        out.backward(np.ones(out.shape, dtype=np.float32))
        for t in tensors:
            assert t.grad.dtype == np.float32 and t.grad.shape == t.shape

    check()
