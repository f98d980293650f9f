"""The house has no import cycles: no module imports one that imports it back, directly or around a loop.

Imports inside functions count too (a late import only hides a cycle). A
package importing its own submodules, to re-export them, is not a cycle.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "autograd"


def import_graph() -> dict[str, set[str]]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    edges = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            edges[name] |= {t for t in targets if t in modules and t != name}
    return edges


def _related(a: str, b: str) -> bool:
    return a.startswith(b + ".") or b.startswith(a + ".")  # a package and one of its own modules


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found = []
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for target in sorted(edges[node]):
                if _related(node, target):
                    continue
                if target == start:
                    found.append(path + [start])
                elif target not in path:
                    stack.append((target, path + [target]))
    return found


def test_the_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) and not cycles({"a": {"b"}, "b": {"c"}, "c": set()})


def test_there_is_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found[:5])


def test_the_table_of_primitives_imports_no_engine():
    edges = import_graph()
    assert not edges["autograd.ops"] & {"autograd.value", "autograd.dual", "autograd.tensor", "autograd.graph"}


def declared_for_editors(cls) -> set[str]:
    """The names a node class declares in its ``if TYPE_CHECKING:`` block (never run, read by editors)."""
    import inspect

    tree = ast.parse(inspect.getsource(inspect.getmodule(cls)))
    body = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == cls.__name__).body
    block = next(node for node in body if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING")
    names = set()
    for statement in block.body:
        if isinstance(statement, ast.FunctionDef):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            names |= {target.id for target in statement.targets}
    return names


def test_editors_are_told_of_every_method_the_table_installs():
    from autograd import Dual, Tensor, Value, ops, tensor_ops

    for cls, table in ((Value, ops), (Dual, ops), (Tensor, tensor_ops)):
        declared, installed = declared_for_editors(cls), set(ops.method_names(table))
        assert installed <= declared, f"{cls.__name__} does not declare {sorted(installed - declared)}"
        extra = declared - installed
        assert extra <= {"__pow__"} and all(hasattr(cls, name) for name in declared), (cls, extra)


ENGINE = {"autograd.arguments", "autograd.elementary", "autograd.expression", "autograd.ops", "autograd.value",
          "autograd.dual", "autograd.graph", "autograd.tensor_ops", "autograd.tensor", "autograd.comparisons",
          "autograd.functional", "autograd.modes", "autograd.scopes", "autograd.array_library"}
"""The engine, flat at the top of the package. (autograd.functions, autograd.viz and autograd.stepper
are old public addresses, and optim.py and data.py sit on the engine like nn/: none of them is engine.)"""


def test_the_engine_imports_nothing_above_it():
    edges = import_graph()
    assert ENGINE <= set(edges), sorted(ENGINE - set(edges))
    for module in sorted(ENGINE):
        # "from autograd import ops" names the package too: that is an import of ops, not of the package
        above = {target for target in edges[module] if target not in ENGINE | {"autograd"}}
        assert not above, f"{module} imports {sorted(above)}, above the engine"


def test_every_top_level_module_is_placed():
    """A new file at the top is either engine (listed above) or says where it belongs: this test makes one choose."""
    placed = ENGINE | {"autograd", "autograd.__main__", "autograd.functions", "autograd.viz", "autograd.stepper",
                       "autograd.optim", "autograd.data"}
    top = {name for name in import_graph() if name.count(".") <= 1 and not (PACKAGE / name.split(".")[-1]).is_dir()}
    assert top <= placed, sorted(top - placed)
