"""The open project, without Qt: the one place that holds it and the one way to change its settings.

Views subscribe to the signals below and show what they are told; they never write the project themselves.
Graph edits are the graph's own (its signals); settings edits (`edit_data`, `edit_training`) are commands on
the same undo stack, so Undo covers them. "Modified" is derived: the stack is not at its clean index, or
something that is not undoable happened (a training run recorded its weights and history, weights reset).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from designer.errors import DesignerError
from designer.graph.model import Analysis
from designer.graph.signal import Signal
from designer.project.model import Project
from designer.session.undo import Command, UndoStack

SECTIONS = ("data", "training")


def changed_fields(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted names of what differs between two settings dicts ("optimizer.learning_rate", "epochs" …)."""
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if old == new else [prefix.rstrip(".") or "value"]
    out: list[str] = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and not prefix:
            out.extend(changed_fields(a, b, f"{key}."))
        else:
            out.append(f"{prefix}{key}")
    return out


def _readable(fields: list[str]) -> list[str]:
    """What an Edit menu says: "optimizer" when its type changed (its own parameters follow), else the last
    part of each name in words ("optimizer.learning_rate" → "learning rate")."""
    kinds = {f.removesuffix(".type") for f in fields if f.endswith(".type")}
    words: list[str] = []
    for f in fields:
        head, _, last = f.rpartition(".")
        if head in kinds and last != "type":
            continue
        word = (head if last == "type" else last).replace("_", " ")
        if word not in words:
            words.append(word)
    return words


class EditSettings(Command):
    """Replace the project's `data` or `training` section. Consecutive edits of the same fields (a spin box
    stepping, a number typed twice) merge into one step; edited back to the start, the step disappears."""

    def __init__(self, session: ProjectSession, section: str, new: dict) -> None:
        if section not in SECTIONS:
            raise ValueError(f"no settings section {section!r}")
        self.session, self.section = session, section
        self.old = copy.deepcopy(getattr(session.project, section))
        self.new = copy.deepcopy(new)
        self.fields = changed_fields(self.old, self.new)
        words = _readable(self.fields)
        self.text = "Set " + ", ".join(words[:3]) + ("…" if len(words) > 3 else "")

    def redo(self) -> None:
        self.session._set_section(self.section, copy.deepcopy(self.new))

    def undo(self) -> None:
        self.session._set_section(self.section, copy.deepcopy(self.old))

    def merge_with(self, later: Command) -> bool:
        if not isinstance(later, EditSettings) or later.session is not self.session:
            return False
        if later.section != self.section or later.fields != self.fields or not self.fields:
            return False
        self.new = later.new
        return True

    @property
    def obsolete(self) -> bool:
        return self.new == self.old


