"""File ▸ Load trained weights…: weights trained elsewhere (an exported train.py's trained_weights.npz or
checkpoint.pt, any weights .npz in the project's format) into the open project, checked by name and shape
(designer.project.trained_weights). Nothing changes when the file does not fit; a fitting one marks the
project modified, and Save writes it atomically as always."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from designer.errors import DesignerError
from designer.ui import project_actions

FILTER = "Trained weights (*.npz *.pt *.pth);;All files (*)"


def ask_weights_path(parent, directory: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Load trained weights", directory, FILTER,
                                          options=QFileDialog.Option.DontUseNativeDialog)
    return path or None


def load_weights_into(window, path: str) -> bool:
    """Check and load `path` into the window's project; an error box names the problem. True when loaded."""
    from designer.project.trained_weights import expected_weights, read_trained_weights

    session = window.session
    try:
        weights = read_trained_weights(path, expected_weights(session.project, session.base_dir))
    except DesignerError as exc:
        project_actions.show_error(window, "Cannot load these weights", str(exc))
        return False
    session.load_weights(weights)
    window.statusBar().showMessage(f"Loaded {len(weights)} weight arrays from {path}: save to keep them", 8000)
    return True


def install(window) -> QAction:
    """Add File ▸ Load trained weights… after File ▸ Export…."""
    act = QAction("Load &trained weights…", window)
    act.setStatusTip("Weights trained elsewhere (train.py, an export's .npz) into this project")
    act.setObjectName("load_trained_weights")

    def triggered() -> None:
        path = ask_weights_path(window, str(window.session.base_dir or ""))
        if path:
            load_weights_into(window, path)

    act.triggered.connect(triggered)
    menu = window.menuBar().actions()[0].menu()  # File
    actions = menu.actions()
    after = actions.index(window.act_export) + 1 if window.act_export in actions else len(actions)
    if after < len(actions):
        menu.insertAction(actions[after], act)
    else:
        menu.addAction(act)
    window.act_load_weights = act
    return act
