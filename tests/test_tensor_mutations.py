"""The tensor tests can fail too: every deliberately broken VJP is caught.

`test_mutations.py` breaks the scalar table, which the elementwise tensor
rows read as well. The other tensor primitives -- matmul, affine, the
reductions, indexing, joining, softmax, cross-entropy -- have VJPs of their
own in `autograd/tensor_ops.py`. Here each of those VJPs is replaced, one at a
time, by a wrong one (sign flipped, off by a factor of 2), and the check of
`test_tensor_primitives.py` (the VJP against central differences, at
hypothesis-drawn shapes) must fail on it. Some drawn examples cannot tell (an
empty array's gradient is empty whatever the rule), so hypothesis searches
until an example does; shrinking is skipped, only the failure matters.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings

from autograd import tensor_ops
from tests.test_tensor_primitives import CASES, EMPTY_MEANS, assert_vjp_matches_central_differences

WITH_OWN_VJPS = [name for name, op in tensor_ops.TENSOR_PRIMITIVES.items() if op.scalar is None]
BREAKS = {"sign flipped": lambda gradient: -gradient, "factor 2": lambda gradient: 2 * gradient}
MUTANTS = [(name, i, how) for name in WITH_OWN_VJPS for i in range(len(tensor_ops.TENSOR_PRIMITIVES[name].vjps))
           for how in BREAKS]


@pytest.fixture
def mutated(request):
    name, i, how = request.param
    op = tensor_ops.TENSOR_PRIMITIVES[name]
    original = op.vjps
    wrong, right = BREAKS[how], original[i]
    vjps = list(original)
    vjps[i] = lambda *args, **kwargs: wrong(right(*args, **kwargs))
    object.__setattr__(op, "vjps", tuple(vjps))  # TensorPrimitive is frozen: this is a deliberate break
    yield name
    object.__setattr__(op, "vjps", original)


@pytest.mark.parametrize("mutated", MUTANTS, indirect=True, ids=[f"{n}: vjp {i}, {how}" for n, i, how in MUTANTS])
@EMPTY_MEANS[0]
@EMPTY_MEANS[1]
def test_every_tensor_mutant_is_caught(mutated):
    case = CASES[mutated]

    @settings(phases=[Phase.generate], database=None, max_examples=200)
    @given(case.inputs)
    def check(example):
        arrays, kwargs = example
        assert_vjp_matches_central_differences(lambda *ts: case.apply(*ts, **kwargs), *arrays)

    with pytest.raises(AssertionError):
        check()


def test_the_mutants_cover_every_vjp_of_the_table():
    assert set(WITH_OWN_VJPS) == {"clip", "matmul", "affine", "sum", "mean", "max", "min", "reshape", "transpose",
                                  "getitem", "concatenate", "stack", "softmax", "log_softmax", "cross_entropy"}
    assert len(MUTANTS) == 2 * (13 + 2 + 3)  # 13 primitives with one VJP, matmul with 2, affine with 3
