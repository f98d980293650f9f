"""The one table of tensor primitives: forward values and vector-Jacobian products.

This is `autograd.ops` for arrays. Each operation on `Tensor`s is written
down here exactly once: how to compute its value, and how to carry a
gradient back through it. The `Tensor` class (`autograd.tensor`) only
looks rows up in this table, and the property tests walk the table, so a
primitive added here is tested the day it is added.

Which modes it serves: **reverse mode only**. A row has vector-Jacobian
products, not the Jacobian-vector products forward mode would need, so
`Dual` and `jvp` work on scalars alone; elementwise rows reuse the scalar
table's partial derivatives (evaluated elementwise), so those are written
once for both engines.

Why vector-Jacobian products and not partial derivatives
--------------------------------------------------------
For a scalar primitive the local derivative is one number per input. For
``y = tanh(x)`` with x of shape (100, 200), the Jacobian dy/dx is a
20,000 x 20,000 matrix -- almost all zeros. Reverse mode never needs that
matrix, only its product with the gradient arriving from above::

    g      = dL/dy                       (same shape as y)
    dL/dx  = g . dy/dx                   (same shape as x)   -- the "VJP"

and that product has a cheap closed form for every primitive here::

    tanh:    dL/dx = g * (1 - y**2)                      elementwise
    matmul:  dL/dA = g @ B.T,   dL/dB = A.T @ g          for  Y = A @ B
    sum:     dL/dx = g, copied along the summed axes
    softmax: dL/dx = y * (g - sum(g * y))                along the softmax axis

So a row of the table holds, for each input ``i``, a function
``vjps[i](g, out, *inputs, **params)`` returning dL/d input_i. It receives
the upstream gradient ``g``, the primitive's own output ``out`` (several
derivatives are cheapest written with it, as in tanh) and the inputs as
arrays; ``params`` are the non-differentiable arguments (an axis, a
shape, an index). A VJP never writes into ``g``, ``out`` or the inputs: the
same ``g`` may be handed to several inputs. (One exception, taken by the
backward pass itself: when it owns ``g`` -- nothing else holds that array
-- a one-input elementwise row multiplies its partial into ``g`` in place,
the same numbers without a new array; see `TensorPrimitive.backward`.)

Any array library
-----------------
The rows are written against the array API standard: ``xp =
namespace(array)`` is the module whose functions take the array (numpy for
numpy arrays; `autograd.array_library` finds it, once per array type), and a
row calls ``xp.exp(x)``, ``xp.sum(x, axis=...)``, ``xp.matmul(a, b)``. So one
table serves numpy, PyTorch, CuPy, Dask and array-api-strict. A VJP takes
``xp`` from ``g``, never from an input, since an input's values may have been
freed (`autograd.modes.free_unneeded`). Where numpy has a faster way than
the standard -- ``np.dot`` for 2-D products, writing into a fresh array
(``out=``, ``+=``), ``ufunc.reduce`` without its Python wrapper, the
``x @ W + b`` fusion -- the numpy path keeps it, behind a ``type(x) is
ndarray`` test, and every other library takes the plain standard call.
Where the standard lacks something (indexing with numpy's full meaning and
its scatter-add), `autograd.array_library` fills the gap.

Broadcasting
------------
``x + b`` with x of shape (100, 200) and b of shape (200,) uses every element
of b a hundred times, so b's gradient is the sum of those hundred
contributions. The VJPs below ignore this and return arrays of the broadcast
shape; the backward pass then calls `sum_to_shape` -- the one place that
knows about broadcasting -- to fold each gradient back onto its input's shape.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from autograd import elementary as F
from autograd import ops as scalar_ops
from autograd.array_library import check_one_library, device, gather, kind, namespace, scatter_add
from autograd.array_library import reshape as reshaped

__all__: list[str] = []  # the tensor table: reached through Tensor's methods


@dataclass(frozen=True, eq=False)
class TensorPrimitive:
    """One operation on arrays: its value, how gradients flow back, how to print it.

    name        the method or function name (``"tanh"``, ``"matmul"``)
    symbol      what a graph drawing writes on the op node (``"@"``, ``"tanh"``)
    expression  the operation in the words of its inputs: ``"tanh(x)"``
    forward     ``forward(*inputs, **params) -> output`` on numpy arrays
    vjps        per input i, ``vjps[i](g, out, *inputs, **params) -> dL/d input_i``
    formulas    each VJP as a formula, in the same names: ``("g * (1 - tanh(x)^2)",)``
    variadic    any number of inputs (concatenate, stack): ``vjps[0]`` serves them
                all and is told which one by an ``index=i`` keyword
    scalar      for an elementwise primitive, its row of the scalar table
                (`autograd.ops`): the VJPs are then g times the scalar partials,
                evaluated elementwise, and ``vjps`` is empty
    saves       the forward returns ``(output, saved)`` and the VJPs receive
                ``saved=`` too: an intermediate result that the forward computes
                anyway and the VJP would otherwise compute again (cross-entropy's
                probabilities)
    needs       what the VJPs read the *values* of: input positions (0, 1, ...)
                and ``"out"``. Shapes and dtypes are always there; a value not
                named here may be freed once nothing else holds it (see
                `autograd.modes.free_unneeded`). Elementwise rows derive it from
                the variables of their scalar formulas (``tanh``: out; ``mul``: a
                and b; ``add``: nothing); a row that does not say needs everything.
    """

    name: str
    symbol: str
    expression: str
    forward: Callable
    vjps: tuple[Callable, ...]
    formulas: tuple[str, ...]
    variadic: bool = False
    saves: bool = False
    scalar: scalar_ops.Primitive | None = None
    needs: tuple | None = None

    def __post_init__(self):
        needs = self.needs
        if needs is None:
            needs = _needs_of_formulas(self.scalar) if self.scalar is not None else _EVERYTHING
        elif not isinstance(needs, tuple) or not all(n == "out" or type(n) is int for n in needs):
            raise TypeError(f"needs must be a tuple of input positions and 'out', got {needs!r}")
        object.__setattr__(self, "needs", needs)
        # read on the hot path (`autograd.tensor`), so spelled out once here
        object.__setattr__(self, "needs_output", needs is _EVERYTHING or "out" in needs)
        object.__setattr__(self, "writes_into_owned_g", self.scalar is not None and self.scalar.arity == 1)

    def needs_input(self, position: int) -> bool:
        """Does some VJP of this row read the values of input `position` (not just its shape)?"""
        return self.needs is _EVERYTHING or position in self.needs

    @property
    def arity(self) -> int:
        """How many array inputs; -1 for any number."""
        if self.scalar is not None:
            return self.scalar.arity
        return -1 if self.variadic else len(self.vjps)

    def backward(self, g, out, inputs, params: dict, owned: bool = False) -> list | tuple:
        """dL/d input_i for every input i that requires grad (None for the others), given g = dL/d out.

        `inputs` are the input nodes: anything with the array in ``.data`` and
        a ``.requires_grad`` flag (`Tensor` is one). ``owned=True`` says that
        nothing else holds `g` and nothing will read it again: a one-input
        elementwise row then writes ``g * partial`` into g itself (relu's
        gradient at batch 1000 is 800 kB that need not be allocated).
        """
        scalar = self.scalar
        if scalar is not None:  # the scalar rule, evaluated once on the arrays, for every input
            if len(inputs) == 1:  # (the one input of a recorded unary node requires grad)
                d = scalar.partials(inputs[0].data, out)[0]
                return (_times_into(g, d) if owned else _times(g, d),)
            a, b = inputs  # (a scalar primitive has one input or two: spelled out, the hot path of + and *)
            da, db = scalar.partials(a.data, b.data, out)
            return (_times(g, da) if a.requires_grad else None, _times(g, db) if b.requires_grad else None)
        arrays = list(map(_data, inputs))
        if self.variadic:
            vjp = self.vjps[0]
            return [vjp(g, out, *arrays, index=i, **params) if t.requires_grad else None
                    for i, t in enumerate(inputs)]
        grads = []  # (a loop, not a comprehension: no frame of its own, on every node of matmul or affine)
        for vjp, t in zip(self.vjps, inputs):
            grads.append((vjp(g, out, *arrays, **params) if params else vjp(g, out, *arrays)) if t.requires_grad
                         else None)
        return grads

    def __repr__(self) -> str:
        return f"<tensor primitive {self.expression}>"


_EVERYTHING = ("everything",)  # a row that does not say what its VJPs read: keep every value
_data = operator.attrgetter("data")


def _needs_of_formulas(op: scalar_ops.Primitive) -> tuple:
    """What an elementwise row's VJP reads: the variables of its scalar partials, all evaluated together.

    ``partials(*inputs, out)`` computes every partial at once (also for an
    input that wants no gradient), so the row needs the union of their variables.
    """
    if op.rules is None:  # partials given as a function: nothing says what it reads
        return _EVERYTHING
    names = ("x",) if op.arity == 1 else ("a", "b")
    used = {v for rule in op.rules for v in rule.variables}
    return tuple(i for i, name in enumerate(names) if name in used) + (("out",) if "out" in used else ())


# --- the one helper that knows about broadcasting ---------------------------------

_ndarray = np.ndarray
_add_reduce, _maximum_reduce = np.add.reduce, np.maximum.reduce


def sum_to_shape(gradient: np.ndarray, shape: tuple) -> np.ndarray:
    """Fold a gradient of a broadcast result back onto an input of shape `shape`.

    Broadcasting lines shapes up from the right, prepends axes to the shorter
    one and stretches axes of size 1. An input element used k times receives
    the sum of its k contributions, so, step by step:

    1. sum over the leading axes the input did not have;
    2. sum, keeping the axis, over every axis where the input had size 1.

    >>> sum_to_shape(np.ones((100, 3, 4)), (3, 1)).tolist()  # each element used 400 times
    [[400.0], [400.0], [400.0]]
    """
    if gradient.shape == shape:
        return gradient
    numpy = type(gradient) is _ndarray
    xp = np if numpy else namespace(gradient)
    leading = gradient.ndim - len(shape)
    if leading:  # (np.add.reduce is ndarray.sum without its Python wrapper: the bias's gradient, every step)
        axes = 0 if leading == 1 else tuple(range(leading))
        gradient = _add_reduce(gradient, axis=axes) if numpy else xp.sum(gradient, axis=axes)
        if gradient.shape == shape:  # a bias: (N, C) -> (C,)
            return gradient
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and gradient.shape[i] != 1)
    if stretched:
        gradient = xp.sum(gradient, axis=stretched, keepdims=True)
    return gradient


def _reduced_axes(axis, ndim: int) -> tuple[int, ...]:
    """The axes a reduction runs over, as non-negative ints (``None`` means all)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def _restore_reduced_axes(array, axis, ndim: int, keepdims: bool):
    """Put back the axes a reduction removed (as size 1), so `array` broadcasts against its input."""
    if keepdims:
        return array
    return namespace(array).expand_dims(array, axis=_reduced_axes(axis, ndim))


