"""The window on real screens: it fits the available screen, works at 1280×720, remembers its geometry and docks,
and long texts elide (with the whole text in a tooltip) instead of widening the window."""

from __future__ import annotations

from PySide6.QtCore import QRect

from designer.ui import window_layout
from designer.ui.elided_label import ElidedLabel
from designer.ui.start_page import iris_mlp

LONG_STOP = ("run 3 · epoch 2470 · loss 0.0412 · val loss 0.0533 · val acc 0.9667 · stopped — Training stopped "
             "by the user in epoch 2470 after 6 of 7 batches; the weights of the last complete epoch are kept")


def test_first_start_fits_the_available_screen(make_window):
    window = make_window(iris_mlp())
    area = window.screen().availableGeometry()
    assert window.width() <= area.width() and window.height() <= area.height()
    assert window_layout.first_size(QRect(0, 0, 1280, 720)).width() <= 1280
    assert window_layout.first_size(QRect(0, 0, 1920, 1080)).width() == 1500


def test_usable_at_1280_by_720_even_after_a_long_stop_message(make_window, qtbot):
    window = make_window(iris_mlp())
    window.dashboard.status.setText(LONG_STOP)
    window.statusBar().showMessage(LONG_STOP)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280 and window.height() == 720, timeout=3000)
    assert window.minimumSizeHint().width() <= 1280 and window.minimumSizeHint().height() <= 720
    for dock in (window.palette_dock, window.properties_dock, window.training_dock, window.dashboard_dock):
        geometry = dock.geometry()
        assert dock.isVisible() and geometry.width() > 60 and geometry.height() > 60, dock.objectName()
        assert geometry.right() <= window.width() and geometry.bottom() <= window.height(), dock.objectName()
    for button in (window.dashboard.export_png_button, window.dashboard.export_csv_button):
        right = button.mapTo(window, button.rect().topRight()).x()
        assert button.isVisible() and right <= window.width()
    assert window.dashboard.status.is_elided()
    assert window.dashboard.status.toolTip() == LONG_STOP
    assert window.canvas.height() > 230


def test_elided_label_shows_everything_when_there_is_room(qtbot):
    label = ElidedLabel("short")
    qtbot.addWidget(label)
    label.resize(300, 20)
    label.show()
    assert not label.is_elided() and label.toolTip() == ""
    label.setText(LONG_STOP)
    assert label.is_elided() and label.shown_text().endswith("…") and label.toolTip() == LONG_STOP
    assert label.minimumSizeHint().width() < 100


def test_geometry_and_docks_are_remembered(make_window, qtbot, settings):
    window = make_window(iris_mlp())
    window.resize(790, 690)
    window.palette_dock.toggleViewAction().trigger()  # the user hides the layer palette (View menu)
    qtbot.waitUntil(lambda: window.width() == 790, timeout=3000)
    assert not window.palette_dock.isVisible()
    window.close()
    again = make_window(iris_mlp())
    assert (again.width(), again.height()) == (790, 690)
    assert not again.palette_dock.isVisible() and again.properties_dock.isVisible()


def test_view_theme_switches_the_whole_window_and_is_remembered(make_window, settings):
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from designer.ui import theme
    from designer.ui.plots.theme import is_dark

    app = QApplication.instance()
    before = (app.style().name(), QPalette(app.palette()), app.styleSheet(), app.font())
    window = make_window(iris_mlp())
    try:
        [dark] = [a for a in window.theme_menu.actions() if a.data() == "dark"]
        dark.trigger()
        assert is_dark(QApplication.palette()) and dark.isChecked()
        assert is_dark(window.canvas.palette()) and is_dark(window.dashboard.palette())
        assert window.training_panel.palette().color(QPalette.ColorRole.Base).lightness() < 128
        assert settings.value(theme.SETTINGS_KEY) == "dark"
        window.training_panel.learning_rate.setText("-1")
        window.training_panel.learning_rate.editingFinished.emit()
        assert window.training_panel.learning_rate.palette().color(QPalette.ColorRole.Base).name() == "#5c2b2b"
        [light] = [a for a in window.theme_menu.actions() if a.data() == "light"]
        light.trigger()
        assert not is_dark(QApplication.palette()) and settings.value(theme.SETTINGS_KEY) == "light"
    finally:  # the application as the other tests know it: a style sheet left set overrides their palettes
        style, palette, sheet, font = before
        app.setStyleSheet(sheet)
        app.setStyle(style)
        app.setPalette(palette)
        app.setFont(font)
