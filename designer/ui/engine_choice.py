"""The Training panel's Engine choice: NumPy (built in) or PyTorch on a device, shown only where torch is
installed. It reads and writes `training.engine` / `training.device` (project format, version 2).

torch is not imported to build the list (it takes a second or two): the CUDA and MPS entries are added the
first time the list opens, after asking torch which devices are present.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from designer import torch_backend

NUMPY = ("numpy", None)
LABELS = {"auto": "PyTorch · best device present", "cpu": "PyTorch · CPU", "cuda": "PyTorch · CUDA GPU",
          "mps": "PyTorch · Apple GPU (MPS)"}


class EngineChoice(QComboBox):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("engine")
        self.setToolTip("Which engine does the arithmetic: the built-in NumPy engine, or PyTorch (same network, "
                        "same update rules) on the CPU or a GPU")
        self.addItem("NumPy (built in)", NUMPY)
        self._probed = False
        if torch_backend.available():
            for device in ("auto", "cpu"):
                self.addItem(LABELS[device], ("torch", device))

    @staticmethod
    def wanted() -> bool:
        """Whether the panel shows the choice at all (torch installed)."""
        return torch_backend.available()

    def showPopup(self) -> None:  # noqa: N802 (Qt naming)
        self._probe_devices()
        super().showPopup()

    def _probe_devices(self) -> None:
        if self._probed or not torch_backend.available():
            return
        self._probed = True
        from designer.torch_backend.device import present_devices

        for device in present_devices():
            self._ensure(device)

    def _ensure(self, device: str) -> int:
        idx = self.findData(("torch", device))
        if idx < 0:
            self.addItem(LABELS.get(device, f"PyTorch · {device}"), ("torch", device))
            idx = self.count() - 1
        return idx

    def show_setting(self, cfg: dict) -> None:
        """Select what `cfg` asks for (a device not probed yet is listed as the file names it)."""
        if (cfg.get("engine") or "numpy") != "torch" or not torch_backend.available():
            self.setCurrentIndex(0)
            return
        self.setCurrentIndex(self._ensure(cfg.get("device") or "auto"))

    def write_setting(self, cfg: dict) -> None:
        """Put the choice into `cfg` (NumPy, the default, leaves no keys behind)."""
        engine, device = self.currentData() or NUMPY
        if engine == "numpy":
            cfg.pop("engine", None)
            cfg.pop("device", None)
        else:
            cfg["engine"], cfg["device"] = engine, device
