"""Help ▸ Concepts, F1 on what is under the pointer or in focus, the "?" on each panel and tab, and "Show me"."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.learn import concepts as C
from designer.ui.start_page import iris_mlp
from tests.ui.gestures import choose, click
from tests.ui.test_first_hour import menu_action


def _window(make_window, monkeypatch):
    """A window big enough to show every panel; F1 with nothing under the pointer must not hang on a box."""
    window = make_window(iris_mlp())
    window.resize(1400, 900)
    window.getting_started_shown = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text: window.getting_started_shown.append(title))
    return window


def _press_f1_over(window, widget, qtbot, pos: QPoint | None = None):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    point = pos if pos is not None else widget.rect().center()
    QCursor.setPos(widget.mapToGlobal(point))
    QTest.mouseMove(widget, point)
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_F1)
    return window.learning.concepts_dialog


def test_help_concepts_lists_them_all_and_filters(make_window, qtbot):
    window = make_window(iris_mlp())
    menu_action(window, "Help", "Concepts").trigger()
    dialog = window.learning.concepts_dialog
    assert dialog.isVisible() and dialog.list.count() == len(C.CONCEPTS)
    item = next(dialog.list.item(i) for i in range(dialog.list.count())
                if dialog.list.item(i).text() == "Backpropagation")
    rect = dialog.list.visualItemRect(item)
    dialog.list.scrollToItem(item)
    rect = dialog.list.visualItemRect(item)
    QTest.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.title.text() == "Backpropagation" and "chain rule" in dialog.text.toPlainText()
    QTest.keyClicks(dialog.filter, "swish")
    visible = [dialog.list.item(i).text() for i in range(dialog.list.count()) if not dialog.list.item(i).isHidden()]
    assert visible == ["SiLU / Swish"]
    dialog.filter.clear()
    assert sum(not dialog.list.item(i).isHidden() for i in range(dialog.list.count())) == len(C.CONCEPTS)


def test_f1_explains_the_field_under_the_pointer(make_window, qtbot, monkeypatch):
    window = _window(make_window, monkeypatch)
    dialog = _press_f1_over(window, window.training_panel.learning_rate, qtbot)
    assert dialog is not None and dialog.isVisible()
    assert dialog.title.text() == "Learning rate"
    assert dialog.plot.isVisible()  # the picture: w² descended with three rates
    dialog.hide()
    _press_f1_over(window, window.training_panel.batch_size, qtbot)
    assert dialog.title.text() == "Batch (mini-batch)"


def test_f1_on_a_combo_explains_its_choice_and_on_a_layer_its_type(make_window, qtbot, monkeypatch):
    window = _window(make_window, monkeypatch)
    panel = window.training_panel
    window.training_dock.show()
    choose(panel.loss, "Huber")
    dialog = _press_f1_over(window, panel.loss, qtbot)
    assert dialog.title.text() == "Huber loss"
    window.tabs.setCurrentWidget(window.canvas)
    window.canvas.fit_to_view()
    qtbot.wait(50)
    node = window.canvas._scene.nodes["dense_1"]
    view_pos = window.canvas.mapFromScene(node.sceneBoundingRect().center())
    _press_f1_over(window, window.canvas.viewport(), qtbot, view_pos)
    assert dialog.title.text() == "Dense layer"


def test_f1_over_nothing_in_particular_is_getting_started(make_window, qtbot, monkeypatch):
    window = _window(make_window, monkeypatch)
    _press_f1_over(window, window.statusBar(), qtbot)
    assert window.getting_started_shown == ["Getting started"]
    assert window.learning.concepts_dialog is None


def test_each_panel_has_a_question_mark_that_explains_it(make_window, qtbot):
    window = make_window(iris_mlp())
    buttons = window.learning.help_buttons
    assert set(buttons) >= {"dock-layers", "dock-properties", "dock-summary", "dock-problems", "dock-training",
                            "dock-dashboard", "tabs"}
    for name, button in buttons.items():
        assert button.isVisible(), name
        click(button)
        dialog = window.learning.concepts_dialog
        assert dialog.isVisible() and dialog.current is not None, name
    click(buttons["dock-training"])
    assert window.learning.concepts_dialog.current.key == "training"
    window.tabs.setCurrentWidget(window.data_panel)
    click(buttons["tabs"])
    assert window.learning.concepts_dialog.current.key == "validation"


def test_show_me_takes_the_user_to_the_place(make_window, qtbot):
    window = make_window(iris_mlp())
    window.tabs.setCurrentWidget(window.data_panel)
    dialog = window.learning.show_concept("learning_rate")
    click(dialog.show_me)
    assert window.training_dock.isVisible()
    assert "Learning rate" in window.statusBar().currentMessage()
    dialog.show_concept("decision_boundary")
    click(dialog.show_me)
    tabs = window.dashboard.tabs
    assert tabs.tabText(tabs.currentIndex()) == "Decision boundary"
    dialog.show_concept("Dense")
    click(dialog.show_me)
    assert window.tabs.currentWidget() is window.canvas


def test_every_place_a_concept_names_can_be_reached(make_window):
    window = make_window(iris_mlp())
    for place in sorted({c.where for c in C.CONCEPTS.values()} - {"lr_finder", "experiments", "export"}):
        assert window.learning.go_to(place) is not None, place
