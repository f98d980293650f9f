"""autograd.compile for Tensors: straight-line numpy that equals the interpreter to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import nn, tensor_ops
from autograd.compile import CompiledTensor, compile
from autograd.compile.tensor_rules import ELEMENTWISE, RULES
from autograd.tensor import Tensor, affine, concatenate, cross_entropy, log_softmax, softmax, stack


def same(a, b) -> bool:
    """Equal to the last bit: dtype, shape, every number, the sign of zeros (every nan is one nan)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b)) and np.array_equal(a[~nan], b[~nan])
                and np.array_equal(np.signbit(a[~nan]), np.signbit(b[~nan])))


def interpreted(f, args, wanted):
    """What the interpreter says: f on fresh Tensors, backward(), the .grad of the wanted ones."""
    leaves = [Tensor(a, requires_grad=w) if a.dtype.kind == "f" else a for a, w in zip(args, wanted)]
    out = f(*leaves)
    if out.requires_grad:
        out.backward()
    grads = [(leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data)) if w else None
             for leaf, w in zip(leaves, wanted)]
    return out.data, grads


def assert_same(got, expected):
    (value, grads), (value_expected, grads_expected) = got, expected
    assert same(value, value_expected)
    assert len(grads) == len(grads_expected)
    for g, h in zip(grads, grads_expected):
        assert (g is None and h is None) or same(g, h)


def tensors(args, wanted):
    return [Tensor(a, requires_grad=w) if a.dtype.kind == "f" else a for a, w in zip(args, wanted)]


# --- every row of the table, through its template --------------------------------------------------------

RNG = np.random.default_rng(7)


