"""Optimizers, schedulers and clipping: the same numbers as torch.optim, from committed fixtures."""

import copy
import json
import math
import pathlib

import numpy as np
import pytest

from autograd import Tensor, Value, optim
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


# --- bad input gets a clear, named error (issue 12) ---------------------------------------

def one_value():
    return [Value(0.0)]


@pytest.mark.parametrize("optimizer, options, error, message", [
    ("SGD", {"lr": -1}, ValueError, r"Invalid learning rate: lr must be a finite number >= 0, got -1"),
    ("SGD", {"lr": float("nan")}, ValueError, r"Invalid learning rate: lr .* got nan"),
    ("SGD", {"lr": "a"}, TypeError, r"Invalid learning rate: lr must be a real number, got 'a'"),
    ("SGD", {"lr": float("inf")}, ValueError, r"Invalid learning rate"),
    ("SGD", {"momentum": -0.5}, ValueError, r"Invalid momentum value: momentum"),
    ("SGD", {"dampening": 2.0}, ValueError, r"dampening must be a finite number >= 0 and <= 1"),
    ("SGD", {"weight_decay": -1}, ValueError, r"Invalid weight_decay value"),
    ("SGD", {"nesterov": 1}, TypeError, r"nesterov must be True or False"),
    ("Adagrad", {"lr_decay": -1}, ValueError, r"Invalid lr_decay value"),
    ("Adagrad", {"initial_accumulator_value": -1}, ValueError, r"Invalid initial_accumulator_value value"),
    ("Adagrad", {"eps": -1e-10}, ValueError, r"Invalid epsilon value"),
    ("RMSprop", {"alpha": -0.1}, ValueError, r"Invalid alpha value"),
    ("RMSprop", {"alpha": 1.5}, ValueError, r"Invalid alpha value"),
    ("RMSprop", {"momentum": -1}, ValueError, r"Invalid momentum value"),
    ("RMSprop", {"centered": "yes"}, TypeError, r"centered must be True or False"),
    ("Adadelta", {"rho": 1.5}, ValueError, r"Invalid rho value: rho must be a finite number >= 0 and <= 1"),
    ("Adadelta", {"lr": -1.0}, ValueError, r"Invalid learning rate"),
    ("Adam", {"betas": (2, 3)}, ValueError, r"Invalid beta parameter at index 0: betas\[0\]"),
    ("Adam", {"betas": (0.9, 1.0)}, ValueError, r"Invalid beta parameter at index 1: .* < 1, got 1"),
    ("Adam", {"betas": (0.9,)}, ValueError, r"betas must be a pair"),
    ("Adam", {"betas": 0.9}, TypeError, r"betas must be a pair"),
    ("Adam", {"eps": -1}, ValueError, r"Invalid epsilon value"),
    ("Adam", {"amsgrad": "no"}, TypeError, r"amsgrad must be True or False"),
    ("AdamW", {"weight_decay": -0.01}, ValueError, r"Invalid weight_decay value"),
    ("AdamW", {"lr": None}, TypeError, r"Invalid learning rate: lr must be a real number, got None"),
])
def test_every_hyperparameter_is_checked_at_construction(optimizer, options, error, message):
    with pytest.raises(error, match=message):
        getattr(optim, optimizer)(one_value(), **options)


def test_parameter_groups_are_checked_like_the_constructor():
    with pytest.raises(ValueError, match="Invalid learning rate: lr .* got -3"):
        optim.SGD([{"params": [Value(1.0)], "lr": -3}], lr=0.1)
    with pytest.raises(ValueError, match=r"params\[0\] has no 'params' entry"):
        optim.SGD([{"lr": 0.1}])
    with pytest.raises(TypeError, match="mixes parameter-group dicts with parameters"):
        optim.SGD([{"params": [Value(1.0)]}, Value(2.0)])
    optimizer = optim.Adam(one_value())
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optimizer.add_param_group({"params": [Value(1.0)], "betas": (0.9, 1.5)})
    with pytest.raises(TypeError, match="group must be a parameter group, a dict"):
        optimizer.add_param_group([Value(1.0)])
    assert len(optimizer.param_groups) == 1  # nothing half-added


a_parameter = Value(1.0)


@pytest.mark.parametrize("params, error, message", [
    (None, TypeError, r"params must be an iterable of Values"),
    (3, TypeError, r"params must be an iterable of Values"),
    ("ab", TypeError, r"params must be an iterable of Values, .* got 'ab'"),
    (Value(1.0), TypeError, r"params must be an iterable of Values"),
    ({Value(1.0)}, TypeError, r"not a set"),
    ([1.0], TypeError, r"params\[0\] must be a Value or a Tensor with requires_grad=True, got 1.0"),
    ([Tensor(1.0)], TypeError, r"params\[0\] is a Tensor made without requires_grad=True"),
    ([Value(1.0) * 2], ValueError, r"params\[0\] was made by an operation"),
    ([a_parameter, a_parameter], ValueError, r"the same parameter twice, at 0 and 1"),
])
def test_params_must_be_leaves_that_can_learn_each_once(params, error, message):
    with pytest.raises(error, match=message):
        optim.SGD(params, lr=0.1)


