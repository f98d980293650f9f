"""Comparisons of nodes: what `Value` and `Tensor` share beyond the public node interface.

Both offer ``.data``, ``.grad``, ``.label``, ``.op`` and ``.parents`` (graph
drawing and the chain-rule trace read nothing else), and both compare the
way this mixin says.
"""

from __future__ import annotations

from autograd.modes import branch_observer

__all__: list[str] = []  # a mixin of Value and Tensor


class ComparedByData:
    """``< <= > >=`` look at the data and return plain bools (boolean arrays for a Tensor), like
    micrograd's ``score.data > 0``. They are not recorded in the graph, only reported to a
    listening tracer (`autograd.compile` guards the branches it saw). ``==`` stays identity,
    so nodes can be keys of the dictionaries the backward passes keep."""

    __slots__ = ()

    def __lt__(self, other):
        return _seen(self, "<", other, self.data < _data(other))

    def __le__(self, other):
        return _seen(self, "<=", other, self.data <= _data(other))

    def __gt__(self, other):
        return _seen(self, ">", other, self.data > _data(other))

    def __ge__(self, other):
        return _seen(self, ">=", other, self.data >= _data(other))


def _data(x):
    return x.data if isinstance(x, ComparedByData) else x


def _seen(node, symbol: str, other, outcome):
    """Tell the listening tracer, if there is one, which way a comparison went; return the outcome."""
    observer = branch_observer()
    if observer is not None:
        observer(node, symbol, other, outcome)
    return outcome
