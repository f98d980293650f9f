"""`Tensor`: an array that remembers how it was computed.

    >>> W = Tensor(np.random.randn(784, 200), requires_grad=True, label="W")
    >>> x = Tensor(np.random.randn(100, 784))        # data: no gradient wanted
    >>> loss = (x @ W).relu().sum()
    >>> loss.backward()                               # loss has one element: seeded with 1
    >>> W.grad.shape
    (784, 200)

`Tensor` is the sibling of `Value`. Both are nodes of a computation graph with
the same public face -- ``.data``, ``.grad``, ``.label``, ``.op``, ``.parents``
-- so graph drawing and the chain-rule trace read either. Where a Value holds
a float, a Tensor holds a numpy array, and where a scalar primitive has
partial derivatives, a tensor primitive has vector-Jacobian products: see
`autograd.tensor_ops`, the table every method below is made from.

What follows PyTorch
--------------------
* Only tensors created with ``requires_grad=True`` (and what is computed from
  them) are recorded. An operation whose inputs all have
  ``requires_grad=False`` -- data, labels -- records nothing, and backward
  never computes a gradient nobody asked for (the input images' gradient, a
  784 x B product per step, is skipped).
* `backward()` adds gradients into the ``.grad`` of the leaves (tensors made
  by the user with ``requires_grad=True``); ``.grad`` starts as ``None``. An
  intermediate tensor keeps its gradient only after `retain_grad()`.
* Gradients accumulate over `backward()` calls; set ``p.grad = None`` before
  the next pass.
* Python numbers on either side take the tensor's dtype (``t * 2`` stays
  float32), arrays follow numpy's promotion rules. Gradients always have
  the dtype of their tensor: float32 stays float32 end to end.

``==`` and ``!=`` compare identity (tensors are dictionary keys in the
backward pass); ``< <= > >=`` compare the data and return plain boolean
arrays, like micrograd's ``score.data > 0``. Use ``t.data == x`` for
elementwise equality.

Any array library
-----------------
A Tensor keeps the library of the array it is made from: numpy as above,
or a PyTorch tensor (computed on its device), a CuPy array (on the GPU), a
Dask array (lazily, chunk by chunk), an array-api-strict array. Results and
gradients are arrays of the same library, on the same device; the table's
rows are written against the array API standard (see
`autograd.tensor_ops` and `autograd.array_library`). A Python number or
list operand joins the tensor's library; arrays of two libraries in one
operation are a TypeError naming both. ``model.to(torch)`` or
``model.to("cuda")`` moves a model's parameters (`autograd.nn.Module.to`).
A Dask tensor stays lazy until something reads its values -- ``.item()``,
``.numpy()`` -- and ``array_library.compute(loss.data, *grads)``
computes a loss and its gradients in one pass over the data. Only numpy
arrays get the numpy-only economies below (the affine fusion, gradients
written into arrays the pass owns, freeing under ``free_unneeded()``).

What the graph keeps
--------------------
Every node keeps its ``.data`` (drawings and the explorer show it), except
what nobody can see: ``x @ W + b`` with the product held by nothing but the
expression is recorded as one `affine` node (`_affine_of`), so the product
is never kept. ``with autograd.modes.free_unneeded():`` keeps only what
backward reads, as PyTorch does (`_free_pending`); ``with
autograd.modes.retain_values():`` records the graph exactly as written. A
freed ``.data`` is a `FreedValues`: shape and dtype, and a clear
`FreedValuesError` at any use of the values.
"""

from __future__ import annotations

import dis
import itertools
import math
import sys
from typing import TYPE_CHECKING

import numpy as np

from autograd import arguments, array_library, tensor_ops
from autograd import ops as scalar_ops
from autograd.comparisons import ComparedByData
from autograd.graph import NewestFirst
from autograd.modes import RECORDING, check_finite, current
from autograd.scopes import NOW as _scope_now

__all__ = ["Tensor", "matmul", "affine", "concatenate", "stack", "softmax", "log_softmax", "cross_entropy",
           "FreedValues", "FreedValuesError"]

_new = object.__new__
_ndarray = np.ndarray
_NO_PARAMS: dict = {}  # shared by every node without parameters; never written to
_next_number = itertools.count().__next__  # creation order: a node is always newer than its inputs
_NUMBERS = (np.generic, float, int)  # what numpy hands back from 0-d arithmetic, instead of an array


