"""Numbers as text, for the chain-rule trace, the drawings and the playground alike.

Kept apart from the drawing code so that the text trace needs no Graphviz.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__: list[str] = []  # helpers of the trace, the drawings and the playground


def format_number(x, fmt: str | Callable = ".4g") -> str:
    """One number as text: ``fmt`` is a format spec (``".4g"``) or a function."""
    if callable(fmt):
        return fmt(x)
    return format(float(x), fmt)


def summarize(array, fmt: str | Callable = ".4g") -> str:
    """A tensor's values in one line: ``norm 1.2 min -0.3 max 0.8`` (the 2-norm over all elements)."""
    array = np.asarray(array)
    if array.size == 0:
        return "empty"
    values = array.astype(np.float64, copy=False)
    return (f"norm {format_number(np.linalg.norm(values.ravel()), fmt)} "
            f"min {format_number(values.min(), fmt)} max {format_number(values.max(), fmt)}")
