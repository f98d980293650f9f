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

from autograd import array_library
from autograd.arguments import array, one_of, shown
from autograd.tensor import Tensor
from autograd.tensor import cross_entropy as tensor_cross_entropy
from autograd.value import Value

__all__ = ["mse_loss", "cross_entropy", "binary_cross_entropy", "hinge_loss", "REDUCTIONS", "PROBABILITY_FLOOR"]

REDUCTIONS = ("mean", "sum")
PROBABILITY_FLOOR = 1e-12  # binary_cross_entropy clips p into [floor, 1 - floor]: log(0) would be -inf


def _checked(loss: str, predictions, targets, reduction: str):
    """Both sides of a loss, checked once: ``(list of Values, 1-D targets)`` or ``(Tensor, targets of its shape)``.

    The sides must pair up exactly. For Tensors that means the same shape:
    numpy would broadcast (n, 1) predictions against (n,) targets into an
    (n, n) table, and the loss would be a wrong number rather than an error.
    """
    one_of("reduction", reduction, REDUCTIONS)
    if isinstance(predictions, Tensor) and not array_library.is_numpy(predictions.data):
        return _checked_in_library(loss, predictions, targets)
    targets = array("targets", targets.data if isinstance(targets, Tensor) else targets, finite=True)
    if isinstance(predictions, Tensor):
        if predictions.size == 0:
            raise ValueError(f"{loss}: predictions is empty, shape {predictions.shape}")
        if targets.shape != predictions.shape:
            raise ValueError(f"{loss}: predictions of shape {predictions.shape} and targets of shape "
                             f"{targets.shape} differ; they must match")
        return predictions, targets.astype(predictions.dtype)
    if not isinstance(predictions, (Value, list, tuple)):
        raise TypeError(f"{loss}: predictions must be a Tensor, a Value or a list of Values, got {shown(predictions)}")
    items = [predictions] if isinstance(predictions, Value) else list(predictions)
    if not items:
        raise ValueError(f"{loss}: predictions is empty")
    for i, p in enumerate(items):
        if not isinstance(p, Value):
            raise TypeError(f"{loss}: predictions[{i}] must be a Value, got {shown(p)}")
    if targets.size != len(items):
        raise ValueError(f"{loss}: {len(items)} predictions but {targets.size} targets; they must pair up")
    return items, targets.ravel()


def _checked_in_library(loss: str, predictions: Tensor, targets):
    """`_checked` for predictions held by another library (torch, Dask, ...): the targets must be arrays of
    that library too (a list is turned into one), of the predictions' shape; they come back as a constant
    Tensor of the predictions' dtype. The values are checked (finite) on the host, except a Dask array's,
    which would have to be computed for it."""
    data = predictions.data
    targets = targets.data if isinstance(targets, Tensor) else targets
    if isinstance(targets, (list, tuple, int, float)):
        targets = array_library.asarray_like(array("targets", targets, finite=True), data)
    if array_library.namespace_or_none(targets) is None:
        raise TypeError(f"{loss}: targets must be an array of the predictions' library "
                        f"({array_library.library_name(data)}), got {shown(targets)}")
    if type(targets) is not type(data):
        array_library.check_one_library(loss, (data, targets))
    if predictions.size == 0:
        raise ValueError(f"{loss}: predictions is empty, shape {predictions.shape}")
    if tuple(targets.shape) != tuple(predictions.shape):
        raise ValueError(f"{loss}: predictions of shape {tuple(predictions.shape)} and targets of shape "
                         f"{tuple(targets.shape)} differ; they must match")
    if not _lazy(targets):
        array("targets", array_library.to_numpy(targets), finite=True)
    return predictions, Tensor(array_library.astype(targets, data.dtype))


def _lazy(x) -> bool:
    """A Dask array (or a Tensor of one): its values are not there until computed."""
    return type(getattr(x, "data", x)).__module__.startswith("dask")


def _on_host(x) -> np.ndarray | None:
    """The values of a Tensor's (or an array's) data as numpy, for a check; None for a lazy array (not checked)."""
    data = x.data if isinstance(x, Tensor) else x
    if isinstance(data, np.ndarray):
        return data
    return None if _lazy(data) else array_library.to_numpy(data)


def _reduce(terms, reduction: str):
    if isinstance(terms, list):
        total = sum(terms[1:], terms[0])
        return total * (1.0 / len(terms)) if reduction == "mean" else total
    return terms.mean() if reduction == "mean" else terms.sum()


def _refuse(loss: str, what: str, numbers: np.ndarray, wrong: np.ndarray, accepted: str) -> None:
    """A ValueError showing the first of `numbers` where `wrong` holds, if there is one."""
    if wrong.any():
        raise ValueError(f"{loss}: {what} must be {accepted}, got {numbers[wrong].flat[0].item()!r}")


def mse_loss(predictions, targets, reduction: str = "mean"):
    """Mean (or sum) of squared errors."""
    predictions, targets = _checked("mse_loss", predictions, targets, reduction)
    if isinstance(predictions, list):
        return _reduce([(p - t) ** 2 for p, t in zip(predictions, targets.tolist())], reduction)
    return _reduce((predictions - targets) ** 2, reduction)


