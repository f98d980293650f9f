"""Data sets, the IDX reader and DataLoader."""

import gzip
import struct

import numpy as np
import pytest

from autograd import data


def test_synthetic_sets_are_seeded_and_shaped():
    for make in (data.make_moons, data.make_spirals, data.make_linear, data.make_blobs):
        first, again, other = make(seed=1), make(seed=1), make(seed=2)
        assert all(np.array_equal(a, b) for a, b in zip(first, again))
        assert not np.array_equal(first[0], other[0])
    X, y = data.make_spirals(300, n_classes=3)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    assert np.abs(X).max() <= 1.0 + 1e-12  # radius at most 1
    X, y = data.make_blobs(90, centers=np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]]), std=0.5)
    for k, centre in enumerate([[0, 0], [10, 10], [-10, 5]]):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centre, atol=0.3)


def test_make_linear_is_the_documents_regression_line():
    x, y = data.make_linear(2000, a=0.3, b=1.5, noise=0.1)
    a, b = np.polyfit(x, y, 1)
    assert a == pytest.approx(0.3, abs=0.01) and b == pytest.approx(1.5, abs=0.02)
    assert x.min() >= 0.0 and x.max() < 10.0


def test_load_digits():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,) and set(y.tolist()) == set(range(10))
    assert X.min() == 0 and X.max() == 16


def test_load_digits_without_scikit_learn_names_the_extra(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"\[digits\]"):
        data.load_digits()


def write_idx(path, array, type_byte=0x08, compress=False):
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(np.uint8 if type_byte == 0x08 else ">i4").tobytes()
    path.write_bytes(gzip.compress(payload) if compress else payload)


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_idx_files(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, compress=compress)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, compress=compress)
    X, y = data.load_mnist(tmp_path, split="test")
    assert X.shape == (5, 784) and X.dtype == np.float32 and y.tolist() == [3, 1, 4, 1, 5]
    np.testing.assert_array_equal(X[2], images[2].reshape(-1) / np.float32(255))
    raw, _ = data.load_mnist(tmp_path, split="test", normalize=False, flatten=False)
    np.testing.assert_array_equal(raw, images)


def test_corrupt_and_truncated_idx_files_raise_clear_errors(tmp_path):
    good = np.arange(12, dtype=np.uint8).reshape(3, 4)
    write_idx(tmp_path / "good", good)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "good"), good)
    raw = (tmp_path / "good").read_bytes()
    cases = {
        "short": raw[:-1],                     # a byte missing from the data
        "header": raw[:6],                     # cut inside the header
        "magic": b"\x01" + raw[1:],            # not an IDX file
        "gzip": b"\x1f\x8b" + b"garbage",      # a broken gzip stream
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=name):
            data.read_idx(tmp_path / name)
    with pytest.raises(FileNotFoundError, match="train-images"):
        data.load_mnist(tmp_path)


