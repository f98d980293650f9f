"""``python -m autograd``: the command line (see `autograd.cli`)."""

from __future__ import annotations

import sys

from autograd.cli import main

if __name__ == "__main__":
    sys.exit(main())
