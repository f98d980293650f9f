"""A graph sorted by the modules that made it: the tree both `draw_dot(group="module")` and the explorer draw.

    >>> from autograd import nn
    >>> from autograd.explain.grouping import ModuleTree
    >>> model = nn.MLP(2, [16, 16, 1])
    >>> out = model([0.5, -1.0])
    >>> tree = ModuleTree(out)
    >>> [s.title for s in tree.scopes[:3]]
    ['MLP', 'layers.0 (Layer)', 'layers.0.neurons.0 (Neuron)']
    >>> len(tree.shown(tree.open_to(2)))  # drawn at module depth 2: values outside, one box per neuron
    33

How the tree is made, step by step:

1. Every node knows the Scope that made it (`autograd.scopes.scope_of`: the
   module running when it was created, a parameter its module's). Walking
   the graph once gives each node its home: an index into `scopes`, or -1
   for a node made outside every module.
2. The scopes found, and those they sit in, become the tree, parents before
   children, each with the nodes made directly in it (`members`) and how many
   values it holds with its sub-scopes (`sizes`).
3. A drawing chooses which scopes are *open* (drawn as a cluster showing
   what is inside) and which are *folded* (one box). `box_of(i, open)` is
   what node i is drawn as: the outermost folded scope it sits in, or itself
   when every scope around it is open. An edge of the graph whose two ends
   are drawn as different boxes crosses a border, and the drawing shows it.

A graph built outside modules (a loss written in a loop, say) can have
thousands of such loose values. When a graph has modules and more than
`LOOSE_LIMIT` values outside them, those (but the output) are gathered into
one more scope, `OUTSIDE`, so that a drawing at the top level stays small;
``with autograd.scope("loss"):`` around the loss gives it a name instead.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from autograd import arguments
from autograd.graph import walk
from autograd.scopes import Scope, scope_of

__all__ = ["ModuleTree", "OUTSIDE", "LOOSE_LIMIT"]

LOOSE_LIMIT = 50
"""More values than this outside every module (in a graph that has modules) are gathered into one box."""

OUTSIDE = "(outside modules)"
"""The name of the scope that gathers them."""


class ModuleTree:
    """The nodes of `root`'s graph, sorted into the scopes (modules, named blocks) that made them.

    nodes     every value, inputs before the values made from them (`autograd.graph.walk`)
    index     {id(node): its position in nodes}
    scopes    every scope holding a node, with those it sits in; parents before children
    home      home[i]: the index in scopes of node i's scope, -1 outside every scope
    parent    parent[k]: the index of scope k's parent scope, -1 for an outermost one
    children  children[k]: the indices of the scopes directly inside scope k
    members   members[k]: the nodes made directly in scope k (not in a sub-scope)
    sizes     sizes[k]: how many values scope k holds, sub-scopes included
    """

    def __init__(self, root, nodes: list | None = None):
        arguments.node("root", root)
        if nodes is not None and not (isinstance(nodes, list) and nodes and nodes[-1] is root):
            raise ValueError(f"nodes must be walk(root), the list a drawing has already made, or None; "
                             f"got {arguments.shown(nodes)}")
        self.root = root
        self.nodes = walk(root) if nodes is None else nodes
        self.index = {id(n): i for i, n in enumerate(self.nodes)}
        self.scopes: list[Scope] = []
        self.parent: list[int] = []
        self.children: list[list[int]] = []
        self.members: list[list[int]] = []
        self._number: dict[int, int] = {}  # id(scope) -> its index, while the tree is being built
        self.home = [self._scope_index(scope_of(n)) for n in self.nodes]
        self._gather_loose()
        self._sort_by_path()
        for i, k in enumerate(self.home):
            if k >= 0:
                self.members[k].append(i)
        self.sizes = [len(m) for m in self.members]
        for k in range(len(self.scopes) - 1, -1, -1):  # children come after their parents
            if self.parent[k] >= 0:
                self.sizes[self.parent[k]] += self.sizes[k]

    def _scope_index(self, found: Scope | None) -> int:
        if found is None:
            return -1
        k = self._number.get(id(found))
        if k is None:
            up = self._scope_index(found.parent)  # (depth is small: the nesting of modules)
            k = self._number[id(found)] = len(self.scopes)
            self.scopes.append(found)
            self.parent.append(up)
            self.children.append([])
            self.members.append([])
            if up >= 0:
                self.children[up].append(k)
        return k

    def _gather_loose(self) -> None:
        loose = [i for i, k in enumerate(self.home) if k < 0 and self.nodes[i] is not self.root]
        if not self.scopes or len(loose) <= LOOSE_LIMIT:
            return
        k = self._scope_index(Scope(OUTSIDE))
        for i in loose:
            self.home[i] = k

    def _sort_by_path(self) -> None:
        """Number the scopes in the order of their paths, numbers as numbers (neurons.2 before neurons.10),
        so that drawings list them as the model does; parents still come before children."""
        keys: list[tuple] = []
        for k, found in enumerate(self.scopes):  # (a parent was numbered before its children)
            parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in found.name.split("."))
            keys.append((keys[self.parent[k]] if self.parent[k] >= 0 else ()) + parts)
        order = sorted(range(len(self.scopes)), key=keys.__getitem__)
        new = {old: position for position, old in enumerate(order)}
        new[-1] = -1
        self.scopes = [self.scopes[k] for k in order]
        self.parent = [new[self.parent[k]] for k in order]
        self.children = [sorted(new[c] for c in self.children[k]) for k in order]
        self.home = [new[k] for k in self.home]

    # --- what a drawing asks ------------------------------------------------------------------

    def open_to(self, depth: int | None) -> set[int]:
        """The scopes drawn open when every scope deeper than `depth` is folded (None: all open).

        depth 0 folds every outermost module into a box; depth 1 opens those and folds what is inside.
        """
        if depth is None:
            return set(range(len(self.scopes)))
        return {k for k, found in enumerate(self.scopes) if found.depth <= depth}

    def choose_open(self, depth: int | None, budget: int | None) -> set[int]:
        """The scopes a drawing opens: those at most `depth` deep, shallowest first, while the
        drawing keeps within `budget` boxes (None: no bound). A scope whose opening would exceed
        the budget stays folded, and so does everything inside it.

        Opening scope k replaces its box by what it holds directly: its own values and a box per
        sub-scope, so the count of boxes grows by len(members[k]) + len(children[k]) - 1.
        """
        order = sorted((s.depth, k) for k, s in enumerate(self.scopes) if depth is None or s.depth <= depth)
        boxes = sum(1 for k in self.home if k < 0) + sum(1 for p in self.parent if p < 0)
        open_: set[int] = set()
        for _, k in order:
            if self.parent[k] >= 0 and self.parent[k] not in open_:
                continue
            grows = len(self.members[k]) + len(self.children[k]) - 1
            if budget is None or boxes + grows <= budget:
                open_.add(k)
                boxes += grows
        return open_

    def box_of(self, i: int, open_: set[int]) -> tuple[str, int]:
        """What node i is drawn as: ("scope", k), the outermost folded scope around it, or ("node", i)."""
        k, folded = self.home[i], -1
        while k >= 0:
            if k not in open_:
                folded = k
            k = self.parent[k]
        return ("scope", folded) if folded >= 0 else ("node", i)

    def shown(self, open_: set[int]) -> set[tuple[str, int]]:
        """The boxes a drawing with these scopes open has: the values shown and the folded scopes."""
        return {self.box_of(i, open_) for i in range(len(self.nodes))}

    def graphviz_nodes(self, open_: set[int]) -> int:
        """What Graphviz has to place: a box per folded scope, and per value shown one box and, when
        an operation made it, that operation's oval too."""
        return sum(1 + bool(kind == "node" and self.nodes[i].parents) for kind, i in self.shown(open_))

    def fitting_depth(self, limit: int) -> int | None:
        """The deepest module depth whose drawing has at most `limit` Graphviz nodes (None: not even depth 0)."""
        best = None
        for depth in range(max((s.depth for s in self.scopes), default=0) + 1):
            if self.graphviz_nodes(self.open_to(depth)) > limit:
                break
            best = depth
        return best

    # --- what a folded box says of its scope --------------------------------------------------

    def inside(self, k: int) -> list[int]:
        """The nodes in scope k, sub-scopes included."""
        stack, found = [k], []
        while stack:
            s = stack.pop()
            found.extend(self.members[s])
            stack.extend(self.children[s])
        return found

    def operations(self, k: int) -> Counter:
        """How many values of each operation scope k holds ("leaf" for values no operation made)."""
        return Counter(self.nodes[i].op if self.nodes[i].parents else "leaf" for i in self.inside(k))

    def parameters(self, k: int) -> list[tuple[str, object]]:
        """(name, parameter) for the parameters of scope k's module and its sub-modules that are in the graph.

        The names are `named_parameters`' ("w.0", "weight"); with the module gone, a parameter
        is named by its position.
        """
        module = self.scopes[k].module()
        in_graph = {id(self.nodes[i]): self.nodes[i] for i in self.inside(k) if not self.nodes[i].parents}
        if module is None or not hasattr(module, "named_parameters"):
            return []
        return [(name, p) for name, p in module.named_parameters() if id(p) in in_graph]

    def gradient_norm(self, k: int) -> float | None:
        """The 2-norm of the gradients of scope k's parameters (None: no parameter has a gradient)."""
        total, seen = 0.0, False
        for _, p in self.parameters(k):
            if p.grad is None:
                continue
            g = np.asarray(p.grad, dtype=np.float64)
            total += float(np.sum(g * g))
            seen = True
        return math.sqrt(total) if seen else None

    def signature(self, k: int) -> tuple:
        """What two scopes must share to fold into one ×N box: class, operations and parameter shapes."""
        shapes = tuple(getattr(p, "shape", ()) for _, p in self.parameters(k))
        return (self.scopes[k].kind, tuple(sorted(self.operations(k).items())), shapes)
