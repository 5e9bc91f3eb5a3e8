from designer.ui.app import smoke_test


def test_smoke_test_trains_one_epoch_and_returns_zero(qapp, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NN_DESIGNER_RECOVERY_DIR", str(tmp_path))
    assert smoke_test() == 0
    err = capsys.readouterr().err
    assert "smoke test ok" in err and "4 export formats" in err
    assert "python: predictor.py imported, predictions match the engine" in err


def test_a_file_open_event_opens_the_project(make_window):
    """macOS delivers a double-clicked .nnproj as a FileOpen event to the running app."""
    from pathlib import Path

    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from designer.ui.app import FileOpenHandler

    window = make_window()
    app = QApplication.instance()
    handler = FileOpenHandler(window)
    app.installEventFilter(handler)
    try:
        example = Path(__file__).resolve().parents[2] / "examples" / "iris_mlp.nnproj"
        QApplication.sendEvent(app, QFileOpenEvent(str(example)))
        assert Path(window.path) == example
    finally:
        app.removeEventFilter(handler)
