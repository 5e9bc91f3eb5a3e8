"""The main window: wires the rooms together around one Project.

Layout: layer palette (left); centre tabs "Design" (canvas) and "Data"; properties, summary and problems
(right); training panel and dashboard (bottom). The window owns the QUndoStack (graph edits) and the
TrainingRunner (the training process). The project itself, its settings, derived input shape, dirty state and
run history live in a Qt-free `ProjectSession`: panels edit through it (settings edits are commands on the
same undo stack) and follow its signals.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from designer import __version__
from designer.errors import DesignerError
from designer.filenames import is_project_path
from designer.project import autosave
from designer.project.model import Project
from designer.session import ProjectSession
from designer.ui import project_actions as files
from designer.ui import theme, window_layout
from designer.ui.builder import QuickBuilderDialog
from designer.ui.canvas.view import CanvasView
from designer.ui.commands import ConnectCommand, SetParamCommand
from designer.ui.data_panel import DataPanel
from designer.ui.deployment import install as install_deployment_tools
from designer.ui.image_import import install as install_image_import
from designer.ui.keys import standard_or_fallback
from designer.ui.learning import install as install_learning_tools
from designer.ui.maths.install import install_maths
from designer.ui.neurons_view import NeuronsView
from designer.ui.palette import LayerPalette
from designer.ui.paths import default_save_path, menu_text
from designer.ui.plots.dashboard import TrainingDashboard
from designer.ui.problems import ProblemsList
from designer.ui.properties import PropertiesPanel
from designer.ui.session_stack import QtUndoStack
from designer.ui.start_page import EXAMPLES, StartPage
from designer.ui.summary import SummaryTable
from designer.ui.training_panel import TrainingPanel
from designer.ui.worker import EpochUpdate, RunOutcome, RunStarted, TrainingRunner

APP_TITLE = "Network Designer"
PROGRESS_MS = 250  # the progress bar and counters refresh at most four times a second
GETTING_STARTED = (
    "<b>1. Data</b> — pick a built-in dataset on the <i>Data</i> tab, or bring your own: File ▸ Import data… "
    "(Ctrl+I), or drop a CSV, TSV or NPZ file on the window. On the <i>Columns</i> tab, set what each column is: "
    "the target to predict, a feature, or ignored.<br><br>"
    "<b>2. Network</b> — drag layers from <i>Layers</i> onto the canvas and connect an output port (right) to an "
    "input port (left), or let Edit ▸ Quick builder… (Ctrl+B) build a stack. The <i>Problems</i> list shows what "
    "would stop training, with a button that fixes it.<br><br>"
    "<b>3. Train</b> — <i>Train from scratch</i> (F5) starts from fresh weights; <i>Continue training</i> "
    "(Ctrl+F5) goes on from the last run. Watch loss, accuracy and the decision boundary on the dashboard; "
    "tick runs to compare them.<br><br>"
    "<b>4. Ship</b> — File ▸ Save (Ctrl+S) keeps everything in one .nnproj file; File ▸ Export… (Ctrl+E) writes "
    "ONNX, a standalone NumPy predictor, PyTorch or Keras code.")
DROP_SUFFIXES = (".csv", ".tsv", ".npz")  # data files a drop imports (a .txt may be anything)


def new_project() -> Project:
    """An empty project starts with its Input layer, so the first drop can be connected right away."""
    project = Project()
    project.graph.add_node("Input", {}, (0.0, 0.0))
    return project


class MainWindow(QMainWindow):
    def __init__(self, project: Project | None = None, path: str | None = None,
                 settings: QSettings | None = None, autosave: bool = True) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.settings = settings if settings is not None else QSettings()
        self.undo_stack = QUndoStack(self)
        # The open project lives in a Qt-free session; this window is one view of it (the CLI is another).
        self.session = ProjectSession(project or new_project(), path, QtUndoStack(self.undo_stack))
        self.runner = TrainingRunner(self)
        self.recent = files.RecentFiles(self.settings)
        self._run_t0 = 0.0
        self._run_fresh = True
        self._twins: list[tuple[QAction, QAction]] = []
        self._run_epochs = 0
        self._epochs_done = 0

        self._build_widgets()
        self._build_actions()
        self._build_menus()
        from designer.ui import weights_actions

        weights_actions.install(self)  # File ▸ Load trained weights… (issue 15)
        self._build_toolbar()
        self._build_status_bar()
        self._wire()
        install_maths(self)  # the mathematics views (#18): their dock, the stepper, the bias demo
        self.learning = install_learning_tools(self)  # LR finder, concepts, lessons, sweep … (designer/ui/learning.py)
        self.deployment = install_deployment_tools(self)  # File ▸ Predict…, Export report… (designer/ui/deployment.py)
        install_image_import(self)  # File ▸ Import image folder… (designer/ui/image_import.py)
        self.autosaver = files.Autosaver(self._autosave_state, self) if autosave else None
        if self.autosaver is not None:
            self.autosaver.failed.connect(lambda message: self.statusBar().showMessage(
                f"Automatic copy failed ({message}): save your work to keep it safe", 30000))

        self.set_project(self.project, path)
        self._show_workspace(project is not None)
        self.start_page.set_recent(self.recent.paths())
        self._layout_restored = window_layout.restore(self, self.settings)

    # ================================================================ construction
    def _build_widgets(self) -> None:
        graph = self.project.graph
        self.canvas = CanvasView(graph, self.undo_stack)
        self.data_panel = DataPanel()
        self.neurons = NeuronsView(graph, self.project.weights)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.canvas, "Design")
        self.tabs.addTab(self.data_panel, "Data")
        self.tabs.addTab(self.neurons, "Neurons")
        self.tabs.setTabToolTip(2, "Every unit and weight of a small dense network (thickness = |weight|)")
        self.start_page = StartPage()
        self.centre = QStackedWidget()
        self.centre.addWidget(self.start_page)
        self.centre.addWidget(self.tabs)
        self.setCentralWidget(self.centre)

        self.palette = LayerPalette()
        self.properties = PropertiesPanel(graph, self.undo_stack)
        self.summary = SummaryTable(graph)
        self.problems = ProblemsList(graph)
        self.training_panel = TrainingPanel()
        self.dashboard = TrainingDashboard()

        self.palette_dock = self._dock("Layers", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.properties_dock = self._dock("Properties", self.properties, Qt.DockWidgetArea.RightDockWidgetArea)
        self.summary_dock = self._dock("Summary", self.summary, Qt.DockWidgetArea.RightDockWidgetArea)
        self.problems_dock = self._dock("Problems", self.problems, Qt.DockWidgetArea.RightDockWidgetArea)
        self.training_dock = self._dock("Training", _scrolling(self.training_panel),
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.dashboard_dock = self._dock("Dashboard", self.dashboard, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.training_dock, self.dashboard_dock, Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.summary_dock, self.problems_dock)
        self.summary_dock.raise_()
        self._sized = False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._sized:  # dock sizes only stick once the window has its real size
            self._sized = True
            if not self._layout_restored:  # the user's own dock sizes win over these first ones
                width, small = self.width(), self.height() < 800
                self.resizeDocks([self.palette_dock, self.properties_dock], [180 if small else 210, 300 if small
                                                                            else 330], Qt.Orientation.Horizontal)
                share = 0.36 if width >= 1500 else 0.42  # the training fields need ~520 px
                self.resizeDocks([self.training_dock, self.dashboard_dock],
                                 [int(width * share), int(width * (1 - share))], Qt.Orientation.Horizontal)
                self.resizeDocks([self.training_dock], [int(self.height() * (0.38 if small else 0.42))],
                                 Qt.Orientation.Vertical)
                self.resizeDocks([self.properties_dock, self.summary_dock], [300, 200], Qt.Orientation.Vertical)
            QTimer.singleShot(0, self.canvas.fit_to_view)  # after the layout has settled

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        self.act_new = self._action("&New", self.new_file, K.New, "Start an empty project")
        self.act_open = self._action("&Open…", self.open_file, K.Open, "Open a .nnproj project")
        self.act_save = self._action("&Save", self.save, K.Save, "Save the project")
        self.act_save_as = self._action("Save &As…", self.save_as)
        self.act_save_as.setShortcuts(standard_or_fallback(K.SaveAs))  # none of its own on Windows
        self.act_import = self._action("&Import data…", self.import_data, "Ctrl+I",
                                       "Read your own CSV, TSV or NPZ file into the project")
        self.act_export = self._action("&Export…", self.export, "Ctrl+E", "ONNX, a NumPy predictor or PyTorch")
        self.act_quit = self._action("&Quit", self.close)
        self.act_quit.setShortcuts(standard_or_fallback(K.Quit))  # none of its own on Windows
        self.act_quit.setMenuRole(QAction.MenuRole.QuitRole)  # macOS: in the application menu
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence(K.Undo))
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcut(QKeySequence(K.Redo))
        self.act_cut = self._action("Cu&t", lambda: self.canvas.cut_selection(), K.Cut)
        self.act_copy = self._action("&Copy", lambda: self.canvas.copy_selection(), K.Copy)
        self.act_paste = self._action("&Paste", lambda: self.canvas.paste(), K.Paste)
        self.act_delete = self._action("&Delete", lambda: self.canvas.delete_selection(), K.Delete)
        self.act_select_all = self._action("Select &All", lambda: self.canvas.select_all(), K.SelectAll)
        self.act_builder = self._action("&Quick builder…", self.quick_builder, "Ctrl+B",
                                        "Build a stack of layers from a short description")
        self.act_fit = self._action("&Fit network to view", lambda: self.canvas.fit_to_view(), "Ctrl+0")
        self.act_zoom_in = self._action("Zoom &in", lambda: self.canvas.zoom_in(), QKeySequence.StandardKey.ZoomIn)
        self.act_zoom_out = self._action("Zoom &out", lambda: self.canvas.zoom_out(),
                                         QKeySequence.StandardKey.ZoomOut)
        self.act_arrange = self._action("&Arrange layers", lambda: self.canvas.auto_arrange(), "Ctrl+L")
        self.act_train = self._action("&Train from scratch", self.train, "F5",
                                      "Train from fresh random weights with the current settings")
        self.act_continue = self._action("&Continue training", self.continue_training, "Ctrl+F5",
                                         "Go on training from the weights the last run left")
        self.act_pause = self._action("&Pause", self.runner.pause, "F6")
        self.act_resume = self._action("&Resume", self.runner.resume, "Shift+F6")
        self.act_step_batch = self._action("Step &batch", self.step_batch, "F10")
        self.act_step_epoch = self._action("Step &epoch", self.step_epoch, "F11")
        self.act_stop = self._action("&Stop", self.runner.stop, "Shift+F5")
        self.act_reset = self._action("Reset &weights", self.reset_weights)
        self.act_about = self._action("&About", self.about)
        self.act_guide = self._action("&Getting started", self.getting_started, K.HelpContents,
                                      "The first steps: data, network, training, export")
        self.act_about.setMenuRole(QAction.MenuRole.AboutRole)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        m.addActions([self.act_new, self.act_open])
        self.recent_menu = m.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        m.addSeparator()
        m.addActions([self.act_save, self.act_save_as])
        m.addSeparator()
        m.addActions([self.act_import, self.act_export])
        m.addSeparator()
        m.addAction(self.act_quit)
        m = bar.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_cut, self.act_copy, self.act_paste, self.act_delete, self.act_select_all])
        m.addSeparator()
        m.addAction(self.act_builder)
        m = bar.addMenu("&View")
        m.addActions([self.act_fit, self.act_zoom_in, self.act_zoom_out, self.act_arrange])
        m.addSeparator()
        for dock in (self.palette_dock, self.properties_dock, self.summary_dock, self.problems_dock,
                     self.training_dock, self.dashboard_dock):
            m.addAction(dock.toggleViewAction())
        m.addSeparator()
        self.theme_menu = m.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        current = str(self.settings.value(theme.SETTINGS_KEY, "system"))
        for mode, label in (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark")):
            act = self.theme_menu.addAction(label)
            act.setCheckable(True)
            act.setChecked(mode == current)
            act.setData(mode)
            self.theme_group.addAction(act)
        self.theme_group.triggered.connect(self._theme_picked)
        m = bar.addMenu("&Train")
        m.addActions([self.act_train, self.act_continue, self.act_pause, self.act_resume, self.act_step_batch,
                      self.act_step_epoch,
                      self.act_stop])
        m.addSeparator()
        m.addAction(self.act_reset)
        m = bar.addMenu("&Help")
        m.addActions([self.act_guide, self.act_about])

    def _build_toolbar(self) -> None:
        tb = self.addToolBar("Main")
        tb.setObjectName("toolbar-main")
        tb.setMovable(False)
        tb.addActions([self.act_new, self.act_open, self.act_save])
        tb.addSeparator()
        tb.addActions([self._toolbar_twin(self.act_undo, "Undo"), self._toolbar_twin(self.act_redo, "Redo")])
        tb.addSeparator()
        tb.addActions([self.act_builder, self.act_fit])
        tb.addSeparator()
        tb.addActions([self.act_train, self.act_continue, self.act_pause, self.act_resume, self.act_step_epoch,
                       self.act_stop])

    def _toolbar_twin(self, action: QAction, text: str) -> QAction:
        """A toolbar button with a fixed label ("Undo Add Dense" made every button after it shift); what it
        would undo is in its tooltip."""
        twin = QAction(text, self)
        twin.setObjectName(f"toolbar-{text.lower()}")
        twin.triggered.connect(action.trigger)
        self._twins.append((action, twin))
        action.changed.connect(self._sync_twins)  # a bound method: dropped when the window goes
        self._sync_twins()
        return twin

    def _sync_twins(self) -> None:
        for action, twin in self._twins:
            twin.setEnabled(action.isEnabled())
            twin.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.lbl_epoch = QLabel("epoch –")
        self.lbl_batch = QLabel("batch –")
        self.lbl_speed = QLabel("– samples/s")
        self.lbl_eta = QLabel("time left –")
        for w in (self.lbl_epoch, self.lbl_batch, self.lbl_speed, self.lbl_eta):
            sb.addPermanentWidget(w)
        # Progress is shown a few times a second, not per event: QProgressBar.setValue repaints at once (it
        # cost 5 ms a call here), and a fast run sends dozens of updates a second.
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._show_progress)
        self._last_batch = None

    def _wire(self) -> None:
        # The session's signals: the views show what it holds (the window is only their mediator here).
        session = self.session
        session.replaced.connect(self._show_project)
        session.input_shape_changed.connect(self._show_input_shape)
        session.dirty_changed.connect(self._update_modified)
        session.training_changed.connect(self.training_panel.show_training)
        session.data_changed.connect(self._show_data)
        session.weights_changed.connect(self._show_weights)
        # Bound methods, not lambdas: Qt drops these connections when the window is destroyed.
        self.undo_stack.cleanChanged.connect(self._update_modified)
        self.undo_stack.indexChanged.connect(self._update_modified)
        self.palette.add_requested.connect(self._add_layer)
        self.canvas.node_selected.connect(self._node_selected)
        self.canvas.message.connect(self._show_message)
        self.problems.node_activated.connect(self._focus_node)
        self.data_panel.config_changed.connect(self._data_changed)
        self.training_panel.settings_edited.connect(self.session.edit_training)
        self.training_panel.train_requested.connect(self.train)
        self.training_panel.continue_requested.connect(self.continue_training)
        self.training_panel.fields_checked.connect(self.problems.refresh)
        self.training_panel.field_refused.connect(self._show_message)
        self.problems.checks_provider = self._preflight_checks
        self.problems.fix_requested.connect(self._apply_fix)
        self.data_panel.table_loaded.connect(self.problems.refresh)
        session.training_changed.connect(self._training_settings_shown)
        self.training_panel.pause_requested.connect(self.runner.pause)
        self.training_panel.resume_requested.connect(self.runner.resume)
        self.training_panel.step_batch_requested.connect(self.step_batch)
        self.training_panel.step_epoch_requested.connect(self.step_epoch)
        self.training_panel.stop_requested.connect(self.runner.stop)
        self.training_panel.reset_requested.connect(self.reset_weights)
        self.training_panel.learning_rate_changed.connect(self.runner.set_learning_rate)
        self.training_panel.speed_changed.connect(self.runner.set_batch_delay)
        self.dashboard.boundary.axes_changed.connect(self.runner.set_plane_axes)
        self.dashboard.plane_shown.connect(self.runner.set_plane_wanted)  # boundary grids only while shown
        self.runner.set_plane_wanted(self.dashboard.plane_is_shown())
        self.dashboard.training_active = lambda: self.runner.is_running
        self.runner.state_changed.connect(self._training_state)
        self.runner.run_started.connect(self._run_started)
        self.runner.progress_started.connect(self._progress_started)
        self.runner.batch_ended.connect(self._batch_ended)
        self.runner.epoch_ended.connect(self._epoch_ended)
        self.runner.finished.connect(self._run_finished)
        self.runner.failed.connect(self._run_failed)
        self.start_page.new_requested.connect(self.new_file)
        self.start_page.open_requested.connect(self.open_file)
        self.start_page.example_requested.connect(self.open_example)
        self.start_page.recent_requested.connect(self.open_path)
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):  # the desktop switched between light and dark (Qt ≥ 6.5)
            hints.colorSchemeChanged.connect(self._system_scheme_changed)
        self._training_state("idle")

    def _theme_picked(self, action: QAction) -> None:
        self.set_theme(str(action.data()))

    def set_theme(self, mode: str) -> None:
        """View ▸ Theme: the whole window (panels, canvas, plots) in light or dark, remembered."""
        resolved = theme.apply_theme(QApplication.instance(), mode)
        self.settings.setValue(theme.SETTINGS_KEY, mode)
        for act in self.theme_group.actions():
            act.setChecked(act.data() == mode)
        self.canvas.viewport().update()
        self._show_message(f"Theme: {resolved}" + (" (following the system)" if mode == "system" else ""))

    def _system_scheme_changed(self, *_args) -> None:
        if str(self.settings.value(theme.SETTINGS_KEY, "system")) == "system":
            self.set_theme("system")

    # ================================================================ project
    @property
    def project(self) -> Project:
        return self.session.project

    @property
    def path(self) -> str | None:
        return self.session.path

    @property
    def base_dir(self) -> Path | None:
        return self.session.base_dir

    def set_project(self, project: Project, path: str | None, modified: bool = False) -> None:
        """Open `project` in the session (the undo history starts afresh); the views follow its signals."""
        self.runner.shutdown()
        self.session.set_project(project, path, modified)
        self._show_workspace(True)
        self.canvas.fit_to_view()

    def _show_project(self, project: Project) -> None:
        graph = project.graph
        self.canvas.set_graph(graph)
        self.properties.set_graph(graph)
        self.summary.set_graph(graph)
        self.problems.set_graph(graph)
        self.neurons.set_graph(graph)
        self.neurons.set_weights(project.weights)
        self._update_continue()
        self.dashboard.clear_runs()  # the runs list belongs to the project: show its saved runs, not the last one's
        self.dashboard.load_history(project.history)
        self.data_panel.set_config(project.data, self.base_dir)
        self.training_panel.set_training(project.training)
        self._update_modified()

    def _show_workspace(self, on: bool) -> None:
        """The start page (off) or the editor (on); the panels only make sense with a project open."""
        self.centre.setCurrentIndex(1 if on else 0)
        for dock in (self.palette_dock, self.properties_dock, self.summary_dock, self.problems_dock,
                     self.training_dock, self.dashboard_dock):
            dock.widget().setEnabled(on)
        for act in (self.act_save, self.act_save_as, self.act_export, self.act_builder, self.act_train,
                    self.act_step_batch, self.act_step_epoch):
            act.setEnabled(on)

    def is_modified(self) -> bool:
        return self.session.dirty

    def _show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 6000)

    def _update_modified(self, *_) -> None:
        self.setWindowTitle(f"{self.project.name}[*] — {APP_TITLE}")
        self.setWindowModified(self.is_modified())

    def _autosave_state(self):
        return self.project, self.path, self.is_modified()

    def _show_input_shape(self, shape) -> None:
        if self.session.input_shape_error:
            self.statusBar().showMessage(self.session.input_shape_error, 8000)
        for view in (self.canvas, self.properties, self.summary, self.problems, self.neurons):
            view.set_input_shape(shape)

    def _show_data(self, data: dict) -> None:
        if data != self.data_panel.config():  # an undo or redo, not the panel's own edit
            self.data_panel.set_config(data, self.base_dir)
        if not self.runner.is_running:  # a run trains on its own copy; what is shown of it stays its own
            self.dashboard.forget_results("Data changed")
            self.statusBar().clearMessage()  # an old error about the old data is stale too
            self.training_panel.set_progress(0, int(self.project.training.get("epochs", 1)))
            for label, text in ((self.lbl_epoch, "epoch –"), (self.lbl_batch, "batch –"),
                                (self.lbl_speed, "– samples/s"), (self.lbl_eta, "time left –")):
                label.setText(text)

    def _show_weights(self) -> None:
        self.neurons.set_weights(self.project.weights)
        self._update_continue()

    def _update_continue(self) -> None:
        has = bool(self.project.weights)
        self.training_panel.set_has_weights(has)
        self.act_continue.setEnabled(has and not self.runner.is_running and self.act_train.isEnabled())

    # ================================================================ file actions
    def maybe_save(self) -> bool:
        """Before losing the current project: True to go on, False to stay."""
        if not self.is_modified():
            return True
        answer = files.ask_unsaved_changes(self, self.project.name)
        if answer == "save":
            return self.save()
        if answer == "discard":
            if self.autosaver is not None:
                self.autosaver.discard(self.path)
            return True
        return False

    def new_file(self) -> None:
        if self.maybe_save():
            self.set_project(new_project(), None)

    def open_file(self) -> None:
        start = str(Path(self.path).parent) if self.path else ""
        path = files.ask_open_path(self, start)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Every way of opening a file (argv, File > Open, Recent files, start page, drop) comes here: a copy
        of this file left by a crashed session is offered before the file itself is shown."""
        if not self.maybe_save():
            return False
        recovery = self.autosaver.pending_for(path) if self.autosaver is not None else None
        outcome = self._resolve_recovery(recovery, opening=True) if recovery is not None else None
        if outcome == "later":
            return False
        if outcome == "restored":
            self.recent.add(path)
            self.start_page.set_recent(self.recent.paths())
            return True
        try:
            project = files.open_project_file(path)
        except DesignerError as exc:
            files.show_error(self, "Cannot open project", str(exc))
            if not Path(path).exists():
                self.recent.remove(str(Path(path).resolve()))
                self.start_page.set_recent(self.recent.paths())
            return False
        self.set_project(project, str(Path(path).resolve()))
        self.recent.add(path)
        self.start_page.set_recent(self.recent.paths())
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def open_example(self, key: str) -> None:
        if not self.maybe_save():
            return
        if key in EXAMPLES:
            self.set_project(EXAMPLES[key][1](), None)
        else:
            self.open_path(key)

    def save(self) -> bool:
        if not self.path:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        last = str(self.settings.value("paths/last_save_folder", "") or "")
        path = files.ask_save_path(self, files.suggested_file_name(self.project, self.path, last))
        if not path:
            return False
        return self._save_to(path)

    def _save_to(self, path: str) -> bool:
        if self.project.name == "Untitled":
            self.project.name = Path(path).stem
        try:
            files.save_project_file(self.project, path)
        except DesignerError as exc:
            files.show_error(self, "Cannot save project", str(exc))
            return False
        if self.autosaver is not None:
            self.autosaver.discard(self.path)
            self.autosaver.discard(None)
        self.session.mark_saved(path)
        self.settings.setValue("paths/last_save_folder", str(Path(path).resolve().parent))  # Save As starts here
        self._update_modified()
        self.recent.add(self.path)
        self.start_page.set_recent(self.recent.paths())
        self.statusBar().showMessage(f"Saved {self.path}", 5000)
        return True

    def export(self) -> None:
        from designer.export import export_project

        formats = {"ONNX model (.onnx)": ("onnx", ".onnx"), "Standalone NumPy predictor (.py)": ("python", ".py"),
                   "PyTorch model and training script (.py)": ("pytorch", ".py"),
                   "Keras 3 model code and weights (.py)": ("keras", ".py")}
        last = str(self.settings.value("export/format", ""))
        start = list(formats).index(last) if last in formats else 0  # the format used last time
        label, ok = QInputDialog.getItem(self, "Export", "Format", list(formats), start, False)
        if not ok:
            return
        self.settings.setValue("export/format", label)
        fmt, suffix = formats[label]
        stem = Path(self.path).stem if self.path else self.project.name.replace(" ", "_")
        from PySide6.QtWidgets import QFileDialog

        out, _ = QFileDialog.getSaveFileName(self, "Export to", default_save_path(f"{stem}{suffix}", self.base_dir),
                                             options=QFileDialog.Option.DontUseNativeDialog)
        if not out:
            return
        try:
            written = export_project(self.project, fmt, Path(out), base_dir=self.base_dir)
        except DesignerError as exc:
            files.show_error(self, "Cannot export", str(exc))
            return
        self.statusBar().showMessage(f"Exported {written[0] if written else out}", 8000)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for p in paths:
            act = self.recent_menu.addAction(menu_text(p))
            act.triggered.connect(lambda _c=False, p=p: self.open_path(p))
        if not paths:
            none = self.recent_menu.addAction("(no recent projects)")
            none.setEnabled(False)

    def offer_recovery(self) -> None:
        """At start: offer back the newest autosaved copy left by a session that did not close cleanly."""
        if self.autosaver is None:
            return
        for recovery in self.autosaver.pending()[:1]:
            self._resolve_recovery(recovery, opening=False)

    def _resolve_recovery(self, recovery, opening: bool) -> str:
        """Ask about one orphaned copy and act on the answer: "restored", "discarded" or "later". The copy is
        deleted only when the person chose to; after a restore it stays (now this session's) until saved.
        "failed": the copy could not be read (the person was told; it stays)."""
        answer = files.offer_recovery(self, recovery, opening=opening)
        if answer == "later":
            return "later"
        if answer == "restore":
            try:
                project = recovery.load()
            except DesignerError as exc:
                files.show_error(self, "Cannot recover", str(exc))
                return "failed"
            original = str(recovery.original_path) if recovery.original_path else None
            self.set_project(project, original, modified=True)
            self.autosaver.adopt(recovery)
            self.statusBar().showMessage("Restored the automatic copy: save to keep it", 8000)
            return "restored"
        try:
            autosave.discard_recovery(recovery)
        except DesignerError:
            pass
        return "discarded"

    def import_data(self, path: str = "") -> bool:
        """File ▸ Import data…, the Data view's button and a dropped data file: from the start page this
        begins a new project around the data."""
        if self.centre.currentWidget() is self.start_page:
            if not self.maybe_save():
                return False
            self.set_project(new_project(), None)
        self.tabs.setCurrentWidget(self.data_panel)
        return self.data_panel.import_file(path)

    # ================================================================ drag and drop of project and data files
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt naming)
        if _project_urls(event.mimeData().urls()) or _data_urls(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt naming)
        projects, data = _project_urls(event.mimeData().urls()), _data_urls(event.mimeData().urls())
        if not (projects or data):
            event.ignore()
            return
        event.acceptProposedAction()
        if projects:
            self.open_path(projects[0])
        else:  # the import dialog is modal: open it after the drop returns, not while the drag source waits
            QTimer.singleShot(0, self, lambda: self.import_data(data[0]))

    # ================================================================ editing
    def _add_layer(self, type_name: str) -> None:
        self.canvas.add_layer(type_name)

    def _node_selected(self, node_id: str) -> None:
        self.properties.show_node(node_id)

    def _focus_node(self, node_id: str) -> None:
        self.tabs.setCurrentWidget(self.canvas)
        self.canvas.select_node(node_id)
        self.properties.show_node(node_id)

    def _data_changed(self, cfg: dict) -> None:
        self.session.edit_data(cfg)  # one undoable step; the input shape follows

    def quick_builder(self) -> None:
        prepared = self.data_panel.origin.get("prepared") or {}
        dialog = QuickBuilderDialog(self, prepared.get("task"), prepared.get("classes") or [])
        if dialog.exec() and dialog.graph is not None:
            self.tabs.setCurrentWidget(self.canvas)
            self._insert_built(dialog.graph)
            self.canvas.fit_to_view()

    def _insert_built(self, built) -> None:
        """One undo step. A project has one Input: the new layers hang off the existing one (a second Input
        made Train fail), taking over the template's Input shape when the existing one has none."""
        graph = self.project.graph
        existing, new_inputs = graph.input_nodes(), built.input_nodes()
        if not existing or not new_inputs:
            self.canvas.insert_graph(built, "Quick builder")
            return
        old_in, new_in = existing[0], new_inputs[0]
        heads, shape = built.outputs_of(new_in), built.nodes[new_in].params.get("shape")
        (ox, oy), (nx, ny) = graph.nodes[old_in].position, built.nodes[new_in].position
        built.remove_node(new_in)
        for nid, node in list(built.nodes.items()):  # place the stack where the old Input's stack would go
            built.move_node(nid, (node.position[0] + ox - nx, node.position[1] + oy - ny))
        self.undo_stack.beginMacro("Quick builder")
        pasted = dict(zip(list(built.nodes), self.canvas.insert_graph(built, "Quick builder")))
        if shape and not graph.nodes[old_in].params.get("shape"):
            self.undo_stack.push(SetParamCommand(graph, old_in, "shape", shape))
        if not graph.outputs_of(old_in):
            for head in heads:
                self.undo_stack.push(ConnectCommand(graph, old_in, pasted[head]))
        else:
            self._show_message(f"{old_in} already feeds a network: connect it to the new layers where you want")
        self.undo_stack.endMacro()

    # ================================================================ training
    def train(self) -> None:
        """Train from scratch: fresh random weights, so runs ticked for comparison start from the same point."""
        self._start(paused=False)

    def continue_training(self) -> None:
        """Go on from the weights the last run left (said so in the runs list)."""
        self._start(paused=False, fresh=False)

    # ---------------------------------------------------------------- pre-flight
    def _preflight_checks(self):
        from designer.training.preflight import preflight

        prepared = self.data_panel.origin.get("prepared") or {}
        return preflight(self.project.graph, self.project.training, prepared.get("task"),
                         prepared.get("classes"), self.training_panel.field_errors())

    def _training_settings_shown(self, _cfg=None) -> None:
        self.problems.refresh()

    def _apply_fix(self, fix) -> None:
        """A pre-flight fix as one undoable step: layer parameters, then training settings."""
        import copy

        self.undo_stack.beginMacro(f"Fix: {fix.label}")
        graph = self.project.graph
        for name, value in fix.params.items():
            if fix.node_id in graph.nodes and graph.nodes[fix.node_id].params.get(name) != value:
                self.undo_stack.push(SetParamCommand(graph, fix.node_id, name, value))
        if fix.training or fix.optimizer:
            cfg = copy.deepcopy(self.project.training)
            cfg.update(copy.deepcopy(fix.training))
            if fix.optimizer:
                cfg["optimizer"] = {**(cfg.get("optimizer") or {}), **fix.optimizer}
            self.session.edit_training(cfg)
            self.training_panel.set_training(self.project.training)  # also clears a pink field it replaced
        self.undo_stack.endMacro()
        self.problems.refresh()
        self._show_message(f"Applied: {fix.label}")

    def step_batch(self) -> None:
        if not self.runner.is_running:
            self._start(paused=True, fresh=False)  # stepping goes on from where the weights are
        self.runner.step_batch()

    def step_epoch(self) -> None:
        if not self.runner.is_running:
            self._start(paused=True, fresh=False)
        self.runner.step_epoch()

    def _start(self, paused: bool, fresh: bool = True) -> None:
        analysis = self.session.analysis
        errors = [p.message for p in analysis.problems if p.severity == "error"]
        errors += [c.message for c in self._preflight_checks() if c.severity == "error"]
        if errors:
            self.problems.refresh()
            self.problems_dock.show()
            self.problems_dock.raise_()
            self.statusBar().showMessage(f"Cannot train yet: {errors[0]}", 10000)
            return
        self._run_t0 = time.perf_counter()
        self._epochs_done = 0
        self._run_fresh = fresh or not self.project.weights
        self.runner.start(self.project, self.base_dir, reset_weights=self._run_fresh, paused=paused)

    def reset_weights(self) -> None:
        if self.runner.is_running:
            return
        self.session.reset_weights()
        self.statusBar().showMessage("Weights reset: the next run starts from fresh random weights", 5000)

    def _training_state(self, state: str) -> None:
        self.training_panel.set_state(state)
        busy = state != "idle"
        self.act_train.setEnabled(not busy)
        self.act_pause.setEnabled(state == "running")
        self.act_resume.setEnabled(state == "paused")
        self.act_stop.setEnabled(busy)
        self.act_reset.setEnabled(not busy)
        self.act_step_batch.setEnabled(state != "running")
        self.act_step_epoch.setEnabled(state != "running")
        self._update_continue()

    def _run_started(self, info: RunStarted) -> None:
        self._run_epochs = info.total_epochs
        how = "from scratch" if self._run_fresh else "continued"
        if info.engine != "numpy":  # the PyTorch engine: "run 3 · from scratch · torch (cuda)"
            how += f" · {info.engine}"
        self.dashboard.start_run(f"run {self.runner.run_id} · {how}", info.task, info.class_names, info.layer_ids,
                                 info.layer_kinds, loss_units=info.loss_units)
        self.training_panel.set_progress(0, info.total_epochs)
        for w in info.warnings:
            self.statusBar().showMessage(w, 8000)

    def _progress_started(self, epochs: int, batches: int) -> None:
        self._run_epochs = epochs
        self.training_panel.set_progress(0, epochs)

    def _batch_ended(self, event) -> None:
        self.dashboard.on_batch(event)
        self._last_batch = event
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _epoch_ended(self, update: EpochUpdate) -> None:
        self.dashboard.on_epochs(update.events)
        self._epochs_done = update.events[-1].epoch
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _show_progress(self) -> None:
        """The progress bar and the status bar's counters, brought up to date (timer, end of run)."""
        event, self._last_batch = self._last_batch, None
        if event is not None:
            self.lbl_batch.setText(f"batch {event.batch}")
            self.lbl_speed.setText(f"{event.samples_per_s:,.0f} samples/s")
        done = self._epochs_done
        if not done:
            return
        total = self._run_epochs or done
        self.training_panel.set_progress(done, total)
        self.lbl_epoch.setText(f"epoch {done} / {total}")
        elapsed = time.perf_counter() - self._run_t0
        left = elapsed / max(done, 1) * max(total - done, 0)
        self.lbl_eta.setText(f"time left {_duration(left)}")

    def _run_finished(self, outcome: RunOutcome) -> None:
        from designer.training.events import TrainingFinished

        result = outcome.result
        entry = outcome.history_entry()
        entry["start"] = "scratch" if self._run_fresh else "continued"  # the runs list says which
        self.session.record_run(outcome.weights, entry)
        self._progress_timer.stop()
        self._show_progress()
        self.dashboard.on_finished(TrainingFinished(outcome.reason, outcome.message, result.best_epoch))
        if outcome.evaluation is not None:
            # On a later event-loop turn: the final redraw and the evaluation together froze the window.
            evaluation, run = outcome.evaluation, self.dashboard.current
            QTimer.singleShot(0, self, lambda: self._show_evaluation(evaluation, run))
        self.lbl_eta.setText("time left –")
        text = outcome.message or f"Training {outcome.reason}"
        self.statusBar().showMessage(text, 10000)
        if outcome.reason == "nan":  # not a status-bar footnote: the user must change something
            files.show_error(self, "Training stopped: values became NaN/Inf", text)

    def _show_evaluation(self, evaluation: dict, run) -> None:
        if self.dashboard.current is run:  # not when another project was opened in between
            self.dashboard.show_evaluation(evaluation)

    def _run_failed(self, message: str) -> None:
        self.dashboard.discard_empty_run()
        self.statusBar().showMessage(f"Training failed: {message}", 15000)
        files.show_error(self, "Training failed", message)

    # ================================================================ misc
    def getting_started(self) -> None:
        QMessageBox.information(self, "Getting started", GETTING_STARTED)

    def about(self) -> None:
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b> {__version__}<br>Draw a neural network, train it on real data "
                          "while watching it learn, and ship it.<br>NumPy engine · PySide6 · pyqtgraph")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        if not self.maybe_save():
            event.ignore()
            return
        window_layout.save(self, self.settings)
        self.learning.shutdown()
        self.deployment.shutdown()
        self.runner.shutdown()
        self.data_panel.wait_for_load()  # its reader threads must end before the window goes
        if self.autosaver is not None:
            self.autosaver.timer.stop()
            self.autosaver.discard(self.path)
            self.autosaver.discard(None)
            self.autosaver.release()
        event.accept()


class _FittingScrollArea(QScrollArea):
    """Tells its panel the width it has (`fit_width`), so the panel can re-flow before it scrolls."""

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        fit = getattr(self.widget(), "fit_width", None)
        if fit is not None:
            fit(event.size().width())
        super().resizeEvent(event)


def _scrolling(widget: QWidget) -> QScrollArea:
    """A panel of many fields scrolls in a small window instead of setting the window's minimum size."""
    area = _FittingScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def _project_urls(urls: list[QUrl]) -> list[str]:
    return [u.toLocalFile() for u in urls if u.isLocalFile() and is_project_path(u.toLocalFile())]


def _data_urls(urls: list[QUrl]) -> list[str]:
    return [u.toLocalFile() for u in urls if u.isLocalFile() and u.toLocalFile().lower().endswith(DROP_SUFFIXES)]


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
