"""Which module made a node: module paths, recorded while a model runs, and `scope` for your own names.

    >>> from autograd import nn, scope
    >>> from autograd.scopes import module_path
    >>> model = nn.MLP(2, [16, 16, 1])
    >>> out = model([0.5, -1.0])
    >>> module_path(out)                       # the neuron that made it, named as state_dict() names it
    'layers.2.neurons.0'
    >>> with scope("loss"):
    ...     loss = (1 - out).relu()
    >>> module_path(loss)
    'loss'

How it is recorded, step by step:

1. Every module call (`Module.__call__`, so micrograd's Neuron, Layer and MLP
   and the tensor layers alike) makes its `Scope` current for the length of
   the call, and every ``with scope(name):`` block does the same.
2. A Scope is made once per place in the model, not once per call: the
   neuron ``layers.1.neurons.3`` has one Scope however many points go through
   it. The path is found once, by looking up where the module sits in the
   module that called it (the names `state_dict` uses), and the Scope is kept
   in its caller's Scope for the next call.
3. Every node made while a Scope is current keeps a reference to it: one
   pointer per node, to an object shared by all the nodes of that module.
4. A parameter is made when its module is built, not when it runs, so it
   is given its module's Scope the first time that module is called.

The cost, measured (benchmarks/scopes.py): a Value holds the pointer in the
slot that holds its label (a node created inside a module carries its Scope
there, a node with a label inside a module a small `Named` pair), so a Value
is no bigger than without recording; a slot of its own would have cost 16
bytes per node (the allocator rounds Value's 104 bytes up to 112). A Tensor,
rare and big, has a slot of its own, ``_scope``. The current Scope lives in
one cell, `NOW`, shared by the whole interpreter (a ContextVar, as the modes
use, cost too much: see `NOW`). So module paths are recorded for one thread
at a time: two threads running models at the same moment can see each other's
paths. The graph and its gradients are never affected, only the drawings'
grouping.

Recording is on by default; ``recording(False)`` switches it off for a block
(the benchmark measures the scalar MLP step both ways in one run).
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager

from autograd import arguments

__all__ = ["Scope", "scope", "module_path", "scope_of", "recording", "is_recording"]


class Scope:
    """One module (or one ``with scope(name)`` block) at one place in a model.

    name      its own part of the path: "neurons.3" (its attribute in the caller), or the scope's name
    path      the whole path, as `Module.state_dict` names it: "layers.1.neurons.3"; "" for the outermost module
    parent    the Scope it runs inside, or None
    depth     1 for an outermost scope, 2 inside it, ...
    kind      the module's class name ("Neuron", "Linear"), or "scope" for a named block
    module()  the module itself (held weakly: a graph does not keep a model alive), None for a named block
    """

    __slots__ = ("name", "path", "parent", "depth", "kind", "_module", "_children", "__weakref__")

    label = ""  # a node whose tag is a Scope has no label of its own (see Value.label)

    def __init__(self, name: str, parent: Scope | None = None, module=None):
        self.name = arguments.text("name", name)
        if parent is not None and not isinstance(parent, Scope):
            raise TypeError(f"parent must be a Scope or None, got {arguments.shown(parent)}")
        self.parent = parent
        self.path = name if parent is None or not parent.path else (f"{parent.path}.{name}" if name else parent.path)
        self.depth = 1 if parent is None else parent.depth + 1
        self.kind = type(module).__name__ if module is not None else "scope"
        self._module = weakref.ref(module) if module is not None else None
        self._children: dict = {}  # id(module) or a scope's name -> the Scope of that child, made once

    def module(self):
        """The module this Scope belongs to (None for a named block, or once the model is gone)."""
        return self._module() if self._module is not None else None

    @property
    def title(self) -> str:
        """How drawings name it: ``layers.1.neurons.3 (Neuron)``; the class alone for an outermost module."""
        if not self.path:
            return self.kind
        return self.path if self.kind == "scope" else f"{self.path} ({self.kind})"

    def ancestors(self) -> list[Scope]:
        """This Scope and those it runs inside, outermost first."""
        chain, scope_ = [], self
        while scope_ is not None:
            chain.append(scope_)
            scope_ = scope_.parent
        return chain[::-1]

    def __repr__(self) -> str:
        return f"Scope({self.title!r})"


class Named:
    """The label slot of a Value that has both a label and a Scope: the pair, made only when both are set."""

    __slots__ = ("label", "scope")

    def __init__(self, label: str, scope_: Scope):
        self.label = label
        self.scope = scope_


NOW: list = [""]
"""One cell: the Scope now running, or "" outside every module ("" is also what an unlabelled
Value's slot holds). Every node made reads ``NOW[0]``; every module call writes it and puts the
caller's back when it returns. A plain cell, not a `contextvars.ContextVar` as for the modes:
setting a ContextVar costs about 4,000 instructions, and the scalar MLP makes 3,700 module
calls a step (measured: 3.9% of the step with a ContextVar, see benchmarks/graphs.py)."""

_on: list = [True]  # is recording on? (see `recording`)


def current() -> object:
    """The Scope running now, or "" outside every module (or with recording off)."""
    return NOW[0]


# --- what the nodes call --------------------------------------------------------------------

def tag(label: str, scope_) -> object:
    """What a Value's label slot holds for this label made inside this scope ("" or a Scope: none)."""
    if type(scope_) is str:
        return label
    return Named(label, scope_) if label else scope_


def untag(held) -> str:
    """The label held in a Value's label slot (see `tag`)."""
    return held if type(held) is str else held.label


def relabel(held, label: str) -> object:
    """The slot's new content when the label changes: the Scope is kept."""
    return tag(label, held if isinstance(held, Scope) else getattr(held, "scope", ""))


def scope_of(node) -> Scope | None:
    """The Scope that made `node` (for a parameter: its module's), or None: made outside every module."""
    held = getattr(node, "_tag", None)
    if held is None:
        held = getattr(node, "_scope", None)  # a Tensor's own slot
    if isinstance(held, Scope):
        return held
    if isinstance(held, Named):
        return held.scope
    return None


def module_path(node) -> str | None:
    """The path of the module that made `node`, as `Module.state_dict` names it: ``"layers.1.neurons.3"``.

    "" for a node made by the outermost module itself, the scope's name
    inside ``with scope(name)``, None for a node made outside every module
    (or with recording off). A parameter belongs to its module, from the
    first call of that module on.
    """
    arguments.node("node", node)
    found = scope_of(node)
    return found.path if found is not None else None


def _attach(node, scope_: Scope) -> None:
    """Give a parameter its module's Scope, unless it has one already (a shared weight keeps its first)."""
    if scope_of(node) is not None:
        return
    if hasattr(node, "_tag"):
        node._tag = tag(untag(node._tag), scope_)
    elif hasattr(type(node), "_scope"):
        node._scope = scope_


# --- what Module.__call__ and `scope` call ---------------------------------------------------

# id(module) -> its Scope when it is called on its own; the entry goes when the module does
# (a plain dict keyed by id: a WeakKeyDictionary look-up costs a new weak reference each time).
_outermost: dict[int, Scope] = {}


def enter(module) -> object:
    """The Scope of `module` called now (made the first time), or "" when recording is off.

    `Module.__call__` finds the Scope in its caller's itself and comes here
    only for the first call at a place, and for a call outside every module.
    """
    outer = NOW[0]
    if type(outer) is str:
        if not _on[0]:
            return ""
        found = _outermost.get(id(module))
        if found is None or found._module() is not module:
            found = _outermost[id(module)] = _new_scope("", None, module)
            key = id(module)
            found._module = weakref.ref(module, lambda _, key=key: _outermost.pop(key, None))
        return found
    found = outer._children.get(id(module))
    if found is None or found._module() is not module:
        found = outer._children[id(module)] = _new_scope(_name_in(outer, module), outer, module)
    return found


def _new_scope(name: str, parent: Scope | None, module) -> Scope:
    made = Scope(name, parent, module)
    for parameter in module._own_parameters():
        _attach(parameter, made)
    return made


def _name_in(outer: Scope, module) -> str:
    """Where `module` sits inside the nearest enclosing module: "layers.1", as state_dict names it."""
    for enclosing in outer.ancestors()[::-1]:
        owner = enclosing.module()
        if owner is not None:
            name = owner._name_of(module)  # (inside a named block of that module, the block's name comes first)
            if name is not None:
                return name
            break
    return type(module).__name__  # not an attribute of its caller (made on the fly): its class names it


_named_outermost: dict[str, Scope] = {}  # name -> the Scope of ``with scope(name)`` outside every module



def scope(name: str):
    """Nodes made inside this block belong to a scope of this name (inside a module: under its path).

        with scope("attention"):
            scores = q @ k.T

    Scopes nest (``with scope("a"): with scope("b")`` gives "a.b"), and a
    drawing with ``group="module"`` draws each as a cluster, like a module.
    """
    name = arguments.text("name", name)
    if not name or any(c in name for c in ".\n"):
        raise ValueError(f"name must be a non-empty name without '.' or newlines, got {name!r}")
    return _scoped(name)  # (checked now, at the call, not when the block is entered)


@contextmanager
def _scoped(name: str):
    outer = NOW[0]
    if type(outer) is str:
        inner = _named_outermost.setdefault(name, Scope(name, None)) if _on[0] else ""
    else:
        inner = outer._children.get(name)
        if inner is None:
            inner = outer._children[name] = Scope(name, outer)
    NOW[0] = inner
    try:
        yield inner
    finally:
        NOW[0] = outer


def recording(on: bool = True):
    """Record module paths inside this block (the default), or not: ``with recording(False): ...``."""
    return _recording(arguments.flag("on", on))


@contextmanager
def _recording(on: bool):
    was_on, outer = _on[0], NOW[0]
    _on[0] = on
    if not on:
        NOW[0] = ""  # off: even inside a module, nothing below is recorded
    try:
        yield
    finally:
        _on[0], NOW[0] = was_on, outer


def is_recording() -> bool:
    """Are module paths being recorded here?"""
    return _on[0]
