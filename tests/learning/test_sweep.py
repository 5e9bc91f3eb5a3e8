"""Sweeps: the grid, every run from the same initial weights, the runs table's contents, the best run, the
command line."""

from __future__ import annotations

import json

import pytest

from designer import cli
from designer.errors import ParamError, TrainingError
from designer.project.io import load_project, save_project
from designer.training.sweep import (
    apply_settings,
    combinations,
    digest,
    initial_weights,
    parse_grid,
    run_sweep,
)
from designer.ui.start_page import iris_mlp


def small_iris(epochs: int = 8):
    project = iris_mlp()
    project.training["epochs"] = epochs
    return project


def test_parse_grid_reads_names_values_and_aliases():
    grid = parse_grid(["lr=0.001,0.01", "units=16, 64", "optimizer=sgd,adam", "batch_size=8",
                       "learning_rate=0.01,0.1", "dropout=0,0.5"])
    assert grid == {"lr": [0.001, 0.01, 0.1], "units": [16, 64], "optimizer": ["sgd", "adam"], "batch_size": [8],
                    "dropout": [0.0, 0.5]}


@pytest.mark.parametrize("items, words", [
    (["speed=1,2"], "cannot vary 'speed'"),
    (["lr"], "write NAME=V1,V2"),
    (["lr="], "write NAME=V1,V2"),
    (["lr=fast"], "'fast' is not a number"),
    (["lr=0"], "must be > 0"),
    (["lr=nan"], "is not a number"),
    (["units=0"], "positive whole number"),
    (["units=1.5"], "positive whole number"),
    (["dropout=1"], "< 1"),
    (["optimizer=magic"], "not an optimizer"),
    ([], "at least one setting"),
])
def test_bad_grids_are_refused_in_words(items, words):
    with pytest.raises(ParamError, match=words):
        parse_grid(items)


def test_combinations_grid_and_random():
    grid = {"lr": [0.1, 0.01, 0.001], "units": [8, 16]}
    every = combinations(grid)
    assert len(every) == 6 and every[0] == {"lr": 0.1, "units": 8} and every[-1] == {"lr": 0.001, "units": 16}
    some = combinations(grid, random=4, seed=1)
    assert len(some) == 4 and all(s in every for s in some) and len({tuple(s.items()) for s in some}) == 4
    assert combinations(grid, random=4, seed=1) == some
    assert len(combinations(grid, random=99)) == 6
    with pytest.raises(ParamError, match="at least 1"):
        combinations(grid, random=0)


def test_apply_settings_changes_a_copy_only():
    project = small_iris()
    before = json.dumps(project.graph.to_dict(), sort_keys=True), json.dumps(project.training, sort_keys=True)
    variant = apply_settings(project, {"lr": 0.5, "units": 40, "batch_size": 4, "optimizer": "sgd"})
    assert variant.graph.nodes["dense_1"].params["units"] == 40
    assert variant.graph.nodes["dense_2"].params["units"] == 3  # the output layer keeps its classes
    assert variant.training["optimizer"] == {"type": "sgd", "learning_rate": 0.5}
    assert variant.training["batch_size"] == 4
    assert (json.dumps(project.graph.to_dict(), sort_keys=True), json.dumps(project.training, sort_keys=True)) == before
    with pytest.raises(TrainingError, match="no Dropout layer"):
        apply_settings(project, {"dropout": 0.2})


def test_every_run_starts_from_the_same_initial_weights_and_the_table_says_what_differs():
    project = small_iris()
    seen = []
    result = run_sweep(project, None, {"lr": [0.001, 0.01], "batch_size": [8, 16]}, on_run=seen.append)
    start = digest(initial_weights(project, None))
    assert [r.index for r in result.runs] == [1, 2, 3, 4] and seen == result.runs
    assert {r.start_weights_digest for r in result.runs} == {start}  # the same start, byte for byte
    assert result.metric == "val_accuracy" and result.base == {"lr": 0.01, "batch_size": 16}
    table = {r.index: r for r in result.runs}
    assert table[1].changes == {"lr": (0.01, 0.001), "batch_size": (16, 8)}
    assert table[4].changes == {}  # the project's own settings
    for run in result.runs:
        accs = [h["val_accuracy"] for h in run.history]
        assert run.best_score == max(accs) and run.history[run.best_epoch - 1]["val_accuracy"] == run.best_score
        assert run.final["val_loss"] == run.history[-1]["val_loss"] and len(run.history) == 8
    best = result.best
    assert best.best_score == max(r.best_score for r in result.runs)
    d = result.to_dict()
    assert d["best"] == best.index and d["runs"][0]["changes"]["lr"] == {"base": 0.01, "run": 0.001}
    assert "history" not in d["runs"][0]


def test_the_same_lr_and_start_give_the_same_run_and_units_resize_only_their_layers():
    project = small_iris()
    result = run_sweep(project, None, {"units": [16, 32]})
    same, wider = result.runs
    assert same.start_weights_digest == digest(initial_weights(project, None))
    assert wider.start_weights_digest != same.start_weights_digest
    again = run_sweep(project, None, {"units": [16]}).runs[0]
    assert again.history == same.history  # repeatable: the same start and seed, the same run


def test_several_processes_give_the_same_runs():
    project = small_iris(epochs=3)
    grid = {"lr": [0.003, 0.03]}
    one, two = run_sweep(project, None, grid), run_sweep(project, None, grid, workers=2)
    assert [r.history for r in one.runs] == [r.history for r in two.runs]


def test_cli_sweep_prints_json_and_leaves_the_project_alone(tmp_path, capsys):
    path = tmp_path / "iris.nnproj"
    save_project(small_iris(epochs=4), path)
    before = path.read_bytes()
    out = tmp_path / "runs"
    out.mkdir()
    assert cli.main(["sweep", str(path), "--grid", "lr=0.001,0.01", "--grid", "units=16,64", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert len(result["runs"]) == 4 and result["metric"] == "val_accuracy"
    assert [r["settings"] for r in result["runs"]] == [{"lr": 0.001, "units": 16}, {"lr": 0.001, "units": 64},
                                                      {"lr": 0.01, "units": 16}, {"lr": 0.01, "units": 64}]
    assert "run 4: units=64" in captured.err
    assert path.read_bytes() == before
    saved = load_project(out / "run-002.nnproj")
    assert saved.graph.nodes["dense_1"].params["units"] == 64 and len(saved.history[0]["epochs"]) == 4


def test_cli_sweep_bad_input_is_one_line(tmp_path, capsys):
    path = tmp_path / "iris.nnproj"
    save_project(small_iris(), path)
    for args, words in ((["--grid", "lr=x"], "'x' is not a number"), (["--grid", "dropout=0.1"], "no Dropout"),
                        (["--grid", "lr=0.1", "--out", str(tmp_path / "nope")], "does not exist"),
                        ([], "at least one setting")):
        assert cli.main(["sweep", str(path), *args]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and err.count("\n") == 1, err


def test_a_stopped_control_ends_the_sweep_without_a_half_run():
    from designer.training.control import TrainingControl

    control = TrainingControl()
    control.stop()
    result = run_sweep(small_iris(), None, {"lr": [0.01, 0.1]}, control=control)
    assert result.runs == []
