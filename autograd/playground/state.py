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
gradients and the per-edge arithmetic come from the backward pass itself
(`autograd.graph.backpropagate`, recorded edge by edge as `autograd.explain`
records it), the names and formulas from the chain-rule trace and the table
(``op.formulas``), forward mode from `Dual` numbers and the check from
`autograd.testing`.

Speed. What depends only on the expression's structure -- names, ids,
formulas, the layout's key -- is worked out once per expression (`Structure`,
a bounded process-wide cache, never changed once made); a request with new
numbers builds the Values, runs one backward pass and fills the numbers in.

Ids. Value number i of the graph (parents before children, `walk` order) is
``v{i}``; the oval of the operation that made it ``v{i}-op``; the edge from
its input at position p into that oval ``v{i}-in{p}``. They depend only on
the graph's structure, so the page keeps its drawing while numbers change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

from autograd import arguments
from autograd.dual import Dual
from autograd.explain import STEPPER_MAX_NODES, ChainRuleTrace
from autograd.explain.chain_rule import step_line
from autograd.expression import Expression, ExpressionError, parse
from autograd.graph import backpropagate, walk
from autograd.ops import parenthesize
from autograd.playground.caching import BoundedCache
from autograd.playground.encoding import FORMAT, number, text
from autograd.value import Value, numbers_as_leaves

MAX_VALUES = STEPPER_MAX_NODES
"""The most values a graph may have: every one is drawn, and Graphviz lays out each new structure."""

MAX_PATHS = 24
"""Paths listed by the inspector; a graph with more (a value used many times over) says how many it left out."""

