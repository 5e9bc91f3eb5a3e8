"""The bias, made visible: one click trains one sigmoid neuron with and without its bias on a 2-D problem
whose classes lie away from the origin, and shows both decision boundaries — without the bias the line has to
pass through (0, 0). The numbers are `designer.maths.bias_demo`'s (the engine's network and training step)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from designer.maths import bias_demo
from designer.ui.plots import theme

EXPLANATION = ("One sigmoid neuron, p = σ(w₁x₁ + w₂x₂ + b), trained on the same points twice. Its decision "
               "boundary is the line w₁x₁ + w₂x₂ + b = 0. <b>With</b> the bias b the line can sit anywhere. "
               "<b>Without</b> it (Use bias off) the line w₁x₁ + w₂x₂ = 0 always passes through the origin (the "
               "cross): however long it trains, it cannot get between these two groups.")


class BiasDemoDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What the bias does")
        self.runs = bias_demo.compare()
        grid = QGridLayout()
        self.plots = []
        self.captions = []
        x, y = bias_demo.shifted_blobs()
        for col, run in enumerate(self.runs):
            plot = theme.make_plot("with bias" if run.use_bias else "without bias (Use bias off)", self,
                                   left="x₂", bottom="x₁")
            plot.setMouseEnabled(x=False, y=False)
            plot.setFixedSize(300, 300)
            image = pg.ImageItem()
            bg = theme.background(self.palette())
            image.setColorMap(pg.ColorMap([0.0, 0.5, 1.0], [pg.mkColor("#E69F00"), bg, pg.mkColor("#0072B2")]))
            image.setImage(run.values.T, levels=(0.0, 1.0))
            dx, dy = run.xs[1] - run.xs[0], run.ys[1] - run.ys[0]
            image.setRect(QRectF(run.xs[0] - dx / 2, run.ys[0] - dy / 2, dx * len(run.xs), dy * len(run.ys)))
            plot.addItem(image)
            boundary = pg.IsocurveItem(data=run.values.T, level=0.5, pen=pg.mkPen(theme.foreground(self.palette()),
                                                                                   width=2))
            boundary.setParentItem(image)
            brushes = [pg.mkBrush("#0072B2" if v else "#E69F00") for v in y]
            plot.addItem(pg.ScatterPlotItem(x[:, 0], x[:, 1], size=5, brush=brushes,
                                            pen=pg.mkPen(theme.foreground(self.palette()), width=0.5)))
            plot.addItem(pg.ScatterPlotItem([0.0], [0.0], size=14, symbol="+",
                                            pen=pg.mkPen(theme.foreground(self.palette()), width=2)))
            weights = run.network.get_weights()
            w = weights["output/kernel"].reshape(-1)
            b = weights.get("output/bias")
            caption = QLabel(f"w = ({w[0]:.2f}, {w[1]:.2f})" + (f", b = {float(b[0]):.2f}" if b is not None
                                                                  else ", no b") +
                             f"<br>accuracy {run.accuracy:.0%}, loss {run.loss:.3f}")
            caption.setTextFormat(Qt.TextFormat.RichText)
            grid.addWidget(plot, 0, col)
            grid.addWidget(caption, 1, col)
            self.plots.append(plot)
            self.captions.append(caption)
        text = QLabel(EXPLANATION)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def boundary_at_origin(self) -> list[float]:
        """P(class 1) at (0, 0) for each run: exactly 0.5 without the bias."""
        return [float(r.network.predict(np.zeros((1, 2), np.float32))[0, 0]) for r in self.runs]
