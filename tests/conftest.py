import os
import tempfile

import pytest

# Offscreen by default so the suite runs headless; a developer with a screen can override it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xdg-")
# the compiled conv kernels' source and machine code (designer/engine/conv_pool_kernels.py): not the user's cache
os.environ.setdefault("NN_DESIGNER_KERNEL_CACHE", tempfile.mkdtemp(prefix="nn-designer-kernels-"))
os.environ.setdefault("KERAS_BACKEND", "torch")  # the export tests run the generated Keras code on the CPU torch build


def pytest_configure(config):
    # a training step waits for its compiled conv kernels, so that it runs the same path every time (the
    # background build users get: tests/engine/test_conv_pool_kernels.py)
    from designer.engine import conv_pool_kernels

    conv_pool_kernels.WAIT = True


@pytest.fixture(scope="session")
def qapp_cls():
    """pytest-qt's application object is the app's own class, so tests see what users run (documents to open
    taken by the application object, no application-wide event filter)."""
    from designer.ui.app import DesignerApplication

    return DesignerApplication
