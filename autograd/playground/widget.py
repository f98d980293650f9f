"""`Playground`: the same playground inline in Jupyter (JupyterLab, Notebook 7, VS Code, Colab), via anywidget.

    from autograd.playground import Playground
    Playground("tanh(x*w + b)", x=0.5, w=-3, b=2)          # a typed expression: the learner may retype it

    def neuron(x, w, b):
        return (x * w + b).tanh()
    Playground(neuron, x=0.5, w=-3, b=2)                    # a Python function of Values, re-run per change

The front end is the page's own (``static/``: playground.js, the shared ``explain/assets/graph_view.js``,
playground.css); ``static/widget.js`` only connects it to the kernel. The
page asks the kernel exactly what it asks the local server, as a custom
widget message ``{"id", "kind", "body"}``, and the kernel answers with
`state.evaluate` (or the stepper export): the numbers come from the
notebook's own autograd. ``.state`` holds the expression, values and output
the learner has reached, for the next cell to read.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import anywidget
import traitlets

from autograd import arguments
from autograd.playground.export import stepper_html
from autograd.playground.server import to_json
from autograd.playground.state import ExpressionSource, FunctionSource, PlaygroundError, evaluate

STATIC = Path(__file__).resolve().parent / "static"
GRAPH_VIEW = Path(__file__).resolve().parents[1] / "explain" / "assets" / "graph_view.js"  # shared with the explorer

__all__ = ["Playground"]


class Playground(anywidget.AnyWidget):
    """The playground as a widget: ``Playground(expression_or_function, **values)`` (see the module docstring)."""

    _esm = STATIC / "widget.js"
    _css = STATIC / "playground.css"
    _graph_view = traitlets.Unicode().tag(sync=True)
    _app = traitlets.Unicode().tag(sync=True)
    initial = traitlets.Dict().tag(sync=True)
    editable = traitlets.Bool(True).tag(sync=True)
    state = traitlets.Dict().tag(sync=True)

    def __init__(self, expression_or_function="tanh(x*w + b)", **values):
        values = {name: arguments.real(name, value) for name, value in values.items()}
        if isinstance(expression_or_function, str):
            try:
                source = ExpressionSource(expression_or_function)
            except PlaygroundError as error:
                raise ValueError(f"expression_or_function: {error.message}"
                                 + (f" (column {error.column})" if error.column else "")) from None
            unknown = [name for name in values if name not in source.variables]
            if unknown:
                raise ValueError(f"{unknown[0]}= is given, but {unknown[0]!r} is not a variable of "
                                 f"{expression_or_function!r} (its variables: {', '.join(source.variables)})")
        elif callable(expression_or_function):
            if not values:
                raise TypeError("Playground(f, ...) needs a value for each input of f, by name: "
                                "Playground(f, x=0.5, w=-3)")
            try:
                inspect.signature(expression_or_function).bind(**values)
            except TypeError as error:
                raise TypeError(f"expression_or_function cannot be called with {', '.join(values)}: {error}") from None
            except ValueError:  # a builtin without a signature: find out when it runs
                pass
            source = FunctionSource(expression_or_function, tuple(values))
        else:
            raise TypeError(f"expression_or_function must be an expression (a string) or a function of Values, "
                            f"got {arguments.shown(expression_or_function)}")
        self._source = source
        super().__init__(initial={"expression": source.text, "values": values},
                         editable=isinstance(source, ExpressionSource),
                         _graph_view=GRAPH_VIEW.read_text(encoding="utf-8"),
                         _app=(STATIC / "playground.js").read_text(encoding="utf-8"))
        self.on_msg(self._answer)

    def _source_of(self, body):
        """The expression the learner typed, or the function the teacher gave (which cannot be retyped)."""
        if isinstance(self._source, FunctionSource):
            return self._source
        return ExpressionSource(body.get("expression") if isinstance(body, dict) else None)

    def answer(self, kind: str, body) -> tuple[int, dict]:
        """(status, data) for one request of the front end: what the server would answer, computed here."""
        try:
            if kind == "evaluate":
                return 200, evaluate(self._source_of(body), body)
            if kind == "stepper":
                return 200, stepper_html(self._source_of(body), body)
            return 400, {"error": f"unknown request {kind!r}", "column": None}
        except PlaygroundError as error:
            return 400, error.to_json()
        except Exception as error:  # a teacher's function that raised: say so in the page, keep the kernel alive
            return 500, {"error": f"{type(error).__name__}: {error}", "column": None}

    def _answer(self, widget, content, buffers):
        if not isinstance(content, dict) or "id" not in content:
            return
        status, data = self.answer(content.get("kind"), content.get("body"))
        self.send({"id": content["id"], "status": status, "json": to_json(data)})
