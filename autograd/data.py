"""Data: small synthetic sets with a seed, the digits, MNIST from its files, and minibatches.

Everything here is plain numpy: X is an array of shape (n, features), y an
array of n labels or targets. None of it needs the network.
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np

# --- synthetic sets ---------------------------------------------------------------


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


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int | None = 0):
    """Interleaved spiral arms, one per class: not separable by any straight line.

    Arm k runs from the centre outwards, its angle turning with the radius r
    in [0, 1]: theta = 4 r + 2 pi k / n_classes, plus noise on the angle.
    Returns ``(X, y)`` with y the class index 0..n_classes-1.
    """
    rng = np.random.default_rng(seed)
    per_class = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    X, y = [], []
    for k, n in enumerate(per_class):
        r = np.linspace(0.0, 1.0, n)
        theta = 4.0 * r + 2 * np.pi * k / n_classes + rng.normal(scale=noise, size=n)
        X.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        y.append(np.full(n, k))
    X, y = np.concatenate(X), np.concatenate(y)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_linear(n_samples: int = 100, a: float = 0.3, b: float = 1.5, noise: float = 0.1,
                low: float = 0.0, high: float = 10.0, seed: int | None = 0):
    """The source documents' regression example: y = a x + b + noise, x uniform in [low, high).

    Returns ``(x, y)``, both of shape (n_samples,).
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, high, size=n_samples)
    return x, a * x + b + rng.normal(scale=noise, size=n_samples)


def make_blobs(n_samples: int = 100, centers: int | np.ndarray = 3, std: float = 1.0, n_features: int = 2,
               box: tuple[float, float] = (-10.0, 10.0), seed: int | None = 0):
    """Gaussian clusters: `centers` random centres in `box` (or the given array of them), std `std` each.

    Returns ``(X, y)`` with y the index of the cluster each point was drawn from.
    """
    rng = np.random.default_rng(seed)
    centres = np.asarray(centers, dtype=float) if np.ndim(centers) else rng.uniform(*box, size=(centers, n_features))
    y = np.arange(n_samples) % len(centres)
    X = centres[y] + rng.normal(scale=std, size=(n_samples, centres.shape[1]))
    order = rng.permutation(n_samples)
    return X[order], y[order]


# --- real data ------------------------------------------------------------------------

def load_digits():
    """The 8x8 handwritten digits (1,797 images, 10 classes), as ``(X, y)``.

    X has shape (1797, 64), pixel values 0..16; y the digit. They ship inside
    scikit-learn, so no network is needed; install it with the ``digits``
    extra (``pip install -e .[digits]``).
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as missing:
        raise ImportError("load_digits() reads the digits that ship with scikit-learn, which is not installed: "
                          "pip install 'autograd-scalar[digits]' (or pip install scikit-learn)") from missing
    digits = sklearn_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64)


IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def read_idx(path: str | Path) -> np.ndarray:
    """One IDX file (MNIST's format), gzipped or not, as an array of the shape its header gives.

    The header is two zero bytes, a type byte, the number of dimensions, then
    each dimension as a big-endian 32-bit integer; the data follow. A file
    whose header or length does not add up raises ValueError naming it.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as bad:
            raise ValueError(f"{path}: not a readable gzip file ({bad})") from bad
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (it should start with 00 00, a type byte and a rank)")
    rank = raw[3]
    header = 4 + 4 * rank
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes for a rank-{rank} IDX file)")
    shape = struct.unpack(f">{rank}I", raw[4:header])
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: {len(raw)} bytes, but its header promises {expected} for shape {shape}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _find(directory: Path, name: str) -> Path:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name}(.gz) not found in {directory}")


def load_mnist(path: str | Path, split: str = "train", normalize: bool = True, flatten: bool = True):
    """MNIST from the original IDX files in the directory `path` (gzipped or not), as ``(X, y)``.

    split      "train" (60,000 images) or "test" (10,000)
    normalize  pixels as float32 in [0, 1] rather than uint8 0..255
    flatten    X of shape (n, 784) rather than (n, 28, 28)
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be one of {sorted(MNIST_FILES)}, not {split!r}")
    directory = Path(path)
    images_file, labels_file = (_find(directory, name) for name in MNIST_FILES[split])
    images, labels = read_idx(images_file), read_idx(labels_file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{images_file} and {labels_file} do not match: {images.shape} images, "
                         f"{labels.shape} labels")
    X = images.reshape(len(images), -1) if flatten else images
    X = X.astype(np.float32) / 255.0 if normalize else X.copy()
    return X, labels.astype(np.int64)


# --- minibatches -----------------------------------------------------------------------

class DataLoader:
    """Minibatches of (X, y), shuffled anew on each pass.

        for X_batch, y_batch in DataLoader(X, y, batch_size=32, seed=0):
            ...

    With a seed, iterating again gives the same sequence of batches as a new
    loader with that seed would (pass k of one loader equals pass k of
    another); ``drop_last`` leaves out a final batch smaller than batch_size.
    """

    def __init__(self, X, y, batch_size: int = 32, shuffle: bool = True, seed: int | None = None,
                 drop_last: bool = False):
        self.X, self.y = np.asarray(X), np.asarray(y)
        if len(self.X) != len(self.y):
            raise ValueError(f"X and y differ in length: {len(self.X)} and {len(self.y)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.batch_size, self.shuffle, self.seed, self.drop_last = batch_size, shuffle, seed, drop_last
        self.passes = 0

    def __len__(self) -> int:
        n = len(self.X)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        if self.shuffle:
            seed = None if self.seed is None else (self.seed, self.passes)
            order = np.random.default_rng(seed).permutation(n)
        else:
            order = np.arange(n)
        self.passes += 1
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = order[start:start + self.batch_size]
            yield self.X[batch], self.y[batch]