# --- elementwise primitives: the scalar table, applied to every element ----------
#
# An elementwise operation is a scalar primitive applied to each element, so
# its Jacobian is diagonal and its VJP is g times the scalar partial
# derivative, evaluated elementwise: dL/dx = g * (1 - tanh(x)^2). The partials
# are written once, in `autograd.ops`, with operators and `F` functions that
# work on arrays (of any library) as on floats; only the forward values are written here.

def _times(g, d):
    """g * d, without multiplying by the constant 1 or -1 of add's and sub's partials."""
    if type(d) is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    elif type(d) is not _ndarray and type(g) is not _ndarray:
        return _times_mask(g, d)
    return g * d


def _times_mask(g, d):
    """g * d for arrays of another library; a 0/1 mask (relu's x > 0) as numbers first.

    (The standard has no arithmetic on booleans: array-api-strict refuses g * mask.)
    """
    if hasattr(d, "dtype") and kind(d.dtype) == "b":
        d = namespace(d).astype(d, g.dtype)
    return g * d


def _times_into(g, d):
    """g * d written into g (which the caller owns), when that is the same array g * d would be."""
    if type(d) is np.ndarray and d.shape == g.shape and (d.dtype is g.dtype or d.dtype == np.bool_):
        return np.multiply(g, d, out=g)
    return _times(g, d)


