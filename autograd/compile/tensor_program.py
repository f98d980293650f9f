"""`autograd.compile` for functions of Tensors: the traced graph written out as straight-line numpy.

    step = compile(lambda x, labels, *w: nn.cross_entropy(model(x), labels), (x, labels, *model.parameters()))
    loss, (_, _, dW1, db1, dW2, db2) = step(x, labels, *model.parameters())
    print(step.source)

How the program is written, step by step:

1. `autograd.compile.tensor_recording` runs the function once on Tensors and
   keeps the whole graph (data leaves included) and every comparison.
2. Forward: the nodes are taken in the order of evaluation (`graph.walk`);
   each is written with its row's template (`autograd.compile.tensor_rules`),
   one or a few numpy statements.
3. Backward: the nodes are taken in exactly the order of
   `tensor.accumulate_gradients` -- newest first, by creation number -- and
   every edge towards an input that wants a gradient is written: the row's
   VJP, then ``sum_to_shape`` where broadcasting made it larger, a cast where
   the dtypes differ, then ``total + contribution`` where a node is used twice.
   Same operations, same order, same dtypes: the same bits.
4. Every statement is *run* while it is written, on the traced arrays (the
   `Emitter` evaluates it), and each node's value and each edge's
   contribution are compared with what the row's own functions give, bit
   for bit. A template that disagrees (or has no case for these shapes) is
   replaced by a call of the row's function, which is exact by construction.
   The running also tells the writer every shape and dtype, so the program
   knows where broadcasting needs folding back without asking numpy again.
5. Statements nothing reads are dropped; the rest is one Python function.

Buffers. Every intermediate array is written with ``out=`` into an array the
program keeps from one call to the next (``buffers="intermediate"``, the
default), so a training step allocates little beyond the arrays it returns;
values never alive at the same time share one such array (``reuse_slots``,
see `_share_buffers`), so the program keeps fewer and they stay in cache.
Returned arrays -- the value and the gradients -- are new on every call, so
a gradient kept from the last step never changes under you.
``buffers="all"`` writes those into kept arrays too (the next call then
overwrites what the last one returned: opt in only if you copy or use them
at once, as an SGD update does); ``buffers="none"`` allocates every array
afresh, as the interpreter does. (Kept arrays make a compiled function one
that two threads must not call at the same time.)

Guards. A program is kept per signature of the arguments (shape and dtype of
each); a call with a new signature is traced again, up to `max_traces`
programs, after which the interpreter answers. Each comparison seen while
tracing is checked again by the program: elementwise, the whole boolean
array must come out as it did (so ``x * (x > 0)``, which turns the mask into
a constant, is caught too).
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from autograd import arguments, array_library, tensor_ops
from autograd.compile.program import GuardMiss, _function_from_source, inputs_at
from autograd.compile.tensor_recording import TensorRecording, is_integer_array, leaves_for, record_tensors
from autograd.compile.tensor_rules import elementwise_rule, rule_for, times
from autograd.graph import walk
from autograd.modes import enable_grad
from autograd.tensor import Tensor, accumulate_gradients

__all__ = ["CompiledTensor", "TensorProgram"]

BUFFERS = ("intermediate", "all", "none")
_OUT_FUNCTIONS = re.compile(r"np\.[a-z_]+|\.(sum|max|min)")  # the calls written here all take out=
_GENERATED = re.compile(r"(_.*|np|d?v\d+.*|d?x\d+.*)")


def same_bits(a, b) -> bool:
    """Equal to the last bit: same dtype, shape and numbers, -0.0 is not 0.0 (and every nan is one nan)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind not in "fc":
        return bool(np.array_equal(a, b))
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b)) and np.array_equal(a[~nan], b[~nan])
                and np.array_equal(np.signbit(a[~nan]), np.signbit(b[~nan])))


class Slot:
    """A value of the program: its name, and its array at the traced inputs."""

    def __init__(self, name: str, array, kind: str):
        self.name = name
        self.array = array
        self.kind = kind            # "input", "constant" or "value" (computed by a statement)
        self.fresh = False          # its statement makes a new array (not a view of another)
        self.bufferable = False     # its statement is a call that can write into a buffer (out=)
        self.buffered = False
        self.inline = None          # a view written where it is used (``W.T``), not on a line of its own

    def __repr__(self) -> str:
        return f"<slot {self.name}>"


@dataclass
class Statement:
    kind: str                 # "call", "expr", "inplace", "guard" or "comment"
    target: Slot | None
    text: str                 # call: the function; else a format string over the operands
    operands: list = field(default_factory=list)   # Slots or source text
    kw: str = ""
    elementwise: bool = False  # a ufunc applied element by element: it may write over an operand (out=a)


