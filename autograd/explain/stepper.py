"""The interactive chain-rule stepper: a trace as one self-contained HTML page.

`ChainRuleTrace.to_html(path)` writes it; in Jupyter a trace shows it inline. The page
holds three things and fetches nothing:

* the graph as inline SVG, laid out by Graphviz's `dot` when the page is
  written, with each value's data and grad text tagged so a script can fill
  them in (`tagged_svg`);
* the steps as JSON: first the forward pass, one operation per step, then
  the seed d f/d f = 1, then one step per edge of the backward pass, each
  carrying the text to show and the gradient total it leaves behind;
* a small script with Previous / Next / Play. The state after step k is
  rebuilt from scratch by replaying steps 1..k, so stepping back is exact.

Several steppers can share one page (a notebook with many outputs): each
lives in its own <div> with a unique id, its SVG ids carry that id as a
prefix, and its script and styles touch nothing outside it.
"""

from __future__ import annotations

import html
import json
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from autograd import arguments
from autograd.explain.drawing import FIELDS, draw_dot

__all__ = ["stepper_page", "stepper_fragment"]

SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def tagged_svg(trace, prefix: str, rankdir: str = "LR") -> tuple[str, dict, dict]:
    """The trace's graph as SVG text whose value boxes the script can update.

    Each text of a value box gets ``class="label" | "data" | "grad"``, and
    every id in the SVG gets `prefix`, so two drawings on a page never clash.
    Returns the SVG and the drawing's {id(node): DOT name} and
    {(id(child), argument position): edge id}.
    """
    widest = _widest_texts(trace)
    drawing = draw_dot(trace.root, rankdir=rankdir, show=FIELDS, fmt=trace.fmt, max_nodes=None,
                       describe=lambda node: widest[id(node)])
    svg = ET.fromstring(drawing.pipe(format="svg"))
    for group in svg.iter(f"{{{SVG}}}g"):
        name = group.get("id")
        fields = drawing.fields.get(name)
        if fields and "node" in (group.get("class") or ""):
            texts = list(group.iter(f"{{{SVG}}}text"))
            if len(texts) != len(fields):
                raise RuntimeError(f"Graphviz drew {len(texts)} texts for the {len(fields)} fields of {name}")
            for text, field in zip(texts, fields):
                text.set("class", field)
        if name:
            group.set("id", f"{prefix}{name}")
    svg.set("class", "autograd-graph")
    return ET.tostring(svg, encoding="unicode"), drawing.node_ids, drawing.edge_ids


def _widest_texts(trace) -> dict[int, dict[str, str]]:
    """For each node, the texts its box will show, the grad text being the widest it ever shows.

    Graphviz sizes a box for its text once; the running totals of a gradient
    can be wider than the final one, so the layout gets the widest.
    """
    grads_shown: dict[int, list[str]] = {}
    for step in trace.backward:
        grads_shown.setdefault(id(step.parent), []).append(trace.number(step.total))
    texts = {}
    for node in trace.nodes:
        shown = grads_shown.get(id(node), []) + [trace.number(trace.grad(node)), "?"]
        texts[id(node)] = {"label": trace.name(node), "data": f"data {trace.number(node.data)}",
                           "grad": f"grad {max(shown, key=len)}"}
    return texts


