"""Tensor on other array libraries: every row of the tensor table, and a training step, against numpy.

Each library is checked the same way: the same numbers go in as numpy
arrays and as arrays of the library; the values and the gradients that come
out must be arrays of that library and equal numpy's to float rounding.

    array_api_strict   the standard's minimal implementation: anything the table uses
                       beyond the standard fails here
    torch              PyTorch tensors on the CPU (torch 2.13.0 CPU is on this machine)
    dask               Dask arrays, in several chunks, lazily: nothing is computed until read

Then what surrounds the table: mixing libraries is a TypeError naming both,
numbers and lists join a tensor's library, `nn.Module.to`, where optimizer
state lives, `DataLoader` batches, and Dask staying lazy until it is read.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import array_api_strict
import dask.array as da
import numpy as np
import pytest
import torch

from autograd import Tensor, array_library, nn, optim, tensor_ops
from autograd.data import DataLoader
from autograd.tensor import affine, concatenate, cross_entropy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import gpu_check  # noqa: E402

LIBRARIES = {
    "array_api_strict": (array_api_strict.asarray, type(array_api_strict.asarray(0.0))),
    "torch": (torch.asarray, torch.Tensor),
    # three chunks along the first axis where there is one: the reductions must combine chunks
    "dask": (lambda a: da.from_array(a, chunks=tuple(max(1, -(-n // 3)) for n in a.shape) or ()), da.Array),
}
RTOL, ATOL = 1e-10, 1e-12


def to_library(name: str, array):
    """The numpy array as an array of `name` (integer and boolean arrays too: labels, masks)."""
    return LIBRARIES[name][0](np.array(array))


def as_numpy(x) -> np.ndarray:
    return array_library.to_numpy(x)


def rng_array(shape, low=-2.0, high=2.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape)


# --- every row of the table: (input shapes, the function through the public API) --------------------------
# The one table of cases, benchmarks/gpu_check.py's, which checks the same rows on a GPU without pytest.

POSITIVE = gpu_check.POSITIVE
CASES = gpu_check.ROWS
MORE_CASES = {  # other shapes and arguments of the same rows
    "power 2": ([(3, 2)], lambda x: x ** 2),
    "power -1.5": ([((3, 2), POSITIVE)], lambda x: x ** -1.5),
    "matmul 1-D left": ([(4,), (4, 2)], lambda a, b: a @ b),
    "matmul 1-D right": ([(3, 4), (4,)], lambda a, b: a @ b),
    "matmul stacked": ([(2, 3, 4), (4, 2)], lambda a, b: a @ b),
    "sum all": ([(3, 4)], lambda x: x.sum()),
    "sum axes": ([(2, 3, 4)], lambda x: x.sum(axis=(0, 2), keepdims=True)),
    "mean all": ([(2, 3)], lambda x: x.mean()),
    "max all": ([(3, 4)], lambda x: x.max()),
    "transpose T": ([(3, 4)], lambda x: x.T),
    "clip below": ([(4, 3)], lambda x: x.clip(low=0.2)),
    "add a number": ([(2, 3)], lambda x: 2.5 - x * 3),
    "add a list": ([(2, 3)], lambda x: x + [1.0, 2.0, 3.0]),
    "broadcast both ways": ([(3, 1), (4,)], lambda a, b: a * b + a / 2),
}
INDICES = {  # getitem: basic and advanced indices, with numpy's meaning on every library
    "int": 2,
    "negative int": -1,
    "slice": slice(0, 3),
    "negative step": slice(None, None, -1),
    "int and slice": (1, slice(None, None, -2)),
    "ellipsis": (Ellipsis, 1),
    "new axis": (slice(None), None),
    "integer array with repeats": np.array([0, 2, 0, 3]),
    "two integer arrays": (np.array([0, 1, 1]), np.array([2, 0, 2])),
    "mask": "mask",
}


def run(name, f, arrays, extra=()):
    """f on Tensors of `arrays` in library `name` (numpy: as they are); the output and every gradient, as numpy."""
    convert = (lambda a: a) if name == "numpy" else (lambda a: to_library(name, a))
    tensors = [Tensor(convert(a), requires_grad=True) for a in arrays]
    out = f(*tensors, *extra)
    v = rng_array(out.shape, seed=99)
    out.backward(convert(v))
    for t in tensors:
        if name != "numpy":
            assert isinstance(t.grad, LIBRARIES[name][1]), (name, type(t.grad))
        assert tuple(t.grad.shape) == tuple(t.shape) and t.grad.dtype == t.data.dtype
    if name != "numpy":
        assert isinstance(out.data, LIBRARIES[name][1])
    return as_numpy(out.data), [as_numpy(t.grad) for t in tensors]


def same_as_numpy(library, f, arrays, extra_numpy=(), extra_library=()):
    expected, expected_grads = run("numpy", f, arrays, extra_numpy)
    got, grads = run(library, f, arrays, extra_library)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)
    for g, e in zip(grads, expected_grads):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def test_the_cases_cover_the_table():
    assert set(CASES) == set(tensor_ops.TENSOR_PRIMITIVES)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("case", [c for c in {**CASES, **MORE_CASES} if c != "cross_entropy"])
def test_each_row_forward_and_vjp_as_numpy(library, case):
    specs, f = {**CASES, **MORE_CASES}[case]
    arrays = gpu_check.inputs_of(specs)
    same_as_numpy(library, f, arrays)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("kind", ["labels", "one-hot", "sum"])
def test_cross_entropy_as_numpy(library, kind):
    logits = rng_array((6, 4))
    labels = np.array([0, 3, 1, 1, 2, 0])
    targets = np.eye(4)[labels] if kind == "one-hot" else labels
    reduction = "sum" if kind == "sum" else "mean"
    f = lambda x, t: cross_entropy(x, t, reduction)  # noqa: E731
    same_as_numpy(library, f, [logits], (targets,), (to_library(library, targets),))


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("index", INDICES)
def test_getitem_as_numpy(library, index):
    x = rng_array((4, 3))
    chosen = INDICES[index]
    if isinstance(chosen, str):  # a boolean mask of x's shape, given in the tensor's own library
        mask = x > 0
        same_as_numpy(library, lambda t, m: t[m], [x], (mask,), (to_library(library, mask),))
    else:
        same_as_numpy(library, lambda t: t[chosen] * 1.5, [x])


@pytest.mark.parametrize("library", LIBRARIES)
def test_float32_stays_float32(library):
    x = Tensor(to_library(library, rng_array((3, 4)).astype(np.float32)), requires_grad=True)
    y = ((x * 2).tanh() @ Tensor(to_library(library, rng_array((4, 2)).astype(np.float32)))).sum()
    y.backward()
    assert array_library.kind(y.dtype) == "f" and y.dtype == x.dtype and x.grad.dtype == x.data.dtype
    assert str(x.dtype).endswith("float32")


# --- mixing libraries ------------------------------------------------------------------------------

@pytest.mark.parametrize("library", LIBRARIES)
def test_mixing_libraries_is_a_type_error_naming_both(library):
    ours = Tensor(to_library(library, rng_array((2, 3))), requires_grad=True)
    theirs = Tensor(rng_array((2, 3)))
    shown = array_library.library_name(ours.data)
    W = Tensor(rng_array((3, 2)))
    for attempt in (lambda: ours + theirs, lambda: theirs * ours, lambda: ours + rng_array((2, 3)),
                    lambda: concatenate([ours, theirs]), lambda: affine(theirs, W, ours[0, :2])):
        with pytest.raises(TypeError, match=rf"mixes arrays of .*(numpy and {shown}|{shown} and numpy)"):
            attempt()


def test_mixing_two_libraries_other_than_numpy():
    a = Tensor(torch.asarray(rng_array((2,))))
    b = Tensor(array_api_strict.asarray(rng_array((2,))))
    with pytest.raises(TypeError, match="array_api_strict and torch"):
        a - b


@pytest.mark.parametrize("library", LIBRARIES)
def test_numbers_and_lists_join_the_tensor_s_library(library):
    x = Tensor(to_library(library, rng_array((3,)).astype(np.float32)))
    for y in (x + 2, 2 * x, x - [1, 2, 3], 1.5 ** x):
        assert isinstance(y.data, LIBRARIES[library][1])
    assert (x * 2.0).dtype == x.dtype  # a number takes the tensor's dtype, as on numpy
    assert array_library.library_name((x + [1.0, 2.0, 3.0]).data) == array_library.library_name(x.data)


# --- a training step: nn, optim --------------------------------------------------------------------

def make_model():
    nn.init.seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def target(library):
    return {"array_api_strict": array_api_strict, "torch": torch, "dask": da}[library]


def train(model, X, y, optimizer, steps=2):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("make_optimizer", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                            lambda ps: optim.Adam(ps, lr=0.01)], ids=["SGD", "Adam"])
def test_an_mlp_trains_as_on_numpy(library, make_optimizer):
    X, y = rng_array((10, 6)), np.random.default_rng(1).integers(0, 3, 10)
    reference = make_model()
    expected = train(reference, Tensor(X), y, make_optimizer(reference.parameters()))
    model = make_model().to(target(library))
    optimizer = make_optimizer(model.parameters())
    losses = train(model, Tensor(to_library(library, X)), to_library(library, y), optimizer)
    np.testing.assert_allclose(losses, expected, rtol=RTOL)
    for p, q in zip(model.parameters(), reference.parameters()):
        assert isinstance(p.data, LIBRARIES[library][1]) and isinstance(p.grad, LIBRARIES[library][1])
        np.testing.assert_allclose(as_numpy(p.data), q.data, rtol=RTOL, atol=ATOL)
    for state in optimizer.state.values():  # momentum, Adam's moments: where the parameters live
        for key, value in state.items():
            if key != "step":
                assert isinstance(value, LIBRARIES[library][1]), (key, type(value))


@pytest.mark.parametrize("library", LIBRARIES)
def test_mse_loss_as_numpy(library):
    X, y = rng_array((7, 6)), rng_array((7, 3), seed=5)
    reference, model = make_model(), make_model().to(target(library))
    expected = nn.mse_loss(reference(Tensor(X)), y)
    got = nn.mse_loss(model(Tensor(to_library(library, X))), to_library(library, y))
    expected.backward()
    got.backward()
    np.testing.assert_allclose(got.item(), expected.item(), rtol=RTOL)
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(as_numpy(p.grad), q.grad, rtol=RTOL, atol=ATOL)


# --- Module.to ---------------------------------------------------------------------------------------

def test_to_moves_parameters_and_back_keeping_the_tensors_and_dtypes():
    model = nn.Sequential(nn.Linear(3, 2, dtype=np.float32))
    before = [p.data.copy() for p in model.parameters()]
    tensors = model.parameters()
    assert model.to(torch) is model
    assert all(isinstance(p.data, torch.Tensor) and p.data.dtype == torch.float32 for p in model.parameters())
    assert [id(p) for p in model.parameters()] == [id(p) for p in tensors]
    model.to("cpu")  # a device, as PyTorch's .to("cpu")
    assert all(p.data.device.type == "cpu" for p in model.parameters())
    model.to(array_api_strict)
    assert all(isinstance(p.data, LIBRARIES["array_api_strict"][1]) for p in model.parameters())
    model.to(np)
    for p, b in zip(model.parameters(), before):
        assert type(p.data) is np.ndarray and p.data.dtype == np.float32
        np.testing.assert_array_equal(p.data, b)
    state = model.to(torch).state_dict()  # saved as numpy, whatever the library
    assert all(type(v) is np.ndarray for v in state.values())
    model.load_state_dict({k: v * 0 for k, v in state.items()})
    assert all(isinstance(p.data, torch.Tensor) and not p.data.any() for p in model.parameters())


def test_to_refuses_what_is_no_library_or_device():
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(TypeError, match="array library"):
        model.to(3)
    with pytest.raises(ValueError, match="array library"):
        model.to(math)
    with pytest.raises(ValueError, match="not a device"):
        model.to("no such device")
    assert all(type(p.data) is np.ndarray for p in model.parameters())  # nothing moved


def test_optimizer_state_follows_a_parameter_moved_after_it_was_made():
    model = make_model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    X, y = rng_array((4, 6)), np.array([0, 1, 2, 0])
    train(model, Tensor(X), y, optimizer, steps=1)
    model.to(torch)
    train(model, Tensor(torch.asarray(X)), torch.asarray(y), optimizer, steps=1)
    for state in optimizer.state.values():
        assert isinstance(state["exp_avg"], torch.Tensor) and isinstance(state["exp_avg_sq"], torch.Tensor)
    saved = optimizer.state_dict()
    fresh = optim.Adam(model.parameters(), lr=0.01)
    fresh.load_state_dict(saved)
    assert all(isinstance(s["exp_avg"], torch.Tensor) for s in fresh.state.values())


# --- DataLoader ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("shuffle", [True, False])
def test_data_loader_batches_arrays_of_the_library(library, shuffle):
    X, y = rng_array((10, 2)), np.arange(10)
    expected = list(DataLoader(X, y, batch_size=4, shuffle=shuffle, seed=3))
    got = list(DataLoader(to_library(library, X), to_library(library, y), batch_size=4, shuffle=shuffle, seed=3))
    assert len(got) == len(expected) == 3
    for (xb, yb), (xe, ye) in zip(got, expected):
        assert isinstance(xb, LIBRARIES[library][1]) and isinstance(yb, LIBRARIES[library][1])
        np.testing.assert_array_equal(as_numpy(xb), xe)
        np.testing.assert_array_equal(as_numpy(yb), ye)


def test_data_loader_refuses_two_libraries():
    with pytest.raises(TypeError, match="one array library"):
        DataLoader(torch.zeros((4, 2)), np.zeros(4))


# --- Dask stays lazy -------------------------------------------------------------------------------------

def test_a_dask_step_stays_lazy_until_read_and_computes_loss_and_gradients_together():
    X, y = rng_array((12, 6)), rng_array((12, 3), seed=4)
    model = make_model().to(da)
    loss = nn.mse_loss(model(Tensor(da.from_array(X, chunks=(4, 6)))), da.from_array(y, chunks=(4, 3)))
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert isinstance(loss.data, da.Array) and all(isinstance(g, da.Array) for g in grads)
    value, *computed = array_library.compute(loss.data, *grads)
    reference = make_model()
    expected = nn.mse_loss(reference(Tensor(X)), y)
    expected.backward()
    np.testing.assert_allclose(float(value), expected.item(), rtol=RTOL)
    for g, q in zip(computed, reference.parameters()):
        assert type(g) is np.ndarray
        np.testing.assert_allclose(g, q.grad, rtol=RTOL, atol=ATOL)


# --- the tensor's face ------------------------------------------------------------------------------------

@pytest.mark.parametrize("library", LIBRARIES)
def test_reads_dtypes_and_repr(library):
    t = Tensor(to_library(library, np.array([[1, 2, 3]])), requires_grad=True)  # integers become float64
    assert array_library.kind(t.dtype) == "f" and str(t.dtype).endswith("float64")
    assert str(Tensor(to_library(library, np.ones(2)), dtype=np.float32).dtype).endswith("float32")
    assert t.size == 3 and len(t) == 1 and t.shape == (1, 3)
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0, 3.0]])
    assert type(t.numpy()) is np.ndarray and t.sum().item() == 6.0
    assert repr(t).startswith(f"Tensor(<{array_library.library_name(t.data)} array>, shape=(1, 3)")
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(to_library(library, np.array([1j, 2.0])))


def test_the_numpy_path_never_imports_array_api_compat():
    import subprocess
    import sys

    code = ("import sys, numpy as np\nfrom autograd import Tensor, nn, optim\n"
            "m = nn.Sequential(nn.Linear(3, 2)); o = optim.Adam(m.parameters())\n"
            "l = nn.cross_entropy(m(Tensor(np.ones((4, 3)))), np.array([0, 1, 1, 0])); l.backward(); o.step()\n"
            "print(sorted(n for n in sys.modules if n.startswith(('array_api', 'torch', 'dask'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_compile_refuses_another_library_and_says_why():
    from autograd.compile import compile

    def step(x):
        return (x * x).sum()

    with pytest.raises(TypeError, match="argument 0 holds a torch array: compile writes numpy code"):
        compile(step, (Tensor(torch.ones(3, dtype=torch.float64), requires_grad=True),))
    compiled = compile(step, (Tensor(np.ones(3), requires_grad=True),))
    with pytest.raises(TypeError, match="argument 0 holds a torch array"):
        compiled(torch.ones(3, dtype=torch.float64))
