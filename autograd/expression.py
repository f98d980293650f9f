"""Reading typed expressions safely: ``from autograd.expression import parse``.

The reader lives with the command line, in `autograd.cli.expression`; this
is its public address (the playground and the notebooks use it too).
"""

# The names earlier versions offered here, kept for code that imports them from this address:
from autograd.cli.expression import (  # noqa: F401
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    Expression,
    ExpressionError,
    parse,
    variable_name,
)

__all__ = ["parse", "Expression", "ExpressionError"]
