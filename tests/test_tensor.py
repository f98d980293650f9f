"""`Tensor` as a user meets it: creation, the node interface, operators, errors, modes, memory.

The derivative of every primitive is property-tested in test_tensor_primitives.py;
the tests here pin down everything around the derivatives.
"""

from __future__ import annotations

import gc
import importlib.util
import pathlib
import weakref

import numpy as np
import pytest

from autograd import Value, detect_anomaly, enable_grad, no_grad, tensor_ops
from autograd.tensor import (
    Tensor,
    affine,
    concatenate,
    cross_entropy,
    log_softmax,
    softmax,
    softmax_cross_entropy,
    stack,
)

# --- creation and the array it holds ------------------------------------------------------


def test_float64_by_default_float32_on_request_and_kept():
    assert Tensor([1, 2, 3]).dtype == np.float64           # ints become float64, as Value makes floats
    assert Tensor(2.5).dtype == np.float64
    assert Tensor(np.ones(3, np.float32)).dtype == np.float32  # float32 data stays float32
    assert Tensor([1.0, 2.0], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2), dtype="float32").dtype == np.float32


def test_creation_copies_the_data():
    array = np.zeros(3)
    t = Tensor(array)
    array[0] = 5.0
    assert t.data[0] == 0.0


@pytest.mark.parametrize("bad", ["3", None, ["a", "b"], 1 + 2j, {"x": 1}])
def test_creation_rejects_what_is_not_real_numbers(bad):
    with pytest.raises(TypeError, match="Tensor holds"):
        Tensor(bad)


def test_creation_rejects_a_non_floating_dtype():
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype such as numpy.float32, got int32"):
        Tensor([1, 2], dtype=np.int32)


def test_array_attributes():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.T.shape == (3, 2) and t.T.op == "T"
    assert Tensor([[4.0]]).item() == 4.0 and isinstance(Tensor([[4.0]]).item(), float)
    assert t.numpy() is t.data
    d = t.detach()
    assert d.data is t.data and not d.requires_grad and d.parents == () and d.op == ""
    assert "requires_grad=True" in repr(t) and "dtype=float32" in repr(Tensor(np.ones(2, np.float32)))


# --- the node interface shared with Value -------------------------------------------------


def test_node_interface_matches_value():
    a = Tensor(np.ones((2, 2)), requires_grad=True, label="a")
    b = Tensor(np.ones(2), requires_grad=True, label="b")
    c = a @ b
    d = concatenate([c, b, c])
    for node in (a, c, d, Value(1.0)):  # the attributes drawing and the chain-rule trace read
        for attribute in ("data", "grad", "label", "op", "parents", "_op"):
            assert hasattr(node, attribute)
    assert (a.op, a.parents, a._op) == ("", (), None)
    assert c.op == "@" and c.parents == (a, b)  # argument order
    assert d.op == "concat" and d.parents == (c, b, c)
    assert (c._op.name, c._op.symbol, c._op.expression) == ("matmul", "@", "A @ B")
    assert a.label == "a" and c.label == ""


def test_the_op_of_each_method_is_its_row_of_the_table():
    """The methods are made from the table: no second copy of a rule anywhere."""
    t = Tensor(np.ones(3), requires_grad=True)
    for name in tensor_ops.UNARY_METHODS:
        op = tensor_ops.TENSOR_PRIMITIVES[name]
        assert getattr(t, name)()._op is op
        assert getattr(Tensor, name).__doc__.endswith(op.formulas[0])
    assert (t + t)._op is tensor_ops.add and (t * 2)._op is tensor_ops.mul and (t ** 2)._op is tensor_ops.power(2)


def test_comparisons_return_plain_boolean_arrays_and_equality_is_identity():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in ((a > 2, [False, False, True]), (a <= 2, [True, True, False]),
                             (a < Tensor([2.0, 2.0, 2.0]), [True, False, False]), (a >= np.array(3.0), [0, 0, 1])):
        assert type(result) is np.ndarray and result.dtype == bool
        assert result.tolist() == [bool(e) for e in expected]
    assert a == a and a != Tensor([1.0, 2.0, 3.0])  # tensors are dictionary keys in backward()
    assert len({a, a}) == 1


# --- operators, numbers and arrays on either side, broadcasting -------------------------------