def _times_text(formula: str) -> str:
    return {"1": "g", "-1": "-g"}.get(formula, f"g * {scalar_ops.parenthesize(formula)}")


def elementwise(op: scalar_ops.Primitive, forward: Callable) -> TensorPrimitive:
    """The tensor version of scalar primitive `op`, with `forward` (on arrays of any library) for its value."""
    return TensorPrimitive(op.name, op.symbol, op.expression, forward, (),
                           tuple(_times_text(f) for f in op.formulas), scalar=op)


def _standard(name: str) -> Callable:
    """The elementwise function `name` of the array's own library: numpy's ufunc itself on numpy arrays."""
    numpy_function = getattr(np, name)

    def forward(x):
        if type(x) is _ndarray:
            return numpy_function(x)
        return getattr(namespace(x), name)(x)

    forward.__name__ = forward.__qualname__ = name
    return forward


def _relu(x):
    """max(x, 0): nan stays nan (a maximum, not a comparison)."""
    if type(x) is _ndarray:
        return np.maximum(x, 0)
    return namespace(x).maximum(x, 0.0)


# The arithmetic operators are every library's own (the standard defines them on arrays);
# the functions are looked up in the array's namespace.
add = elementwise(scalar_ops.add, operator.add)
sub = elementwise(scalar_ops.sub, operator.sub)
mul = elementwise(scalar_ops.mul, operator.mul)
div = elementwise(scalar_ops.div, operator.truediv)
pow = elementwise(scalar_ops.pow, operator.pow)  # noqa: A001 - the table's name for a ** b
neg = elementwise(scalar_ops.neg, operator.neg)
exp = elementwise(scalar_ops.exp, _standard("exp"))
log = elementwise(scalar_ops.log, _standard("log"))
sqrt = elementwise(scalar_ops.sqrt, _standard("sqrt"))
tanh = elementwise(scalar_ops.tanh, _standard("tanh"))
sigmoid = elementwise(scalar_ops.sigmoid, F.sigmoid)
relu = elementwise(scalar_ops.relu, _relu)
abs = elementwise(scalar_ops.abs, _standard("abs"))  # noqa: A001 - the table's name for |x|
sin = elementwise(scalar_ops.sin, _standard("sin"))
cos = elementwise(scalar_ops.cos, _standard("cos"))


