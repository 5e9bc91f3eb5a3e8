"""The sweep grid's parsing at its edges, and its refusals word for word with the place they name."""

from __future__ import annotations

import pytest

from designer.errors import ParamError
from designer.training.sweep import parse_grid


def test_one_is_the_smallest_whole_number_a_grid_takes():
    assert parse_grid(["units=1", "batch_size=1", "epochs=1"]) == {"units": [1], "batch_size": [1], "epochs": [1]}
    with pytest.raises(ParamError) as err:
        parse_grid(["units=0"])
    assert (err.value.where, err.value.message) == ("sweep.units", "'0' is not a positive whole number")


@pytest.mark.parametrize("items, message", [
    (["depth=3"], "cannot vary 'depth'; choose from lr, units, dropout, batch_size, optimizer, epochs"),
    ([], "give at least one setting to vary, e.g. lr=0.001,0.01"),
    (["lr="], "write NAME=V1,V2,… (got 'lr=')"),
])
def test_grid_refusals_name_the_sweep_and_what_to_write(items, message):
    with pytest.raises(ParamError) as err:
        parse_grid(items)
    assert (err.value.where, err.value.message) == ("sweep", message)
