"""`make bench`: every workload against every peer that installs, as one markdown report.

    python benchmarks/run.py                       # everything (about 20-30 minutes on 2 cores)
    python benchmarks/run.py --quick               # fewer repeats and smaller sizes, to try it out
    python benchmarks/run.py --only scalar chain   # some workloads: scalar, chain, tensor, forward, playground
    python benchmarks/run.py --reinstall           # forget which peers installed or failed, ask pip again

Workloads (one module each, each runnable alone):

    1. scalar   scalar_mlp.py       micrograd's demo step: MLP 2-16-16-1 on 100 points
    2. chain    deep_chain.py       y = y * 1.0001 + 0.0001, N = 10^3 ... 10^6: time, memory, failures
    3. tensor   tensor_mlp.py       MLP 784-200-200-10, float32, batch 1/100/1000 (the Tensor engine's
                                    own benchmark, issue 4: run here with the peers' environment)
    4. forward  forward_reverse.py  the gradient of f: R^n -> R by n forward passes vs one reverse pass
    5. playground playground_latency.py  the playground's server answer and slider update (no peers: ours only)
    6. graphs   graphs.py           the cost of recording module paths on the scalar MLP step (ours only)

The peers are installed once into ``benchmarks/.envs/`` (see `harness`); one
that fails to install is reported as such and the rest run. The report goes
to standard output and to ``benchmarks/results/latest.md``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import harness

WORKLOADS = ("scalar", "chain", "tensor", "forward", "playground", "graphs")
TENSOR_SCRIPT = harness.BENCHMARKS / "tensor_mlp.py"


def tensor_workload(installed: dict, quick: bool, log) -> str:
    """Workload 3 is the Tensor engine's own benchmark: run it as it is, with every peer importable."""
    title = "### 3. Tensor MLP step (784-200-200-10, float32, batch 1 / 100 / 1000)\n\n"
    if not TENSOR_SCRIPT.exists():
        return title + ("Not run: `benchmarks/tensor_mlp.py` is not on this branch. It comes with the `Tensor` "
                        "engine (issue 4); once both are merged, this driver runs it here with the peers' "
                        "environment (torch, mygrad, dezero importable) and includes its tables.")
    log("  tensor MLP: benchmarks/tensor_mlp.py")
    command = [str(harness.python_of("peers")), str(TENSOR_SCRIPT)] + (["--rounds", "2"] if quick else [])
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        return title + "Failed: `benchmarks/tensor_mlp.py` did not finish within an hour."
    if out.returncode:
        tail = "\n".join(out.stderr.strip().splitlines()[-3:])
        return title + f"Failed: `benchmarks/tensor_mlp.py` exited with status {out.returncode}:\n\n```\n{tail}\n```"
    shown = " ".join(["python", "benchmarks/tensor_mlp.py"] + command[2:])
    return title + f"Command: `{shown}`\n\n" + out.stdout.strip()


def versions(installed: dict) -> str:
    rows = []
    for name, outcome in installed.items():
        rows.append([name, outcome.version if outcome.ok else "–",
                     "installed" if outcome.ok else f"**not installed**: {outcome.error}",
                     f"`{' '.join(outcome.peer.requirements)}` in `.envs/{outcome.peer.env}`"
                     + (f"; {outcome.peer.note}" if outcome.peer.note else "")])
    return harness.table(["peer", "version", "status", "how"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the scalar MLP workload (default 3)")
    parser.add_argument("--reinstall", action="store_true", help="ask pip again about every peer")
    parser.add_argument("--out", default=str(harness.BENCHMARKS / "results" / "latest.md"))
    args = parser.parse_args()

    def log(message):
        print(message, file=sys.stderr, flush=True)

    installed = harness.ensure_envs(list(harness.PEERS), reinstall=args.reinstall, log=log)
    started, load_before = time.time(), harness.load()
    sections = []
    for workload in args.only:
        log(f"workload: {workload}")
        if workload == "scalar":
            import scalar_mlp
            sections.append(scalar_mlp.run(installed, rounds=1 if args.quick else args.rounds,
                                           quick=args.quick, log=log))
        elif workload == "chain":
            import deep_chain
            sections.append(deep_chain.run(installed, quick=args.quick, log=log))
        elif workload == "tensor":
            sections.append(tensor_workload(installed, args.quick, log))
        elif workload == "forward":
            import forward_reverse
            sections.append(forward_reverse.run(installed, quick=args.quick, log=log))
        elif workload == "playground":
            import playground_latency
            sections.append(playground_latency.run(installed, quick=args.quick, log=log))
        elif workload == "graphs":
            import graphs
            sections.append(graphs.run(installed, quick=args.quick, log=log))
    minutes = (time.time() - started) / 60
    command = "`make bench` (`python benchmarks/run.py`)" if sys.argv[1:] == [] else \
        f"`python benchmarks/run.py {' '.join(sys.argv[1:])}`"
    header = [
        f"Measured {harness.today()} with {command} in {minutes:.0f} minutes, on {harness.machine()}; "
        f"load average {load_before} at the start and {harness.load()} at the end (2 cores: above 2 means other "
        "work shared the machine).",
        "",
        versions(installed),
        "",
        "Every time is a median over repeated runs with min–max beside it; every ratio compares figures measured "
        "in the same run.",
    ]
    report = "\n".join(header) + "\n\n" + "\n\n".join(sections) + "\n"
    print(report)
    out = harness.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    log(f"written to {out}")


if __name__ == "__main__":
    main()
