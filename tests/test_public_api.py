"""Every public function and constructor, called with junk: it works, or it says clearly what is wrong.

The entry points are not listed by hand: every module of the package is
imported and each name in its ``__all__`` that can be called is walked, so a
function added tomorrow is covered the day it is added (and a module without
``__all__`` fails `test_every_module_says_what_is_public`).

For each entry point hypothesis draws calls mixing plausible arguments with
junk (wrong types, None, bools, nan, inf, negative and zero sizes, huge
numbers, empty and mismatched arrays, Values, Tensors, functions) and
asserts that each call either returns or raises

* `TypeError` or `ValueError` raised by this package's own ``raise`` (so a
  numpy or builtin error that leaks out, "could not broadcast" or "could not
  convert string to float", fails), or by Python itself at the call (a
  wrong number of arguments);
* `OSError` for the file system;
* `AssertionError` from the checkers of `autograd.testing`, whose job it is.

Never `IndexError`, `ZeroDivisionError`, `AttributeError`, `KeyError`,
`OverflowError`, a numpy-internal error or a hang (each call gets a few
seconds). A result that can itself be called (``grad(f)``) or iterated (a
`DataLoader`) is called or iterated once more, with the same rules.
"""

from __future__ import annotations

import importlib
import inspect
import linecache
import math
import pkgutil
import signal
import traceback
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor, Value

PACKAGE = Path(autograd.__file__).parent
TIME_LIMIT = 5.0  # seconds per call; the slowest legitimate call here takes well under one


def all_modules() -> list[str]:
    names = ["autograd"]
    for info in pkgutil.walk_packages(autograd.__path__, prefix="autograd."):
        if not info.name.split(".")[-1].startswith("_"):
            names.append(info.name)
    return sorted(names)


def entry_points() -> list[tuple[str, object]]:
    """(qualified name, callable) for every callable name in every module's __all__; each object once."""
    seen, found = set(), []
    for module_name in all_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not callable(obj) or id(obj) in seen:
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue  # an exception class: raised, not called
            seen.add(id(obj))
            found.append((f"{module_name}.{name}", obj))
    return found


ENTRY_POINTS = entry_points()


def test_every_module_says_what_is_public():
    missing = [name for name in all_modules() if not hasattr(importlib.import_module(name), "__all__")]
    assert not missing, f"these modules define no __all__, so the junk test cannot know what is public: {missing}"


def test_the_walk_covers_the_public_api():
    names = {name.rsplit(".", 1)[1] for name, _ in ENTRY_POINTS}
    for expected in ("grad", "check_grads", "SGD", "Adam", "DataLoader", "make_moons", "MLP", "Linear",
                     "draw_dot", "explain", "parse", "compile", "Tensor", "Value"):
        assert expected in names
    assert len(ENTRY_POINTS) > 80


# --- the arguments --------------------------------------------------------------------

def _junk_arrays():
    return st.sampled_from([
        np.array([]), np.zeros((0, 3)), np.ones((2, 3)), np.ones(3), np.array([np.nan, 1.0]),
        np.array([np.inf]), np.array(2.0), np.array(["a", "b"]), np.ones((2, 2), dtype=np.float32),
        np.arange(4), np.array([True, False]), np.ones((1, 1, 1, 1)),
    ])


PLAUSIBLE = st.one_of(
    st.sampled_from([1, 2, 3, 0.5, 1.0, -1.0, 0.001, "mean", "sum", "central", "x", "tanh(x)", (0.5,), (1.0, 2.0),
                     [1.0, 2.0], [2, 3, 1], True, False]),
    st.builds(lambda: Value(0.5)),
    st.builds(lambda: Tensor(np.ones((2, 3)), requires_grad=True)),
    st.builds(lambda: [Value(1.0), Value(2.0)]),
    st.builds(lambda: (lambda *xs: xs[0] * 2 if xs else Value(1.0))),
)

