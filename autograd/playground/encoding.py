"""Numbers as they travel to the page: JSON has no nan or inf, and the page shows 4 significant digits."""

from __future__ import annotations

import math

FORMAT = ".4g"

__all__: list[str] = []  # helpers of state.py and checking.py


def number(x) -> float | str:
    """A float for JSON, which has no nan or inf: those travel as the strings "nan", "inf", "-inf"."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def text(x) -> str:
    return format(float(x), FORMAT)  # format_number(x, FORMAT), without its check for a function: thousands a request
