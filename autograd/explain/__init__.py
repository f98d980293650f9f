"""Explaining a graph: the chain-rule trace, drawings, and the step-by-step HTML stepper.

    from autograd.explain import explain      # the trace of a backward pass, step by step (no Graphviz needed)
    from autograd.viz import draw_dot         # drawing a graph (Graphviz)

Inside, one job a module, each layer using only those above it:

    text.py        numbers as text (shared by all of them)
    chain_rule.py  explain(root): every edge of the backward pass as a step, printed as a table
    grouping.py    ModuleTree: the graph sorted by the modules that made it (what is folded, what crosses)
    drawing.py     draw_dot, to_dot: the graph as Graphviz DOT (needs the graphviz package),
                   grouped by module on request
    stepper.py     the trace as one self-contained HTML page with Previous / Next / Play
    explorer.py    explore(root): a whole graph as one self-contained page, modules opened and folded
    assets/        the pages' JavaScript and CSS (package data, inlined into each page): the stepper's,
                   the explorer's, graph_view.js (shared with the playground) and vendor/ (Viz.js)

Only `chain_rule` is imported here, so ``from autograd.explain import
explain`` works without Graphviz; drawing is imported when a trace is drawn.
"""

from autograd.explain.chain_rule import STEPPER_MAX_NODES, ChainRuleTrace, explain  # noqa: F401

Trace = ChainRuleTrace  # the name before the redesign; `autograd.compile` has a `Recording`, not a Trace

__all__ = ["explain", "ChainRuleTrace"]