class Tensor(ComparedByData):
    """A node of the computation graph holding an array (numpy's, or another array API library's).

    data           the array (float64 unless created from float32 data or with dtype=)
    grad           d(output)/d(this tensor) after backward(), an array of data's shape, or None
    requires_grad  whether gradients are wanted for this tensor (and so for what it feeds)
    label          an optional name, shown in drawings and error messages
    """

    __slots__ = ("data", "grad", "label", "requires_grad", "_op", "_parents", "_params", "_retains_grad",
                 "_number", "_scope", "__weakref__")
    __array_ufunc__ = None  # ndarray + Tensor: numpy hands over to Tensor.__radd__ instead of looping

    def __init__(self, data, requires_grad: bool = False, dtype=None, label: str = ""):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.label = arguments.text("label", label)
        self.requires_grad = arguments.flag("requires_grad", requires_grad)
        self._op = None          # the primitive that made this tensor; None for a leaf
        self._parents = ()       # its inputs, in argument order
        self._params = _NO_PARAMS  # its non-differentiable arguments (axis, shape, index...)
        self._retains_grad = False
        self._number = _next_number()  # its place in creation order (see accumulate_gradients)
        self._scope = _scope_now[0]     # the module running now, or "" (see autograd.scopes)

    # --- the node interface shared with Value -------------------------------------

    @property
    def op(self) -> str:
        """The symbol of the operation that made this tensor, '' for a leaf."""
        return self._op.symbol if self._op is not None else ""

    @property
    def parents(self) -> tuple:
        """The inputs of the operation that made this tensor, in argument order."""
        return self._parents

    # --- the array it holds ---------------------------------------------------------

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        data = self.data
        return data.size if type(data) is _ndarray else array_library.size(data)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed), recorded."""
        return self.transpose()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float (a Dask tensor is computed for it)."""
        data = self.data
        if type(data) is _ndarray or type(data) is FreedValues:
            return data.item()
        if array_library.size(data) != 1:
            raise ValueError(f"item() of a tensor of shape {self.shape}: only a one-element tensor has one value")
        return float(array_library.to_numpy(data).reshape(()))

    def numpy(self) -> np.ndarray:
        """The data as a numpy array, as PyTorch's ``Tensor.numpy()``: the array itself (not a copy) for numpy;
        copied to the host from a GPU; computed, for Dask."""
        data = self.data
        return data if type(data) is _ndarray or type(data) is FreedValues else array_library.to_numpy(data)

    @property
    def device(self):
        """Where the data lives: "cpu" for numpy, the library's device otherwise (torch's ``device('cuda:0')``)."""
        return array_library.device(self.data)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph."""
        return Tensor._leaf(self.data, requires_grad=False)

    def retain_grad(self) -> Tensor:
        """Keep this intermediate tensor's gradient in ``.grad`` during backward()."""
        self._retains_grad = True
        return self

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        if type(self.data) is FreedValues:  # (a repr must not raise: debuggers and test reports call it)
            return f"Tensor(<values freed>, shape={self.shape}, dtype={self.dtype}, made by {self.op})"
        if not array_library.is_numpy(self.data):  # no values: they may be lazy (Dask) or on a GPU
            return (f"Tensor(<{array_library.library_name(self.data)} array>, shape={tuple(self.shape)}, "
                    f"dtype={self.dtype}, device={self.device}{', requires_grad=True' if self.requires_grad else ''}"
                    f"{f', label={self.label!r}' if self.label else ''})")
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", threshold=20)
        extras = "".join([
            f", dtype={self.dtype}" if self.dtype != np.float64 else "",
            ", requires_grad=True" if self.requires_grad else "",
            f", label={self.label!r}" if self.label else "",
        ])
        return f"Tensor({body}{extras})"

    @classmethod
    def _leaf(cls, array: np.ndarray, requires_grad: bool = False) -> Tensor:
        """A leaf around an array that is already of a floating dtype (no copy, no checks)."""
        node = _new(cls)
        node.data = array
        node.grad = None
        node.label = ""
        node.requires_grad = requires_grad
        node._op = None
        node._parents = ()
        node._params = _NO_PARAMS
        node._retains_grad = False
        node._number = _next_number()
        return node

    # --- the backward pass ----------------------------------------------------------

    def backward(self, gradient=None) -> None:
        """Add d(self)/d(leaf) into ``leaf.grad`` for every leaf with ``requires_grad=True``.

        A one-element tensor (a loss) is seeded with 1. Any other needs
        `gradient`, an array of its own shape: backward then computes the
        vector-Jacobian product ``gradient . d self / d leaf``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: none of the tensors it was "
                               "computed from was created with requires_grad=True")
        accumulate_gradients(self, _seed(self, gradient))

    if TYPE_CHECKING:  # installed from the table by ops.install (below the class); declared for editors
        def __add__(self, other: Tensor | np.ndarray | float) -> Tensor: ...
        __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __rpow__ = __add__
        def __neg__(self) -> Tensor: ...
        __abs__ = exp = log = sqrt = tanh = sigmoid = relu = sin = cos = abs = __neg__  # noqa: A003

    # --- operations with arguments ----------------------------------------------------

    def __pow__(self, exponent):
        """``t ** n`` with a constant n is `tensor_ops.power(n)`; ``t ** u`` with a tensor u is `tensor_ops.pow`."""
        if isinstance(exponent, (int, float, np.integer, np.floating)):
            return _apply(tensor_ops.power(float(exponent)), (self,))
        return _pow(self, exponent)

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(tensor_ops.sum, (self,), {"axis": _axis(axis), "keepdims": keepdims})

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(tensor_ops.mean, (self,), {"axis": _axis(axis), "keepdims": keepdims})

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(tensor_ops.max, (self,), {"axis": _axis(axis), "keepdims": keepdims})

    def min(self, axis=None, keepdims: bool = False) -> Tensor:
        return _apply(tensor_ops.min, (self,), {"axis": _axis(axis), "keepdims": keepdims})

    def reshape(self, *shape) -> Tensor:
        """``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; one size may be -1."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _apply(tensor_ops.reshape, (self,), {"shape": shape})

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def transpose(self, *axes) -> Tensor:
        """Reverse the axes, or permute them: ``t.transpose(0, 2, 1)`` or ``t.transpose((0, 2, 1))``."""
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _apply(tensor_ops.transpose, (self,), {"axes": axes or None})

    def __getitem__(self, index) -> Tensor:
        """``t[i]``, slices, integer arrays, boolean masks; the gradient is scattered back (and added up)."""
        return _apply(tensor_ops.getitem, (self,), {"index": _index(index)})

    def clip(self, low=None, high=None) -> Tensor:
        """Limit the values to [low, high]; the gradient passes where low <= x <= high."""
        return _apply(tensor_ops.clip, (self,), {"low": low, "high": high})

    def softmax(self, axis: int = -1) -> Tensor:
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return log_softmax(self, axis)

    def cross_entropy(self, targets, reduction: str = "mean") -> Tensor:
        """This tensor as logits: see `cross_entropy`."""
        return cross_entropy(self, targets, reduction)