JUNK = st.one_of(
    st.sampled_from([None, "", "a", b"x", True, math.nan, math.inf, -math.inf, -1, 0, -5, 10 ** 30, -(10 ** 30),
                     1e308, -1e308, 2.5, [], (), {}, {"a": 1}, [[1, 2], [3]], [None], object(), "../../etc/passwd",
                     "__import__('os').system('true')", complex(1, 1), np.float32(np.nan), np.int64(-3)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.text(max_size=4),
    _junk_arrays(),
    st.builds(lambda: (lambda *args, **kwargs: None)),
    st.builds(lambda: Value(math.nan)),
    st.builds(lambda: Tensor(np.zeros((0, 2)))),
)

ARGUMENT = st.one_of(PLAUSIBLE, JUNK)


def _parameters(obj) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return []


@st.composite
def calls(draw, obj):
    """Positional arguments for the parameters (sometimes one too few or too many) and junk keywords."""
    parameters = _parameters(obj)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    most = len(positional) + (2 if varargs else 0)
    count = draw(st.integers(max(required - 1, 0), max(most, required) + 1))
    args = [draw(ARGUMENT) for _ in range(count)]
    keywords = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY or
                (p.kind is p.POSITIONAL_OR_KEYWORD and positional.index(p) >= count)]
    chosen = draw(st.lists(st.sampled_from(keywords), unique=True, max_size=2)) if keywords else []
    return args, {name: draw(ARGUMENT) for name in chosen}


# --- the rules ----------------------------------------------------------------------------

class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    def stop(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _raised_here(error: BaseException) -> bool:
    """Raised by a `raise` statement of this package, or by Python at this test's own call (argument count)."""
    frames = traceback.extract_tb(error.__traceback__)
    last = frames[-1]
    if Path(last.filename).resolve() == Path(__file__).resolve():
        return True  # the call itself (a wrong number of arguments) or one of the junk functions above
    if "unsupported operand type" in str(error):
        return True  # Python's own words for an operator between two kinds it cannot combine, naming both
    if not Path(last.filename).resolve().is_relative_to(PACKAGE):
        return False
    statement = [linecache.getline(last.filename, n) for n in range(max(last.lineno - 3, 1), last.lineno + 1)]
    return any(line.lstrip().startswith("raise ") for line in statement)  # a raise spread over lines


def _fits_signature(call, args, kwargs) -> bool:
    try:
        inspect.signature(call).bind(*args, **kwargs)
    except TypeError:
        return False
    except ValueError:  # no signature to read
        pass
    return True


def judge(name: str, call, args, kwargs) -> object:
    """Make the call; return its result, or None when it raised an acceptable error."""
    shown = f"{name}(*{args!r}, **{kwargs!r})"
    if not _fits_signature(call, args, kwargs):
        with pytest.raises(TypeError):  # Python's own "missing 1 required positional argument"
            call(*args, **kwargs)
        return None
    try:
        with time_limit(TIME_LIMIT), np.errstate(all="ignore"):
            return call(*args, **kwargs)
    except Hang:
        pytest.fail(f"{shown} hangs (no answer within {TIME_LIMIT} s)")
    except (TypeError, ValueError) as error:
        assert str(error).strip(), f"{shown} raised {type(error).__name__} without a message"
        assert _raised_here(error), (f"{shown} let a raw error out: {type(error).__name__}: {error}\n"
                                     + "".join(traceback.format_tb(error.__traceback__)[-3:]))
    except OSError as error:
        assert str(error).strip(), f"{shown} raised {type(error).__name__} without a message"
    except AssertionError:
        if not name.startswith("autograd.testing"):
            raise
    except Exception as error:  # IndexError, ZeroDivisionError, AttributeError, KeyError, OverflowError...
        pytest.fail(f"{shown} raised {type(error).__name__}: {error}\n"
                    + "".join(traceback.format_tb(error.__traceback__)[-4:]))
    return None


def _follow(name: str, result) -> None:
    """A result that is a function (grad(f)) is called, and one that iterates (a DataLoader) is iterated, once."""
    if isinstance(result, (str, bytes, dict, list, tuple, np.ndarray, Value, Tensor)) or result is None:
        return
    if inspect.isfunction(result) or inspect.ismethod(result):
        judge(f"{name}(...)", result, [0.5], {})
    elif hasattr(result, "__iter__") and hasattr(result, "__len__") and not inspect.isclass(result):
        judge(f"iter({name}(...))", lambda: [item for _, item in zip(range(2), result)], [], {})


@pytest.fixture(autouse=True)
def in_a_scratch_folder(tmp_path, monkeypatch):
    """Anything a call writes (a path drawn as junk) lands in a folder of its own."""
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name, obj", ENTRY_POINTS, ids=[name for name, _ in ENTRY_POINTS])
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_junk_gets_a_clear_error(name, obj, data):
    args, kwargs = data.draw(calls(obj), label="call")
    result = judge(name, obj, args, kwargs)
    _follow(name, result)