def normal(*shape, dtype=np.float64, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def positive(*shape, dtype=np.float64):
    return (RNG.random(shape) * 3 + 0.1).astype(dtype)


def weighted(function):
    """A loss from any tensor: the sum of out * fixed weights, so every element gets its own upstream gradient."""
    def loss(*xs):
        out = function(*xs)
        weights = np.random.default_rng(3).standard_normal(out.shape).astype(out.dtype)
        return (out * weights).sum()
    return loss


SPECIAL = np.array([0.0, -0.0, 1.0, -2.5, 40.0, -40.0, 1e-30, 3.0])

CASES = {  # name: (function of the tensors, a function making the float arguments)
    "add": (lambda a, b: a + b, lambda dt: [normal(3, 4, dtype=dt), normal(4, dtype=dt)]),
    "sub": (lambda a, b: a - b, lambda dt: [normal(3, 1, dtype=dt), normal(3, 4, dtype=dt)]),
    "mul": (lambda a, b: a * b, lambda dt: [normal(2, 3, dtype=dt), normal(2, 3, dtype=dt)]),
    "div": (lambda a, b: a / b, lambda dt: [normal(2, 3, dtype=dt), positive(3, dtype=dt)]),
    "pow": (lambda a, b: a ** b, lambda dt: [positive(2, 3, dtype=dt), normal(2, 3, dtype=dt)]),
    "neg": (lambda a: -a, lambda dt: [normal(5, dtype=dt)]),
    "exp": (lambda a: a.exp(), lambda dt: [normal(4, 2, dtype=dt)]),
    "log": (lambda a: a.log(), lambda dt: [positive(4, 2, dtype=dt)]),
    "sqrt": (lambda a: a.sqrt(), lambda dt: [positive(6, dtype=dt)]),
    "tanh": (lambda a: a.tanh(), lambda dt: [np.concatenate([SPECIAL, normal(8)]).astype(dt)]),
    "sigmoid": (lambda a: a.sigmoid(), lambda dt: [np.concatenate([SPECIAL, normal(8, scale=10)]).astype(dt)]),
    "relu": (lambda a: a.relu(), lambda dt: [np.concatenate([SPECIAL, normal(8)]).astype(dt)]),
    "abs": (lambda a: abs(a), lambda dt: [np.concatenate([SPECIAL, normal(8)]).astype(dt)]),
    "sin": (lambda a: a.sin(), lambda dt: [normal(7, dtype=dt, scale=3)]),
    "cos": (lambda a: a.cos(), lambda dt: [normal(7, dtype=dt, scale=3)]),
    "power 2": (lambda a: a ** 2, lambda dt: [normal(3, 3, dtype=dt)]),
    "power 3": (lambda a: a ** 3, lambda dt: [normal(3, 3, dtype=dt)]),
    "power 0.5": (lambda a: a ** 0.5, lambda dt: [positive(3, 3, dtype=dt)]),
    "power -1": (lambda a: a ** -1, lambda dt: [positive(3, 3, dtype=dt)]),
    "power -2.5": (lambda a: a ** -2.5, lambda dt: [positive(3, 3, dtype=dt)]),
    "power 1": (lambda a: a ** 1, lambda dt: [normal(3, dtype=dt)]),
    "power 0": (lambda a: a ** 0, lambda dt: [positive(3, dtype=dt)]),
    "clip": (lambda a: a.clip(-0.5, 0.7), lambda dt: [normal(4, 4, dtype=dt)]),
    "clip low": (lambda a: a.clip(low=0.0), lambda dt: [normal(4, 4, dtype=dt)]),
    "clip high": (lambda a: a.clip(high=0.2), lambda dt: [normal(4, 4, dtype=dt)]),
    "matmul": (lambda a, b: a @ b, lambda dt: [normal(3, 5, dtype=dt), normal(5, 2, dtype=dt)]),
    "affine": (lambda x, W, b: affine(x, W, b), lambda dt: [normal(4, 5, dtype=dt), normal(5, 3, dtype=dt),
                                                            normal(3, dtype=dt)]),
    "sum": (lambda a: a.sum(), lambda dt: [normal(3, 4, dtype=dt)]),
    "sum axis": (lambda a: a.sum(axis=1), lambda dt: [normal(3, 4, dtype=dt)]),
    "sum keepdims": (lambda a: a.sum(axis=(0, 2), keepdims=True), lambda dt: [normal(2, 3, 4, dtype=dt)]),
    "mean": (lambda a: a.mean(axis=0), lambda dt: [normal(5, 3, dtype=dt)]),
    "mean all": (lambda a: a.mean(), lambda dt: [normal(5, 3, dtype=dt)]),
    "max": (lambda a: a.max(axis=1), lambda dt: [np.array([[1.0, 3.0, 3.0], [-1.0, -2.0, 0.5]], dtype=dt)]),
    "min": (lambda a: a.min(), lambda dt: [np.array([[1.0, -3.0, -3.0], [2.0, -3.0, 0.5]], dtype=dt)]),
    "reshape": (lambda a: a.reshape(2, 6), lambda dt: [normal(3, 4, dtype=dt)]),
    "transpose": (lambda a: a.transpose(1, 2, 0), lambda dt: [normal(2, 3, 4, dtype=dt)]),
    "T": (lambda a: a.T, lambda dt: [normal(2, 5, dtype=dt)]),
    "getitem": (lambda a: a[1:, ::2], lambda dt: [normal(4, 5, dtype=dt)]),
    "getitem repeated": (lambda a: a[np.array([0, 2, 0, 0])], lambda dt: [normal(3, 2, dtype=dt)]),
    "concatenate": (lambda a, b: concatenate([a, b], axis=1), lambda dt: [normal(2, 3, dtype=dt),
                                                                          normal(2, 1, dtype=dt)]),
    "stack": (lambda a, b: stack([a, b], axis=-1), lambda dt: [normal(2, 3, dtype=dt), normal(2, 3, dtype=dt)]),
    "softmax": (lambda a: softmax(a, axis=0), lambda dt: [normal(4, 3, dtype=dt, scale=5)]),
    "log_softmax": (lambda a: log_softmax(a), lambda dt: [normal(4, 3, dtype=dt, scale=5)]),
    "cross_entropy": (lambda a: cross_entropy(a, np.array([2, 0, 1, 2])), lambda dt: [normal(4, 3, dtype=dt)]),
    "cross_entropy one-hot": (lambda a: cross_entropy(a, np.eye(3)[[1, 1, 0, 2]]),
                              lambda dt: [normal(4, 3, dtype=dt)]),
}


def test_the_cases_cover_every_template():
    covered = {name.split()[0] for name in CASES} | {"transpose"}
    assert set(ELEMENTWISE) | set(RULES) <= covered
    assert set(tensor_ops.TENSOR_PRIMITIVES) == set(ELEMENTWISE) | set(RULES)  # every row has a template


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", list(CASES))
def test_every_template_agrees_with_its_row_bit_for_bit(case, dtype):
    function, make = CASES[case]
    loss = weighted(function)
    example = make(dtype)
    wanted = [True] * len(example)
    compiled = compile(loss, tensors(example, wanted))
    assert compiled.programs[0].called == []  # written out from the template, no row called
    for point in [example, make(dtype), make(dtype)]:
        assert_same(compiled(*point), interpreted(loss, point, wanted))
    assert compiled.traces == 1


@pytest.mark.parametrize("buffers", ["intermediate", "none", "all"])
def test_a_row_without_a_template_for_its_shapes_is_called_and_stays_exact(buffers):
    def loss(v, M, x, W, b):  # a vector @ matrix, and an affine on a vector: no template for these shapes
        return ((v @ M).tanh().sum() + affine(x, W, b).sum()) * 0.5
    make = [lambda: normal(4), lambda: normal(4, 3), lambda: normal(5), lambda: normal(5, 2), lambda: normal(2)]
    example = [m() for m in make]
    wanted = [True, True, False, True, True]
    compiled = compile(loss, tensors(example, wanted), buffers=buffers)
    assert "matmul forward" in compiled.programs[0].called and "affine forward" in compiled.programs[0].called
    for point in [example, [m() for m in make]]:
        assert_same(compiled(*point), interpreted(loss, point, wanted))


# --- the MLP training step, bit for bit -------------------------------------------------------------------

def mlp(dtype, seed=0):
    nn.init.seed(seed)
    return nn.Sequential(nn.Linear(12, 16, dtype=dtype), nn.ReLU(), nn.Linear(16, 16, dtype=dtype), nn.Tanh(),
                         nn.Linear(16, 5, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 7, 100])
def test_the_nn_training_step_is_bit_exact_over_several_sgd_steps(batch, dtype):
    model = mlp(dtype)
    params = model.parameters()
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 12)).astype(dtype)
    labels = rng.integers(0, 5, size=batch)

    def loss(x, labels, *weights):
        return nn.cross_entropy(model(x), labels)

    step = compile(loss, (x, labels, *params))
    assert step.programs[0].called == []
    weights = [p.data.copy() for p in params]
    for _ in range(4):
        value, grads = step(x, labels, *weights)
        assert grads[0] is None and grads[1] is None
        for p, w in zip(params, weights):  # the interpreter, at the same weights
            p.data, p.grad = w.copy(), None
        out = nn.cross_entropy(model(x), labels)
        out.backward()
        assert same(value, out.data)
        assert all(same(g, p.grad) for g, p in zip(grads[2:], params))
        weights = [w - dtype(0.1) * g for w, g in zip(weights, grads[2:])]
    assert step.traces == 1 and step.fallbacks == 0


