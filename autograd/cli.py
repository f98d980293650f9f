"""The command line: ``python -m autograd grad ...`` and ``python -m autograd demo``.

    python -m autograd grad "tanh(x*w + b)" x=0.5 w=-3 b=2
    python -m autograd grad "tanh(x*w + b)" x=0.5 w=-3 b=2 --explain --html f.html
    python -m autograd demo --out demo-output

`grad` reads the expression with `autograd.expression` (a whitelist over
Python's syntax tree, never `eval`), builds the graph with `Value`s, runs the
backward pass, and checks every gradient two more ways: forward mode (one
`Dual` pass per input) and central differences.

Exit status: 0 when all is well; 1 when reverse and forward mode disagree
(that would be a bug in this library) or an output cannot be written; 2 for
a command line it cannot use (a bad expression, a missing variable).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from autograd.expression import FUNCTIONS, ExpressionError, parse

PROG = "python -m autograd"

GRAD_EXAMPLES = f"""\
examples:
  {PROG} grad "tanh(x*w + b)" x=0.5 w=-3 b=2
  {PROG} grad "x**2 * sin(y)" x=3 y=0.5 --explain
  {PROG} grad "sigmoid(a*b)" a=1 b=-2 --dot graph.svg --html steps.html
  {PROG} grad -- "-x*y" x=2 y=3        (an expression starting with - comes after --)

The expression may use numbers, variables, + - * / ** (powers), unary minus,
parentheses, and the functions {", ".join(FUNCTIONS)}.
Nothing else is accepted, and nothing is ever evaluated by Python.
"""

DEMO_EXAMPLES = f"""\
examples:
  {PROG} demo                     train 100 steps, write the files into ./autograd-demo
  {PROG} demo --steps 20 --out /tmp/demo
"""

TOP_EXAMPLES = f"""\
examples:
  {PROG} grad "tanh(x*w + b)" x=0.5 w=-3 b=2 --explain
  {PROG} demo --out autograd-demo
  {PROG} grad --help
"""


class UsageError(Exception):
    """A command line that cannot be used: printed as 'error: ...', exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=formatter, epilog=TOP_EXAMPLES,
        description="autograd: a scalar reverse-mode automatic-differentiation engine for teaching the chain rule.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grad = commands.add_parser(
        "grad", formatter_class=formatter, epilog=GRAD_EXAMPLES,
        help="differentiate an expression at a point, checked three ways",
        description="Print the value of EXPRESSION at the point given and the gradient with respect to each "
                    "variable, by reverse mode, checked against forward mode and central differences.")
    grad.add_argument("expression", metavar="EXPRESSION", help='for example "tanh(x*w + b)" (quote it)')
    grad.add_argument("values", metavar="NAME=VALUE", nargs="*", help="a value for each variable, e.g. x=0.5")
    grad.add_argument("--explain", action="store_true", help="print the chain-rule trace, one step per edge")
    grad.add_argument("--dot", metavar="FILE", type=Path,
                      help="write the graph: DOT text (.dot, .gv), or rendered by Graphviz (.svg, .png, .pdf)")
    grad.add_argument("--html", metavar="FILE", type=Path,
                      help="write the interactive chain-rule stepper: one self-contained HTML file")
    grad.set_defaults(run=run_grad)

    demo = commands.add_parser(
        "demo", formatter_class=formatter, epilog=DEMO_EXAMPLES,
        help="train micrograd's two-moons MLP, check its gradient three ways, write pictures",
        description="Train an MLP(2, [16, 16, 1]) on two moons, check one step's gradient three ways, and write "
                    "the decision boundary (PNG), one neuron's graph (SVG), a chain-rule stepper (HTML) and the "
                    "gradient-check report into an output folder.")
    demo.add_argument("--steps", type=int, default=100, help="SGD steps (default 100)")
    demo.add_argument("--out", type=Path, default=Path("autograd-demo"),
                      help="the folder to write into (default ./autograd-demo)")
    demo.set_defaults(run=run_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ExpressionError as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return 2


# --- grad ------------------------------------------------------------------------

def read_values(assignments: list[str]) -> dict[str, float]:
    """``["x=0.5", "w=-3"]`` -> ``{"x": 0.5, "w": -3.0}``, or a UsageError naming the bad one."""
    values = {}
    for text in assignments:
        name, equals, number = text.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise UsageError(f"cannot read {text!r}: give each variable as NAME=NUMBER, like x=0.5")
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"cannot read {text!r}: {number.strip()!r} is not a number") from None
        if name in values:
            raise UsageError(f"the variable {name!r} is given twice")
        values[name] = value
    return values


