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
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from autograd.value import Value


def _is_parameter(x) -> bool:
    return isinstance(x, Value) or bool(getattr(x, "requires_grad", False))


class Module:
    """Parameters, submodules, train/eval mode, state dicts and files."""

    training = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # -- what the module holds ---------------------------------------------------------

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, object]]:
        """(name, parameter) for every parameter, in the order they were assigned; shared ones once."""
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

    def train(self, mode: bool = True) -> Module:
        """Training mode (the default); `eval()` switches it off, for layers that behave differently."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    # -- state dicts and files ------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{name: a copy of the parameter's data}``, a 0-d array for a Value."""
        return {name: np.array(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Copy saved data into the parameters; all of them, or none.

        A missing key, an extra key or a wrong shape raises an error naming
        the key (and both shapes) before any parameter is touched.
        """
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        extra = [k for k in state if k not in params]
        if missing or extra:
            raise KeyError(f"state dict does not fit {type(self).__name__}: "
                           f"missing {missing or 'nothing'}, unexpected {extra or 'nothing'}")
        for name, p in params.items():
            have, got = np.shape(p.data), np.shape(state[name])
            if have != got:
                raise ValueError(f"state dict entry {name!r} has shape {got}, but the parameter has shape {have}")
        for name, p in params.items():
            value = np.asarray(state[name])
            p.data = float(value) if isinstance(p, Value) else value.astype(p.data.dtype, copy=True)

    def save(self, path: str | Path) -> None:
        """Write `state_dict()` to an ``.npz`` file, atomically.

        The file is written under a temporary name in the same folder and
        renamed over `path` only when complete, so a crash halfway leaves the
        old file (or none), never half of a new one.
        """
        path = Path(path)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, **self.state_dict())
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def load(self, path: str | Path) -> None:
        """Read a file written by `save` (no pickle is ever loaded) into the parameters."""
        with np.load(path, allow_pickle=False) as archive:
            self.load_state_dict({name: archive[name] for name in archive.files})

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