@pytest.mark.parametrize("batch", [1, 100])
def test_the_benchmark_step_through_affine_is_bit_exact(batch):
    rng = np.random.default_rng(0)
    sizes = (784, 200, 200, 10)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [(rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32),
                   np.zeros(fan_out, dtype=np.float32)]
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=batch)

    def loss(x, labels, W1, b1, W2, b2, W3, b3):
        h1 = affine(x, W1, b1).relu()
        h2 = affine(h1, W2, b2).relu()
        return cross_entropy(affine(h2, W3, b3), labels)

    wanted = [False, False] + [True] * 6
    step = compile(loss, tensors([x, labels, *params], wanted))
    for _ in range(3):
        value, grads = step(x, labels, *params)
        assert_same((value, grads), interpreted(loss, [x, labels, *params], wanted))
        params = [p - np.float32(0.1) * g for p, g in zip(params, grads[2:])]
    source = step.source
    # the textbook's backward pass: one np.dot per product (3 forward; 3 weight gradients and 2 input
    # gradients back, the images' own gradient not computed), the softmax-with-loss gradient written out
    assert source.count("np.dot(") == 8
    assert "dW1 = np.dot(x.T, dv0)" in source and "db1 = dv0.sum(axis=0)" in source
    assert f"[_rows, labels] -= {1 / batch!r}" in source
    assert "_cross_entropy" not in source and "vjp" not in source


def test_one_hot_targets_mse_and_several_uses_of_one_tensor():
    def loss(x, t, W, b):
        h = (x @ W + b).sigmoid()
        return cross_entropy(h * h + h, t) + ((h - 0.5) ** 2).mean() + (W * W).sum() * 1e-3
    rng = np.random.default_rng(5)
    make = lambda: [rng.standard_normal((6, 4)), np.eye(3)[rng.integers(0, 3, 6)],  # noqa: E731
                    rng.standard_normal((4, 3)), rng.standard_normal(3)]
    example = make()
    wanted = [False, False, True, True]
    compiled = compile(loss, tensors(example, wanted))
    assert compiled.programs[0].called == []
    for point in [example, make()]:
        assert_same(compiled(*point), interpreted(loss, point, wanted))


