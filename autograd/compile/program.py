"""The compiled program: a traced graph written out as straight-line Python, and the callable around it.

`Program.from_trace` walks a `autograd.compile.recording` trace in the
interpreter's order and writes one assignment per node, then the adjoints
(see the package docstring, `autograd.compile`, for the whole story);
`Compiled` keeps the programs for each set of branch decisions seen and
falls back to the interpreter where compiled Python floats would raise.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import linecache
import math
import re
import types
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from autograd import arguments, ops
from autograd.compile import inlining
from autograd.compile.inlining import REAL_FUNCTIONS, contribution_template, forward_template, partial_templates
from autograd.compile.recording import Branch, Recording, record
from autograd.graph import backpropagate, topological_order, walk
from autograd.modes import enable_grad
from autograd.value import Value

__all__ = ["Compiled", "Program"]

SEED = "1.0"
_ATOM = re.compile(r"[A-Za-z_]\w*|\d[\d.]*(e[+-]?\d+)?")  # a name or a non-negative float literal
_program_numbers = itertools.count(1)


class GuardMiss(Exception):
    """Raised inside compiled code when a branch recorded at tracing time comes out differently."""


def literal(x: float) -> str:
    """A float as an atom of Python source that evaluates to exactly it: ``0.1``, ``(-2.5)``, ``_inf``."""
    x = float(x)
    if x == 0.0:  # 0.0 == -0.0, so the cache below would mix them up
        return "0.0" if math.copysign(1.0, x) > 0 else "(-0.0)"
    return _literal(x)


@functools.lru_cache(maxsize=65536)
def _literal(x: float) -> str:
    text = inlining.template(inlining.number(x))
    return text if _ATOM.fullmatch(text) else f"({text})"


@dataclass
class Instruction:
    """One line of the program: ``target = text`` (a guard when target is None).

    `text` is a template (`autograd.compile.inlining`); `fields` fills it with values
    (ints: numbers of program values, named later) or literal text.
    """

    target: int | None
    text: str
    fields: dict


class _ProgramBuilder:
    """Writes one traced graph as a list of instructions over numbered values (each written once)."""

    def __init__(self, trace: Recording):
        self.trace = trace
        self.instructions: list[Instruction] = []
        self.kinds: list[tuple[str, int]] = []  # for each program value: ("x" | "v" | "dx" | "dv" | "t", index)
        self.namespace: dict = {"_inf": math.inf, "_nan": math.nan, "_GuardMiss": GuardMiss, **REAL_FUNCTIONS}
        self.called: dict[int, str] = {}  # id(function) -> its name in the namespace
        self.ref: dict[int, object] = {}   # id(node) -> its value: a program value or a literal
        self.position: dict[int, int] = {}  # id(node) -> its index among the forward nodes
        self.inputs = [self.new_value("x", i) for i in range(len(trace.inputs))]
        for node, value in zip(trace.inputs, self.inputs):
            self.ref[id(node)] = value

    def new_value(self, kind: str, index: int) -> int:
        self.kinds.append((kind, index))
        return len(self.kinds) - 1

    def emit(self, target, text: str, fields: dict):
        used = _fields_of(text)  # keep only what the text reads: the rest must not stay alive for it
        self.instructions.append(Instruction(target, text, {k: v for k, v in fields.items() if k in used}))
        return target

    def ref_of(self, node):
        if type(node) is float:  # a plain number the operation kept (x * 2): written as it is
            return literal(node)
        known = self.ref.get(id(node))
        return known if known is not None else literal(node.data)  # a leaf that is not an input: a constant

    def call_name(self, function: Callable, stem: str) -> str:
        """Bind `function` in the program's namespace under a generated name, once."""
        name = self.called.get(id(function))
        if name is None:
            number = sum(1 for known in self.called.values() if known.startswith(f"_{stem}"))
            name = self.called[id(function)] = f"_{stem}{number}"
            self.namespace[name] = function
        return name

    # -- forward ----------------------------------------------------------------------------------

    def forward_text(self, op: ops.Primitive) -> str:
        text = forward_template(op)
        if text is not None:
            return text
        arguments = ", ".join(f"{{a{i}}}" for i in range(op.arity))
        return f"{self.call_name(op.forward, 'forward')}({arguments})"

    def forward(self, nodes: list, branches: list[Branch]) -> None:
        ready: dict[int, list[tuple[int, Branch]]] = {}  # forward index after which a guard can run
        for number, branch in enumerate(branches):
            last = max((self.position.get(id(x), -1) for x in (branch.left, branch.right) if isinstance(x, Value)),
                       default=-1)
            ready.setdefault(last, []).append((number, branch))
        self.guards(ready.get(-1, ()))
        for k, node in enumerate(nodes):
            operands = (node._a,) if node._b is None else (node._a, node._b)
            fields = {f"a{i}": self.ref_of(p) for i, p in enumerate(operands)}
            self.ref[id(node)] = self.emit(self.new_value("v", k), self.forward_text(node._op), fields)
            self.guards(ready.get(k, ()))

    def guards(self, branches) -> None:
        for number, branch in branches:
            fields = {"left": self.ref_of(branch.left),
                      "right": self.ref_of(branch.right) if isinstance(branch.right, Value) else literal(branch.right)}
            test = f"{{left}} {branch.symbol} {{right}}"
            self.emit(None, f"if {'not ' if branch.outcome else ''}{test}: raise _GuardMiss({number})", fields)

    # -- backward ---------------------------------------------------------------------------------

    def partial_texts(self, op: ops.Primitive, fields: dict, node_index: int) -> list[str]:
        texts = partial_templates(op)
        if texts is not None:
            return texts
        # Not inlinable (a primitive of your own): call the rule once, use its tuple.
        arguments = ", ".join([f"{{a{i}}}" for i in range(op.arity)] + ["{out}"])
        fields["t"] = self.emit(self.new_value("t", node_index), f"{self.call_name(op.partials, 'partials')}"
                                f"({arguments})", dict(fields))
        return [f"{{t}}[{i}]" for i in range(op.arity)]

    def backward(self, order: list, needs: set[int], root) -> dict[int, object]:
        adjoint: dict[int, object] = {}
        if isinstance(root, Value) and id(root) in needs:
            adjoint[id(root)] = SEED
        for node in reversed(order):
            upstream = adjoint.get(id(node))
            if node._op is None or upstream is None or id(node) in self.stop:
                continue
            operands = (node._a,) if node._b is None else (node._a, node._b)
            if not any(id(p) in needs for p in operands):
                continue
            fields = {f"a{i}": self.ref_of(p) for i, p in enumerate(operands)}
            fields["out"] = self.ref[id(node)]
            fields["up"] = upstream
            partials = self.partial_texts(node._op, fields, self.position[id(node)])
            for partial, parent in zip(partials, operands):
                if id(parent) not in needs:  # no input depends on it: its gradient is never used
                    continue
                before = adjoint.get(id(parent))
                text = contribution_template(partial, upstream == SEED, before is not None)
                alias = _FIELD_ONLY.fullmatch(text)
                if alias:  # the new gradient is a value we already have: no line needed
                    adjoint[id(parent)] = fields[alias.group(1)]
                elif _ATOM.fullmatch(text):  # a literal, like the 1.0 of d(a + b)/da under the seed
                    adjoint[id(parent)] = text
                else:
                    kind, index = (("dx", self.input_number[id(parent)]) if id(parent) in self.stop
                                   else ("dv", self.position[id(parent)]))
                    target = self.new_value(kind, index)
                    adjoint[id(parent)] = self.emit(target, text, dict(fields, before=before))
        return adjoint

    def build(self):
        trace = self.trace
        self.stop = {id(x) for x in trace.inputs}
        self.input_number = {id(x): i for i, x in enumerate(trace.inputs)}
        root = trace.output
        # The backward pass must visit nodes in backpropagate's order (float sums depend on it);
        # the forward pass may use any order that computes inputs first: the order of evaluation
        # reads best. It includes the nodes the guards compare, even those the output does not need.
        order = topological_order(root, frozenset(trace.inputs)) if isinstance(root, Value) else []
        roots = [root] + [x for b in trace.branches for x in (b.left, b.right)]
        nodes = [n for n in walk([x for x in roots if isinstance(x, Value)], self.stop)
                 if n._op is not None and id(n) not in self.stop]
        self.position = {id(n): k for k, n in enumerate(nodes)}
        needs = set(self.stop)
        for node in nodes:  # inputs come first: a node needs a gradient if any of its inputs does
            if id(node) not in self.stop and node._op is not None and \
                    (id(node._a) in needs or (node._b is not None and id(node._b) in needs)):
                needs.add(id(node))
        self.forward(nodes, trace.branches)
        self.split = len(self.instructions)
        adjoint = self.backward(order, needs, root)
        output = self.ref_of(root) if isinstance(root, Value) else literal(root)
        gradients = [adjoint.get(id(x), "0.0") for x in trace.inputs]
        return output, gradients


