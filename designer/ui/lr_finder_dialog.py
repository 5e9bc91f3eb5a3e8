"""Train ▸ Find learning rate…: the range test on a copy of the network, its curve on a log axis, the
suggested rate marked, and "Apply" to make it the optimizer's rate (one undoable step in the session)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from designer.training.lr_finder import find_learning_rate, with_learning_rate
from designer.ui.background import JobSlot
from designer.ui.plots import theme as plot_theme
from designer.ui.worker import snapshot


class LRFinderDialog(QDialog):
    """Starts the test as soon as it opens. Signals (GUI thread): `finished_test(result or None)`,
    `applied(lr)`."""

    finished_test = Signal(object)
    applied = Signal(float)

    def __init__(self, session, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a learning rate")
        self.setObjectName("lr-finder")
        self.session = session
        self.result = None
        self._points: list[tuple[float, float]] = []

        intro = QLabel("Trains a copy of the network for about a hundred batches while the learning rate rises "
                       "from 10⁻⁶ to 10. A good rate is where the loss falls fastest, well before it shoots up. "
                       "Your network's weights are not touched.")
        intro.setWordWrap(True)
        intro.setObjectName("hint")
        self.plot = plot_theme.make_plot("Loss while the learning rate rises", self, left="loss",
                                         bottom="learning rate (log scale)", legend=(-10, 10), grid=True)
        self.plot.getPlotItem().setLogMode(x=True, y=False)
        pal = self.palette()
        self.raw_curve = self.plot.plot([], [], name="batch loss",
                                        pen=pg.mkPen(plot_theme.muted(pal), width=1))
        self.smooth_curve = self.plot.plot([], [], name="smoothed",
                                           pen=pg.mkPen(plot_theme.series_color(pal, 0), width=2))
        self.marker = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen(plot_theme.series_color(pal, 1), width=2,
                                                   style=pg.QtCore.Qt.PenStyle.DashLine))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker)
        self.plot.setMinimumSize(520, 300)

        self.status = QLabel("Starting…")
        self.status.setWordWrap(True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("primary")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        self.again_button = QPushButton("Run again")
        self.again_button.clicked.connect(self.start)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(640, 480)
        self.job = JobSlot(self, idle=(self.again_button,))

    # ------------------------------------------------------------------ the test
    def start(self) -> None:
        if self.job.isRunning():
            return
        project, base_dir = snapshot(self.session.project), self.session.base_dir
        self.result = None
        self._points = []
        self.marker.setVisible(False)
        self.apply_button.setEnabled(False)
        self.apply_button.setText("Apply")
        self.status.setText("Training a copy of the network with a rising learning rate…")

        def work(report, should_stop):
            return find_learning_rate(project, base_dir, on_step=lambda i, lr, loss: report((lr, loss)),
                                      should_stop=should_stop)

        self.job.start(work, self._show_result, self._show_failure, progress=self._step)

    def _step(self, point) -> None:
        self._points.append(point)
        if len(self._points) % 5 == 0:
            lrs, losses = zip(*self._points)
            self.raw_curve.setData(list(lrs), list(losses))

    def _show_result(self, result) -> None:
        self.result = result
        finite = [(lr, v, s) for lr, v, s in zip(result.lr, result.loss, result.smoothed)
                  if math.isfinite(v) and math.isfinite(s)]
        if finite:
            lrs, losses, smoothed = zip(*finite)
            self.raw_curve.setData(list(lrs), list(losses))
            self.smooth_curve.setData(list(lrs), list(smoothed))
            # keep the blow-up from flattening the interesting part: at most 3× the starting loss
            top = min(max(losses), 3 * max(smoothed[:5]))
            self.plot.getPlotItem().setYRange(min(min(losses), min(smoothed)), top, padding=0.05)
        if result.suggested is not None:
            self.marker.setValue(math.log10(result.suggested))  # the axis is in log10 units
            self.marker.setVisible(True)
            self.apply_button.setEnabled(True)
            self.apply_button.setText(f"Apply {result.suggested:.3g}")
            current = (self.session.project.training.get("optimizer") or {}).get("learning_rate")
            now = f" (now {current:g})" if isinstance(current, (int, float)) else ""
            self.status.setText(f"Suggested learning rate: <b>{result.suggested:.3g}</b>{now}. "
                                f"{_sentence(result.message)}")
        else:
            self.status.setText(f"No suggestion: {result.message}.")
        self.finished_test.emit(result)

    def _show_failure(self, message: str) -> None:
        self.status.setText(f"Cannot run the test: {message}")
        self.finished_test.emit(None)

    # ------------------------------------------------------------------ apply
    def apply(self) -> None:
        if self.result is None or self.result.suggested is None:
            return
        lr = float(f"{self.result.suggested:.3g}")  # a rate a person can read and type again
        self.session.edit_training(with_learning_rate(self.session.project.training, lr))
        self.status.setText(f"Learning rate set to {lr:g} (Edit ▸ Undo takes it back).")
        self.applied.emit(lr)

    # ------------------------------------------------------------------ lifetime
    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            plot_theme.style_plot(self.plot, self.palette())

    def done(self, code: int) -> None:  # close, Escape, the Close button: the thread is always joined
        self.job.stop()
        super().done(code)


def _sentence(text: str) -> str:
    return (text[:1].upper() + text[1:] + ".") if text else ""