# --- making a node ------------------------------------------------------------------

def _apply(op: tensor_ops.TensorPrimitive, inputs: tuple, params: dict = _NO_PARAMS) -> Tensor:
    """Run `op` on the inputs' arrays and wrap the result, recording the graph when asked to."""
    arrays = [t.data for t in inputs]
    if len(arrays) > 1 and any(type(a) is not type(arrays[0]) for a in arrays):
        array_library.check_one_library(f"{op.name} ({op.expression})", arrays)
    try:
        data = op.forward(*arrays, **params) if params else op.forward(*arrays)
    except ValueError as error:
        raise _shape_error(op, inputs, error) from None
    if op.saves:  # the forward also handed over something for its VJPs: they receive it as saved=
        data, saved = data
        params = {**params, "saved": saved}
    return _node(data, op, inputs, params)


def _node(data, op, inputs: tuple, params: dict) -> Tensor:
    """The new tensor: recorded when recording is on and some input requires grad.

    This and the binary operators are the hot path: one check of the mode,
    no per-node closures (so dropping the output frees the graph by
    reference counting), plain slot assignments.
    """
    if type(data) is not _ndarray and isinstance(data, _NUMBERS):  # numpy returns scalars from 0-d operations
        data = np.asarray(data)
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = ""
    out._retains_grad = False
    out._number = _next_number()
    out._scope = _scope_now[0]
    if current() is RECORDING:
        for t in inputs:
            if t.requires_grad:
                out.requires_grad = True
                out._op = op
                out._parents = inputs
                out._params = params
                return out
        out.requires_grad = False
        out._op = None
        out._parents = ()
        out._params = _NO_PARAMS
        return out
    return _node_in_mode(out, op, inputs, params)


def _node_in_mode(out: Tensor, op, inputs: tuple, params: dict) -> Tensor:
    """The slow path of `_node`: under no_grad() or detect_anomaly()."""
    mode = current()
    recorded = mode.recording and any(t.requires_grad for t in inputs)
    out.requires_grad = recorded
    out._op = op if recorded else None
    out._parents = inputs if recorded else ()
    out._params = params if recorded else _NO_PARAMS
    if mode.detect_anomaly:
        _check_finite(out.data, f"{op.expression} on ({_describe_all(inputs)})")
    if mode.free_unneeded:
        if _pending:
            _free_pending()
        if recorded:
            _note_unneeded_inputs(out, op, inputs)
    return out


def _binary_method(op: tensor_ops.TensorPrimitive, reflected: bool = False):
    """``a + b`` and friends, from their row of the table; written for speed (the MLP's adds go through here)."""
    forward = op.forward

    def method(self, other):
        if type(other) is not Tensor:
            other = _constant(other, self.data)
            if other is NotImplemented:
                return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        if type(a.data) is not type(b.data):  # (numpy scalars, or two libraries: a TypeError)
            array_library.check_one_library(f"{op.name} ({op.expression})", (a.data, b.data))
        try:
            data = forward(a.data, b.data)
        except ValueError as error:
            raise _shape_error(op, (a, b), error) from None
        return _node(data, op, (a, b), _NO_PARAMS)

    method.__name__ = f"__{'r' if reflected else ''}{op.name}__"
    method.__doc__ = f"{op.expression}, recorded; dL/da, dL/db = {', '.join(op.formulas)}"
    return method


def _unary_method(op: tensor_ops.TensorPrimitive):
    forward = op.forward

    def method(self):
        return _node(forward(self.data), op, (self,), _NO_PARAMS)

    method.__name__ = op.name
    method.__doc__ = f"{op.expression} elementwise, recorded; dL/dx = {op.formulas[0]}"
    return method


scalar_ops.install(Tensor, tensor_ops, _binary_method, _unary_method)
Tensor.__matmul__ = _binary_method(tensor_ops.matmul)
Tensor.__rmatmul__ = _binary_method(tensor_ops.matmul, reflected=True)
_pow = _binary_method(tensor_ops.pow)


# --- x @ W + b as one node --------------------------------------------------------------
#
# In ``x @ W + b`` the product is held by nothing but the expression: the
# interpreter passes it to ``+`` and drops it. Kept as a node of its own, it
# would stay alive (an array of activations per layer) although no VJP reads
# it. So when ``+`` gets such a product and a bias, it records one `affine`
# node of (x, W, b) instead: the same numbers bit for bit (the same np.dot, and
# b added elementwise, into the product's fresh array, which the new node takes
# over) and the same gradients, in one node.
#
# "Held by nothing but the expression" is read from the reference count, as
# numpy does to reuse temporaries: inside ``__add__`` called by the ``+``
# operator, an operand that only the interpreter's stack holds counts 3 (the
# stack, the method's argument, getrefcount's own); a variable, a list or
# another node holding it adds one. The caller's instruction must be that
# ``+`` (an explicit ``h.__add__(b)`` hands the stack's reference over to the
# argument, so a variable counts 3 too), and the count must mean this in the
# running Python: `_temporaries_are_visible` checks both once, at import.