class Emitter:
    """Writes statements and runs each one at once on the traced arrays (step 4 of the module docstring)."""

    def __init__(self):
        self.statements: list[Statement] = []
        self.namespace: dict = {"np": np, "_GuardMiss": GuardMiss}  # what the program's code refers to
        self.env: dict = dict(self.namespace)                      # the same, plus every slot's traced array
        self.taken: set[str] = set()
        self.stem = "t"
        self.seed: Slot | None = None
        self.inputs: list[Slot] = []
        self._constants: dict[int, tuple] = {}  # id(value) -> (value, its name): one name per constant

    # -- names and texts ---------------------------------------------------------------------

    def name(self, stem: str, temporary: bool = False) -> str:
        """A new name: `stem` itself if free, else stem_1, stem_2 (a temporary starts at stem_1: the
        bare stem is kept for the node's result)."""
        name, k = (f"{stem}_1", 2) if temporary else (stem, 1)
        while name in self.taken:
            name, k = f"{stem}_{k}", k + 1
        self.taken.add(name)
        return name

    def rename(self, slot: Slot, stem: str) -> None:
        self.taken.discard(slot.name)
        new = self.name(stem)
        self.env[new] = self.env.pop(slot.name)
        slot.name = new

    def slot(self, array, kind: str, stem: str) -> Slot:
        s = Slot(self.name(stem), array, kind)
        self.env[s.name] = array
        return s

    def constant(self, value, stem: str) -> str:
        """A constant of the program, frozen: arrays are copied and made read-only."""
        known = self._constants.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        original = value
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False
        name = self.name(f"_{stem}")
        self.namespace[name] = self.env[name] = value
        self._constants[id(original)] = (original, name)
        return name

    @staticmethod
    def text(operand) -> str:
        if isinstance(operand, Slot):
            return operand.inline if operand.inline is not None else operand.name
        return operand

    def lit(self, x) -> str:
        """A Python number as source text that evaluates to exactly it."""
        if isinstance(x, bool) or x is None:
            return repr(x)
        if isinstance(x, int):
            return repr(x) if x >= 0 else f"({x!r})"
        if isinstance(x, float):
            if x != x:
                return "np.nan"
            if x in (np.inf, -np.inf):
                return "np.inf" if x > 0 else "(-np.inf)"
            return repr(x) if x >= 0 and repr(x)[0] != "-" else f"({x!r})"
        return self.constant(x, "c")

    def dtype(self, dtype) -> str:
        dtype = np.dtype(dtype)
        return f"np.{dtype.name}" if getattr(np, dtype.name, None) is dtype.type else self.constant(dtype, "dtype")

    def param(self, value) -> str:
        """A row's parameter as source text: an argument's array by its name, anything else literally or frozen."""
        if isinstance(value, np.ndarray):
            for s in self.inputs:
                if s.array is value:
                    return s.name
            return self.constant(value, "c")
        if isinstance(value, Slot):
            return value.name
        if value is Ellipsis:
            return "..."
        if isinstance(value, slice):
            return f"slice({self.param(value.start)}, {self.param(value.stop)}, {self.param(value.step)})"
        if isinstance(value, tuple):
            return "(" + "".join(f"{self.param(v)}, " for v in value) + ")"
        if value is None or isinstance(value, (bool, int, float)):
            return self.lit(value)
        if isinstance(value, list) and all(type(v) is int for v in value):
            return repr(value)
        return self.constant(value, "c")

    def is_seed(self, slot) -> bool:
        return slot is self.seed

    # -- statements ----------------------------------------------------------------------------

    def _run(self, code: str):
        with np.errstate(all="ignore"):
            exec(code, self.env)  # noqa: S102 - generated text: names, numpy calls and literals only

    def call(self, function: str, *args, kw: str = "", stem: str | None = None, elementwise: bool = True) -> Slot:
        """``function(*args, kw)``; written with ``out=`` into a buffer when the program keeps one."""
        target = Slot(self.name(f"{self.stem}_{stem}") if stem else self.name(self.stem, temporary=True), None, "value")
        statement = Statement("call", target, function, list(args), kw, elementwise)
        self._run(f"{target.name} = {render_call(statement, buffered=False)}")
        target.array = self.env[target.name]
        target.fresh = True
        target.bufferable = isinstance(target.array, (np.ndarray, np.generic)) and \
            target.array.dtype.kind in "biuf" and bool(_OUT_FUNCTIONS.fullmatch(function))
        self.statements.append(statement)
        return target

    def expr(self, text: str, *operands, stem: str | None = None, fresh: bool = False, inline: bool = False) -> Slot:
        """Any other expression; `fresh` says it always makes a new array (else it may be a view);
        `inline` writes it into the statements that use it (for ``W.T``)."""
        target = Slot(self.name(f"{self.stem}_{stem}") if stem else self.name(self.stem, temporary=True), None, "value")
        statement = Statement("expr", target, text, list(operands))
        self._run(f"{target.name} = {text.format(*map(self.text, operands))}")
        target.array = self.env[target.name]
        target.fresh = fresh
        if inline:
            target.inline = text.format(*map(self.text, operands))
        self.statements.append(statement)
        return target

    def inplace(self, text: str, *operands) -> None:
        """An update of the value just computed (operand 0): ``v += b``, ``g[rows, labels] -= s``."""
        statement = Statement("inplace", operands[0], text, list(operands))
        self._run(text.format(*map(self.text, operands)))
        self.statements.append(statement)

    def guard(self, text: str, *operands) -> None:
        self.statements.append(Statement("guard", None, text, list(operands)))

    def comment(self, text: str) -> None:
        self.statements.append(Statement("comment", None, text))

    def mark(self) -> int:
        return len(self.statements)

    def rollback(self, mark: int) -> None:
        del self.statements[mark:]


