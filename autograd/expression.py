"""Reading typed expressions safely: ``from autograd.expression import parse``.

The reader lives with the command line, in `autograd.cli.expression`; this
is its public address (the playground and the notebooks use it too).
"""

from autograd.cli.expression import (FUNCTIONS, MAX_DEPTH, MAX_LENGTH, Expression, ExpressionError, parse,
                                     variable_name)

__all__ = ["parse", "Expression", "ExpressionError"]
