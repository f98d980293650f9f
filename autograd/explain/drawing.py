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

import concurrent.futures
import html
import math
import shutil
import warnings
from collections import Counter
from collections.abc import Callable, Iterable

import graphviz
import numpy as np

from autograd import arguments
from autograd.explain.grouping import ModuleTree
from autograd.explain.text import format_number, summarize
from autograd.graph import distances_from, walk
from autograd.tensor import FreedValues

__all__ = ["draw_dot", "to_dot", "GraphvizNotFound", "DrawingTooLarge", "dot_available"]

FIELDS = ("label", "data", "grad")
"""The fields a value box can show, in the order they are drawn."""

NOT_COMPUTED = "not computed yet"
NOT_KEPT = "not kept"  # a tensor in the middle of the graph: backward() keeps only the leaves' gradients
NOT_REQUESTED = "not requested"  # a tensor made with requires_grad=False: data, labels
CONSTANT = "none (a constant)"  # the 2 of x * 2: a number the operation took, not differentiated
NOT_KEPT_DATA = "freed (no backward step reads it: see autograd.modes.free_unneeded)"

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
        self.layout_size: int = 0  # the boxes and ovals Graphviz places: above PROGRESS_FROM, rendering shows a bar

    def render(self, *args, **kwargs):
        require_dot()
        return self._with_progress(super().render, *args, **kwargs)

    def pipe(self, *args, **kwargs):
        require_dot()
        return self._with_progress(super().pipe, *args, **kwargs)

    def _with_progress(self, run: Callable, *args, **kwargs):
        """Run Graphviz; for a large drawing, in a thread, with a bar of the time it is expected to take.

        Graphviz says nothing while it lays out, so the bar measures time: its end is an estimate
        from the drawing's size (`expected_seconds`), and it says so; a layout that takes longer
        shows the time going past it.
        """
        if self.layout_size <= PROGRESS_FROM:
            return run(*args, **kwargs)
        try:
            from tqdm.auto import tqdm
        except ImportError:  # (tqdm comes with the demo, test and notebook extras)
            return run(*args, **kwargs)
        expected = max(expected_seconds(self.layout_size), 0.5)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            done = pool.submit(run, *args, **kwargs)
            with tqdm(total=round(expected, 1), unit="s", leave=False,
                      desc=f"Graphviz: laying out {self.layout_size:,} boxes (time expected)",
                      bar_format="{desc}: {bar} {n:.1f} of ~{total} s") as bar:
                while True:
                    try:
                        return done.result(timeout=0.25)
                    except concurrent.futures.TimeoutError:
                        bar.n = round(bar.n + 0.25, 2)
                        bar.refresh()


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


def missing_gradient(node, computed: bool = True) -> str:
    """Why a node has no gradient to show, in the words drawings and the explorer use.

    A constant (the 2 of ``x * 2``) is never differentiated; a tensor made
    with ``requires_grad=False`` was not asked about; a tensor in the middle
    of a backpropagated graph keeps no gradient (see Tensor.retain_grad());
    anything else has not been backpropagated yet.
    """
    if not getattr(node, "requires_grad", True):
        return NOT_REQUESTED if _is_tensor(node) else CONSTANT
    return NOT_KEPT if computed and _is_tensor(node) and node.parents else NOT_COMPUTED