def render_call(statement: Statement, buffered: bool) -> str:
    """``np.dot(a, b)``, or with a buffer ``np.dot(a, b, out=v3)``; a function ``.sum`` is a method of the
    first operand (``g.sum(axis=0)``: the textbook's spelling, and a microsecond faster than np.sum's wrapper)."""
    args = [Emitter.text(a) for a in statement.operands]
    function = statement.text
    if function.startswith("."):
        function = f"{args.pop(0)}{function}"
    if statement.kw:
        args.append(statement.kw)
    if buffered:
        args.append(f"out={statement.target.name}")
    return f"{function}({', '.join(args)})"


@dataclass
class Site:
    """A node being written, as its template sees it."""

    node: Tensor
    args: list
    params: dict
    out: Slot | None = None
    saved: Slot | None = None


class _Input:
    """What `TensorPrimitive.backward` reads of an input: its array, and whether it wants a gradient."""

    __slots__ = ("data", "requires_grad")

    def __init__(self, data, requires_grad: bool):
        self.data, self.requires_grad = data, requires_grad


def _row_forward(op):
    def forward(*arrays, **params):
        return op.forward(*arrays, **params)
    return forward


def _row_vjp(op, i: int):
    """The row's own VJP into input i, through `TensorPrimitive.backward`: what the interpreter calls."""
    def vjp(g, out, *arrays, **params):
        return op.backward(g, out, [_Input(a, j == i) for j, a in enumerate(arrays)], params)[i]
    return vjp


