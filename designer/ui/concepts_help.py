"""Help ▸ Concepts, F1 on whatever is under the mouse (or has the keyboard focus), and a "?" on every panel.

The texts and pictures are Qt-free data (`designer/learn/concepts.py`); here they are shown, found from a
widget, and each has a "Show me" button that takes the user to where the app shows the concept.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabBar,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.learn import concepts as C
from designer.ui.plots import theme as plot_theme

CONCEPT_PROPERTY = "concept"  # a widget's concept key, set where the label alone would not say it


# ---------------------------------------------------------------------------------------------- finding
def _form_label(widget: QWidget) -> str | None:
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
        if isinstance(label, QLabel):
            return label.text()
    return None


def concept_for_widget(widget: QWidget | None, global_pos=None) -> C.Concept | None:
    """The concept a widget stands for, looking at it and then its parents: a layer on the canvas, a combo's
    chosen item (a loss, an activation), an explicit `concept` property, a form row's label, its own text."""
    from designer.ui.canvas.items import NodeItem
    from designer.ui.canvas.view import CanvasView

    w = widget
    while w is not None:
        if isinstance(w, CanvasView) and global_pos is not None:
            for item in w.items(w.mapFromGlobal(global_pos)):
                while item is not None and not isinstance(item, NodeItem):
                    item = item.parentItem()
                if item is not None:
                    return C.lookup(item.type_name)
        if isinstance(w, QTabBar) and global_pos is not None:
            found = C.lookup(w.tabText(w.tabAt(w.mapFromGlobal(global_pos))).replace("&&", "&"))
            if found is not None:
                return found
        if isinstance(w, QComboBox):
            found = C.lookup(str(w.currentData())) if w.currentData() is not None else None
            if found is not None:
                return found
        key = w.property(CONCEPT_PROPERTY)
        if key:
            return C.CONCEPTS.get(str(key))
        for text in (_form_label(w), _own_text(w)):
            found = C.lookup(text)
            if found is not None:
                return found
        w = w.parentWidget()
    return None


def _own_text(w: QWidget) -> str | None:
    if isinstance(w, (QLabel, QAbstractButton)):
        return w.text()
    if isinstance(w, QGroupBox):
        return w.title()
    return None


# ---------------------------------------------------------------------------------------------- the view
class ConceptsDialog(QDialog):
    """The list of all concepts (with a filter) beside the chosen one's text, picture and "Show me"."""

    show_place = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Concepts")
        self.setObjectName("concepts")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter…")
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        for concept in C.ordered():
            item = QListWidgetItem(concept.title)
            item.setData(Qt.ItemDataRole.UserRole, concept.key)
            self.list.addItem(item)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumWidth(self.list.sizeHintForColumn(0) + 30)
        left_layout.addWidget(self.list, 1)

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(lambda url: self.show_concept(url.toString()))
        self.plot = plot_theme.make_plot("", self, legend=(-10, 10), grid=True)
        self.plot.setMinimumHeight(200)
        self.where = QLabel()
        self.where.setObjectName("hint")
        self.where.setWordWrap(True)
        self.show_me = QPushButton("Show me")
        self.show_me.clicked.connect(self._show_me)
        where_row = QHBoxLayout()
        where_row.addWidget(self.where, 1)
        where_row.addWidget(self.show_me)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        self.text.setMaximumHeight(160)  # a few lines; the picture takes the rest
        right_layout.addWidget(self.text)
        right_layout.addWidget(self.plot, 2)
        right_layout.addLayout(where_row)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([220, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.resize(780, 560)
        self.current: C.Concept | None = None
        self.filter.textChanged.connect(self._filter)
        self.list.currentItemChanged.connect(
            lambda item, _old: item is not None and self.show_concept(item.data(Qt.ItemDataRole.UserRole)))
        self.show_concept(C.ordered()[0].key)

    def _filter(self, text: str) -> None:
        word = C.normalise(text)
        for i in range(self.list.count()):
            item = self.list.item(i)
            concept = C.CONCEPTS[item.data(Qt.ItemDataRole.UserRole)]
            hay = " ".join(C.normalise(t) for t in (concept.title, concept.key, *concept.aliases, concept.text))
            item.setHidden(bool(word) and word not in hay)

    def show_concept(self, key: str) -> bool:
        concept = C.CONCEPTS.get(key) or C.lookup(key)
        if concept is None:
            return False
        self.current = concept
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == concept.key and self.list.currentItem() is not item:
                self.list.setCurrentItem(item)
        self.title.setText(concept.title)
        links = ", ".join(f'<a href="{k}">{C.CONCEPTS[k].title}</a>' for k in concept.see_also if k in C.CONCEPTS)
        self.text.setHtml(f"<p>{_html(concept.text)}</p>" + (f"<p>See also: {links}</p>" if links else ""))
        self._draw(C.picture(concept.picture))
        self.where.setText(f"Where: {C.PLACES.get(concept.where, concept.where)}")
        return True

    def _draw(self, pic: dict | None) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        self.plot.setVisible(pic is not None)
        if pic is None:
            return
        pal = self.palette()
        item.setTitle(pic["title"], color=plot_theme.foreground(pal).name())
        item.setLabel("bottom", pic["x_label"])
        item.setLabel("left", pic["y_label"])
        for i, (name, xs, ys) in enumerate(pic["series"]):
            item.plot(xs, ys, name=name, pen=pg.mkPen(plot_theme.series_color(pal, i), width=2))
        item.enableAutoRange()
        if pic.get("y_max") is not None:
            item.setYRange(0, pic["y_max"], padding=0.02)

    def _show_me(self) -> None:
        if self.current is not None:
            self.show_place.emit(self.current.where)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            plot_theme.style_plot(self.plot, self.palette())
            if self.current is not None:
                self._draw(C.picture(self.current.picture))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------- F1 and "?"
def concept_here(window) -> C.Concept | None:
    """The concept under the mouse pointer in `window`, else the one of the widget with the keyboard focus."""
    pos = QCursor.pos()
    # the window's own widget at the pointer (another window, e.g. the concepts dialog, may lie over it)
    under = window.childAt(window.mapFromGlobal(pos))
    if under is not None:
        found = concept_for_widget(under, pos)
        if found is not None:
            return found
    focus = QApplication.focusWidget()
    if focus is not None and focus.window() is window:
        return concept_for_widget(focus, None)
    return None


def add_help_button(dock: QDockWidget, concept_key: str, open_concept) -> QToolButton:
    """A small "?" in the dock's title bar, left of its float and close buttons."""
    button = QToolButton(dock)
    button.setText("?")
    button.setObjectName(f"help-{dock.objectName()}")
    button.setToolTip(f"What is this? ({C.CONCEPTS[concept_key].title})")
    button.setAutoRaise(True)
    button.setProperty(CONCEPT_PROPERTY, concept_key)
    button.clicked.connect(lambda: open_concept(concept_key))

    class _Place(QObject):
        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt naming)
            if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest):
                _place(dock, button)
            return False

    placer = _Place(button)
    dock.installEventFilter(placer)
    _place(dock, button)
    button.show()
    return button


def _place(dock: QDockWidget, button: QToolButton) -> None:
    """Beside the title bar's own buttons (float and close take about two title heights at the right)."""
    height = max(16, dock.fontMetrics().height() + 4)
    button.setFixedSize(height, height)
    reserve = 2 * (height + 4) + 6
    button.move(max(0, dock.width() - reserve - height), 2)
    button.raise_()
