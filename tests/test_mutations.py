"""The tests can fail: every deliberately broken derivative rule is caught.

Each mutant replaces one primitive's partials with a wrong version -- off by
a sign, off by a factor, a term missing (the partial dropped to zero), or,
for a binary primitive, the two partials swapped -- and `check_primitive`
(the check `test_primitives.py` runs on every primitive) must fail on it.
Reverse and forward mode read the same rule and are fooled alike; the finite
differences are what catch the mutant.

Swapping the partials of a + b changes nothing (both are 1): that mutant is
equivalent to the original and is not generated.
"""

import pytest

from autograd import ops
from autograd.testing import check_primitive

PRIMITIVES = list(ops.PRIMITIVES.values()) + [ops.power(n) for n in (2, 0.5, -1)]


def wrong_versions(op):
    """(description, mutated partials) pairs for one primitive."""
    original = op.partials

    def changed(i, how):
        def partials(*args):
            values = list(original(*args))
            values[i] = how(values[i])
            return tuple(values)
        return partials

    for i, name in enumerate(op.inputs):
        yield f"sign of d/d{name}", changed(i, lambda d: -d)
        yield f"factor 2 on d/d{name}", changed(i, lambda d: 2 * d)
        yield f"d/d{name} missing", changed(i, lambda d: 0.0 * d)
    if op.arity == 2 and op is not ops.add:
        yield "partials swapped", lambda *args: tuple(reversed(original(*args)))


MUTANTS = [(op, description, partials) for op in PRIMITIVES for description, partials in wrong_versions(op)]


@pytest.fixture
def mutated(request):
    op, partials = request.param
    original = op.partials
    object.__setattr__(op, "partials", partials)  # Primitive is frozen: this is a deliberate break
    yield op
    object.__setattr__(op, "partials", original)


@pytest.mark.parametrize("mutated", [(op, partials) for op, _, partials in MUTANTS], indirect=True,
                         ids=[f"{op.expression}: {description}" for op, description, _ in MUTANTS])
def test_every_mutant_is_caught(mutated):
    with pytest.raises(AssertionError):
        check_primitive(mutated, order=1, shrink=False)


@pytest.mark.parametrize("op", PRIMITIVES, ids=lambda op: op.expression)
def test_the_unmutated_rules_pass_the_same_check(op):
    check_primitive(op, order=1)


def test_the_mutant_count():
    # 4 binary primitives with 7 mutants, add with 6, 11 unary with 3, 3 powers with 3
    assert len(MUTANTS) == 4 * 7 + 6 + 11 * 3 + 3 * 3
