"""The tensor table's rows written out as numpy statements: the templates of `autograd.compile` for Tensors.

Each row of `autograd.tensor_ops` computes its value and its VJPs with numpy
calls. Here every row gets the same calls again, spelled as statements of the
generated program, so that the program does the very floating-point
operations the interpreter does, in the same order, with the same dtypes::

    tanh      forward   v = np.tanh(x)
              VJP       g * (1 - out * out)          -> three ufunc calls
    affine    forward   v = np.dot(x, W); v += b
              VJPs      np.dot(g, W.T), np.dot(x.T, g), g
    cross_entropy       the softmax-with-loss of the textbooks: shift by the row
                        maximum, exp, sum, log; the gradient (softmax - onehot) / N

The templates are explicit (keyed by the row's name in `RULES`), never read
from the table's Python source. A template may say "not in this case" by
returning None (an N-D matmul, an affine whose bias broadcasts oddly): the
program then calls the row's own function for that node, which is exact by
construction. `autograd.compile.tensor_program` also checks every template
against the row's own result at the traced inputs, bit for bit, and calls
the row where they differ; tests/test_compile_tensor.py checks every
template against its row on arrays of its own.

A template builds statements through the emitter (`Emitter` in
`autograd.compile.tensor_program`):

    e.call("np.dot", a, b)        a call that can write into a buffer (out=)
    e.expr("{0}.T", a, inline=True)            any other expression (a view, a gather, Python arithmetic)
    e.inplace("{0} += {1}", v, b) an update of a value just computed
    e.lit(0.5), e.param(axis)     a number or a row's parameter as source text
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograd import tensor_ops

__all__: list[str] = []  # the templates of autograd.compile, not an API of their own

ONE, MINUS_ONE = "one", "minus one"  # the constant partials of add, sub and neg


def times(e, g, d):
    """g times a partial, as `tensor_ops._times` does it: 1 passes g on as it is, -1 negates it."""
    if d == ONE:
        return g
    if d == MINUS_ONE:
        return e.call("np.negative", g)
    return e.call("np.multiply", g, d)


@dataclass(frozen=True)
class Elementwise:
    """An elementwise row: its forward statements and, per input, the scalar partial as statements."""

    forward: Callable      # (e, args) -> slot
    partials: Callable     # (e, args, out) -> one partial per input: a slot, ONE or MINUS_ONE


def _sigmoid(e, args):
    # F.sigmoid on arrays: e = exp(-|x|), then 1/(1+e) where x >= 0 and e/(1+e) below (no overflow)
    (x,) = args
    small = e.call("np.exp", e.call("np.negative", e.call("np.abs", x)))
    denominator = e.call("np.add", "1", small)
    return e.expr("np.where({0} >= 0, 1 / {1}, {2} / {1})", x, denominator, small, fresh=True)


def _power_forward(n):
    return lambda e, args: e.expr(f"{{0}} ** {e.lit(n)}", args[0], fresh=True)


def _power_partials(n):
    # n * F.pow(x, n - 1): on arrays F.pow is `x ** (n - 1)`, numpy's fast paths (square, sqrt...) included
    return lambda e, args, out: (e.call("np.multiply", e.lit(n), e.expr(f"{{0}} ** {e.lit(n - 1)}", args[0],
                                                                          fresh=True)),)


def _one_minus_square(e, out):
    return e.call("np.subtract", "1", e.call("np.multiply", out, out))


ELEMENTWISE: dict[str, Elementwise] = {
    "add": Elementwise(lambda e, a: e.call("np.add", *a), lambda e, a, out: (ONE, ONE)),
    "sub": Elementwise(lambda e, a: e.call("np.subtract", *a), lambda e, a, out: (ONE, MINUS_ONE)),
    "mul": Elementwise(lambda e, a: e.call("np.multiply", *a), lambda e, a, out: (a[1], a[0])),
    "div": Elementwise(lambda e, a: e.call("np.divide", *a),
                       lambda e, a, out: (e.call("np.divide", "1", a[1]),
                                          e.call("np.divide", e.call("np.negative", a[0]),
                                                 e.call("np.multiply", a[1], a[1])))),
    "pow": Elementwise(lambda e, a: e.call("np.power", *a),
                       lambda e, a, out: (e.call("np.multiply", a[1], e.expr("{0} ** ({1} - 1)", a[0], a[1],
                                                                             fresh=True)),
                                          e.call("np.multiply", out, e.call("np.log", a[0])))),
    "neg": Elementwise(lambda e, a: e.call("np.negative", *a), lambda e, a, out: (MINUS_ONE,)),
    "exp": Elementwise(lambda e, a: e.call("np.exp", *a), lambda e, a, out: (out,)),
    "log": Elementwise(lambda e, a: e.call("np.log", *a), lambda e, a, out: (e.call("np.divide", "1", a[0]),)),
    "sqrt": Elementwise(lambda e, a: e.call("np.sqrt", *a), lambda e, a, out: (e.call("np.divide", "0.5", out),)),
    "tanh": Elementwise(lambda e, a: e.call("np.tanh", *a), lambda e, a, out: (_one_minus_square(e, out),)),
    "sigmoid": Elementwise(_sigmoid, lambda e, a, out: (
        e.call("np.multiply", out, e.call("np.subtract", "1", out)),)),
    "relu": Elementwise(lambda e, a: e.call("np.maximum", a[0], "0"),
                        lambda e, a, out: (e.call("np.greater", a[0], "0"),)),
    "abs": Elementwise(lambda e, a: e.call("np.abs", *a), lambda e, a, out: (e.call("np.sign", a[0]),)),
    "sin": Elementwise(lambda e, a: e.call("np.sin", *a), lambda e, a, out: (e.call("np.cos", a[0]),)),
    "cos": Elementwise(lambda e, a: e.call("np.cos", *a),
                       lambda e, a, out: (e.call("np.negative", e.call("np.sin", a[0])),)),
}


def elementwise_rule(op: tensor_ops.TensorPrimitive) -> Elementwise | None:
    """The template of an elementwise row (`power(n)` rows are made for their n)."""
    if op.scalar is None:
        return None
    if op.name == "power":
        n = op.scalar.constant
        return Elementwise(_power_forward(n), _power_partials(n))
    if tensor_ops.TENSOR_PRIMITIVES.get(op.name) is not op:
        return None  # an elementwise primitive of your own: called, not copied
    return ELEMENTWISE.get(op.name)


# --- the other rows: forward(e, site) and vjp(e, site, i, g) -------------------------------------
#
# `site` holds the node being written: site.args (its input slots), site.params
# (the row's parameters), site.out and site.saved (for the VJPs). None: no
# template for this case, call the row.

def _is_matrix(slot) -> bool:
    return np.ndim(slot.array) == 2


def _matmul_forward(e, s):
    a, b = s.args
    return e.call("np.dot", a, b, elementwise=False) if _is_matrix(a) and _is_matrix(b) else None


def _product_vjp(e, s, i, g):
    """For Y = A @ B (and affine's x @ W): dL/dA = g @ B.T and dL/dB = A.T @ g, one np.dot each."""
    a, b = s.args[0], s.args[1]
    if not (_is_matrix(a) and _is_matrix(b)):
        return None
    if i == 0:
        return e.call("np.dot", g, e.expr("{0}.T", b, inline=True), elementwise=False)
    if i == 1:
        return e.call("np.dot", e.expr("{0}.T", a, inline=True), g, elementwise=False)
    return g  # affine's bias: g itself, folded onto the bias's shape by the backward pass


def _affine_forward(e, s):
    x, W, b = s.args
    if not (_is_matrix(x) and _is_matrix(W)):
        return None
    product = np.dot(x.array, W.array)
    if not (b.array.dtype is product.dtype and b.array.shape == product.shape[-1:]):
        return None  # a bias of another dtype or shape: _affine's other branches
    out = e.call("np.dot", x, W, elementwise=False)
    e.inplace("{0} += {1}", out, b)
    return out


def _reduce_forward(function):
    def forward(e, s):
        return e.call(function, s.args[0], kw=f"axis={e.param(s.params['axis'])}, "
                                              f"keepdims={s.params['keepdims']}", elementwise=False)
    return forward


def _reduced_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def _restored(e, value, s):
    """`_restore_reduced_axes`: the reduced axes put back as size 1 (a view), unless keepdims kept them."""
    x = s.args[0]
    if s.params["keepdims"]:
        return value
    axes = _reduced_axes(s.params["axis"], np.ndim(x.array))
    return e.expr(f"np.expand_dims({{0}}, {axes!r})", value)


def _sum_vjp(e, s, i, g):
    return e.expr(f"np.broadcast_to({{0}}, {np.shape(s.args[0].array)!r})", _restored(e, g, s))


def _mean_vjp(e, s, i, g):
    x = s.args[0]
    count = math.prod(np.shape(x.array)[a] for a in _reduced_axes(s.params["axis"], np.ndim(x.array)))
    scaled = e.call("np.divide", _restored(e, g, s), str(max(count, 1)))
    return e.expr(f"np.broadcast_to({{0}}, {np.shape(x.array)!r})", scaled)


def _extremum_vjp(e, s, i, g):
    # the gradient goes to the elements equal to the extremum, shared equally between ties
    x = s.args[0]
    winners = e.call("np.equal", x, _restored(e, s.out, s))
    count = e.call(".sum", winners, kw=f"axis={e.param(s.params['axis'])}, keepdims=True, "
                                         f"dtype={e.dtype(x.array.dtype)}", elementwise=False)
    return e.call("np.divide", e.call("np.multiply", _restored(e, g, s), winners), count)


def _mean_forward(e, s):
    return e.expr(f"np.mean({{0}}, axis={e.param(s.params['axis'])}, keepdims={s.params['keepdims']})",
                  s.args[0], fresh=True)


def _reshape_forward(e, s):
    return e.expr(f"{{0}}.reshape({e.param(s.params['shape'])})", s.args[0])


def _reshape_vjp(e, s, i, g):
    return e.expr(f"{{0}}.reshape({np.shape(s.args[0].array)!r})", g)


def _transpose_forward(e, s):
    return e.expr(f"np.transpose({{0}}, {e.param(s.params['axes'])})", s.args[0])


def _transpose_vjp(e, s, i, g):
    ndim = np.ndim(s.args[0].array)
    axes = s.params["axes"]
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)
    back = tuple(int(k) for k in np.argsort(axes))
    return e.expr(f"np.transpose({{0}}, {back!r})", g)