DEFAULT_VALUE = 1.0
"""The value a variable starts at when the request gives none (a learner has just typed it)."""

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
    """One graph built from a source at a point: its values in order, their ids and names, and its backward pass.

    Names are the ones a learner reads on the drawing: the variables', a
    constant's number, ``f`` for the output and n1, n2, ... for the values
    in between (the chain-rule trace's names, `autograd.explain`). They are
    written into the labels, so every trace of this graph uses the same ones.

    What depends only on the structure (names, ids, formulas: `Structure`)
    is worked out once per expression and cached; a request with new numbers
    builds the Values, runs the backward pass and fills in the numbers.
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
        numbers_as_leaves(root)  # the 2 of 2*x: a leaf here, whose gradient a learner can ask for
        self.root = root
        self.nodes = walk(root)
        if len(self.nodes) > MAX_VALUES:
            raise PlaygroundError(f"the graph has {len(self.nodes):,} values; the playground draws at most "
                                  f"{MAX_VALUES} (a shorter expression, please)")
        if not root.label:
            root.label = next(name for name in ("f", "out", "output", "f_") if name not in point)
        # A Python function may build another graph at other values: only a typed expression is cached.
        self.structure = structure = (_structure_of(source.expression, self) if isinstance(source, ExpressionSource)
                                      else Structure(self))
        for node, label in zip(self.nodes, structure.labels):
            if label is not None:
                node.label = label
        self.index = {id(node): i for i, node in enumerate(self.nodes)}
        self.ids = {id(node): node_id for node, node_id in zip(self.nodes, structure.node_ids)}
        self.by_id = dict(zip(structure.node_ids, self.nodes))
        self.names = {id(node): name for node, name in zip(self.nodes, structure.names)}
        self.inputs = [self.leaves[name] for name in self.variables]
        self.full_pass = Pass(self, root)
        self.edges = {(id(step.node), step.position): step for step in self.full_pass.backward}

    @cached_property
    def full(self) -> ChainRuleTrace:
        """The chain-rule trace of the root (`autograd.explain`), built when asked for: the same names and numbers."""
        return ChainRuleTrace(self.root, fmt=FORMAT)

    def node_id(self, node) -> str:
        return self.ids[id(node)]

    def edge_id(self, node, position: int) -> str:
        return self.structure.edge_ids[self.index[id(node)]][position]

    def structure_key(self) -> str:
        """A digest of what the drawing shows apart from the numbers: the operations, the wiring, the names."""
        return self.structure.key

    def node(self, node_id: str | None, what: str):
        if node_id is None:
            return None
        node = self.by_id.get(node_id)
        if node is None:
            raise PlaygroundError(f"{what}: there is no value {node_id!r} in this graph "
                                  f"(v0 ... v{len(self.nodes) - 1})")
        return node


class Structure:
    """What a graph shows apart from its numbers, by value number i (`Graph.nodes` order); never changed once made.

    Worked out from one graph by the chain-rule trace itself (its names, and
    each edge's derivative and formula), so every text is the trace's own.
    """

    def __init__(self, graph: Graph):
        nodes = graph.nodes
        index = {id(node): i for i, node in enumerate(nodes)}
        trace = ChainRuleTrace(graph.root, fmt=FORMAT)  # before the labels are written, as the names were always made
        self.ops = tuple(node._op for node in nodes)
        self.names = tuple(trace.names[id(node)] for node in nodes)
        self.labels = tuple(name if node._op is not None and not node.label else None
                            for node, name in zip(nodes, self.names))
        self.paren_names = tuple(parenthesize(name) for name in self.names)
        self.node_ids = tuple(f"v{i}" for i in range(len(nodes)))
        self.parents = tuple(tuple(index[id(p)] for p in node.parents) for node in nodes)
        self.edge_ids = tuple(tuple(f"v{i}-in{position}" for position in range(len(parents)))
                              for i, parents in enumerate(self.parents))
        self.kinds = tuple("operation" if node._op else ("input" if node.label in graph.point else "constant")
                           for node in nodes)
        self.expressions = tuple(None if op is None else op.format(*(self.names[j] for j in parents))
                                 for op, parents in zip(self.ops, self.parents))
        self.number_templates = tuple(None if op is None else _template(op, op.expression) for op in self.ops)
        self.formula_templates = tuple(() if op is None else tuple(_template(op, f) for f in op.formulas)
                                       for op in self.ops)
        steps = {(index[id(step.node)], step.position): step for step in trace.backward}
        self.derivatives = tuple(tuple(steps[(i, p)].derivative for p in range(len(parents)))
                                 for i, parents in enumerate(self.parents))
        self.formulas = tuple(tuple(steps[(i, p)].formula for p in range(len(parents)))
                              for i, parents in enumerate(self.parents))
        digest = hashlib.sha1()
        for op, parents, name in zip(self.ops, self.parents, self.names):
            kind = f"{op.name}:{op.constant}" if op is not None else "leaf"
            digest.update(f"{kind}|{','.join(self.node_ids[j] for j in parents)}|{name};".encode())
        self.key = digest.hexdigest()[:16]

    def fits(self, graph: Graph) -> bool:
        """Whether `graph` has this structure (a typed expression always builds the same one; checked anyway)."""
        return len(graph.nodes) == len(self.ops) and all(
            node._op is op for node, op in zip(graph.nodes, self.ops))


CACHED_STRUCTURES = 512
_structures = BoundedCache(CACHED_STRUCTURES)


def _structure_of(expression: Expression, graph: Graph) -> Structure:
    """The `Structure` of `graph`, built from `expression`: cached per expression (by its text), bounded."""
    structure = _structures.get(expression.source)
    if structure is None or not structure.fits(graph):
        structure = Structure(graph)
        _structures.put(expression.source, structure)
    return structure


@lru_cache(maxsize=1024)
def _template(op, text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """`text` (in the op's input names) split for `_fill`: the literal pieces, and which operand goes between them."""
    pieces = re.split(r"\b(" + "|".join(op.inputs) + r")\b", text)
    return tuple(pieces[0::2]), tuple(op.inputs.index(name) for name in pieces[1::2])


def _fill(template, operands) -> str:
    """``op.format(*operands, text=...)`` from the template, the operands already parenthesized (`parenthesize`)."""
    pieces, slots = template
    out = [pieces[0]]
    for slot, piece in zip(slots, pieces[1:]):
        out.append(operands[slot])
        out.append(piece)
    return "".join(out)


class Step(NamedTuple):
    """One edge of a backward pass, with the fields of `autograd.explain`'s BackwardStep that the page reads."""

    node: object
    parent: object
    position: int
    upstream: float
    derivative: str
    formula: str
    local: float
    contribution: float
    before: float | None
    total: float


class Pass:
    """The backward pass from `root` (the graph's root or another value), recorded edge by edge.

    The very sums of `autograd.graph.backpropagate`, as the chain-rule trace
    records them, with the structure's names and formulas: the numbers and
    texts of `autograd.explain.ChainRuleTrace(root)`, without redoing its words.
    """

    def __init__(self, graph: Graph, root):
        self.root, self.seed, self.names = root, 1.0, graph.names
        structure, index, backward = graph.structure, graph.index, []

        def record(node, position, upstream, local, contribution, before, total):
            i = index[id(node)]
            backward.append(Step(node, node._b if position else node._a, position, upstream,
                                 structure.derivatives[i][position], structure.formulas[i][position], local,
                                 contribution, before, total))

        grads = backpropagate(root, self.seed, on_edge=record)
        self.backward = backward
        self.gradients = {id(node): g for node, g in grads.items()}
        self._graph = graph

    def grad(self, node) -> float:
        return self.gradients.get(id(node), 0.0)

    def name(self, node) -> str:
        return self.names[id(node)]

    def step_text(self, step: Step) -> str:
        """`autograd.explain`'s step_text: local derivative, chain rule, running total, in one line."""
        paren = self._graph.structure.paren_names
        index = self._graph.index
        return step_line(step, *(paren[index[id(n)]] for n in (self.root, step.node, step.parent)), number=text)


# --- the answer ------------------------------------------------------------------

def evaluate(source, body) -> dict:
    """The playground's answer to one request (see the module docstring); PlaygroundError for a bad one."""
    request = read_request(body)
    graph = Graph(source, request.values)
    output = graph.node(request.output, "output") or graph.root
    structure = graph.structure
    if output is graph.root:
        trace, steps, on_path = graph.full_pass, graph.edges, None  # every value is on the root's path
    else:
        trace = Pass(graph, output)
        steps = {(id(s.node), s.position): s for s in trace.backward}
        on_path = {id(node) for node in walk(output)}

    def grad_of(node):
        return trace.grad(node) if on_path is None or id(node) in on_path else None

    value_texts = [text(node.data) for node in graph.nodes]
    operands = [parenthesize(value) for value in value_texts]  # each value as op.format writes it in a formula
    numbers_of = {}
    nodes, edges = [], []
    for i, node in enumerate(graph.nodes):
        node_id, op, gradient = structure.node_ids[i], structure.ops[i], grad_of(node)
        entry = {"id": node_id, "name": structure.names[i], "value": number(node.data),
                 "value_text": value_texts[i], "grad": None if gradient is None else number(gradient),
                 "grad_text": "–" if gradient is None else text(gradient), "kind": structure.kinds[i]}
        if op is not None:
            parents = structure.parents[i]
            numbers = [operands[j] for j in parents]
            numbers_of[i] = _fill(structure.number_templates[i], numbers)
            entry.update(op=op.symbol, expression=structure.expressions[i], numbers=numbers_of[i],
                         parents=[structure.node_ids[j] for j in parents])
            for position, j in enumerate(parents):
                key = (id(node), position)
                step, taken = graph.edges[key], steps.get(key)
                edges.append({
                    "id": structure.edge_ids[i][position], "from": structure.node_ids[j], "to": node_id,
                    "position": position, "derivative": step.derivative, "formula": step.formula,
                    "formula_numbers": _fill(structure.formula_templates[i][position], numbers),
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
        # the chain-rule trace's forward steps: name = op(names) = op(numbers) = value
        answer["forward"] = [
            {"node": structure.node_ids[i],
             "text": f"{structure.names[i]} = {structure.expressions[i]} = {numbers_of[i]} = {value_texts[i]}"}
            for i, node in enumerate(graph.nodes)
            if structure.ops[i] is not None and (on_path is None or id(node) in on_path)]
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


def _edge_text(trace: Pass, step) -> str:
    """Hovering an edge: upstream × local = contribution, in the trace's names."""
    root, node, parent = (trace.name(n) for n in (trace.root, step.node, step.parent))
    return (f"d{root}/d{node} × d{node}/d{parent} = {text(step.upstream)} × {text(step.local)}"
            f" = {text(step.contribution)}   ({step.derivative} = {step.formula})")


def _backward_step(graph: Graph, trace: Pass, step) -> dict:
    return {"edge": graph.edge_id(step.node, step.position), "node": graph.node_id(step.node),
            "parent": graph.node_id(step.parent), "parent_name": trace.name(step.parent),
            "upstream": number(step.upstream), "local": number(step.local),
            "contribution": number(step.contribution),
            "before": None if step.before is None else number(step.before),
            "total": number(step.total), "total_text": text(step.total), "text": trace.step_text(step)}


def paths_into(graph: Graph, trace: Pass, output, target) -> dict:
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
