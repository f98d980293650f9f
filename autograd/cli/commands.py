"""The command line: ``python -m autograd grad ...`` and ``python -m autograd demo``.

    python -m autograd grad "tanh(x*w + b)" x=0.5 w=-3 b=2
    python -m autograd grad "tanh(x*w + b)" x=0.5 w=-3 b=2 --explain --html f.html
    python -m autograd demo --out demo-output

`grad` reads the expression with `autograd.expression` (a small reader of
its own for a whitelisted grammar, never `eval`), builds the graph with
`Value`s, runs the backward pass, and checks every gradient two more ways:
forward mode (one `Dual` pass per input) and central differences.

Nothing a user can type ends in a traceback: every problem is one line on
standard error, ``python -m autograd grad: error: ...`` (a bad expression
adds itself with a caret under the fault), and the exit status says which:

    0    all is well
    1    reverse and forward mode disagree (a bug in this library), or an
         output could not be written once the work was done (disk full, no Graphviz)
    2    a command line it cannot use, found before any work: a bad expression
         or value, a missing variable, an unknown option, a count below 1, an
         output file or folder that cannot be written (missing parent, a folder
         where a file should be, no permission)
    130  interrupted (Ctrl-C)
    141  standard output was closed early (``| head``): it stops quietly, with
         the status of a program stopped by SIGPIPE (128 + 13), as ``cat`` would
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from autograd import arguments
from autograd.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError, parse, variable_name

__all__ = ["main", "read_values", "UsageError"]

PROG = "python -m autograd"

GRAD_EXAMPLES = f"""\
examples:
  {PROG} grad "tanh(x*w + b)" x=0.5 w=-3 b=2
  {PROG} grad "x**2 * sin(y)" x=3 y=0.5 --explain
  {PROG} grad "sigmoid(a*b)" a=1 b=-2 --dot graph.svg --html steps.html
  {PROG} grad -- "-x*y" x=2 y=3        (an expression starting with - comes after --)

The expression may use numbers, variables, + - * / ** (powers), unary minus,
parentheses, and the functions {", ".join(FUNCTIONS)}.
It is at most {MAX_LENGTH:,} characters long, with parentheses nested at most {MAX_DEPTH} deep.
Nothing else is accepted, and nothing is ever evaluated by Python.
Each VALUE is a finite number (not nan, not inf).
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

