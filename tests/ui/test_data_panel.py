"""The Data view: source picking, generated-set controls, CSV import dialog, plots, threaded loading."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from designer.ui import data_panel as data_panel_module
from designer.ui.data_panel import DataPanel
from designer.ui.import_dialog import ImportDialog


@pytest.fixture
def panel(qtbot):
    p = DataPanel()
    qtbot.addWidget(p)
    with qtbot.waitSignal(p.table_loaded, timeout=10_000):
        pass
    yield p
    p.wait_for_load()


def load(qtbot, panel, action):
    with qtbot.waitSignal(panel.table_loaded, timeout=10_000):
        action()


def test_default_is_iris_with_summary_and_plots(panel):
    assert panel.config()["source"] == {"kind": "builtin", "name": "iris"}
    assert panel.summary_model.rowCount() == 5
    assert panel.summary_model.headerData(0, Qt.Orientation.Vertical) == "sepal_length_cm"
    assert [panel.target_combo.itemText(i) for i in range(panel.target_combo.count())][-1] == "species"
    assert panel.balance.counts.tolist() == [50, 50, 50]
    assert list(panel.histogram.series) == ["setosa", "versicolor", "virginica"]
    assert panel.scatter.points_drawn == 150
    assert panel.heatmap.matrix.shape == (4, 4)
    assert not panel.views.isTabEnabled(panel.images_index)


def test_set_config_does_not_emit_and_picking_a_source_does(qtbot, panel):
    emitted = []
    panel.config_changed.connect(emitted.append)
    load(qtbot, panel, lambda: panel.set_config({"source": {"kind": "builtin", "name": "wine"},
                                                 "target": "cultivar", "task": "classification"}, None))
    assert emitted == [] and panel.balance.counts.sum() == 178
    index = panel.source_combo.findData("spiral")
    load(qtbot, panel, lambda: panel._source_picked(index))
    cfg = emitted[-1]
    assert cfg["source"]["name"] == "spiral" and cfg["target"] == "label" and cfg["task"] == "classification"
    assert panel.samples_spin.isEnabled() and panel.scatter.points_drawn == cfg["source"]["samples"]


def test_generated_samples_spin_changes_the_config(qtbot, panel):
    load(qtbot, panel, lambda: panel._source_picked(panel.source_combo.findData("circle")))
    emitted = []
    panel.config_changed.connect(emitted.append)
    panel.samples_spin.setValue(200)
    panel.noise_spin.setValue(0.25)
    load(qtbot, panel, panel._generator_edited)
    assert emitted[-1]["source"] == {"kind": "builtin", "name": "circle", "samples": 200, "noise": 0.25, "seed": 0}
    assert len(panel.df) == 200


def test_split_settings_emit(qtbot, panel):
    emitted = []
    panel.config_changed.connect(emitted.append)
    panel.validation_spin.setValue(0.3)
    panel.duplicates_check.setChecked(True)
    assert emitted[-1]["split"]["validation"] == 0.3 and emitted[-1]["drop_duplicates"] is True


def test_digits_shows_an_image_grid(qtbot, panel):
    load(qtbot, panel, lambda: panel._source_picked(panel.source_combo.findData("digits")))
    assert panel.views.isTabEnabled(panel.images_index) and panel.images.shown == 60


def test_regression_has_no_class_balance(qtbot, panel):
    load(qtbot, panel, lambda: panel._source_picked(panel.source_combo.findData("diabetes")))
    assert panel.config()["task"] == "regression" and panel.balance.counts.size == 0
    assert list(panel.histogram.series) == ["all"]


def test_bad_csv_shows_the_error(qtbot, panel, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3\n", encoding="utf-8")
    with qtbot.waitSignal(panel.load_failed, timeout=10_000) as blocker:
        panel.set_config({"source": {"kind": "csv", "path": "bad.csv"}, "target": "b"}, tmp_path)
    assert "bad.csv" in blocker.args[0] and "ragged" in panel.status_label.text()


def test_import_dialog_detects_and_builds_the_config(qtbot, tmp_path):
    (tmp_path / "data.csv").write_text("x;y;kind;label\n1,5;2;a;u\n2,5;3;b;v\n3,5;1;a;u\n", encoding="latin-1")
    dialog = ImportDialog(None, "data.csv", {"missing": "mean"}, tmp_path)
    qtbot.addWidget(dialog)
    assert "semicolon" in dialog.detected_label.text() and "decimal comma" in dialog.detected_label.text()
    assert dialog.preview.rowCount() == 3 and dialog.preview.item(0, 0).text() == "1,5"
    assert dialog.target_combo.currentText() == "label"
    dialog.feature_list.item(2).setCheckState(Qt.CheckState.Unchecked)
    cfg = dialog.data_config()
    assert cfg["source"] == {"kind": "csv", "path": "data.csv"}
    assert cfg["target"] == "label" and cfg["features"] == ["x", "y"] and cfg["missing"] == "mean"


def test_import_dialog_reports_a_bad_file(qtbot, tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    dialog = ImportDialog(None, str(tmp_path / "empty.csv"))
    qtbot.addWidget(dialog)
    assert "is empty" in dialog.detected_label.text()
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def test_import_through_the_panel_reads_on_a_thread(qtbot, panel, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.3f},{b:.3f},{'pq'[int(a > 0)]}" for a, b in rng.normal(size=(3000, 2)))
    (tmp_path / "big.csv").write_text("a,b,cls\n" + rows + "\n", encoding="utf-8")
    monkeypatch.setattr(ImportDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    emitted = []
    panel.config_changed.connect(emitted.append)
    panel.set_config(panel.config(), tmp_path)
    panel.wait_for_load()
    with qtbot.waitSignal(panel.table_loaded, timeout=10_000):
        assert panel.import_csv("big.csv")
        assert panel.progress.isVisibleTo(panel)  # busy while the thread reads
    assert emitted[-1]["source"]["path"] == "big.csv" and emitted[-1]["target"] == "cls"
    assert len(panel.df) == 3000 and panel.balance.counts.sum() == 3000
    assert not panel.progress.isVisibleTo(panel)
    assert panel.source_combo.currentText() == "CSV: big.csv"


def test_import_dialog_guesses_regression_for_a_continuous_target(qtbot, tmp_path):
    rows = "".join(f"{i},{i * 1.37:.2f}\n" for i in range(30))
    (tmp_path / "r.csv").write_text("x,price\n" + rows, encoding="utf-8")
    dialog = ImportDialog(None, str(tmp_path / "r.csv"))
    qtbot.addWidget(dialog)
    assert dialog.target_combo.currentText() == "price" and dialog.task_combo.currentText() == "regression"
    assert dialog.data_config()["source"]["path"] == str(tmp_path / "r.csv")  # no project folder: absolute


def test_large_tables_plot_a_sample_but_summarize_every_row(qtbot, panel, monkeypatch):
    monkeypatch.setattr(data_panel_module, "PLOT_SAMPLE_ROWS", 300)
    load(qtbot, panel, lambda: panel._source_picked(panel.source_combo.findData("breast_cancer")))
    assert len(panel.df) == 300 and "random sample of 300 rows" in panel.status_label.text()
    assert panel.summary_model.index(0, 1).data() == "569"  # count column: the full table
    assert panel.balance.counts.sum() == 300


def test_trial_preparation_shows_split_sizes_and_problems(qtbot, panel):
    assert "train 105, validation 30, test 15" in panel.status_label.text()
    assert "1 duplicate row(s) kept" in panel.status_label.text()
    load(qtbot, panel, lambda: (panel.task_combo.setCurrentText("regression"), panel._settings_edited()))
    assert "'species' holds text, but regression needs numbers" in panel.status_label.text()
    assert panel.summary_model.rowCount() == 5  # the table is still shown


def test_import_dialog_ignores_feature_picks_of_another_file(qtbot, tmp_path):
    (tmp_path / "d.csv").write_text("p,q,t\n1,2,a\n3,4,b\n", encoding="utf-8")
    dialog = ImportDialog(None, str(tmp_path / "d.csv"), {"features": ["sepal_length_cm"], "target": "species"})
    qtbot.addWidget(dialog)
    assert dialog.target_combo.currentText() == "t" and dialog.selected_features() == ["p", "q"]
    assert "features" not in dialog.data_config()


def test_preparation_fields_show_and_return_a_data_section(qtbot):
    from designer.ui.prep_fields import PreparationFields

    fields = PreparationFields()
    for w in fields.widgets():
        qtbot.addWidget(w)
    cfg = {"missing": "median", "scaling": "minmax",
           "split": {"validation": 0.25, "test": 0.0, "shuffle": False, "stratify": False, "seed": 7}}
    fields.load(cfg)
    assert fields.values() == cfg
    fields.load({})  # the spec's defaults where keys are absent
    assert fields.values() == {"missing": "drop", "scaling": "standard",
                               "split": {"validation": 0.2, "test": 0.1, "shuffle": True, "stratify": True, "seed": 0}}


def test_target_scaling_check_is_clicked_on_for_regression_only(qtbot, panel):
    """The visible data.target_scaling setting: on by default for regression, off in a click, greyed out for
    classification (which ignores it)."""
    from PySide6.QtTest import QTest

    assert not panel.target_scaling_check.isEnabled()  # iris: classification
    load(qtbot, panel, lambda: panel.set_config({"source": {"kind": "builtin", "name": "diabetes"},
                                                 "target": "progression", "task": "regression"}, None))
    check = panel.target_scaling_check
    assert check.isEnabled() and check.isChecked()
    emitted = []
    panel.config_changed.connect(emitted.append)
    with qtbot.waitSignal(panel.table_loaded, timeout=10_000):
        QTest.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center() / 4)  # on the box
    assert emitted[-1]["target_scaling"] == "none" and not check.isChecked()
    with qtbot.waitSignal(panel.table_loaded, timeout=10_000):
        QTest.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center() / 4)
    assert emitted[-1]["target_scaling"] == "standard" and check.isChecked()
    load(qtbot, panel, lambda: panel.set_config({"source": {"kind": "builtin", "name": "diabetes"},
                                                 "target": "progression", "task": "regression",
                                                 "target_scaling": "none"}, None))
    assert not check.isChecked()  # a migrated version-1 project shows its raw target


def test_preparation_fields_offer_and_default_to_the_data_settings_table(qtbot):
    from designer.data.settings import DATA_SPECS, default_split
    from designer.ui.prep_fields import PreparationFields

    fields = PreparationFields()
    for w in fields.widgets():
        qtbot.addWidget(w)
    combo_items = [fields.missing_combo.itemText(i) for i in range(fields.missing_combo.count())]
    assert tuple(combo_items) == DATA_SPECS["missing"].choices
    assert fields.scaling_combo.count() == len(DATA_SPECS["scaling"].choices)
    fields.load({})  # a data section without these keys shows the table's defaults
    assert fields.values() == {"missing": "drop", "scaling": "standard", "split": default_split()}


def test_a_wide_table_draws_each_plot_when_its_tab_is_clicked(qtbot, panel, tmp_path):
    from PySide6.QtTest import QTest

    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, size=(400, 100))
    header = ",".join(f"px{i}" for i in range(100)) + ",label"
    rows = "\n".join(",".join(map(str, r)) + f",{i % 3}" for i, r in enumerate(x))
    (tmp_path / "wide.csv").write_text(header + "\n" + rows + "\n", encoding="utf-8")
    load(qtbot, panel, lambda: panel.set_config({"source": {"kind": "csv", "path": "wide.csv"}, "target": "label",
                                                 "task": "classification"}, tmp_path))
    assert panel.views.currentIndex() == 0 and panel.scatter.x_combo.findText("px0") == -1  # not drawn while hidden
    assert "most variable of 100 numeric columns" not in panel.heatmap.plot.getPlotItem().titleLabel.text
    bar = panel.views.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(panel.views.indexOf(panel.scatter)).center())
    assert panel.scatter.points_drawn == 400
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(panel.views.indexOf(panel.heatmap)).center())
    assert "64 most variable of 100 numeric columns" in panel.heatmap.plot.getPlotItem().titleLabel.text
    assert panel.heatmap.matrix.shape == (64, 64)
