"""The window's learning tools (issue 19), installed by one call from the main window so that its own code
stays small: Train ▸ Find learning rate…; later Help ▸ Concepts, lessons, the sweep, the overfitting lab and
the workflow rail hang off the same object.
"""

from __future__ import annotations

from PySide6.QtGui import QAction


def menu(window, title: str):
    """The window's top-level menu called `title` (without the & accelerator)."""
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    raise LookupError(f"the window has no {title} menu")


class LearningTools:
    def __init__(self, window) -> None:
        self.window = window
        self.lr_dialog = None
        self.act_lr_find = QAction("Find &learning rate…", window)
        self.act_lr_find.setObjectName("action-lr-find")
        self.act_lr_find.setStatusTip("Train a copy with a rising learning rate and suggest a good one")
        self.act_lr_find.triggered.connect(lambda _checked=False: self.find_learning_rate())
        train = menu(window, "Train")
        train.insertAction(train.actions()[0] if train.actions() else None, self.act_lr_find)
        train.insertSeparator(train.actions()[1] if len(train.actions()) > 1 else None)

    def find_learning_rate(self) -> None:
        from designer.ui.lr_finder_dialog import LRFinderDialog

        if self.lr_dialog is not None:
            self.lr_dialog.close()
        self.lr_dialog = LRFinderDialog(self.window.session, self.window)
        self.lr_dialog.applied.connect(
            lambda lr: self.window.statusBar().showMessage(f"Learning rate set to {lr:g}", 6000))
        self.lr_dialog.show()
        self.lr_dialog.start()

    def shutdown(self) -> None:
        if self.lr_dialog is not None:
            self.lr_dialog.close()


def install(window) -> LearningTools:
    return LearningTools(window)