def hinge_loss(scores, labels, reduction: str = "mean"):
    """relu(1 - y * score) with labels y = +-1: zero once a sample is classified with a margin of 1."""
    scores, labels = _checked("hinge_loss", scores, labels, reduction)
    # 0/1 labels would quietly train a different, wrong loss
    host = _on_host(labels)
    if host is not None:
        _refuse("hinge_loss", "labels", host, ~np.isin(host, (-1, 1)), "-1 or +1")
    if isinstance(scores, list):
        return _reduce([(1 - y * s).relu() for s, y in zip(scores, labels.tolist())], reduction)
    return _reduce((1 - scores * labels).relu(), reduction)


def binary_cross_entropy(probabilities, targets, reduction: str = "mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities p (say, a sigmoid's output) and targets t in [0, 1]."""
    probabilities, targets = _checked("binary_cross_entropy", probabilities, targets, reduction)
    scalar = isinstance(probabilities, list)
    p_data = np.array([p.data for p in probabilities]) if scalar else _on_host(probabilities)
    t_data = _on_host(targets)
    if t_data is not None:
        _refuse("binary_cross_entropy", "targets", t_data, (t_data < 0) | (t_data > 1), "in [0, 1]")
    if p_data is not None:
        _refuse("binary_cross_entropy", "probabilities", p_data, (p_data < 0) | (p_data > 1), "in [0, 1]")
    low, high = PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR
    if scalar:
        terms = []
        for p, t in zip(probabilities, targets.tolist()):
            p = p if low <= p.data <= high else Value(min(max(p.data, low), high))  # clipped: no gradient
            terms.append(-(t * p.log() + (1 - t) * (1 - p).log()))
        return _reduce(terms, reduction)
    p = probabilities.clip(low, high)
    return _reduce(-(targets * p.log() + (1 - targets) * (1 - p).log()), reduction)


def cross_entropy(logits, targets, reduction: str = "mean"):
    """Softmax cross-entropy: -log softmax(logits)[label], from integer labels or one-hot target rows.

    For a tensor model this is `autograd.tensor.cross_entropy`, the one
    cross-entropy of tensors (one fused, numerically stable primitive, which
    checks the targets). For a scalar model, `logits` is one list of class
    scores per sample, and log-softmax is built from Values with the largest
    score subtracted first: the scalar engine records every step.
    """
    one_of("reduction", reduction, REDUCTIONS)
    if isinstance(logits, (list, tuple)):
        rows, targets = _scalar_logits(logits, targets)
        losses = []
        for scores, target in zip(rows, targets):
            largest = max(s.data for s in scores)
            log_sum = sum((s - largest).exp() for s in scores).log() + largest
            onehot = np.eye(len(scores))[target] if targets.dtype.kind in "iu" else target
            losses.append(sum((float(w) * (log_sum - s) for w, s in zip(onehot, scores) if w), Value(0.0)))
        return _reduce(losses, reduction)
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy: logits must be a Tensor or a list of lists of Values, got {shown(logits)}")
    return tensor_cross_entropy(logits, targets, reduction)


def _scalar_logits(logits, targets) -> tuple[list[list[Value]], np.ndarray]:
    """The scalar side of cross_entropy: n rows of C Values each; n labels in [0, C) or n rows of C weights."""
    rows = []
    for i, row in enumerate(logits):
        if not isinstance(row, (list, tuple)) or not all(isinstance(s, Value) for s in row):
            raise TypeError(f"cross_entropy: logits[{i}] must be a list of Values (one per class), got {shown(row)}")
        rows.append(list(row))
    if not rows or not rows[0]:
        raise ValueError("cross_entropy: logits must hold at least one sample of at least one class score")
    classes = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != classes:
            raise ValueError(f"cross_entropy: every row of logits needs {classes} scores (as logits[0]); "
                             f"logits[{i}] has {len(row)}")
    targets = array("targets", targets.data if isinstance(targets, Tensor) else targets, finite=True)
    if targets.dtype.kind in "iu":
        if targets.shape != (len(rows),):
            raise ValueError(f"cross_entropy: {len(rows)} rows of logits need {len(rows)} integer labels, "
                             f"got targets of shape {targets.shape}")
        if targets.min() < 0 or targets.max() >= classes:
            raise ValueError(f"cross_entropy: labels must lie in [0, {classes}), got "
                             f"{targets[(targets < 0) | (targets >= classes)][0]}")
    elif targets.dtype.kind == "f":
        if targets.shape != (len(rows), classes):
            raise ValueError(f"cross_entropy: one-hot targets must have the logits' shape ({len(rows)}, {classes}), "
                             f"got {targets.shape}")
    else:
        raise TypeError(f"cross_entropy: targets must be integer labels or float one-hot rows, "
                        f"not an array of {targets.dtype}")
    return rows, targets
