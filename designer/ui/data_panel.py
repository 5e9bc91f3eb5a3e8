"""The Data view: choose the data source and its preparation, and look at the data before training.

The table is read on a QThread (a large CSV must not freeze the window); while it loads a bar shows the
percentage read. An imported file becomes the project's source only once it is read: until then Cancel stops
the reader and leaves the data shown and the project as they were.
`config_changed(dict)` fires only on user edits, never from `set_config`.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.data import (
    BUILTIN_DATASETS,
    GENERATED_DEFAULTS,
    histogram,
    load_table_with_info,
    prepare_table,
    resolve_config,
    summarize,
)
from designer.data.chunked import LoadCancelled
from designer.data.images import TARGET as IMAGE_TARGET
from designer.data.overview import data_overview
from designer.data.prepare import infer_task
from designer.data.roles import apply_roles, ignore_reason, roles_of
from designer.data.sources import resolve_path
from designer.errors import DesignerError
from designer.ui.column_roles import RolesView
from designer.ui.image_folder_dialog import ImageFolderDialog
from designer.ui.image_preview import ImagePreview
from designer.ui.import_dialog import ImportDialog
from designer.ui.load_progress import LoadProgress
from designer.ui.numbers import DoubleSpinBox
from designer.ui.plots.eda import ClassBalancePlot, CorrelationHeatmap, HistogramPlot, ScatterPlot
from designer.ui.prep_fields import PreparationFields
from designer.ui.text_table import TextTableModel

CSV_ITEM = "csv"
NPZ_ITEM = "npz"
DATA_FILES = "Data files (*.csv *.tsv *.txt *.npz);;CSV / TSV tables (*.csv *.tsv *.txt);;NumPy arrays (*.npz)"
WIDE_TABLE_COLUMNS = 64  # wider tables draw each plot when its tab is opened
PLOT_SAMPLE_ROWS = 100_000  # plots of larger tables use a random sample so drawing never stalls the window
_LIVE_LOADERS: set = set()  # keeps a running reader alive even if its panel goes away first


def _cell(value) -> str:
    """A summary value as shown: floats to 4 significant digits, a missing float as blank."""
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


class TableLoader(QThread):
    """Reads one data source off the GUI thread; `request` ties a result to the request that asked for it."""

    loaded = Signal(int, object, object)  # request, DataFrame, origin info
    failed = Signal(int, str)
    progressed = Signal(int, int, str)  # request, percent, text
    cancelled = Signal(int)

    def __init__(self, request: int, data_cfg: dict, base_dir: Path | None, parent=None) -> None:
        super().__init__(parent)
        self.request, self.cfg, self.base_dir = request, copy.deepcopy(data_cfg), base_dir
        self.cancel_requested = False  # set from the GUI thread; read between chunks
        self._percent = -1

    def _report(self, percent: int, text: str) -> None:
        if self.cancel_requested:
            raise LoadCancelled
        if percent != self._percent:  # one signal per percent, not per chunk
            self._percent = percent
            self.progressed.emit(self.request, percent, text)

    def _reading(self, fraction: float) -> None:
        percent = int(fraction * 90)  # parsing is most of the time; summary and preparation the rest
        name = Path(str((self.cfg.get("source") or {}).get("path", ""))).name
        self._report(percent, f"Reading {name}… {percent} %")

    def run(self) -> None:
        try:
            df, origin = load_table_with_info(self.cfg.get("source") or {}, self.base_dir, progress=self._reading)
            self._report(90, "Summarising the columns… 90 %")
            # the heavy work is done here too, not on the GUI thread: statistics and a trial preparation
            origin = dict(origin, summary=summarize(df), total_rows=len(df),
                          notes={c: r for c in df.columns if (r := ignore_reason(df[c], c)) is not None})
            self._report(95, "Preparing… 95 %")
            try:
                prepared = prepare_table(self.cfg, df, origin)
                origin["prepared"] = {"report": prepared.report, "features": len(prepared.feature_names),
                                      "classes": list(prepared.classes), "task": prepared.task}
            except DesignerError as e:
                origin["prepare_error"] = str(e)
            if len(df) > PLOT_SAMPLE_ROWS:
                df = df.sample(PLOT_SAMPLE_ROWS, random_state=0).sort_index()
            self._report(98, "Computing the plots… 98 %")
            origin["views"] = data_overview(df, self.cfg.get("target"), self.cfg.get("task", "classification"))
            self._report(100, "Drawing… 100 %")
        except LoadCancelled:
            self.cancelled.emit(self.request)
        except DesignerError as e:
            self.failed.emit(self.request, str(e))
        except Exception as e:  # noqa: BLE001 — a bug must reach the user as a message, not kill the thread
            self.failed.emit(self.request, f"unexpected error while reading the data: {e}")
        else:
            self.loaded.emit(self.request, df, origin)


class DataPanel(QWidget):
    config_changed = Signal(dict)
    table_loaded = Signal()  # the table for the current settings is shown (tests and status bar wait on it)
    load_failed = Signal(str)
    import_cancelled = Signal()  # Cancel stopped an import; the previous table is shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cfg: dict = resolve_config({})
        self._base_dir: Path | None = None
        self._request = 0
        self._loaders: list[TableLoader] = []
        self._waiting = False  # a newer request waits for the running reader
        self._show_images_next = False  # after a folder import: open the Images tab when it is read
        self._revert_to: dict | None = None  # while an import is read: the config to go back to on Cancel
        self._import_request = 0
        self._shown_cfg: dict | None = None  # the config whose table is shown
        self._shown_status = ""
        self._deferred: dict = {}  # tab page -> drawing left until the tab is shown (wide tables)
        self.df = None
        self.origin: dict = {}
        self._build()
        self._apply_to_widgets()
        self._load()

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName("Data source")
        for name, info in BUILTIN_DATASETS.items():
            if not info.generated:
                self.source_combo.addItem(info.title, name)
        self.source_combo.insertSeparator(self.source_combo.count())
        for name, info in BUILTIN_DATASETS.items():
            if info.generated:
                self.source_combo.addItem(f"{info.title} (generated)", name)
        self.import_button = QPushButton("Import data…")
        self.import_button.setToolTip("Read your own CSV, TSV or NPZ file (File ▸ Import data…, Ctrl+I, or drop "
                                      "the file on the window)")
        self.folder_button = QPushButton("Image folder…")
        self.folder_button.setToolTip("Images from a folder with one sub-folder per class (PNG, JPEG, BMP): size, "
                                      "colour and augmentation (File ▸ Import image folder…)")
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(10, 100_000)
        self.samples_spin.setSingleStep(100)
        self.noise_spin = DoubleSpinBox()
        self.noise_spin.setRange(0.0, 0.5)
        self.noise_spin.setSingleStep(0.05)
        self.gen_seed_spin = QSpinBox()
        self.gen_seed_spin.setRange(0, 2**31 - 1)
        self.target_combo = QComboBox()
        self.task_combo = QComboBox()
        self.task_combo.addItems(["classification", "regression"])
        self.prep = PreparationFields()
        self.missing_combo, self.scaling_combo = self.prep.missing_combo, self.prep.scaling_combo
        self.validation_spin, self.test_spin = self.prep.validation_spin, self.prep.test_spin
        self.shuffle_check, self.stratify_check = self.prep.shuffle_check, self.prep.stratify_check
        self.split_seed_spin = self.prep.seed_spin
        self.duplicates_check = QCheckBox("Drop duplicate rows")
        # data.target_scaling: a regression target far from unit scale (tens to thousands) stalls training; the
        # network learns it standardised and everything shown or exported is back in the target's units
        self.target_scaling_check = QCheckBox("Standardise the target")
        self.target_scaling_check.setToolTip(
            "Regression: train on (target − mean) / std of the training split; metrics, plots, predictions and "
            "exports stay in the target's own units")
        self.loading = LoadProgress()
        self.progress = self.loading.bar
        self.loading.cancel_clicked.connect(self.cancel_import)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        # the import buttons under the catalogue, not beside it: in one row a narrow settings column cut them off
        import_row = QHBoxLayout()
        import_row.addWidget(self.import_button)
        import_row.addWidget(self.folder_button)
        import_row.addStretch(1)
        self._source_form = form = QFormLayout()
        form.addRow("Source", self.source_combo)
        form.addRow("", import_row)
        form.addRow("Samples", self.samples_spin)
        form.addRow("Noise", self.noise_spin)
        form.addRow("Generator seed", self.gen_seed_spin)
        form.addRow("Target", self.target_combo)
        form.addRow("Task", self.task_combo)
        form.addRow("Missing values", self.missing_combo)
        form.addRow("Scaling", self.scaling_combo)
        form.addRow("Target scaling", self.target_scaling_check)
        form.addRow("Validation", self.validation_spin)
        form.addRow("Test", self.test_spin)
        checks = QHBoxLayout()
        checks.addWidget(self.shuffle_check)
        checks.addWidget(self.stratify_check)
        form.addRow("", checks)
        form.addRow("Split seed", self.split_seed_spin)
        form.addRow("", self.duplicates_check)
        controls = QWidget()
        box = QVBoxLayout(controls)
        box.addLayout(form)
        box.addWidget(self.status_label)
        box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)

        self.summary_model = TextTableModel(self)
        self.summary_table = QTableView()
        self.summary_table.setModel(self.summary_model)
        self.summary_table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.summary_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.summary_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.feature_combo = QComboBox()
        self.feature_combo.setAccessibleName("Histogram feature")
        self.histogram = HistogramPlot()
        self.hist_page = hist_page = QWidget()
        hist_box = QVBoxLayout(hist_page)
        hist_box.setContentsMargins(0, 0, 0, 0)
        hist_box.addWidget(self.feature_combo)
        hist_box.addWidget(self.histogram)
        self.scatter = ScatterPlot()
        self.heatmap = CorrelationHeatmap()
        self.balance = ClassBalancePlot()
        self.image_preview = ImagePreview()  # image folders: a few images per class and the class counts
        self.images = self.image_preview.grid
        self.roles_table = RolesView()
        self.roles_table.roles_model.role_edited.connect(self._role_picked)
        self.views = QTabWidget()
        self.views.addTab(self.roles_table, "Columns")
        self.views.setTabToolTip(0, "What each column is for: the target to predict, a feature, or ignored")
        self.views.addTab(self.summary_table, "Summary")
        self.views.addTab(hist_page, "Histogram")
        self.views.addTab(self.scatter, "Scatter")
        self.views.addTab(self.heatmap, "Correlation")
        self.views.addTab(self.balance, "Class balance")
        self.images_index = self.views.addTab(self.image_preview, "Images")

        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(self.views)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([340, 560])  # the settings need less room than the column roles and plots
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loading)  # above both columns: seen without scrolling the settings
        layout.addWidget(splitter)

        self.source_combo.activated.connect(self._source_picked)
        self.import_button.clicked.connect(self._import_clicked)  # clicked(bool) must not reach the path
        self.folder_button.clicked.connect(lambda: self.import_image_folder())
        for spin in (self.samples_spin, self.gen_seed_spin):
            spin.editingFinished.connect(self._generator_edited)
        self.noise_spin.editingFinished.connect(self._generator_edited)
        self.target_combo.activated.connect(self._target_picked)
        self.feature_combo.currentTextChanged.connect(self._show_histogram)
        self.views.currentChanged.connect(self._draw_deferred)
        for combo in (self.task_combo, self.missing_combo, self.scaling_combo):
            combo.activated.connect(self._settings_edited)
        for spin in (self.validation_spin, self.test_spin, self.split_seed_spin):
            spin.valueChanged.connect(self._settings_edited)
        for check in (self.shuffle_check, self.stratify_check, self.duplicates_check, self.target_scaling_check):
            check.toggled.connect(self._settings_edited)

    # ------------------------------------------------------------------ public API
    def set_config(self, data_cfg: dict, base_dir: str | Path | None) -> None:
        """Show a project's data section (no config_changed is emitted)."""
        self._revert_to = None  # an import being read is dropped: the project's own data comes first
        try:
            self._cfg = resolve_config(copy.deepcopy(data_cfg or {}))
        except DesignerError as e:
            self._cfg = copy.deepcopy(data_cfg or {})
            self._show_error(str(e))
        self._base_dir = Path(base_dir) if base_dir is not None else None
        self._apply_to_widgets()
        self._load()

    def config(self) -> dict:
        return copy.deepcopy(self._cfg)

    def wait_for_load(self, timeout_ms: int = 30_000) -> None:
        """Until no reader runs (a waiting request is started and waited for too)."""
        while True:
            for loader in list(self._loaders):
                loader.wait(timeout_ms)
            if not self._waiting:
                return
            self._loaders = [x for x in self._loaders if not x.isFinished()]
            self._start_loader()

    # ------------------------------------------------------------------ widgets <-> config
    def _apply_to_widgets(self) -> None:
        widgets = [self.source_combo, self.samples_spin, self.noise_spin, self.gen_seed_spin, self.target_combo,
                   self.task_combo, self.missing_combo, self.scaling_combo, self.validation_spin, self.test_spin,
                   self.shuffle_check, self.stratify_check, self.duplicates_check, self.split_seed_spin,
                   self.target_scaling_check]
        for w in widgets:
            w.blockSignals(True)
        cfg = self._cfg
        source = cfg.get("source") or {}
        kind = source.get("kind", "builtin")
        self._remove_file_item()
        if kind == "builtin":
            self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(source.get("name"))))
        else:
            label = f"{kind.upper()}: {Path(str(source.get('path', ''))).name}"
            self.source_combo.addItem(label, CSV_ITEM if kind == "csv" else NPZ_ITEM)
            self.source_combo.setCurrentIndex(self.source_combo.count() - 1)
        info = BUILTIN_DATASETS.get(source.get("name")) if kind == "builtin" else None
        generated = bool(info and info.generated)
        for w in (self.samples_spin, self.noise_spin, self.gen_seed_spin):
            w.setEnabled(generated)
            # only a generated dataset has them: three greyed rows over a CSV pushed the split settings
            # out of a 1280×720 window's view
            self._source_form.setRowVisible(w, generated)
        self.samples_spin.setValue(int(source.get("samples", GENERATED_DEFAULTS["samples"])))
        self.noise_spin.setValue(float(source.get("noise", GENERATED_DEFAULTS["noise"])))
        self.gen_seed_spin.setValue(int(source.get("seed", GENERATED_DEFAULTS["seed"]) or 0))
        self.task_combo.setCurrentText(cfg.get("task") or "classification")
        self.prep.load(cfg)
        self.duplicates_check.setChecked(bool(cfg.get("drop_duplicates", False)))
        self.target_scaling_check.setChecked(cfg.get("target_scaling", "standard") == "standard")
        self.target_scaling_check.setEnabled(cfg.get("task") == "regression")  # classification ignores it
        self.target_combo.clear()
        if cfg.get("target"):
            self.target_combo.addItem(cfg["target"])
        for w in widgets:
            w.blockSignals(False)

    def _remove_file_item(self) -> None:
        for i in range(self.source_combo.count() - 1, -1, -1):
            if self.source_combo.itemData(i) in (CSV_ITEM, NPZ_ITEM):
                self.source_combo.removeItem(i)

    def _source_picked(self, index: int) -> None:
        name = self.source_combo.itemData(index)
        if name in (CSV_ITEM, NPZ_ITEM, None):
            return
        info = BUILTIN_DATASETS[name]
        source = {"kind": "builtin", "name": name}
        if info.generated:
            source.update(samples=self.samples_spin.value(), noise=self.noise_spin.value(),
                          seed=self.gen_seed_spin.value())
        cfg = {k: v for k, v in self._cfg.items() if k not in ("features", "target", "task")}
        cfg.update(source=source, target=info.target, task=info.task)
        self._user_changed(cfg)

    def _generator_edited(self) -> None:
        source = dict(self._cfg.get("source") or {})
        info = BUILTIN_DATASETS.get(source.get("name"))
        if not (source.get("kind") == "builtin" and info and info.generated):
            return
        new = dict(source, samples=self.samples_spin.value(), noise=round(self.noise_spin.value(), 4),
                   seed=self.gen_seed_spin.value())
        if new != source:
            self._user_changed(dict(self._cfg, source=new))

    def _target_picked(self, index: int) -> None:
        target = self.target_combo.itemText(index)
        if target and target != self._cfg.get("target"):
            cfg = dict(self._cfg, target=target)
            if self.df is not None and target in self.df.columns:  # many different numbers: regression
                cfg["task"] = infer_task(self.df[target])
            features = [f for f in (cfg.get("features") or []) if f != target]
            if features:
                cfg["features"] = features
            else:
                cfg.pop("features", None)
            self._user_changed(cfg)

    def _settings_edited(self, *_args) -> None:
        cfg = dict(self._cfg)
        cfg.update(task=self.task_combo.currentText(), **self.prep.values())
        if self.target_scaling_check.isEnabled():
            cfg["target_scaling"] = "standard" if self.target_scaling_check.isChecked() else "none"
        if self.duplicates_check.isChecked():
            cfg["drop_duplicates"] = True
        else:
            cfg.pop("drop_duplicates", None)
        if cfg != self._cfg:
            self._user_changed(cfg)

    def _user_changed(self, cfg: dict, *, import_: bool = False) -> None:
        """Any edit re-reads on the thread: the table is cached for builtins, and the trial preparation
        (split sizes, warnings) must follow every setting. An imported file (`import_`) reaches the project
        only once it is read (or fails to be), so that Cancel can leave everything as it was."""
        if import_:
            if self._revert_to is None:
                self._revert_to = self._cfg
        elif self._revert_to is not None:  # an edit during an import: the import is the project's now
            self._commit_import()
        self._cfg = cfg
        self._apply_to_widgets()
        if not import_:
            self.config_changed.emit(self.config())
        self._load()
        if import_:
            self._import_request = self._request
            self.loading.start(cancellable=True)

    def _commit_import(self) -> None:
        if self._revert_to is not None:
            self._revert_to = None
            self.config_changed.emit(self.config())

    def cancel_import(self) -> None:
        """Stop reading the file being imported; the config, data and views go back to what they were."""
        if self._revert_to is None:
            return
        self.loading.stopping()
        for loader in self._loaders:
            if loader.request >= self._import_request:
                loader.cancel_requested = True
        self._cfg, self._revert_to = self._revert_to, None
        self._waiting = False
        self._apply_to_widgets()
        self._request += 1  # whatever the cancelled reader still sends is stale
        if self._shown_cfg is not None and self._cfg == self._shown_cfg and self.df is not None:
            self.loading.finish()
            self._fill_target_combo()
            self.status_label.setText(f"{self._shown_status}\nImport cancelled: the data shown is unchanged.")
            self.import_cancelled.emit()
        else:  # the table shown was not yet the one these settings describe: read that one
            self._load()

    def _import_clicked(self) -> None:
        self.import_file()

    def ask_data_path(self) -> str:
        start = str(self._base_dir) if self._base_dir is not None else ""
        path, _ = QFileDialog.getOpenFileName(self, "Import data", start, DATA_FILES,
                                              options=QFileDialog.Option.DontUseNativeDialog)
        return path

    def import_file(self, path: str = "") -> bool:
        """Ask for a file (when no path is given); a table goes through the import dialog (preview, roles),
        an NPZ archive of arrays `x` and `y` is taken as it is."""
        path = path or self.ask_data_path()
        if not path:
            return False
        if Path(path).suffix.lower() == ".npz":
            cfg = {k: v for k, v in self._cfg.items() if k not in ("source", "features", "target", "task")}
            cfg.update(source={"kind": "npz", "path": self._relative(path)}, target="y")
            self._user_changed(cfg, import_=True)
            return True
        return self.import_csv(path)

    def import_image_folder(self, path: str = "") -> bool:
        """The image-folder dialog (pre-filled with the current folder source, or `path`); True when accepted.
        The pixels are already in [0, 1], so the features are not scaled again."""
        source = dict(self._cfg.get("source") or {})
        if source.get("kind") != "images":
            source = {}
        if path:
            source["path"] = path
        dialog = ImageFolderDialog(self, source, self._base_dir)
        if not dialog.exec():
            return False
        new = dialog.source()
        new["path"] = self._relative(str(resolve_path(new["path"], self._base_dir)))
        cfg = {k: v for k, v in self._cfg.items() if k not in ("source", "features", "target", "task", "roles")}
        cfg.update(source=new, target=IMAGE_TARGET, task="classification", scaling="none")
        self._show_images_next = True
        self._user_changed(cfg)
        return True

    def import_csv(self, path: str = "") -> bool:
        dialog = ImportDialog(self, path, self._cfg, self._base_dir)
        if not dialog.exec():
            return False
        self._user_changed(dialog.data_config(), import_=True)
        return True

    def _relative(self, path: str) -> str:
        if self._base_dir is not None:
            try:
                return Path(path).resolve().relative_to(self._base_dir.resolve()).as_posix()
            except ValueError:
                pass
        return str(Path(path).resolve())

    # ------------------------------------------------------------------ column roles
    def _fill_roles(self) -> None:
        """One row per column with its role (target / feature / ignore), editable at any time; a model the
        view draws on demand, so a 784-column table costs no more than a 7-column one."""
        columns = [str(c) for c in self.df.columns]
        roles = roles_of(columns, self._cfg.get("target"), self._cfg.get("features"))
        notes = self.origin.get("notes", {})
        summary = self.origin.get("summary")
        about = {}
        if summary is not None:
            kinds, unique, missing = (summary[k].to_dict() for k in ("kind", "unique", "missing"))
        for col in columns:
            parts = []
            if summary is not None and col in kinds:
                parts.append(f"{kinds[col]}, {int(unique[col]):,} values")
                if missing[col]:
                    parts.append(f"{int(missing[col]):,} missing")
            if col in notes:
                parts.append(notes[col])
            about[col] = "; ".join(parts)
        self.roles_table.roles_model.set_rows(columns, roles, about)

    def role_combo(self, column: str) -> QComboBox:
        """The role editor of `column`, opened as a click on its role cell opens it."""
        return self.roles_table.editor_for(column)

    def role_of(self, column: str) -> str:
        model = self.roles_table.roles_model
        model.row_of(column)  # KeyError for a column the table does not show
        return model.roles[column]

    def _role_picked(self, column: str, role: str) -> None:
        columns = [str(c) for c in self.df.columns]
        roles = roles_of(columns, self._cfg.get("target"), self._cfg.get("features"))
        if roles[column] == role:
            return
        if role == "target":  # one target: the old one becomes a feature
            roles = {c: "feature" if r == "target" else r for c, r in roles.items()}
        roles[column] = role
        cfg = apply_roles(self._cfg, roles)
        if role == "target":
            cfg["task"] = infer_task(self.df[column])
        self._user_changed(cfg)

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        """Read on a thread; one reader at a time (pandas crashed with two preparing tables at once), the
        newest request waiting for the running one."""
        self._request += 1
        self.loading.start(cancellable=self._revert_to is not None)
        self.status_label.setText("Reading the data…")
        if any(loader.isRunning() for loader in self._loaders):
            self._waiting = True
            return
        self._start_loader()

    def _start_loader(self) -> None:
        self._waiting = False
        loader = TableLoader(self._request, self._cfg, self._base_dir)
        loader.loaded.connect(self._loaded)
        loader.failed.connect(self._failed)
        loader.progressed.connect(self._progressed)
        loader.finished.connect(self._loader_finished)
        _LIVE_LOADERS.add(loader)
        self._loaders.append(loader)
        loader.start()

    def _loader_finished(self) -> None:
        for loader in [x for x in self._loaders if x.isFinished()]:
            _LIVE_LOADERS.discard(loader)
            self._loaders.remove(loader)
        if self._waiting and not self._loaders:
            self._start_loader()

    def _loaded(self, request: int, df, origin: dict) -> None:
        if request != self._request:
            return  # an older request finished after a newer one was made
        self._commit_import()
        self.loading.finish()
        self.df, self.origin = df, origin
        self._shown_cfg = copy.deepcopy(self._cfg)
        self._fill_target_combo()
        self._fill_roles()
        self._refresh_views()
        if self._show_images_next and self.views.isTabEnabled(self.images_index):
            self._show_images_next = False  # a folder just imported: its preview first
            self.views.setCurrentIndex(self.images_index)
        self.table_loaded.emit()

    def _failed(self, request: int, message: str) -> None:
        if request != self._request:
            return
        self._commit_import()  # a file that cannot be read still becomes the source, its error shown
        self.loading.finish()
        self.df = None
        self._shown_cfg = None
        self._show_error(message)
        self.load_failed.emit(message)

    def _progressed(self, request: int, percent: int, text: str) -> None:
        if request == self._request:
            self.loading.set_percent(percent, text)

    def _show_error(self, message: str) -> None:
        self.status_label.setText(f"⚠ {message}")

    def _fill_target_combo(self) -> None:
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems([str(c) for c in self.df.columns])
        target = self._cfg.get("target")
        if target in self.df.columns:
            self.target_combo.setCurrentText(target)
        self.target_combo.blockSignals(False)

    # ------------------------------------------------------------------ views
    def _refresh_views(self) -> None:
        df = self.df
        if df is None:
            return
        target = self._cfg.get("target")
        total = self.origin.get("total_rows", len(df))
        lines = [f"{total:,} rows × {df.shape[1]} columns"]
        if total > len(df):
            lines.append(f"plots show a random sample of {len(df):,} rows")
        if "csv" in self.origin:
            csv_info = self.origin["csv"]
            delim = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(csv_info["delimiter"], "?")
            lines.append(f"{delim}-separated, {csv_info['encoding']}")
        if "prepare_error" in self.origin:
            lines.append(f"⚠ {self.origin['prepare_error']}")
        elif "prepared" in self.origin:
            prepared = self.origin["prepared"]
            splits = prepared["report"].get("splits", {})
            lines.append(f"prepared: {prepared['features']} input features; train {splits.get('train', 0):,}, "
                         f"validation {splits.get('validation', 0):,}, test {splits.get('test', 0):,} rows")
            lines.extend(f"• {w}" for w in prepared["report"].get("warnings", [])[:6])
        self._shown_status = "\n".join(lines)
        self.status_label.setText(self._shown_status)
        self._fill_summary(self.origin.get("summary"))
        views = self.origin.get("views") or data_overview(df, target, self._cfg.get("task", "classification"))
        features = views["features"]
        self.feature_combo.blockSignals(True)
        keep = self.feature_combo.currentText()
        self.feature_combo.clear()
        self.feature_combo.addItems(features)
        if keep in features:
            self.feature_combo.setCurrentText(keep)
        self.feature_combo.blockSignals(False)
        labels, classes = views["labels"], views["classes"]
        self.balance.show_counts(classes, views["counts"])
        names, matrix, caption = views["correlation"]
        # a wide table draws only the tab on show, each other one when it is opened: one long stall of the
        # window becomes a short one per click
        self._deferred = {}
        wide = df.shape[1] > WIDE_TABLE_COLUMNS
        for page, draw in ((self.hist_page, lambda: self._show_histogram(self.feature_combo.currentText())),
                           (self.scatter, lambda: self.scatter.set_data(views["scatter"], labels, classes)),
                           (self.heatmap, lambda: self._show_correlation(names, matrix, caption))):
            if wide and self.views.currentWidget() is not page:
                self._deferred[page] = draw
            else:
                draw()
        self._show_images(df, features, labels)

    def _draw_deferred(self, _index: int = -1) -> None:
        draw = self._deferred.pop(self.views.currentWidget(), None)
        if draw is not None:
            draw()

    def _show_correlation(self, names: list[str], matrix, caption: str) -> None:
        self.heatmap.show_matrix(names, matrix)
        self.heatmap.plot.getPlotItem().setTitle(caption or "Correlation")

    def _fill_summary(self, summary) -> None:
        if summary is None:
            summary = summarize(self.df)
        headers = ["kind", "count", "missing", "unique", "mean", "std", "min", "max"]
        cells = [[_cell(value) for value in row] for row in summary[headers].itertuples(index=False)]
        self.summary_model.set_table(headers, [str(c) for c in summary.index], cells)

    def _show_histogram(self, feature: str) -> None:
        if self.df is None or feature not in self.df.columns:
            return
        target = self._cfg.get("target")
        classification = target in self.df.columns and self._cfg.get("task", "classification") == "classification"
        edges, counts = histogram(self.df, feature, target if classification else None)
        self.histogram.show_histogram(feature, edges, counts)

    def _show_images(self, df, features: list[str], labels) -> None:
        shape = self.origin.get("image_shape")
        usable = bool(shape) and int(np.prod(shape)) == len(features)
        self.views.setTabEnabled(self.images_index, usable)
        if not usable:
            self.images.show_images(np.zeros((0, 1, 1)))
            return
        if self.origin.get("kind") == "images" and labels is not None:
            pixels = df[features].to_numpy(dtype=np.float32).reshape((len(df), *shape))
            self.image_preview.show_folder(pixels, labels, self.origin)
            return
        n = min(len(df), self.images.columns * self.images.rows)
        pixels = df[features].iloc[:n].to_numpy(dtype=np.float32).reshape((n, *shape))
        self.image_preview.show_rows(pixels, None if labels is None else [str(v) for v in labels[:n]])
