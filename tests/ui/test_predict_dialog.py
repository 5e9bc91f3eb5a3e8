"""File ▸ Predict…: the user's whole path — open it from the menu, paste rows (one bad), see labels and
probabilities with the bad row marked, load a CSV, save the predictions as CSV. Also File ▸ Export report…"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.data import load_table
from designer.pipeline import predict_frame
from designer.project.io import save_project
from tests.export.test_onnx_raw_rows import penguin_rows, penguins
from tests.test_row_predictions import PASTED
from tests.ui.gestures import click
from tests.ui.test_first_hour import menu_action


def _window(make_window, tmp_path):
    project = penguins(tmp_path)
    path = tmp_path / "penguins.nnproj"
    save_project(project, path)
    return make_window(project, str(path)), project


def _table(dialog) -> list[list[str]]:
    m = dialog.table.model()
    return [[m.index(i, j).data() for j in range(m.columnCount())] for i in range(m.rowCount())]


def _predict(qtbot, dialog, button) -> None:
    """Click, then wait for the background job: the buttons come back when it has ended."""
    click(button)
    assert not button.isEnabled()  # busy: a second click cannot start a second job
    qtbot.waitUntil(lambda: not dialog.is_busy() and button.isEnabled(), timeout=20000)


def test_paste_load_and_save_predictions(make_window, qtbot, tmp_path, monkeypatch):
    window, project = _window(make_window, tmp_path)
    menu_action(window, "File", "Predict…").trigger()
    dialog = window.deployment.predict_dialog
    qtbot.waitExposed(dialog)
    assert "island, bill_length_mm, body_mass_g, sex" in dialog.columns_label.text()
    assert not dialog.save_button.isEnabled()

    QApplication.clipboard().setText(PASTED)  # the user copied rows from a spreadsheet and pastes them
    dialog.paste.setFocus()
    QTest.keyClick(dialog.paste, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert dialog.paste.toPlainText() == PASTED
    _predict(qtbot, dialog, dialog.paste_button)
    model = dialog.table.model()
    headers = [model.headerData(j, Qt.Orientation.Horizontal) for j in range(model.columnCount())]
    assert headers == ["row", "species", "p_Adelie", "p_Chinstrap", "p_Gentoo", "note"]
    rows = _table(dialog)
    assert len(rows) == 4 and rows[1][1] == "" and "'forty' is not a number" in rows[1][5]
    assert model.index(1, 1).data(Qt.ItemDataRole.BackgroundRole).color().red() == 220  # the problem row is marked
    assert "'forty' is not a number" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "not seen in training" in rows[2][5]
    expected = predict_frame(project, tmp_path, pd.read_csv(pd.io.common.StringIO(PASTED)).drop(index=1))
    assert [rows[i][1] for i in (0, 2, 3)] == expected["species"].tolist()
    assert "3 of 4 row(s) from the pasted rows predicted; 1 row(s) with a problem" in dialog.status.text()

    csv_path = penguin_rows(tmp_path)
    from designer.ui import predict_dialog

    monkeypatch.setattr(predict_dialog.QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv_path), ""))
    _predict(qtbot, dialog, dialog.load_button)
    assert model.rowCount() == len(pd.read_csv(csv_path))
    assert "from penguin_rows.csv predicted" in dialog.status.text()

    out = tmp_path / "predictions.csv"
    monkeypatch.setattr(predict_dialog.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    click(dialog.save_button)
    saved = pd.read_csv(out, keep_default_na=False)
    expected = predict_frame(project, tmp_path, load_table({"kind": "csv", "path": str(csv_path)}, None))
    assert saved["species"].tolist() == expected["species"].tolist()
    np.testing.assert_allclose(saved["p_Gentoo"], expected["p_Gentoo"], atol=1e-6)
    assert "Saved" in dialog.status.text()


def test_a_missing_column_is_one_message_and_earlier_results_stay(make_window, qtbot, tmp_path):
    window, _ = _window(make_window, tmp_path)
    menu_action(window, "File", "Predict…").trigger()
    dialog = window.deployment.predict_dialog
    dialog.paste.setPlainText(PASTED)
    _predict(qtbot, dialog, dialog.paste_button)
    dialog.paste.selectAll()
    QTest.keyClick(dialog.paste, Qt.Key.Key_Delete)
    QApplication.clipboard().setText("island,sex\nDream,male\n")
    QTest.keyClick(dialog.paste, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    _predict(qtbot, dialog, dialog.paste_button)
    assert dialog.status.text().startswith("Cannot predict the pasted rows: the rows lack the column(s)")
    assert dialog.table.model().rowCount() == 4  # the earlier results are still there
    assert dialog.save_button.isEnabled() and dialog.load_button.isEnabled()  # and can still be saved


def test_export_report_writes_the_card_as_html_with_plots(make_window, qtbot, tmp_path, monkeypatch):
    window, _ = _window(make_window, tmp_path)
    window.project.history = [{"settings": {}, "epochs": [{"epoch": 1, "loss": 1.0, "val_loss": 1.1}]}]
    out = tmp_path / "report.html"
    from designer.ui import deployment

    monkeypatch.setattr(deployment.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(deployment, "plot_images", lambda w: [("Loss", b"\x89PNG fake")])
    menu_action(window, "File", "Export report…").trigger()
    page = out.read_text(encoding="utf-8")
    assert "<h2>Metrics on the test split</h2>" in page and "data:image/png;base64," in page


def test_import_model_puts_the_network_on_the_canvas(make_window, qtbot, tmp_path, monkeypatch):
    from designer.export import export_project
    from designer.ui import deployment
    from tests.export import nets

    project, net, x = nets.trained(nets.cnn())
    path = export_project(project, "onnx", tmp_path / "cnn.onnx")[0]
    window = make_window()
    monkeypatch.setattr(deployment.QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    menu_action(window, "File", "Import model…").trigger()
    assert sorted(window.project.graph.nodes) == sorted(project.graph.nodes)
    assert window.isWindowModified() and window.path is None
    shown = {item.node_id for item in window.canvas.scene().items() if hasattr(item, "node_id")}
    assert shown >= set(project.graph.nodes) - {"img"}
    from designer.engine.network import Network

    back = Network.from_graph(window.project.graph)
    back.set_weights(window.project.weights)
    np.testing.assert_array_equal(back.predict(x), net.predict(x))
    assert "Imported 9 layer(s) from cnn.onnx" in window.statusBar().currentMessage()


def test_import_of_an_unsupported_model_shows_one_message(make_window, qtbot, tmp_path, monkeypatch):
    from designer.ui import deployment, project_actions

    (tmp_path / "bad.onnx").write_bytes(b"garbage")
    window = make_window()
    before = window.project
    seen = []
    monkeypatch.setattr(project_actions, "show_error", lambda parent, title, message: seen.append(message))
    monkeypatch.setattr(deployment.QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "bad.onnx"), ""))
    menu_action(window, "File", "Import model…").trigger()
    assert seen and "bad.onnx is not a readable ONNX model" in seen[0]
    assert window.project is before


def test_report_plots_are_the_dashboards_training_plots(make_window, qtbot, tmp_path):
    from designer.ui.deployment import plot_images

    project = penguins(tmp_path)
    project.history = [{"settings": {}, "epochs": [{"epoch": i, "loss": 1.0 / i, "val_loss": 1.2 / i,
                                                    "accuracy": 0.5, "val_accuracy": 0.4} for i in range(1, 6)]}]
    path = tmp_path / "p.nnproj"
    save_project(project, path)
    from designer.project.io import load_project

    window = make_window(load_project(path), str(path))
    images = plot_images(window)
    assert [t for t, _ in images][:2] == ["Loss", "Accuracy"] and "R²" not in [t for t, _ in images]
    assert all(png.startswith(b"\x89PNG") for _, png in images)