def _getitem_forward(e, s):
    index = s.params["index"]
    return e.expr(f"{{0}}[{e.param(index)}]", s.args[0], fresh=not tensor_ops._is_basic_index(index))


def _getitem_vjp(e, s, i, g):
    # scatter g back: plain assignment for a basic index, np.add.at where an element may be picked twice
    x = s.args[0]
    dtype = np.result_type(x.array, g.array)
    grad = e.expr(f"np.zeros({np.shape(x.array)!r}, dtype={e.dtype(dtype)})", fresh=True)
    index = s.params["index"]
    if tensor_ops._is_basic_index(index):
        e.inplace(f"{{0}}[{e.param(index)}] = {{1}}", grad, g)
    else:
        e.inplace(f"np.add.at({{0}}, {e.param(index)}, {{1}})", grad, g)
    return grad


def _clip_forward(e, s):
    return e.call("np.clip", s.args[0], e.param(s.params["low"]), e.param(s.params["high"]))


def _clip_vjp(e, s, i, g):
    # g where low <= x <= high: a mask of ones, and-ed with each bound that is given
    x = s.args[0]
    inside = e.expr(f"np.ones({np.shape(x.array)!r}, dtype=bool)", fresh=True)
    if s.params["low"] is not None:
        e.inplace(f"{{0}} &= {{1}} >= {e.param(s.params['low'])}", inside, x)
    if s.params["high"] is not None:
        e.inplace(f"{{0}} &= {{1}} <= {e.param(s.params['high'])}", inside, x)
    return e.call("np.multiply", g, inside)