_getrefcount, _getframe = sys.getrefcount, sys._getframe
# Reference counts say who holds an object only in CPython with its global lock (a free-threaded
# build lets another thread take a reference between the count and the use).
_COUNTS_TELL = sys.implementation.name == "cpython" and getattr(sys, "_is_gil_enabled", lambda: True)()
_BINARY_OP = dis.opmap.get("BINARY_OP", -1)
_MATMUL = tensor_ops.matmul
_TEMPORARY = 3
_affine_forward = tensor_ops.affine.forward
_cross_entropy_forward, _minimum_reduce = tensor_ops.cross_entropy.forward, np.minimum.reduce


def _called_by_operator() -> bool:
    """Was the method that calls this run by a binary operator of the caller's code (not called by name)?"""
    caller = _getframe(2)
    return caller.f_code.co_code[caller.f_lasti] == _BINARY_OP  # the instruction it is running


def _temporaries_are_visible() -> bool:
    """Does a reference count of 3 inside ``__add__`` mean "a temporary" here? CPython 3.11 to 3.13: yes.

    (3.14 lets the stack borrow a variable's reference, so a variable would count
    3 as well; other interpreters count differently or not at all.)
    """
    if not _COUNTS_TELL or not (3, 11) <= sys.version_info[:2] < (3, 14):
        return False
    seen = []

    class Probe:
        def __add__(self, other):
            seen.append((_getrefcount(self), _called_by_operator()))
            return other

    def probe():
        Probe() + 1
        named = Probe()
        named + 1
        named.__add__(1)
        return named

    probe()
    return seen == [(_TEMPORARY, True), (_TEMPORARY + 1, True), (_TEMPORARY, False)]


_FUSING = _temporaries_are_visible()


_recorded_add = Tensor.__add__  # the table's own a + b (`_binary_method`), which `_add` falls back on


def _add(self, other):
    """``a + b``, recorded; ``x @ W + b`` with a product nobody else holds becomes one affine node."""
    if type(other) is not Tensor:
        pass  # a number: no product to fuse
    elif self._op is _MATMUL:  # (the test of `_called_by_operator`, written out: this is every layer's +)
        if _getrefcount(self) == _TEMPORARY and _FUSING and \
                (caller := _getframe(1)).f_code.co_code[caller.f_lasti] == _BINARY_OP:
            fused = _affine_of(self, other)
            if fused is not None:
                return fused
    elif other._op is _MATMUL:
        if _getrefcount(other) == _TEMPORARY and _FUSING and \
                (caller := _getframe(1)).f_code.co_code[caller.f_lasti] == _BINARY_OP:
            fused = _affine_of(other, self)
            if fused is not None:
                return fused
    return _recorded_add(self, other)


def _affine_of(product: Tensor, bias: Tensor) -> Tensor | None:
    """``product + bias`` as one affine node of (x, W, bias), or None when that would not be the same thing.

    Only for a layer's bias (one per output column, of the product's dtype) on
    a 2-D product that asked for no gradient of its own (`retain_grad`), and
    only if no node was made between the product and now -- then the fused
    node takes the product's place in the creation order, and backward adds
    every gradient in the same order as for the two nodes.
    """
    mode = current()
    if not (mode is RECORDING or (mode.free_unneeded and mode.recording)):  # retain_values(): as written
        return None
    p, b = product.data, bias.data
    x, W = product._parents
    if (type(p) is not _ndarray or type(b) is not _ndarray or p.ndim != 2 or b.ndim != 1 or b.dtype is not p.dtype
            or b.shape[0] != p.shape[1] or p.base is not None or bias is x or bias is W
            or product._retains_grad or _next_number() != product._number + 1):
        return None
    try:
        p += b  # (affine's own forward: into the fresh product)
    except ValueError:  # read-only: someone holds the product after all; two nodes, as written
        return None
    # The array is the new node's now. The product dies with the expression; should C code have held
    # it by a borrowed reference (which counts as the stack's: a numpy object array's elementwise
    # loop), whoever reads it later gets a clear FreedValuesError, never the sum in its place.
    freed = product.data = _new(FreedValues)  # (FreedValues._of, written out: every layer, every step)
    freed.shape, freed.dtype, freed._label, freed._op, freed._why = p.shape, p.dtype, product.label, _MATMUL, _FUSED
    return _node(p, tensor_ops.affine, (x, W, bias), _NO_PARAMS)


_add.__name__ = "__add__"
_add.__doc__ = _recorded_add.__doc__ + "; x @ W + b with a product nobody else holds: one affine node"
Tensor.__add__ = _add


# --- free_unneeded(): keeping only what backward reads ----------------------------------
#
# Under `autograd.modes.free_unneeded`, each new node notes the inputs whose
# values neither its own VJP nor their own (``needs`` of their rows) reads:
# (node, input) pairs in `_pending`. At the next recorded operation, or at
# backward(), when the frames that computed them have moved on, each such
# input is looked at: if nothing but the graph holds it (its reference count
# is the node's references plus ours), its values can be seen again only
# through ``.parents`` -- and no VJP will read them -- so ``.data`` becomes a
# `FreedValues`. Anything else still holding the tensor (a variable, a list,
# another node, a frame still running) keeps it whole.

_pending: list = []


def _note_unneeded_inputs(node: Tensor, op: tensor_ops.TensorPrimitive, inputs: tuple) -> None:
    if not _COUNTS_TELL:  # nothing can tell what only the graph holds: keep everything
        return
    for t in inputs:
        made_by = t._op
        if made_by is None or made_by.needs_output or type(t.data) is not _ndarray:
            continue  # a leaf (the user's), one its own VJP reads, or one already freed
        if not any(u is t and op.needs_input(j) for j, u in enumerate(inputs)):
            _pending.append((node, t))


