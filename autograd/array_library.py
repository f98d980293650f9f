"""Which array library an array belongs to, and what the array API standard leaves out.

A `Tensor` computes with the library of the array it holds: numpy as
always, or any library of the Python array API standard -- PyTorch (on the
tensor's device), CuPy (on the GPU), Dask (lazily, chunk by chunk), and
array-api-strict, the deliberately minimal implementation that proves code
uses nothing outside the standard. The tensor table (`autograd.tensor_ops`)
writes its forward values and VJPs against the *namespace* of its arrays,
``xp``, the module whose functions take them: ``xp.exp(x)``, ``xp.sum(x,
axis=0)``. This module is the one place that

* finds the namespace of an array (`namespace`): numpy itself for numpy
  arrays -- numpy 2's main namespace follows the standard, so the numpy path
  pays one dictionary look-up and never imports anything -- and
  ``array_api_compat.array_namespace`` for any other library, found once per
  array type and remembered;
* checks that the operands of one operation come from one library
  (`check_one_library`): numpy would quietly turn a torch tensor into a numpy
  array, and torch a numpy array into a tensor, so ``a + b`` across libraries
  is a TypeError naming both instead;
* fills the gaps where the standard lacks what the table needs, each gap
  said where it is filled: indexing with numpy's full meaning (`gather`) and
  its scatter-add VJP (`scatter_add`, numpy's ``np.add.at``), moving arrays
  between libraries and devices (`moved`), reading values back as numpy
  (`to_numpy`), and computing lazy (Dask) arrays together (`compute`).

Lazy arrays stay lazy: nothing here computes a Dask array except `to_numpy`
and `compute`, which are asked to. A loss and its gradients share one graph,
so computing them together reads every chunk once::

    loss = nn.mse_loss(model(X), y)        # X, y Dask arrays: nothing computed yet
    loss.backward()                        # the gradients: Dask arrays too, still lazy
    value, *grads = array_library.compute(loss.data, *(p.grad for p in model.parameters()))

(``dask.compute(loss.data, *grads)`` is the same call.)
"""

from __future__ import annotations

import math
import sys

import numpy as np

__all__ = ["namespace", "to_numpy", "moved", "compute", "INSTALL_HINT"]
# (The other functions here are the engine's: tensor.py, tensor_ops.py, nn/, optim.py and data.py call
# them with arrays they have checked already.)

INSTALL_HINT = "pip install array-api-compat (or the 'test' or 'gpu' extra of autograd-scalar)"

_NOT_AN_ARRAY = object()  # what _NAMESPACES remembers for a type that is no array (a Value, a list)
_NAMESPACES: dict[type, object] = {np.ndarray: np}
"""type(array) -> its namespace, filled as types are met. One look-up per operation on the numpy path."""


def namespace(array):
    """The array API namespace of `array`: numpy for numpy arrays (and numpy scalars), else array_api_compat's.

    Raises TypeError for anything that is not an array of some library.
    """
    xp = _NAMESPACES.get(type(array))
    if xp is None:
        xp = _find(array)
    if xp is _NOT_AN_ARRAY:
        raise TypeError(f"expected an array of numpy or of an array API library (torch, cupy, dask, "
                        f"array_api_strict), got {type(array).__name__}")
    return xp


def adopt(array_type: type, xp) -> None:
    """Say that arrays of `array_type` belong to namespace `xp` (`autograd.tensor.FreedValues`: numpy's)."""
    _NAMESPACES[array_type] = xp


def namespace_or_none(x):
    """`namespace(x)`, or None when x is no array (a number, a Value, a Tensor, a list)."""
    xp = _NAMESPACES.get(type(x))
    if xp is None:
        xp = _find(x)
    return None if xp is _NOT_AN_ARRAY else xp


def _find(x):
    """The namespace of an array type met for the first time, remembered for the next ones."""
    kind_of = type(x)
    if isinstance(x, (np.ndarray, np.generic)):
        xp = np
    elif kind_of.__module__.startswith("autograd") or isinstance(x, (int, float, complex, str, bytes, list, tuple,
                                                                        dict, type(None))):
        xp = _NOT_AN_ARRAY  # (our own nodes, FreedValues and Python's values: no library's arrays)
    else:
        compat = _compat(required=False)
        if compat is None:
            # without array_api_compat only an object that names its own namespace can be used
            xp = x.__array_namespace__() if hasattr(x, "__array_namespace__") else _NOT_AN_ARRAY
            if xp is _NOT_AN_ARRAY and _looks_like_an_array(x):
                raise ImportError(f"a {kind_of.__module__}.{kind_of.__name__} array needs array_api_compat to "
                                  f"find its namespace: {INSTALL_HINT}")
        elif compat.is_array_api_obj(x):
            xp = compat.array_namespace(x)
        else:
            xp = _NOT_AN_ARRAY
    _NAMESPACES[kind_of] = xp
    return xp