def _join_forward(function):
    def forward(e, s):
        pieces = ", ".join(f"{{{k}}}" for k in range(len(s.args)))
        return e.expr(f"{function}(({pieces},), axis={s.params['axis']})", *s.args, fresh=True)
    return forward


def _concatenate_vjp(e, s, i, g):
    ndim = np.ndim(s.out.array)
    axis = s.params["axis"] % ndim
    start = sum(np.shape(x.array)[axis] for x in s.args[:i])
    stop = start + np.shape(s.args[i].array)[axis]
    return e.expr("{0}[" + ":, " * axis + f"{start}:{stop}]", g)


def _stack_vjp(e, s, i, g):
    axis = s.params["axis"] % np.ndim(s.out.array)
    return e.expr("{0}[" + ":, " * axis + f"{i}]", g)


def _softmax_forward(e, s):
    x, axis = s.args[0], s.params["axis"]
    largest = e.call(".max", x, kw=f"axis={axis}, keepdims=True", elementwise=False)
    exps = e.call("np.exp", e.call("np.subtract", x, largest))
    e.inplace("{0} /= {1}", exps, e.call(".sum", exps, kw=f"axis={axis}, keepdims=True", elementwise=False))
    return exps


def _softmax_vjp(e, s, i, g):
    # out * (g - sum(g * out)) along the axis
    out, axis = s.out, s.params["axis"]
    total = e.call(".sum", e.call("np.multiply", g, out), kw=f"axis={axis}, keepdims=True", elementwise=False)
    return e.call("np.multiply", out, e.call("np.subtract", g, total))


