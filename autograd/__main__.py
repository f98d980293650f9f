"""The command line: ``python -m autograd demo``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train micrograd's two-moons MLP, then check its gradient three ways")
    demo.add_argument("--steps", type=int, default=100, help="SGD steps (default 100)")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from autograd import demo as demo_module
        demo_module.main(steps=args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
