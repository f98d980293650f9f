"""What a tensor graph keeps, and that what it does not keep is never needed.

Three mechanisms (see `autograd.modes` and `autograd.tensor`):

* every row of the tensor table says what its VJPs read (``needs``); the
  first test makes each row run its VJP with every value it does not declare
  replaced by a `FreedValues`, which raises at any read -- so a wrong
  declaration fails here, on hypothesis-drawn shapes;
* ``x @ W + b`` with a product nobody else holds is one affine node: the same
  numbers bit for bit as the two nodes `retain_values()` records;
* `free_unneeded()` frees the values no VJP reads: backward is bit for bit
  the same, a freed value raises a clear error when read, and `retain_values`
  keeps them all.
"""

from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import given, settings

from autograd import Tensor, nn, tensor_ops
from autograd import tensor as tensor_module
from autograd.modes import free_unneeded, no_grad, retain_values
from autograd.tensor import FreedValues, FreedValuesError, cross_entropy
from tests.test_tensor_primitives import CASES, EMPTY_MEANS

# --- the declarations are true: a VJP never reads what its row says it does not need ---------------


def _stand_in(tensor: Tensor, keep: bool):
    """An input node for `TensorPrimitive.backward`: the real values, or a FreedValues in their place."""
    return types.SimpleNamespace(data=tensor.data if keep else FreedValues(tensor), requires_grad=tensor.requires_grad)


@pytest.mark.parametrize("name", CASES)
@EMPTY_MEANS[0]
@EMPTY_MEANS[1]
def test_each_vjp_reads_only_the_values_its_row_declares(name):
    case = CASES[name]

    @settings(max_examples=40, deadline=None)
    @given(case.inputs)
    def check(example):
        arrays, kwargs = example
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        node = case.apply(*tensors, **kwargs)
        op = node._op
        g = np.random.default_rng(0).standard_normal(node.shape)
        expected = op.backward(g, node.data, tensors, node._params)
        out = node.data if op.needs_output else FreedValues(node)
        inputs = [_stand_in(t, op.needs_input(i)) for i, t in enumerate(tensors)]
        got = op.backward(g, out, inputs, node._params)  # raises FreedValuesError at a value it was not promised
        for e, r in zip(expected, got):
            np.testing.assert_array_equal(r, e)

    check()


def test_the_declarations_of_a_few_rows():
    assert tensor_ops.add.needs == () and tensor_ops.sub.needs == () and tensor_ops.neg.needs == ()
    assert tensor_ops.mul.needs == (0, 1) and tensor_ops.div.needs == (0, 1)
    assert tensor_ops.tanh.needs == ("out",) and tensor_ops.exp.needs == ("out",) and tensor_ops.relu.needs == (0,)
    assert tensor_ops.matmul.needs == (0, 1) and tensor_ops.affine.needs == (0, 1)
    assert tensor_ops.sum.needs == () and tensor_ops.cross_entropy.needs == () and tensor_ops.softmax.needs == ("out",)
    assert tensor_ops.power(2).needs == (0,)
    # a row that does not say what it reads keeps everything
    own = tensor_ops.TensorPrimitive("twice", "2x", "2 * x", lambda x: 2 * x, (lambda g, out, x: 2 * g,), ("2 g",))
    assert own.needs_output and own.needs_input(0)
    with pytest.raises(TypeError, match="needs must be a tuple"):
        tensor_ops.TensorPrimitive("bad", "b", "b(x)", abs, (abs,), ("g",), needs=["out"])


# --- x @ W + b: one affine node, the same numbers ------------------------------------------------------

def _mlp_params(dtype, rng, sizes=(5, 4, 3)):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(Tensor(rng.standard_normal((fan_in, fan_out)).astype(dtype), requires_grad=True))
        params.append(Tensor(rng.standard_normal(fan_out).astype(dtype), requires_grad=True))
    return params


def _natural_step(params, x, labels):
    """The benchmark's step as users write it: ``x @ W + b``, relu, cross_entropy; the loss and all gradients."""
    W1, b1, W2, b2 = params
    for p in params:
        p.grad = None
    loss = cross_entropy((x @ W1 + b1).relu() @ W2 + b2, labels)
    loss.backward()
    return loss, [p.grad for p in params]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 7, 300])
