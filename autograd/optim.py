"""Optimizers: the update rules of the source documents, with torch.optim's exact semantics.

The solver workflow is always the same four lines::

    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for X, y in loader:
        optimizer.zero_grad()          # gradients accumulate: start from zero
        loss = loss_fn(model(X), y)    # forward
        loss.backward()                # backward
        optimizer.step()               # update

Each optimizer writes its rule once, in `_update`, on plain numbers or numpy
arrays: ``p.data`` and ``p.grad`` of a scalar `Value` are floats, those of a
`Tensor` are arrays, and the same formula serves both. Names, defaults and
formulas follow `torch.optim`, so switching gives the same numbers (the tests
compare 100-step trajectories with PyTorch's to 1e-10).

Notation below: g the gradient, p the parameter, lr the learning rate, t the
step count (from 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np


def _zeros_like(x):
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def _sqrt(x):
    return np.sqrt(x) if isinstance(x, np.ndarray) else math.sqrt(x)


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else x


def _like(new, old):
    """`new` in the form of `old`: an array of old's dtype for a Tensor, a float for a Value.

    (numpy hands back a scalar from arithmetic on a 0-d array, and float64 from mixed dtypes.)
    """
    return np.asarray(new, dtype=old.dtype) if isinstance(old, np.ndarray) else float(new)


class Optimizer:
    """What every optimizer shares: parameter groups, state, zero_grad, state_dict.

    ``params`` is an iterable of parameters, or of dicts ``{"params": [...],
    "lr": ...}`` (parameter groups, each with its own hyperparameters; what a
    group leaves out comes from the constructor's arguments).
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.param_groups: list[dict] = []
        for group in groups:
            self.add_param_group(group)
        self.state: dict[int, dict] = {}  # keyed by id(parameter); see state_dict for the saved form

    def add_param_group(self, group: dict) -> None:
        group = {**self.defaults, **group, "params": list(group["params"])}
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def parameters(self) -> list:
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self) -> None:
        """Reset every gradient: 0.0 for a Value, None for a Tensor (as PyTorch's set_to_none)."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p.grad, float) else None

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                p.data = _like(self._update(p.data, p.grad, state, group), p.data)

    def _update(self, p, g, state: dict, group: dict):
        """The rule: the new value of one parameter. Each optimizer writes its own."""
        raise NotImplementedError

    # -- saving and resuming ------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as PyTorch's.

        Parameters are numbered in the order of `parameters()`, so the dict
        can be loaded into a new optimizer over a new copy of the model.
        """
        index = {id(p): i for i, p in enumerate(self.parameters())}
        return {
            "state": {index[key]: {k: _copy(v) for k, v in s.items()} for key, s in self.state.items()},
            "param_groups": [{**{k: v for k, v in g.items() if k != "params"},
                              "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups],
        }

    def load_state_dict(self, state_dict: dict) -> None:
        groups = state_dict["param_groups"]
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError("the saved parameter groups do not match this optimizer's")
        params = self.parameters()
        for group, saved in zip(self.param_groups, groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {id(params[int(i)]): {k: _copy(v) for k, v in s.items()}
                      for i, s in state_dict["state"].items()}

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({len(self.parameters())} parameters, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and Nesterov momentum.

        g <- g + weight_decay * p
        momentum:  b <- g on the first step, else b <- momentum * b + (1 - dampening) * g
                   g <- g + momentum * b (Nesterov)  or  g <- b
        p <- p - lr * g
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        momentum = group["momentum"]
        if momentum:
            if "momentum_buffer" not in state:
                b = _copy(g)
            else:
                b = momentum * state["momentum_buffer"] + (1 - group["dampening"]) * g
            state["momentum_buffer"] = b
            g = g + momentum * b if group["nesterov"] else b
        return p - group["lr"] * g


class Adagrad(Optimizer):
    """Per-parameter learning rates that shrink where gradients have been large.

        g <- g + weight_decay * p
        s <- s + g^2
        p <- p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["sum"] = _zeros_like(p) + group["initial_accumulator_value"]
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] = state["sum"] + g * g
        return p - lr * g / (_sqrt(state["sum"]) + group["eps"])


class RMSprop(Optimizer):
    """Divide by a running root-mean-square of the gradient.

        g <- g + weight_decay * p
        v <- alpha * v + (1 - alpha) * g^2
        centered:  m <- alpha * m + (1 - alpha) * g;  d = sqrt(v - m^2) + eps,  else d = sqrt(v) + eps
        momentum:  b <- momentum * b + g / d;  p <- p - lr * b,   else p <- p - lr * g / d
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _update(self, p, g, state, group):
        alpha = group["alpha"]
        if not state:
            state.update(step=0, square_avg=_zeros_like(p), grad_avg=_zeros_like(p), momentum_buffer=_zeros_like(p))
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
        if group["centered"]:
            state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
            denominator = _sqrt(state["square_avg"] - state["grad_avg"] * state["grad_avg"]) + group["eps"]
        else:
            denominator = _sqrt(state["square_avg"]) + group["eps"]
        if group["momentum"]:
            state["momentum_buffer"] = group["momentum"] * state["momentum_buffer"] + g / denominator
            return p - group["lr"] * state["momentum_buffer"]
        return p - group["lr"] * g / denominator


class Adadelta(Optimizer):
    """A learning rate from the ratio of running averages of updates and gradients.

        g <- g + weight_decay * p
        v <- rho * v + (1 - rho) * g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho * u + (1 - rho) * delta^2
        p <- p - lr * delta
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        rho, eps = group["rho"], group["eps"]
        if not state:
            state.update(step=0, square_avg=_zeros_like(p), acc_delta=_zeros_like(p))
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p
        state["square_avg"] = rho * state["square_avg"] + (1 - rho) * g * g
        delta = _sqrt(state["acc_delta"] + eps) / _sqrt(state["square_avg"] + eps) * g
        state["acc_delta"] = rho * state["acc_delta"] + (1 - rho) * delta * delta
        return p - group["lr"] * delta


class Adam(Optimizer):
    """Momentum and RMSprop together, with both running averages corrected for their start at 0.

        g <- g + weight_decay * p                      (AdamW decays p itself instead)
        m <- beta1 * m + (1 - beta1) * g               a running mean of g
        v <- beta2 * v + (1 - beta2) * g^2             a running mean of g^2
        amsgrad:  v_max <- max(v_max, v), used in place of v
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    The bias corrections 1 - beta^t undo the pull towards 0 of averages that
    start at 0: after one step m = (1 - beta1) g, and m / (1 - beta1) = g.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _decay(self, p, g, group):
        """Adam's weight decay: L2 added to the gradient."""
        return p, (g + group["weight_decay"] * p if group["weight_decay"] else g)

    def _update(self, p, g, state, group):
        beta1, beta2 = group["betas"]
        if not state:
            state.update(step=0, exp_avg=_zeros_like(p), exp_avg_sq=_zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_like(p)
        state["step"] += 1
        t = state["step"]
        p, g = self._decay(p, g, group)
        state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * g
        state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
        v = state["exp_avg_sq"]
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        denominator = _sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"]
        return p - group["lr"] / (1 - beta1 ** t) * state["exp_avg"] / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p * (1 - lr * weight_decay) before the Adam step."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)

    def _decay(self, p, g, group):
        return p * (1 - group["lr"] * group["weight_decay"]), g


# --- gradient clipping ------------------------------------------------------------

def _grads(params) -> list:
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(params: Iterable, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint norm is at most max_norm; return the norm before.

    The norm is taken over every gradient entry at once, as if concatenated:
    ``(sum |g|^norm_type) ** (1 / norm_type)``, or max |g| for ``norm_type=inf``.
    """
    params = _grads(params)
    if not params:
        return 0.0
    sizes = [np.abs(np.asarray(p.grad, dtype=np.float64)) for p in params]
    if math.isinf(norm_type):
        total = max(float(s.max(initial=0.0)) for s in sizes)
    else:
        total = float(sum(float((s ** norm_type).sum()) for s in sizes) ** (1.0 / norm_type))
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for p in params:
            p.grad = _like(p.grad * coefficient, p.grad)
    return total


def clip_grad_value_(params: Iterable, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value]."""
    for p in _grads(params):
        p.grad = _like(np.clip(p.grad, -clip_value, clip_value), p.grad)


# --- learning-rate schedules ---------------------------------------------------------

class LRScheduler:
    """Sets each group's ``lr`` from its initial one and the epoch count; call `step()` once per epoch.

    As in PyTorch: constructing the scheduler applies epoch 0, and every
    `step()` advances one epoch. `get_last_lr()` gives the current rates.
    """

    def __init__(self, optimizer: Optimizer):
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr: float, epoch: int, group_index: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        for i, (group, base) in enumerate(zip(self.optimizer.param_groups, self.base_lrs)):
            group["lr"] = self.lr_at(base, self.last_epoch, i)

    def get_last_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict) -> None:
        self.last_epoch, self.base_lrs = state["last_epoch"], list(state["base_lrs"])


class StepLR(LRScheduler):
    """lr = initial lr * gamma ** (epoch // step_size): drop by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = initial lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma: float):
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: half a cosine, then back up."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803 - PyTorch's name
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """lr = initial lr * lr_lambda(epoch), with one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]]):
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"LambdaLR needs one function or {groups}, got {len(self.lr_lambdas)}")
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return base_lr * self.lr_lambdas[group_index](epoch)