class _Builder:
    """Writes one recording as a program (steps 2 to 5 of the module docstring)."""

    def __init__(self, recording: TensorRecording, names: list[str]):
        self.recording = recording
        self.e = Emitter()
        self.called: list[str] = []   # "row forward" / "row vjp i" for each node a template did not write
        self.ref: dict[int, Slot] = {}
        self.input_slots = []
        for argument, name in zip(recording.arguments, names):
            array = argument.data if isinstance(argument, Tensor) else argument
            s = self.e.slot(array, "input", name)
            self.input_slots.append(s)
            self.ref[id(argument)] = s
        self.e.inputs = self.input_slots

    def slot_of(self, node) -> Slot:
        known = self.ref.get(id(node))
        if known is None:  # a leaf that is not an argument: a constant of the program
            known = self.ref[id(node)] = Slot(self.e.constant(node.data, "c"), node.data, "constant")
        return known

    # -- forward ------------------------------------------------------------------------------

    def forward(self) -> None:
        e, recording = self.e, self.recording
        tensors = [a for a in recording.arguments if isinstance(a, Tensor)]
        self.stop = {id(t) for t in tensors}
        roots = [recording.output] + [t for b in recording.branches for t in (b.left, b.right)
                                      if isinstance(t, Tensor)]
        self.nodes = [n for n in walk(roots, self.stop) if n._op is not None and id(n) not in self.stop]
        pending = list(enumerate(recording.branches))
        pending = self.guards(pending)
        e.comment("# forward")
        for k, node in enumerate(self.nodes):
            e.stem = f"v{k}"
            site = Site(node, [self.slot_of(p) for p in node._parents],
                        {n: v for n, v in node._params.items() if n != "saved"})
            e.comment(f"# v{k} = {node._op.name}({', '.join(s.name for s in site.args)})")
            out, saved = self.forward_node(site)
            if out.name != f"v{k}":
                e.rename(out, f"v{k}")
            if saved is not None and saved is not out:
                e.rename(saved, f"v{k}_softmax" if node._op.name == "cross_entropy" else f"v{k}_saved")
            self.ref[id(node)] = out
            self.saved = getattr(self, "saved", {})
            self.saved[id(node)] = saved
            pending = self.guards(pending)

    def forward_node(self, site: Site):
        e, node, op = self.e, site.node, site.node._op
        mark = e.mark()
        result = None
        element = elementwise_rule(op)
        if element is not None:
            result = element.forward(e, site.args)
        else:
            rule = rule_for(op)
            if rule is not None:
                result = rule.forward(e, site)
        out, saved = result if isinstance(result, tuple) else (result, None)
        expected_saved = node._params.get("saved")
        if out is None or not same_bits(out.array, node.data) or \
                (op.saves and (saved is None or not same_bits(saved.array, expected_saved))):
            e.rollback(mark)
            self.called.append(f"{op.name} forward")
            out, saved = self.call_row_forward(site)
        if not isinstance(out.array, np.ndarray):  # numpy gives scalars from 0-d operations; the engine arrays
            out = e.expr("np.asarray({0})", out)  # (the very array, when out is kept)
        return out, saved

    def call_row_forward(self, site: Site):
        e, op = self.e, site.node._op
        function = e.constant(_row_forward(op), op.name)
        arguments_text = [f"{{{k}}}" for k in range(len(site.args))] + \
            [f"{k}={e.param(v)}" for k, v in site.params.items()]
        call = e.expr(f"{function}({', '.join(arguments_text)})", *site.args)  # (may be a view: reshape)
        if op.saves:
            return e.expr("np.asarray({0}[0])", call, fresh=True), e.expr("{0}[1]", call)
        return call, None

    def guards(self, pending: list) -> list:
        """Write each branch's check as soon as the tensors it compares have been computed."""
        e, left_over = self.e, []
        for number, branch in pending:
            operands = [branch.left] + ([branch.right] if isinstance(branch.right, Tensor) else [])
            if not all(id(t) in self.ref or t._op is None for t in operands):
                left_over.append((number, branch))
                continue
            left = self.slot_of(branch.left)
            right = self.slot_of(branch.right) if isinstance(branch.right, Tensor) else \
                (e.lit(branch.right) if isinstance(branch.right, (int, float)) else e.param(np.asarray(branch.right)))
            test = f"{{0}} {branch.symbol} {{1}}"
            if np.ndim(branch.outcome) == 0:
                e.guard(f"if {'not ' if bool(branch.outcome) else ''}({test}): raise _GuardMiss({number})",
                        left, right)
            else:
                outcome = e.constant(np.asarray(branch.outcome), f"branch{number}")
                e.guard(f"if not np.array_equal({test}, {outcome}): raise _GuardMiss({number})", left, right)
        return left_over

    # -- backward -----------------------------------------------------------------------------

    def backward(self) -> list:
        e, recording = self.e, self.recording
        root = recording.output
        wanted = {id(a) for a, w in zip(recording.arguments, recording.wanted) if w}
        needs = set(wanted)
        for node in self.nodes:  # inputs first: a node needs a gradient if any of its inputs does
            if any(id(p) in needs for p in node._parents):
                needs.add(id(node))
        gradients: dict[int, Slot] = {}
        if id(root) not in needs:
            return self.gradient_list(gradients)
        seed = np.empty(root.shape, dtype=root.dtype)
        seed.fill(1)
        e.seed = Slot(e.constant(seed, "seed"), seed, "constant")
        e.comment("# backward, in the interpreter's order (newest node first)")
        if id(root) in self.stop:
            gradients[id(root)] = e.seed
            return self.gradient_list(gradients)
        order = sorted((n for n in walk(root, self.stop) if id(n) in needs and id(n) not in self.stop),
                       key=lambda n: -n._number)
        waiting = {id(root): e.seed}
        for node in order:
            g = waiting.pop(id(node))
            op, parents = node._op, node._parents
            out = self.ref[id(node)]
            e.comment(f"# through {out.name} = {op.name}({', '.join(self.slot_of(p).name for p in parents)})")
            site = Site(node, [self.slot_of(p) for p in parents],
                        {n: v for n, v in node._params.items() if n != "saved"}, out, self.saved.get(id(node)))
            flags = [_Input(self.slot_of(p).array, id(p) in needs) for p in parents]
            params = dict(site.params, saved=site.saved.array) if op.saves else site.params
            expected = op.backward(g.array, out.array, flags, params)
            partials = None
            for i, parent in enumerate(parents):
                if id(parent) not in needs:
                    continue
                target = self.slot_of(parent)
                e.stem = f"d{target.name}"
                mark = e.mark()
                contribution = None
                element = elementwise_rule(op)
                if element is not None:
                    if partials is None:
                        partials = element.partials(e, site.args, out)
                        mark = e.mark()  # the partials serve every input: kept even if one edge is called
                    contribution = times(e, g, partials[i])
                else:
                    rule = rule_for(op)
                    if rule is not None:
                        contribution = rule.vjp(e, site, i, g)
                if contribution is None or not same_bits(contribution.array, expected[i]):
                    e.rollback(mark)
                    self.called.append(f"{op.name} vjp {i}")
                    contribution = self.call_row_vjp(site, i, g)
                contribution = self.fitted(contribution, target.array)
                if contribution.kind == "value" and contribution.name.startswith(f"d{target.name}_"):
                    e.rename(contribution, f"d{target.name}")  # made on this edge: named after its input
                if id(parent) in self.stop:  # an argument: its gradient, so far
                    store = gradients
                else:
                    store = waiting
                before = store.get(id(parent))
                store[id(parent)] = contribution if before is None else e.call("np.add", before, contribution)
        return self.gradient_list(gradients)

    def call_row_vjp(self, site: Site, i: int, g: Slot) -> Slot:
        e, op = self.e, site.node._op
        function = e.constant(_row_vjp(op, i), f"{op.name}_vjp{i}")
        operands = [g, site.out, *site.args] + ([site.saved] if op.saves else [])
        texts = [f"{{{k}}}" for k in range(len(site.args) + 2)]
        texts += [f"{k}={e.param(v)}" for k, v in site.params.items()]
        if op.saves:
            texts.append(f"saved={{{len(operands) - 1}}}")
        return e.expr(f"{function}({', '.join(texts)})", *operands)

    def fitted(self, contribution: Slot, target) -> Slot:
        """`sum_to_shape` and the cast of accumulate_gradients, where this edge needs them."""
        e = self.e
        shape = np.shape(target)
        expected = contribution.array
        if np.shape(contribution.array) != shape:
            expected = tensor_ops.sum_to_shape(contribution.array, shape)
            leading = np.ndim(contribution.array) - len(shape)
            if leading:
                contribution = e.call(".sum", contribution, kw=f"axis={0 if leading == 1 else tuple(range(leading))}",
                                      elementwise=False)
            stretched = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(contribution.array)[i] != 1)
            if np.shape(contribution.array) != shape and stretched:
                contribution = e.call(".sum", contribution, kw=f"axis={stretched}, keepdims=True",
                                      elementwise=False)
            if not same_bits(contribution.array, expected):
                raise AssertionError("internal error: sum_to_shape written out differs from the table's")
        if contribution.array.dtype is not target.dtype:
            contribution = e.expr(f"{{0}}.astype({e.dtype(target.dtype)})", contribution, fresh=True)
        return contribution

    def gradient_list(self, gradients: dict) -> list:
        """Per argument: its gradient; zeros where the output does not depend on it; None for data."""
        e, result = self.e, []
        for argument, wanted, s in zip(self.recording.arguments, self.recording.wanted, self.input_slots):
            if wanted and id(argument) not in gradients:
                e.stem = f"d{s.name}"
                gradients[id(argument)] = e.expr(f"np.zeros({s.array.shape!r}, dtype={e.dtype(s.array.dtype)})",
                                                 fresh=True)
            result.append(gradients[id(argument)] if wanted else None)
        return result

    def build(self):
        self.forward()
        gradients = self.backward()
        output = self.slot_of(self.recording.output)
        self.check_data_arguments()
        return output, gradients

    def check_data_arguments(self) -> None:
        """Refuse a data argument the graph never reads: it was copied on the way, and the copy is frozen."""
        used = set()
        for statement in self.e.statements:
            text = statement.text + statement.kw
            used.update(re.findall(r"[A-Za-z_]\w*", text))
            used.update(o.name for o in statement.operands if isinstance(o, Slot))
        for k, (argument, s, wanted) in enumerate(zip(self.recording.arguments, self.input_slots,
                                                      self.recording.wanted)):
            if s.name in used or wanted:
                continue  # (a weight the value does not depend on simply gets a zero gradient)
            if is_integer_array(argument):
                raise ValueError(f"argument {k} is an integer array that the graph never uses: compile follows an "
                                 f"integer array only as cross_entropy's labels or as an index; anything computed "
                                 f"from it would be frozen at its traced values. Pass float data as an array")
            raise ValueError(f"argument {k} (data) is never used by the graph: the function must have turned it into "
                             f"a copy (np.asarray(t.data), astype, a loss that converts its targets such as "
                             f"nn.mse_loss), which compile would freeze at its traced values. Compute with the Tensor "
                             f"itself, e.g. ((prediction - y) ** 2).mean()")


