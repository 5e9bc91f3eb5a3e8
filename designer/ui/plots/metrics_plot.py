"""Loss, accuracy (or MAE / R²) and learning-rate curves, one colour per run, updated with setData.

Every plot is made with `long_series` (curves downsampled to the plot's width, clipped to the view); per-epoch
symbols are drawn only while a series is short enough for them to be told apart, and a run whose data did
not change since the last redraw is not fed again (a finished run costs nothing while another trains).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QWidget

from designer.ui.plots import theme
from designer.ui.plots.run_data import RunData

COMPACT_HEIGHT = 330  # px: a shorter panel draws its plots without title rows (see _apply_compact)
SHORT_NAMES = {"Learning rate": "LR"}  # on a short plot's y axis the whole name was cut
SYMBOL_POINTS = 60  # more epochs than this: a line only (symbols would overlap, and cost per point)
SYMBOLS = {"train": "o", "val": "t"}
BEST_LINE_Z = 50  # above the runs' curves (pyqtgraph draws items by Z value, then by order added)
# what update_runs can feed, each alone ("legend": the loss plot's legend, rebuilt when the runs shown change)
PLOTS = ("loss", "metric", "r2", "lr", "legend")


def _train_val_pair() -> tuple[pg.PlotDataItem, pg.PlotDataItem]:
    """A run's training (circles) and validation (triangles) curves for one metric."""
    # unnamed: the loss plot's legend lists runs and the two line styles itself (see MetricsPanel._fill_legend)
    return (pg.PlotDataItem(connect="finite", symbol=SYMBOLS["train"], symbolSize=5),
            pg.PlotDataItem(connect="finite", symbol=SYMBOLS["val"], symbolSize=6))


class _RunCurves:
    """The curves one run owns on every plot; created once, then only fed with setData."""

    def __init__(self, panel: MetricsPanel, run: RunData) -> None:
        self.batch = pg.PlotDataItem(connect="finite")
        self.train, self.val = _train_val_pair()
        self.metric_train, self.metric_val = _train_val_pair()
        self.r2_train, self.r2_val = _train_val_pair()
        self.lr = pg.PlotDataItem(connect="finite")
        self.fed: dict[str, int] = {}  # "batch" or a plot of PLOTS: the run's version when it was last fed
        panel.loss_plot.addItem(self.batch)
        panel.loss_plot.addItem(self.train)
        panel.loss_plot.addItem(self.val)
        panel.metric_plot.addItem(self.metric_train)
        panel.metric_plot.addItem(self.metric_val)
        panel.r2_plot.addItem(self.r2_train)
        panel.r2_plot.addItem(self.r2_val)
        panel.lr_plot.addItem(self.lr)

    def remove_from(self, panel: MetricsPanel) -> None:
        for plot, items in ((panel.loss_plot, (self.batch, self.train, self.val)),
                            (panel.metric_plot, (self.metric_train, self.metric_val)),
                            (panel.r2_plot, (self.r2_train, self.r2_val)), (panel.lr_plot, (self.lr,))):
            for item in items:
                plot.removeItem(item)  # also takes it out of the plot's legend

    def items(self) -> list[pg.PlotDataItem]:
        return [self.batch, self.train, self.val, self.metric_train, self.metric_val,
                self.r2_train, self.r2_val, self.lr]

    def set_visible(self, visible: bool) -> None:
        for item in self.items():
            item.setVisible(visible)

    def set_colour(self, palette, index: int) -> None:
        """Every curve of run `index` in the run's one colour, the swatch's in the runs list: training solid
        with dots, validation dashed with hollow triangles (a second hue made validation look like another run)."""
        colour = theme.series_color(palette, index)
        val_colour = colour
        faint = pg.mkColor(colour)
        faint.setAlpha(110)
        bg = theme.background(palette)
        self.batch.setPen(pg.mkPen(faint, width=1))
        for solid, dashed in ((self.train, self.val), (self.metric_train, self.metric_val),
                              (self.r2_train, self.r2_val)):
            solid.setPen(pg.mkPen(colour, width=2))
            solid.setSymbolBrush(pg.mkBrush(colour))
            solid.setSymbolPen(pg.mkPen(colour))
            dashed.setPen(pg.mkPen(val_colour, width=2, style=Qt.PenStyle.DashLine))
            dashed.setSymbolBrush(pg.mkBrush(bg))
            dashed.setSymbolPen(pg.mkPen(val_colour, width=1.5))
        self.lr.setPen(pg.mkPen(colour, width=2))


