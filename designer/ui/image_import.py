"""File ▸ Import image folder…: the window's side of images from folders (the Data view does the reading)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from designer.data.images import channels, image_settings
from designer.ui.commands import SetParamCommand


def install(window) -> QAction:
    """Add the action to the File menu (after Import data…) and the Data view's button to the same path."""
    action = QAction("Import image &folder…", window)
    action.setStatusTip("Images from a folder with one sub-folder per class (PNG, JPEG, BMP)")
    action.triggered.connect(lambda: import_image_folder(window))
    for menu in window.act_import.associatedObjects():
        if isinstance(menu, QMenu):
            menu.insertAction(window.act_export, action)
    window.act_import_images = action
    try:
        window.data_panel.folder_button.clicked.disconnect()
    except (RuntimeError, TypeError):
        pass
    window.data_panel.folder_button.clicked.connect(lambda: import_image_folder(window))
    return action


def import_image_folder(window, path: str = "") -> bool:
    """From the start page this begins a new project around the folder, as Import data… does. A network
    whose Input takes images (height, width, channels) gets the folder's image shape (its own undo step)."""
    from designer.ui.main_window import new_project

    if window.centre.currentWidget() is window.start_page:
        if not window.maybe_save():
            return False
        window.set_project(new_project(), None)
    window.tabs.setCurrentWidget(window.data_panel)
    if not window.data_panel.import_image_folder(path):
        return False
    fit_input_shape(window)
    return True


def fit_input_shape(window) -> None:
    graph = window.project.graph
    inputs = graph.input_nodes()
    source = window.project.data.get("source") or {}
    if len(inputs) != 1 or source.get("kind") != "images":
        return
    shape = graph.nodes[inputs[0]].params.get("shape")
    (h, w), color = image_settings(source)
    wanted = [h, w, channels(color)]
    if shape and len(shape) == 3 and list(shape) != wanted:  # a convolutional network: follow the images
        window.undo_stack.push(SetParamCommand(graph, inputs[0], "shape", wanted))