@dataclass
class TensorProgram:
    """One compiled version of a tensor function: its source, the function object, what it keeps."""

    source: str
    function: Callable
    guards: int
    buffers: int             # how many arrays it keeps between calls
    buffer_bytes: int
    called: list[str]        # rows called rather than written out (none for the rows of the table)

    @classmethod
    def from_recording(cls, recording: TensorRecording, names: list[str], buffers: str = "intermediate",
                       share: bool = True):
        builder = _Builder(recording, names)
        output, gradients = builder.build()
        e = builder.e
        returned = [output] + [g for g in gradients if g is not None]
        live = _live(e.statements, returned)
        statements = [s for s in e.statements if s.kind == "comment" or id(s) in live]
        escaping = {id(s) for s in returned}
        kept = []
        if buffers != "none":
            for statement in statements:
                target = statement.target
                if statement.kind == "call" and target.bufferable and not target.buffered and \
                        (buffers == "all" or id(target) not in escaping):
                    target.buffered = True
                    kept.append(target)
        namespace = dict(e.namespace)
        storage = _share_buffers(statements, kept, returned) if share else {}
        arrays: dict[int, np.ndarray] = {}
        for s in kept:
            owner = storage.get(id(s), s)
            if id(owner) not in arrays:
                arrays[id(owner)] = np.empty_like(np.asarray(owner.array))
        namespace["_buffers"] = tuple(arrays[id(storage.get(id(s), s))] for s in kept)
        lines = [f"def forward_backward({', '.join(s.name for s in builder.input_slots)}):"]
        if kept:
            lines.append(f"    {', '.join(s.name for s in kept)}, = _buffers  # kept from call to call, "
                         f"written with out=")
            groups: dict[int, list[str]] = {}
            for s in kept:
                groups.setdefault(id(storage.get(id(s), s)), []).append(s.name)
            shared = [" = ".join(names) for names in groups.values() if len(names) > 1]
            if shared:
                lines.append(f"    # one array for values that are never alive at once: {'; '.join(shared)}")
        for statement in statements:
            line = _render(statement)
            if line:
                lines.append("    " + line)
        shown, results = set(), []
        for s in [output] + gradients:
            results.append(_returned(s, shown, recording, e))
        value, grads = results[0], results[1:]
        lines.append(f"    return {value}, ({''.join(g + ', ' for g in grads).rstrip()})")
        source = "\n".join(lines) + "\n"
        function = _function_from_source(source, "forward_backward", namespace)
        nbytes = sum(b.nbytes for b in arrays.values())
        return cls(source, function, len(recording.branches), len(arrays), nbytes, builder.called)


