"""`Module`: the base of every model, scalar or tensor -- its parameters, found by looking.

A module's parameters are whatever it holds that can learn: a `Value`, a
`Tensor` with ``requires_grad=True``, or a module, list or tuple holding
them, assigned as an attribute. They are found in the order they were
assigned and named by where they live::

    class TwoLayers(Module):
        def __init__(self):
            self.hidden = Linear(784, 200)     # parameters hidden.weight, hidden.bias
            self.out = Linear(200, 10)         # parameters out.weight, out.bias

so nothing has to be registered by hand, and micrograd's `Neuron` (a list of
weights ``w`` and a bias ``b``) is found the same way: ``w.0, w.1, ..., b``.

Saving and loading go through `state_dict()`: a flat ``{name: numpy array}``
that `save` writes to an ``.npz`` file (no pickle) and `load` reads back.

Parameters start as numpy arrays (`autograd.nn.init` draws them with numpy's
generator, so a seed gives the same model everywhere); ``model.to(torch)``,
``model.to("cuda")``, ``model.to(dask.array)`` moves them to another array
library or device, as PyTorch's ``.to("cuda")`` does (see
`autograd.array_library.moved`). An optimizer's state is made beside each
parameter, and follows a parameter moved after it was made (at the next step).
"""

from __future__ import annotations

import errno
import io
import math
import os
import secrets
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from autograd import array_library
from autograd.arguments import array, flag, shown, text
from autograd.arguments import path as checked_path
from autograd.scopes import NOW
from autograd.scopes import enter as enter_scope
from autograd.value import Value

__all__ = ["Module"]


def _is_parameter(x) -> bool:
    return isinstance(x, Value) or bool(getattr(x, "requires_grad", False))


