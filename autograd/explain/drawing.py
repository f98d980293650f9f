"""Drawing computation graphs: DOT source, Graphviz rendering, Jupyter display.

    >>> from autograd import Value
    >>> from autograd.viz import draw_dot, to_dot
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh(); y.label = "y"
    >>> y.backward()
    >>> print(to_dot(y))                       # DOT text; needs no system program
    >>> draw_dot(y)                            # a graphviz.Digraph: shows itself in Jupyter
    >>> draw_dot(y).render("y", format="svg")  # y.svg (needs Graphviz's `dot` program)

What a drawing shows:

* a box per value with its label (when set), its data and its gradient, and
  a small oval per operation between a result and its inputs;
* one edge per *use* of an input, in argument order: ``x * x`` has two edges
  from x into ``*``, marked ``a`` and ``b`` as in the table of primitives, so
  the two contributions to x's gradient can both be seen;
* gradients that backward() has not produced yet read "not computed yet",
  never a misleading 0 (the rule is in `gradients_computed`);
* ``color="grad"`` fills each value by log10 |grad|, with a legend, so that a
  vanishing gradient (a deep stack of sigmoids) is visible at a glance;
* Tensor-like nodes (anything with ``.shape``) show shape, dtype and norm,
  min and max of their data and gradient instead of every element;
* a graph larger than ``max_nodes`` values is cut at a depth from the output
  and the drawing says what it left out.

The graph is walked only through the public node interface -- ``.parents``,
``.op``, ``.label``, ``.data``, ``.grad`` (and ``.shape``/``.dtype`` for a
tensor) -- so any node type offering it can be drawn.
"""

from __future__ import annotations

import html
import math
import shutil
from collections import Counter
from collections.abc import Callable, Iterable

import graphviz
import numpy as np

from autograd import arguments
from autograd.explain.text import format_number, summarize
from autograd.graph import distances_from, walk

__all__ = ["draw_dot", "to_dot", "GraphvizNotFound", "dot_available"]

FIELDS = ("label", "data", "grad")
"""The fields a value box can show, in the order they are drawn."""

NOT_COMPUTED = "not computed yet"
NOT_KEPT = "not kept"  # a tensor in the middle of the graph: backward() keeps only the leaves' gradients
NOT_REQUESTED = "not requested"  # a tensor made with requires_grad=False: data, labels

GRAD_COLORS = 9
"""Shades of the gradient scale: Graphviz's built-in ColorBrewer scheme ``ylorrd9``."""

DOT_MISSING = (
    "Rendering a graph needs Graphviz's `dot` program, and it is not on PATH. Install it with\n"
    "    sudo apt-get install graphviz           (Debian, Ubuntu)\n"
    "    brew install graphviz                   (macOS, Homebrew)\n"
    "    conda install -c conda-forge graphviz   (conda)\n"
    "to_dot() and draw_dot(...).source give the DOT text without it.")


class GraphvizNotFound(graphviz.ExecutableNotFound):
    """Graphviz's `dot` program is missing; the message says which package installs it."""

    def __init__(self):
        RuntimeError.__init__(self, DOT_MISSING)  # skip the parent's own message


def dot_available() -> bool:
    """True when Graphviz's `dot` program is on PATH."""
    return shutil.which("dot") is not None