def test_numbers_and_arrays_on_either_side():
    t = Tensor([1.0, 2.0], requires_grad=True)
    results = [2 - t, t - 2, 2 * t, t / 4, 1 / t, 2 ** t, t ** 2, -t, abs(-t), np.array([1.0, 1.0]) + t,
               np.array([3.0, 4.0]) * t, np.ones((3, 2)) @ t]
    assert all(isinstance(r, Tensor) for r in results)  # ndarray on the left defers to Tensor
    assert (2 - t).data.tolist() == [1.0, 0.0] and (1 / t).data.tolist() == [1.0, 0.5]
    assert (2 ** t).data.tolist() == [2.0, 4.0]
    with pytest.raises(TypeError):
        t + "a"


def test_broadcasting_in_both_directions_sums_gradients_back():
    column = Tensor(np.array([[1.0], [2.0], [3.0]]), requires_grad=True)   # (3, 1)
    row = Tensor(np.array([[10.0, 20.0, 30.0, 40.0]]), requires_grad=True)  # (1, 4)
    (column * row).sum().backward()                                          # (3, 4)
    assert column.grad.shape == (3, 1) and row.grad.shape == (1, 4)
    np.testing.assert_allclose(column.grad, [[100.0], [100.0], [100.0]])     # sum of the row
    np.testing.assert_allclose(row.grad, [[6.0, 6.0, 6.0, 6.0]])              # sum of the column


def test_indexing_scatters_and_adds_repeated_picks():
    x = Tensor(np.arange(5.0), requires_grad=True)
    (x[[0, 0, 3]].sum() + x[1:3].sum() + x[x.data > 3].sum() + x[-1]).backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0, 1.0, 2.0]


def test_concatenate_stack_and_shapes():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((2, 3)), requires_grad=True)
    assert concatenate([a, b], axis=1).shape == (2, 6)
    s = stack([a, b, a], axis=-1)
    assert s.shape == (2, 3, 3)
    (s * np.arange(3.0)).sum().backward()
    np.testing.assert_allclose(a.grad, np.full((2, 3), 0.0 + 2.0))  # a is slices 0 and 2
    np.testing.assert_allclose(b.grad, np.full((2, 3), 1.0))
    assert a.reshape(3, 2).shape == (3, 2) and a.reshape((6,)).shape == (6,) and a.flatten().shape == (6,)
    assert Tensor(np.ones((2, 3, 4))).transpose(2, 0, 1).shape == (4, 2, 3)


def test_matmul_of_1d_2d_and_stacked_operands_match_numpy():
    rng = np.random.default_rng(0)
    for left, right in [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                        ((3,), (5, 3, 2)), ((1, 2, 3), (4, 3, 2))]:
        a, b = rng.standard_normal(left), rng.standard_normal(right)
        np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)


def test_affine_is_x_at_W_plus_b_in_one_node():
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    fused = [Tensor(v, requires_grad=True) for v in (x, W, b)]
    plain = [Tensor(v, requires_grad=True) for v in (x, W, b)]
    out = affine(*fused)
    assert out.parents == tuple(fused) and out.op == "affine"
    (out * out).sum().backward()
    ((plain[0] @ plain[1] + plain[2]) ** 2).sum().backward()
    for f, p in zip(fused, plain):
        np.testing.assert_allclose(f.grad, p.grad, rtol=1e-12)
    with pytest.raises(ValueError, match=r"affine .* shapes \(4, 3\) and \(3, 2\) and \(3,\)"):
        affine(*fused[:2], Tensor(np.ones(3)))


# --- softmax and cross-entropy ------------------------------------------------------------------


def test_softmax_and_log_softmax_are_stable_for_huge_logits():
    logits = Tensor(np.array([[1000.0, 0.0, -1000.0], [5.0, 5.0, 5.0]]), requires_grad=True)
    p = softmax(logits)
    np.testing.assert_allclose(p.data, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-12)
    np.testing.assert_allclose(log_softmax(logits).data, [[0.0, -1000.0, -2000.0], [-np.log(3)] * 3])
    np.testing.assert_allclose(np.exp(logits.log_softmax(axis=0).data).sum(axis=0), [1.0, 1.0, 1.0])


def test_cross_entropy_with_labels_or_one_hot_matches_the_formula():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, size=5)
    expected = np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(5), labels])
    a, b = Tensor(logits, requires_grad=True), Tensor(logits, requires_grad=True)
    loss_a, loss_b = cross_entropy(a, labels), softmax_cross_entropy(b, np.eye(4)[labels])
    np.testing.assert_allclose([loss_a.item(), loss_b.item()], [expected, expected], rtol=1e-12)
    loss_a.backward()
    loss_b.backward()
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(a.grad, (probs - np.eye(4)[labels]) / 5, rtol=1e-10)
    np.testing.assert_allclose(b.grad, a.grad, rtol=1e-10)
    huge = cross_entropy(Tensor(np.array([[1e4, -1e4]]), requires_grad=True), [1])
    assert huge.item() == 2e4   # no overflow, no log(0)
    assert Tensor(logits[0]).cross_entropy(labels[0]).item() == pytest.approx(
        np.log(np.exp(logits[0]).sum()) - logits[0, labels[0]])