class Module:
    """Parameters, submodules, train/eval mode, state dicts and files."""

    training = True

    def __call__(self, *args, **kwargs):
        """Run `forward`, with this module's `Scope` current: every node it makes knows its module path.

        (`autograd.scopes.module_path(node)` reads it back; drawings group by it.)
        """
        # The common case inline (this runs once per neuron per point): the Scope of this module at
        # this place, kept in its caller's Scope since the first call; `enter_scope` makes it otherwise.
        outer = NOW[0]  # "" outside every module (and a Scope is always true)
        inner = outer._children.get(id(self)) if outer else None
        if inner is None or inner._module() is not self:
            inner = enter_scope(self)
        NOW[0] = inner
        try:
            return self.forward(*args, **kwargs)
        finally:
            NOW[0] = outer

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # -- what the module holds ---------------------------------------------------------

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, object]]:
        """(name, parameter) for every parameter, in the order they were assigned; shared ones once."""
        return self._walk(text("prefix", prefix))  # (checked now, not at the first next() of a generator)

    def _walk(self, prefix: str) -> Iterator[tuple[str, object]]:
        seen: set[int] = set()
        stack = [(f"{prefix}{name}", value) for name, value in reversed(list(vars(self).items()))]
        while stack:  # depth first, without recursion, in assignment order
            name, value = stack.pop()
            if _is_parameter(value):
                if id(value) not in seen:
                    seen.add(id(value))
                    yield name, value
            elif isinstance(value, Module):
                stack.extend((f"{name}.{k}", v) for k, v in reversed(list(vars(value).items())))
            elif isinstance(value, (list, tuple)):
                stack.extend((f"{name}.{i}", v) for i, v in reversed(list(enumerate(value))))

    def _own_parameters(self) -> list:
        """The parameters this module holds itself, not through a submodule (a Neuron's w.0, ..., b)."""
        own, stack = [], list(vars(self).values())
        while stack:
            value = stack.pop()
            if _is_parameter(value):
                own.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(value)
        return own

    def _name_of(self, module: Module) -> str | None:
        """Where `module` sits inside this one, as state_dict names it ("layers.1.neurons.3"), or None."""
        stack = [(name, value) for name, value in vars(self).items()]
        while stack:
            name, value = stack.pop()
            if value is module:
                return name
            if isinstance(value, Module):
                stack.extend((f"{name}.{k}", v) for k, v in vars(value).items())
            elif isinstance(value, (list, tuple)):
                stack.extend((f"{name}.{i}", v) for i, v in enumerate(value))
        return None

    def parameters(self) -> list:
        return [p for _, p in self.named_parameters()]

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it."""
        stack = [self]
        while stack:
            module = stack.pop()
            yield module
            for value in vars(module).values():
                items = value if isinstance(value, (list, tuple)) else [value]
                stack.extend(m for m in items if isinstance(m, Module))

    def zero_grad(self) -> None:
        """Reset every parameter's gradient: 0.0 for a Value, None for a Tensor."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def to(self, target) -> Module:
        """Move every tensor parameter (and its gradient) to another array library or device; return self.

        `target` is a namespace -- ``numpy``, ``torch``, ``cupy``, ``dask.array``,
        ``array_api_strict`` -- or a device for PyTorch: ``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, a ``torch.device``. Each parameter keeps its dtype and
        stays the same `Tensor` object (its ``.data`` is replaced), so whatever
        holds the parameters still holds them; an optimizer's state follows its
        parameter at the next ``step()``. Scalar `Value`
        parameters hold Python floats and are left as they are.
        """
        moves = [(p, array_library.moved(p.data, target),
                  None if p.grad is None else array_library.moved(p.grad, target))
                 for p in self.parameters() if not isinstance(p, Value)]  # (all moved before any is changed)
        for p, data, grad in moves:
            p.data, p.grad = data, grad
        return self

    def train(self, mode: bool = True) -> Module:
        """Training mode (the default); `eval()` switches it off, for layers that behave differently."""
        mode = flag("mode", mode)
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    # -- state dicts and files ------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{name: a copy of the parameter's data}`` as numpy arrays (from any library), a 0-d array for a Value."""
        return {name: np.array(p.data if isinstance(p, Value) else array_library.to_numpy(p.data))
                for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Copy saved data into the parameters; all of them, or none.

        A missing key, an extra key, a wrong shape, an entry that is not
        numbers or holds nan or inf raises an error naming the key (and both
        shapes) before any parameter is touched.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a dict of arrays (from state_dict()), got {shown(state)}")
        self._assign(self._checked_state(state, "state dict"))

    def _checked_state(self, state: Mapping, source: str) -> list[tuple[object, object]]:
        """(parameter, its new data) for every parameter, each checked against the parameter it is for.

        nan and inf are refused: a model holding them computes nothing but
        nan, and such a state can only come from a run that diverged.
        """
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        extra = [k for k in state if k not in params]
        if missing or extra:
            raise ValueError(f"{source} does not fit {type(self).__name__}: "
                             f"missing {_some(missing)}, unexpected {_some(extra)}")
        assignments = []
        for name, p in params.items():
            entry = state[name]
            value = array(f"{source} entry {name!r}", entry if array_library.namespace_or_none(entry) is None
                          else array_library.to_numpy(entry))
            have, got = tuple(np.shape(p.data) if isinstance(p, Value) else p.data.shape), value.shape
            if have != got:
                raise ValueError(f"{source} entry {name!r} has shape {got}, but the parameter has shape {have}")
            if isinstance(p, Value):
                data = float(value)
            elif type(p.data) is np.ndarray:
                data = value.astype(p.data.dtype, copy=True)
            else:  # a parameter moved to another library (Module.to) is loaded there, in its dtype
                data = array_library.asarray_like(value, p.data, p.data.dtype)
            converted = data if isinstance(p, Value) or type(p.data) is np.ndarray else array_library.to_numpy(data)
            if not np.isfinite(converted).all():  # (after the conversion: float64 beyond float32's range is inf)
                raise ValueError(f"{source} entry {name!r} holds nan or inf, which load refuses")
            assignments.append((p, data))
        return assignments

    @staticmethod
    def _assign(assignments) -> None:
        for p, data in assignments:
            p.data = data

    def save(self, path: str | Path) -> None:
        """Write `state_dict()` to an ``.npz`` file, atomically.

        The file is written under a temporary name in the same folder and
        renamed over `path` only when complete, so a crash halfway leaves the
        old file (or none), never half of a new one. It is created as open()
        would create it: mode 0o666 less the umask. Errors name `path`.
        """
        path = checked_path("path", path)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        state = self.state_dict()
        temporary = path.with_name(f".{path.name[:200]}.{secrets.token_hex(4)}.tmp")
        try:  # O_EXCL: never someone else's file; 0o666: the kernel applies the umask, as for open()
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as error:
            raise _naming(error, path) from None
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, **state)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException as error:
            temporary.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise _naming(error, path) from None
            raise

    def load(self, path: str | Path) -> None:
        """Read a file written by `save` into the parameters: all of them, or none.

        Nothing in the file is ever unpickled. Every entry is read and
        checked first -- numbers only, each named and shaped as a parameter,
        no nan or inf -- and anything wrong raises ValueError naming the file
        and the fault; a file that cannot be opened (missing, say) raises
        OSError. Only then is any parameter changed.
        """
        path = checked_path("path", path)
        self._assign(self._checked_state(_read_arrays(path), str(path)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _some(names: list, shown_at_most: int = 10) -> str:
    """``['a', 'b']``, or the first ten and how many more: a message stays readable for a big model."""
    if not names:
        return "nothing"
    more = f" and {len(names) - shown_at_most} more" if len(names) > shown_at_most else ""
    return f"{names[:shown_at_most]!r}{more}"


# --- files -------------------------------------------------------------------------------

def _naming(error: OSError, path: Path) -> OSError:
    """The same error about `path`, the file the user named, rather than our temporary file."""
    if error.errno is None:
        return OSError(f"{path}: {error}")
    return OSError(error.errno, error.strerror, str(path))  # (OSError picks the subclass from errno)


# What corrupt bytes make zipfile, its decompressors and numpy's .npy header reader raise. The
# bytes are in memory by then, so even an OSError (bz2's "Invalid data stream", a seek to a
# negative offset) is about the contents, not the file system.
_CORRUPT = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, struct.error, OSError)


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, read without unpickling anything; ValueError naming the file otherwise."""
    contents = io.BytesIO(path.read_bytes())  # OSError: missing, a folder, not allowed
    try:
        with zipfile.ZipFile(contents) as archive:
            arrays: dict[str, np.ndarray] = {}
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                if name == info.filename or name in arrays:
                    raise ValueError(f"it holds {info.filename!r}, which is not one more array (.npy)")
                with archive.open(info) as entry:
                    arrays[name] = _read_npy(entry, name, info.file_size)
            return arrays
    except _CORRUPT as error:
        raise ValueError(f"{path} is not a model file written by save: {error}") from None


def _read_npy(entry, name: str, size: int) -> np.ndarray:
    """One .npy entry: the header checked (numbers only, a size the entry can hold) before the data is read."""
    version = np.lib.format.read_magic(entry)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"entry {name!r} is in .npy format {version}, which load does not read")
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran_order, dtype = read_header(entry)
    if dtype.hasobject:
        raise ValueError(f"entry {name!r} holds Python objects (pickled data), and load never unpickles")
    if dtype.kind not in "biuf":
        raise ValueError(f"entry {name!r} holds {dtype} data, not real numbers")
    expected = math.prod(shape) * dtype.itemsize
    data = entry.read(expected + 1) if expected <= size else b""
    if len(data) != expected:
        raise ValueError(f"entry {name!r} should hold {expected} bytes for shape {shape}, but holds "
                         f"{'fewer' if len(data) < expected else 'more'}")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
