"""Drawing computation graphs: ``from autograd.viz import draw_dot``.

    draw_dot(loss)                                    # every value, cut at max_nodes
    draw_dot(loss, group="module", collapse=2)        # a model: its modules as clusters, deeper ones folded

The drawing code lives in `autograd.explain` (drawing.py, grouping.py, with
the chain-rule trace and the stepper); this module is its
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
from autograd.explain.text import format_number, summarize  # noqa: F401
from autograd.graph import distances_from, walk  # noqa: F401

__all__ = ["draw_dot", "to_dot", "GraphvizNotFound", "DrawingTooLarge", "dot_available"]