def _looks_like_an_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _compat(required: bool = True):
    """The module array_api_compat, imported on first use (the numpy path never needs it)."""
    module = sys.modules.get("array_api_compat")
    if module is not None:
        return module
    try:
        import array_api_compat
    except ImportError:
        if required:
            raise ImportError(f"arrays of libraries other than numpy need array_api_compat: {INSTALL_HINT}") from None
        return None
    return array_api_compat


def is_numpy(array) -> bool:
    return type(array) is np.ndarray or isinstance(array, (np.ndarray, np.generic))


def library_name(x) -> str:
    """What a message calls the library of `x`: "numpy", "torch", "dask.array", "array_api_strict", "cupy"."""
    if is_numpy(x):
        return "numpy"
    xp = namespace_or_none(x)
    if xp is None:
        return type(x).__name__
    name = xp.__name__
    return name.removeprefix("array_api_compat.")


def check_one_library(what: str, arrays) -> None:
    """TypeError unless every array comes from one library (numpy arrays and numpy scalars are one library).

    Called only when the operands' types differ, so the usual case costs one ``is`` per operand.
    """
    names = {library_name(a) for a in arrays}
    if len(names) > 1:
        raise TypeError(f"{what} mixes arrays of {' and '.join(sorted(names))}: the operands of one operation "
                        f"must come from one array library. Move one side first (Tensor(...) of an array of the "
                        f"other library, or nn.Module.to(...) for a model's parameters)")


def device(array):
    """Where `array` lives: "cpu" for numpy, the library's device object otherwise."""
    if is_numpy(array):
        return "cpu"
    return _compat().device(array)


def size(array) -> int:
    """The number of elements (torch's ``.size`` is a method; a Dask array of unknown chunks says nan)."""
    if is_numpy(array):
        return array.size
    return math.prod(array.shape)


def kind(dtype) -> str:
    """numpy's one-letter kind of a dtype of any library: "f" floating, "i"/"u" integers, "b" bool, "c" complex."""
    if isinstance(dtype, np.dtype):
        return dtype.kind
    try:
        return np.dtype(dtype).kind  # numpy's scalar types, names, and dtypes numpy reads (Dask's, CuPy's)
    except TypeError:
        pass
    name = str(dtype).rsplit(".", 1)[-1]  # torch.float32, array_api_strict.int64
    for prefix, letter in (("bool", "b"), ("uint", "u"), ("int", "i"), ("float", "f"), ("bfloat", "f"),
                           ("complex", "c")):
        if name.startswith(prefix):
            return letter
    raise TypeError(f"unknown dtype {dtype!r}")


def astype(array, dtype):
    """`array` as `dtype`, in its own library and on its own device (no copy when it already is)."""
    if type(array) is np.ndarray:
        return array.astype(dtype, copy=False)
    xp = namespace(array)
    return xp.astype(array, dtype_in(xp, dtype), copy=False)


def dtype_in(xp, dtype):
    """The dtype of library `xp` that stands for `dtype` (a numpy dtype, a name, or xp's own dtype)."""
    if xp is np:
        return np.dtype(dtype)
    if isinstance(dtype, (np.dtype, str)) or (isinstance(dtype, type) and issubclass(dtype, np.generic)):
        return getattr(xp, np.dtype(dtype).name)
    return dtype


def copy(array, dtype=None):
    """A new array with the values of `array` (of `dtype` if given), in its own library and on its device."""
    if type(array) is np.ndarray:
        return np.array(array, dtype=dtype)
    xp = namespace(array)
    if dtype is not None:
        return xp.astype(array, dtype_in(xp, dtype), copy=True)
    return xp.asarray(array, copy=True)


def asarray_like(values, like, dtype=None):
    """Numbers, a list or a numpy array as an array of `like`'s library, on its device (dtype if given).

    ``t + 2`` and ``t + [1, 2]`` on a torch Tensor: the number or list becomes a torch tensor beside it.
    """
    if type(like) is np.ndarray:
        return np.asarray(values, dtype=dtype)
    xp = namespace(like)
    if isinstance(values, np.ndarray) and dtype is None:
        dtype = values.dtype
    return xp.asarray(values, dtype=None if dtype is None else dtype_in(xp, dtype), device=device(like))


