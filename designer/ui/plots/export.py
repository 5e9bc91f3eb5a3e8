"""Export a plot as PNG (pyqtgraph's ImageExporter)."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters


def export_plot_png(plot: pg.PlotWidget, path: str | Path, width: int | None = None) -> Path:
    """Render one plot (axes, legend, curves) to a PNG at `path`; raises OSError when it cannot be written."""
    path = Path(path)
    exporter = pyqtgraph.exporters.ImageExporter(plot.getPlotItem())
    target_width = int(width or max(plot.width(), 800))
    exporter.parameters()["width"] = target_width
    # ImageExporter keeps the aspect ratio but can round the height to a float; pin it to an int
    exporter.parameters()["height"] = int(round(exporter.parameters()["height"]))
    exporter.export(str(path))
    if not path.exists():
        raise OSError(f"could not write the plot image to {path}")
    return path