def _log_softmax_forward(e, s):
    x, axis = s.args[0], s.params["axis"]
    shifted = e.call("np.subtract", x, e.call(".max", x, kw=f"axis={axis}, keepdims=True", elementwise=False))
    sums = e.call(".sum", e.call("np.exp", shifted), kw=f"axis={axis}, keepdims=True", elementwise=False)
    return e.call("np.subtract", shifted, e.call("np.log", sums))


def _log_softmax_vjp(e, s, i, g):
    # g - softmax(x) * sum(g), with softmax(x) = exp(out)
    axis = s.params["axis"]
    total = e.call(".sum", g, kw=f"axis={axis}, keepdims=True", elementwise=False)
    return e.call("np.subtract", g, e.call("np.multiply", e.call("np.exp", s.out), total))


def _cross_entropy_forward(e, s):
    """Softmax-with-loss, per row: shift by the maximum, exp, sum; the loss from log(sum) and the picked
    (or target-weighted) shifted logits; the softmax itself, exps / sums, kept for the backward pass."""
    (logits,), targets = s.args, s.params["targets"]
    if not _is_matrix(logits) or (targets.dtype.kind in "iu" and targets.ndim != 1) or \
            (targets.dtype.kind not in "iu" and np.shape(targets) != np.shape(logits.array)):
        return None  # (..., C) logits or labels of another shape: the row is called
    samples = len(logits.array)
    largest = e.call(".max", logits, kw="axis=1, keepdims=True", elementwise=False, stem="max")
    shifted = e.call("np.subtract", logits, largest, stem="shifted")
    exps = e.call("np.exp", shifted, stem="exps")
    sums = e.call(".sum", exps, kw="axis=1, keepdims=True", elementwise=False, stem="sums")
    logs = e.call("np.log", sums, stem="logs")
    if targets.dtype.kind in "iu":
        rows = e.constant(tensor_ops._row_numbers_up_to(samples), "rows")
        picked = e.expr(f"{{0}}[{rows}, {e.param(targets)}]", shifted, fresh=True, stem="picked")
        loss = e.expr(f"np.asarray(({{0}}.sum() - {{1}}.sum()) / {samples})", logs, picked, fresh=True, stem="loss")
    else:
        t = e.param(targets)
        loss = e.expr(f"np.asarray((({t}.sum(axis=1, keepdims=True) * {{0}}).sum() - ({t} * {{1}}).sum())"
                      f" / {samples})", logs, shifted, fresh=True, stem="loss")
    e.inplace("{0} /= {1}", exps, sums)
    return loss, exps