def _set_finite(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray, symbol: str | None = None) -> None:
    """setData, but a series with no finite value at all is emptied (symbols choke on all-NaN data).

    `symbol`: the curve's per-epoch marker, shown only while the series has at most SYMBOL_POINTS points."""
    if symbol is not None:
        wanted = symbol if len(x) <= SYMBOL_POINTS else None
        if curve.opts["symbol"] != wanted:
            curve.setSymbol(wanted)
    if np.isfinite(y).any():
        curve.setData(x, y)
    else:
        curve.setData([], [])


class MetricsPanel(QWidget):
    """Four plots: loss (per epoch + smoothed per batch), accuracy or MAE, R² (regression), learning rate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One legend, beside the loss curves (never over them): the shown runs in their colours and the two line
        # styles. The other plots use the same colours and styles; the runs list beside them names every run.
        self.loss_plot = theme.make_plot("Loss", self, bottom="epoch", legend=True, long_series=True)
        self.metric_plot = theme.make_plot("Accuracy", self, bottom="epoch", long_series=True)
        self.r2_plot = theme.make_plot("R²", self, bottom="epoch", long_series=True)
        self.lr_plot = theme.make_plot("Learning rate", self, bottom="epoch", long_series=True)
        self.lr_plot.setMinimumHeight(90)  # the y axes label only what fits (theme.FittingAxis)
        self.best_line = pg.InfiniteLine(angle=90, movable=False, label="best",
                                         labelOpts={"position": 0.6})
        self.best_line.setVisible(False)
        self.best_line.setZValue(BEST_LINE_Z)  # its label stays readable where the curves cross it
        self.loss_plot.addItem(self.best_line, ignoreBounds=True)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(0, 3)
        self._grid.setColumnStretch(1, 2)
        self._curves: dict[str, _RunCurves] = {}
        self._colour_index: dict[str, int] = {}
        self._legend_runs: list[str] | None = None  # the runs the legend lists now
        self._regression = False
        self.loss_units = ""
        self._names = {self.loss_plot: "Loss", self.metric_plot: "Accuracy", self.r2_plot: "R²",
                       self.lr_plot: "Learning rate"}
        self._compact = False
        self.set_regression(False)

    def plots(self) -> list[pg.PlotWidget]:
        return [self.loss_plot, self.metric_plot, self.r2_plot, self.lr_plot]

    def curves_for(self, run_id: str) -> _RunCurves | None:
        return self._curves.get(run_id)

    def is_regression(self) -> bool:
        return self._regression

    def clear_runs(self) -> None:
        """Remove every run's curves (another project was opened)."""
        for curves in self._curves.values():
            curves.remove_from(self)
        self._curves.clear()
        self._colour_index.clear()
        self._fill_legend([])

    def remove_run(self, run_id: str) -> None:
        curves = self._curves.pop(run_id, None)
        if curves is not None:
            curves.remove_from(self)
        self._colour_index.pop(run_id, None)
        if self._legend_runs and run_id in self._legend_runs:
            self._fill_legend([r for r in self._legend_runs if r != run_id])

    def set_regression(self, regression: bool) -> None:
        self._regression = regression
        for curves in self._curves.values():
            curves.fed.clear()  # the metric plot shows another metric now
        units = self.loss_units
        self._names[self.metric_plot] = ("MAE (target units)" if units else "MAE") if regression else "Accuracy"
        self._apply_compact()
        for plot in self.plots():
            self._grid.removeWidget(plot)
        # classification: loss | accuracy over learning rate; regression: a 2×2 grid with R²
        if regression:
            places = ((self.loss_plot, 0, 0, 1), (self.metric_plot, 0, 1, 1), (self.lr_plot, 1, 0, 1),
                      (self.r2_plot, 1, 1, 1))
        else:
            places = ((self.loss_plot, 0, 0, 2), (self.metric_plot, 0, 1, 1), (self.lr_plot, 1, 1, 1))
        for plot, row, col, rows in places:
            self._grid.addWidget(plot, row, col, rows, 1)
        self._grid.setRowStretch(0, 3 if regression else 1)
        self._grid.setRowStretch(1, 2 if regression else 1)
        self.r2_plot.setVisible(regression)
        self.apply_palette()

    def set_loss_units(self, units: str) -> None:
        """Say what the loss is measured in when it is not the target's units (a standardised regression
        target: an MSE of 0.5 means half the target's variance), and that MAE stays in the target's units."""
        names = dict(self._names)
        names[self.loss_plot] = f"Loss ({units} units)" if units else "Loss"
        if self._regression:
            names[self.metric_plot] = "MAE (target units)" if units else "MAE"
        self.loss_units = units
        if names != self._names:  # every run start asks: re-titling relays out and repaints all four plots
            self._names = names
            self._apply_compact()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        compact = event.size().height() < COMPACT_HEIGHT
        if compact != self._compact:
            self._compact = compact
            self._apply_compact()

    def _apply_compact(self) -> None:
        """In a short dock (1280×720) a title row and an "epoch" label left a small plot ~30 px of data, and
        its y labels ran into each other: there the name moves onto the y axis, "epoch" stays only under the
        bottom plots (the y axes label only as many values as fit: theme.FittingAxis)."""
        bottom_row = {self.lr_plot, self.r2_plot} | ({self.loss_plot} if not self._regression else set())
        for plot, name in self._names.items():
            item = plot.getPlotItem()
            if self._compact:
                item.setTitle(None)
                item.setLabel("left", SHORT_NAMES.get(name, name))
                item.showLabel("bottom", plot in bottom_row)
                # without a title row the top value's label reached above the plot and was cut in half
                item.setContentsMargins(0, self.fontMetrics().height() // 2, 0, 0)
            else:
                item.setTitle(name, color=theme.foreground(self.palette()).name())
                item.showLabel("left", False)
                item.showLabel("bottom", True)
                item.setContentsMargins(0, 0, 0, 0)

    def prepare_run(self, run: RunData, colour_index: int | None = None) -> None:
        """Create a run's curves ahead of its first data (hidden), so the first redraw only feeds them."""
        self._ensure(run, colour_index).set_visible(False)

    def _ensure(self, run: RunData, colour_index: int | None = None) -> _RunCurves:
        """colour_index: the run's place in the runs list, so its curves match its swatch there even when
        they are made late (a saved run ticked long after it was listed)."""
        curves = self._curves.get(run.run_id)
        if curves is None:
            curves = _RunCurves(self, run)
            self._curves[run.run_id] = curves
            self._colour_index[run.run_id] = len(self._colour_index) if colour_index is None else colour_index
            curves.set_colour(self.palette(), self._colour_index[run.run_id])
        return curves

    def update_runs(self, runs: list[RunData], visible: set[str], batches: bool = True, epochs: bool = True,
                    plots: tuple[str, ...] = PLOTS) -> None:
        """Feed the visible runs' data into their curves on `plots` (of PLOTS); hide the others. Never
        re-creates items. The dashboard feeds one plot per event-loop turn, so each repaints in its own frame."""
        lr_top = 0.0
        for index, run in enumerate(runs):  # runs in the runs list's order
            shown = run.run_id in visible
            if not shown and run.run_id not in self._curves:
                continue
            curves = self._ensure(run, index)
            curves.set_visible(shown)
            if not shown:
                continue
            lr = run.lr_series()
            if epochs and "lr" in plots and len(lr) and np.isfinite(lr).any():
                lr_top = max(lr_top, float(np.nanmax(lr)))
            # what did not change since it was last fed is skipped (a finished run, a hidden one)
            if batches and "loss" in plots and curves.fed.get("batch") != run.version:
                curves.fed["batch"] = run.version
                bx, by = run.batch_curve()
                # fast runs report only a few batches: fewer than two per epoch adds noise, not detail
                dense = len(bx) >= 2 * len(run.epochs)
                if dense:
                    curves.batch.setData(bx, by)
                elif curves.batch.getOriginalDataset()[0] is not None and len(curves.batch.getOriginalDataset()[0]):
                    curves.batch.setData([], [])  # emptied once, not re-set every redraw
            if epochs:
                self._feed_epochs(run, curves, [p for p in plots if p != "legend" and curves.fed.get(p) != run.version],
                                  lr)
        if epochs and "lr" in plots and lr_top > 0:  # from 0: a constant rate is a flat line; every shown run fits
            self.lr_plot.getPlotItem().setYRange(0.0, lr_top * 1.15, padding=0)
        shown = [run.run_id for run in runs if run.run_id in visible and run.run_id in self._curves]
        if "legend" in plots and shown != self._legend_runs:
            self._fill_legend(shown)
        widgets = {"loss": self.loss_plot, "metric": self.metric_plot, "r2": self.r2_plot, "lr": self.lr_plot}
        for plot in plots:
            if plot not in widgets:
                continue
            # The new range now, not in the paint: pyqtgraph fits an auto-ranged view when it is about to paint,
            # and the range change then asks for a second paint straight after (two paints in one frame).
            widgets[plot].getPlotItem().getViewBox().prepareForPaint()

    def _feed_epochs(self, run: RunData, curves: _RunCurves, plots: list[str], lr: np.ndarray) -> None:
        x = run.epoch_axis()
        metric = "mae" if self._regression else "accuracy"
        same_task = run.is_regression == self._regression  # no accuracy drawn on an MAE axis
        pairs = {"loss": ((curves.train, "loss", "train"), (curves.val, "val_loss", "val")),
                 "metric": ((curves.metric_train, metric, "train"), (curves.metric_val, f"val_{metric}", "val")),
                 "r2": ((curves.r2_train, "r2", "train"), (curves.r2_val, "val_r2", "val"))}
        for plot in plots:
            curves.fed[plot] = run.version
            if plot == "lr":
                _set_finite(curves.lr, x, lr)
                continue
            for curve, key, symbol in pairs[plot]:
                keep = same_task or plot == "loss"
                _set_finite(curve, x, run.series(key) if keep else np.full(len(x), np.nan), SYMBOLS[symbol])

    def _fill_legend(self, run_ids: list[str]) -> None:
        """Only the runs drawn (a hidden run has no entry, so no broken icon), then the two line styles."""
        self._legend_runs = list(run_ids)
        legend = self.loss_plot.getPlotItem().legend
        legend.clear()
        palette = self.palette()
        fg = theme.foreground(palette)
        for run_id in run_ids:
            colour = theme.series_color(palette, self._colour_index[run_id])
            legend.addItem(pg.PlotDataItem(pen=pg.mkPen(colour, width=3)), run_id.split(" · ")[0])
        if run_ids:
            legend.addItem(pg.PlotDataItem(pen=pg.mkPen(fg, width=1.5), symbol=SYMBOLS["train"], symbolSize=5,
                                           symbolBrush=fg, symbolPen=fg), "training")
            legend.addItem(pg.PlotDataItem(pen=pg.mkPen(fg, width=1.5, style=Qt.PenStyle.DashLine),
                                           symbol=SYMBOLS["val"], symbolSize=6, symbolBrush=theme.background(palette),
                                           symbolPen=fg), "validation")

    def legend_entries(self) -> list[str]:
        return [label.text for _sample, label in self.loss_plot.getPlotItem().legend.items]

    def show_best(self, epoch: int | None, label: str = "best") -> None:
        if epoch is None:
            self.best_line.setVisible(False)
            return
        self.best_line.setValue(epoch)
        self.best_line.label.setFormat(label)
        self.best_line.setVisible(True)

    def apply_palette(self) -> None:
        palette = self.palette()
        for plot in self.plots():
            theme.style_plot(plot, palette)
        for run_id, curves in self._curves.items():
            curves.set_colour(palette, self._colour_index[run_id])
        if self._legend_runs:
            self._fill_legend(self._legend_runs)
        self.best_line.setPen(pg.mkPen(theme.muted(palette), width=1.5, style=Qt.PenStyle.DotLine))
        self.best_line.label.setColor(theme.foreground(palette))
        label_fill = theme.background(palette)
        label_fill.setAlpha(210)
        self.best_line.label.fill = pg.mkBrush(label_fill)
        self.best_line.label.update()
