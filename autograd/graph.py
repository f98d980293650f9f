"""Walking the recorded graph: every walk of the library, and the backward pass itself.

A recorded node knows the primitive that made it (``node._op``, None for a
leaf) and its inputs (``node._a`` and, for a binary primitive, ``node._b``).
An input may be a plain float, the 2 of ``x * 2``: the walk steps over it and
the chain rule sends it nothing (see `autograd.value`).
Its ``_g`` slot is the backward pass's scratch: the mark of the walk that
visited it, then its gradient so far. Keeping that in the nodes rather than in
a set and a dict makes a pass about a fifth faster; it also means one backward
pass at a time over a given graph (as in micrograd). Nodes never point at their children,
and no node points at itself through a closure, so the graph has no reference
cycles: dropping the output frees it at once, by reference counting alone.
"""

from __future__ import annotations

from heapq import heappop, heappush

from autograd import arguments
from autograd.modes import check_finite, current
from autograd.ops import ieee_partials

__all__ = ["walk", "distances_from"]  # for the tools; the engine's own walk below serves Values only


def topological_order(root, stop_at=frozenset()) -> list:
    """Every node `root` depends on, parents before children, `root` last.

    Depth-first search with an explicit stack instead of recursion, so a chain
    a million operations deep needs no more than Python's default recursion
    limit. A node in `stop_at` is listed but its parents are not visited.

    Each node is pushed, then a None marker, then its parents; when the marker
    comes off the stack, all the parents above it have been emitted, so the
    node below it can be. A visited node is marked by setting its ``_g`` slot
    to a token new for each walk (faster than a set of visited nodes, and it
    is the slot the backward pass accumulates into next); here the marks are
    cleared again before the order is returned.
    """
    order = _order_marked(root, stop_at, object())
    for node in order:
        node._g = None
    return order


def _order_marked(root, stop_at, mark) -> list:
    order = []
    stack = [root]
    push, pop = stack.append, stack.pop
    kind, number = type, float  # locals: a builtin looked up in the loop is not always cached (CPython 3.11)
    while stack:
        node = pop()
        if node is None:
            order.append(pop())
        elif node._g is not mark:
            node._g = mark
            push(node)
            push(None)
            a = node._a
            if a is not None and not (stop_at and node in stop_at):
                if kind(a) is not number and a._g is not mark:
                    push(a)
                b = node._b
                if b is not None and kind(b) is not number and b._g is not mark:
                    push(b)
    return order


def backpropagate(root, seed=1.0, *, create_graph: bool = False, stop_at=frozenset(), on_edge=None) -> dict:
    """Reverse mode: ``{node: d root / d node}`` for every node `root` depends on.

    Walking from the output back to the inputs, each node hands its gradient
    to its inputs, each multiplied by the local partial derivative of the
    primitive that made the node (the chain rule). A node used twice receives
    two contributions, and they add up.

    With ``create_graph=True`` the partials are evaluated on the Values
    themselves rather than on their floats, so the gradients are Values too,
    recorded in the graph and differentiable again (higher-order derivatives).

    ``on_edge(node, position, upstream, partial, contribution, before, total)``,
    if given, is told about every edge as it is processed (the chain-rule
    trace of `autograd.explain` is recorded this way); `before` is the
    parent's gradient so far, None on its first edge. Under `detect_anomaly`
    every edge is checked for a nan or inf the same way.
    """
    grads = {}
    for node in chain_rule(root, seed, create_graph, stop_at, on_edge):
        grads[node] = node._g
        node._g = None
    return grads


def chain_rule(root, seed=1.0, create_graph: bool = False, stop_at=frozenset(), on_edge=None) -> list:
    """The backward pass itself; see `backpropagate`. Returns the nodes in topological order,
    each holding d root/d node in its ``_g`` slot, which the caller reads and clears."""
    if on_edge is None and current().detect_anomaly:
        on_edge = _stop_at_non_finite
    mark = object()  # a node's _g: this mark until its first contribution arrives, then its gradient
    order = _order_marked(root, stop_at, mark)
    root._g = seed
    try:
        _propagate(order, mark, create_graph, stop_at, on_edge)
    except BaseException:  # a detect_anomaly stop, say: leave no half-finished gradients behind
        for node in order:
            node._g = None
        raise
    return order