def central_difference(expression, point: dict[str, float], name: str) -> float:
    """(f(x + h) - f(x - h)) / 2h, with h = eps^(1/3) * max(1, |x|) balancing truncation and rounding."""
    h = 2.0 ** (-52 / 3) * max(1.0, abs(point[name]))
    above = expression.evaluate({**point, name: point[name] + h})
    below = expression.evaluate({**point, name: point[name] - h})
    return (above - below) / (2 * h)


def forward_mode(expression, point: dict[str, float], name: str) -> float:
    """d f/d name by one forward pass with the dual number (x, 1) in place of x."""
    from autograd.dual import Dual

    out = expression.evaluate({**point, name: Dual(point[name], 1.0)})
    return out.tangent if isinstance(out, Dual) else 0.0


def relative_difference(a: float, b: float) -> float:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def run_grad(args) -> int:
    from autograd.value import Value

    expression = parse(args.expression)
    point = read_values(args.values)
    unused = [name for name in point if name not in expression.variables]
    if unused:
        raise UsageError(f"the variable {unused[0]!r} does not appear in {expression.source!r}")
    leaves = {name: Value(value, label=name) for name, value in point.items()}
    out = expression.evaluate(leaves)  # names are checked here: a missing one is an ExpressionError
    if not isinstance(out, Value):
        print(f"{expression.source} = {out!r}\n(no variables: nothing to differentiate)")
        return 0
    out.label = "f"
    out.backward()

    at = ", ".join(f"{name} = {value:g}" for name, value in point.items())
    print(f"f = {expression.source}\n  at {at}\nf = {out.data!r}\n")
    header = ("input", "value", "df/dinput (reverse mode)", "forward mode", "central difference")
    rows, worst_forward, worst_numeric = [header], 0.0, 0.0
    for name in expression.variables:
        reverse = leaves[name].grad
        forward = forward_mode(expression, point, name)
        numeric = central_difference(expression, point, name)
        worst_forward = max(worst_forward, relative_difference(reverse, forward))
        worst_numeric = max(worst_numeric, relative_difference(reverse, numeric))
        rows.append((name, f"{point[name]:g}", repr(reverse), repr(forward), f"{numeric:.12g}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    forward_ok = worst_forward <= 1e-9
    print(f"\ncheck: forward mode {'agrees with' if forward_ok else 'DISAGREES with'} reverse mode "
          f"(largest relative difference {worst_forward:.1e}); central differences "
          + (f"agree to {worst_numeric:.1e}" if worst_numeric <= 1e-5 else
             f"differ by up to {worst_numeric:.1e} (a kink, a steep point or a large input?)"))

    status = 0 if forward_ok else 1
    if args.explain:
        from autograd.explain import explain

        print()
        print(explain(out, title=expression.source))
    status = max(status, write_outputs(out, expression.source, args.dot, args.html))
    return status


def write_outputs(out, title: str, dot_path: Path | None, html_path: Path | None) -> int:
    """Write the drawing and the stepper if asked; 1 (with the reason printed) when one cannot be written."""
    from autograd.viz import GraphvizNotFound, draw_dot

    status = 0
    try:
        if dot_path is not None:
            drawing = draw_dot(out, graph_label=f"f = {title}")
            if dot_path.suffix.lower() in (".svg", ".png", ".pdf"):
                drawing.render(outfile=dot_path, cleanup=True)
            else:
                dot_path.write_text(drawing.source, encoding="utf-8")
            print(f"wrote the graph to {dot_path}")
        if html_path is not None:
            from autograd.explain import explain

            explain(out, title=title).to_html(html_path)
            print(f"wrote the chain-rule stepper to {html_path}")
    except GraphvizNotFound as error:
        print(f"{PROG} grad: {error}", file=sys.stderr)
        status = 1
    except OSError as error:
        print(f"{PROG} grad: cannot write: {error}", file=sys.stderr)
        status = 1
    return status


# --- demo ------------------------------------------------------------------------

def run_demo(args) -> int:
    from autograd import demo

    demo.main(steps=args.steps, out=args.out)
    return 0
