"""The Columns view with wide data: a model/view table (no widget per column) whose role cell is edited with a
click and a combo, and an image grid drawn as one mosaic."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from designer.ui.column_roles import ROLE_COLUMN
from designer.ui.data_panel import DataPanel
from tests.ui.gestures import choose


@pytest.fixture
def wide_panel(qtbot, tmp_path):
    """A 28×28 image set flattened to 784 pixel columns + a label, as a CSV file."""
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(60, 784))
    labels = rng.integers(0, 10, size=60)
    path = tmp_path / "digits28.csv"
    header = ",".join([f"px{i}" for i in range(784)] + ["label"])
    np.savetxt(path, np.column_stack([pixels, labels]), fmt="%d", delimiter=",", header=header, comments="")
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    with qtbot.waitSignal(panel.table_loaded, timeout=10_000):
        pass  # the default data set first
    with qtbot.waitSignal(panel.table_loaded, timeout=30_000):
        panel.set_config({"source": {"kind": "csv", "path": str(path)}, "target": "label",
                          "task": "classification"}, None)
    yield panel
    panel.wait_for_load()


def test_wide_table_has_one_row_per_column_and_no_cell_widgets(wide_panel):
    view = wide_panel.roles_table
    model = view.roles_model
    assert model.rowCount() == 785
    assert model.index(0, 0).data() == "px0" and model.index(784, 1).data() == "target"
    assert model.index(3, 1).data() == "feature"
    assert "numeric" in model.index(3, 2).data()
    # nothing is built per row: no combo exists until a role cell is edited
    assert view.findChildren(QComboBox) == []


def test_clicking_a_role_cell_and_picking_ignore_changes_the_features(qtbot, wide_panel):
    view = wide_panel.roles_table
    emitted = []
    wide_panel.config_changed.connect(emitted.append)
    index = view.roles_model.index(5, ROLE_COLUMN)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    combo = view.indexWidget(index)
    assert isinstance(combo, QComboBox) and combo.accessibleName() == "Role of px5"
    assert combo.currentText() == "feature"
    with qtbot.waitSignal(wide_panel.table_loaded, timeout=30_000):
        choose(combo, "ignore")
    assert "px5" not in emitted[-1]["features"] and "px4" in emitted[-1]["features"]
    assert wide_panel.role_of("px5") == "ignore"
    assert wide_panel.config()["target"] == "label"


def test_picking_a_new_target_in_the_table_makes_the_old_one_a_feature(qtbot, wide_panel):
    with qtbot.waitSignal(wide_panel.table_loaded, timeout=30_000):
        choose(wide_panel.role_combo("px0"), "target")
    cfg = wide_panel.config()
    assert cfg["target"] == "px0" and "label" in cfg.get("features", ["label"])  # no list: every column
    assert wide_panel.role_of("label") == "feature" and wide_panel.role_of("px0") == "target"


def test_role_of_an_unknown_column_is_a_key_error(wide_panel):
    with pytest.raises(KeyError):
        wide_panel.role_of("no such column")


def test_image_grid_is_one_mosaic_with_a_label_per_tile(qtbot):
    from designer.ui.plots.eda import ImageGrid

    grid = ImageGrid(columns=10, rows=6)
    qtbot.addWidget(grid)
    images = np.zeros((70, 28, 28), dtype=np.float32)
    images[:, 10:18, 10:18] = 1.0
    grid.show_images(images, [str(i % 10) for i in range(70)])
    assert grid.shown == 60 and len(grid.labels) == 60
    rgba = grid.mosaic.image
    gap, label_h = 28 // 8, 28 // 2
    assert rgba.shape == (6 * (28 + gap + label_h), 10 * (28 + gap), 4)
    # the first tile: its centre is white, its corner black, both opaque; between tiles transparent
    assert tuple(rgba[label_h + 14, 14]) == (255, 255, 255, 255)
    assert tuple(rgba[label_h, 0]) == (0, 0, 0, 255)
    assert rgba[label_h + 14, 28, 3] == 0
    assert [t.toPlainText() for t in grid.labels[:3]] == ["0", "1", "2"]
    grid.show_images(np.zeros((0, 1, 1)))
    assert grid.shown == 0 and grid.labels == []
