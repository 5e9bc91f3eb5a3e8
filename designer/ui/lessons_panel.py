"""Lessons in the window: a list on the start page, and a Lesson panel beside the network with the idea, the
task, a button per variant, and "Run the experiment", which trains every variant in the background and says
whether the lesson's point showed (designer/learn/lessons.py does the work)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer.learn.concepts import CONCEPTS
from designer.learn.lessons import LESSONS, run_lesson
from designer.ui.background import JobSlot


class LessonsList(QWidget):
    """The start page's third column. Signal: lesson_requested(key)."""

    lesson_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        head = QLabel("Lessons (double-click)")
        head.setStyleSheet("font-weight: 600;")
        self.list = QListWidget()
        self.list.setObjectName("lessons")
        for i, lesson in enumerate(LESSONS.values(), start=1):
            item = QListWidgetItem(f"{i}. {lesson.title}")
            item.setData(Qt.ItemDataRole.UserRole, lesson.key)
            item.setToolTip(lesson.text)
            self.list.addItem(item)
        self.list.setWordWrap(True)  # long titles wrap instead of scrolling sideways
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemActivated.connect(lambda it: self.lesson_requested.emit(it.data(Qt.ItemDataRole.UserRole)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(head)
        layout.addWidget(self.list)


class LessonPanel(QWidget):
    """Signals: variant_requested(lesson key, variant label), concept_requested(key), experiment_done(result)."""

    variant_requested = Signal(str, str)
    concept_requested = Signal(str)
    experiment_done = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lesson = None
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.task = QLabel()
        self.task.setWordWrap(True)
        self.variants_box = QVBoxLayout()
        self.concepts_box = QVBoxLayout()
        self.run_button = QPushButton("Run the experiment")
        self.run_button.setToolTip("Train every variant here, in the background, and say what they show")
        self.run_button.clicked.connect(self.run_experiment)
        self.jobs = JobSlot(self, idle=(self.run_button,))  # the lesson's experiment, Run enabled while idle
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        task_head = QLabel("Your task")
        task_head.setStyleSheet("font-weight: 600;")
        layout.addWidget(task_head)
        layout.addWidget(self.task)
        layout.addLayout(self.variants_box)
        layout.addLayout(self.concepts_box)
        layout.addWidget(self.run_button)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def set_lesson(self, key: str, current: str | None = None) -> None:
        self.stop()
        lesson = LESSONS[key]
        self.lesson = lesson
        self.title.setText(lesson.title)
        self.text.setText(lesson.text)
        self.task.setText(lesson.task)
        for box in (self.variants_box, self.concepts_box):
            while box.count():
                widget = box.takeAt(0).widget()
                if widget is not None:
                    widget.deleteLater()
        self.variant_buttons: dict[str, QPushButton] = {}
        for variant in lesson.variants:
            button = QPushButton(f"Open: {variant.label}")
            button.setCheckable(True)
            button.setChecked(variant.label == current)
            button.clicked.connect(lambda _c=False, label=variant.label: self.variant_requested.emit(key, label))
            self.variants_box.addWidget(button)
            self.variant_buttons[variant.label] = button
        head = QLabel("Concepts")
        head.setStyleSheet("font-weight: 600;")
        self.concepts_box.addWidget(head)
        for concept_key in lesson.concepts:
            link = QPushButton(CONCEPTS[concept_key].title)
            link.setFlat(True)
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            link.setStyleSheet("text-decoration: underline; text-align: left; padding: 1px 4px;")
            link.clicked.connect(lambda _c=False, k=concept_key: self.concept_requested.emit(k))
            self.concepts_box.addWidget(link)
        self.result.setText("")
        self.run_button.setEnabled(True)

    def mark_current(self, label: str) -> None:
        for name, button in getattr(self, "variant_buttons", {}).items():
            button.setChecked(name == label)

    def run_experiment(self) -> None:
        if self.lesson is None or self.jobs.isRunning():
            return
        lesson = self.lesson
        self.result.setText(f"Training {len(lesson.variants)} variants…")
        from designer.training.control import TrainingControl

        control = TrainingControl()
        self.jobs.start(lambda report, should_stop: run_lesson(lesson, control=control), self._done, self._failed,
                        control=control)

    def _done(self, result) -> None:
        mark = "✓ The point shows" if result.reached else "✗ The point did not show this time"
        self.result.setText(f"<b>{mark}</b>: {result.summary}.")
        self.experiment_done.emit(result)

    def _failed(self, message: str) -> None:
        self.result.setText(f"The experiment could not run: {message}")
        self.experiment_done.emit(None)

    def stop(self) -> None:
        self.jobs.stop()