def stepper_data(trace, node_ids: dict, edge_ids: dict) -> dict:
    """The nodes and steps the script needs, as plain JSON-ready data."""
    root = trace.name(trace.root)
    nodes = {}
    for node in trace.nodes:
        nodes[node_ids[id(node)]] = {
            "name": trace.name(node), "leaf": node._op is None,
            "data": f"data {trace.number(node.data)}", "dataValue": repr(float(node.data))}
    leaves = ", ".join(f"{trace.name(n)} = {trace.number(n.data)}" for n in trace.inputs())
    steps = [{"kind": "start", "text": f"The inputs are known: {leaves}. Next runs the forward pass, "
                                       "one operation at a time."}]
    for number, step in enumerate(trace.forward, 1):
        node = step.node
        name = node_ids[id(node)]
        edges = [edge_ids[(id(node), i)] for i in range(len(node.parents))] + [f"{name}op-out"]
        steps.append({"kind": "forward", "node": name, "edges": edges,
                      "data": f"data {trace.number(node.data)}", "value": repr(float(node.data)),
                      "text": f"Forward {number}/{len(trace.forward)}: {step.text}", "row": f"f{number}"})
    root_id = node_ids[id(trace.root)]
    steps.append({"kind": "seed", "node": root_id, "grad": f"grad {trace.number(trace.seed)}",
                  "value": repr(float(trace.seed)),
                  "text": f"The backward pass starts at the output: d{root}/d{root} = {trace.number(trace.seed)}."})
    for step in trace.backward:
        child = node_ids[id(step.node)]
        steps.append({"kind": "backward", "node": child, "parent": node_ids[id(step.parent)],
                      "edges": [edge_ids[(id(step.node), step.position)]],
                      "grad": f"grad {trace.number(step.total)}", "value": repr(float(step.total)),
                      "text": f"Backward {step.index}/{len(trace.backward)}: {trace.step_text(step)}",
                      "row": f"b{step.index}"})
    summary = "; ".join(f"d{root}/d{trace.name(n)} = {trace.number(trace.grad(n))}" for n in trace.inputs())
    steps[-1]["text"] += f"  Done: {summary}." if summary else "  Done."
    return {"nodes": nodes, "steps": steps}


def _steps_table(trace) -> str:
    rows = [f'<tr data-row="f{i}"><td>{i}</td><td colspan="6">{html.escape(step.text)}</td></tr>'
            for i, step in enumerate(trace.forward, 1)]
    rows.append('<tr class="divider"><td></td><td colspan="6">backward pass</td></tr>')
    for step, cells in zip(trace.backward, trace.rows()):
        rows.append(f'<tr data-row="b{step.index}">' + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{html.escape(h)}</th>" for h in trace.HEADER)
    return f'<table class="steps"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


ASSETS = Path(__file__).parent / "assets"  # package data: see pyproject.toml
STYLE = (ASSETS / "stepper.css").read_text(encoding="utf-8")
SCRIPT = (ASSETS / "stepper.js").read_text(encoding="utf-8")
"""The stepper's look and behaviour, in files of their own (package data), inlined into every page."""


def stepper_fragment(trace, rankdir: str = "LR") -> str:
    """The stepper as an HTML fragment (a <div> with its style, SVG and script) for a page or a notebook."""
    _check_trace(trace, rankdir)
    uid = f"autograd-stepper-{uuid.uuid4().hex[:12]}"
    prefix = f"{uid}-"
    svg, node_ids, edge_ids = tagged_svg(trace, prefix, rankdir)
    data = json.dumps(stepper_data(trace, node_ids, edge_ids)).replace("</", "<\\/")
    title = html.escape(f"{trace.name(trace.root)} = {trace.title}" if trace.title else
                        f"The chain rule, step by step: {trace.name(trace.root)}")
    script = f"{SCRIPT}\nautogradStepper(document.getElementById({json.dumps(uid)}), {json.dumps(prefix)});"
    return f"""<div class="autograd-stepper" id="{uid}" tabindex="0">
<style>{STYLE}</style>
<div class="title"><b>{title}</b></div>
<div class="controls">
  <button class="first" title="back to the start">First</button>
  <button class="previous">Previous</button>
  <button class="next">Next</button>
  <button class="play">Play</button>
  <button class="last" title="to the last step">Last</button>
  <label>speed <select class="speed"><option value="1500">slow</option>
    <option value="700" selected>normal</option><option value="150">fast</option></select></label>
  <span class="counter"></span>
</div>
<div class="explanation"></div>
<div class="graph">{svg}</div>
{_steps_table(trace)}
<script type="application/json" class="stepper-data">{data}</script>
<script>{script}</script>
</div>"""


def stepper_page(trace, rankdir: str = "LR") -> str:
    """The stepper as a complete HTML page: open it from disk in any browser."""
    _check_trace(trace, rankdir)
    title = html.escape(f"chain rule: {trace.name(trace.root)}" + (f" = {trace.title}" if trace.title else ""))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'</head>\n<body>\n{stepper_fragment(trace, rankdir)}\n</body>\n</html>\n')


def _check_trace(trace, rankdir) -> None:
    if not all(hasattr(trace, name) for name in ("root", "forward", "backward", "nodes")):  # a ChainRuleTrace
        raise TypeError(f"trace must be what autograd.explain.explain(root) returns, got {arguments.shown(trace)}")
    arguments.one_of("rankdir", rankdir, ("LR", "TB"))
