"""A learner's path through a lesson: double-click it on the start page, read the panel, train the first
variant (Train from scratch), open the second from the panel and train it, see the difference; run the
whole experiment."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from designer.learn.lessons import LESSONS
from tests.ui.gestures import click

TIMEOUT = 120_000


def _double_click_lesson(window, key: str) -> None:
    lessons = window.learning.lessons_list.list
    item = next(lessons.item(i) for i in range(lessons.count())
                if lessons.item(i).data(Qt.ItemDataRole.UserRole) == key)
    lessons.scrollToItem(item)
    rect = lessons.visualItemRect(item)
    QTest.mouseClick(lessons.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(lessons.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _train(window, qtbot) -> dict:
    with qtbot.waitSignal(window.runner.finished, timeout=TIMEOUT):
        click(window.training_panel.train_btn)
    return window.project.history[-1]["epochs"][-1]


def test_the_xor_lesson_from_the_start_page(make_window, qtbot):
    window = make_window()
    assert window.centre.currentWidget() is window.start_page
    assert window.learning.lessons_list.list.count() == len(LESSONS) >= 5
    _double_click_lesson(window, "xor")
    assert window.centre.currentWidget() is window.tabs
    panel = window.learning.lesson_panel
    assert window.learning.lesson_dock.isVisible()
    assert panel.title.text() == LESSONS["xor"].title and "straight line" in panel.text.text()
    assert "Train" in panel.task.text()
    assert window.project.name == "Lesson: XOR without a hidden layer"
    assert panel.variant_buttons["without a hidden layer"].isChecked()
    flat = _train(window, qtbot)
    assert flat["val_accuracy"] <= 0.75  # a straight line cannot separate XOR

    click(panel.variant_buttons["with a hidden layer"])
    assert window.project.name == "Lesson: XOR with a hidden layer"
    assert panel.variant_buttons["with a hidden layer"].isChecked()
    assert not panel.variant_buttons["without a hidden layer"].isChecked()
    deep = _train(window, qtbot)
    assert deep["accuracy"] == 1.0 and deep["val_accuracy"] >= 0.97


def test_run_the_experiment_and_open_a_concept(make_window, qtbot):
    window = make_window()
    _double_click_lesson(window, "vanishing")
    panel = window.learning.lesson_panel
    with qtbot.waitSignal(panel.experiment_done, timeout=TIMEOUT) as blocker:
        click(panel.run_button)
        assert not panel.run_button.isEnabled()  # one experiment at a time
    assert blocker.args[0].reached and panel.run_button.isEnabled()
    assert "✓" in panel.result.text() and "sigmoid" in panel.result.text()
    links = [panel.concepts_box.itemAt(i).widget() for i in range(panel.concepts_box.count())]
    link = next(w for w in links if w is not None and w.text() == "Vanishing and exploding gradients")
    click(link)
    assert window.learning.concepts_dialog.current.key == "vanishing_gradients"