def _free_pending() -> None:
    while _pending:
        try:
            node, t = _pending.pop()
        except IndexError:  # another thread took the last one
            return
        held_by_node = sum(1 for u in node._parents if u is t)
        # references: the node's parents, this frame's `t`, getrefcount's argument
        if held_by_node and _getrefcount(t) == held_by_node + 2 and type(t.data) is _ndarray:
            t.data = FreedValues._of(t, _UNNEEDED)


class FreedValuesError(RuntimeError):
    """The values of a tensor were freed (`autograd.modes.free_unneeded`, or x @ W + b fused) and cannot be read."""


_UNNEEDED = ("it is an intermediate result that nothing but the graph held, recorded under free_unneeded(), "
             "and no backward step reads them")
_FUSED = ("it was the product x @ W of an x @ W + b recorded as one affine node, whose array became the "
          "sum's; nothing but the expression was expected to hold it (a numpy object array's loop does)")


class FreedValues:
    """What ``.data`` of a tensor holds once its values were freed: its shape and dtype, and no values.

    ``shape``, ``dtype``, ``ndim``, ``size`` and ``len()`` answer (backward
    needs them to fold gradients). Any use of the values -- arithmetic,
    indexing, numpy functions, float(), str(), attributes such as ``.sum`` --
    raises `FreedValuesError`, saying which tensor it was and what to do: it
    never hands out numbers that are not the tensor's.
    """

    __slots__ = ("shape", "dtype", "_label", "_op", "_why")

    def __init__(self, tensor: Tensor):
        if not isinstance(tensor, Tensor) or type(tensor.data) is not _ndarray:
            raise TypeError(f"FreedValues stands for the values of a Tensor that holds an array, "
                            f"got {arguments.shown(tensor)}")
        self.shape, self.dtype = tensor.data.shape, tensor.data.dtype
        self._label, self._op, self._why = tensor.label, tensor._op, _UNNEEDED

    @classmethod
    def _of(cls, tensor: Tensor, why: str) -> FreedValues:
        """The engine's constructor: no checks, no text (the message is written only if someone reads)."""
        freed = _new(cls)
        data = tensor.data
        freed.shape, freed.dtype, freed._label, freed._op, freed._why = data.shape, data.dtype, tensor.label, \
            tensor._op, why
        return freed

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def _refuse(self, *args, **kwargs):
        what = f"'{self._label}'" if self._label else \
            f"a tensor made by {self._op.expression}" if self._op is not None else "a tensor"
        raise FreedValuesError(
            f"the values of {what} (shape {self.shape}, {self.dtype}) were freed: {self._why}. To read them, "
            f"keep the tensor in a variable while the graph is built, or build it outside free_unneeded() "
            f"(or inside autograd.modes.retain_values(), which keeps every value and records the graph as "
            f"written, as drawings and the explorer need)")

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):  # protocol probes (copy, pickle): not the values
            raise AttributeError(name)
        self._refuse()

    def __repr__(self) -> str:
        return f"<values freed: shape {self.shape}, {self.dtype}>"


for _name in ("__array__", "__array_ufunc__", "__array_function__", "__float__", "__int__", "__index__",
              "__complex__", "__bool__", "__iter__", "__getitem__", "__setitem__", "__str__", "__format__",
              "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__neg__", "__pos__", "__abs__",
              *(f"__{prefix}{op}__" for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul")
                for prefix in ("", "r", "i"))):
    setattr(FreedValues, _name, FreedValues._refuse)
FreedValues.__hash__ = object.__hash__  # (defining __eq__ removed it)
array_library.adopt(FreedValues, np)  # it stands for a numpy array: numpy's functions on it raise FreedValuesError


# --- functions of several tensors ---------------------------------------------------

def matmul(a, b) -> Tensor:
    """``a @ b`` for 1-D, 2-D and stacked (N-D) operands, as `numpy.matmul`."""
    return _apply(tensor_ops.matmul, (_tensor(a), _tensor(b)))


def affine(x, W, b) -> Tensor:
    """``x @ W + b`` as one node: the Affine layer (W has shape (inputs, outputs), b (outputs,)).

    Same value and gradients as writing ``x @ W + b``, in one step of the
    graph instead of two, so a training step keeps one array of activations
    per layer fewer (and runs a little faster).
    """
    if not (type(x) is type(W) is type(b) is Tensor and type(x.data) is type(W.data) is type(b.data)):
        return _apply(tensor_ops.affine, (_tensor(x), _tensor(W), _tensor(b)))
    try:  # (the layer of every nn.Linear: `_apply` written out for its three tensors)
        data = _affine_forward(x.data, W.data, b.data)
    except ValueError as error:
        raise _shape_error(tensor_ops.affine, (x, W, b), error) from None
    return _node(data, tensor_ops.affine, (x, W, b), _NO_PARAMS)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis, as `numpy.concatenate`."""
    return _apply(tensor_ops.concatenate, _sequence("tensors", tensors), {"axis": arguments.integer("axis", axis)})


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis, as `numpy.stack`."""
    return _apply(tensor_ops.stack, _sequence("tensors", tensors), {"axis": arguments.integer("axis", axis)})