exit status: 0 all is well; 1 reverse and forward mode disagree, or an output could not be written;
2 a command line it cannot use (nothing was done); 130 interrupted; 141 output closed early (| head)
"""


class UsageError(ValueError):
    """A command line that cannot be used: printed as 'error: ...', exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with each complaint on one line: ``python -m autograd grad: error: ... (see --help)``.

    argparse's own `error` prints the usage first; the subcommands' parsers are
    of this class too (`add_subparsers` makes them of the parent's class).
    """

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- argparse types: each value checked as it is read, before any work ---------------

def count(text: str) -> int:
    """A whole number >= 1 (argparse's own int would take -5 and 0)."""
    try:
        return arguments.integer("count", int(text), low=1)
    except ValueError:  # not an integer at all, or one below 1
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None


def output_file(text: str) -> Path:
    """A file that can be written: it is not a folder, and its folder exists and takes new files."""
    path = _printable_path(text)
    try:
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file name inside it")
        if path.exists():
            if not os.access(path, os.W_OK):
                raise argparse.ArgumentTypeError(f"cannot write {text!r}: permission denied")
            return path
        folder = path.parent
        if not folder.exists():
            raise argparse.ArgumentTypeError(f"cannot write {text!r}: the folder {str(folder)!r} does not exist")
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(f"cannot write {text!r}: {str(folder)!r} is not a folder")
        _try_writing_into(folder, text)
    except OSError as error:  # a path the system refuses to look at (too long, a loop of links...)
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {error.strerror}") from None
    return path


def output_folder(text: str) -> Path:
    """A folder that exists or can be made, and takes new files (checked without making it)."""
    path = _printable_path(text)
    try:
        existing = path
        while not existing.exists():  # the nearest part of the path that exists: the folder is made in it
            existing = existing.parent
        if not existing.is_dir():
            raise argparse.ArgumentTypeError(f"cannot write into {text!r}: {str(existing)!r} is a file, not a folder")
        _try_writing_into(existing, text)
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot write into {text!r}: {error.strerror}") from None
    return path


def _printable_path(text: str) -> Path:
    # Paths are printed back ("wrote the graph to ..."): refuse what cannot be shown, NUL included.
    if not text:
        raise argparse.ArgumentTypeError("the path is empty")
    if not text.isprintable():
        raise argparse.ArgumentTypeError(f"the path {text!r} holds a character that cannot be printed")
    return Path(text)


def _try_writing_into(folder: Path, text: str) -> None:
    """Create (and at once delete) a file in `folder`: the one honest test of permission (root, read-only disks)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: the folder {str(folder)!r} takes no new files "
                                         f"({error.strerror or error})") from None


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = Parser(
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
    grad.add_argument("--dot", metavar="FILE", type=output_file,
                      help="write the graph: DOT text (.dot, .gv), or rendered by Graphviz (.svg, .png, .pdf)")
    grad.add_argument("--html", metavar="FILE", type=output_file,
                      help="write the interactive chain-rule stepper: one self-contained HTML file")
    grad.set_defaults(run=run_grad)

    demo = commands.add_parser(
        "demo", formatter_class=formatter, epilog=DEMO_EXAMPLES,
        help="train micrograd's two-moons MLP, check its gradient three ways, write pictures",
        description="Train an MLP(2, [16, 16, 1]) on two moons, check one step's gradient three ways, and write "
                    "the decision boundary (PNG), one neuron's graph (SVG), a chain-rule stepper (HTML) and the "
                    "gradient-check report into an output folder.")
    demo.add_argument("--steps", type=count, default=100, help="SGD steps, at least 1 (default 100)")
    demo.add_argument("--out", type=output_folder, default="autograd-demo",  # a string: argparse checks it too
                      help="the folder to write into, made if need be (default ./autograd-demo)")
    demo.set_defaults(run=run_demo)

    from autograd.playground.command import add_playground_command
    add_playground_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default ``sys.argv[1:]``); return the exit status (see the module docstring).

    It returns even for ``--help`` and for what argparse refuses (0 and 2), rather than raise SystemExit.
    """
    if argv is not None:
        _check_strings("argv", argv)
    _print_any_text()
    try:
        return _run(argv)
    except BrokenPipeError:
        # The reader (head, less) has gone. Point standard output at /dev/null, so that
        # Python's own flush at exit does not fail a second time (the recipe of the docs
        # of `signal`), and stop with the status of a program stopped by SIGPIPE.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):  # not a real file (a test's capture)
            pass
        return 141


def _run(argv: list[str] | None) -> int:
    command = None
    try:
        args, unknown = build_parser().parse_known_args(argv)
        command = args.command
        if hasattr(args, "values"):  # NAME=VALUE after an option: grad "x*y" --explain x=1 y=2
            args.values += [text for text in unknown if not text.startswith("-")]
            unknown = [text for text in unknown if text.startswith("-")]
        if unknown:
            raise UsageError(_unrecognized(command, unknown))
        status = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, where it is caught, and not at exit
        return status
    except (ExpressionError, UsageError) as error:
        print(f"{PROG} {command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}{f' {command}' if command else ''}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as stopped:  # --help, or a command line argparse refused (it has said why)
        sys.stdout.flush()  # here too, for the same reason
        return stopped.code if isinstance(stopped.code, int) else 2


def _check_strings(name: str, value) -> None:
    """A list (or tuple) of strings, as a command line is; a TypeError otherwise."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, got {arguments.shown(value)}")
    for i, item in enumerate(value):
        arguments.text(f"{name}[{i}]", item)


def _unrecognized(command: str, unknown: list[str]) -> str:
    message = f"unrecognized arguments: {' '.join(repr(text) for text in unknown)}"
    if command == "grad" and any(not text.startswith("--") for text in unknown):
        message += f' (an expression that starts with - goes after --: {PROG} grad -- "-x*y" x=2 y=3)'
    return message


def _print_any_text() -> None:
    """Print what cannot be encoded (an é on an ASCII terminal) as \\xe9, rather than fail with UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


# --- grad ------------------------------------------------------------------------

def read_values(assignments: list[str]) -> dict[str, float]:
    """``["x=0.5", "w=-3"]`` -> ``{"x": 0.5, "w": -3.0}``, or a UsageError naming the bad one."""
    _check_strings("assignments", assignments)
    values = {}
    for text in assignments:
        written, equals, number = text.partition("=")
        name = variable_name(written.strip())  # normalised as the expression's names are: ｘ is x
        if not equals:
            raise UsageError(f"cannot read {text!r}: give each variable as NAME=NUMBER, like x=0.5")
        if name is None:
            raise UsageError(f"cannot read {text!r}: {written.strip()!r} is not a variable name "
                             "(give each variable as NAME=NUMBER, like x=0.5)")
        try:
            value = float(number)
        except ValueError:
            raise UsageError(f"cannot read {text!r}: {number.strip()!r} is not a number") from None
        try:
            value = arguments.real(name, value)  # no nan, no inf: no gradient to compute or check there
        except ValueError as error:
            beyond = number.strip().lstrip("+-").lower() not in ("inf", "infinity", "nan")
            raise UsageError(f"cannot read {text!r}: {error}" +
                             (f" ({number.strip()} is beyond the largest float, about 1.8e308)" if beyond else "")
                             ) from None
        if name in values:
            raise UsageError(f"the variable {name!r} is given twice")
        values[name] = value
    return values


def expression_function(expression):
    """The expression as a function of its variables, in order, for `autograd.testing.gradient_report`."""

    def function(*xs):
        return expression.evaluate(dict(zip(expression.variables, xs)))

    function.__name__ = expression.source
    function.variables = expression.variables  # the report names each derivative after its variable
    return function


def print_check(report, point: dict[str, float], output: str) -> int:
    """The checker's report as the command line shows it; 1 when reverse and forward mode disagree (a bug here)."""
    from autograd.testing.check import disagreement

    header = ("input", "value", f"d{output}/dinput (reverse mode)", "forward mode", "central difference", "")
    rows, numbered = [header], 0
    for entry, (name, value) in zip(report.entries, point.items()):
        mark = "ok" if entry.ok else "DISAGREE"
        if entry.note:
            numbered += 1
            mark += f" [{numbered}]"
        rows.append((name, f"{value:g}", repr(entry.values["reverse"]), repr(entry.values["forward"]),
                     f"{entry.values['numeric']:.12g}", mark))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    modes_agree = all(disagreement((e.values["reverse"], e.values["forward"])) <= e.tolerance
                      for e in report.entries)
    worst = max((e.rel_error for e in report.entries), default=0.0)
    print(f"\ncheck: forward mode {'agrees with' if modes_agree else 'DISAGREES with'} reverse mode; central "
          + (f"differences agree to {worst:.1e}" if report.ok else
             "differences DISAGREE (a kink, a pole, a steep point, or the edge of the domain?)")
          + f" (tolerance {report.atol:g} + {report.rtol:g} * |value|)")
    for line in report.notes + report.footnotes():
        print(f"  {line}")
    return 0 if modes_agree else 1


OUTPUT_NAMES = ("f", "f_", "g", "out")


def output_name(variables) -> str:
    """What the output is called: the first of f, f_, g, out, out1, out2, ... that is not a variable's name."""
    names = itertools.chain(OUTPUT_NAMES, (f"out{k}" for k in itertools.count(1)))
    return next(name for name in names if name not in variables)


def run_grad(args) -> int:
    from autograd.explain import STEPPER_MAX_NODES
    from autograd.graph import walk
    from autograd.value import Value

    expression = parse(args.expression)
    point = read_values(args.values)
    unused = [name for name in point if name not in expression.variables]
    if unused:
        raise UsageError(f"the variable {unused[0]!r} does not appear in {expression.source!r}")
    if args.dot is not None and args.html is not None and args.dot.resolve() == args.html.resolve():
        raise UsageError(f"--dot and --html name the same file, {str(args.dot)!r}: the second would replace the first")
    leaves = {name: Value(value, label=name) for name, value in point.items()}
    out = expression.evaluate(leaves)  # names are checked here: a missing one is an ExpressionError
    if not isinstance(out, Value):
        if args.explain or args.dot is not None or args.html is not None:
            raise UsageError(f"{expression.source!r} has no variables: there is no graph to explain or draw")
        print(f"{expression.source} = {out!r}\n(no variables: nothing to differentiate)")
        return 0
    if args.html is not None and len(walk(out)) > STEPPER_MAX_NODES:  # found now, not after the work
        raise UsageError(f"--html: the stepper draws every value, and this graph has {len(walk(out)):,} "
                         f"(at most {STEPPER_MAX_NODES}); leave out --html, or use --explain for the trace")
    if not any(out is leaf for leaf in leaves.values()):  # (an expression that is one variable keeps its name)
        out.label = output_name(expression.variables)  # never one of the user's names: f*n is not "f"
    out.backward()

    at = ", ".join(f"{name} = {value:g}" for name, value in point.items())
    print(f"{out.label} = {expression.source}\n  at {at}\n{out.label} = {out.data!r}\n")
    from autograd.testing import gradient_report

    report = gradient_report(expression_function(expression), tuple(point[name] for name in expression.variables))
    status = print_check(report, {name: point[name] for name in expression.variables}, out.label)
    if args.explain:
        from autograd.explain import explain

        print()
        print(explain(out, title=expression.source))
    status = max(status, write_outputs(out, expression.source, args.dot, args.html))
    return status


def write_outputs(out, title: str, dot_path: Path | None, html_path: Path | None) -> int:
    """Write the drawing and the stepper if asked; 1 (with the reason printed) when one cannot be written.

    The paths were checked before any work (`output_file`); what can still go
    wrong here is the disk, or Graphviz.
    """
    from autograd.explain.drawing import GraphvizNotFound, draw_dot

    status = 0
    try:
        if dot_path is not None:
            drawing = draw_dot(out, graph_label=f"{out.label} = {title}")
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
        print(f"{PROG} grad: error: {error}", file=sys.stderr)
        status = 1
    except subprocess.CalledProcessError as error:  # Graphviz ran and failed
        print(f"{PROG} grad: error: Graphviz could not draw the graph (exit status {error.returncode})",
              file=sys.stderr)
        status = 1
    except BrokenPipeError:  # standard output closed, not a file: main() handles it
        raise
    except OSError as error:
        print(f"{PROG} grad: error: cannot write: {error}", file=sys.stderr)
        status = 1
    return status


# --- demo ------------------------------------------------------------------------

def run_demo(args) -> int:
    from autograd.cli import demo

    try:
        demo.main(steps=args.steps, out=args.out)
    except BrokenPipeError:  # standard output closed, not a file: main() handles it
        raise
    except OSError as error:  # the folder was checked before training; the disk can still fill up
        print(f"{PROG} demo: error: cannot write: {error}", file=sys.stderr)
        return 1
    return 0