_FIELD_ONLY = re.compile(r"\{(\w+)\}")


@functools.lru_cache(maxsize=4096)
def _fields_of(text: str) -> frozenset:
    return frozenset(re.findall(r"\{(\w+)\}", text))


def _names(builder: _ProgramBuilder, outputs: list, reuse_slots: bool) -> list[str]:
    """A variable name for every program value.

    Without reuse, a value is named after its node (``v3``, and ``dv3`` for the
    gradient, every version of it); with reuse, by a linear scan: a value's
    variable is handed on once the value has been read for the last time, so
    the function holds only as many variables as values live at once.
    """
    kinds = builder.kinds
    names = [f"{kind}{index}" if kind in ("x", "t") or not reuse_slots else "" for kind, index in kinds]
    if not reuse_slots:
        return names
    last_use = {}
    for position, instruction in enumerate(builder.instructions):
        for value in instruction.fields.values():
            if type(value) is int:
                last_use[value] = position
    end = len(builder.instructions)
    for value in outputs:
        if type(value) is int:
            last_use[value] = end
    free: list[str] = []
    slots = 0
    for position, instruction in enumerate(builder.instructions):
        for value in set(instruction.fields.values()):
            if type(value) is int and last_use.get(value) == position and kinds[value][0] != "x":
                free.append(names[value])
        target = instruction.target
        if target is not None:
            if free:
                names[target] = free.pop()
            else:
                names[target] = f"s{slots}"
                slots += 1
            if target not in last_use:  # written, never read: its variable is free at once
                free.append(names[target])
    return names


