"""The window's deployment actions (issue 14), installed by one call from the main window: File ▸ Predict… and
File ▸ Export report… (the model card as HTML with the training plots as images)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from designer.errors import DesignerError
from designer.ui.learning import menu


class DeploymentTools:
    def __init__(self, window) -> None:
        self.window = window
        self.predict_dialog = None
        self.act_predict = QAction("&Predict…", window)
        self.act_predict.setObjectName("action-predict")
        self.act_predict.setStatusTip("Predict new rows (load or paste them) with the trained network")
        self.act_predict.triggered.connect(lambda _checked=False: self.open_predict())
        self.act_report = QAction("Export &report…", window)
        self.act_report.setObjectName("action-export-report")
        self.act_report.setStatusTip("The model card as a web page: data, network, metrics and the training plots")
        self.act_report.triggered.connect(lambda _checked=False: self.export_report())
        self.act_import_model = QAction("Import &model…", window)
        self.act_import_model.setObjectName("action-import-model")
        self.act_import_model.setStatusTip("A network from an ONNX or Keras file, or an exported folder "
                                           "(pick its network.json)")
        self.act_import_model.triggered.connect(lambda _checked=False: self.import_model())
        file_menu = menu(window, "File")
        export = window.act_export
        actions = file_menu.actions()
        start = actions.index(export) + 1 if export in actions else len(actions)
        # at the end of the Export… group (before its separator), after what other tools put there
        after = next((a for a in actions[start:] if a.isSeparator()), None)
        file_menu.insertAction(after, self.act_report)
        file_menu.insertAction(after, self.act_predict)
        file_menu.insertAction(export, self.act_import_model)

    def import_model(self, path: str | None = None) -> bool:
        """A model file (or an exported folder's network.json) as a new, unsaved project on the canvas."""
        from designer.importers import import_model
        from designer.ui import project_actions as files

        w = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(w, "Import model", str(w.base_dir or ""),
                                                  "Models (*.onnx *.keras network.json);;All files (*)",
                                                  options=QFileDialog.Option.DontUseNativeDialog)
            if not path:
                return False
        source = Path(path)
        if source.name == "network.json":
            source = source.parent  # an exported PyTorch/Keras folder
        try:
            project = import_model(source)
        except DesignerError as err:
            files.show_error(w, "Cannot import the model", str(err))
            return False
        if not w.maybe_save():
            return False
        w.set_project(project, None, modified=True)
        w._show_workspace(True)
        w.statusBar().showMessage(f"Imported {len(project.graph.nodes) - 1} layer(s) from {source.name}", 8000)
        return True

    def open_predict(self) -> None:
        from designer.ui.predict_dialog import PredictDialog

        if self.predict_dialog is not None:
            self.predict_dialog.close()
        self.predict_dialog = PredictDialog(self.window.project, self.window.base_dir, self.window)
        self.predict_dialog.show()

    def export_report(self, path: str | None = None) -> Path | None:
        from designer.ui import project_actions as files
        from designer.ui.paths import default_save_path

        w = self.window
        if path is None:
            stem = Path(w.path).stem if w.path else "model"
            path, _ = QFileDialog.getSaveFileName(w, "Export report", default_save_path(f"{stem}_report.html",
                                                                                        w.base_dir),
                                                  "Web page (*.html)", options=QFileDialog.Option.DontUseNativeDialog)
            if not path:
                return None
        try:
            out = write_report(w.project, w.base_dir, Path(path), plot_images(w))
        except DesignerError as err:
            files.show_error(w, "Cannot export the report", str(err))
            return None
        w.statusBar().showMessage(f"Wrote the report {out}", 8000)
        return out

    def shutdown(self) -> None:
        if self.predict_dialog is not None:
            self.predict_dialog.close()


def plot_images(window) -> list[tuple[str, bytes]]:
    """The training dashboard's loss/metric plots as PNG bytes (caption, data); none before any training."""
    from designer.ui.plots.export import export_plot_png

    dashboard = getattr(window, "dashboard", None)
    if dashboard is None or not window.project.history:
        return []
    dashboard.flush()
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, plot in enumerate(p for p in dashboard.metrics.plots() if not p.isHidden()):  # R² only if shown
            title = plot.getPlotItem().titleLabel.text or f"Training plot {i + 1}"
            try:
                png = export_plot_png(plot, Path(tmp) / f"plot{i}.png", width=900)
            except OSError:
                continue
            images.append((title, png.read_bytes()))
    return images


def write_report(project, base_dir, path: Path, images) -> Path:
    from designer.errors import ExportError
    from designer.export.model_card import card_facts, html
    from designer.export.plan import build_plan
    from designer.fileio import atomic_write_bytes

    plan = build_plan(project, base_dir=base_dir)
    page = html(card_facts(project, plan, plan.preprocessing, base_dir), images)
    atomic_write_bytes(path, page.encode("utf-8"), ExportError)
    return path


def install(window) -> DeploymentTools:
    return DeploymentTools(window)