def test_cross_entropy_says_what_is_wrong_with_the_targets():
    logits = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\).*largest is 4"):
        cross_entropy(logits, [0, 1, 4])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\).*smallest is -1"):
        cross_entropy(logits, [0, -1, 2])
    with pytest.raises(ValueError, match=r"labels of shape \(2,\) do not match logits of shape \(3, 4\)"):
        cross_entropy(logits, [0, 1])
    with pytest.raises(ValueError, match=r"targets of shape \(3, 3\) do not match logits of shape \(3, 4\)"):
        cross_entropy(logits, np.zeros((3, 3)))
    with pytest.raises(TypeError, match="integer labels or float one-hot rows"):
        cross_entropy(logits, np.array(["a", "b", "c"]))


def test_sigmoid_is_accurate_at_both_ends():
    x = Tensor(np.array([-800.0, -40.0, 0.0, 40.0, 800.0]))
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow on the way
        y = x.sigmoid().data
    np.testing.assert_allclose(y, [0.0, np.exp(-40.0) / (1 + np.exp(-40.0)), 0.5, 1.0, 1.0], rtol=1e-15)


def test_max_shares_the_gradient_between_ties():
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


# --- backward(): seeds, messages, accumulation, aliasing -------------------------------------------


def test_backward_seeds_one_only_for_a_one_element_tensor():
    x = Tensor(np.array([[3.0]]), requires_grad=True)
    (x * x).backward()                       # shape (1, 1): one element, seeded with 1
    assert x.grad.tolist() == [[6.0]]
    y = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2, 3\) needs a gradient of that shape"):
        (y * 2).backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3, 2\) but the tensor has shape \(2, 3\)"):
        (y * 2).backward(np.ones((3, 2)))
    (y * 2).backward(np.full((2, 3), 0.5))
    assert y.grad.tolist() == [[1.0] * 3] * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


@pytest.mark.parametrize("combine, shapes, message", [
    (lambda a, b: a + b, ((2, 3), (4,)), r"add \(a \+ b\) cannot combine shapes \(2, 3\) and \(4,\)"),
    (lambda a, b: a @ b, ((2, 3), (4, 5)), r"matmul \(A @ B\) cannot combine shapes \(2, 3\) and \(4, 5\)"),
    (lambda a, b: concatenate([a, b]), ((2, 3), (2, 4)),
     r"concatenate .* cannot combine shapes \(2, 3\) and \(2, 4\)"),
    (lambda a, b: a.reshape(4) * b, ((2, 3), (4,)), r"reshape .* cannot combine shapes \(2, 3\)"),
])
def test_a_shape_mismatch_names_both_shapes_and_the_op(combine, shapes, message):
    a, b = (Tensor(np.ones(s), requires_grad=True) for s in shapes)
    with pytest.raises(ValueError, match=message):
        combine(a, b)


def test_gradients_accumulate_only_in_leaves_unless_retained():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hidden = (x * 3).retain_grad()
    other = x * 2
    (hidden + other).sum().backward()
    (hidden + other).sum().backward()
    assert x.grad.tolist() == [10.0, 10.0]          # 5 per pass, twice
    assert hidden.grad.tolist() == [2.0, 2.0]
    assert other.grad is None                       # intermediate: not kept
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_no_two_tensors_ever_share_a_gradient_array():
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.ones(3), requires_grad=True)
    seed = np.array([1.0, 2.0, 3.0])
    (a + b + (c + 0.0)).backward(seed)              # add hands the same g to both inputs
    assert a.grad is not b.grad and b.grad is not c.grad and a.grad is not c.grad
    assert a.grad is not seed
    a.grad *= 0                                     # an optimizer updating in place
    seed[:] = 0
    assert b.grad.tolist() == c.grad.tolist() == [1.0, 2.0, 3.0]
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    x.sum().backward()                              # sum's VJP is a read-only broadcast view
    x.grad += 1                                     # the stored gradient is a writeable copy
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_backward_twice_through_cross_entropy_gives_the_same_gradient():
    logits = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    loss = cross_entropy(logits, [0])
    loss.backward()
    first = logits.grad.copy()
    loss.backward()
    np.testing.assert_allclose(logits.grad, 2 * first)