class ProjectSession:
    """Signals (plain, synchronous): `replaced(project)` when another project is opened; `data_changed(data)`,
    `training_changed(training)` after every settings edit, undo or redo; `input_shape_changed(shape)` when
    the derived input shape is recomputed; `dirty_changed(bool)`; `run_recorded(run)`; `weights_changed()`.
    """

    def __init__(self, project: Project | None = None, path: str | Path | None = None,
                 stack: Any = None) -> None:
        self.stack = stack if stack is not None else UndoStack()
        self.replaced = Signal()
        self.data_changed = Signal()
        self.training_changed = Signal()
        self.input_shape_changed = Signal()
        self.dirty_changed = Signal()
        self.run_recorded = Signal()
        self.weights_changed = Signal()
        self.project: Project = project or Project()
        self.path: str | None = str(path) if path else None
        self.input_shape: tuple[int, ...] | None = None
        self.input_shape_error: str | None = None
        self._extra_dirty = False
        self._was_dirty = False
        self.stack.changed.connect(self._check_dirty)
        self.set_project(self.project, self.path)

    # ------------------------------------------------------------------ files
    @classmethod
    def open(cls, path: str | Path, stack: Any = None) -> ProjectSession:
        """Load a .nnproj (validated, migrated; ProjectError naming the place on any problem)."""
        from designer.project.io import load_project

        return cls(load_project(Path(path)), Path(path).resolve(), stack)

    def save(self, path: str | Path | None = None) -> Path:
        """Atomic save to `path` (or where it came from); the session is clean afterwards."""
        from designer.project.io import save_project

        if not (path or self.path):
            raise DesignerError("the project has no file yet: give a path to save to")
        target = Path(path or self.path)
        save_project(self.project, target)
        self.mark_saved(target)
        return target

    def mark_saved(self, path: str | Path) -> None:
        self.path = str(Path(path).resolve())
        self.mark_clean()

    def mark_clean(self) -> None:
        """What is shown now counts as saved (after a save, or when changes are knowingly discarded)."""
        self._extra_dirty = False
        self.stack.set_clean()
        self._check_dirty()

    @property
    def base_dir(self) -> Path | None:
        """Relative data paths in the project are resolved against the project file's folder."""
        return Path(self.path).parent if self.path else None

    def set_project(self, project: Project, path: str | Path | None, modified: bool = False) -> None:
        """Open `project`: the undo history starts afresh, every view is told."""
        self.project, self.path = project, (str(path) if path else None)
        self.stack.clear()
        self.stack.set_clean()
        self._extra_dirty = modified
        self.replaced.emit(project)
        self.refresh_input_shape()
        self._check_dirty()

    # ------------------------------------------------------------------ state
    @property
    def dirty(self) -> bool:
        return self._extra_dirty or not self.stack.is_clean()

    def mark_dirty(self) -> None:
        """A change the undo stack does not hold (a run's results, weights reset, a name chosen on save)."""
        self._extra_dirty = True
        self._check_dirty()

    def _check_dirty(self) -> None:
        now = self.dirty
        if now != self._was_dirty:
            self._was_dirty = now
            self.dirty_changed.emit(now)

    @property
    def analysis(self) -> Analysis:
        """Shapes, parameter counts and problems of the graph with the data's input shape (cached per edit)."""
        return self.project.graph.analyze(self.input_shape)

    def refresh_input_shape(self) -> tuple[int, ...] | None:
        """Shape inference needs the data's width when the Input layer has no explicit shape."""
        from designer.pipeline import resolve_input_shape

        try:
            shape = resolve_input_shape(self.project, self.base_dir)
            self.input_shape_error = None
        except DesignerError as exc:
            shape, self.input_shape_error = None, str(exc)
        self.input_shape = shape
        self.input_shape_changed.emit(shape)
        return shape

    # ------------------------------------------------------------------ settings edits (undoable)
    def edit_training(self, training: dict) -> bool:
        """Replace the training settings as one undoable step; False when nothing changed."""
        return self._edit("training", training)

    def edit_data(self, data: dict) -> bool:
        """Replace the data settings as one undoable step (the input shape follows); False when unchanged."""
        return self._edit("data", data)

    def _edit(self, section: str, value: dict) -> bool:
        if value == getattr(self.project, section):
            return False
        self.stack.push(EditSettings(self, section, value))
        return True

    def _set_section(self, section: str, value: dict) -> None:
        """Only commands call this: the state changes, then the views are told."""
        setattr(self.project, section, value)
        if section == "data":
            self.data_changed.emit(value)
            self.refresh_input_shape()
        else:
            self.training_changed.emit(value)

    # ------------------------------------------------------------------ results (not undoable)
    def record_run(self, weights: dict, run: dict) -> None:
        """A finished run: its weights become the project's and the run joins the history."""
        self.project.weights = weights
        self.project.history.append(run)
        self.mark_dirty()
        self.weights_changed.emit()
        self.run_recorded.emit(run)

    def load_weights(self, weights: dict) -> None:
        """Weights trained elsewhere, already checked (designer.project.trained_weights), become the project's."""
        self.project.weights = dict(weights)
        self.mark_dirty()
        self.weights_changed.emit()

    def reset_weights(self) -> bool:
        """Forget the trained weights (the next run starts fresh); False when there were none."""
        if not self.project.weights:
            return False
        self.project.weights = {}
        self.mark_dirty()
        self.weights_changed.emit()
        return True
