"""Small data sets that need no download."""

from __future__ import annotations

import numpy as np


def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = 0):
    """Two interleaving half circles in the plane, the classic toy classification set.

    Returns ``(X, y)``: X has shape (n_samples, 2); y is -1 for the upper moon
    and +1 for the lower one (the labels a max-margin loss wants). Gaussian
    noise of standard deviation `noise` is added to every coordinate.
    """
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    upper = np.linspace(0.0, np.pi, n_upper)
    lower = np.linspace(0.0, np.pi, n_lower)
    X = np.concatenate([
        np.stack([np.cos(upper), np.sin(upper)], axis=1),              # centred at (0, 0)
        np.stack([1.0 - np.cos(lower), 0.5 - np.sin(lower)], axis=1),  # centred at (1, 0.5)
    ])
    y = np.concatenate([-np.ones(n_upper), np.ones(n_lower)])
    X += rng.normal(scale=noise, size=X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]
