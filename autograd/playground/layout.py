"""The playground's drawing: Graphviz lays out a graph's structure once; the page fills in the numbers.

`layout_svg` draws the graph with `autograd.viz.draw_dot`, every number
replaced by a placeholder as wide as the widest number the page will write
(so a box never needs to grow), and tags the SVG for `graph_view.js`:

    <g class="node" data-node="v3">   a value's box; its texts have class label, data, grad
    <g class="node" data-op="v3">     the oval of the operation that made v3
    <g class="edge" data-edge="v3-in0" data-from="v1" data-to="v3">   an input of v3's operation
    <g class="edge" data-edge="v3-out" data-to="v3">                  the operation to its result

Ids and tooltips are removed, so several drawings can share a page (a
notebook with many widgets). A layout depends only on the structure, so it
is cached by the structure's key: moving a slider never runs Graphviz.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from autograd.explain.drawing import FIELDS, draw_dot
from autograd.playground.caching import BoundedCache

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

WIDEST_NUMBER = "-8.888e+88"
"""As wide as any number written with the format ".4g" (two-digit exponents; wider ones overflow a little)."""

CACHED_LAYOUTS = 256
_layouts = BoundedCache(CACHED_LAYOUTS)

# all internal: the drawing of state.evaluate
__all__ = []


def layout_svg(graph, key: str) -> str:
    """The tagged SVG of `graph` (a `state.Graph`), laid out by Graphviz's `dot` unless `key` is cached."""
    svg = _layouts.get(key)
    if svg is None:
        svg = _best_of(graph)
        _layouts.put(key, svg)
    return svg


STAGE = (1000.0, 520.0)
"""The shape of the page's drawing area, in points: a layout is picked to fill it best."""


def _best_of(graph) -> str:
    """Left to right, as micrograd draws; top to bottom instead when that shows the numbers larger.

    A long chain laid out left to right is a thin strip that, shrunk to fit
    the page, has unreadable numbers; top to bottom it fits at a larger scale.
    """
    drawings = [_draw(graph, "LR")]
    if _scale(drawings[0]) < 0.6:
        drawings.append(_draw(graph, "TB"))
    return max(drawings, key=_scale)


def _scale(svg: str) -> float:
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    return min(STAGE[0] / width, STAGE[1] / height)


def _draw(graph, rankdir: str) -> str:
    def placeholder(node):
        return {"label": graph.names[id(node)], "data": f"data {WIDEST_NUMBER}", "grad": f"grad {WIDEST_NUMBER}"}

    drawing = draw_dot(graph.root, rankdir=rankdir, show=FIELDS, max_nodes=None, describe=placeholder)
    ours = {}  # Graphviz's id -> (attribute, our id, {extra attributes})
    for node in graph.nodes:
        ours[drawing.node_ids[id(node)]] = ("data-node", graph.node_id(node), {})
        if node._op is not None:
            dot_name = drawing.node_ids[id(node)]
            ours[f"{dot_name}op"] = ("data-op", graph.node_id(node), {})
            ours[f"{dot_name}op-out"] = ("data-edge", f"{graph.node_id(node)}-out", {"data-to": graph.node_id(node)})
            for position, parent in enumerate(node.parents):
                ours[drawing.edge_ids[(id(node), position)]] = (
                    "data-edge", graph.edge_id(node, position),
                    {"data-from": graph.node_id(parent), "data-to": graph.node_id(node)})

    svg = ET.fromstring(drawing.pipe(format="svg"))
    for parent in svg.iter():
        for title in [child for child in parent if child.tag == f"{{{SVG}}}title"]:
            parent.remove(title)  # the browser's tooltip would show Graphviz's names
    for element in svg.iter():
        dot_id = element.attrib.pop("id", None)
        if dot_id not in ours or element.tag != f"{{{SVG}}}g":
            continue
        attribute, our_id, extra = ours[dot_id]
        element.set(attribute, our_id)
        for name, value in extra.items():
            element.set(name, value)
        if attribute == "data-node":
            texts = list(element.iter(f"{{{SVG}}}text"))
            fields = drawing.fields[dot_id]
            if len(texts) != len(fields):
                raise RuntimeError(f"Graphviz drew {len(texts)} texts for the {len(fields)} fields of {dot_id}")
            for text, field in zip(texts, fields):
                text.set("class", field)
    svg.set("class", "autograd-graph")
    return ET.tostring(svg, encoding="unicode")