# --- float32 end to end --------------------------------------------------------------------------


def test_float32_stays_float32_end_to_end():
    rng = np.random.default_rng(3)
    W = Tensor(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, np.float32), requires_grad=True)
    x = Tensor(rng.standard_normal((3, 5)).astype(np.float32))
    h = ((x @ W + b) * 2.0 + np.float64(1.0)).tanh() / 3   # Python and numpy scalars take the tensor's dtype
    loss = cross_entropy(h, np.eye(4)[[0, 1, 2]]) + (h ** 2).mean()  # float64 one-hot rows too
    assert h.dtype == loss.dtype == np.float32
    loss.backward()
    assert W.grad.dtype == b.grad.dtype == np.float32


def test_a_float64_operand_promotes_the_value_but_not_the_float32_gradient():
    a = Tensor(np.ones(3, np.float32), requires_grad=True)
    out = a * np.array([1.0, 2.0, 3.0])           # numpy's rule: float32 * float64 array -> float64
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.tolist() == [1.0, 2.0, 3.0]


# --- modes shared with Value --------------------------------------------------------------------


def test_no_grad_and_enable_grad_are_shared_with_value():
    t = Tensor([1.0], requires_grad=True)
    v = Value(1.0)
    with no_grad():
        out, scalar = t * 2, v * 2
        with enable_grad():
            inner = t * 2
    assert not out.requires_grad and out.parents == () and out.op == ""
    assert scalar.parents == ()
    assert inner.requires_grad and inner.parents[0] is t
    assert (t * 2).requires_grad


def test_operations_on_data_only_record_nothing():
    x = Tensor(np.ones((2, 2)))
    y = (x @ x).relu()
    assert not y.requires_grad and y.parents == ()


def test_detect_anomaly_names_the_operation_forward_and_backward():
    x = Tensor(np.array([1.0, -1.0]), requires_grad=True, label="x")
    with detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError, match=r"log\(x\) on \('x' \(a leaf, shape \(2,\)\)\) .*1 of 2"):
            x.log()
    z = Tensor(np.array([0.0, 4.0]), requires_grad=True, label="z")
    with np.errstate(divide="ignore"):
        root = z.sqrt()                             # fine forward: sqrt(0) = 0
        with detect_anomaly(), pytest.raises(FloatingPointError, match=r"backward pass of .*sqrt\(x\).* into 'z'"):
            root.sum().backward()                   # d sqrt / dz at 0 is inf


# --- graphs: deep, acyclic, freed by reference counting ---------------------------------------------


def test_a_deep_chain_needs_no_recursion():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 20_000] * 2, rtol=1e-9)


def test_dropping_the_loss_frees_the_graph_without_the_garbage_collector():
    gc.disable()
    try:
        W = Tensor(np.ones((3, 3)), requires_grad=True)
        hidden = (Tensor(np.ones((2, 3))) @ W).relu()
        loss = cross_entropy(hidden, [0, 1])
        loss.backward()
        alive = weakref.ref(hidden)
        del hidden, loss
        assert alive() is None            # no reference cycle kept it alive
    finally:
        gc.enable()


# --- the benchmark's network: the engine reproduces backprop by hand ------------------------------


def _benchmark():
    path = pathlib.Path(__file__).parent.parent / "benchmarks" / "tensor_mlp.py"
    spec = importlib.util.spec_from_file_location("tensor_mlp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("batch", [1, 7])
def test_training_steps_match_hand_written_numpy_backprop(batch):
    """The benchmark's implementations compute the same training step: same losses, same weights after it."""
    bench = _benchmark()
    params, x, labels = bench.make_problem(batch)
    runs = [bench.TunedNumpy(params, x, labels), bench.Autograd(params, x, labels),
            bench.AutogradAffine(params, x, labels), bench.TextbookNumpy(params, x, labels)]
    losses = [[run.step() for _ in range(3)] for run in runs]
    for other in losses[1:]:  # float32 sums in other orders, and the textbook's log(p + 1e-7)
        np.testing.assert_allclose(other, losses[0], rtol=1e-4, atol=1e-5)
    for run in runs[1:3]:
        for tuned, ours in zip(runs[0].params, run.params):
            assert ours.data.dtype == np.float32
            np.testing.assert_allclose(ours.data, tuned, rtol=1e-4, atol=1e-6)


def test_the_gradient_of_a_0d_tensor_is_a_0d_array():
    p = Tensor(1.5, requires_grad=True)
    (p * p).backward()  # two contributions: their sum must stay an array
    assert type(p.grad) is np.ndarray and p.grad.shape == () and p.grad == 3.0