def test_clipping_arguments_are_checked():
    a = Value(0.0)
    a.grad = 3.0
    with pytest.raises(ValueError, match="max_norm must be a number >= 0"):
        optim.clip_grad_norm_([a], -1.0)  # a negative limit used to flip the gradient's sign
    with pytest.raises(ValueError, match="norm_type must be a number > 0"):
        optim.clip_grad_norm_([a], 1.0, norm_type=0)
    with pytest.raises(ValueError, match="clip_value must be a number >= 0"):
        optim.clip_grad_value_([a], -1.0)
    with pytest.raises(TypeError, match="params must be an iterable of Values or of Tensors"):
        optim.clip_grad_value_(5, 1.0)
    assert a.grad == 3.0


def test_a_norm_too_large_for_a_float_is_inf_not_an_overflow_error():
    a, b = Value(0.0), Value(0.0)
    a.grad = b.grad = 1e308
    assert optim.clip_grad_norm_([a, b], 1.0, norm_type=0.01) == math.inf


def test_scheduler_arguments_are_checked():
    optimizer = optim.SGD(one_value(), lr=1.0)
    with pytest.raises(ValueError, match="T_max must be an integer >= 1, got 0"):
        optim.CosineAnnealingLR(optimizer, T_max=0)
    with pytest.raises(ValueError, match="eta_min"):
        optim.CosineAnnealingLR(optimizer, T_max=10, eta_min=-1.0)
    with pytest.raises(ValueError, match="step_size must be an integer >= 1, got 0"):
        optim.StepLR(optimizer, step_size=0)
    with pytest.raises(TypeError, match="step_size must be an integer, got 2.5"):
        optim.StepLR(optimizer, step_size=2.5)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0 and <= 1"):
        optim.ExponentialLR(optimizer, gamma=-0.5)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        optim.StepLR("an optimizer", step_size=1)
    with pytest.raises(TypeError, match="lr_lambda must be a function"):
        optim.LambdaLR(optimizer, 0.5)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas"):
        optim.LambdaLR(optimizer, [lambda epoch: 1.0, lambda epoch: 0.5])
    with pytest.raises(ValueError, match=r"lr_lambda\(0\) must be a finite number >= 0, got -1"):
        optim.LambdaLR(optimizer, lambda epoch: -1)
    assert optimizer.param_groups[0]["lr"] == 1.0


def test_the_base_classes_say_what_to_use_instead():
    with pytest.raises(TypeError, match="Optimizer is the base of SGD"):
        optim.Optimizer(one_value(), {"lr": 0.1})
    with pytest.raises(TypeError, match="LRScheduler is the base of StepLR"):
        optim.LRScheduler(optim.SGD(one_value()))


def test_a_malformed_optimizer_state_dict_is_refused_and_changes_nothing():
    p = Tensor(np.ones(3), requires_grad=True)
    optimizer = optim.Adam([p], lr=0.1)
    p.grad = np.ones(3)
    optimizer.step()
    good = copy.deepcopy(optimizer.state_dict())
    state_before = copy.deepcopy(optimizer.state[id(p)])

    def broken(change):
        saved = copy.deepcopy(good)
        change(saved)
        return saved

    cases = {
        "missing \\['state'\\]": {"param_groups": good["param_groups"]},
        "must be a list of dicts": broken(lambda s: s.update(param_groups=[1])),
        "they hold \\[2\\] parameters, this optimizer's \\[1\\]":
            broken(lambda s: s["param_groups"][0].update(params=[0, 1])),
        "param_groups'\\]\\[0\\]: Invalid learning rate": broken(lambda s: s["param_groups"][0].update(lr="x")),
        "lacks \\['exp_avg_sq'\\], which Adam needs": broken(lambda s: s["state"][0].pop("exp_avg_sq")),
        "'exp_avg'\\] must be a number or an array of the parameter's shape \\(3,\\)":
            broken(lambda s: s["state"][0].update(exp_avg=np.ones(2))),
        "'step'\\] must be an integer": broken(lambda s: s["state"][0].update(step=1.5)),
        "entry for parameter 7, which no group lists": broken(lambda s: s["state"].update({7: {}})),
    }
    for message, state_dict in cases.items():
        with pytest.raises(ValueError, match=message):
            optimizer.load_state_dict(state_dict)
    assert optimizer.param_groups[0]["lr"] == 0.1 and list(optimizer.state) == [id(p)]
    assert all(np.array_equal(optimizer.state[id(p)][k], v) for k, v in state_before.items())
    optimizer.load_state_dict(good)  # and the good one still loads


def test_a_malformed_scheduler_state_dict_is_refused():
    scheduler = optim.StepLR(optim.SGD(one_value(), lr=1.0), step_size=1)
    with pytest.raises(ValueError, match=r"missing \['base_lrs', 'last_epoch'\]"):
        scheduler.load_state_dict({})
    with pytest.raises(ValueError, match=r"state\['last_epoch'\] must be an integer"):
        scheduler.load_state_dict({"last_epoch": 1.5, "base_lrs": [1.0]})
    with pytest.raises(ValueError, match=r"state\['base_lrs'\] must be a list of 1 learning rate"):
        scheduler.load_state_dict({"last_epoch": 1, "base_lrs": [1.0, 2.0]})
    assert scheduler.state_dict() == {"last_epoch": 0, "base_lrs": [1.0]}