def test_x_at_W_plus_b_is_one_affine_node_with_the_numbers_of_two(dtype, batch):
    rng = np.random.default_rng(batch)
    params = _mlp_params(dtype, rng)
    x, labels = Tensor(rng.standard_normal((batch, 5)).astype(dtype)), rng.integers(0, 3, batch)
    loss, grads = _natural_step(params, x, labels)
    layer = "affine" if tensor_module._FUSING else "+"  # (CPython 3.11-3.13 tell a temporary by its count)
    assert loss.parents[0].op == layer and loss.parents[0].parents[0].parents[0].op == layer
    with retain_values():  # as written: @ and + are nodes of their own
        plain, plain_grads = _natural_step(params, x, labels)
    assert plain.parents[0].op == "+" and plain.parents[0].parents[0].op == "@"
    assert plain.data.tobytes() == loss.data.tobytes()
    for g, h in zip(grads, plain_grads):
        assert g.dtype == dtype and g.tobytes() == h.tobytes()


@pytest.mark.skipif(not tensor_module._FUSING, reason="this Python cannot tell a temporary by its reference count")
def test_only_a_product_nobody_else_holds_is_fused():
    # (the expressions stand outside the asserts: pytest's rewritten asserts keep every intermediate)
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((4, 3)))
    W, b = Tensor(rng.standard_normal((3, 2)), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    fused, bias_first = x @ W + b, b + x @ W
    assert fused.op == "affine" and bias_first.op == "affine" and bias_first.parents == (x, W, b)
    product = x @ W
    named = product + b                       # a variable holds the product: recorded as written
    held = [x @ W]
    in_a_list = held[0] + b
    by_name = (x @ W).__add__(b)              # called by name, not by the + operator
    retained = (x @ W).retain_grad() + b      # its gradient was asked for
    computed_bias = x @ W + W[0]              # a node was made between the product and the sum
    full_matrix = x @ W + Tensor(np.ones((4, 2)))  # not one bias per column
    itself = W.T @ W + W[0]
    for plain in (named, in_a_list, by_name, retained, computed_bias, full_matrix, itself):
        assert plain.op == "+"
    with no_grad():
        unrecorded = x @ W + b
    assert unrecorded.op == ""
    # numpy's loop over an object array holds its elements by borrowed references, which count as a
    # temporary's: the sum is fused, and the product the array still holds never shows the sum instead
    products, biases = np.empty(1, dtype=object), np.empty(1, dtype=object)
    products[0], biases[0] = x @ W, b
    sums = products + biases
    np.testing.assert_array_equal(sums[0].data, x.data @ W.data + b.data)
    assert sums[0].op == "affine" and products[0].shape == (4, 2)
    for read in (lambda: np.asarray(products[0].data), lambda: products[0].item(), lambda: products[0] * 2.0):
        with pytest.raises(FreedValuesError, match=r"A @ B .* product x @ W of an x @ W \+ b recorded as one affine"):
            read()


# --- the owned gradient: written into in place, never when someone else holds it ------------------------

def test_an_elementwise_vjp_writes_into_a_gradient_only_it_holds():
    """relu and tanh share one g from the add; large enough for the in-place path, which must not touch it."""
    rng = np.random.default_rng(1)
    data = rng.standard_normal((80, 80))
    x = Tensor(data, requires_grad=True)
    W = Tensor(rng.standard_normal((80, 80)), requires_grad=True)
    h = x @ W
    loss = ((h.relu() + h.tanh()) * 3.0).sum()
    loss.backward()
    product = data @ W.data
    dh = 3.0 * (product > 0) + 3.0 * (1 - np.tanh(product) ** 2)
    np.testing.assert_allclose(x.grad, dh @ W.data.T, rtol=1e-12)
    np.testing.assert_allclose(W.grad, data.T @ dh, rtol=1e-12)


# --- free_unneeded(): only what backward reads ----------------------------------------------------------

def _sequential(dtype):
    nn.init.seed(0)
    return nn.Sequential(nn.Linear(6, 5, dtype=dtype), nn.Tanh(), nn.Linear(5, 4, dtype=dtype), nn.ReLU(),
                         nn.Linear(4, 3, dtype=dtype))


def _freed(root) -> list:
    from autograd.graph import walk
    return [n for n in walk(root) if type(n.data) is FreedValues]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_freeing_changes_no_gradient_bit_for_bit(dtype):
    rng = np.random.default_rng(2)
    x, labels = Tensor(rng.standard_normal((9, 6)).astype(dtype)), rng.integers(0, 3, 9)
    results = []
    for freeing in (False, True):
        model = _sequential(dtype)
        with free_unneeded() if freeing else retain_values():
            out = model(x)
            loss = cross_entropy(out * 2.0, labels) + (out ** 2).mean() + model[0].weight.abs().sum() * 1e-3
            loss.backward()
            loss.backward()  # twice: what the first pass read is still there
        results.append((loss, [p.grad for p in model.parameters()]))
    (kept, kept_grads), (lean, lean_grads) = results
    freed = _freed(lean)
    assert {n.op for n in freed} >= {"*", "**2"} and not _freed(kept)  # (the inputs of CE and mean, of sum)
    assert kept.data.tobytes() == lean.data.tobytes()
    for g, h in zip(kept_grads, lean_grads):
        assert g.tobytes() == h.tobytes()


def test_the_natural_step_under_free_unneeded_is_the_same_step():
    rng = np.random.default_rng(3)
    params = _mlp_params(np.float32, rng)
    x, labels = Tensor(rng.standard_normal((20, 5)).astype(np.float32)), rng.integers(0, 3, 20)
    loss, grads = _natural_step(params, x, labels)
    with free_unneeded():
        lean, lean_grads = _natural_step(params, x, labels)
    assert [n.op for n in _freed(lean)] == ["affine"]  # the logits: cross-entropy reads its saved softmax
    for g, h in zip(grads, lean_grads):
        assert g.tobytes() == h.tobytes()


def test_a_freed_value_raises_a_clear_error_and_keeps_its_shape():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with free_unneeded():
        loss = (x * 2.0).sum()
        loss.backward()
    doubled = loss.parents[0]
    freed = doubled.data
    assert type(freed) is FreedValues
    assert doubled.shape == (2, 3) and doubled.dtype == np.float64 and doubled.ndim == 2 and len(doubled) == 2
    assert "values freed" in repr(doubled) and "(2, 3)" in repr(freed)  # a repr never raises
    reads = [lambda: np.asarray(freed), lambda: freed + 1, lambda: freed[0], lambda: float(doubled.sum().data),
             lambda: freed.sum(), lambda: doubled.item(), lambda: str(freed), lambda: doubled * 3.0,
             lambda: np.exp(freed), lambda: np.dot(freed, np.ones(3)), lambda: freed == 0, lambda: doubled > 1,
             lambda: Tensor(doubled)]
    for read in reads:
        with pytest.raises(FreedValuesError, match=r"values of a tensor made by a \* b .* were freed.*retain_values"):
            read()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))  # the freed value was never needed


