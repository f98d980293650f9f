"""On a machine with a GPU: does `Tensor` compute right on CuPy and on PyTorch CUDA, and how fast?

Not part of `make test` (this project's machine has no GPU). On a lent GPU
machine, from a clone of the repository::

    pip install -e '.[gpu]' && python benchmarks/gpu_check.py

(the ``gpu`` extra brings array-api-compat and CuPy for CUDA 12; PyTorch
with CUDA is used too when it is installed). It needs nothing else: no
pytest, no hypothesis -- only numpy, autograd, array_api_compat, and cupy
or torch if present. Without a GPU it says "no GPU", what it looked for,
and exits 0.

For each GPU library it runs

1. every row of the tensor table (`autograd.tensor_ops`), forward and VJP,
   on the device against numpy on the same float64 numbers (rtol 1e-10);
2. two training steps of a small MLP (`nn.Module.to`, SGD with momentum,
   the optimizer state on the device) against the same steps on numpy;
3. the MLP benchmark of `tensor_mlp.py` -- 784-200-200-10, float32, the
   ``autograd`` step written out as ``x @ W + b`` -- at batch 100 and 1000,
   the median step time beside numpy's on the CPU in the same run.

``--cpu`` runs the very same checks with PyTorch CPU tensors as the device,
so that every path of this script runs on a machine without a GPU::

    python benchmarks/gpu_check.py --cpu

Exit status: 0 when every check passed (or there is no GPU), 1 otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tensor_mlp  # noqa: E402  (the MLP benchmark's problem and step: one copy of them)

from autograd import Tensor, array_library, nn, optim, tensor_ops  # noqa: E402
from autograd.tensor import affine, concatenate, cross_entropy, log_softmax, softmax, stack  # noqa: E402

RTOL, ATOL = 1e-10, 1e-12
BATCHES = {100: 30, 1000: 10}  # batch size -> timed steps (after 3 warm-up steps)


# --- the devices ---------------------------------------------------------------------------------

class Device:
    """One library on one device: how to put a numpy array there, what its arrays are, how to wait for it."""

    def __init__(self, name: str, put, array_type: type, target, synchronize):
        self.name, self.put, self.array_type = name, put, array_type
        self.target, self.synchronize = target, synchronize  # target: what nn.Module.to takes


def find_devices(cpu: bool) -> tuple[list[Device], list[str]]:
    """The GPU libraries present (or torch CPU with `cpu`), and a note of what was looked for."""
    devices, looked = [], []
    try:
        import torch
    except ImportError:
        torch = None
        looked.append("torch: not installed")
    if cpu:
        if torch is None:
            raise SystemExit("--cpu needs torch installed")
        devices.append(Device("torch cpu", lambda a: torch.asarray(a, device="cpu"), torch.Tensor, "cpu",
                              lambda: None))
        return devices, looked
    try:
        import cupy
    except ImportError:
        looked.append("cupy: not installed")
    else:
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as error:  # (CUDARuntimeError without a driver; its type depends on the install)
            count, reason = 0, f"{type(error).__name__}: {error}"
        else:
            reason = "no CUDA device"
        if count:
            devices.append(Device(f"cupy (GPU 0 of {count})", cupy.asarray, cupy.ndarray, cupy,
                                  lambda: cupy.cuda.Device().synchronize()))
        else:
            looked.append(f"cupy {cupy.__version__}: {reason}")
    if torch is not None:
        if torch.cuda.is_available():
            devices.append(Device(f"torch cuda ({torch.cuda.get_device_name(0)})",
                                  lambda a: torch.asarray(a, device="cuda"), torch.Tensor, "cuda",
                                  torch.cuda.synchronize))
        else:
            looked.append(f"torch {torch.__version__}: torch.cuda.is_available() is False")
    return devices, looked


# --- 1. every row of the tensor table ----------------------------------------------------------------

POSITIVE = (0.3, 2.0)
ROWS = {  # row name -> (input shapes, each with its range; the function through the public API)
    "add": ([(3, 4), (4,)], lambda a, b: a + b),
    "sub": ([(3, 1), (1, 4)], lambda a, b: a - b),
    "mul": ([(2, 3), (2, 3)], lambda a, b: a * b),
    "div": ([(2, 3), ((3,), POSITIVE)], lambda a, b: a / b),
    "pow": ([((2, 3), POSITIVE), (3,)], lambda a, b: a ** b),
    "neg": ([(3, 2)], lambda x: -x),
    "exp": ([(3, 2)], lambda x: x.exp()),
    "log": ([((3, 2), POSITIVE)], lambda x: x.log()),
    "sqrt": ([((3, 2), POSITIVE)], lambda x: x.sqrt()),
    "tanh": ([(3, 2)], lambda x: x.tanh()),
    "sigmoid": ([(3, 2)], lambda x: x.sigmoid()),
    "relu": ([(4, 3)], lambda x: x.relu()),
    "abs": ([(4, 3)], lambda x: abs(x)),
    "sin": ([(3, 2)], lambda x: x.sin()),
    "cos": ([(3, 2)], lambda x: x.cos()),
    "clip": ([(4, 3)], lambda x: x.clip(-0.5, 1.0)),
    "matmul": ([(3, 4), (4, 2)], lambda a, b: a @ b),
    "affine": ([(5, 4), (4, 3), (3,)], lambda x, W, b: affine(x, W, b)),
    "sum": ([(3, 4)], lambda x: x.sum(axis=0)),
    "mean": ([(3, 4)], lambda x: x.mean(axis=1, keepdims=True)),
    "max": ([(3, 4)], lambda x: x.max(axis=1)),
    "min": ([(3, 4)], lambda x: x.min()),
    "reshape": ([(3, 4)], lambda x: x.reshape(2, -1)),
    "transpose": ([(2, 3, 4)], lambda x: x.transpose(1, 2, 0)),
    "getitem": ([(4, 3)], lambda x: x[1:3] * 1.5 + x[np.array([0, 2, 0])].sum()),  # basic, and repeats
    "concatenate": ([(2, 3), (1, 3)], lambda a, b: concatenate([a, b], axis=0)),
    "stack": ([(2, 3), (2, 3)], lambda a, b: stack([a, b], axis=1)),
    "softmax": ([(3, 4)], lambda x: softmax(x, axis=-1)),
    "log_softmax": ([(3, 4)], lambda x: log_softmax(x, axis=0)),
    "cross_entropy": ([(5, 3)], "labels"),  # its labels go to the device too: see check_row
}


def inputs_of(shapes) -> list[np.ndarray]:
    arrays = []
    for position, spec in enumerate(shapes):
        shape, (low, high) = (spec[0], spec[1]) if isinstance(spec[0], tuple) else (spec, (-2.0, 2.0))
        arrays.append(np.random.default_rng(position).uniform(low, high, shape))
    return arrays


def outputs_and_gradients(f, arrays, put):
    """f on Tensors of the arrays put on a device; its value and every gradient, back on the host."""
    tensors = [Tensor(put(a), requires_grad=True) for a in arrays]
    out = f(*tensors)
    out.backward(put(np.random.default_rng(99).uniform(-2, 2, tuple(out.shape))))
    return out, tensors


def check_row(name: str, device: Device) -> str:
    """'' when the row agrees with numpy on the device, else what went wrong."""
    shapes, f = ROWS[name]
    if f == "labels":
        labels = np.array([0, 2, 1, 1, 0])
        f_numpy = lambda x: cross_entropy(x, labels)  # noqa: E731
        on_device = device.put(labels)
        f_device = lambda x: cross_entropy(x, on_device)  # noqa: E731
    else:
        f_numpy = f_device = f
    arrays = inputs_of(shapes)
    try:
        expected, expected_inputs = outputs_and_gradients(f_numpy, arrays, lambda a: a)
        got, got_inputs = outputs_and_gradients(f_device, arrays, device.put)
        if not isinstance(got.data, device.array_type):
            return f"the output is a {type(got.data).__name__}"
        np.testing.assert_allclose(array_library.to_numpy(got.data), expected.data, rtol=RTOL, atol=ATOL)
        for position, (t, e) in enumerate(zip(got_inputs, expected_inputs)):
            if not isinstance(t.grad, device.array_type):
                return f"the gradient of input {position} is a {type(t.grad).__name__}"
            np.testing.assert_allclose(array_library.to_numpy(t.grad), e.grad, rtol=RTOL, atol=ATOL,
                                       err_msg=f"the gradient of input {position}")
    except Exception as error:  # (a failed row is reported and the others still run)
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
    return ""


# --- 2. training steps --------------------------------------------------------------------------------

def check_training(device: Device) -> str:
    """Two SGD-with-momentum steps of a small MLP on the device, against the same on numpy."""
    rng = np.random.default_rng(1)
    X, y = rng.uniform(-2, 2, (16, 6)), rng.integers(0, 3, 16)

    def trained(model, X, y):
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        losses = []
        for _ in range(2):
            optimizer.zero_grad()
            loss = nn.cross_entropy(model(Tensor(X)), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, optimizer

    def model():
        nn.init.seed(0)
        return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))

    try:
        reference = model()
        expected, _ = trained(reference, X, y)
        moved = model().to(device.target)
        losses, optimizer = trained(moved, device.put(X), device.put(y))
        np.testing.assert_allclose(losses, expected, rtol=RTOL)
        for p, q in zip(moved.parameters(), reference.parameters()):
            if not isinstance(p.data, device.array_type):
                return f"a parameter is a {type(p.data).__name__} after the steps"
            np.testing.assert_allclose(array_library.to_numpy(p.data), q.data, rtol=RTOL, atol=ATOL)
        for state in optimizer.state.values():
            if not isinstance(state["momentum_buffer"], device.array_type):
                return f"the momentum is a {type(state['momentum_buffer']).__name__}, not beside its parameter"
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


# --- 3. the MLP benchmark -----------------------------------------------------------------------------

def median_step(batch: int, steps: int, put=lambda a: a, synchronize=lambda: None) -> float:
    """Median seconds of tensor_mlp's ``autograd`` step (x @ W + b), its arrays put where `put` puts them."""
    params, x, labels = tensor_mlp.make_problem(batch)
    runner = tensor_mlp.Autograd([put(p) for p in params], put(x), put(labels))
    times = []
    for k in range(3 + steps):
        start = time.perf_counter()
        runner.step()  # (its loss.item() waits for the device; synchronize makes sure of the update too)
        synchronize()
        if k >= 3:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def show(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpu", action="store_true",
                        help="run the checks with torch CPU tensors as the device (no GPU needed)")
    args = parser.parse_args()
    try:
        import array_api_compat  # noqa: F401  (what finds the namespace of a CuPy or torch array)
    except ImportError:
        print(f"benchmarks/gpu_check.py needs array_api_compat: {array_library.INSTALL_HINT}")
        return 1
    devices, looked = find_devices(args.cpu)
    if not devices:
        print("no GPU (looked for: " + "; ".join(looked) + ")")
        return 0
    untested = set(tensor_ops.TENSOR_PRIMITIVES) - set(ROWS)
    if untested:  # a row added to the table must be added here
        print(f"rows of the tensor table this script does not check: {sorted(untested)}")
        return 1

    if args.cpu:
        print("(--cpu: torch's and numpy's threads share this process and 2 cores starve each other; the timings "
              "below only show that the code runs -- benchmarks/array_libraries.py times them apart)")
    failed = False
    numpy_times = {batch: median_step(batch, steps) for batch, steps in BATCHES.items()}
    print(f"numpy {np.__version__} (CPU) MLP step: " + ", ".join(f"batch {b}: {show(t)}"
                                                            for b, t in numpy_times.items()))
    for device in devices:
        print(f"\n## {device.name}\n")
        problems = {name: check_row(name, device) for name in ROWS}
        bad = {name: why for name, why in problems.items() if why}
        print(f"tensor table, forward and VJP against numpy (float64, rtol {RTOL:g}): "
              f"{len(ROWS) - len(bad)} of {len(ROWS)} rows agree")
        for name, why in bad.items():
            print(f"  FAILED {name}: {why}")
        training = check_training(device)
        print("training steps (MLP, SGD with momentum, 2 steps) against numpy: "
              + ("agree" if not training else f"FAILED: {training}"))
        failed = failed or bool(bad) or bool(training)
        print("\n| MLP 784-200-200-10 float32 step | numpy CPU | " + device.name + " | numpy / device |")
        print("|---|---|---|---|")
        for batch, steps in BATCHES.items():
            seconds = median_step(batch, steps, device.put, device.synchronize)
            print(f"| batch {batch} (median of {steps}) | {show(numpy_times[batch])} | {show(seconds)} | "
                  f"{numpy_times[batch] / seconds:.2f}x |")
    print("\nall checks passed" if not failed else "\nSOME CHECKS FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