def power(n: float) -> TensorPrimitive:
    """``x ** n`` for a constant n: one primitive per exponent, cached, as `autograd.ops.power`.

    A constant exponent is part of the operation rather than an input, so
    ``x ** 2`` never computes the exponent's gradient ``x^2 ln(x)`` (nan for
    negative x). ``power(2)`` and ``power(2.0)`` are the same primitive.
    """
    return _power(float(n))


@lru_cache(maxsize=256)
def _power(n: float) -> TensorPrimitive:
    return elementwise(scalar_ops.power(n), lambda x: x ** n)


def _clip_vjp(g, out, x, low, high):
    """The gradient passes where low <= x <= high (where clip is the identity), as in PyTorch."""
    if type(x) is _ndarray:
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return g * inside
    if low is None and high is None:
        return g
    inside = (x >= low) if low is not None else None
    if high is not None:
        inside = (x <= high) if inside is None else inside & (x <= high)
    return _times_mask(g, inside)


def _clip(x, low, high):
    if type(x) is not _ndarray and low is None and high is None:
        return x * 1.0  # (numpy refuses a clip without bounds; a library's clip may return x itself)
    return namespace(x).clip(x, low, high)


clip = TensorPrimitive("clip", "clip", "clip(x, low, high)", _clip, (_clip_vjp,), ("g * (low <= x <= high)",),
                       needs=(0,))


# --- matrix product ---------------------------------------------------------------
#
# For 2-D operands, Y = A @ B gives dL/dA = g @ B.T and dL/dB = A.T @ g. np.dot
# runs 2-D products through BLAS always; np.matmul does not for some thin
# shapes (the batch-1 outer product A.T @ g is 5x slower through matmul).
# 1-D operands are promoted as numpy does (a vector on the left is a row,
# on the right a column), stacked operands broadcast over their batch axes
# and `sum_to_shape` folds the batch axes back.

