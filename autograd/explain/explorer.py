"""The graph explorer: a whole graph, grouped by module, as one self-contained HTML page.

    >>> from autograd.viz import explore
    >>> loss.backward()
    >>> explore(loss, "graph.html")      # writes the page; open it in any browser, offline
    >>> explore(loss)                    # in Jupyter: shown in the notebook

The page opens with the graph folded at the top level (each module inside the
outermost one a box, as ``draw_dot(root, group="module", collapse=1)`` draws
it). Click a module to open it, click its frame to fold it again; drag to pan,
ctrl + wheel or the buttons to zoom; hover a box for its numbers; search by
label or module path; switch between the forward graph and the flow of
gradients (which value sent how much gradient into which).

What the page holds, and fetches nothing else:

* the graph as JSON (`graph_payload`): every value's operation, label,
  data, grad and inputs, the module tree of `autograd.explain.grouping`, and
  for a graph of Values the gradient each edge carried in one backward pass
  from the root;
* the explorer's script and styles (``assets/explorer.js``, ``explorer.css``)
  and the graph view it shares with the playground (``assets/graph_view.js``);
* Viz.js (``assets/vendor/viz-global.js``, Graphviz compiled to WebAssembly,
  see LICENSES.txt there), which lays out each view in the page, so that
  opening and folding modules needs no Python behind the page.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import numpy as np

from autograd import arguments
from autograd.explain.drawing import (
    NOT_KEPT_DATA,
    _is_tensor,
    _shape_text,
    gradients_computed,
    missing_gradient,
)
from autograd.explain.grouping import ModuleTree
from autograd.explain.text import summarize
from autograd.graph import backpropagate
from autograd.tensor import FreedValues

__all__ = ["explore", "Explorer", "graph_payload"]

ASSETS = Path(__file__).parent / "assets"  # package data: see pyproject.toml
PLACEHOLDER = re.compile(r"/\*([A-Z_]+)\*/")  # where explorer.html takes a part: /*STYLE*/, /*GRAPH*/, ...


def _number(x) -> float | str:
    """A float for JSON, which has no nan or inf: those travel as the strings "nan", "inf", "-inf"."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def graph_payload(root, title: str | None = None) -> dict:
    """Everything the explorer page draws, as plain JSON data (see docs in assets/explorer.js).

    nodes    one column per field, one entry per value, inputs before the values made from them:
             op ("" for a leaf), label, scope (index into scopes, -1: outside every module),
             data and grad (numbers; for a tensor a summary text, and shape "(100, 16) float64"),
             parents (indices, in argument order) and, for a graph of Values after backward(),
             flow: per parent the gradient this value sent into it (upstream × local derivative)
    open     the scopes the page opens at first: ``draw_dot(root, group="module", collapse=1)``'s
    scopes   path, title, kind, parent, depth, size (values inside, sub-scopes included), ops
             ({operation: count}), param_count (its parameters in the graph, sub-modules' included),
             params ([name, shape text] of the first `SHOWN_PARAMETERS` of them) and grad_norm
             (the 2-norm of their gradients)
    """
    arguments.node("root", root)
    if title is not None:
        arguments.text("title", title)
    tree = ModuleTree(root)
    nodes = tree.nodes
    computed = gradients_computed(root, nodes)
    tensor = any(_is_tensor(n) for n in nodes)
    index = tree.index

    def shown(x):
        if x is None:
            return None
        if isinstance(x, FreedValues):
            return NOT_KEPT_DATA
        return summarize(x) if _is_tensor_value(x) else _number(x)

    columns = {
        "op": [n.op if n.parents else "" for n in nodes],
        "label": [str(n.label or "") for n in nodes],
        "scope": tree.home,
        "data": [shown(n.data) for n in nodes],
        "grad": [shown(n.grad) if computed and n.grad is not None else
                 missing_gradient(n) if computed and _is_tensor(n) or not n.requires_grad else None
                 for n in nodes],
        "parents": [[index[id(p)] for p in n.parents] for n in nodes],
        "shape": [_shape_text(n) if _is_tensor(n) else None for n in nodes] if tensor else None,
        "flow": _flow(root, nodes, index) if computed and not tensor else None,
    }
    scopes = []
    for k, s in enumerate(tree.scopes):
        parameters = tree.parameters(k)
        norm = tree.gradient_norm(k) if computed else None
        scopes.append({
            "path": s.path, "title": s.title, "kind": s.kind, "parent": tree.parent[k], "depth": s.depth,
            "size": tree.sizes[k], "ops": dict(tree.operations(k).most_common()),
            "params": [[name, _shape_text(p) if _is_tensor(p) else "scalar"]
                       for name, p in parameters[:SHOWN_PARAMETERS]],
            "param_count": len(parameters),
            "grad_norm": None if norm is None else _number(norm),
        })
    return {"version": 1, "title": title or f"the graph of {nodes[-1].label or 'the output'}",
            "computed": computed, "root": index[id(root)], "nodes": columns, "scopes": scopes,
            "open": sorted(tree.choose_open(OPEN_DEPTH, OPEN_BOXES))}