def _render(statement: Statement) -> str:
    if statement.kind == "comment":
        return statement.text
    if statement.target is not None and statement.target.inline is not None:
        return ""
    if statement.kind == "call":
        call = render_call(statement, statement.target.buffered)
        return call if statement.target.buffered else f"{statement.target.name} = {call}"
    text = statement.text.format(*map(Emitter.text, statement.operands))
    return f"{statement.target.name} = {text}" if statement.kind == "expr" else text


def _returned(s: Slot | None, shown: set, recording, e: Emitter) -> str:
    """A returned array, new on every call: a copy wherever the slot could share memory with anything kept."""
    if s is None:
        return "None"
    if id(s) in shown or s.kind != "value" or not s.fresh or s.buffered:
        text = f"np.array({s.name})" if not s.buffered else s.name
    elif not isinstance(s.array, np.ndarray):
        text = f"np.asarray({s.name})"
    else:
        text = s.name
    shown.add(id(s))
    return text


def _share_buffers(statements: list, kept: list, returned: list) -> dict:
    """{id(slot): the slot whose array it writes into}: one array for values never alive at the same time.

    A linear scan, as a register allocator does it. A value is alive from its
    statement to its last use -- the last use of any view of it too (a view
    is any expression that is not known to make a new array: ``W.T``, a
    reshape, a row's function). When a statement writes a kept value, it
    takes an array of the same shape and dtype whose value is dead; an
    elementwise ufunc may also take the array of an operand it reads for the
    last time (``np.multiply(g, mask, out=g)``: each element is read before
    it is written). The numbers do not change, only where they are written.
    """
    last: dict[int, int] = {}
    views: dict[int, list] = {}     # id(slot) -> the slots it may share memory with
    for k, st in enumerate(statements):
        for operand in st.operands:
            if isinstance(operand, Slot):
                last[id(operand)] = k
        if st.kind == "expr" and not st.target.fresh:
            views[id(st.target)] = [o for o in st.operands if isinstance(o, Slot)]
    end = len(statements)
    for s in returned:
        if s is not None:
            last[id(s)] = end
    for st in reversed(statements):  # a view keeps what it views alive (later views first: chains resolve)
        target = st.target
        if target is not None and id(target) in views:
            for base in views[id(target)]:
                last[id(base)] = max(last.get(id(base), -1), last.get(id(target), -1))
    kept_ids = {id(s) for s in kept}
    owner: dict[int, Slot] = {}
    free: dict[tuple, list] = {}   # (shape, dtype) -> owners whose current value is dead
    released: dict[int, list] = {}  # statement position -> owners set free after it
    for k, st in enumerate(statements):
        target = st.target
        if st.kind == "call" and target is not None and id(target) in kept_ids:
            key = (np.shape(target.array), np.asarray(target.array).dtype)
            chosen = None
            if st.elementwise:  # an operand read here for the last time, of the target's own shape
                for operand in st.operands:
                    if isinstance(operand, Slot) and id(operand) in owner and last.get(id(operand)) == k and \
                            (np.shape(operand.array), np.asarray(operand.array).dtype) == key:
                        chosen = owner[id(operand)]
                        pending = released.get(k, [])
                        if chosen in pending:  # it was to be set free after this statement: taken over instead
                            pending.remove(chosen)
                        break
            if chosen is None and free.get(key):
                chosen = free[key].pop()
            owner[id(target)] = chosen if chosen is not None else target
            released.setdefault(last.get(id(target), k), []).append(owner[id(target)])
        for dead in released.pop(k, []):
            key = (np.shape(dead.array), np.asarray(dead.array).dtype)
            free.setdefault(key, []).append(dead)
    return {i: o for i, o in owner.items() if o is not None}


