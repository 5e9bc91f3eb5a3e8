"""The first hour's remaining defects (issue 12), each driven through the real widgets as a person would."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from tests.ui.canvas_helpers import vp
from tests.ui.gestures import click
from tests.ui.test_properties import setup as properties_setup


def _click_node(view, node_id: str) -> None:
    item = view.canvas_scene.nodes[node_id]
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp(view, item.sceneBoundingRect().center()))


def _type(widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll()
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)


# ---------------------------------------------------------------- a typed number outside the range is refused
def test_negative_units_are_refused_at_the_field_and_nothing_changes(qtbot):
    view, panel, a, b = properties_setup(qtbot)
    _click_node(view, b)
    assert panel.node_id == b
    units = panel.editors["units"].widget
    steps = view.undo_stack.count()
    _type(units, "-5")
    assert view.graph.nodes[b].params.get("units", 16) == 16  # not 5, not -5
    assert units.value() == 16 and units.text() == "16"
    assert view.undo_stack.count() == steps
    assert panel.error.isVisible()
    assert "units must be at least 1" in panel.error_text and "-5" in panel.error_text
    # a valid value afterwards is applied and clears the message
    _type(units, "8")
    assert view.graph.nodes[b].params["units"] == 8
    assert not panel.error.isVisible()


def test_too_large_units_are_refused_not_cut(qtbot):
    view, panel, a, b = properties_setup(qtbot)
    _click_node(view, b)
    units = panel.editors["units"].widget
    _type(units, "100000")
    assert view.graph.nodes[b].params.get("units", 16) == 16
    assert "units must be at most 65536" in panel.error_text


# ---------------------------------------------------------------- Stop: the message counts epochs as the counter does
TIMEOUT = 30_000


def test_stop_message_names_the_epoch_the_dashboard_shows(make_window, qtbot):
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=200_000))
    panel = window.training_panel
    with qtbot.waitSignal(window.runner.epoch_ended, timeout=TIMEOUT):
        click(panel.train_btn)
    qtbot.waitUntil(lambda: len(window.dashboard.current.epochs) >= 3, timeout=TIMEOUT)
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT) as blocker:
        click(panel.stop_btn)
    outcome = blocker.args[0]
    done = len(outcome.result.history)  # complete epochs, as the curves and "epoch N / M" count them
    assert outcome.message.startswith(f"stopped by the user after epoch {done}")
    assert f"in epoch {done + 1}" not in outcome.message
    qtbot.waitUntil(lambda: window.lbl_epoch.text() == f"epoch {done} / 200000", timeout=TIMEOUT)
    window.dashboard.flush()
    assert f"epoch {done} ·" in window.dashboard.status.full_text()


# ---------------------------------------------------------------- a refused start gives its run number back
def test_a_failed_start_does_not_use_up_a_run_number(make_window, qtbot, monkeypatch):
    from designer.ui import project_actions
    from tests.ui.conftest import spiral_project

    monkeypatch.setattr(project_actions, "show_error", lambda *a: None)
    project = spiral_project(epochs=1)
    out = [n for n in project.graph.nodes.values() if n.params.get("activation") == "softmax"][0]
    out.params["units"] = 5  # the spiral has 2 classes: refused when the run prepares
    window = make_window(project)
    with qtbot.waitSignal(window.runner.failed, timeout=TIMEOUT):
        window.act_train.trigger()
    assert window.dashboard.runs_list.count() == 0 and window.dashboard.runs == {}
    out.params["units"] = 2
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        window.act_train.trigger()
    rows = [window.dashboard.runs_list.item(r).text() for r in range(window.dashboard.runs_list.count())]
    assert rows == ["run 1 · from scratch"]
    assert list(window.dashboard.metrics._curves) == ["run 1 · from scratch"]


# ---------------------------------------------------------------- Save As starts in a sensible folder
def _save_dialog_folder(window, qtbot, action) -> str:
    from PySide6.QtWidgets import QApplication, QFileDialog

    seen: list[str] = []

    def poll(tries: int = 200) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog) and dialog.isVisible():
            seen.append(dialog.directory().absolutePath())
            dialog.reject()
            return
        if tries:
            QTimer.singleShot(20, lambda: poll(tries - 1))

    QTimer.singleShot(0, poll)
    action.trigger()
    assert seen, "no save dialog appeared"
    return seen[0]


def test_save_as_starts_beside_the_data_then_where_saved_last(make_window, qtbot, tmp_path, monkeypatch):
    from designer.ui import project_actions
    from designer.ui.main_window import new_project

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    csv = data_dir / "points.csv"
    csv.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n", encoding="utf-8")
    project = new_project()
    project.data = {"source": {"kind": "csv", "path": str(csv)}, "target": "label"}
    window = make_window(project)
    assert _save_dialog_folder(window, qtbot, window.act_save_as) == str(data_dir)

    # saved somewhere else: a new project without data starts there next time
    elsewhere = tmp_path / "projects"
    elsewhere.mkdir()
    monkeypatch.setattr(project_actions, "ask_save_path", lambda parent, suggested: str(elsewhere / "p.nnproj"))
    window.act_save_as.trigger()
    monkeypatch.undo()
    window.act_new.trigger()
    assert _save_dialog_folder(window, qtbot, window.act_save_as) == str(elsewhere)


def test_negative_epochs_are_refused_in_the_training_panel(make_window, qtbot):
    from tests.ui.conftest import spiral_project

    window = make_window(spiral_project(epochs=7))
    epochs = window.training_panel.epochs
    _type(epochs, "-3")
    assert window.project.training["epochs"] == 7 and epochs.value() == 7
    assert "epochs must be at least 1" in window.statusBar().currentMessage()
    assert epochs.error and "-3" in epochs.error
