"""The command line, ``python -m autograd``: its commands and the demo.

    commands.py    the argument parser and the `grad` and `demo` commands; exit statuses
    demo.py        micrograd's two-moons MLP, trained and checked three ways

Expressions are read by `autograd.expression` (the reader the table of
primitives writes its derivatives in). The playground's command
(`autograd.playground.command`) registers itself here too.
"""

from autograd.cli.commands import UsageError, build_parser, main, read_values  # noqa: F401 - build_parser too

__all__ = ["main", "read_values", "UsageError"]
