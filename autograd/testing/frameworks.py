"""Hand-written gradients of other frameworks, checked like any other: a PyTorch autograd.Function, a JAX custom_vjp.

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x): ctx.save_for_backward(x); return x ** 3
        @staticmethod
        def backward(ctx, g): x, = ctx.saved_tensors; return 3 * x ** 2 * g

    check_torch(Cube, np.array([0.5, -1.0]))     # the report of check_vjp: dx against finite differences
    check_jax(cube_with_custom_vjp, np.array([0.5, -1.0]))

Each adapter turns the framework's function into the pair `check_vjp` takes, in
numpy and float64: f(*arrays) -> array, and vjp(g, *arrays) -> one gradient per
array. The vjp calls the hand-written rule itself -- a torch ``autograd.Function``'s
backward through the node its forward recorded (``out.grad_fn``), a JAX
custom_vjp's ``bwd`` with the residuals of its ``fwd`` -- so that a gradient of
the wrong shape reaches the report, with its hint, rather than the framework's
own error ("returned an invalid gradient at index 1 - got [2, 3] but expected
shape compatible with [3, 2]"). One exception, to stay honest: torch's engine
itself sums a gradient that broadcasts to its input back down to the input's
shape, so the adapter does the same (torch's ``sum_to_size``) and the report
says so in a note -- in torch that gradient is not a bug. Neither framework is
needed by the rest of autograd: each is imported when used.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np

from autograd import arguments
from autograd.testing.backward import BackwardReport, _finish, check_vjp

__all__ = ["torch_function", "jax_function", "check_torch", "check_jax"]


def _framework(name: str, fn):
    """The framework's module, or a TypeError: without it installed, fn cannot be one of its functions."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise TypeError(f"fn must be a {name} function, and {name} is not installed here (pip install {name}), "
                        f"so {arguments.shown(fn)} is not one") from None


def _signature_of(fn, drop_first: bool) -> inspect.Signature | None:
    """fn's positional parameters (without ctx), so that the report names each gradient after its input."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    parameters = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return inspect.Signature(parameters[1:] if drop_first else parameters)


def _named(function, name: str, signature) -> object:
    function.__name__ = name
    if signature is not None:
        function.__signature__ = signature
    return function


def torch_function(fn):
    """(f, vjp) in numpy, float64, for a PyTorch ``autograd.Function`` subclass or any function of tensors.

    For an autograd.Function the vjp is its own backward, called with the ctx its forward filled; for any
    other function of tensors it is ``torch.autograd.grad``.
    """
    arguments.function("fn", fn)
    torch = _framework("torch", fn)
    custom = isinstance(fn, type) and issubclass(fn, torch.autograd.Function)
    call = fn.apply if custom else fn
    name = fn.__name__ if hasattr(fn, "__name__") else type(fn).__name__
    notes: list[str] = []  # what the adapter did that the report should say (read by check_torch)

    def tensor_out(*tensors):
        out = call(*tensors)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"{name} must return one torch.Tensor, got {arguments.shown(out)}")
        return out

    def f(*arrays):
        with torch.no_grad():
            return tensor_out(*(torch.as_tensor(np.asarray(a, np.float64)) for a in arrays)).numpy()

    def vjp(g, *arrays):
        inputs = [torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in arrays]
        out = tensor_out(*inputs)
        cotangent = torch.as_tensor(np.asarray(g, np.float64))
        if not custom:
            return tuple(None if gr is None else gr.numpy() for gr in
                         torch.autograd.grad(out, inputs, grad_outputs=cotangent, allow_unused=True))
        if out.grad_fn is None:
            raise TypeError(f"{name}'s output records no backward (was it computed under torch.no_grad?)")
        gradients = out.grad_fn.apply(cotangent)  # the Function's own backward, with the ctx its forward filled
        gradients = gradients if isinstance(gradients, tuple) else (gradients,)
        notes.clear()
        names = list(signature.parameters) if signature is not None else []
        names += [f"x{i}" for i in range(len(names), len(inputs))]
        return tuple(_as_torch_engine_would(torch, gr, x, f"d{name}", notes) for gr, x, name in
                     zip(gradients, inputs, names))

    signature = _signature_of(fn.forward if custom else fn, drop_first=custom)
    vjp.notes = notes
    return _named(f, name, signature), vjp


def _as_torch_engine_would(torch, gradient, x, name: str, notes: list[str]):
    """A gradient returned by backward, as a numpy array; summed to x's shape when torch's engine would do that."""
    if not isinstance(gradient, torch.Tensor):
        return gradient  # None (no gradient), or whatever it is: the report says what
    if gradient.shape != x.shape and _broadcasts_to(tuple(x.shape), tuple(gradient.shape)):
        notes.append(f"{name}: backward returned shape {tuple(gradient.shape)} for an input of shape "
                     f"{tuple(x.shape)}; torch's engine sums such a gradient down to the input's shape "
                     "(sum_to_size), so it is checked after that sum, as torch will use it")
        gradient = gradient.sum_to_size(x.shape)
    return gradient.detach().numpy()


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether an array of `shape` broadcasts to `target` (torch's is_expandable_to)."""
    extra = len(target) - len(shape)
    return extra >= 0 and all(n in (1, m) for n, m in zip(shape, target[extra:]))


