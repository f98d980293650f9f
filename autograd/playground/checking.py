"""The playground's gradient check: the one checker of `autograd.testing`, on the graph the learner sees.

The output chosen on the page is a function of the inputs; `as_function`
replays its recorded graph with the table's primitives, so the checker can
call it on floats, Values and Duals alike (reverse mode, forward mode and
central differences). A graph made by a Python function keeps the branches
it took at this point.
"""

from __future__ import annotations

import math

from autograd.graph import walk
from autograd.playground.encoding import number, text
from autograd.testing import gradient_report

METHODS = ("reverse", "forward", "numeric")

# all internal: the check of state.evaluate
__all__ = []


def as_function(output, inputs: list):
    """``f(*xs)``: the value of `output` with `inputs` replaced by xs, every other leaf kept as it is."""
    order = walk(output)
    positions = {id(leaf): i for i, leaf in enumerate(inputs)}

    def replayed(*xs):
        computed = {}
        for node in order:
            if id(node) in positions:
                computed[id(node)] = xs[positions[id(node)]]
            elif node._op is None:
                computed[id(node)] = node.data
            else:
                computed[id(node)] = node._op(*(computed[id(p)] for p in node.parents))
        return computed[id(output)]

    replayed.variables = tuple(leaf.label for leaf in inputs)  # the checker names the entries by these
    replayed.__name__ = output.label or "f"
    return replayed


def gradient_check(graph, output) -> dict:  # graph: a state.Graph (not imported: state imports this module)
    """d output/d input for each input by reverse mode, forward mode and central differences, side by side."""
    function = as_function(output, graph.inputs)
    point = tuple(leaf.data for leaf in graph.inputs)
    try:
        report = gradient_report(function, point, modes=("rev", "fwd"))  # never raises on a disagreement
    except Exception as error:  # a checker that cannot run at all here: show why, never fail the request
        return {"ok": False, "entries": [], "text": f"the check could not run here: {error}"}
    entries = []
    for name, entry in zip(graph.variables, report.entries):
        values = {method: entry.values.get(method, math.nan) for method in METHODS}
        note = getattr(entry, "note", "") or ""
        if not note and not all(math.isfinite(v) for v in values.values()):
            note = "not a finite number here: the function or its derivative is undefined or infinite"
        entries.append({"name": name, **{m: number(v) for m, v in values.items()},
                        **{f"{m}_text": text(v) for m, v in values.items()},
                        "ok": bool(entry.ok), "note": note})
    return {"ok": bool(report.ok), "entries": entries, "text": str(report)}
