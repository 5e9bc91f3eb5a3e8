"""Training settings and run controls: a view of the project's `training` settings.

It shows a settings dict (`set_training` / `show_training`) and reports each edit as a whole new dict
(`settings_edited`); the session turns that into an undoable step and tells the panel back. It never writes
the project itself.

Everything is disabled while a run is going except the controls that make sense then: Pause/Resume, Step,
Stop and the learning rate, which is passed live to the trainer (`learning_rate_changed`).
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.engine.registry import LOSSES, OPTIMIZERS, ParamSpec
from designer.errors import ParamError
from designer.training import schedules
from designer.training.settings import TRAINING_SPECS
from designer.ui import theme
from designer.ui.engine_choice import EngineChoice
from designer.ui.numbers import format_float, parse_float
from designer.ui.strict_spin import StrictSpinBox

# The schedule types and their parameter specs come from the training core (one source of truth).
SCHEDULES: dict[str, tuple[str, tuple[ParamSpec, ...]]] = {"none": ("Constant", ())}
SCHEDULES.update(
    {name: (name.replace("_", " ").capitalize(), specs) for name, specs in schedules.SCHEDULE_PARAMS.items()}
)


class FloatEdit(QLineEdit):
    """A line edit for one float ParamSpec: shows `%g`, validates with the spec, turns red with the reason."""

    value_changed = Signal(float)
    checked = Signal()  # after every commit, valid or not: the pre-flight re-checks

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value = float(spec.default if spec.default is not None else 0.0)
        self.error: str | None = None  # why the typed text is not a valid value (it then blocks Train)
        self.setText(format_float(self._value))
        self.setMaximumWidth(110)
        self.setMinimumWidth(60)
        self.setToolTip(spec.doc or spec.name)
        self.editingFinished.connect(self._commit)

    def value(self) -> float:
        return self._value

    def setValue(self, value: float) -> None:  # noqa: N802 (Qt naming)
        self._value = float(value)
        self.setText(format_float(self._value))
        self._mark(None)

    def _commit(self) -> None:
        text = self.text().strip()
        try:
            value = self.spec.coerce(parse_float(text))
        except ValueError:
            self._mark(f"{self.spec.name}: must be a number, got {text!r}")
        except ParamError as exc:
            self._mark(f"{self.spec.name} {exc}")
        else:
            self._mark(None)
            if value != self._value:
                self._value = value
                self.value_changed.emit(value)
        self.checked.emit()

    def _mark(self, error: str | None) -> None:
        self.error = error
        # The app palette's base when valid (light or dark theme), a red tint of the theme when not.
        self.setPalette(QPalette())
        if error:
            pal = self.palette()
            pal.setColor(QPalette.ColorRole.Base, QColor(theme.current_colours()["invalid"]))
            self.setPalette(pal)
        self.setToolTip(error or self.spec.doc or self.spec.name)


# The speed control's stops, slowest first: seconds each batch waits, and what that means to a person.
SPEEDS: tuple[tuple[float, str], ...] = (
    (1.0, "1 batch/s"), (0.3, "3 batches/s"), (0.1, "10 batches/s"), (0.03, "30 batches/s"),
    (0.01, "100 batches/s"), (0.002, "500 batches/s"), (0.0, "full speed"))


class TrainingPanel(QWidget):
    """Signals: settings_edited(dict) after any edit, with the whole new settings; the buttons' requests; and
    learning_rate_changed(float) (also emitted while a run is going, for the live update)."""

    settings_edited = Signal(dict)
    train_requested = Signal()      # from scratch: fresh random weights
    continue_requested = Signal()   # from the weights the last run left
    pause_requested = Signal()
    resume_requested = Signal()
    step_batch_requested = Signal()
    step_epoch_requested = Signal()
    stop_requested = Signal()
    reset_requested = Signal()
    learning_rate_changed = Signal(float)
    fields_checked = Signal()  # a typed number was committed (valid or not)
    speed_changed = Signal(float)  # seconds each batch waits (0: full speed); live, also during a run
    field_refused = Signal(str)  # a typed whole number outside its range: why it was not applied

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cfg: dict = {}
        self._loading = False
        self._state = "idle"
        self._has_weights = False
        self._opt_edits: dict[str, QWidget] = {}
        self._sched_edits: dict[str, QWidget] = {}

        # Optimisation group
        self.loss = QComboBox()
        for name, choice in LOSSES.items():
            self.loss.addItem(choice.label, name)
            self.loss.setItemData(self.loss.count() - 1, choice.description, Qt.ItemDataRole.ToolTipRole)
        self.optimizer = QComboBox()
        for name, choice in OPTIMIZERS.items():
            self.optimizer.addItem(choice.label, name)
            self.optimizer.setItemData(self.optimizer.count() - 1, choice.description, Qt.ItemDataRole.ToolTipRole)
        lr_spec = next(p for p in OPTIMIZERS["sgd"].params if p.name == "learning_rate")
        self.learning_rate = FloatEdit(lr_spec)
        self.loss_params = QWidget()
        self._loss_form = QFormLayout(self.loss_params)
        self._loss_form.setContentsMargins(0, 0, 0, 0)
        self._loss_edits: dict[str, QWidget] = {}
        self.opt_params = QWidget()
        self._opt_form = QFormLayout(self.opt_params)
        self._opt_form.setContentsMargins(0, 0, 0, 0)
        opt_box = QGroupBox("Optimisation")
        form = QFormLayout(opt_box)
        form.addRow("Loss", self.loss)
        form.addRow(self.loss_params)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow(self.opt_params)

        # Run group
        # Ranges and tips from the one settings table the validator and trainer read too.
        self.epochs = _spin(TRAINING_SPECS["epochs"])
        self.batch_size = _spin(TRAINING_SPECS["batch_size"])
        self.seed = _spin(TRAINING_SPECS["seed"])
        self.seed.setMinimumWidth(70)
        for spin in (self.epochs, self.batch_size, self.seed):
            spin.setMaximumWidth(110)
        for combo in (self.loss, self.optimizer):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(22)
        self.l1 = FloatEdit(TRAINING_SPECS["l1"])
        self.l2 = FloatEdit(TRAINING_SPECS["l2"])
        self.early = QCheckBox("Early stopping, patience")
        self.patience = _spin(TRAINING_SPECS["patience"])
        self.patience.setValue(TRAINING_SPECS["patience"].default)
        early_row = QHBoxLayout()
        early_row.addWidget(self.early)
        early_row.addWidget(self.patience)
        early_row.addStretch(1)
        self.schedule = QComboBox()
        self.schedule.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.schedule.setMinimumContentsLength(12)
        for name, (label, _) in SCHEDULES.items():
            self.schedule.addItem(label, name)
        self.sched_params = QWidget()
        self._sched_form = QFormLayout(self.sched_params)
        self._sched_form.setContentsMargins(0, 0, 0, 0)
        run_box = QGroupBox("Run")
        run_form = QFormLayout(run_box)
        run_form.addRow("Epochs", _row(self.epochs, "Batch size", self.batch_size))
        run_form.addRow("Seed", self.seed)
        run_form.addRow("L1", _row(self.l1, "L2", self.l2))
        run_form.addRow(early_row)
        run_form.addRow("LR schedule", self.schedule)
        run_form.addRow(self.sched_params)
        self.engine = EngineChoice()  # NumPy or PyTorch (only where torch is installed)
        if EngineChoice.wanted():
            run_form.addRow("Engine", self.engine)

        # Buttons
        self.train_btn = QPushButton("Train from scratch")
        self.train_btn.setObjectName("primary")
        self.train_btn.setToolTip("Start from fresh random weights (F5): runs ticked for comparison start alike")
        self.continue_btn = QPushButton("Continue training")
        self.continue_btn.setToolTip("Go on from the weights the last run left (Ctrl+F5)")
        self.continue_btn.setEnabled(False)
        self.pause_btn = QPushButton("Pause")
        self.step_batch_btn = QPushButton("Step batch")
        self.step_epoch_btn = QPushButton("Step epoch")
        self.stop_btn = QPushButton("Stop")
        self.reset_btn = QPushButton("Reset weights")
        self.reset_btn.setToolTip("Forget the trained weights: the next run starts from fresh random weights")
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m")
        self.progress.setToolTip("epochs done / epochs")
        self.progress.setValue(0)
        buttons = QVBoxLayout()
        for b in (self.train_btn, self.continue_btn, self.pause_btn, self.step_batch_btn, self.step_epoch_btn,
                  self.stop_btn, self.reset_btn):
            b.setMinimumWidth(b.sizeHint().width())  # never cut a button's label
            buttons.addWidget(b)
        buttons.addWidget(self.progress)
        # Speed: slows a small network down to watch it learn (boundary, neurons, curves); not saved with
        # the project, and it never changes what is learnt, only when.
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setValue(len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed.setToolTip("Training speed: slow a small network down to watch it learn (also while it runs)")
        self.speed_label = QLabel()
        buttons.addWidget(self.speed_label)
        buttons.addWidget(self.speed)
        self._speed_moved(self.speed.value())
        buttons.addStretch(1)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self._groups = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._groups.addWidget(opt_box, 3)
        self._groups.addWidget(run_box, 3)
        layout.addLayout(self._groups, 6)
        layout.addLayout(buttons, 1)

        # Wiring
        self._watch_fields()
        self.loss.currentIndexChanged.connect(self._loss_changed)
        self.optimizer.currentIndexChanged.connect(self._optimizer_changed)
        self.learning_rate.value_changed.connect(self._lr_changed)
        for w in (self.epochs, self.batch_size, self.seed, self.patience):
            w.valueChanged.connect(self._write)
        self.l1.value_changed.connect(self._write)
        self.l2.value_changed.connect(self._write)
        self.early.toggled.connect(self._write)
        self.schedule.currentIndexChanged.connect(self._schedule_changed)
        self.engine.currentIndexChanged.connect(self._write)
        self.train_btn.clicked.connect(self.train_requested)
        self.continue_btn.clicked.connect(self.continue_requested)
        self.pause_btn.clicked.connect(self._pause_clicked)
        self.step_batch_btn.clicked.connect(self.step_batch_requested)
        self.step_epoch_btn.clicked.connect(self.step_epoch_requested)
        self.stop_btn.clicked.connect(self.stop_requested)
        self.reset_btn.clicked.connect(self.reset_requested)
        self.speed.valueChanged.connect(self._speed_moved)
        self.set_state("idle")

    # ------------------------------------------------------------------ public
    def show_training(self, cfg: dict) -> None:
        """Follow the session: show `cfg` unless it is what this panel just reported (its own edit)."""
        if cfg != self._cfg:
            self.set_training(cfg)

    def set_training(self, cfg: dict) -> None:
        """Show `cfg` (the project's training settings; never modified here)."""
        self._cfg = copy.deepcopy(cfg)
        self._loading = True
        try:
            _select(self.loss, cfg.get("loss", "categorical_crossentropy"))
            self._build_loss_params(cfg.get("loss_params") or {})
            opt = cfg.get("optimizer") or {"type": "sgd"}
            _select(self.optimizer, opt.get("type", "sgd"))
            self._build_opt_params(opt)
            self.learning_rate.setValue(opt.get("learning_rate", 0.01))
            self.epochs.setValue(int(cfg.get("epochs", 50)))
            self.set_progress(0, self.epochs.value())
            self.batch_size.setValue(int(cfg.get("batch_size", 32)))
            self.seed.setValue(int(cfg.get("seed") or 0))
            reg = cfg.get("regularization") or {}
            self.l1.setValue(reg.get("l1", 0.0))
            self.l2.setValue(reg.get("l2", 0.0))
            early = cfg.get("early_stopping")
            self.early.setChecked(bool(early))
            if early:
                self.patience.setValue(int(early.get("patience", 5)))
            sched = cfg.get("schedule") or {"type": "none"}
            _select(self.schedule, sched.get("type", "none"))
            self._build_sched_params(sched)
            self.engine.show_setting(cfg)
        finally:
            self._loading = False

    def set_state(self, state: str) -> None:
        """"idle" | "running" | "paused": enable what makes sense."""
        self._state = state
        busy = state != "idle"
        for w in (self.loss, self.loss_params, self.optimizer, self.opt_params, self.epochs, self.batch_size,
                  self.seed, self.l1, self.l2, self.early, self.patience, self.schedule, self.sched_params,
                  self.reset_btn, self.engine):
            w.setEnabled(not busy)
        self.learning_rate.setEnabled(True)
        self.train_btn.setEnabled(not busy)
        self.continue_btn.setEnabled(not busy and self._has_weights)
        self.pause_btn.setEnabled(busy)
        self.pause_btn.setText("Resume" if state == "paused" else "Pause")
        self.stop_btn.setEnabled(busy)
        # Stepping from idle starts a held run; while running it first needs a pause.
        self.step_batch_btn.setEnabled(state != "running")
        self.step_epoch_btn.setEnabled(state != "running")

    def fit_width(self, width: int) -> None:
        """In a narrow dock the two groups stack (a vertical scroll beats cutting the Run group off)."""
        narrow = width < 860
        wanted = QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        if self._groups.direction() != wanted:
            self._groups.setDirection(wanted)

    def set_has_weights(self, has: bool) -> None:
        """Continue training needs weights from an earlier run."""
        self._has_weights = has
        self.continue_btn.setEnabled(has and self._state == "idle")

    def set_progress(self, epoch: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(epoch, max(total, 1)))

    def batch_delay(self) -> float:
        return SPEEDS[self.speed.value()][0]

    # --------------------------------------------------------------- internals
    def _speed_moved(self, index: int) -> None:
        self.speed_label.setText(f"Speed: {SPEEDS[index][1]}" if SPEEDS[index][0] == 0 else
                                 f"Speed: at most {SPEEDS[index][1]}")
        self.speed_changed.emit(SPEEDS[index][0])

    def _pause_clicked(self) -> None:
        (self.resume_requested if self._state == "paused" else self.pause_requested).emit()

    def _lr_changed(self, lr: float) -> None:
        self._write()
        self.learning_rate_changed.emit(lr)

    def _loss_changed(self) -> None:
        if self._loading:
            return
        self._build_loss_params({})
        self._write()

    def _build_loss_params(self, values: dict) -> None:
        self._loss_edits = _build_form(self._loss_form, LOSSES[self.loss.currentData()].params, values, self._write)
        self._watch_fields()

    def _optimizer_changed(self) -> None:
        if self._loading:
            return
        self._build_opt_params({"type": self.optimizer.currentData()})
        self._write()

    def _schedule_changed(self) -> None:
        if self._loading:
            return
        self._build_sched_params({"type": self.schedule.currentData()})
        self._write()

    def _build_opt_params(self, opt: dict) -> None:
        self._opt_edits = _build_form(self._opt_form, OPTIMIZERS[opt.get("type", "sgd")].params, opt,
                                      self._write, skip=("learning_rate",))
        self._watch_fields()

    def _build_sched_params(self, sched: dict) -> None:
        kind = sched.get("type", "none")
        self._sched_edits = _build_form(self._sched_form, SCHEDULES.get(kind, SCHEDULES["none"])[1], sched,
                                        self._write)
        self._watch_fields()

    def _watch_fields(self) -> None:
        for spin in self.findChildren(StrictSpinBox):
            if not spin.property("watched"):
                spin.setProperty("watched", True)
                spin.refused.connect(self.field_refused)
        for edit in self.findChildren(FloatEdit):
            if not edit.property("watched"):
                edit.setProperty("watched", True)
                edit.checked.connect(self.fields_checked)

    def field_errors(self) -> list[str]:
        """Typed numbers that are not valid values (shown pink): a field holds a valid value or blocks Train."""
        return [e.error for e in self.findChildren(FloatEdit) if e.error and e.isVisibleTo(self)]

    def _write(self, *_: Any) -> None:
        if self._loading:
            return
        cfg = copy.deepcopy(self._cfg)  # unknown keys ride along
        cfg["loss"] = self.loss.currentData()
        if self._loss_edits:
            cfg["loss_params"] = _values(self._loss_edits)
        else:
            cfg.pop("loss_params", None)
        opt = {"type": self.optimizer.currentData(), "learning_rate": self.learning_rate.value()}
        opt.update(_values(self._opt_edits))
        cfg["optimizer"] = opt
        cfg["epochs"] = self.epochs.value()
        cfg["batch_size"] = self.batch_size.value()
        cfg["seed"] = self.seed.value()
        cfg["regularization"] = {"l1": self.l1.value(), "l2": self.l2.value()}
        cfg["early_stopping"] = ({"monitor": "val_loss", "patience": self.patience.value(),
                                  "restore_best_weights": True} if self.early.isChecked() else None)
        kind = self.schedule.currentData()
        if kind == "none":
            cfg.pop("schedule", None)
        else:
            cfg["schedule"] = {"type": kind, **_values(self._sched_edits)}
        if EngineChoice.wanted():
            self.engine.write_setting(cfg)
        if cfg != self._cfg:
            if self._state == "idle" and cfg.get("epochs") != self._cfg.get("epochs"):
                self.set_progress(0, int(cfg["epochs"]))  # "0 / 50" after choosing 500 epochs was stale
            self._cfg = cfg
            self.settings_edited.emit(copy.deepcopy(cfg))


def _spin(spec: ParamSpec) -> QSpinBox:
    """A spin box for one int spec; QSpinBox holds at most 2**31 - 1. A number outside the range is refused
    with the reason (`refused`), never quietly turned into another one."""
    spin = StrictSpinBox(spec.name.replace("_", " "))
    spin.setRange(int(spec.minimum or 0), min(int(spec.maximum if spec.maximum is not None else 2**31 - 1), 2**31 - 1))
    spin.setToolTip(spec.doc or spec.name)
    return spin


def _row(first: QWidget, label: str, second: QWidget) -> QWidget:
    """Two editors on one form row: `first  label second`."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(first)
    row.addWidget(QLabel(label))
    row.addWidget(second)
    row.addStretch(1)
    return box


def _select(combo: QComboBox, data: str) -> None:
    idx = combo.findData(data)
    if idx >= 0:
        combo.setCurrentIndex(idx)


def _build_form(form: QFormLayout, specs: tuple[ParamSpec, ...], values: dict, on_change,
                skip: tuple[str, ...] = ()) -> dict[str, QWidget]:
    """Replace the rows of `form` with one editor per spec; returns name → editor."""
    while form.rowCount():
        form.removeRow(0)
    edits: dict[str, QWidget] = {}
    for spec in specs:
        if spec.name in skip:
            continue
        value = values.get(spec.name, spec.default)
        if spec.kind == "bool":
            w = QCheckBox()
            w.setChecked(bool(value))
            w.toggled.connect(on_change)
        elif spec.kind == "choice":
            w = QComboBox()
            for c in spec.all_choices():
                w.addItem(c, c)
            _select(w, value)
            w.currentIndexChanged.connect(on_change)
        elif spec.kind == "int":
            w = StrictSpinBox(spec.name.replace("_", " "))
            w.setRange(int(spec.minimum or 0), int(spec.maximum or 1_000_000))
            w.setValue(int(value))
            w.valueChanged.connect(on_change)
        else:
            w = FloatEdit(spec)
            w.setValue(value)
            w.value_changed.connect(on_change)
        w.setToolTip(spec.doc or spec.name)
        form.addRow(spec.name.replace("_", " "), w)
        edits[spec.name] = w
    return edits


def _values(edits: dict[str, QWidget]) -> dict:
    out = {}
    for name, w in edits.items():
        if isinstance(w, QCheckBox):
            out[name] = w.isChecked()
        elif isinstance(w, QComboBox):
            out[name] = w.currentData()
        elif isinstance(w, QSpinBox):
            out[name] = w.value()
        else:
            out[name] = w.value()
    return out
