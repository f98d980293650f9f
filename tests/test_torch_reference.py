"""Gradients of micrograd-style expressions equal PyTorch's (float64), from committed fixtures.

The fixtures are made by tests/fixtures/make_torch_reference.py; PyTorch is
not needed to run this test.
"""

import json
import pathlib

import pytest

from autograd import Value, grad
from tests.fixtures.expressions import EXPRESSIONS

REFERENCE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "torch_reference.json").read_text())
CASES = [(name, row) for name, rows in REFERENCE["expressions"].items() for row in rows]


@pytest.mark.parametrize("name, row", CASES, ids=[f"{n}{tuple(r['inputs'])}" for n, r in CASES])
def test_value_and_gradients_equal_pytorch(name, row):
    x, y = Value(row["inputs"][0]), Value(row["inputs"][1])
    out = EXPRESSIONS[name](x, y)
    out.backward()
    assert out.data == pytest.approx(row["value"], rel=1e-12, abs=1e-14)
    assert [x.grad, y.grad] == pytest.approx(row["grads"], rel=1e-12, abs=1e-14)
    # the functional API gives the same numbers
    assert list(grad(EXPRESSIONS[name], argnums=(0, 1))(*row["inputs"])) == [x.grad, y.grad]


def test_every_expression_has_reference_values():
    assert set(REFERENCE["expressions"]) == set(EXPRESSIONS)