def to_numpy(array) -> np.ndarray:
    """The values of `array` as a numpy array: itself for numpy; copied to the host from a GPU; computed for Dask."""
    if is_numpy(array):
        return np.asarray(array)
    namespace(array)  # (a TypeError for anything that is no array)
    module = type(array).__module__.split(".")[0]
    if module == "torch":
        return array.detach().cpu().numpy()
    if module == "cupy":
        return array.get()
    if module == "dask":
        return np.asarray(array.compute())
    # Gap: the standard has no "to host". DLPack moves CPU arrays without a copy; anything else goes by __array__.
    try:
        return np.from_dlpack(array)
    except (TypeError, RuntimeError, BufferError, AttributeError):
        return np.asarray(array)


def compute(*arrays) -> tuple:
    """The arrays with their values: Dask arrays computed together, in one pass over their shared graph.

    Others are returned as they are (numpy, torch, ... hold their values already).
    ``value, *grads = compute(loss.data, *grads)``: one read of the data for both.
    """
    lazy = [i for i, a in enumerate(arrays) if type(a).__module__.startswith("dask")]
    if not lazy:
        return arrays
    import dask

    results = list(arrays)
    for i, value in zip(lazy, dask.compute(*(arrays[i] for i in lazy))):
        results[i] = value
    return tuple(results)


# --- moving arrays: nn.Module.to(...) ------------------------------------------------------
#
# Gap: the standard has from_dlpack and device=, but no way to name "the library torch" or "the GPU"
# to move to. `moved` takes what a user writes: a namespace (numpy, torch, cupy, dask.array,
# array_api_strict or array_api_compat's wrappers) or a device ("cpu", "cuda", "cuda:1", a torch.device).

def moved(array, target):
    """`array` in the library (or on the device) `target`, with its dtype; the same array when it is there already."""
    name = _target_library(target)
    namespace(array)  # (a TypeError for anything that is no array)
    if name == "torch" and not _is_module(target):  # a device: PyTorch's .to("cuda")
        torch = _import("torch")
        try:
            device_ = torch.device(target)
        except (RuntimeError, TypeError) as error:
            raise ValueError(f"to(): {target!r} is not a device PyTorch knows ({error})") from None
        if type(array).__module__.split(".")[0] == "torch":
            return array.to(device_)
        return torch.asarray(to_numpy(array).copy(), device=device_)
    if library_name(array) == name:
        return array
    host = to_numpy(array)
    if name == "numpy":
        return host.copy()
    if name == "torch":
        return _import("torch").asarray(host.copy())
    if name == "dask.array":
        return _import("dask.array").from_array(host.copy(), chunks="auto")
    xp = _import(name)
    return xp.asarray(host, copy=True)


def _is_module(target) -> bool:
    return type(target) is type(np)


def _target_library(target) -> str:
    """The library `target` names: from a namespace module, or "torch" for a device."""
    if _is_module(target):
        name = target.__name__.removeprefix("array_api_compat.")
        if name in ("numpy", "torch", "cupy", "dask.array", "array_api_strict"):
            return name
        raise ValueError(f"to() takes an array library (numpy, torch, cupy, dask.array, array_api_strict) or a "
                         f"device such as 'cpu' or 'cuda'; {target.__name__} is none of them")
    if isinstance(target, str) or type(target).__module__ == "torch":
        return "torch"
    raise TypeError(f"to() takes an array library (a module such as torch or dask.array) or a device such as "
                    f"'cpu' or 'cuda', got {type(target).__name__}: {target!r}")


def _import(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(f"moving to {name} needs {name.split('.')[0]} installed") from None


def reshape(x, shape):
    """``xp.reshape(x, shape)``; a Dask array whose chunks do not split evenly into the new shape is first
    made one chunk (gap: Dask reshapes only by merging or splitting its chunks evenly)."""
    xp = namespace(x)
    try:
        return xp.reshape(x, shape)
    except NotImplementedError:
        if not type(x).__module__.startswith("dask"):
            raise
        return xp.reshape(x.rechunk(-1), shape)


# --- indexing with numpy's meaning --------------------------------------------------------
#
# The standard's indexing is a subset of numpy's: array-api-strict takes integer arrays only
# beside integers (not beside slices or ...), PyTorch no negative steps, Dask's boolean masks
# give unknown shapes, and there is no scatter-add (np.add.at) at all. Where the library's own
# indexing falls short, the element positions are computed once on the host with numpy,
# ``np.arange(size).reshape(shape)[index]`` -- numpy's meaning, exactly -- and the values are
# moved with the standard's `take` on the flattened array.

def _host_index(index):
    """The index with any array in it (of any library) as a numpy array: positions are worked out on the host."""
    parts = index if isinstance(index, tuple) else (index,)
    host = tuple(p if p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer)) else to_numpy(p)
                 for p in parts)
    return host if isinstance(index, tuple) else host[0]