def test_dataloader_batches_cover_the_data_once_per_pass():
    X, y = np.arange(10).reshape(10, 1), np.arange(10)
    loader = data.DataLoader(X, y, batch_size=4, seed=0)
    assert len(loader) == 3
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == list(range(10))
    assert all(np.array_equal(bx[:, 0], by) for bx, by in batches)  # X and y stay paired
    assert [len(b[1]) for b in data.DataLoader(X, y, batch_size=4, drop_last=True)] == [4, 4]
    assert [b[1].tolist() for b in data.DataLoader(X, y, batch_size=5, shuffle=False)] == [
        [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_dataloader_with_a_seed_repeats_its_batches():
    X, y = np.arange(20).reshape(20, 1), np.arange(20)
    one, two = data.DataLoader(X, y, 6, seed=7), data.DataLoader(X, y, 6, seed=7)
    first_passes = [[b.tolist() for _, b in one] for _ in range(3)]
    assert first_passes == [[b.tolist() for _, b in two] for _ in range(3)]
    assert first_passes[0] != first_passes[1]  # a new order on every pass, the same for the same seed
    with pytest.raises(ValueError, match="differ in length"):
        data.DataLoader(X, y[:5])


# --- bad input gets a clear, named error (issue 12) ---------------------------------------

@pytest.mark.parametrize("make, options, error, message", [
    (data.make_moons, {"n_samples": -5}, ValueError, r"n_samples must be an integer >= 1 .* got -5"),
    (data.make_moons, {"n_samples": 2.5}, TypeError, r"n_samples must be an integer, got 2.5"),
    (data.make_moons, {"n_samples": 10**30}, ValueError, r"n_samples must be an integer >= 1 and <= 1e\+06"),
    (data.make_moons, {"noise": -1.0}, ValueError, r"noise must be a finite number >= 0"),
    (data.make_moons, {"seed": -1}, ValueError, r"seed must be an integer >= 0"),
    (data.make_moons, {"seed": 1.5}, TypeError, r"seed must be an integer"),
    (data.make_spirals, {"n_classes": 0}, ValueError, r"n_classes must be an integer >= 1"),
    (data.make_spirals, {"n_samples": 2, "n_classes": 3}, ValueError, r"n_classes must be at most n_samples"),
    (data.make_spirals, {"noise": float("nan")}, ValueError, r"noise must be a finite number"),
    (data.make_linear, {"low": -1e308, "high": 1e308}, ValueError, r"high - low must be a finite number"),
    (data.make_linear, {"low": 3.0, "high": 1.0}, ValueError, r"low must be below high"),
    (data.make_linear, {"a": float("inf")}, ValueError, r"a must be a finite number"),
    (data.make_linear, {"n_samples": "100"}, TypeError, r"n_samples must be an integer, got '100'"),
    (data.make_blobs, {"centers": 0}, ValueError, r"centers must be an integer >= 1"),
    (data.make_blobs, {"n_samples": 5, "centers": 10}, ValueError, r"centers must be at most n_samples \(5\)"),
    (data.make_blobs, {"centers": [1.0, 2.0]}, ValueError, r"centers must have 2 dimension"),
    (data.make_blobs, {"n_features": 0}, ValueError, r"n_features must be an integer >= 1"),
    (data.make_blobs, {"n_samples": 10**6, "n_features": 100}, ValueError, r"make_blobs makes at most 10,000,000"),
    (data.make_blobs, {"std": -1.0}, ValueError, r"std must be a finite number >= 0"),
    (data.make_blobs, {"box": (1.0, 1.0)}, ValueError, r"box\[0\] must be below box\[1\]"),
    (data.make_blobs, {"box": 10.0}, TypeError, r"box must be a pair"),
])
def test_synthetic_sets_check_their_arguments(make, options, error, message):
    with pytest.raises(error, match=message):
        make(**options)


X4, y4 = np.arange(8.0).reshape(4, 2), np.arange(4)


@pytest.mark.parametrize("args, options, error, message", [
    ((X4, y4), {"batch_size": 2.5}, TypeError, r"batch_size must be an integer, got 2.5"),
    ((X4, y4), {"batch_size": 0}, ValueError, r"batch_size must be an integer >= 1, got 0"),
    ((X4, y4), {"shuffle": "no"}, TypeError, r"shuffle must be True or False"),
    ((X4, y4), {"drop_last": None}, TypeError, r"drop_last must be True or False"),
    ((X4, y4), {"seed": 1.5}, TypeError, r"seed must be an integer"),
    ((X4, y4), {"seed": -1}, ValueError, r"seed must be an integer >= 0"),
    ((np.ones((0, 2)), np.ones(0)), {}, ValueError, r"X must not be empty"),
    ((3.0, 3.0), {}, ValueError, r"X must be an array of samples"),
    ((["a", "b"], [1, 2]), {}, TypeError, r"X must be an array of numbers"),
    ((X4, None), {}, TypeError, r"y must be an array of numbers"),
])
def test_dataloader_checks_its_arguments_when_made_not_when_iterated(args, options, error, message):
    with pytest.raises(error, match=message):
        data.DataLoader(*args, **options)


def test_a_batch_larger_than_the_data_is_one_batch_however_large():
    loader = data.DataLoader(X4, y4, batch_size=10**400)  # n / 10**400 is 0.0 in floating point
    assert len(loader) == 1 and [len(b) for b, _ in loader] == [4]


def test_reading_files_checks_paths_and_reports_corrupt_gzip_as_a_value_error(tmp_path):
    broken = tmp_path / "broken"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + bytes(6) + b"not deflate data")  # zlib.error, before
    with pytest.raises(ValueError, match="broken: not a readable gzip file"):
        data.read_idx(broken)
    with pytest.raises(TypeError, match="path must be a path"):
        data.read_idx(None)
    with pytest.raises(ValueError, match="path must be a non-empty path"):
        data.read_idx("")
    with pytest.raises(FileNotFoundError, match="missing"):
        data.read_idx(tmp_path / "missing")
    with pytest.raises(TypeError, match="normalize must be True or False"):
        data.load_mnist(tmp_path, normalize=1)
    with pytest.raises(ValueError, match="split must be one of 'train', 'test'"):
        data.load_mnist(tmp_path, split="validation")