def test_data_is_traced_too_and_gradients_follow_requires_grad():
    def loss(x, w):
        scaled = x / 255.0 - 0.5  # computed from data only: must not be frozen at the traced x
        return (scaled * w).sum()
    x, w = np.full(3, 255.0), Tensor(np.ones(3), requires_grad=True)
    compiled = compile(loss, (x, w))
    value, (dx, dw) = compiled(np.zeros(3), np.ones(3))
    assert value == -1.5 and dx is None and same(dw, np.full(3, -0.5))
    unused = compile(lambda x, w: (x * 2.0).sum(), (x, w))
    value, (dx, dw) = unused(x, np.ones(3))
    assert same(dw, np.zeros(3)) and dx is None
    mse = lambda p, y: ((p - y) ** 2).mean()  # noqa: E731 - the targets as a Tensor: traced, not frozen
    compiled = compile(mse, (Tensor(np.ones(3), requires_grad=True), np.zeros(3)))
    point = [np.arange(3.0), np.full(3, 0.5)]
    assert_same(compiled(*point), interpreted(mse, point, [True, False]))


# --- buffers -----------------------------------------------------------------------------------------------

def _step(buffers):
    model = mlp(np.float64, seed=1)
    x = np.random.default_rng(2).standard_normal((8, 12))
    labels = np.arange(8) % 5
    return compile(lambda x, labels, *w: nn.cross_entropy(model(x), labels), (x, labels, *model.parameters()),
                   buffers=buffers), x, labels, [p.data for p in model.parameters()]


def test_returned_gradients_are_new_arrays_that_the_next_call_leaves_alone():
    step, x, labels, weights = _step("intermediate")
    assert step.programs[0].buffers > 0 and "out=" in step.source
    value, grads = step(x, labels, *weights)
    kept, kept_value = [g.copy() for g in grads[2:]], value.copy()
    value2, grads2 = step(x + 1.0, labels, *[w * 0.5 for w in weights])
    assert all(same(g, k) for g, k in zip(grads[2:], kept))          # last step's gradients did not change
    assert same(value, kept_value) and not same(value, value2)
    assert not any(np.shares_memory(g, h) for g in grads[2:] for h in grads2[2:])
    assert not any(np.shares_memory(g, h) for i, g in enumerate(grads[2:]) for h in grads[2 + i + 1:])


def test_buffers_all_overwrites_the_returned_arrays_and_buffers_none_keeps_nothing():
    step, x, labels, weights = _step("all")
    reference, _, _, _ = _step("none")
    assert reference.programs[0].buffers == 0 and "out=" not in reference.source
    _, grads = step(x, labels, *weights)
    first = grads[2].copy()
    _, again = step(x + 1.0, labels, *weights)
    assert again[2] is grads[2] and not same(grads[2], first)        # the same array, overwritten: opt-in
    for point in [(x, labels, *weights), (x - 2.0, labels, *weights)]:
        assert_same(step(*point), reference(*point))


# --- guards ------------------------------------------------------------------------------------------------

def test_a_new_shape_is_traced_again_and_past_max_traces_the_interpreter_answers():
    model = mlp(np.float64)
    params = model.parameters()
    loss = lambda x, labels, *w: nn.cross_entropy(model(x), labels)  # noqa: E731
    rng = np.random.default_rng(1)
    step = compile(loss, (rng.standard_normal((4, 12)), np.arange(4) % 5, *params), max_traces=2)
    weights = [p.data for p in params]
    for batch, traces, fallbacks in [(4, 1, 0), (9, 2, 0), (4, 2, 0), (9, 2, 0), (3, 2, 1)]:
        x, labels = rng.standard_normal((batch, 12)), np.arange(batch) % 5
        for p in params:
            p.grad = None
        out = loss(Tensor(x), labels)
        out.backward()
        assert_same(step(x, labels, *weights), (out.data, [None, None, *(p.grad for p in params)]))
        assert (step.traces, step.fallbacks) == (traces, fallbacks)
    assert step(x.astype(np.float32), labels, *weights)[0].dtype == np.float64  # a new dtype: the interpreter


def test_branches_on_tensors_are_guarded():
    def f(x, w):
        return (x * w).sum() if (x.sum() > 0) else (x * w * w).sum()
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    compiled = compile(f, (np.array([1.0, 1.0]), w))
    assert "_GuardMiss(0)" in compiled.source
    for x, traces in [([1.0, 2.0], 1), ([-1.0, -2.0], 2), ([3.0, 0.0], 2), ([-3.0, 0.5], 2)]:
        x = np.array(x)
        assert_same(compiled(x, w.data), interpreted(f, [x, w.data], [False, True]))
        assert compiled.traces == traces


