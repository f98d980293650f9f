"""A training step on a Dask array of many chunks, computed on a `dask.distributed` cluster, is numpy's step.

The data is a numpy array seen by Dask through `dask.array.from_array`, so
both sides hold the very same numbers. The loss and the gradients are built
lazily, then computed together on a `LocalCluster` (one worker, two
threads, inside this process: light and quick). Beside the comparison with
numpy (float64, rtol 1e-10), the data source records every read Dask makes
of it, so the tests can see that the step really went chunk by chunk: each
chunk read once per pass, by a worker of the cluster, and no read larger
than one chunk.
"""

from __future__ import annotations

import threading

import dask
import dask.array as da
import distributed
import numpy as np
import pytest

from autograd import Tensor, array_library, nn, optim

ROWS, CHUNK = 24_000, 2_000  # twelve chunks
RTOL, ATOL = 1e-10, 1e-12


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                       dashboard_address=None)
    connected = distributed.Client(cluster)
    yield connected
    connected.close()
    cluster.close()


class RecordedReads:
    """A numpy array behind a Dask array, writing down every slice Dask reads and which worker read it.

    Dask reads a non-numpy source with ``source[slices]``, one task per chunk.
    The record lives on the class: the graph may be pickled on its way to the
    scheduler, and the copy read by the worker (in this process) must write to
    the same list.
    """

    reads: dict[str, list] = {}
    lock = threading.Lock()

    def __init__(self, name: str, values: np.ndarray):
        self.name, self.values = name, values
        self.shape, self.dtype, self.ndim = values.shape, values.dtype, values.ndim
        with self.lock:
            self.reads[name] = []

    def __getitem__(self, index):
        piece = self.values[index]
        if piece.size:  # (Dask reads an empty slice for the array's type, its "meta", when building the graph)
            try:
                worker = distributed.get_worker().address
            except ValueError:
                worker = None  # read outside every worker: in the client
            with self.lock:
                self.reads[self.name].append((piece.shape, worker))
        return piece

    def taken(self) -> list:
        with self.lock:
            return list(self.reads[self.name])

    def forget(self) -> None:
        with self.lock:
            self.reads[self.name].clear()


def make_data(name: str, seed: int = 0):
    """Inputs of 3 features and targets of 2 outputs, a linear map plus noise; as numpy and as recorded Dask."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((ROWS, 3))
    y = X @ np.array([[0.3, -1.0], [2.0, 0.5], [-0.7, 1.2]]) + 1.5 + 0.1 * rng.standard_normal((ROWS, 2))
    sources = RecordedReads(f"{name} X", X), RecordedReads(f"{name} y", y)
    lazy = [da.from_array(s, chunks=(CHUNK, -1), asarray=True) for s in sources]
    return (X, y), lazy, sources


def make_model():
    nn.init.seed(0)
    return nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))


def test_the_data_is_many_chunks_and_nothing_is_read_until_computed(client):
    _, (X, y), sources = make_data("lazy")
    assert X.numblocks == (ROWS // CHUNK, 1) and y.numblocks == (ROWS // CHUNK, 1)
    model = make_model().to(da)
    loss = nn.mse_loss(model(Tensor(X)), y)
    loss.backward()
    assert isinstance(loss.data, da.Array) and all(isinstance(p.grad, da.Array) for p in model.parameters())
    assert all(s.taken() == [] for s in sources)


def test_a_step_on_the_cluster_gives_numpy_s_loss_and_gradients_reading_each_chunk_once(client):
    (X_np, y_np), (X, y), sources = make_data("step")
    reference = make_model()
    expected = nn.mse_loss(reference(Tensor(X_np)), y_np)
    expected.backward()

    model = make_model().to(da)
    loss = nn.mse_loss(model(Tensor(X)), y)
    loss.backward()
    futures = client.compute([loss.data, *(p.grad for p in model.parameters())])  # on the cluster, together
    value, *grads = client.gather(futures)

    np.testing.assert_allclose(float(value), expected.item(), rtol=RTOL)
    for g, p in zip(grads, reference.parameters()):
        assert type(g) is np.ndarray and g.shape == p.shape
        np.testing.assert_allclose(g, p.grad, rtol=RTOL, atol=ATOL)
    worker = next(iter(client.scheduler_info()["workers"]))
    for source in sources:
        reads = source.taken()
        # one pass for the loss and every gradient: each of the 12 chunks read once, whole, by the worker
        assert len(reads) == ROWS // CHUNK
        assert all(shape == (CHUNK, source.shape[1]) for shape, _ in reads)
        assert {w for _, w in reads} == {worker}


def test_training_steps_with_persisted_parameters_follow_numpy_and_the_graph_does_not_grow(client):
    """The linear regression of notebook 11: x @ W + b, SGD, the parameters persisted after every step."""
    (X_np, y_np), (X, y), sources = make_data("training")
    rng = np.random.default_rng(1)
    W0, b0 = rng.standard_normal((3, 2)), rng.standard_normal(2)

    def step(W, b, X, y, optimizer):
        optimizer.zero_grad()
        loss = ((Tensor(X) @ W + b - y) ** 2).mean()
        loss.backward()
        return loss

    W_np, b_np = Tensor(W0, requires_grad=True), Tensor(b0, requires_grad=True)
    sgd_np = optim.SGD([W_np, b_np], lr=0.1, momentum=0.5)
    W = Tensor(da.from_array(W0), requires_grad=True)
    b = Tensor(da.from_array(b0), requires_grad=True)
    sgd = optim.SGD([W, b], lr=0.1, momentum=0.5)
    graph_sizes = []
    for k in range(3):
        for s in sources:
            s.forget()
        expected = step(W_np, b_np, X_np, y_np, sgd_np)
        loss = step(W, b, X, y, sgd)
        # the loss and the gradients in one pass over the data; afterwards they hold their values on the cluster
        loss.data, W.grad, b.grad = dask.persist(loss.data, W.grad, b.grad)
        np.testing.assert_allclose(loss.item(), expected.item(), rtol=RTOL)
        np.testing.assert_allclose(array_library.to_numpy(W.grad), W_np.grad, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(array_library.to_numpy(b.grad), b_np.grad, rtol=RTOL, atol=ATOL)
        assert all(len(s.taken()) == ROWS // CHUNK for s in sources), k
        sgd_np.step()
        sgd.step()
        W.data, b.data = dask.persist(W.data, b.data)
        for state in sgd.state.values():  # the momentum too: else its graph would hold every earlier step
            state["momentum_buffer"], = dask.persist(state["momentum_buffer"])
        np.testing.assert_allclose(W.numpy(), W_np.data, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(b.numpy(), b_np.data, rtol=RTOL, atol=ATOL)
        graph_sizes.append(sum(len(a.__dask_graph__()) for a in (W.data, b.data, *(
            state["momentum_buffer"] for state in sgd.state.values()))))
    assert isinstance(W.data, da.Array) and isinstance(b.data, da.Array)
    assert graph_sizes == [4, 4, 4]  # persisted: one task per array (one chunk each), no history of earlier steps
