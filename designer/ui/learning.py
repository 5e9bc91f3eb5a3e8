"""The window's learning tools (issue 19), installed by one call from the main window so that its own code
stays small: Train ▸ Find learning rate…, Help ▸ Concepts (with F1 and a "?" on each panel); lessons, the
sweep, the overfitting lab and the workflow rail hang off the same object.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton

from designer.learn.concepts import PLACES

# Which concept each panel's "?" explains (dock object name → concept key).
PANEL_CONCEPTS = {"dock-layers": "layer", "dock-properties": "neuron", "dock-summary": "shape",
                  "dock-problems": "shape", "dock-training": "training", "dock-dashboard": "loss_curve"}
# The centre tabs' "?" explains the tab shown.
TAB_CONCEPTS = {"Design": "layer", "Data": "validation", "Neurons": "weight"}
# Training panel fields whose label does not say it all (the loss and optimizer combos explain their choice).
FIELD_CONCEPTS = {"learning_rate": "learning_rate", "epochs": "epoch", "batch_size": "batch", "seed": "seed",
                  "l1": "l2", "l2": "l2", "early": "early_stopping", "patience": "early_stopping",
                  "schedule": "lr_schedule"}
TRAINING_PLACES = {"training.loss": "loss", "training.optimizer": "optimizer", "training.learning_rate":
                   "learning_rate", "training.epochs": "epochs", "training.batch_size": "batch_size",
                   "training.seed": "seed", "training.l2": "l2", "training.early": "early",
                   "training.schedule": "schedule"}
DASHBOARD_TABS = {"dashboard.training": "Training", "dashboard.activations": "Activations",
                  "dashboard.norms": "Weights & gradients", "dashboard.boundary": "Decision boundary",
                  "dashboard.evaluation": "Evaluation", "dashboard.overfitting": "Overfitting"}


def menu(window, title: str):
    """The window's top-level menu called `title` (without the & accelerator)."""
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    raise LookupError(f"the window has no {title} menu")


