"""How a hand-written gradient is wrong, in words: the usual slips, recognised from the numbers.

`autograd.testing.backward` compares a gradient written by hand with central
differences; when they disagree, these functions look at the two arrays side
by side and name the pattern when they recognise one:

    a constant factor        dW is 4 times the numeric gradient, and 4 is the batch size: a missing / N
    the transposed shape     dW has shape (3, 2), the transpose of W's (2, 3)
    the batch axis kept      db has shape (4, 3), b has (3,): the sum over the batch is missing
    a mask                   dx is 0 exactly where the numeric gradient is not: an inverted mask?
    one row right            only row 0 of dx is right: one sample standing for the whole batch?

Each returns a sentence, or "" when nothing is recognised. None of them
decides what agreement is: they are handed `agrees`, the checker's own
comparison (finite differences, tolerance, the nan rule), and only ask it
whether a *repaired* candidate -- the gradient transposed, summed over the
batch, divided by the factor -- would have passed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__: list[str] = []  # helpers of autograd.testing.backward, not an API of their own

Agrees = Callable[[np.ndarray], bool]  # candidate (the numeric gradient's shape) -> would it pass?


def shape_hint(name: str, of: str, hand: np.ndarray, shape: tuple[int, ...], agrees: Agrees) -> tuple[str, str]:
    """(what is wrong, the hint) for a gradient whose shape is not its input's: transposed, batch kept, reshaped."""
    said = f"{name} has shape {hand.shape}, but {of} has shape {shape}"
    if hand.ndim >= 2 and hand.shape == shape[::-1]:
        if agrees(hand.T):
            return said, ("it is the transpose of the right shape, and its transpose agrees with finite differences: "
                          "a transpose is missing or one too many (an affine layer's dW is x.T @ dout, not "
                          "dout.T @ x)")
        return said, "the transposed shape"
    summed = _summed_to(hand, shape)
    if summed is not None:
        reduced, axes = summed
        where = "axis 0 (the batch axis)" if axes == (0,) else f"axes {axes}"
        if agrees(reduced):
            return said, (f"summed over {where} it agrees with finite differences: the sum over what was broadcast "
                          f"is missing (np.sum(..., axis={axes[0] if len(axes) == 1 else axes}))")
        return said, f"{of} was broadcast over {where}, and its gradient must be summed over it"
    if hand.size == int(np.prod(shape)) and agrees(hand.reshape(shape)):
        return said, f"the numbers are right, in the wrong shape: reshape it to {shape}"
    return said, ""


def _summed_to(array: np.ndarray, shape: tuple[int, ...]):
    """(array summed down to `shape`, the axes summed) when `shape` broadcasts to array's shape, else None."""
    extra = array.ndim - len(shape)
    if extra < 0:
        return None
    trailing = array.shape[extra:]
    if any(n != m and n != 1 for n, m in zip(shape, trailing)):
        return None
    axes = tuple(range(extra)) + tuple(extra + i for i, (n, m) in enumerate(zip(shape, trailing)) if n == 1 != m)
    if not axes:
        return None
    return array.sum(axis=axes).reshape(shape), axes


