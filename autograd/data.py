"""Data: small synthetic sets with a seed, the digits, MNIST from its files, and minibatches.

Everything here is plain numpy: X is an array of shape (n, features), y an
array of n labels or targets. None of it needs the network. `DataLoader`
also batches arrays of other libraries (torch on any device, Dask,
array-api-strict), in their library.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from autograd import array_library
from autograd.arguments import array, flag, integer, one_of, optional, real, shown
from autograd.arguments import path as checked_path

__all__ = ["make_moons", "make_spirals", "make_linear", "make_blobs", "load_digits", "read_idx", "load_mnist",
           "DataLoader", "MAX_SAMPLES", "MAX_NUMBERS", "MAX_CLASSES", "IDX_TYPES", "MNIST_FILES"]

# --- synthetic sets ---------------------------------------------------------------

MAX_SAMPLES = 1_000_000
"""The most points a synthetic set makes: plenty for any exercise, and a slip such as
``n_samples=10**30`` is refused at once rather than exhausting the memory."""
MAX_NUMBERS = 10_000_000  # the most numbers make_blobs puts in X: n_samples * n_features
MAX_CLASSES = 1_000  # make_spirals draws its arms one by one, in a Python loop


def _n_samples(n_samples) -> int:
    return integer("n_samples", n_samples, low=1, high=MAX_SAMPLES)


def _seed(seed) -> int | None:
    """A seed for `numpy.random.default_rng`: an integer >= 0, or None for a fresh one each time."""
    return optional(integer, "seed", seed, low=0)


def _interval(low_name: str, low, high_name: str, high) -> tuple[float, float]:
    """Two finite numbers low < high whose difference is finite too (numpy's uniform needs it)."""
    low, high = real(low_name, low), real(high_name, high)
    if not low < high:
        raise ValueError(f"{low_name} must be below {high_name}, got {low_name}={low!r} and {high_name}={high!r}")
    if not math.isfinite(high - low):
        raise ValueError(f"{high_name} - {low_name} must be a finite number, got {high!r} - {low!r}")
    return low, high



def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int | None = 0):
    """Two interleaving half circles in the plane, the classic toy classification set.

    Returns ``(X, y)``: X has shape (n_samples, 2); y is -1 for the upper moon
    and +1 for the lower one (the labels a max-margin loss wants). Gaussian
    noise of standard deviation `noise` is added to every coordinate.
    """
    n_samples, noise = _n_samples(n_samples), real("noise", noise, low=0)
    rng = np.random.default_rng(_seed(seed))
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
    Returns ``(X, y)`` with y the class index 0..n_classes-1; every arm gets
    a point at least, so n_classes <= n_samples (and at most 1,000).
    """
    n_samples, noise = _n_samples(n_samples), real("noise", noise, low=0)
    n_classes = integer("n_classes", n_classes, low=1, high=MAX_CLASSES)
    if n_classes > n_samples:
        raise ValueError(f"n_classes must be at most n_samples: {n_classes} arms need {n_classes} points or more, "
                         f"got n_samples={n_samples}")
    rng = np.random.default_rng(_seed(seed))
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
    n_samples, noise = _n_samples(n_samples), real("noise", noise, low=0)
    a, b = real("a", a), real("b", b)
    low, high = _interval("low", low, "high", high)
    rng = np.random.default_rng(_seed(seed))
    x = rng.uniform(low, high, size=n_samples)
    return x, a * x + b + rng.normal(scale=noise, size=n_samples)


def make_blobs(n_samples: int = 100, centers: int | np.ndarray = 3, std: float = 1.0, n_features: int = 2,
               box: tuple[float, float] = (-10.0, 10.0), seed: int | None = 0):
    """Gaussian clusters: `centers` random centres in `box` (or the given array of them), std `std` each.

    `centers` is a count (at most n_samples), or an array of shape (k, features)
    that sets the centres, and with them the number of features. Returns
    ``(X, y)`` with y the index of the cluster each point was drawn from.
    """
    n_samples, std = _n_samples(n_samples), real("std", std, low=0)
    n_features = integer("n_features", n_features, low=1, high=MAX_NUMBERS)
    if not isinstance(box, (tuple, list)):
        raise TypeError(f"box must be a pair (low, high), got {shown(box)}")
    if len(box) != 2:
        raise ValueError(f"box must be a pair (low, high), got {len(box)} numbers: {box!r}")
    box = _interval("box[0]", box[0], "box[1]", box[1])
    given = isinstance(centers, (np.ndarray, list, tuple))  # the centres themselves, not their count
    if given:
        centres = array("centers", centers, ndim=2, finite=True, nonempty=True).astype(np.float64)
        count, n_features = centres.shape
    else:
        count = integer("centers", centers, low=1)
    if count > n_samples:
        raise ValueError(f"centers must be at most n_samples ({n_samples}) clusters, got {count}")
    if n_samples * n_features > MAX_NUMBERS:
        raise ValueError(f"make_blobs makes at most {MAX_NUMBERS:,} numbers, but n_samples * n_features = "
                         f"{n_samples} * {n_features} = {n_samples * n_features:,}")
    rng = np.random.default_rng(_seed(seed))
    if not given:
        centres = rng.uniform(*box, size=(count, n_features))
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
    whose header or length does not add up raises ValueError naming it; one
    that cannot be read (missing, say) an OSError naming it.
    """
    path = checked_path("path", path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as bad:  # a bad header, a cut stream, corrupt deflate data
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
    directory = checked_path("path", path)
    split = one_of("split", split, MNIST_FILES)
    normalize, flatten = flag("normalize", normalize), flag("flatten", flatten)
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

    X and y may be arrays of another library (a torch tensor on its device,
    a Dask array, ...), both of the same one: the batches are then arrays of
    that library, picked with its own ``take`` (without shuffling, plain
    slices: a Dask array's batches read their chunks in order). The order is
    drawn with numpy either way, so a seed gives the same batches in every
    library. Their values are not checked (a Dask array would be computed).
    """

    def __init__(self, X, y, batch_size: int = 32, shuffle: bool = True, seed: int | None = None,
                 drop_last: bool = False):
        library = [array_library.namespace_or_none(v) not in (None, np) for v in (X, y)]
        if any(library):
            self.X, self.y = _of_library("X", X), _of_library("y", y)
            if type(self.X) is not type(self.y):
                array_library.check_one_library("DataLoader(X, y)", (self.X, self.y))
        else:
            self.X, self.y = array("X", X, nonempty=True), array("y", y, nonempty=True)
        for name, held in (("X", self.X), ("y", self.y)):
            if held.ndim == 0:
                raise ValueError(f"{name} must be an array of samples, one per row, got a single number: {held!r}")
        if self.X.shape[0] != self.y.shape[0]:
            raise ValueError(f"X and y differ in length: {self.X.shape[0]} and {self.y.shape[0]}")
        self.batch_size = integer("batch_size", batch_size, low=1)
        self.shuffle, self.drop_last = flag("shuffle", shuffle), flag("drop_last", drop_last)
        self.seed = _seed(seed)
        self.passes = 0

    def __len__(self) -> int:
        n = self.X.shape[0]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)  # (n / a huge int is 0.0)

    def __iter__(self):
        n = self.X.shape[0]
        if self.shuffle:
            seed = None if self.seed is None else (self.seed, self.passes)
            order = np.random.default_rng(seed).permutation(n)
        else:
            order = np.arange(n)
        self.passes += 1
        pick = _picker(self.X) if not isinstance(self.X, np.ndarray) else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            if pick is None:
                batch = order[start:start + self.batch_size]
                yield self.X[batch], self.y[batch]
            elif self.shuffle:
                batch = order[start:start + self.batch_size]
                yield pick(self.X, batch), pick(self.y, batch)
            else:
                stop = min(start + self.batch_size, n)  # (the standard leaves slices past the end unspecified)
                yield self.X[start:stop, ...], self.y[start:stop, ...]


def _of_library(name: str, values):
    """An array of a library other than numpy, as it is (lists and numpy arrays beside it are refused)."""
    xp = array_library.namespace_or_none(values)
    if xp is None or xp is np:
        raise TypeError(f"X and y must come from one array library; {name} is {shown(values)}")
    if array_library.size(values) == 0:
        raise ValueError(f"{name} is empty")
    return values


def _picker(array):
    """take(array, rows, axis=0) in the array's library, with the rows moved to its device."""
    xp = array_library.namespace(array)
    where = array_library.device(array)
    return lambda values, rows: xp.take(values, xp.asarray(rows, device=where), axis=0)
