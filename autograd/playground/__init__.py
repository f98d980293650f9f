"""The playground: the chain rule, live -- type an expression, drag a value, click a node, predict a gradient.

Two ways in, one front end (``static/``: package data, nothing from a CDN):

    python -m autograd playground "tanh(x*w + b)" x=0.5 w=-3 b=2     # a local web page (server.py)

    from autograd.playground import Playground                       # inline in Jupyter (widget.py)
    Playground("tanh(x*w + b)", x=0.5, w=-3, b=2)

Where things live:

    state.py     what the page shows, computed by the engine: one request in, JSON out
    layout.py    the drawing: Graphviz lays out a structure once, the page fills in numbers
    checking.py  the gradient check, by the checker of autograd.testing
    export.py    the state as the self-contained chain-rule stepper
    server.py    the local web server (tornado) and its security rules
    command.py   the `playground` subcommand of `python -m autograd`
    widget.py    `Playground`, the anywidget
    static/      playground.js, playground.css, page.js and index.html (the web page),
                 widget.js (the notebook's glue); the graph view, graph_view.js, is shared
                 with the graph explorer and lives in autograd/explain/assets/
"""


def __getattr__(name):
    if name == "Playground":  # imported on first use: anywidget is needed only in a notebook
        from autograd.playground.widget import Playground

        return Playground
    raise AttributeError(f"module 'autograd.playground' has no attribute {name!r}")


__all__ = ["Playground"]