def _matmul(a, b):
    if type(a) is _ndarray and a.ndim == 2 and b.ndim == 2:
        return np.dot(a, b)
    return namespace(a).matmul(a, b)


def _as_matrices(xp, g, a, b):
    """a, b and g with numpy's promotion of 1-D operands written out: (..., n, k), (..., k, m), (..., n, m)."""
    if b.ndim == 1:
        b, g = xp.expand_dims(b, axis=-1), xp.expand_dims(g, axis=-1)
    if a.ndim == 1:
        a, g = xp.expand_dims(a, axis=0), xp.expand_dims(g, axis=-2)
    return g, a, b


def _matmul_vjp_a(g, out, a, b, bias=None):  # (bias: affine's third input, which changes nothing here)
    if type(g) is _ndarray and a.ndim == 2 and b.ndim == 2:
        return np.dot(g, b.T)
    xp = namespace(g)
    g2, _, b2 = _as_matrices(xp, g, a, b)
    grad = xp.matmul(g2, xp.matrix_transpose(b2))   # (..., n, k)
    return grad[..., 0, :] if a.ndim == 1 else grad


def _matmul_vjp_b(g, out, a, b, bias=None):
    if type(g) is _ndarray and a.ndim == 2 and b.ndim == 2:
        return np.dot(a.T, g)
    xp = namespace(g)
    g2, a2, _ = _as_matrices(xp, g, a, b)
    grad = xp.matmul(xp.matrix_transpose(a2), g2)   # (..., k, m)
    return grad[..., 0] if b.ndim == 1 else grad


matmul = TensorPrimitive("matmul", "@", "A @ B", _matmul, (_matmul_vjp_a, _matmul_vjp_b),
                         ("g @ B.T", "A.T @ g"), needs=(0, 1))


def _affine(x, W, b):
    """x @ W + b, adding b in place into the fresh product (numpy); b may not make the result larger."""
    out = _matmul(x, W)
    if type(out) is not _ndarray:  # another library: no writing into arrays (a Dask array cannot be written)
        if tuple(np.broadcast_shapes(tuple(out.shape), tuple(b.shape))) != tuple(out.shape):
            raise ValueError(f"the bias (shape {tuple(b.shape)}) must broadcast to x @ W (shape {tuple(out.shape)})")
        return out + b
    if b.dtype is out.dtype and b.shape == out.shape[-1:]:  # a layer's bias, one per output: the usual case
        out += b
        return out
    if not (b.ndim == 1 and out.ndim >= 1 and b.shape[0] in (1, out.shape[-1])):
        if np.broadcast_shapes(out.shape, b.shape) != out.shape:
            raise ValueError(f"the bias (shape {b.shape}) must broadcast to x @ W (shape {out.shape})")
    if np.result_type(out, b) != out.dtype:
        return out + b
    out += b
    return out


# The Affine layer of the textbooks as one primitive: the same value and
# gradients as ``x @ W + b``, but one node instead of two, so the graph keeps
# one array of activations instead of two (the product x @ W is not kept).
affine = TensorPrimitive("affine", "affine", "x @ W + b", _affine,
                         (_matmul_vjp_a, _matmul_vjp_b, lambda g, out, x, W, b: g),
                         ("g @ W.T", "x.T @ g", "g, summed over the rows"), needs=(0, 1))


# --- reductions -------------------------------------------------------------------

def _sum_vjp(g, out, x, axis, keepdims):
    return namespace(g).broadcast_to(_restore_reduced_axes(g, axis, x.ndim, keepdims), tuple(x.shape))


def _mean_vjp(g, out, x, axis, keepdims):
    count = math.prod(x.shape[a] for a in _reduced_axes(axis, x.ndim))
    return namespace(g).broadcast_to(_restore_reduced_axes(g, axis, x.ndim, keepdims) / builtins.max(count, 1),
                                     tuple(x.shape))


