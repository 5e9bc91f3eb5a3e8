"""Fixtures for the main-window tests: isolated settings and recovery folder, a window that never blocks on a
dialog at teardown, and a training run that is always shut down."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from designer.ui import project_actions


@pytest.fixture(autouse=True, scope="session")
def _garbage_on_the_gui_thread(qapp):
    """Python's cycle collector runs in whichever thread allocates when a threshold is crossed — a data
    loader's or the trainer's — and may delete Qt widgets there; Qt then crashes later, in an unrelated test.
    As in the app (designer.ui.app), collect on the GUI thread only."""
    from designer.ui.app import collect_garbage_on_gui_thread

    collector = collect_garbage_on_gui_thread()
    yield
    collector.timer.stop()
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    yield
    gc.collect()  # on the GUI thread, before the next test's threads start


@pytest.fixture(autouse=True)
def _isolated_user_state(tmp_path, monkeypatch):
    """No test reads or writes the developer's recent files or recovery folder."""
    QCoreApplication.setOrganizationName("NetworkDesignerTests")
    QCoreApplication.setApplicationName("Network Designer Tests")
    monkeypatch.setenv("NN_DESIGNER_RECOVERY_DIR", str(tmp_path / "recovery"))
    # A closing window must never wait on a real message box in a test.
    monkeypatch.setattr(project_actions, "ask_unsaved_changes", lambda parent, name: "discard")
    monkeypatch.setattr(project_actions, "show_error", _fail_on_error_box)


def _fail_on_error_box(parent, title, message):
    raise AssertionError(f"unexpected error box: {title}: {message}")


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """make_window(project=None, path=None) → a shown MainWindow; its training run is shut down at teardown."""
    from designer.ui.main_window import MainWindow

    windows = []

    def make(project=None, path=None, autosave=False):
        window = MainWindow(project, path, settings=settings, autosave=autosave)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.runner.shutdown()
        window.data_panel.wait_for_load()
        assert not window.runner.is_running


def spiral_project(epochs: int = 2, samples: int = 200):
    """A small 2-D spiral classifier: fast, and its decision boundary is computed in the training process."""
    from designer.ui.start_page import spiral_classifier

    project = spiral_classifier()
    project.data["source"]["samples"] = samples
    project.training["epochs"] = epochs
    project.training["batch_size"] = 20
    return project
