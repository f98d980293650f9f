"""Optimizers: the update rules of the source documents, with torch.optim's exact semantics.

The solver workflow is always the same four lines::

    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for X, y in loader:
        optimizer.zero_grad()          # gradients accumulate: start from zero
        loss = loss_fn(model(X), y)    # forward
        loss.backward()                # backward
        optimizer.step()               # update

Each optimizer writes its rule once, in `_update`, on plain numbers or
arrays: ``p.data`` and ``p.grad`` of a scalar `Value` are floats, those of a
`Tensor` are arrays -- numpy's, or those of the library the tensor lives in
(torch on its device, Dask, ...) -- and the same formula serves them all.
The state (momentum, Adam's moments) is made beside each parameter, in its
library and on its device. Names, defaults and
formulas follow `torch.optim`, so switching gives the same numbers (the tests
compare 100-step trajectories with PyTorch's to 1e-10).

Every argument is checked once, at construction, with torch.optim's rules and
wording ("Invalid learning rate: lr must be a finite number >= 0, got -1"):
a bad hyperparameter never gets as far as a step.

Notation below: g the gradient, p the parameter, lr the learning rate, t the
step count (from 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from autograd import array_library
from autograd.arguments import flag, function, integer, real, shown
from autograd.tensor import Tensor
from autograd.value import Value

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "clip_grad_norm_",
           "clip_grad_value_", "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR"]


def _zeros_like(x):
    if isinstance(x, np.ndarray):
        return np.zeros_like(x)
    xp = array_library.namespace_or_none(x)
    return 0.0 if xp is None else xp.zeros_like(x)  # (in x's library, on its device)


def _sqrt(x):
    if isinstance(x, np.ndarray):
        return np.sqrt(x)
    xp = array_library.namespace_or_none(x)
    return math.sqrt(x) if xp is None else xp.sqrt(x)


def _maximum(a, b):
    xp = None if isinstance(a, np.ndarray) else array_library.namespace_or_none(a)
    return np.maximum(a, b) if xp is None else xp.maximum(a, b)  # (numpy's for floats too, as before)


def _copy(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    return x if array_library.namespace_or_none(x) is None else array_library.copy(x)


def _like(new, old):
    """`new` in the form of `old`: an array of old's dtype for a Tensor, a float for a Value.

    (numpy hands back a scalar from arithmetic on a 0-d array, and float64 from mixed dtypes.)
    """
    if isinstance(old, np.ndarray):
        return np.asarray(new, dtype=old.dtype)
    if array_library.namespace_or_none(old) is None:
        return float(new)
    return array_library.astype(new, old.dtype)  # an array of another library


def _keep_beside(data, state: dict) -> None:
    """Move state arrays to where the parameter lives now, should the parameter have moved (`nn.Module.to`)
    after the state was made: the state always lives where the parameter lives."""
    kind = type(data)
    if kind is float or array_library.namespace_or_none(data) is None:  # a Value's number: nothing moves
        return
    for key, value in state.items():
        elsewhere = type(value) is not kind or (  # another library, or (torch) another device
            kind is not np.ndarray and array_library.device(value) != array_library.device(data))
        if hasattr(value, "shape") and elsewhere:
            state[key] = array_library.asarray_like(array_library.to_numpy(value), data, data.dtype)


# --- what an optimizer is given ---------------------------------------------------------

_PARAMETERS = "an iterable of Values, of Tensors made with requires_grad=True, or of parameter-group dicts"


def _listed(name: str, value, accepts: str = _PARAMETERS) -> list:
    """An iterable as a list; a set is refused, as in torch: its order, and so which state goes with
    which parameter after a reload, changes from run to run."""
    if isinstance(value, (Value, Tensor, str, bytes, dict)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be {accepts}, got {shown(value)}")
    if isinstance(value, (set, frozenset)):
        raise TypeError(f"{name} must be ordered (a list, say), not a set: a set's order changes from run to run")
    return list(value)


def _parameters(name: str, params) -> list:
    """The parameters of one group (or of clipping): leaves that can have a gradient, each once.

    A single parameter is taken as a list of one, as torch takes a single tensor.
    """
    items = [params] if isinstance(params, (Value, Tensor)) else \
        _listed(name, params, "an iterable of Values or of Tensors made with requires_grad=True")
    position: dict[int, int] = {}
    for i, p in enumerate(items):
        if isinstance(p, Tensor) and not p.requires_grad:
            raise TypeError(f"{name}[{i}] is a Tensor made without requires_grad=True: it never has a gradient")
        if not isinstance(p, (Value, Tensor)):
            raise TypeError(f"{name}[{i}] must be a Value or a Tensor with requires_grad=True, got {shown(p)}")
        if p.parents:
            raise ValueError(f"{name}[{i}] was made by an operation ({p.op}); only leaves (made directly) "
                             f"can be optimized")
        if id(p) in position:  # it would be updated twice per step
            raise ValueError(f"{name} holds the same parameter twice, at {position[id(p)]} and {i}")
        position[id(p)] = i
    return items


def _saved(check: Callable, name: str, value, **bounds):
    """`check` on an entry of a saved state dict, where anything wrong (type or value) is a ValueError."""
    try:
        return check(name, value, **bounds)
    except TypeError as error:
        raise ValueError(str(error)) from None


def _entries(name: str, value: dict, keys: set) -> dict:
    """A saved dict with exactly these keys, or a ValueError saying which are missing or unexpected."""
    missing, unexpected = sorted(keys - set(value), key=str), sorted(set(value) - keys, key=str)
    if missing or unexpected:
        raise ValueError(f"{name} does not fit: missing {missing or 'nothing'}, unexpected {unexpected or 'nothing'}")
    return value


def _learning_rate(lr) -> float:
    return real("lr", lr, low=0, what="learning rate")


class Optimizer:
    """What every optimizer shares: parameter groups, state, zero_grad, state_dict.

    ``params`` is an iterable of parameters, or of dicts ``{"params": [...],
    "lr": ...}`` (parameter groups, each with its own hyperparameters; what a
    group leaves out comes from the constructor's arguments; other keys are
    kept, as in torch). Every hyperparameter, the constructor's and each
    group's, is checked by the optimizer's `_checked`, with torch.optim's rules.
    """

    def __init__(self, params, defaults: dict):
        if type(self) is Optimizer:
            raise TypeError("Optimizer is the base of SGD, Adam and the rest: use one of them, "
                            "or a subclass that defines _update")
        if not isinstance(defaults, dict):
            raise TypeError(f"defaults must be a dict of hyperparameters, got {shown(defaults)}")
        self.defaults = self._checked(dict(defaults))
        items = _listed("params", params)
        if not items:
            raise ValueError("optimizer got an empty parameter list")
        self.param_groups: list[dict] = []
        if any(isinstance(item, dict) for item in items):
            if not all(isinstance(item, dict) for item in items):
                raise TypeError("params mixes parameter-group dicts with parameters: give a list of either")
            for i, group in enumerate(items):
                self._add_group(group, f"params[{i}]")
        else:
            self._add_group({"params": items}, "params", params_name="params")
        self.state: dict[int, dict] = {}  # keyed by id(parameter); see state_dict for the saved form

    def add_param_group(self, group: dict) -> None:
        """Add a group ``{"params": [...], "lr": ..., ...}``; what it leaves out comes from the defaults."""
        self._add_group(group, "group")

    def _add_group(self, group, name: str, params_name: str | None = None) -> None:
        if not isinstance(group, dict):
            raise TypeError(f"{name} must be a parameter group, a dict with a 'params' entry, got {shown(group)}")
        if "params" not in group:
            raise ValueError(f"{name} has no 'params' entry (its keys: {sorted(group, key=str)})")
        params = _parameters(params_name or f"{name}['params']", group["params"])
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        settings = self._checked({**self.defaults, **{k: v for k, v in group.items() if k != "params"}})
        self.param_groups.append({**settings, "params": params})

    def _checked(self, settings: dict) -> dict:
        """The hyperparameters of one group, checked and in normal form (floats, bools); other keys kept.

        Each optimizer checks its own, with torch.optim's rules and wording.
        """
        return settings

    def _state_keys(self, group: dict) -> set:
        """What one parameter's state holds once it has been updated under `group`'s settings."""
        return set()

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
                if state:
                    _keep_beside(p.data, state)
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
        """Resume from `state_dict()`'s output (of an optimizer of this kind over parameters of the same shapes).

        As in torch, the saved groups are matched with this optimizer's in
        order, and their parameters one by one. Everything is checked first
        (the groups' sizes and hyperparameters, every state entry's keys and
        shapes) and a ValueError says what does not fit; only then does
        anything change. (A nan in the state is kept: it is the run's history.)
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict (from state_dict()), got {shown(state_dict)}")
        _entries("state_dict", state_dict, {"state", "param_groups"})
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not all(
                isinstance(g, dict) and isinstance(g.get("params"), (list, tuple)) for g in saved_groups):
            raise ValueError("state_dict['param_groups'] must be a list of dicts, each with a 'params' list")
        saved_sizes = [len(g["params"]) for g in saved_groups]
        sizes = [len(g["params"]) for g in self.param_groups]
        if saved_sizes != sizes:
            raise ValueError(f"the saved parameter groups do not match this optimizer's: they hold {saved_sizes} "
                             f"parameters, this optimizer's {sizes}")
        if not isinstance(saved_state, dict):
            raise ValueError(f"state_dict['state'] must be a dict, got {shown(saved_state)}")
        new_settings, parameter_of = [], {}  # each group's new settings; saved index -> (parameter, its settings)
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            name = f"state_dict['param_groups'][{i}]"
            merged = {k: v for k, v in {**group, **saved}.items() if k != "params"}
            try:
                settings = self._checked(merged)
            except (TypeError, ValueError) as error:  # a malformed dict is a wrong value, whatever is wrong in it
                raise ValueError(f"{name}: {error}") from None
            new_settings.append(settings)
            for index, p in zip(saved["params"], group["params"]):
                if isinstance(index, bool) or not isinstance(index, int) or index in parameter_of:
                    raise ValueError(f"{name}['params'] must hold distinct integer indices, got {shown(index)}")
                parameter_of[index] = (p, settings)
        state = {}
        for index, entry in saved_state.items():
            if index not in parameter_of:
                raise ValueError(f"state_dict['state'] has an entry for parameter {index!r}, which no group lists")
            p, settings = parameter_of[index]
            state[id(p)] = self._loaded_state(f"state_dict['state'][{index!r}]", entry, p, settings)
        for group, settings in zip(self.param_groups, new_settings):
            group.update(settings)
        self.state = state

    def _loaded_state(self, name: str, entry, p, settings: dict) -> dict:
        """One parameter's saved state, checked against what its update reads, and copied."""
        if not isinstance(entry, dict):
            raise ValueError(f"{name} must be a dict, got {shown(entry)}")
        missing = self._state_keys(settings) - set(entry)
        if entry and missing:  # (an empty entry is a parameter not yet updated)
            raise ValueError(f"{name} lacks {sorted(missing)}, which {type(self).__name__} needs")
        loaded = {}
        for key, value in entry.items():
            if key == "step":
                loaded[key] = _saved(integer, f"{name}['step']", value, low=0)
                continue
            if array_library.namespace_or_none(value) is not None and not array_library.is_numpy(value):
                value = array_library.to_numpy(value)  # (saved from a parameter of another library)
            number = isinstance(value, (np.ndarray, np.generic, float, int)) and not isinstance(value, bool)
            array = np.asarray(value) if number else None
            shape = np.shape(p.data) if isinstance(p, Value) else tuple(p.data.shape)
            if array is None or array.dtype.kind not in "iuf" or array.shape != shape:
                raise ValueError(f"{name}[{key!r}] must be a number or an array of the parameter's shape "
                                 f"{shape}, got {shown(value)}")
            if isinstance(p.data, np.ndarray):
                loaded[key] = np.array(array, dtype=p.data.dtype)
            elif isinstance(p, Value):
                loaded[key] = float(array)
            else:  # beside the parameter, in its library and on its device
                loaded[key] = array_library.asarray_like(array, p.data, p.data.dtype)
        return loaded

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
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay))

    def _checked(self, settings):
        checked = {**settings, "lr": _learning_rate(settings["lr"]),
                   "momentum": real("momentum", settings["momentum"], low=0, what="momentum value"),
                   "dampening": real("dampening", settings["dampening"], low=0, high=1, what="dampening value"),
                   "nesterov": flag("nesterov", settings["nesterov"]),
                   "weight_decay": real("weight_decay", settings["weight_decay"], low=0, what="weight_decay value")}
        if checked["nesterov"] and (checked["momentum"] <= 0 or checked["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening, got "
                             f"momentum={checked['momentum']} and dampening={checked['dampening']}")
        return checked

    def _state_keys(self, group):
        return {"momentum_buffer"} if group["momentum"] else set()

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

    def _checked(self, settings):
        return {**settings, "lr": _learning_rate(settings["lr"]),
                "lr_decay": real("lr_decay", settings["lr_decay"], low=0, what="lr_decay value"),
                "weight_decay": real("weight_decay", settings["weight_decay"], low=0, what="weight_decay value"),
                "initial_accumulator_value": real("initial_accumulator_value", settings["initial_accumulator_value"],
                                                  low=0, what="initial_accumulator_value value"),
                "eps": real("eps", settings["eps"], low=0, what="epsilon value")}

    def _state_keys(self, group):
        return {"step", "sum"}

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

    def _checked(self, settings):
        # alpha is a smoothing constant: above 1, (1 - alpha) g^2 turns negative and its square root nan
        return {**settings, "lr": _learning_rate(settings["lr"]),
                "alpha": real("alpha", settings["alpha"], low=0, high=1, what="alpha value"),
                "eps": real("eps", settings["eps"], low=0, what="epsilon value"),
                "weight_decay": real("weight_decay", settings["weight_decay"], low=0, what="weight_decay value"),
                "momentum": real("momentum", settings["momentum"], low=0, what="momentum value"),
                "centered": flag("centered", settings["centered"])}

    def _state_keys(self, group):
        return {"step", "square_avg", "grad_avg", "momentum_buffer"}

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

    def _checked(self, settings):
        return {**settings, "lr": _learning_rate(settings["lr"]),
                "rho": real("rho", settings["rho"], low=0, high=1, what="rho value"),
                "eps": real("eps", settings["eps"], low=0, what="epsilon value"),
                "weight_decay": real("weight_decay", settings["weight_decay"], low=0, what="weight_decay value")}

    def _state_keys(self, group):
        return {"step", "square_avg", "acc_delta"}

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
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _checked(self, settings):
        betas = settings["betas"]
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"betas must be a pair of numbers (beta1, beta2), got {shown(betas)}")
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers (beta1, beta2), got {len(betas)} of them: {betas!r}")
        return {**settings, "lr": _learning_rate(settings["lr"]),
                "betas": tuple(real(f"betas[{i}]", beta, low=0, high=1, high_open=True,
                                    what=f"beta parameter at index {i}") for i, beta in enumerate(betas)),
                "eps": real("eps", settings["eps"], low=0, what="epsilon value"),
                "weight_decay": real("weight_decay", settings["weight_decay"], low=0, what="weight_decay value"),
                "amsgrad": flag("amsgrad", settings["amsgrad"])}

    def _state_keys(self, group):
        return {"step", "exp_avg", "exp_avg_sq"} | ({"max_exp_avg_sq"} if group["amsgrad"] else set())

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
            v = state["max_exp_avg_sq"] = _maximum(state["max_exp_avg_sq"], v)
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
    """The parameters (a single one, or an iterable of them, each once) that have a gradient."""
    return [p for p in _parameters("params", params) if p.grad is not None]