def _extremum_vjp(g, out, x, axis, keepdims):
    """The gradient goes to the elements equal to the max (or min), shared equally between ties."""
    out = _restore_reduced_axes(out, axis, x.ndim, keepdims)
    g = _restore_reduced_axes(g, axis, x.ndim, keepdims)
    if type(x) is _ndarray:
        winners = x == out
        return g * winners / winners.sum(axis=axis, keepdims=True, dtype=x.dtype)
    xp = namespace(g)
    winners = xp.astype(x == out, x.dtype)
    return g * winners / xp.sum(winners, axis=axis, keepdims=True)


def _reduction(name: str) -> Callable:
    """The reduction `name` (sum, mean, max, min) of the array's own library, over `axis`."""
    def forward(x, axis, keepdims):
        return getattr(namespace(x), name)(x, axis=axis, keepdims=keepdims)

    forward.__name__ = forward.__qualname__ = name
    return forward


sum = TensorPrimitive("sum", "sum", "sum(x)",  # noqa: A001 - the table's name for a sum
                      _reduction("sum"), (_sum_vjp,), ("g, copied along the summed axes",), needs=())
mean = TensorPrimitive("mean", "mean", "mean(x)",
                       _reduction("mean"), (_mean_vjp,), ("g / n, copied along the averaged axes",), needs=())
max = TensorPrimitive("max", "max", "max(x)",  # noqa: A001 - the table's name for a maximum
                      _reduction("max"), (_extremum_vjp,), ("g where x == max(x), shared between ties",),
                      needs=(0, "out"))
min = TensorPrimitive("min", "min", "min(x)",  # noqa: A001 - the table's name for a minimum
                      _reduction("min"), (_extremum_vjp,), ("g where x == min(x), shared between ties",),
                      needs=(0, "out"))


# --- moving elements around -------------------------------------------------------

def _is_basic_index(index) -> bool:
    """Ints, slices, None and ... select each element at most once; arrays and lists may repeat one."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


def _getitem(x, index):
    if type(x) is _ndarray:
        return x[index]
    return gather(x, index, _is_basic_index(index))  # numpy's meaning of the index, on any library


def _getitem_vjp(g, out, x, index):
    """Scatter g back where the elements came from. An element picked twice gets both
    contributions: ``np.add.at`` adds at repeated indices where ``grad[index] = g`` would overwrite
    (`autograd.array_library.scatter_add`: the standard has no add.at)."""
    if type(g) is _ndarray:
        grad = np.zeros(x.shape, dtype=np.result_type(x.dtype, g.dtype))  # (dtypes: x's values are not needed)
        if _is_basic_index(index):
            grad[index] = g
        else:
            np.add.at(grad, index, g)
        return grad
    return scatter_add(x.shape, namespace(g).result_type(x.dtype, g.dtype), index, g, _is_basic_index(index))


def _inverse_permutation(axes, ndim):
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)
    return tuple(sorted(range(ndim), key=axes.__getitem__))


def _transpose(x, axes):
    return namespace(x).permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else axes)


def _concatenate_vjp(g, out, *inputs, index, axis):
    """Input i's gradient is its own slab of g, along the joining axis."""
    axis %= out.ndim
    start = builtins.sum(x.shape[axis] for x in inputs[:index])
    return g[(slice(None),) * axis + (slice(start, start + inputs[index].shape[axis]), Ellipsis)]


def _stack_vjp(g, out, *inputs, index, axis):
    """Input i's gradient is slice i of g, along the new axis."""
    return g[(slice(None),) * (axis % out.ndim) + (index, Ellipsis)]  # (... : the standard wants every axis said)


def _joined(name: str) -> Callable:
    """concat or stack of the arrays' own library, after checking that they share one (the only variadic rows)."""
    def forward(*inputs, axis):
        first = type(inputs[0])
        if not all(type(x) is first for x in inputs):
            check_one_library(name, inputs)
        return getattr(namespace(inputs[0]), name)(inputs, axis=axis)

    forward.__name__ = forward.__qualname__ = name
    return forward


def _reshape(x, shape):
    return np.reshape(x, shape) if type(x) is _ndarray else reshaped(x, shape)


