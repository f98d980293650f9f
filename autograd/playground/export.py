"""Exporting a state of the playground as the self-contained chain-rule stepper (`autograd.stepper`)."""

from __future__ import annotations

from autograd.explain import ChainRuleTrace
from autograd.explain.drawing import GraphvizNotFound
from autograd.playground.encoding import FORMAT
from autograd.playground.state import Graph, PlaygroundError, read_request

__all__ = ["stepper_html"]


def stepper_html(source, body) -> dict:
    """``{"html": page, "filename": name}``: the Prev/Next/Play stepper of the output chosen, at these values."""
    request = read_request(body)
    graph = Graph(source, request.values)
    output = graph.node(request.output, "output") or graph.root
    trace = ChainRuleTrace(output, fmt=FORMAT, title=source.text)
    from autograd.explain.stepper import stepper_page

    try:
        page = stepper_page(trace)
    except GraphvizNotFound as error:
        raise PlaygroundError(str(error)) from None
    return {"html": page, "filename": "chain-rule-stepper.html"}