def _positions(shape, index) -> np.ndarray:
    """The flat position in an array of `shape` of every element ``array[index]`` picks, in numpy's meaning."""
    return np.arange(math.prod(shape), dtype=np.int64).reshape(shape)[_host_index(index)]


def _has_negative_step(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, slice) and p.step is not None and p.step < 0 for p in parts)


def _spelled_out(index):
    """A basic index with a trailing ... unless it has one: numpy's meaning, which array-api-strict wants said."""
    parts = index if isinstance(index, tuple) else (index,)
    return parts if any(p is Ellipsis for p in parts) else (*parts, Ellipsis)


def _native(xp, index, basic: bool, writing: bool = False) -> bool:
    """Can the library read (or, `writing`, assign) with `index` itself, meaning what numpy means?

    Reading: any basic index, except PyTorch's negative steps; of the advanced
    ones, PyTorch's. Writing a basic index: not with a new axis (None:
    array-api-strict refuses it), not in Dask (its assignment mishandles
    integers beside slices), not with PyTorch's negative steps.
    """
    torch = xp.__name__ == "array_api_compat.torch"
    if not basic:
        return torch and not writing and not _has_negative_step(index)
    if torch and _has_negative_step(index):
        return False
    if writing:
        parts = index if isinstance(index, tuple) else (index,)
        return not xp.__name__.startswith("array_api_compat.dask") and all(p is not None for p in parts)
    return True


def gather(x, index, basic: bool):
    """``x[index]`` as numpy means it, for an array of any library (`basic`: ints, slices, None, ... only)."""
    xp = namespace(x)
    if xp is np or _native(xp, index, basic):
        return x[_spelled_out(index)] if basic else x[_library_index(xp, index, x)]
    positions = _positions(x.shape, index)
    flat = xp.reshape(x, (-1,))
    picked = xp.take(flat, xp.asarray(np.ascontiguousarray(positions.reshape(-1)), device=device(x)), axis=0)
    return xp.reshape(picked, positions.shape)


def _library_index(xp, index, like):
    """The index with its numpy arrays as arrays of `like`'s library (torch indexes with its own tensors)."""
    parts = index if isinstance(index, tuple) else (index,)
    converted = tuple(xp.asarray(p, device=device(like)) if isinstance(p, np.ndarray) else p for p in parts)
    return converted if isinstance(index, tuple) else converted[0]


def scatter_add(shape, dtype, index, g, basic: bool):
    """The VJP of ``x[index]``: zeros of x's shape with g added where the elements came from.

    An element picked twice gets both contributions. numpy has ``np.add.at``
    for that and PyTorch ``index_add_``; the standard has neither (gap), so
    the other libraries sum repeated positions with a 0/1 matrix product (exact
    sums, memory of picks x distinct positions) and put the sums in place with
    `take` (a gather: the standard has no scatter either).
    """
    xp = namespace(g)
    if xp is np:
        grad = np.zeros(shape, dtype=dtype)
        if basic:
            grad[index] = g
        else:
            np.add.at(grad, index, g)
        return grad
    dtype, where = dtype_in(xp, dtype), device(g)
    if basic and _native(xp, index, basic, writing=True):  # each element picked at most once: an assignment
        grad = xp.zeros(tuple(shape), dtype=dtype, device=where)
        grad[_spelled_out(index)] = xp.astype(g, dtype)
        return grad
    positions = np.ascontiguousarray(_positions(tuple(shape), index).reshape(-1))
    values = xp.reshape(xp.astype(g, dtype), (-1,))
    total = math.prod(shape)
    if xp.__name__ == "array_api_compat.torch":
        grad = xp.zeros(total, dtype=dtype, device=where)
        grad.index_add_(0, xp.asarray(positions, device=where), values)
        return xp.reshape(grad, tuple(shape))
    distinct, inverse = np.unique(positions, return_inverse=True)
    if len(distinct) < len(positions):  # repeats: sum each position's contributions first, in distinct's order
        ones = xp.asarray((inverse[:, None] == np.arange(len(distinct))[None, :]).astype(np.float64), device=where)
        values = xp.reshape(xp.matmul(xp.reshape(values, (1, -1)), xp.astype(ones, dtype)), (-1,))
        positions = distinct
    # zeros everywhere, values[k] at positions[k]: a gather from [0, values...]
    slot = np.zeros(total, dtype=np.int64)
    slot[positions] = np.arange(1, len(positions) + 1)
    padded = xp.concat([xp.zeros((1,), dtype=dtype, device=where), values])
    return xp.reshape(xp.take(padded, xp.asarray(slot, device=where), axis=0), tuple(shape))
