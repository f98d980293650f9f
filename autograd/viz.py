"""Drawing computation graphs: ``from autograd.viz import draw_dot``.

The drawing code lives in `autograd.explain.drawing` (with the chain-rule
trace and the stepper); this module is its public address, the one the
README and the notebooks use.
"""

from autograd.explain.drawing import (DOT_MISSING, FIELDS, GraphvizNotFound, describe_node, dot_available,
                                      draw_dot, gradients_computed, to_dot)
from autograd.explain.text import format_number, summarize
from autograd.graph import distances_from, walk

__all__ = ["draw_dot", "to_dot", "GraphvizNotFound", "dot_available"]