reshape = TensorPrimitive("reshape", "reshape", "reshape(x)", _reshape,
                          (lambda g, out, x, shape: _reshape(g, tuple(x.shape)),),
                          ("g reshaped to x's shape",), needs=())
transpose = TensorPrimitive("transpose", "T", "transpose(x)", _transpose,
                            (lambda g, out, x, axes: namespace(g).permute_dims(g, _inverse_permutation(axes, x.ndim)),),
                            ("g with the axes permuted back",), needs=())
getitem = TensorPrimitive("getitem", "[]", "x[index]", _getitem,
                          (_getitem_vjp,), ("zeros, with g added at x[index]",), needs=())
concatenate = TensorPrimitive("concatenate", "concat", "concatenate(x_1, ..., x_n)", _joined("concat"),
                              (_concatenate_vjp,), ("g sliced back into the pieces",), variadic=True, needs=())
stack = TensorPrimitive("stack", "stack", "stack(x_1, ..., x_n)", _joined("stack"),
                        (_stack_vjp,), ("g[..., i, ...] for input i",), variadic=True, needs=())


# --- softmax and cross-entropy ----------------------------------------------------
#
# Numerically stable forms: subtracting the row maximum leaves softmax
# unchanged (it cancels in the ratio) and keeps exp from overflowing.

def _softmax(x, axis):
    xp = namespace(x)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    if type(e) is _ndarray:  # (into the fresh array)
        e /= e.sum(axis=axis, keepdims=True)
        return e
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis):
    xp = namespace(x)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _rows(array):
    """The samples of an (..., C) array as the rows of a 2-D (N, C) view."""
    return array if array.ndim == 2 else namespace(array).reshape(array, (-1, array.shape[-1]))


def _one_hot(labels, classes: int, like):
    """Integer labels (any shape) as one-hot rows of `like`'s dtype, (N, classes), in labels' library.

    For the libraries other than numpy, cross-entropy picks each row's label
    with these rows (a product and a sum, in the standard) where numpy indexes
    ``shifted[rows, labels]`` (advanced indexing beyond the standard; Dask has
    no take_along_axis).
    """
    xp = namespace(labels)
    flat = xp.reshape(labels, (-1, 1))
    columns = xp.reshape(xp.arange(classes, dtype=labels.dtype, device=device(labels)), (1, classes))
    return xp.astype(flat == columns, like.dtype)




_row_numbers: dict[int, np.ndarray] = {}


