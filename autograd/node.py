"""What the two kinds of node, `Value` and `Tensor`, share beyond the public node interface.

Both offer ``.data``, ``.grad``, ``.label``, ``.op`` and ``.parents`` (graph
drawing and the chain-rule trace read nothing else), and both compare the
way this mixin says.
"""

from __future__ import annotations


class ComparedByData:
    """``< <= > >=`` look at the data and return plain bools (boolean arrays for a Tensor), like
    micrograd's ``score.data > 0``; they are not recorded. ``==`` stays identity, so nodes
    can be keys of the dictionaries the backward passes keep."""

    __slots__ = ()

    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)


def _data(x):
    return x.data if isinstance(x, ComparedByData) else x
