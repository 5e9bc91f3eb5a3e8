"""The exported raw-rows runtime (package data designer/export/templates/raw_rows.py) loaded as a module, so
tests run exactly the text that every export carries."""

from __future__ import annotations

from designer.export.preprocessing import runtime_template
from tests.export.test_export import load_module

raw_rows = load_module(runtime_template(), "exported_raw_rows")
prepare_rows = raw_rows.prepare_rows
class_indices = raw_rows.class_indices
class_probabilities = raw_rows.class_probabilities