def _row_numbers_up_to(n: int) -> np.ndarray:
    """``np.arange(n)``, made once per n (it indexes each row's label), read-only."""
    rows = _row_numbers.get(n)
    if rows is None:
        rows = _row_numbers[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _cross_entropy(logits, targets):
    """Mean over the N samples of -sum_c t_c log softmax(logits)_c, on the last axis.

    `targets` holds an integer class per sample (shape ``logits.shape[:-1]``)
    or a distribution per sample (one-hot rows; shape ``logits.shape``).
    Step by step, per row, with s = logits - max(logits) so that exp cannot overflow::

        log softmax(logits)_c = s_c - log(sum_c' exp(s_c'))
        labels:   loss = mean_n( log(sum_c exp(s_nc)) - s[n, label_n] )
        targets:  loss = mean_n( log(sum_c exp(s_nc)) * sum_c t_nc - sum_c t_nc s_nc )

    The softmax itself, exp(s) / sum(exp(s)), is what the VJP needs: it is
    returned as the saved value, so the backward pass does not compute it again.
    """
    if type(logits) is not _ndarray:
        return _cross_entropy_any(logits, targets)
    rows = _rows(logits)  # (the reductions as ufunc.reduce: ndarray.max and .sum without their Python wrappers)
    shifted = rows - _maximum_reduce(rows, axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = _add_reduce(exps, axis=1, keepdims=True)
    samples = len(rows)
    if targets.dtype.kind in "iu":
        picked = shifted[_row_numbers_up_to(samples), targets if targets.ndim == 1 else targets.reshape(-1)]
        loss = (_add_reduce(np.log(sums), axis=None) - _add_reduce(picked, axis=None)) / samples
    else:
        targets = targets.reshape(rows.shape)
        loss = ((targets.sum(axis=1, keepdims=True) * np.log(sums)).sum() - (targets * shifted).sum()) / samples
    exps /= sums
    return loss, exps


def _cross_entropy_any(logits, targets):
    """`_cross_entropy` in the standard's words: integer labels become one-hot rows, and nothing is
    written into an array (nor read back: a Dask loss stays lazy)."""
    xp = namespace(logits)
    rows = _rows(logits)
    shifted = rows - xp.max(rows, axis=1, keepdims=True)
    exps = xp.exp(shifted)
    sums = xp.sum(exps, axis=1, keepdims=True)
    samples = rows.shape[0]
    if kind(targets.dtype) in "iu":
        targets = _one_hot(targets, rows.shape[1], rows)
    else:
        targets = xp.reshape(targets, tuple(rows.shape))
    loss = (xp.sum(xp.sum(targets, axis=1, keepdims=True) * xp.log(sums)) - xp.sum(targets * shifted)) / samples
    return loss, exps / sums


def _cross_entropy_vjp(g, out, logits, targets, saved):
    """d loss / d logits = (softmax(logits) * sum_c t_c - t) / N: for one-hot rows, (p - t) / N."""
    if type(saved) is not _ndarray:  # another library: g stays an array (float(g) would compute a Dask loss)
        xp = namespace(saved)
        samples = saved.shape[0]
        scale = g / builtins.max(samples, 1)
        targets = _one_hot(targets, saved.shape[1], saved) if kind(targets.dtype) in "iu" else \
            xp.reshape(targets, tuple(saved.shape))
        grad = (saved * xp.sum(targets, axis=1, keepdims=True) - targets) * scale
        return grad if logits.ndim == 2 else xp.reshape(grad, tuple(logits.shape))
    samples = len(saved)
    scale = float(g) / builtins.max(samples, 1)  # a Python float: float32 stays float32
    if targets.dtype.kind in "iu":
        grad = saved * scale  # a new array: the saved softmax stays as it is, backward() may run twice
        grad[_row_numbers_up_to(samples), targets if targets.ndim == 1 else targets.reshape(-1)] -= scale
    else:
        targets = targets.reshape(saved.shape)
        grad = (saved * targets.sum(axis=1, keepdims=True) - targets) * scale
    return grad if logits.ndim == 2 else grad.reshape(logits.shape)


def _softmax_vjp(g, out, x, axis):
    xp = namespace(g)
    return out * (g - xp.sum(g * out, axis=axis, keepdims=True))


def _log_softmax_vjp(g, out, x, axis):
    xp = namespace(g)
    return g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True)


softmax = TensorPrimitive("softmax", "softmax", "softmax(x)", _softmax, (_softmax_vjp,),
                          ("softmax(x) * (g - sum(g * softmax(x)))",), needs=("out",))
log_softmax = TensorPrimitive("log_softmax", "log_softmax", "log_softmax(x)", _log_softmax, (_log_softmax_vjp,),
                              ("g - softmax(x) * sum(g)",), needs=("out",))
cross_entropy = TensorPrimitive("cross_entropy", "CE", "cross_entropy(logits, targets)", _cross_entropy,
                                (_cross_entropy_vjp,), ("g * (softmax(logits) - onehot(targets)) / N",), saves=True,
                                needs=())  # the saved softmax and the targets (params) are all it reads


TENSOR_PRIMITIVES: dict[str, TensorPrimitive] = {p.name: p for p in (
    add, sub, mul, div, pow, neg, exp, log, sqrt, tanh, sigmoid, relu, abs, sin, cos, clip, matmul, affine,
    sum, mean, max, min, reshape, transpose, getitem, concatenate, stack,
    softmax, log_softmax, cross_entropy)}
"""Every fixed tensor primitive by name; `power(n)` makes the constant-exponent family."""

UNARY_METHODS = scalar_ops.UNARY_METHODS
"""The elementwise primitives `Tensor` offers as methods without arguments: ``t.tanh()``."""
