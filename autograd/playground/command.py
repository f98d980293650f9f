"""``python -m autograd playground [EXPR] [NAME=VALUE ...] [--port N] [--host H] [--no-browser]``.

`add_playground_command` registers the subcommand with the command line's
parser (`autograd.cli.build_parser`); tornado is imported only when it runs,
so the rest of the command line works without the ``playground`` extra.
"""

from __future__ import annotations

import argparse

DEFAULT_EXPRESSION = "tanh(x*w + b)"
DEFAULT_VALUES = {"x": 0.5, "w": -3.0, "b": 2.0}

__all__ = ["add_playground_command"]

EXAMPLES = """\
examples:
  python -m autograd playground
  python -m autograd playground "sigmoid(a*b) * a" a=1 b=-2
  python -m autograd playground "x**2 * sin(y)" x=3 y=0.5 --port 8000 --no-browser

Prints the address (with its token) on the first line of standard output and
opens it in the browser; Ctrl-C stops the server.
"""


def add_playground_command(commands) -> None:
    """Add ``playground`` to the subcommands `commands` (an argparse subparsers object)."""
    if not callable(getattr(commands, "add_parser", None)):
        raise TypeError(f"commands must be argparse subparsers (from add_subparsers()), got {commands!r:.60}")
    playground = commands.add_parser(
        "playground", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        help="the chain rule, live: type an expression, drag a value, click a node (a local web page)",
        description="Start the playground: a local web page where an expression's graph, values and gradients "
                    "update as you type and drag, computed by this library.")
    playground.add_argument("expression", metavar="EXPR", nargs="?", default=None,
                            help=f'the expression to start with (default "{DEFAULT_EXPRESSION}")')
    playground.add_argument("values", metavar="NAME=VALUE", nargs="*", help="a starting value, e.g. x=0.5")
    playground.add_argument("--port", type=int, default=0, help="the port to serve on (default 0: a free one)")
    playground.add_argument("--host", default=None,
                            help="serve on this address instead of 127.0.0.1 only (a class on one laptop); warns")
    playground.add_argument("--no-browser", action="store_true", help="do not open the browser")
    playground.set_defaults(run=run_playground)


def initial_state(expression: str | None, assignments: list[str]) -> dict:
    """The expression and values the page opens with; an error (exit status 2) for ones it cannot use."""
    from autograd.cli import UsageError, read_values
    from autograd.expression import parse

    if expression is None:
        if assignments:
            raise UsageError("values were given without an expression")
        return {"expression": DEFAULT_EXPRESSION, "values": dict(DEFAULT_VALUES)}
    variables = parse(expression).variables  # an ExpressionError (exit status 2) points at the column
    values = read_values(assignments)
    unused = [name for name in values if name not in variables]
    if unused:
        raise UsageError(f"the variable {unused[0]!r} does not appear in {expression!r}")
    return {"expression": expression, "values": values}


def run_playground(args) -> int:
    from autograd.cli import UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    initial = initial_state(args.expression, args.values)
    try:
        from autograd.playground.server import serve
    except ImportError as error:
        raise UsageError(f"the playground needs its extra: pip install 'autograd-scalar[playground]' ({error})") \
            from None
    return serve(initial, host=args.host, port=args.port, open_browser=not args.no_browser)