def require_dot() -> None:
    """Raise `GraphvizNotFound` (naming the package to install) unless `dot` is on PATH."""
    if not dot_available():
        raise GraphvizNotFound()


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` that checks for the `dot` program before rendering.

    Everything `graphviz.Digraph` does works: ``.source``, ``.render(...)``,
    ``.pipe(...)``, inline display in Jupyter. Rendering without `dot` fails
    at once with `GraphvizNotFound`, whose message names the package.

    For code that builds on the drawing (the chain-rule stepper), it records
    ``node_ids`` ({id(node): DOT name}), ``edge_ids`` ({(id(child), argument
    position): DOT edge id}) and ``fields`` ({DOT name: fields shown, in order}).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.node_ids: dict[int, str] = {}
        self.edge_ids: dict[tuple[int, int], str] = {}
        self.fields: dict[str, tuple[str, ...]] = {}
        self.left_out: int = 0

    def render(self, *args, **kwargs):
        require_dot()
        return super().render(*args, **kwargs)

    def pipe(self, *args, **kwargs):
        require_dot()
        return super().pipe(*args, **kwargs)


def gradients_computed(root, nodes=None) -> bool:
    """Has a backward pass run from `root`? Decided from the graph alone.

    ``root.backward()`` adds the seed d root/d root = 1 into ``root.grad``,
    and nothing else ever writes the root's gradient, so a root whose grad is
    still 0 has not been backpropagated from: every gradient in its graph
    would be drawn as a misleading 0, and is shown as "not computed yet"
    instead. A tensor graph keeps gradients only in its leaves (PyTorch's
    rule), so there the question is whether any node of it (`nodes`, all of
    them by default) has a gradient.
    """
    grad = root.grad
    if grad is None:
        return _is_tensor(root) and any(n.grad is not None for n in (nodes if nodes is not None else walk(root)))
    return bool(np.any(np.asarray(grad) != 0))


# --- how one node is written ---------------------------------------------------

def _is_tensor(node) -> bool:
    return hasattr(node, "shape") and not isinstance(node.data, (int, float))


def describe_node(node, fmt: str | Callable = ".4g", computed: bool = True) -> dict[str, str]:
    """The text of each field of a node's box: {"label": ..., "data": ..., "grad": ...}.

    For a tensor, "shape" too, and data and grad are summaries (`summarize`).
    """
    grad_known = computed and node.grad is not None
    if _is_tensor(node):
        missing = (NOT_REQUESTED if not getattr(node, "requires_grad", True) else
                   NOT_KEPT if computed and node.parents else NOT_COMPUTED)  # see Tensor.retain_grad()
        text = {"shape": f"{tuple(node.shape)} {node.dtype}", "data": f"data {summarize(node.data, fmt)}",
                "grad": f"grad {summarize(node.grad, fmt)}" if grad_known else f"grad {missing}"}
    else:
        text = {"data": f"data {format_number(node.data, fmt)}",
                "grad": f"grad {format_number(node.grad, fmt)}" if grad_known else f"grad {NOT_COMPUTED}"}
    if node.label:
        text["label"] = str(node.label)
    return text


def grad_magnitude(node) -> float | None:
    """|grad| of a scalar, the 2-norm of a tensor's grad; None when there is none."""
    grad = node.grad
    if grad is None:
        return None
    if _is_tensor(node):
        return float(np.linalg.norm(np.asarray(grad, dtype=np.float64).ravel()))
    return abs(float(grad))


class GradScale:
    """Shades |grad| on a log scale: ``GRAD_COLORS`` bins spanning the graph's decades.

    With g_lo and g_hi the smallest and largest nonzero |grad| in the graph,
    bin(g) = 1 + floor((log10 g - floor(log10 g_lo)) / decades_per_bin), so each
    bin covers a whole number of decades and the legend can say which.
    Zero gradients and nan/inf get colors of their own.
    """

    ZERO = "gray85"
    NOT_FINITE = "orchid1"

    def __init__(self, magnitudes: Iterable[float]):
        logs = [math.log10(g) for g in magnitudes if g is not None and math.isfinite(g) and g > 0]
        self.lowest = math.floor(min(logs)) if logs else 0
        highest = math.floor(max(logs)) + 1 if logs else 1
        decades = max(highest - self.lowest, 1)
        self.decades_per_bin = math.ceil(decades / GRAD_COLORS)
        self.bins = math.ceil(decades / self.decades_per_bin)

    def bin(self, magnitude: float) -> int:
        position = (math.log10(magnitude) - self.lowest) / self.decades_per_bin
        return min(max(int(math.floor(position)), 0), self.bins - 1) + 1

    def color(self, magnitude: float | None) -> str | None:
        if magnitude is None:
            return None
        if not math.isfinite(magnitude):
            return self.NOT_FINITE
        if magnitude == 0:
            return self.ZERO
        return self.shade(self.bin(magnitude))

    def shade(self, bin_number: int) -> str:
        # Spread the bins over the 9 shades so that few bins still use the whole scale.
        index = 1 if self.bins == 1 else 1 + round((bin_number - 1) * (GRAD_COLORS - 1) / (self.bins - 1))
        return f"/ylorrd{GRAD_COLORS}/{index}"

    def legend_rows(self) -> list[tuple[str, str]]:
        """(color, range text) per bin, largest first, then zero and nan/inf."""
        rows = []
        for b in range(self.bins, 0, -1):
            lo = self.lowest + (b - 1) * self.decades_per_bin
            rows.append((self.shade(b), f"1e{lo} ≤ |grad| < 1e{lo + self.decades_per_bin}"))
        rows.append((self.ZERO, "|grad| = 0"))
        rows.append((self.NOT_FINITE, "nan or inf"))
        return rows


def _text_color(fill: str | None) -> str:
    # The darkest third of the scale needs white text to stay readable.
    if fill and fill.startswith("/ylorrd") and int(fill.rsplit("/", 1)[1]) >= 7:
        return "white"
    return "black"


def _value_label(text: dict[str, str], show: tuple[str, ...], fill: str | None, cut: str | None) -> tuple[str, tuple]:
    """An HTML-like Graphviz label: one cell per shown field, in FIELDS order."""
    cells, fields = [], []
    font = _text_color(fill)
    for field in ("label", "shape", "data", "grad"):
        if field == "shape":
            if "shape" in text and "data" in show:
                cells.append((field, text[field]))
            continue
        if field in show and field in text:
            cells.append((field, text[field]))
    if cut:
        cells.append(("cut", cut))
    parts = []
    for field, content in cells:
        fields.append(field)
        style = {"label": "<B>{}</B>", "cut": "<I>{}</I>"}.get(field, "{}")
        if field == "grad" and content.endswith((NOT_COMPUTED, NOT_KEPT, NOT_REQUESTED)):
            style = '<I><FONT COLOR="gray45">{}</FONT></I>'
        inner = style.format(html.escape(content))
        parts.append(f'<TD><FONT COLOR="{font}">{inner}</FONT></TD>' if font != "black" else f"<TD>{inner}</TD>")
    bg = f' BGCOLOR="{fill}"' if fill else ""
    table = f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"{bg}><TR>{"".join(parts)}</TR></TABLE>'
    return f"<{table}>", tuple(fields)


def _legend(scale: GradScale) -> str:
    rows = "".join(f'<TR><TD BGCOLOR="{color}" WIDTH="18"> </TD><TD ALIGN="LEFT">{html.escape(text)}</TD></TR>'
                   for color, text in scale.legend_rows())
    return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            f'<TR><TD COLSPAN="2"><B>color: |grad|, log scale</B></TD></TR>{rows}</TABLE>>')


def _input_names(node, arity: int) -> tuple[str, ...]:
    # The names the table of primitives writes its formulas in (a, b; see autograd.ops),
    # or the argument positions for an operation that has no such names.
    names = getattr(getattr(node, "_op", None), "inputs", None)
    return tuple(names) if names is not None and len(names) == arity else tuple(map(str, range(arity)))


# --- the drawing -------------------------------------------------------------------

def draw_dot(root, *, rankdir: str = "LR", show: Iterable[str] = FIELDS, fmt: str | Callable = ".4g",
             color: str | None = None, max_nodes: int | None = 200, max_depth: int | None = None,
             graph_label: str | None = None, describe: Callable | None = None) -> Drawing:
    """The computation graph of `root` as a `graphviz.Digraph` (see the module docstring).

    rankdir    "LR" (inputs on the left) or "TB" (inputs on top)
    show       which fields each value box shows: any of "label", "data", "grad"
    fmt        number format: a format spec such as ".4g" or ".6f", or a function float -> str
    color      None, or "grad" to shade values by |grad| on a log scale (with a legend)
    max_nodes  the most values drawn (None: all); a larger graph is cut at the
               deepest distance from the output that keeps within it, and the
               drawing's caption says how many values, of which operations, it left out
    max_depth  draw only values at most this many operations from the output
    graph_label  a caption above the graph
    describe   a function ``node -> {field: text}`` replacing the default text of
               each box (see `describe_node`); the chain-rule stepper writes its own names with it
    """
    arguments.node("root", root)
    arguments.one_of("rankdir", rankdir, ("LR", "TB"))
    if isinstance(show, str) or not isinstance(show, Iterable):
        raise TypeError(f"show must be a tuple of fields from {FIELDS}, got {arguments.shown(show)}")
    show = tuple(show)
    unknown = [field for field in show if field not in FIELDS]
    if unknown:
        raise ValueError(f"show takes fields from {FIELDS}, not {unknown}")
    fmt = arguments.number_format("fmt", fmt)
    arguments.one_of("color", color, (None, "grad"))
    max_nodes = arguments.optional(arguments.integer, "max_nodes", max_nodes, low=1)
    max_depth = arguments.optional(arguments.integer, "max_depth", max_depth, low=0)
    if graph_label is not None:
        arguments.text("graph_label", graph_label)
    if describe is not None:
        arguments.function("describe", describe)

    nodes = walk(root)
    drawn_ids, depth_limit = _choose_nodes(root, nodes, max_nodes, max_depth)
    drawn = [n for n in nodes if id(n) in drawn_ids]
    computed = gradients_computed(root, nodes)
    scale = GradScale(grad_magnitude(n) for n in drawn) if color == "grad" and computed else None

    graph = Drawing(name="autograd", graph_attr={"rankdir": rankdir, "ordering": "in", "fontname": "Helvetica",
                                                 "nodesep": "0.25", "ranksep": "0.35",
                                                 # bounded layout effort: one value used 60 times took dot
                                                 # minutes to place without it, and 1 s with it
                                                 "nslimit": "2"},
                    node_attr={"fontname": "Helvetica", "fontsize": "11"},
                    edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"})
    for index, node in enumerate(drawn):
        graph.node_ids[id(node)] = f"n{index}"

    edge_count = 0
    for node in drawn:
        name = graph.node_ids[id(node)]
        parents = node.parents
        inputs_cut = bool(parents) and any(id(p) not in drawn_ids for p in parents)
        fill = scale.color(grad_magnitude(node)) if scale else None
        cut = f"made by {node.op}; inputs not drawn" if inputs_cut else None
        text = describe(node) if describe else describe_node(node, fmt, computed)
        label, fields = _value_label(text, show, fill, cut)
        graph.fields[name] = fields
        graph.node(name, label=label, shape="plaintext", id=name,
                   **({"style": "dashed"} if inputs_cut else {}))
        if not parents or inputs_cut:
            continue
        op_name = f"{name}op"
        graph.node(op_name, label=node.op, shape="ellipse", id=op_name, fontsize="10",
                   margin="0.03,0.02", height="0.3", style="filled", fillcolor="gray95")
        graph.edge(op_name, name, id=f"{op_name}-out")
        argument_names = _input_names(node, len(parents))
        for position, parent in enumerate(parents):
            edge_id = f"e{edge_count}"
            edge_count += 1
            graph.edge_ids[(id(node), position)] = edge_id
            extra = {"label": argument_names[position]} if len(parents) > 1 else {}
            graph.edge(graph.node_ids[id(parent)], op_name, id=edge_id, **extra)

    graph.left_out = len(nodes) - len(drawn)
    caption = [graph_label] if graph_label else []
    if graph.left_out:
        caption.append(_left_out_caption(nodes, drawn_ids, depth_limit))
    if not computed and "grad" in show and describe is None:
        caption.append(f"gradients {NOT_COMPUTED}: call backward() on the output first")
    if caption:
        graph.attr(label="\n".join(caption) + "\n", labelloc="t", labeljust="l", fontsize="12")
    if scale:
        graph.node("legend", label=_legend(scale), shape="plaintext")
    return graph


def to_dot(root, **options) -> str:
    """The DOT source of `draw_dot(root, **options)`: plain text, no Graphviz program needed."""
    return draw_dot(root, **options).source


def _choose_nodes(root, nodes: list, max_nodes: int | None, max_depth: int | None) -> tuple[set[int], int | None]:
    """The ids of the values to draw, and the distance from the output they were cut at (None: not cut).

    All values when they fit; otherwise those at most D operations from the
    output, for the largest D that keeps within `max_nodes` (and `max_depth`).
    """
    if max_nodes is None and max_depth is None:
        return {id(n) for n in nodes}, None
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, not {max_nodes}")
    distance = distances_from(root)
    per_depth = Counter(distance.values())
    depth_limit = max(per_depth) if max_depth is None else max_depth
    if max_nodes is not None:
        total = 0
        for depth in range(depth_limit + 1):
            total += per_depth.get(depth, 0)
            if total > max_nodes:
                depth_limit = max(depth - 1, 0)
                break
    return {key for key, d in distance.items() if d <= depth_limit}, depth_limit


def _left_out_caption(nodes: list, drawn_ids: set[int], depth: int) -> str:
    left_out = [n for n in nodes if id(n) not in drawn_ids]
    kinds = Counter(n.op if n.parents else "leaf" for n in left_out)
    parts = ", ".join(f"{count:,} {'leaves' if kind == 'leaf' else repr(kind)}" for kind, count in kinds.most_common())
    return (f"Showing {len(nodes) - len(left_out):,} of {len(nodes):,} values: those at most {depth} "
            f"operations from the output. Not drawn: {len(left_out):,} values ({parts}). "
            f"Pass max_nodes= or max_depth= to draw more.")