def test_what_anything_else_holds_is_never_freed():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with free_unneeded():
        named = x * 2.0
        kept_in_a_list = [x * 3.0]
        total = named.sum() + kept_in_a_list[0].sum() + (x * 4.0).tanh().sum()  # tanh reads its own output
        total.backward()
        freed = _freed(total)
    products = [n for n in freed if n.op == "*"]  # (and the sums, which + does not read)
    assert {n.op for n in freed} == {"*", "sum", "+"} and len(products) == 1
    assert products[0] is not named and products[0] is not kept_in_a_list[0]
    assert type(named.data) is np.ndarray and type(kept_in_a_list[0].data) is np.ndarray
    np.testing.assert_array_equal(x.grad, 5.0 + 4.0 * (1 - np.tanh(4.0) ** 2))


def test_retain_values_keeps_every_value_and_the_graph_as_written():
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((3, 4)))
    W, b = Tensor(rng.standard_normal((4, 2)), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    with free_unneeded():
        with retain_values():
            loss = ((x @ W + b) * 2.0).sum()
            loss.backward()
        assert loss.parents[0].parents[0].op == "+" and not _freed(loss)
        np.testing.assert_array_equal(loss.parents[0].parents[0].parents[0].data, x.data @ W.data)
        lean = ((x @ W + b) * 2.0).sum()
        lean.backward()
    assert [n.op for n in _freed(lean)] == ["*"]


def test_the_default_frees_nothing_a_drawing_reads():
    from autograd.explain.drawing import describe_node
    from autograd.graph import walk

    rng = np.random.default_rng(5)
    W, b = Tensor(rng.standard_normal((4, 2)), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    loss = cross_entropy((Tensor(rng.standard_normal((3, 4))) @ W + b).tanh() * 2.0, np.array([0, 1, 1]))
    loss.backward()
    nodes = walk(loss)
    assert not [n for n in nodes if type(n.data) is FreedValues]
    assert all("data" in describe_node(n) for n in nodes)
    with pytest.raises(TypeError, match="FreedValues stands for the values of a Tensor"):
        FreedValues(np.ones(3))
