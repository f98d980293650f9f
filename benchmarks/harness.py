"""The small harness every benchmark shares: environments, worker processes, statistics, tables.

Why a harness of our own rather than pytest-benchmark: the peers cannot share
one interpreter. HIPS autograd's import name is ``autograd``, like this
library's, so it lives in a virtual environment of its own; and each engine
must run in a process of its own anyway, or the garbage collector of one walks
the objects of the others (measured: micrograd is 20% slower beside torch).
So a benchmark here is a driver that starts worker processes, each running one
implementation in the right environment, and collects their timings as JSON.

Environments (made once by `ensure_envs`, kept in ``benchmarks/.envs/``,
which git ignores):

    peers   this library (editable install) + micrograd, dezero, mygrad, torch, jax
    hips    HIPS autograd alone

Each peer is installed by its own ``pip install``, so one that fails is
reported as failed and the others still run. The outcome is stamped in the
environment (``.installed-<peer>`` or ``.failed-<peer>``), so the next run
does not ask pip again; ``--reinstall`` forgets the stamps.

This module imports nothing from `autograd`: the workers of the ``hips``
environment import it too, and there ``autograd`` is HIPS autograd.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
ENVS = BENCHMARKS / ".envs"


@dataclass(frozen=True)
class Peer:
    """An engine to compare against: where it lives and how pip installs it."""

    name: str           # as the tables show it
    env: str            # the virtual environment under benchmarks/.envs/
    requirements: tuple[str, ...]
    module: str         # what the workers import
    note: str = ""      # an install quirk the tables should mention


PEERS = {p.name: p for p in (
    Peer("micrograd", "peers", ("micrograd==0.1.0",), "micrograd"),
    Peer("dezero", "peers", ("dezero", "matplotlib"), "dezero",
         "needs matplotlib, and `np.int = int` on numpy 2 (set by the workers)"),
    Peer("mygrad", "peers", ("mygrad",), "mygrad"),
    # This exact spelling takes the CPU wheel from the machine's wheel directory (see peer-baseline.md);
    # a looser one may download the multi-gigabyte CUDA build instead.
    Peer("torch", "peers", ("torch==2.13.0",), "torch"),
    Peer("jax", "peers", ("jax[cpu]",), "jax"),
    Peer("hips", "hips", ("autograd",), "autograd",
         "HIPS autograd: import name `autograd`, so its own virtual environment"),
)}

ENV_BASE = {  # what each environment holds before its peers
    "peers": ("numpy", "-e", str(REPO)),
    "hips": ("numpy",),
}


def python_of(env: str) -> Path:
    return ENVS / env / "bin" / "python"


def _pip(env: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python_of(env)), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)


def _make_env(env: str, log) -> None:
    if python_of(env).exists() and (ENVS / env / ".base").exists():
        return
    log(f"creating the {env} environment in {ENVS / env}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(ENVS / env)], check=True)
    result = _pip(env, *ENV_BASE[env]) if ENV_BASE[env] else None
    if result is not None and result.returncode:
        raise RuntimeError(f"could not set up the {env} environment:\n{result.stderr[-2000:]}")
    (ENVS / env / ".base").write_text("ok\n")


@dataclass
class Installed:
    """The outcome of installing one peer: a Python to run it with and its version, or why not."""

    peer: Peer
    version: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def python(self) -> Path:
        return python_of(self.peer.env)


def _version_of(env: str, module: str) -> str:
    """The installed version, asked of the environment's own pip metadata (importing could fail for other reasons)."""
    dist = {"autograd": "autograd", "jax": "jax"}.get(module, module)
    out = subprocess.run([str(python_of(env)), "-c",
                          f"import importlib.metadata as m; print(m.version({dist!r}))"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def ensure_envs(names, reinstall: bool = False, log=print) -> dict[str, Installed]:
    """Install (once) every named peer; return what happened to each, failures included."""
    ENVS.mkdir(exist_ok=True)
    outcome = {}
    for name in names:
        peer = PEERS[name]
        installed_stamp = ENVS / peer.env / f".installed-{name}"
        failed_stamp = ENVS / peer.env / f".failed-{name}"
        if reinstall:
            installed_stamp.unlink(missing_ok=True)
            failed_stamp.unlink(missing_ok=True)
        try:
            _make_env(peer.env, log)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            outcome[name] = Installed(peer, error=str(error).strip().splitlines()[-1])
            continue
        if failed_stamp.exists():
            outcome[name] = Installed(peer, error=failed_stamp.read_text().strip())
            continue
        if not installed_stamp.exists():
            log(f"installing {name}: pip install {' '.join(peer.requirements)}")
            result = _pip(peer.env, *peer.requirements)
            if result.returncode:
                lines = [line for line in result.stderr.splitlines() if line.strip()]
                failed_stamp.write_text(f"pip install failed: {lines[-1] if lines else 'no message'}\n")
                outcome[name] = Installed(peer, error=failed_stamp.read_text().strip())
                continue
            installed_stamp.write_text("ok\n")
        outcome[name] = Installed(peer, version=_version_of(peer.env, peer.module))
    return outcome


# --- workers ------------------------------------------------------------------------------------

@dataclass
class Failure:
    """A worker that did not finish: the exception it reported, a crash or a timeout."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def run_worker(python, script: Path, job: dict, timeout: float | None = None):
    """Run ``python script --worker JOB`` and return the JSON it prints, or a `Failure`.

    The worker prints one JSON object on its last line of output. An exception
    inside it is reported by the worker itself as ``{"error": "..."}``; a crash
    (a segfault, the out-of-memory killer) or a timeout becomes a Failure here.
    ``-E -s`` keep PYTHONPATH and the user's site-packages out, so that the hips
    environment never sees this repository's ``autograd`` (the script's own
    directory, benchmarks/, is on the path; the repository root is not).
    """
    command = [str(python), "-E", "-s", str(script), "--worker", json.dumps(job)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS_")}
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return Failure(f"timeout ({timeout:.0f} s)")
    lines = out.stdout.strip().splitlines()
    if out.returncode or not lines:
        tail = (out.stderr.strip().splitlines() or [f"exit status {out.returncode}"])[-1]
        return Failure(f"crashed: {tail}" if out.returncode > 0 else f"killed by signal {-out.returncode}")
    result = json.loads(lines[-1])
    return Failure(result["error"]) if "error" in result else result


def worker_main(handler) -> bool:
    """If this process is a worker (``--worker JOB``), run ``handler(job)``, print its JSON, and say so."""
    if len(sys.argv) != 3 or sys.argv[1] != "--worker":
        return False
    job = json.loads(sys.argv[2])
    try:
        result = handler(job)
    except (RecursionError, MemoryError, ArithmeticError, ImportError, RuntimeError, ValueError) as error:
        message = str(error).splitlines()[0][:160] if str(error) else ""
        result = {"error": f"{type(error).__name__}" + (f": {message}" if message else "")}
    print(json.dumps(result))
    return True


# --- statistics and tables -----------------------------------------------------------------------

def median(times) -> float:
    return statistics.median(times)


def show_time(seconds: float) -> str:
    """A duration with three significant digits in a unit that fits: 812 ns, 4.07 ms, 1.52 s."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def show_spread(times) -> str:
    """min - max of a list of durations, in one unit."""
    low, high = min(times), max(times)
    unit, scale = next((u, s) for u, s in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))
                       if high >= s or u == "ns")
    return f"{low / scale:.3g}–{high / scale:.3g} {unit}"


def show_ratio(ratio: float) -> str:
    return f"{ratio:.3g}" if ratio < 100 else f"{ratio:,.0f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def load() -> str:
    """The 1-, 5- and 15-minute load averages: how busy the machine was (2 cores here)."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.system()} {platform.machine()} ({model}), {os.cpu_count()} cores{memory}, "
            f"Python {platform.python_version()}")


def today() -> str:
    return time.strftime("%Y-%m-%d %H:%M %Z")