def _live(statements: list, returned: list) -> set:
    """The statements some result depends on (guards always): the rest is dropped."""
    needed = {id(s) for s in returned if s is not None}
    live = set()
    for statement in reversed(statements):
        if statement.kind == "comment":
            continue
        if statement.kind == "guard" or (statement.target is not None and id(statement.target) in needed):
            live.add(id(statement))
            for operand in statement.operands:
                if isinstance(operand, Slot):
                    needed.add(id(operand))
    return live


def _argument_names(f: Callable, count: int) -> list[str]:
    """The function's own parameter names where they are plain and unique (``x, labels, W1``), else x0, x1, ..."""
    try:
        parameters = [p for p in inspect.signature(f).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters[:count]]
    names += [f"x{i}" for i in range(len(names), count)]
    if len(set(names)) != count or any(keyword.iskeyword(n) or not n.isidentifier() or _GENERATED.fullmatch(n)
                                       or hasattr(builtins, n) for n in names):  # (the code calls float, slice)
        return [f"x{i}" for i in range(count)]
    return names


class CompiledTensor:
    """A function of Tensors compiled for its value and gradients: ``compiled(*arrays) -> (value, gradients)``.

    value        the output's array (0-d for a loss)
    gradients    per argument: d value/d argument, a new array of its shape and dtype, for the Tensors
                 given with ``requires_grad=True`` (zeros where the value does not depend on one);
                 None for the data (float arrays, Tensors without requires_grad, integer arrays)
    source       the numpy source of the most recent program
    traces       how many times the function has been traced
    fallbacks    how many calls the interpreter answered (past max_traces)
    """

    def __init__(self, f: Callable, example_args: Sequence, *, buffers: str = "intermediate", max_traces: int = 8,
                 reuse_slots: bool = True):
        self.f = arguments.function("f", f)
        self.reuse_slots = arguments.flag("reuse_slots", reuse_slots)
        if isinstance(example_args, (str, bytes)) or not isinstance(example_args, Sequence):
            message = f"example_args must be a tuple of f's arguments, got {arguments.shown(example_args)}"
            raise TypeError(message)
        self.buffers = arguments.one_of("buffers", buffers, BUFFERS)
        self.max_traces = arguments.integer("max_traces", max_traces, low=1)
        self.arity = len(example_args)
        leaves = leaves_for(example_args)
        for k, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor) and leaf._op is not None:
                raise ValueError(f"argument {k} is a computed Tensor, not a leaf: pass its array (or t.detach())")
        self._given = [x if isinstance(x, Tensor) else None for x in example_args]
        self.wanted = [isinstance(x, Tensor) and x.requires_grad for x in example_args]
        self.names = _argument_names(f, self.arity)
        self.traces = 0
        self.fallbacks = 0
        self._programs: dict[tuple, list[TensorProgram]] = {}
        self._latest: TensorProgram | None = None
        arrays = [x.data if isinstance(x, Tensor) else x for x in example_args]
        self._add_program(self._signature(arrays), arrays)

    @staticmethod
    def _signature(arrays) -> tuple:
        return tuple([(a.shape, a.dtype) for a in arrays])

    def _add_program(self, signature: tuple, arrays: list) -> TensorProgram:
        with self._inputs_at(arrays) as inputs:
            recording = record_tensors(self.f, inputs, self.wanted)
            program = TensorProgram.from_recording(recording, self.names, self.buffers, self.reuse_slots)
        self._programs.setdefault(signature, []).insert(0, program)
        self._latest = program
        self._last = (list(signature), self._programs[signature])
        self.traces += 1
        return program

    @property
    def source(self) -> str:
        return self._latest.source

    @property
    def programs(self) -> list[TensorProgram]:
        """Every compiled version, the most recent first within each signature."""
        return [p for programs in self._programs.values() for p in programs]

    def __call__(self, *args):
        if len(args) != self.arity:
            raise TypeError(f"the compiled function takes {self.arity} arguments, got {len(args)}")
        arrays = [a.data if type(a) is Tensor else a for a in args]
        try:
            signature = [(a.shape, a.dtype) for a in arrays]
        except AttributeError:
            arrays = [_as_argument(k, a) for k, a in enumerate(arrays)]
            signature = self._signature(arrays)
        # The signature of the last call first: comparing is cheaper than hashing dtypes (a step at batch 1
        # takes ~100 us, and this check a microsecond)
        last_signature, programs = self._last
        if signature != last_signature:
            signature = tuple(signature)
            programs = self._programs.get(signature, ())
            self._last = (list(signature), programs)
        for program in programs:
            try:
                return program.function(*arrays)
            except GuardMiss:
                continue  # traced along other branches: try the next version
        if self.traces < self.max_traces:
            for k, a in enumerate(arrays):
                _as_argument(k, a)
            self._add_program(tuple(signature), arrays)
            return self(*arrays)
        self.fallbacks += 1
        return self.interpret(*arrays)

    def interpret(self, *args):
        """The same result by the interpreter: run f on Tensors, then ``backward()`` (as a training step does)."""
        arrays = [_as_argument(k, a.data if isinstance(a, Tensor) else a) for k, a in enumerate(args)]
        with self._inputs_at(arrays) as inputs:
            leaves = leaves_for(inputs)
            tensors = [(t, t.requires_grad) for t in leaves if isinstance(t, Tensor)]
            try:
                for leaf, wanted in zip(leaves, self.wanted):
                    if isinstance(leaf, Tensor):
                        leaf.requires_grad = wanted
                with enable_grad():
                    output = self.f(*leaves)
                if not isinstance(output, Tensor) or output.size != 1:
                    raise TypeError("the function must return a one-element Tensor")
                graph_leaves = [n for n in walk(output) if n._op is None]
                kept = [(n, n.grad) for n in graph_leaves]
                try:
                    for n in graph_leaves:
                        n.grad = None
                    if output.requires_grad:
                        seed = np.empty(output.shape, dtype=output.dtype)
                        seed.fill(1)
                        accumulate_gradients(output, seed)
                    grads = tuple((leaf.grad if leaf.grad is not None else np.zeros_like(leaf.data))
                                  if wanted else None for leaf, wanted in zip(leaves, self.wanted))
                finally:
                    for n, g in kept:
                        n.grad = g
            finally:
                for t, flag in tensors:
                    t.requires_grad = flag
            return output.data, grads

    def _inputs_at(self, arrays: list):
        return inputs_at(self._given, arrays)

    def __repr__(self) -> str:
        name = getattr(self.f, "__name__", "function")
        program = getattr(self, "_latest", None)
        if program is None:
            return f"<compiled tensor {name}: not traced>"
        return (f"<compiled tensor {name}: {self.arity} inputs, {program.source.count(chr(10))} lines, "
                f"{program.guards} guards, {program.buffers} buffers ({program.buffer_bytes / 1e6:.2f} MB), "
                f"{self.traces} trace(s)>")


def refuse_other_libraries(k: int, a) -> None:
    """compile writes numpy: an argument of another array library (a Tensor of it, too) is a TypeError that says so."""
    data = a.data if isinstance(a, Tensor) else a
    if not isinstance(data, np.ndarray) and array_library.namespace_or_none(data) is not None:
        library = array_library.library_name(data)
        raise TypeError(f"argument {k} holds a {library} array: compile writes numpy code, so it takes numpy arrays "
                        f"(or Tensors of them); run the function on {library} Tensors uncompiled, or pass .numpy()")


def _as_argument(k: int, a):
    """An argument of a call as an array: float for data and weights, integer for labels."""
    refuse_other_libraries(k, a)
    if isinstance(a, Tensor):
        return a.data
    if not isinstance(a, np.ndarray):
        raise TypeError(f"argument {k} must be a numpy array or a Tensor, got {arguments.shown(a)}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"argument {k} must be an array of numbers, got an array of {a.dtype}")
    return a
