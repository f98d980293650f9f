"""What the playground shows, computed by the engine: one request in, JSON-ready data out.

The page (and the Jupyter widget) sends a request such as::

    {"expression": "tanh(x*w + b)", "values": {"x": 0.5, "w": -3, "b": 2},
     "output": "v6", "inspect": "v0", "tangent": "x", "check": true, "steps": true,
     "layout": "<key the page has>"}

and `evaluate` answers with everything it draws: each value's data and
gradient (d output / d value), each edge's local derivative as a formula and
as a number with the upstream gradient and their product, the forward and
backward pass as steps, and -- when asked -- the paths of the chain rule into
one node, the forward-mode pass from one input, and the gradient check.

Nothing here knows a derivative: the graph is built by `Value`s, the
gradients and the per-edge arithmetic come from `autograd.explain` (the very
sums of the backward pass), the formulas from the table (``op.formulas``),
forward mode from `Dual` numbers and the check from `autograd.testing`.

Ids. Value number i of the graph (parents before children, `walk` order) is
``v{i}``; the oval of the operation that made it ``v{i}-op``; the edge from
its input at position p into that oval ``v{i}-in{p}``. They depend only on
the graph's structure, so the page keeps its drawing while numbers change.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from autograd import arguments
from autograd.dual import Dual
from autograd.explain import STEPPER_MAX_NODES, Trace
from autograd.expression import Expression, ExpressionError, parse
from autograd.value import Value
from autograd.viz import format_number, walk

MAX_VALUES = STEPPER_MAX_NODES
"""The most values a graph may have: every one is drawn, and Graphviz lays out each new structure."""

MAX_PATHS = 24
"""Paths listed by the inspector; a graph with more (a value used many times over) says how many it left out."""

DEFAULT_VALUE = 1.0
"""The value a variable starts at when the request gives none (a learner has just typed it)."""

FORMAT = ".4g"

__all__ = ["evaluate", "ExpressionSource", "PlaygroundError"]


class PlaygroundError(ValueError):
    """A request the playground cannot answer: the server's 400, shown under the input by the page.

    column  1-based column in the expression, when the fault is in the expression
    """

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.message, self.column = message, column

    def to_json(self) -> dict:
        return {"error": self.message, "column": self.column}


# --- where graphs come from ------------------------------------------------------

@lru_cache(maxsize=512)
def read_expression(source: str) -> Expression:
    """`autograd.expression.parse`, cached: a slider sends the same text many times a second."""
    return parse(source)


class ExpressionSource:
    """A graph typed as text, read by the whitelisted reader (nothing is evaluated by Python)."""

    def __init__(self, source):
        try:
            source = arguments.text("expression", source)
            self.expression = read_expression(source)
        except ExpressionError as error:
            raise PlaygroundError(error.message, error.column) from None
        except TypeError as error:
            raise PlaygroundError(str(error)) from None
        self.text = source

    @property
    def variables(self) -> tuple[str, ...]:
        return self.expression.variables

    def build(self, leaves: Mapping[str, Value]):
        return self.expression.evaluate(leaves)


class FunctionSource:
    """A graph made by a Python function of Values (the widget's ``Playground(f, x=...)``), re-run per request."""

    def __init__(self, function: Callable, variables: tuple[str, ...]):
        self.function = arguments.function("function", function)
        self.variables = tuple(variables)
        self.text = getattr(function, "__name__", None) or repr(function)

    def build(self, leaves: Mapping[str, Value]):
        return self.function(**leaves)


# --- reading a request -----------------------------------------------------------

@dataclass(frozen=True)
class Request:
    values: dict[str, float]
    output: str | None = None
    inspect: str | None = None
    tangent: str | None = None
    check: bool = False
    steps: bool = True
    layout: str | None = None


def read_request(body) -> Request:
    """The fields of a request body other than the expression, checked: a PlaygroundError names the bad one."""
    if not isinstance(body, dict):
        raise PlaygroundError(f"the request must be a JSON object, got {arguments.shown(body)}")
    values = body.get("values", {})
    if not isinstance(values, dict):
        raise PlaygroundError(f"values must be an object of NAME: NUMBER, got {arguments.shown(values)}")
    checked = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise PlaygroundError(f"values: {name!r} is not a variable name")
        try:
            checked[name] = arguments.real(f"values[{name!r}]", value)
        except (TypeError, ValueError) as error:
            raise PlaygroundError(str(error)) from None
    fields = {}
    for name in ("output", "inspect", "tangent", "layout"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise PlaygroundError(f"{name} must be a string or null, got {arguments.shown(value)}")
        fields[name] = value
    flags = {}
    for name, default in (("check", False), ("steps", True)):
        flags[name] = body.get(name, default)
        if not isinstance(flags[name], bool):
            raise PlaygroundError(f"{name} must be true or false, got {arguments.shown(flags[name])}")
    return Request(checked, **flags, **fields)


# --- the graph, built and named --------------------------------------------------

class Graph:
    """One graph built from a source at a point: its values in order, their ids and names, and the full trace.

    Names are the ones a learner reads on the drawing: the variables', a
    constant's number, ``f`` for the output and n1, n2, ... for the values
    in between (the chain-rule trace's names, `autograd.explain`). They are
    written into the labels, so every trace of this graph uses the same ones.
    """

    def __init__(self, source, values: Mapping[str, float]):
        if not isinstance(source, (ExpressionSource, FunctionSource)):
            raise TypeError(f"source must be an ExpressionSource or a FunctionSource, got {arguments.shown(source)}")
        self.variables = source.variables
        point = {name: values.get(name, DEFAULT_VALUE) for name in self.variables}
        self.point = point
        self.leaves = {name: Value(value, label=name) for name, value in point.items()}
        try:
            root = source.build(self.leaves)
        except ExpressionError as error:
            raise PlaygroundError(error.message, error.column) from None
        if not isinstance(root, Value):
            raise PlaygroundError("nothing to differentiate: the expression has no variables")
        self.root = root
        self.nodes = walk(root)
        if len(self.nodes) > MAX_VALUES:
            raise PlaygroundError(f"the graph has {len(self.nodes):,} values; the playground draws at most "
                                  f"{MAX_VALUES} (a shorter expression, please)")
        self.ids = {id(node): f"v{i}" for i, node in enumerate(self.nodes)}
        self.by_id = {f"v{i}": node for i, node in enumerate(self.nodes)}
        if not root.label:
            root.label = next(name for name in ("f", "out", "output", "f_") if name not in point)
        self.full = Trace(root, fmt=FORMAT)
        for node in self.nodes:
            if node._op is not None and not node.label:
                node.label = self.full.names[id(node)]
        self.names = self.full.names
        self.inputs = [self.leaves[name] for name in self.variables]
        self.edges = {(id(step.node), step.position): step for step in self.full.backward}

    def node_id(self, node) -> str:
        return self.ids[id(node)]

    def edge_id(self, node, position: int) -> str:
        return f"{self.ids[id(node)]}-in{position}"

    def structure_key(self) -> str:
        """A digest of what the drawing shows apart from the numbers: the operations, the wiring, the names."""
        digest = hashlib.sha1()
        for node in self.nodes:
            op = node._op
            parents = ",".join(self.ids[id(p)] for p in node.parents)
            kind = f"{op.name}:{op.constant}" if op is not None else "leaf"
            digest.update(f"{kind}|{parents}|{self.names[id(node)]};".encode())
        return digest.hexdigest()[:16]

    def node(self, node_id: str | None, what: str):
        if node_id is None:
            return None
        node = self.by_id.get(node_id)
        if node is None:
            raise PlaygroundError(f"{what}: there is no value {node_id!r} in this graph "
                                  f"(v0 ... v{len(self.nodes) - 1})")
        return node


def number(x) -> float | str:
    """A float for JSON, which has no nan or inf: those travel as the strings "nan", "inf", "-inf"."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def text(x) -> str:
    return format_number(x, FORMAT)


# --- the answer ------------------------------------------------------------------

def evaluate(source, body) -> dict:
    """The playground's answer to one request (see the module docstring); PlaygroundError for a bad one."""
    request = read_request(body)
    graph = Graph(source, request.values)
    output = graph.node(request.output, "output") or graph.root
    trace = graph.full if output is graph.root else Trace(output, fmt=FORMAT)
    steps = graph.edges if trace is graph.full else {(id(s.node), s.position): s for s in trace.backward}
    on_path = {id(node) for node in walk(output)}

    def grad_of(node):
        return trace.grad(node) if id(node) in on_path else None

    nodes, edges = [], []
    for node in graph.nodes:
        node_id, op, gradient = graph.node_id(node), node._op, grad_of(node)
        entry = {"id": node_id, "name": graph.names[id(node)], "value": number(node.data),
                 "value_text": text(node.data), "grad": None if gradient is None else number(gradient),
                 "grad_text": "–" if gradient is None else text(gradient),
                 "kind": "operation" if op else ("input" if node.label in graph.point else "constant")}
        if op is not None:
            parents = [graph.names[id(p)] for p in node.parents]
            numbers = [text(p.data) for p in node.parents]
            entry.update(op=op.symbol, expression=op.format(*parents), numbers=op.format(*numbers),
                         parents=[graph.node_id(p) for p in node.parents])
            for position, parent in enumerate(node.parents):
                step = graph.edges[(id(node), position)]
                taken = steps.get((id(node), position))
                edges.append({
                    "id": graph.edge_id(node, position), "from": graph.node_id(parent), "to": node_id,
                    "position": position, "derivative": step.derivative, "formula": step.formula,
                    "formula_numbers": op.format(*numbers, text=op.formulas[position]),
                    "local": number(step.local), "local_text": text(step.local),
                    "upstream": None if taken is None else number(taken.upstream),
                    "contribution": None if taken is None else number(taken.contribution),
                    "text": None if taken is None else _edge_text(trace, taken)})
        nodes.append(entry)

    answer = {
        "expression": source.text, "variables": list(graph.variables), "values": graph.point,
        "root": graph.node_id(graph.root), "output": graph.node_id(output), "output_name": graph.names[id(output)],
        "value": number(output.data), "value_text": text(output.data),
        "gradients": {name: number(grad_of(leaf) or 0.0) for name, leaf in graph.leaves.items()},
        "nodes": nodes, "edges": edges,
        "layout_key": graph.structure_key(),
    }
    if request.steps:  # the passes step by step: for the stepping modes (a slider in Explore needs none)
        answer["forward"] = [{"node": graph.node_id(step.node), "text": step.text} for step in graph.full.forward
                             if id(step.node) in on_path]
        answer["backward"] = [_backward_step(graph, trace, step) for step in trace.backward]
    if request.layout != answer["layout_key"]:
        from autograd.playground.layout import layout_svg

        answer["svg"] = layout_svg(graph, answer["layout_key"])
    inspected = graph.node(request.inspect, "inspect")
    if inspected is not None:
        answer["paths"] = paths_into(graph, trace, output, inspected)
    if request.tangent is not None:
        answer["tangent"] = forward_mode(graph, output, request.tangent)
    if request.check:
        from autograd.playground.checking import gradient_check

        answer["check"] = gradient_check(graph, output)
    return answer


def _edge_text(trace: Trace, step) -> str:
    """Hovering an edge: upstream × local = contribution, in the trace's names."""
    root, node, parent = (trace.name(n) for n in (trace.root, step.node, step.parent))
    return (f"d{root}/d{node} × d{node}/d{parent} = {text(step.upstream)} × {text(step.local)}"
            f" = {text(step.contribution)}   ({step.derivative} = {step.formula})")


def _backward_step(graph: Graph, trace: Trace, step) -> dict:
    return {"edge": graph.edge_id(step.node, step.position), "node": graph.node_id(step.node),
            "parent": graph.node_id(step.parent), "parent_name": trace.name(step.parent),
            "upstream": number(step.upstream), "local": number(step.local),
            "contribution": number(step.contribution),
            "before": None if step.before is None else number(step.before),
            "total": number(step.total), "total_text": text(step.total), "text": trace.step_text(step)}


def paths_into(graph: Graph, trace: Trace, output, target) -> dict:
    """The chain rule into `target` spelled out: d output/d target as a sum over every path, each a product.

    A path runs from the output back to `target` through the graph, one edge
    per step; its product is the seed times the local derivative of each
    edge in turn. The products of all paths add up to the gradient (to the
    rounding of the last bits: the backward pass adds the same terms, grouped
    node by node). A value used twice (``x * x``) is two edges, so two paths.
    """
    order = walk(output)
    name = trace.names.get(id(target), graph.names[id(target)])
    out_name = trace.name(output)
    if id(target) not in {id(n) for n in order}:
        return {"node": graph.node_id(target), "count": 0, "paths": [], "sum": None, "grad": None,
                "text": f"{out_name} does not depend on {name}: no path leads from {out_name} back to it"}
    reaches = {id(target)}  # the values from which target can be reached through parents
    for node in order:
        if any(id(p) in reaches for p in node.parents):
            reaches.add(id(node))
    count = {id(output): 1}  # number of paths from the output to each value
    for node in reversed(order):
        for parent in node.parents:
            count[id(parent)] = count.get(id(parent), 0) + count.get(id(node), 0)
    steps = {(id(s.node), s.position): s for s in trace.backward}

    listed, stack = [], [(output, ())]
    while stack and len(listed) < MAX_PATHS:
        node, edges = stack.pop()
        if node is target:
            listed.append(edges)
            continue
        for position in reversed(range(len(node.parents))):
            parent = node.parents[position]
            if id(parent) in reaches:
                stack.append((parent, edges + ((node, position),)))

    paths, total = [], 0.0
    for edges in listed:
        product, factors = trace.seed, []
        for node, position in edges:
            step = steps[(id(node), position)]
            product = product * step.local
            factors.append({"edge": graph.edge_id(node, position), "derivative": step.derivative,
                            "formula": step.formula, "local": number(step.local), "local_text": text(step.local)})
        total += product
        route = " → ".join([out_name] + [trace.name(node.parents[position]) for node, position in edges])
        arithmetic = " × ".join([text(trace.seed)] + [f["local_text"] for f in factors])
        paths.append({"edges": [f["edge"] for f in factors], "factors": factors, "product": number(product),
                      "product_text": text(product), "route": route,
                      "text": f"{route}:  {arithmetic} = {text(product)}"})
    gradient = trace.grad(target)
    left_out = count[id(target)] - len(paths)
    sum_text = " + ".join(p["product_text"] for p in paths) + (f" + ... ({left_out:,} more paths)" if left_out else "")
    return {"node": graph.node_id(target), "count": count[id(target)], "paths": paths,
            "sum": number(total) if not left_out else None, "grad": number(gradient),
            "text": f"d{out_name}/d{name} = {sum_text} = {text(gradient)}"}


def forward_mode(graph: Graph, output, variable: str) -> dict:
    """Forward mode from one input: the tangent d value/d variable of every value, as Dual numbers move forward.

    The input starts as the dual number (x, 1), every other leaf as (c, 0);
    each operation then moves the pair along with the table's partials
    (`autograd.dual.push_forward`). One pass gives the derivative of every
    value with respect to this one input; the whole gradient takes one pass
    per input, where reverse mode needs one pass in all.
    """
    if variable not in graph.leaves:
        known = ", ".join(graph.variables)
        raise PlaygroundError(f"tangent: {variable!r} is not an input of the expression (the inputs: {known})")
    seed = graph.leaves[variable]
    duals, steps = {}, []
    for node in walk(output):
        if node._op is None:
            duals[id(node)] = Dual(node.data, 1.0 if node is seed else 0.0)
            continue
        dual = duals[id(node)] = node._op(*(duals[id(p)] for p in node.parents))
        name = graph.names[id(node)]
        terms = []
        for position, parent in enumerate(node.parents):
            step = graph.edges[(id(node), position)]
            terms.append(f"{text(step.local)} × {text(duals[id(parent)].tangent)}")
        partials = " + ".join(f"d{name}/d{graph.names[id(p)]} · d{graph.names[id(p)]}/d{variable}"
                              for p in node.parents)
        steps.append({"node": graph.node_id(node), "tangent": number(dual.tangent), "tangent_text": text(dual.tangent),
                      "text": f"d{name}/d{variable} = {partials} = {' + '.join(terms)} = {text(dual.tangent)}"})
    seeds = ", ".join(f"d{graph.names[id(leaf)]}/d{variable} = {1 if leaf is seed else 0}" for leaf in graph.inputs)
    out_tangent = duals[id(output)].tangent
    return {"input": variable, "seeds": seeds, "steps": steps, "value": number(out_tangent),
            "text": f"d{graph.names[id(output)]}/d{variable} = {text(out_tangent)} by one forward pass; "
                    f"the whole gradient takes {len(graph.inputs)} such passes (one per input), "
                    f"reverse mode one."}