def test_a_mask_turned_into_a_constant_is_caught_by_its_guard():
    f = lambda x, w: (w * (x > 0)).sum()  # noqa: E731 - the mask becomes a constant Tensor
    w = Tensor(np.ones(3), requires_grad=True)
    compiled = compile(f, (np.array([1.0, -1.0, 1.0]), w))
    x = np.array([-1.0, 1.0, 1.0])
    assert_same(compiled(x, w.data), interpreted(f, [x, w.data], [False, True]))
    assert compiled.traces == 2


# --- arguments, results, errors -----------------------------------------------------------------------------

def test_the_arguments_are_left_as_they_were():
    model = mlp(np.float32)
    params = model.parameters()
    data = Tensor(np.ones((2, 12), dtype=np.float32))
    before = [(p.data.copy(), p.grad, p.requires_grad) for p in params]
    step = compile(lambda x, labels, *w: nn.cross_entropy(model(x), labels), (data, np.array([0, 1]), *params))
    step(data, np.array([1, 2]), *params)
    step.interpret(data.data, np.array([1, 2]), *params)
    assert all(same(p.data, d) and p.grad is g and p.requires_grad == r for p, (d, g, r) in zip(params, before))
    assert data.requires_grad is False and data.grad is None


def test_compile_dispatches_on_tensors():
    assert isinstance(compile(lambda x: (x * x).sum(), (Tensor(np.ones(2), requires_grad=True),)), CompiledTensor)
    assert isinstance(compile(lambda x: (x * x).sum(), [np.ones(2)]), CompiledTensor)
    with pytest.raises(TypeError, match="buffers is for functions of Tensors"):
        compile(lambda x: x * x, (1.0,), buffers="all")


def test_clear_errors():
    w = Tensor(np.ones(3), requires_grad=True)
    compiled = compile(lambda w: (w * w).sum(), (w,))
    with pytest.raises(TypeError, match="takes 1 arguments, got 2"):
        compiled(w, w)
    with pytest.raises(TypeError, match="argument 0 must be a numpy array or a Tensor"):
        compiled([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="argument 0 must be an array of numbers"):
        compiled(np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match="one-element Tensor"):
        compile(lambda w: w * 2.0, (w,))
    with pytest.raises(TypeError, match="must return one Tensor"):
        compile(lambda w: 3.0, (w,))
    with pytest.raises(TypeError, match="argument 1 of a tensor function"):
        compile(lambda w, s: (w * s).sum(), (w, 2.0))
    with pytest.raises(ValueError, match="integer array that the graph never uses"):
        compile(lambda w, labels: (w * Tensor(labels)).sum(), (w, np.array([1, 2, 3])))
    with pytest.raises(ValueError, match="never used by the graph"):
        compile(lambda w, y: nn.mse_loss(w, y), (w, np.zeros(3)))  # mse_loss copies its targets: frozen
    with pytest.raises(ValueError, match="not a leaf"):
        compile(lambda t: t.sum(), (w * 2.0,))
    with pytest.raises(ValueError, match="buffers must be one of"):
        compile(lambda w: (w * w).sum(), (w,), buffers="some")
    assert "1 inputs" in repr(compiled) and "buffers" in repr(compiled)


def test_the_source_names_the_arguments_and_compiles_nothing_of_the_user():
    def step(x, W):
        return (x @ W).relu().sum()
    compiled = compile(step, (np.ones((2, 3)), Tensor(np.ones((3, 4)), requires_grad=True)))
    assert compiled.source.startswith("def forward_backward(x, W):")
    assert "dW = np.dot(x.T, " in compiled.source
    odd = compile(lambda *w: (w[0] * w[1]).sum(), (np.ones(2), Tensor(np.ones(2), requires_grad=True)))
    assert odd.source.startswith("def forward_backward(x0, x1):")
    shadowing = compile(lambda float, W: (float * W).sum(), (np.ones(2), Tensor(np.ones(2), requires_grad=True)))
    assert shadowing.source.startswith("def forward_backward(x0, x1):")  # the code itself calls float()


def test_values_never_alive_at_once_share_a_kept_array():
    step, x, labels, weights = _step("intermediate")
    model = mlp(np.float64, seed=1)
    separate = compile(lambda x, labels, *w: nn.cross_entropy(model(x), labels), (x, labels, *model.parameters()),
                       reuse_slots=False)
    assert step.programs[0].buffers < separate.programs[0].buffers
    assert "one array for values that are never alive at once" in step.source
    for point in [(x, labels, *weights), (x * 3.0, labels[::-1].copy(), *weights)]:
        assert_same(step(*point), separate(*point))