def _propagate(order, mark, create_graph, stop_at, on_edge) -> None:
    """The chain rule, node by node from the output back: each input's ``_g`` += upstream * partial."""
    kind, number = type, float  # (locals, as in _order_marked)
    for node in reversed(order):
        op = node._op
        if op is None or (stop_at and node in stop_at):
            continue
        a, b = node._a, node._b
        try:
            if create_graph:
                partials = op.partials(a, node) if b is None else op.partials(a, b, node)
                a, b = (None if kind(a) is number else a), (None if kind(b) is number else b)
            elif b is None:
                partials = op.partials(a.data, node.data)
            elif kind(b) is number:  # x * 2: the number gets no contribution
                partials = op.partials(a.data, b, node.data)
                b = None
            elif kind(a) is number:  # 2 - x
                partials = op.partials(a, b.data, node.data)
                a = None
            else:
                partials = op.partials(a.data, b.data, node.data)
        except ArithmeticError:  # 1 / 0.0 in Python floats: redo it the IEEE way
            partials = ieee_partials(op, [p.data for p in node.parents], node.data)
            a, b = (None if kind(a) is number else a), (None if kind(b) is number else b)
        # The same four lines for each input, written out twice rather than looped:
        # this loop is the hot path of every backward pass, and a loop costs ~15% here.
        upstream = node._g
        if a is not None:
            contribution = upstream * partials[0]
            before = a._g
            a._g = total = contribution if before is mark else before + contribution
            if on_edge is not None:
                on_edge(node, 0, upstream, partials[0], contribution, None if before is mark else before, total)
        if b is not None:
            contribution = upstream * partials[1]
            before = b._g
            b._g = total = contribution if before is mark else before + contribution
            if on_edge is not None:
                on_edge(node, 1, upstream, partials[1], contribution, None if before is mark else before, total)


def _stop_at_non_finite(node, position, upstream, partial, contribution, before, total):
    parent = node.parents[position]
    check_finite(contribution, f"the backward pass of {_describe(node)} into {_describe(parent)}")


def _describe(node) -> str:
    name = f"'{node.label}'" if node.label else "a node"
    made_by = f"made by {node._op.expression}" if node._op else "a leaf"
    return f"{name} ({made_by}, data={node.data!r})"


# --- walks for the tools: through the public node interface (.parents), for Values, Tensors or any node -------

class NewestFirst:
    """The waiting nodes of a tensor backward pass, taken newest first: a topological order for free.

    A `Tensor` carries its place in creation order (``_number``), and every
    node was created after its inputs. So if the pass always takes the
    newest node that has a gradient waiting, every node computed from it --
    newer still -- has already handed it its contributions: its gradient is
    complete. A heap keyed on the creation number gives that order without a
    separate depth-first walk, and visits only the nodes gradients reach.
    (Values have no creation number; their pass uses `_order_marked`.)
    """

    __slots__ = ("_heap",)

    def __init__(self, root):
        self._heap = [(-root._number, root)]

    def add(self, node) -> None:
        """A node that has just received its first contribution joins the wait."""
        heappush(self._heap, (-node._number, node))

    def take(self):
        """The newest waiting node: its gradient is complete."""
        return heappop(self._heap)[1]

    def __bool__(self) -> bool:
        return bool(self._heap)


def walk(roots, stop=frozenset()) -> list:
    """Every node the root(s) depend on, each after its inputs, first input first; the roots last.

    `roots` is a node or a list of them (Values, Tensors, or anything with
    ``.parents``). Iterative depth-first search (never recursion, so a chain
    of a million operations is fine), visiting a node's first input before
    its second, so ``a * b + c`` comes out as ``a * b``, then ``+ c``: the
    order of evaluation, which drawings, the chain-rule trace and
    `autograd.compile` all use. Nodes are keyed by ``id()`` (a numpy-backed
    node may define an elementwise ``==`` and no hash); a node whose id is in
    `stop` is listed but its inputs are not visited.
    """
    roots = list(roots) if isinstance(roots, (list, tuple)) else [roots]
    for i, root in enumerate(roots):
        arguments.node(f"roots[{i}]" if len(roots) > 1 else "root", root)
    if not isinstance(stop, (set, frozenset)):
        raise TypeError(f"stop must be a set of node ids, got {arguments.shown(stop)}")
    order, done = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, parents_done = stack.pop()
            if id(node) in done:
                continue
            if parents_done or id(node) in stop:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for parent in reversed(node.parents):
                if id(parent) not in done:
                    stack.append((parent, False))
    return order


def distances_from(root) -> dict[int, int]:
    """{id(node): fewest edges from `root` back to node}: breadth-first over ``.parents``."""
    arguments.node("root", root)
    distance = {id(root): 0}
    frontier = [root]
    depth = 0
    while frontier:
        depth += 1
        next_frontier = []
        for node in frontier:
            for parent in node.parents:
                if id(parent) not in distance:
                    distance[id(parent)] = depth
                    next_frontier.append(parent)
        frontier = next_frontier
    return distance
