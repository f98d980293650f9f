"""Module.save and Module.load: every bad file is a ValueError naming it, and nothing is half-loaded."""

import os
import random

import numpy as np
import pytest

from autograd import nn


def small_model(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(3, 4, rng=rng), nn.ReLU(), nn.Linear(4, 2, rng=rng))


def data_of(model):
    return [p.data.copy() for p in model.parameters()]


def unchanged(model, before):
    return all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before))


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.npz"
    small_model().save(path)
    return path


@pytest.mark.parametrize("contents", [
    pytest.param(lambda good: random.Random(0).randbytes(200), id="random bytes"),  # np.load: "allow_pickle"
    pytest.param(lambda good: b"", id="empty"),                     # EOFError, before
    pytest.param(lambda good: good[: len(good) // 2], id="truncated"),  # BadZipFile, before
    pytest.param(lambda good: good[:-1], id="one byte short"),
])
def test_a_file_that_is_not_a_saved_model_is_a_value_error_naming_it(saved, contents, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(contents(saved.read_bytes()))
    model = small_model(seed=1)
    before = data_of(model)
    with pytest.raises(ValueError, match="bad.npz is not a model file written by save") as raised:
        model.load(bad)
    assert "allow_pickle" not in str(raised.value)  # advice that must never be given
    assert unchanged(model, before)


def test_every_cut_of_a_saved_file_is_refused_with_a_value_error(saved, tmp_path):
    good, cut = saved.read_bytes(), tmp_path / "cut.npz"
    model = small_model(seed=1)
    for length in range(0, len(good), 7):
        cut.write_bytes(good[:length])
        with pytest.raises(ValueError, match="cut.npz"):
            model.load(cut)


@pytest.mark.parametrize("entries, message", [
    ({"x": np.array([object()], dtype=object)}, r"entry 'x' holds Python objects \(pickled data\), and load never"),
    ({"layers.0.weight": np.zeros((3, 4), dtype=complex)}, r"entry 'layers.0.weight' holds complex128 data"),
    ({"layers.0.weight": np.array(["a"] * 12).reshape(3, 4)}, r"entry 'layers.0.weight' holds <U1 data"),
])
def test_entries_that_are_not_numbers_are_refused_before_their_data_is_read(tmp_path, entries, message):
    path = tmp_path / "odd.npz"
    np.savez(path, **entries)
    with pytest.raises(ValueError, match=message) as raised:
        small_model().load(path)
    assert str(path) in str(raised.value) and "allow_pickle" not in str(raised.value)


def test_a_plain_npy_file_is_refused(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(3))  # np.load hands back an array here, and load used to crash on it
    with pytest.raises(ValueError, match="weights.npy is not a model file"):
        small_model().load(path)


def test_load_checks_every_entry_before_changing_any_parameter(tmp_path):
    state = small_model(seed=2).state_dict()
    state["layers.2.bias"] = np.array([0.0, np.nan])  # the last entry: all the others would be loaded first
    path = tmp_path / "diverged.npz"
    np.savez(path, **state)
    model = small_model(seed=1)
    before = data_of(model)
    with pytest.raises(ValueError, match=r"diverged.npz entry 'layers.2.bias' holds nan or inf"):
        model.load(path)
    assert unchanged(model, before)
    np.savez(path, **{**small_model(seed=2).state_dict(), "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"diverged.npz does not fit Sequential: missing nothing, unexpected"):
        model.load(path)
    assert unchanged(model, before)


def test_load_state_dict_refuses_entries_that_are_not_numbers():
    model = small_model()
    state = {**model.state_dict(), "layers.0.bias": "zeros"}
    with pytest.raises(TypeError, match="state dict entry 'layers.0.bias' must be an array of numbers"):
        model.load_state_dict(state)
    with pytest.raises(TypeError, match="state must be a dict of arrays"):
        model.load_state_dict([1, 2])


def test_paths_are_checked_and_file_system_errors_name_the_path_given(tmp_path):
    model = small_model()
    with pytest.raises(TypeError, match="path must be a path"):
        model.load(None)
    with pytest.raises(TypeError, match="path must be a path"):
        model.save(3)
    with pytest.raises(FileNotFoundError) as missing:
        model.load(tmp_path / "missing.npz")
    assert missing.value.filename == str(tmp_path / "missing.npz")
    target = tmp_path / "no such folder" / "model.npz"
    with pytest.raises(FileNotFoundError) as no_folder:
        model.save(target)
    assert no_folder.value.filename == str(target)  # not the temporary file we would have written first
    with pytest.raises(IsADirectoryError) as folder:
        model.save(tmp_path)
    assert folder.value.filename == str(tmp_path)
    assert sorted(f.name for f in tmp_path.iterdir()) == []  # no temporary file left behind


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_saved_file_gets_the_mode_open_would_give_it(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        small_model().save(tmp_path / "model.npz")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "model.npz").st_mode & 0o777 == mode
