"""The installers' export check runs every format and catches an export whose outputs are wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.errors import ExportError
from designer.export import FORMATS, selfcheck
from designer.project.io import load_project
from designer.training.run import train_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def trained_iris():
    path = EXAMPLES / "iris_mlp.nnproj"
    project, _ = train_project(load_project(path), EXAMPLES, epochs=1)
    return project


def test_every_format_is_exported_and_checked(trained_iris, tmp_path):
    lines = selfcheck.check_exports(trained_iris, EXAMPLES, tmp_path)
    assert [line.split(":")[0] for line in lines] == list(FORMATS)
    assert "predictions match the engine" in lines[FORMATS.index("python")]
    assert "predictions match the engine" in lines[FORMATS.index("onnx")]
    assert (tmp_path / "predictor.py").is_file() and (tmp_path / "pytorch" / "model.py").is_file()


def test_a_predictor_with_wrong_outputs_is_caught(trained_iris, tmp_path, monkeypatch):
    real_export = selfcheck.export_project

    def broken_export(project, fmt, out, **kwargs):
        written = real_export(project, fmt, out, **kwargs)
        if fmt == "python":  # a predictor that loads but answers wrongly, as a broken bundle might
            with open(written[0], "a", encoding="utf-8") as f:
                f.write("\n\ndef predict(x, batch_size=1024):\n    return np.zeros((len(x), 3))\n")
        return written

    monkeypatch.setattr(selfcheck, "export_project", broken_export)
    with pytest.raises(ExportError, match="python export's outputs differ"):
        selfcheck.check_exports(trained_iris, EXAMPLES, tmp_path)
