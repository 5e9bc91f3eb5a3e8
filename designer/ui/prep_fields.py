"""The preparation settings that both the Data view and the CSV import dialog edit.

Missing values, scaling and the split (spec "Data"). Each caller lays the widgets out its own way; this
class owns creating them, showing a data section in them, and reading them back.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox, QWidget

from designer.data.settings import DATA_SPECS, SPLIT_SPECS
from designer.ui.numbers import DoubleSpinBox


def _fraction_spin() -> DoubleSpinBox:
    spin = DoubleSpinBox()
    spin.setRange(0.0, 0.9)
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    return spin


class PreparationFields:
    def __init__(self) -> None:
        self.missing_combo = QComboBox()
        self.missing_combo.addItems(DATA_SPECS["missing"].choices)
        self.scaling_combo = QComboBox()
        self.scaling_combo.addItems(DATA_SPECS["scaling"].choices)
        self.validation_spin, self.test_spin = _fraction_spin(), _fraction_spin()
        self.shuffle_check, self.stratify_check = QCheckBox("Shuffle"), QCheckBox("Stratify")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)

    def widgets(self) -> list[QWidget]:
        return [self.missing_combo, self.scaling_combo, self.validation_spin, self.test_spin,
                self.shuffle_check, self.stratify_check, self.seed_spin]

    def load(self, cfg: dict) -> None:
        """Show a data section's settings (designer/data/settings.py's defaults where a key is absent)."""
        self.missing_combo.setCurrentText(cfg.get("missing", DATA_SPECS["missing"].default))
        self.scaling_combo.setCurrentText(cfg.get("scaling", DATA_SPECS["scaling"].default))
        split = {name: spec.default for name, spec in SPLIT_SPECS.items()} | (cfg.get("split") or {})
        self.validation_spin.setValue(float(split["validation"]))
        self.test_spin.setValue(float(split["test"]))
        self.shuffle_check.setChecked(bool(split["shuffle"]))
        self.stratify_check.setChecked(bool(split["stratify"]))
        self.seed_spin.setValue(int(split["seed"] or 0))

    def values(self) -> dict:
        """{"missing", "scaling", "split"} as the data section holds them."""
        return {
            "missing": self.missing_combo.currentText(),
            "scaling": self.scaling_combo.currentText(),
            "split": {
                "validation": round(self.validation_spin.value(), 4),
                "test": round(self.test_spin.value(), 4),
                "shuffle": self.shuffle_check.isChecked(),
                "stratify": self.stratify_check.isChecked(),
                "seed": self.seed_spin.value(),
            },
        }