def _cross_entropy_vjp(e, s, i, g):
    """(softmax - onehot(labels)) / N, times the upstream g (1 when the loss is the output)."""
    saved, targets = s.saved, s.params["targets"]
    if not _is_matrix(s.args[0]) or (targets.dtype.kind in "iu" and targets.ndim != 1) or \
            (targets.dtype.kind not in "iu" and np.shape(targets) != np.shape(saved.array)):
        return None
    samples = len(saved.array)
    if e.is_seed(g):
        scale = e.lit(float(g.array) / max(samples, 1))
    else:
        scale = e.expr(f"float({{0}}) / {max(samples, 1)}", g, stem="scale")
    if targets.dtype.kind in "iu":
        grad = e.call("np.multiply", saved, scale)
        rows = e.constant(tensor_ops._row_numbers_up_to(samples), "rows")
        e.inplace(f"{{0}}[{rows}, {e.param(targets)}] -= {{1}}", grad, scale)
        return grad
    t = e.param(targets)
    weights = e.expr(f"{t}.sum(axis=1, keepdims=True)", fresh=True)
    return e.call("np.multiply", e.call("np.subtract", e.call("np.multiply", saved, weights), t), scale)


@dataclass(frozen=True)
class Rule:
    forward: Callable      # (e, site) -> slot, (slot, saved slot) or None
    vjp: Callable          # (e, site, i, g) -> slot or None


_EXTREMUM = _reduce_forward(".max"), _reduce_forward(".min")

RULES: dict[str, Rule] = {
    "matmul": Rule(_matmul_forward, _product_vjp),
    "affine": Rule(_affine_forward, _product_vjp),
    "sum": Rule(_reduce_forward(".sum"), _sum_vjp),
    "mean": Rule(_mean_forward, _mean_vjp),
    "max": Rule(_EXTREMUM[0], _extremum_vjp),
    "min": Rule(_EXTREMUM[1], _extremum_vjp),
    "reshape": Rule(_reshape_forward, _reshape_vjp),
    "transpose": Rule(_transpose_forward, _transpose_vjp),
    "getitem": Rule(_getitem_forward, _getitem_vjp),
    "clip": Rule(_clip_forward, _clip_vjp),
    "concatenate": Rule(_join_forward("np.concatenate"), _concatenate_vjp),
    "stack": Rule(_join_forward("np.stack"), _stack_vjp),
    "softmax": Rule(_softmax_forward, _softmax_vjp),
    "log_softmax": Rule(_log_softmax_forward, _log_softmax_vjp),
    "cross_entropy": Rule(_cross_entropy_forward, _cross_entropy_vjp),
}
"""The templates of the rows that are not elementwise, by row name (every one of the table has one)."""


def rule_for(op: tensor_ops.TensorPrimitive) -> Rule | None:
    """The template of a table row, or None for a primitive of your own (which is called instead)."""
    if tensor_ops.TENSOR_PRIMITIVES.get(op.name) is not op:
        return None
    return RULES.get(op.name)