@dataclass
class Program:
    """One compiled version of the function: its source and the function object."""

    source: str
    function: Callable
    guards: int
    lines: int

    @classmethod
    def from_trace(cls, trace: Recording, reuse_slots: bool = True) -> Program:
        builder = _ProgramBuilder(trace)
        output, gradients = builder.build()
        names = _names(builder, [output, *gradients], reuse_slots)

        def show(value):
            return names[value] if type(value) is int else value

        name = "forward_backward"
        lines = [f"def {name}({', '.join(names[v] for v in builder.inputs)}):",
                 "    # forward: one assignment per node"]
        for position, instruction in enumerate(builder.instructions):
            if position == builder.split:
                lines.append("    # backward: d output/d node for every node, in the interpreter's order")
            text = instruction.text.format_map({k: show(v) for k, v in instruction.fields.items()})
            lines.append(f"    {text}" if instruction.target is None else f"    {names[instruction.target]} = {text}")
        if builder.split == len(builder.instructions):
            lines.append("    # backward: nothing to do")
        gradient_tuple = ", ".join(show(g) for g in gradients) + ("," if len(gradients) == 1 else "")
        lines.append(f"    return {show(output)}, ({gradient_tuple})")
        source = "\n".join(lines) + "\n"
        function = _function_from_source(source, name, builder.namespace)
        return cls(source, function, len(trace.branches), len(lines))


