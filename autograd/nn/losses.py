"""Loss functions, for scalar models (lists of `Value`s) and tensor models alike.

Each takes predictions and targets and returns one number to minimise:
a `Value` when the predictions are Values (a list of them, one per sample),
a one-element `Tensor` when they are a Tensor. ``reduction="mean"``
averages over the samples, ``"sum"`` adds them up.

    mse_loss               mean of (prediction - target)^2
    cross_entropy          -log softmax(logits)[label], from integer labels or one-hot rows
    binary_cross_entropy   -(t log p + (1 - t) log(1 - p)), p a probability
    hinge_loss             relu(1 - y * score), y = +-1: micrograd's max-margin loss
"""

from __future__ import annotations

import numpy as np

from autograd.value import Value

REDUCTIONS = ("mean", "sum")
PROBABILITY_FLOOR = 1e-12  # binary_cross_entropy clips p into [floor, 1 - floor]: log(0) would be -inf


def _is_scalar_model(predictions) -> bool:
    return isinstance(predictions, Value) or isinstance(predictions, (list, tuple))


def _reduce(terms, reduction: str):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")
    if isinstance(terms, list):
        total = sum(terms[1:], terms[0])
        return total * (1.0 / len(terms)) if reduction == "mean" else total
    return terms.mean() if reduction == "mean" else terms.sum()


def _as_list(predictions) -> list:
    return [predictions] if isinstance(predictions, Value) else list(predictions)


def mse_loss(predictions, targets, reduction: str = "mean"):
    """Mean (or sum) of squared errors."""
    if _is_scalar_model(predictions):
        errors = [(p - t) ** 2 for p, t in zip(_as_list(predictions), np.ravel(targets).tolist(), strict=True)]
        return _reduce(errors, reduction)
    return _reduce((predictions - np.asarray(targets, dtype=predictions.dtype)) ** 2, reduction)


def hinge_loss(scores, labels, reduction: str = "mean"):
    """relu(1 - y * score) with labels y = +-1: zero once a sample is classified with a margin of 1."""
    if _is_scalar_model(scores):
        terms = [(1 - y * s).relu() for s, y in zip(_as_list(scores), np.ravel(labels).tolist(), strict=True)]
        return _reduce(terms, reduction)
    return _reduce((1 - scores * np.asarray(labels, dtype=scores.dtype)).relu(), reduction)


def binary_cross_entropy(probabilities, targets, reduction: str = "mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p (say, a sigmoid's output) and targets t in [0, 1]."""
    low, high = PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR
    if _is_scalar_model(probabilities):
        terms = []
        for p, t in zip(_as_list(probabilities), np.ravel(targets).tolist(), strict=True):
            p = p if low <= p.data <= high else Value(min(max(p.data, low), high))  # clipped: no gradient
            terms.append(-(t * p.log() + (1 - t) * (1 - p).log()))
        return _reduce(terms, reduction)
    t = np.asarray(targets, dtype=probabilities.dtype)
    p = probabilities.clip(low, high)
    return _reduce(-(t * p.log() + (1 - t) * (1 - p).log()), reduction)


def cross_entropy(logits, targets, reduction: str = "mean"):
    """Softmax cross-entropy: -log softmax(logits)[label], from integer labels or one-hot target rows.

    For a tensor model this is one fused, numerically stable primitive
    (`autograd.tensor.cross_entropy`); for a scalar model, `logits` is one
    list of class scores per sample, and log-softmax is built from Values
    with the largest score subtracted first.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")
    if isinstance(logits, (list, tuple)):
        targets = np.asarray(targets)
        rows = []
        for scores, target in zip(logits, targets, strict=True):
            largest = max(s.data for s in scores)
            log_sum = sum((s - largest).exp() for s in scores).log() + largest
            onehot = np.eye(len(scores))[target] if targets.dtype.kind in "iu" else target
            rows.append(sum((float(w) * (log_sum - s) for w, s in zip(onehot, scores) if w), Value(0.0)))
        return _reduce(rows, reduction)
    from autograd.tensor import cross_entropy as fused  # the tensor side of the house
    loss = fused(logits, targets)  # the mean over the samples
    return loss if reduction == "mean" else loss * float(np.prod(logits.shape[:-1]))