def value_hint(name: str, hand: np.ndarray, numeric: np.ndarray, tolerance: np.ndarray, wrong: np.ndarray,
               agrees: Agrees, sizes: dict[str, int], batched: bool) -> str:
    """Words for a gradient of the right shape with wrong numbers, or "" when no pattern is recognised.

    sizes    {"the batch size": 4, ...}: the numbers a constant factor is compared with
    batched  axis 0 of this gradient is the batch (the input x of a layer)
    """
    count, total = int(wrong.sum()), wrong.size
    unknown = ~np.isfinite(hand)
    if unknown.any():
        return (f"{name} holds nan or inf at {int(unknown.sum())} of {total} elements: a number nobody "
                "computed never agrees (a 0/0, a log(0), an overflow in the hand-written formula?)")
    if not np.isfinite(numeric).all():
        return ""  # finite differences could not be taken everywhere: their notes say why
    if not hand.any():
        return f"{name} is all zeros, the numeric gradient is not: was it never written, or written to a copy?"
    factor = _constant_factor(hand, numeric, tolerance, agrees)
    if factor is not None:
        words = _factor_words(name, factor, sizes)
        # one number is always "a constant factor" times another: only a factor with a meaning says anything
        if words or (np.abs(numeric) > 10 * tolerance).sum() > 1:
            return words or (f"{name} is {factor:.6g} times the numeric gradient throughout: one constant "
                             "factor is wrong")
    if hand.ndim == 2 and hand.shape[0] == hand.shape[1] > 1 and agrees(hand.T):
        return (f"{name} is the transpose of the right gradient: a transpose is missing or one too many "
                "(an affine layer's dW is x.T @ dout)")
    mask = _mask_words(name, hand, numeric, tolerance, wrong)
    if mask:
        return mask
    if batched and hand.ndim >= 1 and hand.shape[0] > 1:
        rows_wrong = wrong.reshape(hand.shape[0], -1).any(axis=1)
        if not rows_wrong[0] and rows_wrong[1:].all():
            return (f"only row 0 of {name} (the first sample) is right, every other row is wrong: is one "
                    "sample, x[0], standing for the whole batch?")
    if count < total:
        return f"{name} is right at {total - count} of {total} elements and wrong at the rest"
    return ""


def _constant_factor(hand, numeric, tolerance, agrees) -> float | None:
    """c when hand = c * numeric at every element (c far from 1), else None."""
    significant = np.abs(numeric) > 10 * tolerance  # elements that are not lost in the tolerance
    if not significant.any():
        return None
    factor = float(np.median(hand[significant] / numeric[significant]))
    if not np.isfinite(factor) or factor == 0 or abs(factor - 1) < 1e-3:
        return None
    return factor if agrees(hand / factor) else None


def _factor_words(name: str, factor: float, sizes: dict[str, int]) -> str:
    close = lambda a, b: abs(a - b) <= 1e-3 * abs(b)  # noqa: E731
    for what, size in sizes.items():
        if size > 1 and close(factor, size):
            return (f"{name} is {size} times the numeric gradient throughout, and {size} is {what}: "
                    "a missing / N (a mean over the batch divides its gradient by N too)")
        if size > 1 and close(factor, 1 / size):
            return (f"{name} is 1/{size} of the numeric gradient throughout, and {size} is {what}: "
                    "an extra / N (a mean where a sum belongs, or the mean taken twice: once in the loss's "
                    "backward and again here?)")
        if size > 1 and close(factor, -size):
            return f"{name} is -{size} times the numeric gradient, and {size} is {what}: the sign and a / N"
    if close(factor, -1):
        return f"{name} has the wrong sign throughout (a - for a +, or y - t for t - y)"
    if close(factor, 2) or close(factor, 0.5):
        twice = "twice" if factor > 1 else "half"
        return f"{name} is {twice} the numeric gradient throughout: a factor of 2 (the 2 of x**2, or of 1/2 x**2)"
    return ""


def _mask_words(name, hand, numeric, tolerance, wrong) -> str:
    """Words when every wrong element is a zero on one side only: a mask (ReLU's, max's) gone wrong."""
    hand_zero, numeric_zero = np.abs(hand) <= tolerance, np.abs(numeric) <= tolerance
    closed = wrong & hand_zero & ~numeric_zero    # the hand-written mask blocks what should pass
    opened = wrong & ~hand_zero & numeric_zero    # ... lets through what should be blocked
    if not wrong.any() or (closed | opened).sum() != wrong.sum():
        return ""
    if closed.any() and opened.any():
        return (f"{name} is 0 exactly where the numeric gradient is not, and nonzero where it is 0: "
                "an inverted mask (x > 0 for x <= 0)?")
    if closed.any():
        return (f"{name} is 0 at {int(closed.sum())} elements where the numeric gradient is not: the mask "
                "blocks too much")
    return (f"{name} is nonzero at {int(opened.sum())} elements where the numeric gradient is 0: a mask "
            "(ReLU's x <= 0) is missing or too narrow")
