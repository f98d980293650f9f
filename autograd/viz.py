"""Drawing computation graphs: ``from autograd.viz import draw_dot, explore``.

    draw_dot(loss)                                    # every value, cut at max_nodes
    draw_dot(loss, group="module", collapse=2)        # a model: its modules as clusters, deeper ones folded
    explore(loss, "graph.html")                       # the whole graph in the browser: open and fold modules

The drawing code lives in `autograd.explain` (drawing.py, grouping.py,
explorer.py, with the chain-rule trace and the stepper); this module is its
public address, the one the README and the notebooks use.
"""

# The names earlier versions offered here, kept for code that imports them from this address:
from autograd.explain.drawing import (  # noqa: F401
    DOT_MISSING,
    FIELDS,
    DrawingTooLarge,
    GraphvizNotFound,
    describe_node,
    dot_available,
    draw_dot,
    gradients_computed,
    to_dot,
)
from autograd.explain.explorer import Explorer, explore  # noqa: F401
from autograd.explain.text import format_number, summarize  # noqa: F401
from autograd.graph import distances_from, walk  # noqa: F401

__all__ = ["draw_dot", "to_dot", "explore", "Explorer", "GraphvizNotFound", "DrawingTooLarge", "dot_available"]