class LearningTools:
    def __init__(self, window) -> None:
        from designer.ui.concepts_help import CONCEPT_PROPERTY, add_help_button

        self.window = window
        self.lr_dialog = None
        self.concepts_dialog = None
        self.act_lr_find = QAction("Find &learning rate…", window)
        self.act_lr_find.setObjectName("action-lr-find")
        self.act_lr_find.setStatusTip("Train a copy with a rising learning rate and suggest a good one")
        self.act_lr_find.triggered.connect(lambda _checked=False: self.find_learning_rate())
        train = menu(window, "Train")
        first = train.actions()[0] if train.actions() else None
        train.insertAction(first, self.act_lr_find)
        self.act_experiments = QAction("E&xperiments…", window)
        self.act_experiments.setObjectName("action-experiments")
        self.act_experiments.setStatusTip("Sweep settings from the same initial weights; the overfitting lab")
        self.act_experiments.triggered.connect(lambda _checked=False: self.show_experiments())
        train.insertAction(first, self.act_experiments)
        train.insertSeparator(first)
        self.experiments_dialog = None

        self.act_concepts = QAction("&Concepts", window)
        self.act_concepts.setObjectName("action-concepts")
        self.act_concepts.setShortcut(QKeySequence("Shift+F1"))
        self.act_concepts.setStatusTip("Epoch, batch, learning rate, activations, losses … explained in a few lines")
        self.act_concepts.triggered.connect(lambda _checked=False: self.show_concept(None))
        help_menu = menu(window, "Help")
        help_menu.insertAction(help_menu.actions()[0] if help_menu.actions() else None, self.act_concepts)

        panel = window.training_panel
        for attr, key in FIELD_CONCEPTS.items():
            widget = getattr(panel, attr, None)
            if widget is not None:
                widget.setProperty(CONCEPT_PROPERTY, key)
        self.help_buttons = {}
        for dock in window.findChildren(type(window.training_dock)):
            key = PANEL_CONCEPTS.get(dock.objectName())
            if key is not None:
                self.help_buttons[dock.objectName()] = add_help_button(dock, key, self.show_concept)
        tab_help = QToolButton()
        tab_help.setText("?")
        tab_help.setObjectName("help-tabs")
        tab_help.setAutoRaise(True)
        tab_help.setToolTip("What is this tab about?")
        tab_help.clicked.connect(self._explain_tab)
        window.tabs.setCornerWidget(tab_help)
        self.help_buttons["tabs"] = tab_help
        # F1 explains what is under the pointer (or in focus); with nothing to explain it is Getting started,
        # whose shortcut it takes over (two actions on one key would make Qt fire neither).
        self.act_what = QAction("&What is this?", window)
        self.act_what.setObjectName("action-what-is-this")
        self.act_what.setShortcuts(window.act_guide.shortcuts() or [QKeySequence("F1")])
        window.act_guide.setShortcuts([])
        self.act_what.setStatusTip("Explain the concept under the mouse pointer")
        self.act_what.triggered.connect(lambda _checked=False: self.explain_here())
        help_menu.insertAction(self.act_concepts, self.act_what)
        window.addAction(self.act_what)

        # Lessons: a column on the start page, and a Lesson panel once one is open
        from designer.ui.lessons_panel import LessonsList

        self.lessons_list = LessonsList()
        self.lessons_list.lesson_requested.connect(self.open_lesson)
        lists = window.start_page.layout().itemAt(window.start_page.layout().count() - 1).layout()
        lists.addWidget(self.lessons_list)
        self.lesson_dock = None

        # The workflow rail: a toolbar of its own line under the main one
        self._install_rail()

    # ------------------------------------------------------------------ learning rate
    def find_learning_rate(self) -> None:
        from designer.ui.lr_finder_dialog import LRFinderDialog

        if self.lr_dialog is not None:
            self.lr_dialog.close()
        self.lr_dialog = LRFinderDialog(self.window.session, self.window)
        self.lr_dialog.applied.connect(
            lambda lr: self.window.statusBar().showMessage(f"Learning rate set to {lr:g}", 6000))
        self.lr_dialog.show()
        self.lr_dialog.start()

    # ------------------------------------------------------------------ workflow rail
    def _install_rail(self) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QToolBar

        from designer.ui.workflow_rail import WorkflowRail, rail_alignment

        w = self.window
        self.rail = WorkflowRail()
        self.rail.step_clicked.connect(self.go_to_step)
        bar = QToolBar("Workflow", w)
        bar.setObjectName("toolbar-workflow")
        bar.setMovable(False)
        bar.addWidget(self.rail)
        w.addToolBarBreak(rail_alignment())
        w.addToolBar(rail_alignment(), bar)
        self.rail_bar = bar
        # A saved window layout from before the rail existed puts it beside the main toolbar (which then hides
        # buttons behind "»"): once the layout is restored, give it its own line again.
        QTimer.singleShot(0, w, self._rail_on_its_own_line)
        self.explored = False
        self.exported = False
        self.load_error: str | None = None
        self._rail_timer = QTimer(w)
        self._rail_timer.setSingleShot(True)
        self._rail_timer.setInterval(50)  # many signals at once (a project opened) make one refresh
        self._rail_timer.timeout.connect(self.refresh_rail)
        session = w.session
        for signal in (session.data_changed, session.training_changed, session.weights_changed,
                       session.run_recorded, session.input_shape_changed):
            signal.connect(self._schedule_rail)
        session.replaced.connect(self._project_replaced)
        w.data_panel.table_loaded.connect(self._data_loaded)
        w.data_panel.load_failed.connect(self._data_failed)
        w.tabs.currentChanged.connect(self._tab_changed)
        w.act_export.triggered.connect(self._exported)
        self._graph = None
        self._project_replaced(w.project)

    def _rail_on_its_own_line(self) -> None:
        if not self.window.toolBarBreak(self.rail_bar):
            self.window.insertToolBarBreak(self.rail_bar)

    def _schedule_rail(self, *_args) -> None:
        self._rail_timer.start()

    def _project_replaced(self, project) -> None:
        if self._graph is not None:
            self._graph.changed.disconnect(self._schedule_rail)
        self._graph = project.graph
        self._graph.changed.connect(self._schedule_rail)
        self.explored = self.exported = False
        self.load_error = None
        self._schedule_rail()

    def _data_loaded(self) -> None:
        self.load_error = None
        self._schedule_rail()

    def _data_failed(self, message: str) -> None:
        self.load_error = message
        self._schedule_rail()

    def _tab_changed(self, _index: int) -> None:
        if self.window.tabs.currentWidget() is self.window.data_panel:
            self.explored = True
        self._schedule_rail()

    def _exported(self, *_args) -> None:
        # runs after the window's own export slot (connected first): its status message says whether it wrote
        if self.window.statusBar().currentMessage().startswith("Exported"):
            self.exported = True
            self._schedule_rail()

    def refresh_rail(self):
        from designer.learn.workflow import workflow_states
        from designer.ui.workflow_rail import facts_from_window

        w = self.window
        problems = [p.message for p in w.session.analysis.problems if p.severity == "error"]
        states = workflow_states(w.project, data=facts_from_window(w, self.load_error), problems=problems,
                                 explored=self.explored, exported=self.exported)
        self.rail.show_states(states)
        return states

    def go_to_step(self, key: str):
        """A click on the rail: the place where the step is done."""
        w = self.window
        if key in ("ingest", "clean", "prepare", "explore"):
            target = self.go_to("data")
            views = getattr(w.data_panel, "views", None)
            if views is not None:
                wanted = {"ingest": "Columns", "clean": "Summary", "prepare": "Columns", "explore": "Histogram"}[key]
                for i in range(views.count()):
                    if views.tabText(i) == wanted:
                        views.setCurrentIndex(i)
            return target
        if key == "design":
            return self.go_to("canvas")
        if key == "train":
            target = self.go_to("training.epochs")
            w.training_panel.train_btn.setFocus()
            return w.training_panel.train_btn
        if key == "evaluate":
            return self.go_to("dashboard.evaluation")
        if key == "deploy":
            w.act_export.trigger()
            return None
        raise KeyError(key)

    # ------------------------------------------------------------------ experiments
    def show_experiments(self, tab: int = 0):
        from designer.ui.experiments_dialog import ExperimentsDialog

        if self.experiments_dialog is None:
            self.experiments_dialog = ExperimentsDialog(self.window)
        self.experiments_dialog.tabs.setCurrentIndex(tab)
        self.experiments_dialog.show()
        self.experiments_dialog.raise_()
        return self.experiments_dialog

    # ------------------------------------------------------------------ lessons
    def open_lesson(self, key: str, label: str | None = None) -> bool:
        """Open a lesson's variant (the first by default) with the Lesson panel beside it."""
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtWidgets import QDockWidget

        from designer.learn.lessons import LESSONS
        from designer.ui.lessons_panel import LessonPanel

        w = self.window
        lesson = LESSONS[key]
        variant = lesson.variant(label) if label else lesson.variants[0]
        if not w.maybe_save():
            return False
        w.set_project(variant.build(), None)
        if self.lesson_dock is None:
            self.lesson_panel = LessonPanel()
            self.lesson_panel.variant_requested.connect(self.open_lesson)
            self.lesson_panel.concept_requested.connect(self.show_concept)
            from PySide6.QtWidgets import QScrollArea

            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(self.lesson_panel)
            dock = QDockWidget("Lesson", w)
            dock.setObjectName("dock-lesson")
            dock.setWidget(scroll)
            w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            w.tabifyDockWidget(w.properties_dock, dock)
            self.lesson_dock = dock
            # the lesson's text needs more height than a layer's properties (once the dock is laid out)
            QTimer.singleShot(0, w, lambda: w.resizeDocks([dock, w.summary_dock], [int(w.height() * 0.6), 120],
                                                          Qt.Orientation.Vertical))
        if self.lesson_panel.lesson is not lesson:
            self.lesson_panel.set_lesson(key, variant.label)
        self.lesson_panel.mark_current(variant.label)
        self.lesson_dock.show()
        self.lesson_dock.raise_()
        w.statusBar().showMessage(f"Lesson: {lesson.title} — {variant.label}", 8000)
        return True

    # ------------------------------------------------------------------ concepts
    def show_concept(self, key: str | None):
        from designer.ui.concepts_help import ConceptsDialog

        if self.concepts_dialog is None:
            self.concepts_dialog = ConceptsDialog(self.window)
            self.concepts_dialog.show_place.connect(self.go_to)
        if key:
            self.concepts_dialog.show_concept(key)
        self.concepts_dialog.show()
        self.concepts_dialog.raise_()
        return self.concepts_dialog

    def explain_here(self):
        """F1: the concept under the pointer or in focus; Getting started when there is none."""
        from designer.ui.concepts_help import concept_here

        concept = concept_here(self.window)
        if concept is None:
            self.window.act_guide.trigger()
            return None
        return self.show_concept(concept.key)

    def _explain_tab(self) -> None:
        tabs = self.window.tabs
        self.show_concept(TAB_CONCEPTS.get(tabs.tabText(tabs.currentIndex()).replace("&", ""), "layer"))

    def go_to(self, place: str):
        """Take the user to where the app shows `place` (a key of concepts.PLACES); the widget shown."""
        w = self.window
        if w.centre.currentWidget() is w.start_page:
            w._show_workspace(True)
        target = None
        if place in TRAINING_PLACES:
            dock, target = w.training_dock, getattr(w.training_panel, TRAINING_PLACES[place])
        elif place in DASHBOARD_TABS:
            dock, tabs = w.dashboard_dock, w.dashboard.tabs
            for i in range(tabs.count()):
                if tabs.tabText(i).replace("&&", "&") == DASHBOARD_TABS[place]:
                    tabs.setCurrentIndex(i)
            target = tabs.currentWidget()
        elif place in ("canvas", "data", "neurons"):
            dock = None
            target = {"canvas": w.canvas, "data": w.data_panel, "neurons": w.neurons}[place]
            w.tabs.setCurrentWidget(target)
        elif place in ("palette", "properties", "summary", "problems"):
            dock = getattr(w, f"{place}_dock")
            target = dock.widget()
        elif place == "experiments":
            dock = None
            target = self.show_experiments()
        elif place == "lr_finder":
            dock = None
            self.act_lr_find.trigger()
            target = self.lr_dialog
        else:
            dock = None
        if dock is not None:
            dock.show()
            dock.raise_()
        if target is not None:
            target.setFocus()
        w.statusBar().showMessage(f"Here: {PLACES.get(place, place)}", 8000)
        return target

    def shutdown(self) -> None:
        for dialog in (self.lr_dialog, self.concepts_dialog, self.experiments_dialog):
            if dialog is not None:
                dialog.close()
        if self.lesson_dock is not None:
            self.lesson_panel.stop()


def install(window) -> LearningTools:
    return LearningTools(window)
