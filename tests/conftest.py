import gc
import os
import tempfile

import pytest

# Offscreen by default so the suite runs headless; a developer with a screen can override it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xdg-")
os.environ.setdefault("KERAS_BACKEND", "torch")  # the export tests run the generated Keras code on the CPU torch build


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread(request):
    """As the app does (designer/ui/gc_policy.py): once a test has a QApplication, Python's collector runs only on
    the GUI thread, so a reader or training thread never runs the destructors of a closed window's Qt objects."""
    uses_qt = bool({"qtbot", "qapp", "make_window"} & set(request.fixturenames))
    if uses_qt:
        from designer.ui.gc_policy import collect_on_gui_thread

        collect_on_gui_thread(request.getfixturevalue("qapp"))
    yield
    if uses_qt:
        gc.collect()  # after the window's threads were joined by its own fixture's teardown
    elif not gc.isenabled():  # a core test after the first Qt test: collect when due, as the app's timer would
        from PySide6.QtWidgets import QApplication

        collector = getattr(QApplication.instance(), "gc_collector", None)
        if collector is not None:
            collector.collect_if_due()