def describe_node(node, fmt: str | Callable = ".4g", computed: bool = True) -> dict[str, str]:
    """The text of each field of a node's box: {"label": ..., "data": ..., "grad": ...}.

    For a tensor, "shape" too, and data and grad are summaries (`summarize`).
    """
    grad_known = computed and node.grad is not None
    missing = missing_gradient(node, computed)
    if _is_tensor(node):
        data = NOT_KEPT_DATA if isinstance(node.data, FreedValues) else summarize(node.data, fmt)
        text = {"shape": f"{tuple(node.shape)} {node.dtype}", "data": f"data {data}",
                "grad": f"grad {summarize(node.grad, fmt)}" if grad_known else f"grad {missing}"}
    else:
        text = {"data": f"data {format_number(node.data, fmt)}",
                "grad": f"grad {format_number(node.grad, fmt)}" if grad_known else f"grad {missing}"}
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
        if field == "grad" and content.endswith((NOT_COMPUTED, NOT_KEPT, NOT_REQUESTED, CONSTANT)):
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
             graph_label: str | None = None, describe: Callable | None = None,
             group: str | None = None, collapse: int | None = None, fold_repeats: bool = False) -> Drawing:
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
    group      None, or "module": each module (and ``with scope(name)`` block) a cluster titled
               with its path, as `autograd.scopes.module_path` names it
    collapse   with group="module": fold every module deeper than this into one box (0: each
               outermost module a box); max_nodes then bounds the boxes drawn: a module whose
               opening would exceed it stays folded
    fold_repeats  with group="module": folded sibling modules alike in class, operations and
               parameter shapes (16 neurons of a layer) are drawn as one box marked ×16

    A drawing Graphviz would take long to lay out (more than `QUICK_LAYOUT` boxes) warns
    before it is made (`DrawingTooLarge`), naming the collapse= that fits, and shows a
    progress bar while it is rendered.
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
    arguments.one_of("group", group, (None, "module"))
    collapse = arguments.optional(arguments.integer, "collapse", collapse, low=0)
    fold_repeats = arguments.flag("fold_repeats", fold_repeats)
    if group is not None and max_depth is not None:
        raise ValueError(f"max_depth= cuts an ungrouped drawing; with group='module' use collapse= "
                         f"(got max_depth={max_depth!r})")
    if group is None and (collapse is not None or fold_repeats):
        raise ValueError(f"collapse= and fold_repeats= fold modules: pass group='module' with them "
                         f"(got collapse={collapse!r}, fold_repeats={fold_repeats!r})")

    nodes = walk(root)
    computed = gradients_computed(root, nodes)
    graph = Drawing(name="autograd", graph_attr={"rankdir": rankdir, "ordering": "in", "fontname": "Helvetica",
                                                 "nodesep": "0.25", "ranksep": "0.35",
                                                 # bounded layout effort: one value used 60 times took dot
                                                 # minutes to place without it, and 1 s with it
                                                 "nslimit": "2"},
                    node_attr={"fontname": "Helvetica", "fontsize": "11"},
                    edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"})
    caption = [graph_label] if graph_label else []
    write = _ValueWriter(graph, show, fmt, computed, describe)
    if group == "module":
        scale = _draw_by_module(graph, write, ModuleTree(root, nodes), color, collapse, max_nodes, fold_repeats,
                                caption)
    else:
        drawn_ids, depth_limit = _choose_nodes(root, nodes, max_nodes, max_depth)
        drawn = [n for n in nodes if id(n) in drawn_ids]
        scale = GradScale(grad_magnitude(n) for n in drawn) if color == "grad" and computed else None
        write.scale = scale
        for index, node in enumerate(drawn):
            graph.node_ids[id(node)] = f"n{index}"
        for node in drawn:
            if write.value(graph, node, cut=bool(node.parents) and any(id(p) not in drawn_ids for p in node.parents)):
                for position, parent in enumerate(node.parents):
                    write.input_edge(node, position, graph.node_ids[id(parent)])
        graph.left_out = len(nodes) - len(drawn)
        graph.layout_size = len(drawn) + sum(1 for n in drawn if n.parents)
        if graph.left_out:
            caption.append(_left_out_caption(nodes, drawn_ids, depth_limit))
        if graph.layout_size > QUICK_LAYOUT:  # (a large max_nodes= cuts a drawing that is still large)
            _warn_too_large(graph.layout_size, ModuleTree(root, nodes), grouped=False)
    if not computed and "grad" in show and describe is None:
        caption.append(f"gradients {NOT_COMPUTED}: call backward() on the output first")
    if caption:
        # (each line ended by \l: left-justified, as a caption reads)
        graph.attr(label="".join(line.replace("\n", "\\l") + "\\l" for line in caption) + "\\l",
                   labelloc="t", labeljust="l", fontsize="12")
    if scale:
        graph.node("legend", label=_legend(scale), shape="plaintext")
    return graph


class _ValueWriter:
    """Writes value boxes, operation ovals and input edges into a drawing (or one of its clusters)."""

    def __init__(self, graph: Drawing, show: tuple, fmt, computed: bool, describe: Callable | None):
        self.graph, self.show, self.fmt, self.computed, self.describe = graph, show, fmt, computed, describe
        self.scale: GradScale | None = None
        self.edges = 0

    def value(self, target, node, cut: bool = False) -> bool:
        """The box of `node` (and the oval of the operation that made it) in `target`, a graph or cluster.

        True when the caller should draw the operation's input edges (see `input_edge`).
        """
        name = self.graph.node_ids[id(node)]
        fill = self.scale.color(grad_magnitude(node)) if self.scale else None
        text = self.describe(node) if self.describe else describe_node(node, self.fmt, self.computed)
        label, fields = _value_label(text, self.show, fill, f"made by {node.op}; inputs not drawn" if cut else None)
        self.graph.fields[name] = fields
        target.node(name, label=label, shape="plaintext", id=name, **({"style": "dashed"} if cut else {}))
        if not node.parents or cut:
            return False
        target.node(f"{name}op", label=node.op, shape="ellipse", id=f"{name}op", fontsize="10",
                    margin="0.03,0.02", height="0.3", style="filled", fillcolor="gray95")
        self.graph.edge(f"{name}op", name, id=f"{name}op-out")
        return True

    def input_edge(self, node, position: int, source: str, crossing: int = 1) -> None:
        """The edge from `source` (a value's box, or a folded module holding the input) into node's operation.

        Named by the input's name in the table of primitives (a, b) when there are two, and for a
        tensor by its shape and dtype too; `crossing` > 1 says how many values the edge stands for.
        """
        parents = node.parents
        edge_id = f"e{self.edges}"
        self.edges += 1
        self.graph.edge_ids[(id(node), position)] = edge_id
        parts = [_input_names(node, len(parents))[position]] if len(parents) > 1 else []
        if _is_tensor(parents[position]):
            parts.append(_shape_text(parents[position]))
        if crossing > 1:
            parts.append(f"{crossing:,} values")
        self.graph.edge(source, f"{self.graph.node_ids[id(node)]}op", id=edge_id,
                        **({"label": " ".join(parts)} if parts else {}))


def _shape_text(node) -> str:
    return f"{tuple(node.shape)} {node.dtype}"


# --- grouped by module ----------------------------------------------------------------------------

QUICK_LAYOUT = 1500
"""The most boxes (values, operation ovals, folded modules) a drawing has before it warns: Graphviz
lays out about this many in a few seconds on a laptop, and takes minutes for ten times as many
(measured by benchmarks/graphs.py)."""

PROGRESS_FROM = 400
"""Rendering a drawing with more boxes than this shows a progress bar (when tqdm is installed)."""

def expected_seconds(boxes: int) -> float:
    """About how long Graphviz's dot takes to lay out a drawing of this many boxes, for the progress bar.

    Its time grows faster than the size: measured here (2 cores, Graphviz 2.43), 324 boxes took
    0.08 s, 1,734 took 1.6 s, 4,176 took 18 s and 8,252 took 108 s; this is the power law
    through the last three (benchmarks/graphs.py measures it again).
    """
    return 1.6 * (boxes / 1734) ** 2.7


LABELLED_EDGES = 40
"""Edges into folded modules are labelled with the number of values they carry when there are at most this many."""


class DrawingTooLarge(UserWarning):
    """A drawing Graphviz would take long to lay out; the message says how to make it smaller."""


def _warn_too_large(size: int, tree: ModuleTree, grouped: bool) -> None:
    depth = tree.fitting_depth(QUICK_LAYOUT) if tree.scopes else None
    if depth is not None:
        advice = f"draw_dot(root, group='module', collapse={depth}) draws it in at most {QUICK_LAYOUT:,}"
    elif grouped:
        advice = "even its outermost modules are too many to fold it smaller; pass max_nodes= to cut it"
    else:
        advice = "pass max_nodes= to cut it at a depth from the output, or group its nodes into modules"
    warnings.warn(f"this drawing has {size:,} boxes: Graphviz lays out more than {QUICK_LAYOUT:,} slowly "
                  f"(minutes for tens of thousands). {advice}.", DrawingTooLarge, stacklevel=3)


def _draw_by_module(graph: Drawing, write: _ValueWriter, tree: ModuleTree, color, collapse, max_nodes,
                    fold_repeats, caption) -> GradScale | None:
    """Each open scope a cluster, each folded one a box, and the values that cross a border as edges.

    Returns the gradient colour scale, if one is used, for the legend.
    """
    open_ = tree.choose_open(collapse, max_nodes)
    n = len(tree.nodes)
    box = [tree.box_of(i, open_) for i in range(n)]
    folded = sorted({k for kind, k in box if kind == "scope"})
    stands_for = {k: [k] for k in folded}  # a box's scope -> the scopes it stands for (×N when more than one)
    if fold_repeats:
        alike: dict[tuple, list[int]] = {}
        for k in folded:
            alike.setdefault((tree.parent[k], tree.signature(k)), []).append(k)
        stands_for = {ks[0]: ks for ks in alike.values()}
        first = {k: ks[0] for ks in alike.values() for k in ks}
        box = [(kind, first[k]) if kind == "scope" else (kind, k) for kind, k in box]
    shown_values = [tree.nodes[i] for i in range(n) if box[i][0] == "node"]
    for i, node in enumerate(tree.nodes):
        if box[i][0] == "node":
            graph.node_ids[id(node)] = f"n{i}"
    norms = {k: [tree.gradient_norm(m) for m in ks] for k, ks in stands_for.items()} if write.computed else {}
    if color == "grad" and write.computed:
        write.scale = GradScale([grad_magnitude(v) for v in shown_values]
                                + [g for gs in norms.values() for g in gs if g is not None])

    def box_name(i: int) -> str:
        kind, k = box[i]
        return f"n{i}" if kind == "node" else f"m{k}"

    # The boxes, each inside the clusters of the open scopes around it.
    inside: dict[int, list] = {}  # scope (-1: none) -> what is drawn directly in it: ("value", i) or ("box", k)
    for i in range(n):
        if box[i][0] == "node":
            inside.setdefault(tree.home[i], []).append(("value", i))
    for k in stands_for:
        inside.setdefault(tree.parent[k], []).append(("box", k))
    open_children: dict[int, list[int]] = {}
    for k in sorted(open_):
        open_children.setdefault(tree.parent[k], []).append(k)

    def fill(target, scope_index: int) -> None:
        for kind, i in inside.get(scope_index, []):
            if kind == "value":
                write.value(target, tree.nodes[i])
            else:
                target.node(f"m{i}", label=_module_label(tree, stands_for[i], norms.get(i), write.scale),
                            shape="plaintext", id=f"m{i}")
        for k in open_children.get(scope_index, []):
            with target.subgraph(name=f"cluster_{k}") as cluster:
                cluster.attr(label=tree.scopes[k].title, labeljust="l", style="rounded", color="gray55",
                             fontsize="11", fontcolor="gray25")
                fill(cluster, k)

    fill(graph, -1)

    # The edges: inside a value's operation as usual; across a border, one edge per pair of boxes.
    crossing: dict[tuple[str, str], dict[int, object]] = {}  # (from box, to box) -> {id: value} crossing
    into_ops: dict[tuple[str, int], list[int]] = {}  # (source box, node) -> positions of its inputs from there
    for i, node in enumerate(tree.nodes):
        if not node.parents:
            continue
        target = box_name(i)
        for position, parent in enumerate(node.parents):
            source = box_name(tree.index[id(parent)])
            if box[i][0] == "node":
                into_ops.setdefault((source, i), []).append(position)
                crossing.setdefault((source, target), {})[id(parent)] = parent
            elif source != target:
                crossing.setdefault((source, target), {})[id(parent)] = parent
    for (source, i), positions in into_ops.items():
        node = tree.nodes[i]
        if source.startswith("n"):
            for position in positions:
                write.input_edge(node, position, source)
        else:  # inputs held in a folded module: one edge, saying how many values cross
            write.input_edge(node, positions[0], source, crossing=len(crossing[(source, f"n{i}")]))
    between = [(pair, list(values.values())) for pair, values in crossing.items() if pair[1].startswith("m")]
    labelled = len(between) <= LABELLED_EDGES  # (hundreds of "100 values" labels would hide the drawing)
    for (source, target), values in between:
        text = f"{len(values):,} values" if len(values) > 1 else \
            _shape_text(values[0]) if _is_tensor(values[0]) else "1 value"
        shown = labelled and (len(values) > 1 or _is_tensor(values[0]))
        graph.edge(source, target, tooltip=text, **({"label": text} if shown else {}))
    if not labelled:
        caption.append("each edge into a folded module stands for the values that cross its border "
                       "(hover it for how many)")

    graph.layout_size = len(stands_for) + len(shown_values) + sum(1 for v in shown_values if v.parents)
    graph.left_out = 0
    if graph.layout_size > QUICK_LAYOUT:
        _warn_too_large(graph.layout_size, tree, grouped=True)
    hidden = sum(tree.sizes[k] for ks in stands_for.values() for k in ks)
    if hidden:
        caption.append(f"{n:,} values: {len(shown_values):,} drawn, {hidden:,} inside the "
                       f"{sum(map(len, stands_for.values())):,} folded modules"
                       + (f" ({len(stands_for):,} boxes)" if fold_repeats else ""))
    return write.scale


def _module_label(tree: ModuleTree, scopes: list[int], norms: list | None, scale: GradScale | None) -> str:
    """A folded module's box: its path and class (×N), what it holds, its parameters and their |grad|."""
    k = scopes[0]
    if len(scopes) > 1:
        first, last = tree.scopes[k], tree.scopes[scopes[-1]]
        rows = [f"<B>{html.escape(first.kind)} ×{len(scopes)}</B>", html.escape(f"{first.path} … {last.name}")]
    else:
        rows = [f"<B>{html.escape(tree.scopes[k].title)}</B>"]
    operations = tree.operations(k)
    kinds = ", ".join(f"{count:,} {'leaves' if op == 'leaf' else op}" for op, count in operations.most_common(4))
    more = " …" if len(operations) > 4 else ""
    held = f"{tree.sizes[k]:,} value{'s' if tree.sizes[k] != 1 else ''}{' each' if len(scopes) > 1 else ''}"
    rows.append(html.escape(f"{held}: {kinds}{more}"))
    parameters = tree.parameters(k)
    tensors = [(name, p) for name, p in parameters if _is_tensor(p)]
    for name, p in tensors[:4]:
        rows.append(html.escape(f"{name} {_shape_text(p)}"))
    if len(tensors) > 4 or (parameters and not tensors):
        rows.append(html.escape(f"{len(parameters):,} parameters"))
    known = [g for g in (norms or []) if g is not None]
    magnitude = max(known) if known else None
    if known:
        shown = format_number(known[0], ".3g") if len(known) == 1 else \
            f"{format_number(min(known), '.3g')} … {format_number(max(known), '.3g')}"
        rows.append(html.escape(f"|grad| of parameters {shown}"))
    fill = scale.color(magnitude) if scale and magnitude is not None else "#eaf1fb"
    font = _text_color(fill)
    cells = "".join(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{font}">{row}</FONT></TD></TR>' for row in rows)
    return (f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" STYLE="rounded" '
            f'BGCOLOR="{fill}">{cells}</TABLE>>')


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