def _function_from_source(source: str, name: str, namespace: dict) -> Callable:
    """Compile the generated source and make its one function, without executing any module code."""
    filename = f"<autograd.compile #{next(_program_numbers)}>"
    module = builtins.compile(source, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)  # tracebacks show the generated lines
    return types.FunctionType(code, namespace, name)


@contextmanager
def inputs_at(given: list, data: list):
    """The arguments for tracing at `data`: the data itself, or the given nodes holding it for a while.

    `given` has, for each argument, the Value or Tensor the user passed (it is
    traced as itself, so that its identity stays a leaf) or None; each one's
    ``.data`` is set for the length of the block and put back afterwards.
    Shared by the scalar and the tensor compiler.
    """
    saved = [(node, node.data) for node in given if node is not None]
    try:
        for node, x in zip(given, data):
            if node is not None:
                node.data = x
        yield [node if node is not None else x for node, x in zip(given, data)]
    finally:
        for node, x in saved:
            node.data = x


class Compiled:
    """A function compiled for its value and gradient: ``compiled(*args) -> (value, gradients)``.

    gradients    a tuple of floats, d value/d args[i] for each argument
    source       the Python source of the (most recent) compiled version
    traces       how many times the function has been traced
    fallbacks    how many calls the interpreter answered (see the module docstring)
    """

    def __init__(self, f: Callable, example_args: Sequence, *, reuse_slots: bool = True, max_traces: int = 8):
        self.f = arguments.function("f", f)
        if isinstance(example_args, (str, bytes)) or not isinstance(example_args, (Sequence, np.ndarray)):
            raise TypeError(f"example_args must be a tuple of f's arguments, like (0.5, -1.0), "
                            f"got {arguments.shown(example_args)}")
        self.reuse_slots = arguments.flag("reuse_slots", reuse_slots)
        self.max_traces = arguments.integer("max_traces", max_traces, low=1)
        self.arity = len(example_args)
        self._given = [x if isinstance(x, Value) else None for x in example_args]
        self.traces = 0
        self.fallbacks = 0
        self._programs: list[Program] = []
        self._add_program(record(f, example_args))

    def _add_program(self, trace: Recording) -> Program:
        program = Program.from_trace(trace, self.reuse_slots)
        self._programs.insert(0, program)
        self.traces += 1
        return program

    @property
    def source(self) -> str:
        return self._programs[0].source

    @property
    def programs(self) -> list[Program]:
        """Every compiled version, the most recent first (one per set of branch decisions seen)."""
        return list(self._programs)

    def __call__(self, *args):
        if len(args) != self.arity:
            raise TypeError(f"the compiled function takes {self.arity} arguments, got {len(args)}")
        numbers = [float(x) for x in args]
        for program in self._programs:
            try:
                return program.function(*numbers)
            except GuardMiss:
                continue  # traced along other branches: try the next version
            except ArithmeticError:  # Python floats raised (1 / 0.0): the interpreter gives the IEEE answer
                self.fallbacks += 1
                return self.interpret(numbers)
        if len(self._programs) < self.max_traces:
            with self._inputs_at(numbers) as inputs:
                self._add_program(record(self.f, inputs))
            return self(*numbers)
        self.fallbacks += 1
        return self.interpret(numbers)

    def interpret(self, args: Sequence[float]):
        """The same result by the interpreter: trace at `args`, then `backpropagate` (what `value_and_grad` does)."""
        with self._inputs_at([float(x) for x in args]) as inputs, enable_grad():
            trace = record(self.f, inputs)
            output = trace.output
            if not isinstance(output, Value):
                return float(output), tuple(0.0 for _ in trace.inputs)
            grads = backpropagate(output, stop_at=frozenset(trace.inputs))
            return output.data, tuple(grads.get(x, 0.0) for x in trace.inputs)

    def _inputs_at(self, numbers: list[float]):
        return inputs_at(self._given, numbers)

    def __repr__(self) -> str:
        name = getattr(self.f, "__name__", "function")
        program = self._programs[0]
        return (f"<compiled {name}: {self.arity} inputs, {program.lines} lines, {program.guards} guards, "
                f"{self.traces} trace(s)>")