def jax_function(fn):
    """(f, vjp) in numpy, float64, for a JAX function (a ``jax.custom_vjp``, or any function of jax arrays).

    Computed with 64-bit floats switched on for the call (``jax.enable_x64``), so that the finite differences
    have float64's digits to work with; without that JAX would round everything to float32.
    """
    arguments.function("fn", fn)
    jax = _framework("jax", fn)
    name = getattr(fn, "__name__", None) or type(fn).__name__

    def array_out(*arrays):
        out = fn(*(jax.numpy.asarray(np.asarray(a, np.float64)) for a in arrays))
        if not isinstance(out, jax.Array):
            raise TypeError(f"{name} must return one jax array, got {arguments.shown(out)}")
        return out

    def f(*arrays):
        with jax.enable_x64(True):
            return np.asarray(array_out(*arrays))

    rule = (isinstance(fn, jax.custom_vjp) and getattr(fn, "fwd", None) is not None
            and not getattr(fn, "nondiff_argnums", ()) and not getattr(fn, "symbolic_zeros", False))

    def vjp(g, *arrays):
        with jax.enable_x64(True):
            array_out(*arrays)  # a wrong kind of output is said here, in words, before jax meets it
            primals = [jax.numpy.asarray(np.asarray(a, np.float64)) for a in arrays]
            cotangent = jax.numpy.asarray(np.asarray(g, np.float64))
            if rule:  # the hand-written rule itself: bwd(residuals of fwd, g), as it returns its gradients
                _, residuals = fn.fwd(*primals)
                gradients = fn.bwd(residuals, cotangent)
            else:
                gradients = jax.vjp(fn, *primals)[1](cotangent)
            return tuple(None if gr is None else np.asarray(gr) for gr in gradients)

    signature = _signature_of(getattr(fn, "fun", fn), drop_first=False)  # a custom_vjp keeps its function in .fun
    return _named(f, name, signature), vjp


def check_torch(fn, *arrays, raises: bool = True, **options) -> BackwardReport:
    """`check_vjp` of a PyTorch autograd.Function (or function of tensors) at numpy arrays; options as there."""
    arguments.flag("raises", raises)
    f, vjp = torch_function(fn)
    report = check_vjp(f, vjp, *arrays, raises=False, **options)
    report.notes += vjp.notes
    return _finish(report, raises)


def check_jax(fn, *arrays, **options) -> BackwardReport:
    """`check_vjp` of a JAX function (a custom_vjp) at numpy arrays; options as there."""
    return check_vjp(*jax_function(fn), *arrays, **options)