def clip_grad_norm_(params: Iterable, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint norm is at most max_norm; return the norm before.

    The norm is taken over every gradient entry at once, as if concatenated:
    ``(sum |g|^norm_type) ** (1 / norm_type)``, or max |g| for ``norm_type=inf``.
    max_norm >= 0 (inf: measure only); norm_type > 0, inf allowed.
    """
    max_norm = real("max_norm", max_norm, low=0, finite=False)
    norm_type = real("norm_type", norm_type, low=0, low_open=True, finite=False)
    params = _grads(params)
    if not params:
        return 0.0
    # (on the host, in float64: the norm is one number, read back whatever library the gradients live in)
    sizes = [np.abs(np.asarray(p.grad if isinstance(p.grad, (np.ndarray, float)) else
                               array_library.to_numpy(p.grad), dtype=np.float64)) for p in params]
    if math.isinf(norm_type):
        total = max(float(s.max(initial=0.0)) for s in sizes)
    else:  # in numpy floats, whose overflow is inf (Python's floats raise OverflowError)
        with np.errstate(over="ignore"):
            total = float(np.float64(sum(float((s ** norm_type).sum()) for s in sizes)) ** (1.0 / norm_type))
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for p in params:
            p.grad = _like(p.grad * coefficient, p.grad)
    return total


def clip_grad_value_(params: Iterable, clip_value: float) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value] (clip_value >= 0)."""
    clip_value = real("clip_value", clip_value, low=0, finite=False)
    for p in _grads(params):
        g = p.grad
        clipped = np.clip(g, -clip_value, clip_value) if isinstance(g, (np.ndarray, float)) else \
            array_library.namespace(g).clip(g, -clip_value, clip_value)
        p.grad = _like(clipped, g)


# --- learning-rate schedules ---------------------------------------------------------

def _optimizer(value) -> Optimizer:
    if not isinstance(value, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer (SGD, Adam, ...), got {shown(value)}")
    return value


class LRScheduler:
    """Sets each group's ``lr`` from its initial one and the epoch count; call `step()` once per epoch.

    As in PyTorch: constructing the scheduler applies epoch 0, and every
    `step()` advances one epoch. `get_last_lr()` gives the current rates.
    """

    def __init__(self, optimizer: Optimizer):
        if type(self) is LRScheduler:
            raise TypeError("LRScheduler is the base of StepLR and the rest: use one of them, "
                            "or a subclass that defines lr_at")
        self.optimizer = _optimizer(optimizer)
        self.base_lrs = [real(f"param_groups[{i}]['initial_lr']", group.get("initial_lr", group["lr"]), low=0,
                              what="learning rate") for i, group in enumerate(optimizer.param_groups)]
        for group, base in zip(optimizer.param_groups, self.base_lrs):
            group["initial_lr"] = base
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
        """Resume from `state_dict()`'s output; a dict that does not fit raises ValueError, changing nothing."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict (from state_dict()), got {shown(state)}")
        _entries("state", state, {"last_epoch", "base_lrs"})
        last_epoch = _saved(integer, "state['last_epoch']", state["last_epoch"], low=0)
        base_lrs, groups = state["base_lrs"], len(self.optimizer.param_groups)
        if not isinstance(base_lrs, (list, tuple)) or len(base_lrs) != groups:
            raise ValueError(f"state['base_lrs'] must be a list of {groups} learning rate(s), one per parameter "
                             f"group, got {shown(base_lrs)}")
        self.last_epoch = last_epoch
        self.base_lrs = [_saved(real, f"state['base_lrs'][{i}]", lr, low=0) for i, lr in enumerate(base_lrs)]


class StepLR(LRScheduler):
    """lr = initial lr * gamma ** (epoch // step_size): drop by gamma every step_size epochs.

    step_size >= 1; gamma in [0, 1], a decay (above 1 the rate would grow without bound).
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = integer("step_size", step_size, low=1)
        self.gamma = real("gamma", gamma, low=0, high=1)
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = initial lr * gamma ** epoch, gamma in [0, 1]."""

    def __init__(self, optimizer, gamma: float):
        self.gamma = real("gamma", gamma, low=0, high=1)
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: half a cosine, then back up."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803 - PyTorch's name
        self.T_max = integer("T_max", T_max, low=1)
        self.eta_min = real("eta_min", eta_min, low=0)
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """lr = initial lr * lr_lambda(epoch), with one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]]):
        _optimizer(optimizer)
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [function(f"lr_lambda[{i}]", f) for i, f in enumerate(lr_lambda)]
            if len(self.lr_lambdas) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas (one per parameter group), but got {len(lr_lambda)}")
        else:
            self.lr_lambdas = [function("lr_lambda", lr_lambda)] * groups
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch, group_index):
        # the user's function runs once per epoch: its answer is checked here, before it becomes a learning rate
        factor = real(f"lr_lambda({epoch})", self.lr_lambdas[group_index](epoch), low=0)
        return base_lr * factor
