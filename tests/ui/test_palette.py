"""The layer palette: grouped by category, searchable, double-click asks to add, drag carries the mime."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QDrag
from PySide6.QtTest import QTest

from designer.engine.registry import LAYER_TYPES
from designer.ui.palette import LAYER_MIME, LayerPalette


def make_palette(qtbot) -> LayerPalette:
    palette = LayerPalette()
    qtbot.addWidget(palette)
    palette.resize(300, 600)
    palette.show()
    qtbot.waitExposed(palette)
    return palette


def test_every_layer_type_listed_under_its_category_with_icon(qtbot):
    palette = make_palette(qtbot)
    groups = {palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())}
    assert groups == {lt.category for lt in LAYER_TYPES.values()}
    for name, lt in LAYER_TYPES.items():
        item = palette.items[name]
        assert item.parent().text(0) == lt.category
        assert lt.description in item.text(0) and lt.description in item.toolTip(0)
        assert not item.icon(0).isNull(), f"{name} has no icon ({lt.icon})"


def test_search_filters_by_name_and_description(qtbot):
    palette = make_palette(qtbot)
    QTest.keyClicks(palette.search, "conv")  # the name, and the category "Convolution"
    assert palette.visible_types() == ["Conv2D", "MaxPooling2D"]
    merge = palette.items["Add"].parent()
    assert merge.isHidden()  # an empty category hides too
    palette.search.clear()
    QTest.keyClicks(palette.search, "conv2")
    assert palette.visible_types() == ["Conv2D"]
    palette.search.clear()
    QTest.keyClicks(palette.search, "skip")  # only in Add's description
    assert palette.visible_types() == ["Add"]
    palette.search.clear()
    assert len(palette.visible_types()) == len(LAYER_TYPES)


def test_double_click_emits_add_requested(qtbot):
    palette = make_palette(qtbot)
    rect = palette.tree.visualItemRect(palette.items["Dropout"])
    with qtbot.waitSignal(palette.add_requested) as blocker:
        QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["Dropout"]


def test_drag_carries_the_layer_mime(qtbot, monkeypatch):
    palette = make_palette(qtbot)
    seen = {}

    def fake_exec(self, *args):
        seen["data"] = bytes(self.mimeData().data(LAYER_MIME)).decode()
        return Qt.DropAction.CopyAction

    monkeypatch.setattr(QDrag, "exec", fake_exec)
    palette.tree.setCurrentItem(palette.items["Flatten"])
    palette.tree.startDrag(Qt.DropAction.CopyAction)
    assert seen["data"] == "Flatten"
