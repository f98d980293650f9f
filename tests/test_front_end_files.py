"""Front-end code lives in .js and .css files of its own, ships in the wheel, and parses.

Every ``.js`` file of the package is parsed by node (``node --check``), when
node is installed; every ``.js``/``.css`` file must be matched by a
package-data pattern of pyproject.toml, or ``pip install`` would leave it out.
"""

import fnmatch
import shutil
import subprocess
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograd"
FILES = sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".js", ".css") and "node_modules" not in p.parts)


def test_there_are_front_end_files():
    assets = PACKAGE / "explain" / "assets"
    assert assets / "stepper.js" in FILES and assets / "stepper.css" in FILES


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PACKAGE)) for p in FILES])
def test_each_file_ships_in_the_wheel(path):
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = False
    for package, patterns in data.items():
        folder = ROOT / Path(*package.split("."))
        if path.is_relative_to(folder):
            relative = path.relative_to(folder).as_posix()
            shipped = shipped or any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)
    assert shipped, f"{path.relative_to(ROOT)} is not in pyproject.toml's package-data: pip install would drop it"


JS = [p for p in FILES if p.suffix == ".js" and not p.name.endswith(".min.js")]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the JavaScript is not parsed")
@pytest.mark.parametrize("path", JS, ids=[str(p.relative_to(PACKAGE)) for p in JS])
def test_each_script_parses(path):
    result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
