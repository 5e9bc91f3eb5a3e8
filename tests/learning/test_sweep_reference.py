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


def test_a_runs_settings_are_its_own_down_to_the_nested_ones():
    """The run's copy is independent: changing its nested settings (as a run may) leaves the project alone."""
    from designer.training.sweep import apply_settings
    from designer.ui.start_page import iris_mlp

    project = iris_mlp()
    project.training["regularization"] = {"l1": 0.0, "l2": 0.0}
    variant = apply_settings(project, {"epochs": 3})
    variant.training["regularization"]["l2"] = 0.5
    variant.training["optimizer"]["learning_rate"] = 9.0
    assert project.training["regularization"] == {"l1": 0.0, "l2": 0.0}
    assert project.training["optimizer"] == {"type": "adam", "learning_rate": 0.01}
