"""Optimizers, schedulers and clipping: the same numbers as torch.optim, from committed fixtures."""

import copy
import json
import pathlib

import numpy as np
import pytest

from autograd import Value, optim
from tests.fixtures.optim_problem import CONFIGS, FUNCTIONS, START, STEPS, loss

REFERENCE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "torch_optim_reference.json").read_text())
TOLERANCE = 1e-10


def run(config, steps=STEPS, params=None, optimizer=None):
    params = params if params is not None else [Value(x) for x in START]
    if optimizer is None:
        groups = [{**g, "params": [params[i] for i in g["params"]]} for g in config["groups"]] \
            if "groups" in config else params
        optimizer = getattr(optim, config["optimizer"])(groups, **config["options"])
    scheduler = None
    if "scheduler" in config:
        name, options = config["scheduler"]
        options = {k: FUNCTIONS.get(v, v) if isinstance(v, str) else v for k, v in options.items()}
        scheduler = getattr(optim, name)(optimizer, **options)
    losses, lrs = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        value = loss(params)
        value.backward()
        if "clip_norm" in config:
            optim.clip_grad_norm_(params, config["clip_norm"])
        if "clip_value" in config:
            optim.clip_grad_value_(params, config["clip_value"])
        optimizer.step()
        if scheduler is not None:
            lrs.append(scheduler.get_last_lr())
            scheduler.step()
        losses.append(value.data)
    return params, optimizer, losses, lrs


@pytest.mark.parametrize("label", list(CONFIGS))
def test_100_steps_equal_torch_optim(label):
    params, _, losses, lrs = run(CONFIGS[label])
    expected = REFERENCE["runs"][label]
    deviation = max(abs(p.data - q) for p, q in zip(params, expected["params"]))
    assert deviation <= TOLERANCE, f"{label}: parameters differ from torch's by {deviation:.2e}"
    np.testing.assert_allclose(losses, expected["losses"], rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(lrs, expected["lrs"], rtol=1e-12)


def test_every_optimizer_is_covered_by_the_fixtures():
    covered = {c["optimizer"] for c in CONFIGS.values()}
    assert covered == {"SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW"}
    assert set(REFERENCE["runs"]) == set(CONFIGS)


@pytest.mark.parametrize("label", ["sgd-lr=0.01-momentum=0.9-dampening=0.0-nesterov=True-weight_decay=0.01",
                                   "rmsprop-lr=0.01-momentum=0.9-centered=True-weight_decay=0.01",
                                   "adam-lr=0.01-amsgrad=True-weight_decay=0.01", "adam-groups"])
def test_resuming_from_a_state_dict_reproduces_the_trajectory(label):
    config = CONFIGS[label]
    straight, *_ = run(config, steps=60)
    first, optimizer, *_ = run(config, steps=25)
    saved = copy.deepcopy(optimizer.state_dict())
    params = [Value(p.data) for p in first]  # a fresh model, as after loading a checkpoint
    groups = [{**g, "params": [params[i] for i in g["params"]]} for g in config["groups"]] \
        if "groups" in config else params
    resumed_optimizer = getattr(optim, config["optimizer"])(groups, **config["options"])
    resumed_optimizer.load_state_dict(saved)
    resumed, *_ = run(config, steps=35, params=params, optimizer=resumed_optimizer)
    assert [p.data for p in resumed] == [p.data for p in straight]


def test_zero_grad_resets_values_to_zero_and_step_skips_missing_gradients():
    a, b = Value(1.0), Value(2.0)
    optimizer = optim.SGD([a, b], lr=0.1)
    (a * b).backward()
    optimizer.step()
    assert (a.data, b.data) == pytest.approx((0.8, 1.9))
    optimizer.zero_grad()
    assert a.grad == 0.0 and type(a.grad) is float and type(a.data) is float


def test_parameter_groups_must_not_overlap_and_must_not_be_empty():
    a = Value(1.0)
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([a], lr=0.1, nesterov=True)


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0
    assert optim.clip_grad_norm_([a, b], 1.0) == 5.0
    assert (a.grad, b.grad) == pytest.approx((0.6, 0.8), rel=1e-6)
    assert optim.clip_grad_norm_([a, b], 10.0) == pytest.approx(1.0, rel=1e-6)  # below the limit: unchanged
    a.grad, b.grad = -3.0, 0.5
    optim.clip_grad_value_([a, b], 1.0)
    assert (a.grad, b.grad) == (-1.0, 0.5)


def test_schedulers_follow_their_formulas():
    p = Value(0.0)
    opt = optim.SGD([p], lr=1.0)
    scheduler = optim.StepLR(opt, step_size=2, gamma=0.5)
    seen = []
    for _ in range(5):
        seen.append(scheduler.get_last_lr()[0])
        scheduler.step()
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("label", [k for k in CONFIGS if "groups" not in k])
def test_tensor_parameters_take_the_same_path_to_the_same_numbers(label):
    """The same optimizers on 0-d Tensors instead of Values: torch's trajectory again."""
    from autograd import Tensor

    params = [Tensor(x, requires_grad=True) for x in START]
    params_out, _, losses, _ = run(CONFIGS[label], params=params)
    expected = REFERENCE["runs"][label]
    deviation = max(abs(float(p.data) - q) for p, q in zip(params_out, expected["params"]))
    assert deviation <= TOLERANCE, f"{label}: parameters differ from torch's by {deviation:.2e}"
    assert all(p.grad is None or p.grad.shape == () for p in params_out)