SHOWN_PARAMETERS = 8
OPEN_DEPTH, OPEN_BOXES = 1, 200  # the first view: as draw_dot(root, group="module", collapse=1) draws it


def _is_tensor_value(x) -> bool:
    return isinstance(x, np.ndarray) and x.ndim > 0


def _flow(root, nodes: list, index: dict) -> list[list] | None:
    """Per node, per input: the gradient it sent into that input in one backward pass from `root`.

    The very products upstream × local derivative of `autograd.graph.backpropagate`, recorded
    edge by edge; an edge no gradient went through (an input not on a path to the root) has None.
    """
    if not all(hasattr(n, "_op") for n in nodes):
        return None
    flow = [[None] * len(n.parents) for n in nodes]

    def record(node, position, upstream, local, contribution, before, total):
        flow[index[id(node)]][position] = _number(contribution)

    backpropagate(root, 1.0, on_edge=record)
    return flow


# --- the page -------------------------------------------------------------------------------------

def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _script_json(data) -> str:
    # "</" escaped: the JSON sits inside a <script> element and must never close it.
    return json.dumps(data, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")


def explorer_page(root, title: str | None = None) -> str:
    """The explorer as one HTML document (see the module docstring)."""
    payload = graph_payload(root, title)
    template = _asset("explorer.html")
    parts = {
        "TITLE": html.escape(payload["title"]),
        "STYLE": _asset("explorer.css"),
        "VIZ": _asset("vendor/viz-global.js"),
        "GRAPH_VIEW": _asset("graph_view.js"),
        "EXPLORER": _asset("explorer.js"),
        "GRAPH": _script_json(payload),
    }
    # One pass over the template: a text put in is never searched for placeholders itself.
    return PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)


class Explorer:
    """The explorer page of one graph: shown inline in Jupyter, ``.save(path)`` writes it."""

    def __init__(self, root, title: str | None = None):
        self.html = explorer_page(root, title)

    def save(self, path) -> Path:
        path = arguments.path("path", path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return (f"<Explorer page of {len(self.html) / 1e6:.1f} MB: Jupyter shows it; "
                f"elsewhere .save('graph.html') writes it, or pass path= to explore()>")

    def _repr_html_(self) -> str:
        # In an iframe of its own: the page's script and styles touch nothing of the notebook's.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'style="width: 100%; height: 640px; border: 1px solid #ddd" '
                f'sandbox="allow-scripts"></iframe>')


def explore(root, path=None, *, title: str | None = None):
    """The explorer page of `root`'s graph: written to `path` (returned), or an `Explorer` to show in Jupyter."""
    arguments.node("root", root)
    explorer = Explorer(root, title)
    return explorer if path is None else explorer.save(path)
