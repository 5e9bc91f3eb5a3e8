import os
import tempfile

# Offscreen by default so the suite runs headless; a developer with a screen can override it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="xdg-")
os.environ.setdefault("KERAS_BACKEND", "torch")  # the export tests run the generated Keras code on the CPU torch build

