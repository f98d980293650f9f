"""The earlier address of `autograd.elementary` (``F``), kept for code that imports it from here.

The elementary functions -- F.exp, F.tanh, F.sign ... on floats, arrays,
Values and Duals alike -- live in `autograd.elementary`. The name said too
little next to `autograd.functional` (grad, vjp, jvp: transformations of
functions); ``from autograd import F`` is how they are meant to be reached.
"""

from autograd.elementary import *  # noqa: F403 - the same objects, under the old address
from autograd.elementary import REAL_TYPES, __all__  # noqa: F401 - REAL_TYPES: imported from here before