def softmax(x, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`, computed without overflow (the maximum is subtracted first)."""
    return _apply(tensor_ops.softmax, (_tensor(x),), {"axis": arguments.integer("axis", axis)})


def log_softmax(x, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, as x - max - log(sum(exp(x - max))): no overflow, no log(0)."""
    return _apply(tensor_ops.log_softmax, (_tensor(x),), {"axis": arguments.integer("axis", axis)})


def _sequence(name: str, tensors) -> tuple:
    """A list or tuple of tensors (or arrays) to join, at least one."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of tensors, got {arguments.shown(tensors)}")
    if not tensors:
        raise ValueError(f"{name} is empty: there is nothing to join")
    return tuple(_tensor(t) for t in tensors)


def cross_entropy(logits, targets, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of `logits` (..., C) against `targets`, averaged (or summed) over the samples.

    `targets` is either an integer class per sample, of shape ``logits.shape[:-1]``
    (``labels`` in ``cross_entropy(model(x), labels)``), or a distribution
    per sample of the same shape as `logits` (one-hot rows). Softmax and the
    logarithm are fused: the loss is computed from log_softmax (stable for
    any logits) and its gradient is the famous ``(softmax(logits) - t) / N``.

    This is the one cross-entropy of tensors: `autograd.nn.cross_entropy`
    (PyTorch's spelling) hands tensors to it, and ``logits.cross_entropy(t)``
    calls it. The primitive it applies is `autograd.tensor_ops.cross_entropy`.
    """
    arguments.one_of("reduction", reduction, ("mean", "sum"))
    logits = logits if type(logits) is Tensor else _tensor(logits)
    if type(logits.data) is not _ndarray:
        return _cross_entropy_of_library(logits, targets, reduction)
    targets = targets if type(targets) is _ndarray else np.asarray(targets.data if isinstance(targets, Tensor)
                                                                    else targets)
    _check_targets(logits.data, targets)
    if targets.dtype.kind == "f" and targets.dtype != logits.dtype:
        targets = targets.astype(logits.dtype)  # float64 one-hot rows must not turn float32 logits float64
    try:  # (`_apply`, written out: once per training step)
        loss, softmax = _cross_entropy_forward(logits.data, targets)  # the mean over the samples
    except ValueError as error:
        raise _shape_error(tensor_ops.cross_entropy, (logits,), error) from None
    except IndexError:  # a label >= the number of classes (negative ones are caught by _check_targets)
        raise ValueError(f"cross_entropy: labels must lie in [0, {logits.shape[-1]}) for logits of shape "
                         f"{logits.shape}; the largest is {targets.max()}") from None
    loss = _node(loss, tensor_ops.cross_entropy, (logits,), {"targets": targets, "saved": softmax})
    return loss if reduction == "mean" else loss * float(np.prod(logits.shape[:-1]))


softmax_cross_entropy = cross_entropy  # the same function, under the name DeZero's readers know


def _cross_entropy_of_library(logits: Tensor, targets, reduction: str) -> Tensor:
    """`cross_entropy` of logits held by another library: the targets in that library too (a list of labels
    is turned into one; a numpy array is another library, a TypeError). Lazy (Dask) labels are not
    read to check their range: that would compute them."""
    data = logits.data
    targets = targets.data if isinstance(targets, Tensor) else targets
    if isinstance(targets, (list, tuple)):
        targets = array_library.asarray_like(np.asarray(targets), data)
    if array_library.namespace_or_none(targets) is None:
        raise TypeError(f"cross_entropy: targets must be an array (or a list) of labels or one-hot rows, "
                        f"got {arguments.shown(targets)}")
    if type(targets) is not type(data):
        array_library.check_one_library("cross_entropy", (data, targets))
    kind = array_library.kind(targets.dtype)
    shape, expected = tuple(targets.shape), tuple(logits.shape)
    if logits.ndim == 0:
        raise ValueError("cross_entropy: logits need a class axis (the last one); got a 0-d tensor")
    if kind in "iu":
        if shape != expected[:-1]:
            raise ValueError(f"cross_entropy: integer labels of shape {shape} do not match logits of shape "
                             f"{expected}: expected one label per sample, shape {expected[:-1]}")
        if not type(targets).__module__.startswith("dask") and array_library.size(targets):
            xp = array_library.namespace(targets)
            low, high = int(xp.min(targets)), int(xp.max(targets))
            if low < 0 or high >= expected[-1]:
                raise ValueError(f"cross_entropy: labels must lie in [0, {expected[-1]}) for logits of shape "
                                 f"{expected}; got labels from {low} to {high}")
    elif kind == "f":
        if shape != expected:
            raise ValueError(f"cross_entropy: targets of shape {shape} do not match logits of shape "
                             f"{expected}: one-hot targets have the logits' shape")
        if targets.dtype != data.dtype:
            targets = array_library.astype(targets, data.dtype)
    else:
        raise TypeError(f"cross_entropy: targets must be integer labels or float one-hot rows, "
                        f"not an array of {targets.dtype}")
    loss = _apply(tensor_ops.cross_entropy, (logits,), {"targets": targets})
    return loss if reduction == "mean" else loss * float(math.prod(expected[:-1]))


def _check_targets(logits: np.ndarray, targets: np.ndarray) -> None:
    if logits.ndim == 0:
        raise ValueError("cross_entropy: logits need a class axis (the last one); got a 0-d tensor")
    if targets.dtype.kind in "iu":
        if targets.shape != logits.shape[:-1]:
            raise ValueError(f"cross_entropy: integer labels of shape {targets.shape} do not match logits of "
                             f"shape {logits.shape}: expected one label per sample, shape {logits.shape[:-1]}")
        if targets.size and _minimum_reduce(targets, axis=None) < 0:  # numpy would read -1 as the last class
            raise ValueError(f"cross_entropy: labels must lie in [0, {logits.shape[-1]}) for logits of shape "
                             f"{logits.shape}; the smallest is {targets.min()}")
    elif targets.dtype.kind == "f":
        if targets.shape != logits.shape:
            raise ValueError(f"cross_entropy: targets of shape {targets.shape} do not match logits of shape "
                             f"{logits.shape}: one-hot targets have the logits' shape")
    else:
        raise TypeError(f"cross_entropy: targets must be integer labels or float one-hot rows, "
                        f"not an array of {targets.dtype}")


# --- the backward pass ----------------------------------------------------------------

def accumulate_gradients(root: Tensor, seed: np.ndarray) -> None:
    """Reverse mode over a tensor graph: add d root / d leaf into every leaf's ``.grad``.

    (`autograd.graph.backpropagate`, the scalar engine's pass, returns the
    gradients in a dict instead; `Value.backward` writes them.)

    Step by step:

    1. ``g`` of the root is the seed; every other gradient starts empty.
    2. Take the newest node that has a gradient waiting (`autograd.graph.NewestFirst`):
       every node was created after its inputs, so all the nodes computed
       from it have already handed it their contributions, and its gradient
       is complete. Only the nodes gradients flow through are visited.
    3. The node hands ``g`` to each input that requires grad, through its
       primitive's VJP; `sum_to_shape` folds a broadcast gradient back onto
       the input's shape. A leaf adds its contribution straight into
       ``.grad``; any other input joins the waiting nodes, and an input used twice
       adds up both contributions.
    4. The node's gradient is then dropped, so only the frontier of
       gradients is alive at any time.
    """
    if _pending:  # free_unneeded(): the last nodes' unneeded inputs, before any gradient is allocated
        _free_pending()
    anomaly = current().detect_anomaly
    grads = {root: seed}
    take, waiting_gradient = grads.pop, grads.get
    waiting = NewestFirst(root)
    take_newest, wait = waiting.take, waiting.add
    stored: set[int] = set()  # ids of the arrays handed to some .grad in this pass
    remember, fit = stored.add, tensor_ops.sum_to_shape
    while waiting:
        node = take_newest()
        g = take(node)
        op = node._op
        if op is None or node._retains_grad:  # the root is a leaf, or asked to keep its gradient
            _store_grad(node, g, stored)
            if op is None:
                continue
        inputs = node._parents
        # does the pass own g? It does when only this frame holds it (not a .grad, not another
        # input's waiting gradient) and it is no view: then an elementwise VJP may write into it
        # (from a few pages on: below that a new array is cheap, and the out= call costs more than it saves)
        owned = op.writes_into_owned_g and type(g) is _ndarray and g.size >= 4096 and g.base is None \
            and _getrefcount(g) == 2 and _COUNTS_TELL
        for parent, contribution in zip(inputs, op.backward(g, node.data, inputs, node._params, owned)):
            if contribution is None:
                continue
            target = parent.data
            if contribution.shape != target.shape:
                contribution = fit(contribution, target.shape)
            if contribution.dtype is not target.dtype:  # (`is`: the cheap test, right nearly always)
                contribution = array_library.astype(contribution, target.dtype)
            if anomaly:
                _check_finite(contribution, f"the backward pass of {_describe(node)} into {_describe(parent)}")
            if parent._op is None:  # a leaf: its gradient goes straight into .grad
                if parent.grad is None and type(contribution) is _ndarray and contribution.base is None \
                        and id(contribution) not in stored:
                    parent.grad = contribution  # the fast path of _store_grad
                    remember(id(contribution))
                else:
                    _store_grad(parent, contribution, stored)
                continue
            total = waiting_gradient(parent)
            if total is None:
                grads[parent] = contribution
                wait(parent)
            else:
                grads[parent] = total + contribution


def _store_grad(node: Tensor, g, stored: set) -> None:
    """Add `g` into ``node.grad``, without ever letting two tensors share one gradient array.

    The first contribution is stored as it is, without a copy, when it is
    safe: an array the pass computed itself, not a view into another array,
    and not already given to another tensor (``a + b`` hands the same g to
    both). Otherwise the tensor gets a copy of its own, so that updating one
    ``.grad`` in place never changes another.
    """
    if node.grad is not None:
        total = node.grad + g
        node.grad = total if type(total) is _ndarray or not isinstance(total, _NUMBERS) else np.asarray(total)
        return  # (0-d numpy arithmetic gives a scalar)
    if type(g) is not _ndarray or g.base is not None or id(g) in stored:
        # a copy; for another library always, since there is no telling whether g is a view of another array
        g = array_library.copy(g, node.data.dtype) if not isinstance(g, _NUMBERS) else \
            np.array(g, dtype=node.data.dtype)
    stored.add(id(g))
    node.grad = g


def _seed(root: Tensor, gradient) -> np.ndarray:
    if type(root.data) is not _ndarray:
        return _seed_of_library(root, gradient)
    if gradient is None:
        if root.data.size != 1:
            raise ValueError(f"backward() on a tensor of shape {root.shape} needs a gradient of that shape, "
                             f"e.g. t.backward(np.ones({root.shape})); only a one-element tensor (a loss) "
                             f"is seeded with 1 by default")
        seed = np.empty(root.shape, dtype=root.data.dtype)
        seed.fill(1)  # (np.ones, without its Python wrapper)
        return seed
    seed = np.array(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.dtype)  # a copy
    if seed.shape != root.shape:
        raise ValueError(f"backward(): the gradient has shape {seed.shape} but the tensor has shape "
                         f"{root.shape}; they must match")
    return seed


def _seed_of_library(root: Tensor, gradient):
    """`_seed` for a tensor of another library: the seed is an array of that library, on its device."""
    data = root.data
    xp = array_library.namespace(data)
    if gradient is None:
        if array_library.size(data) != 1:
            raise ValueError(f"backward() on a tensor of shape {root.shape} needs a gradient of that shape; only "
                             f"a one-element tensor (a loss) is seeded with 1 by default")
        return xp.ones(tuple(data.shape), dtype=data.dtype, device=array_library.device(data))
    gradient = gradient.data if isinstance(gradient, Tensor) else gradient
    if isinstance(gradient, (list, tuple, int, float)):
        gradient = array_library.asarray_like(np.asarray(gradient), data)
    if type(gradient) is not type(data):
        array_library.check_one_library("backward()", (data, gradient))
    if tuple(gradient.shape) != tuple(root.shape):
        raise ValueError(f"backward(): the gradient has shape {tuple(gradient.shape)} but the tensor has shape "
                         f"{tuple(root.shape)}; they must match")
    return array_library.copy(gradient, data.dtype)


# --- turning arguments into tensors -------------------------------------------------------

def _as_array(data, dtype) -> np.ndarray:
    """A private floating-point copy of `data`: float64 unless `data` is already floating or dtype says otherwise.

    An array of another library (torch, CuPy, Dask, array-api-strict) stays in its library and on its device.
    """
    if isinstance(data, Tensor):
        data = data.data
    if type(data) is not _ndarray and not isinstance(data, (list, tuple, int, float, np.generic)):
        xp = array_library.namespace_or_none(data)
        if xp is not None and xp is not np:
            return _as_library_array(xp, data, dtype)
    if dtype is not None:
        dtype = arguments.floating_dtype("dtype", dtype)
    try:
        array = np.array(data, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"Tensor holds real numbers, not {type(data).__name__}: {data!r} ({error})") from None
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    raise TypeError(f"Tensor holds real numbers, not {type(data).__name__} of {array.dtype}: {data!r}")


def _as_library_array(xp, data, dtype):
    """`_as_array` for an array of another library: a copy of floating dtype, in that library, on its device.

    `dtype` may be spelled as for numpy (np.float32, "float32") or be the library's own (torch.float32).
    """
    if dtype is not None:
        try:
            dtype = arguments.floating_dtype("dtype", dtype)
        except TypeError:
            try:
                floating = array_library.kind(dtype) == "f"
            except TypeError:
                floating = False
            if not floating:
                raise
    elif array_library.kind(data.dtype) == "f":
        return array_library.copy(data)
    elif array_library.kind(data.dtype) in "iub":
        dtype = np.float64
    else:
        raise TypeError(f"Tensor holds real numbers, not {array_library.library_name(data)} arrays of {data.dtype}")
    return array_library.copy(data, dtype)


def _constant(value, like):
    """The other operand of ``t + value``: a number takes the tensor's dtype, an array keeps its own.

    `like` is the tensor's array: a number or a list becomes an array of its library, on its device.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):  # weak, as in PyTorch: float32 * 2.0 is float32
        if type(like) is _ndarray:
            return Tensor._leaf(np.asarray(value, dtype=like.dtype))
        return Tensor._leaf(array_library.asarray_like(value, like, like.dtype))
    if isinstance(value, (np.ndarray, list, tuple)):
        array = _as_array(value, None)
        if isinstance(value, np.ndarray) or type(like) is _ndarray:
            return Tensor._leaf(array)  # (a numpy array beside another library's: `_binary_method` refuses it)
        return Tensor._leaf(array_library.asarray_like(array, like))
    if array_library.namespace_or_none(value) is not None:
        return Tensor._leaf(_as_array(value, None))  # an array of a library: its own (mixing is refused after)
    return NotImplemented


def _tensor(value) -> Tensor:
    """An argument of matmul, concatenate, ...: a Tensor as it is, anything else as a constant leaf."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _index(index):
    """Tensors inside an index are replaced by their arrays (indexing is not differentiated w.r.t. the index).

    Any array may index a tensor of any library: `autograd.array_library.gather` reads it as numpy would.
    """
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


# --- messages -----------------------------------------------------------------------------

def _shape_error(op: tensor_ops.TensorPrimitive, inputs: tuple, error: Exception) -> ValueError:
    shapes = " and ".join(str(tuple(t.shape)) for t in inputs)  # (torch's shapes print as torch.Size)
    return ValueError(f"{op.name} ({op.expression}) cannot combine shapes {shapes}: {error}")


def _describe(node: Tensor) -> str:
    name = f"'{node.label}'" if node.label else "a tensor"
    made_by = f"made by {node._op.expression}" if node._op else "a leaf"
    return f"{name} ({made_by}, shape {tuple(node.shape)})"


def _describe_all(inputs) -> str:
    return ", ".join(_describe(t) for t in inputs)


def _check_finite(array, what: str) -> None:
    """`modes.check_finite` for arrays: raise at the first nan or inf, saying how many there are."""
    if not array_library.is_numpy(array):
        array = array_library.to_numpy(array)  # (detect_anomaly: reads the values, a Dask array is computed)
    finite = np.isfinite(array)
    if not finite.all():
        bad = np.asarray(array)[~finite]
        check_finite(float(bad.flat[0]), f"{what} ({bad.size} of {np.size(array)} elements not finite)")
