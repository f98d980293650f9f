"""The chain-rule trace: every step of a backward pass, written out.

    >>> from autograd import Value
    >>> from autograd.explain import explain
    >>> x = Value(0.5, label="x"); w = Value(-3.0, label="w"); b = Value(2.0, label="b")
    >>> f = (x * w + b).tanh(); f.label = "f"
    >>> trace = explain(f)
    >>> print(trace)              # a table: forward pass, then one row per edge of the backward pass
    >>> trace.to_html("f.html")   # one self-contained file: the graph, Previous / Next / Play

Reverse mode visits the nodes from the output back to the inputs (reverse
topological order). At a node n = op(a, b) it knows d f/d n, the *upstream*
gradient, because every use of n has already been visited. For each input it
multiplies that by the op's *local derivative* and adds the product into the
input's gradient::

    d f/d a  +=  d f/d n  *  d n/d a          (the chain rule, one edge)

`explain` performs exactly those steps, in exactly the order and arithmetic
of `autograd.graph.backpropagate`, and keeps a record of each: the node, the
upstream gradient, the local derivative as a formula and as a number, the
product, and the parent's running total. The formulas and the numbers both
come from the table of primitives (``op.formulas`` and ``op.partials``);
nothing here knows a derivative by itself.

`explain` never writes ``.grad``: explaining a pass does not double the
gradients of the one you ran. Its totals equal what ``root.backward()`` adds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograd import arguments
from autograd.explain.text import format_number
from autograd.graph import backpropagate, walk
from autograd.ops import parenthesize

__all__ = ["explain", "ChainRuleTrace"]

STEPPER_MAX_NODES = 400
"""The stepper lays out and draws every value; past this many it would be unreadable (and slow to lay out)."""

@dataclass(frozen=True)
class ForwardStep:
    """One operation of the forward pass: ``node = op(inputs) = value``."""

    node: object
    text: str


@dataclass(frozen=True)
class BackwardStep:
    """One edge of the backward pass: the chain rule from `node` into its input `parent`.

    contribution = upstream * local;  total = (parent's gradient so far) + contribution
    """

    index: int
    node: object         # n, the result of the operation
    parent: object       # the input the gradient flows into
    position: int        # which argument of the operation the parent is (0 or 1)
    upstream: float      # d f/d n
    derivative: str      # "d tanh(u)/du"
    formula: str         # "1 - tanh(u)^2"
    local: float         # d n/d parent, evaluated
    contribution: float  # upstream * local
    before: float | None  # d f/d parent before this step; None when this is its first edge
    total: float         # d f/d parent after this step


class ChainRuleTrace:
    """The record of one forward and one backward pass of `root` (see the module docstring).

    forward    the operations in the order they ran (`ForwardStep`)
    backward   one `BackwardStep` per edge, in the order reverse mode takes them
    gradients  {id(node): d root/d node}; `grad(node)` reads it
    names      {id(node): the name the trace uses}: the label when set, the
               number for an unlabeled constant, otherwise n1, n2, ...
    """

    def __init__(self, root, seed: float = 1.0, fmt: str | Callable = ".4g", title: str | None = None):
        if hasattr(root, "shape"):
            raise TypeError(f"explain() traces graphs of scalar Values, not {type(root).__name__} "
                            "(draw a tensor graph with autograd.viz.draw_dot)")
        self.root = arguments.node("root", root)
        self.seed = arguments.real("seed", seed, finite=False)
        self.fmt = arguments.number_format("fmt", fmt)
        self.title = arguments.optional(arguments.text, "title", title)
        self.nodes = walk(root)
        self.names = _name_nodes(self.nodes, fmt)
        self.forward = [ForwardStep(n, self._forward_text(n)) for n in self.nodes if n._op is not None]
        self.backward: list[BackwardStep] = []
        self.gradients: dict[int, float] = {}
        self._run_backward()

    # -- the pass itself ---------------------------------------------------------

    def _run_backward(self) -> None:
        # The backward pass itself, with a record of every edge as it is taken:
        # the very sums of `backpropagate`, so the totals agree to the last bit.
        # (`self.nodes`, in argument order, is the nicer order to read the forward pass in.)
        def record(node, position, upstream, local, contribution, before, total):
            op, parents = node._op, node.parents
            names = [self.name(p) for p in parents]
            # x * x: both edges come from x; say which argument each one is.
            repeated = len(parents) == 2 and parents[0] is parents[1]
            self.backward.append(BackwardStep(
                index=len(self.backward) + 1, node=node, parent=parents[position], position=position,
                upstream=upstream, derivative=_derivative_text(
                    op.format(*names), parenthesize(names[position]), op.inputs[position] if repeated else None),
                formula=op.format(*names, text=op.formulas[position]), local=local,
                contribution=contribution, before=before, total=total))

        grads = backpropagate(self.root, self.seed, on_edge=record)
        self.gradients = {id(node): g for node, g in grads.items()}

    def inputs(self) -> list:
        """The leaves with a label (the variables), or every leaf when none has one."""
        leaves = [n for n in self.nodes if n._op is None]
        return [n for n in leaves if n.label] or leaves

    def grad(self, node) -> float:
        """d root/d node, as this trace computed it (0.0 for a node root does not depend on)."""
        return self.gradients.get(id(node), 0.0)

    def name(self, node) -> str:
        return self.names[id(node)]

    # -- words ---------------------------------------------------------------------

    def number(self, x) -> str:
        return format_number(x, self.fmt)

    def _forward_text(self, node) -> str:
        op = node._op
        symbolic = op.format(*(self.name(p) for p in node.parents))
        numeric = op.format(*(self.number(p.data) for p in node.parents))
        return f"{self.name(node)} = {symbolic} = {numeric} = {self.number(node.data)}"

    def step_text(self, step: BackwardStep) -> str:
        """The arithmetic of one step, in one line: local derivative, chain rule, running total."""
        names = (parenthesize(self.name(n)) for n in (self.root, step.node, step.parent))
        return step_line(step, *names, number=self.number)

    def rows(self) -> list[tuple[str, ...]]:
        """The backward table, one tuple of cells per step."""
        rows = []
        for step in self.backward:
            rows.append((str(step.index), self.name(step.node), self.number(step.upstream),
                         f"{step.derivative} = {step.formula} = {self.number(step.local)}",
                         self.number(step.contribution), self.name(step.parent), self.number(step.total)))
        return rows

    HEADER = ("step", "node", "upstream", "local derivative", "product", "into", "its grad so far")

    def __str__(self) -> str:
        root = self.name(self.root)
        lines = [f"Chain-rule trace of {root}" + (f" = {self.title}" if self.title else ""), "",
                 "Forward pass (inputs first):"]
        lines += [f"  {self.name(n)} = {self.number(n.data)}" if n.label else f"  {self.name(n)}  (a constant)"
                  for n in self.nodes if n._op is None]
        lines += [f"  {step.text}" for step in self.forward]
        lines += ["", f"Backward pass (output first), starting from d{root}/d{root} = {self.number(self.seed)}:"]
        rows = [self.HEADER] + self.rows()
        widths = [max(len(row[i]) for row in rows) for i in range(len(self.HEADER))]
        for k, row in enumerate(rows):
            numeric = (0, 2, 4, 6)  # right-aligned columns
            cells = [cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
            lines.append("  " + "  ".join(cells).rstrip())
            if k == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        lines += ["", "Gradients of the inputs:"]
        lines += [f"  d{root}/d{parenthesize(self.name(n))} = {self.number(self.grad(n))}" for n in self.inputs()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<chain-rule trace of {self.name(self.root)}: {len(self.forward)} operations, "
                f"{len(self.backward)} backward steps>")

    def table_html(self) -> str:
        """The backward table as an HTML <table>."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows())
        return f'<table class="autograd-trace"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def _repr_html_(self) -> str:
        """Jupyter shows the interactive stepper; without Graphviz's `dot`, the table and why."""
        from autograd.explain.drawing import DOT_MISSING, dot_available
        from autograd.explain.stepper import stepper_fragment

        if len(self.nodes) > STEPPER_MAX_NODES:
            return (f"<p><i>{html.escape(repr(self))}: too large for the stepper (more than "
                    f"{STEPPER_MAX_NODES} values); print() it for the table.</i></p>")
        if dot_available():
            return stepper_fragment(self)
        note = html.escape(DOT_MISSING)
        return (f"<p><i>The interactive stepper needs Graphviz; here is the table.</i></p>"
                f"<pre>{note}</pre>{self.table_html()}")

    def to_html(self, path) -> Path:
        """Write the interactive stepper to `path`: one self-contained HTML file (no network)."""
        from autograd.explain.stepper import stepper_page

        if len(self.nodes) > STEPPER_MAX_NODES:
            raise ValueError(f"the stepper draws every value, and this graph has {len(self.nodes):,} "
                             f"(at most {STEPPER_MAX_NODES}): explain a smaller expression, or print() the trace")
        path = Path(path)
        path.write_text(stepper_page(self), encoding="utf-8")
        return path


def step_line(step: BackwardStep, root: str, node: str, parent: str, number: Callable[[float], str]) -> str:
    """One backward step in one line: the local derivative, the chain rule, the running total.

    ``dy/dv = 1 - tanh(v)^2 = 0.42;  dy/dy * dy/dv = 1 * 0.42 = 0.42;  dy/dv = 0.42``.
    `root`, `node` and `parent` are the names to write (already parenthesized
    where needed) and `number` writes a number; the trace and the playground
    each give their own.
    """
    gradient = f"d{root}/d{parent}"
    chain = (f"d{root}/d{node} * d{node}/d{parent} = {number(step.upstream)} * {number(step.local)}"
             f" = {number(step.contribution)}")
    if step.before is None:
        running = f"{gradient} = {number(step.total)}"
    else:
        running = f"{gradient} = {number(step.before)} + {number(step.contribution)} = {number(step.total)}"
    return f"{step.derivative} = {step.formula} = {number(step.local)};  {chain};  {running}"


def _derivative_text(expression: str, variable: str, argument: str | None = None) -> str:
    """``d tanh(u)/du`` for a call, ``d(x * y)/dx`` for an operator; ``(as a)`` when x is both arguments."""
    if re.fullmatch(r"\w+\(.*\)", expression) and expression.count("(") == 1:
        text = f"d {expression}/d{variable}"
    else:
        text = f"d({expression})/d{variable}"
    return f"{text} (as {argument})" if argument else text


def _name_nodes(nodes: list, fmt) -> dict[int, str]:
    """Labels where set; an unlabeled constant by its number; other values n1, n2, ... in order."""
    taken = {str(n.label) for n in nodes if n.label}
    names, counter = {}, 0
    for node in nodes:
        if node.label:
            names[id(node)] = str(node.label)
        elif node._op is None:
            names[id(node)] = format_number(node.data, fmt)
        else:
            counter += 1
            while f"n{counter}" in taken:
                counter += 1
            names[id(node)] = f"n{counter}"
    return names


def explain(root, *, seed: float = 1.0, fmt: str | Callable = ".4g", title: str | None = None) -> ChainRuleTrace:
    """The chain-rule trace of the backward pass from `root` (see the module docstring).

    seed   d root/d root, the gradient the pass starts from (1.0 as in ``backward()``)
    fmt    number format of the printed and drawn numbers: a format spec or a function
    title  a line to show above the trace, e.g. the expression as typed
    """
    return ChainRuleTrace(root, seed=seed, fmt=fmt, title=title)
