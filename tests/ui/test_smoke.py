from designer.ui.app import smoke_test


def test_smoke_test_trains_one_epoch_and_returns_zero(qapp, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NN_DESIGNER_RECOVERY_DIR", str(tmp_path))
    assert smoke_test() == 0
    err = capsys.readouterr().err
    assert "smoke test ok" in err and "4 export formats" in err
    assert "python: predictor.py imported, predictions match the engine" in err



def test_smoke_test_fails_without_the_application_icon(qapp, capsys, tmp_path, monkeypatch):
    """A bundle that lost its icon files (resources/app-icons) must not pass as installable."""
    from PySide6.QtGui import QIcon

    from designer.ui import desktop

    monkeypatch.setenv("NN_DESIGNER_RECOVERY_DIR", str(tmp_path))
    monkeypatch.setattr(desktop, "icon_folders", lambda: [tmp_path / "no-icons"])
    previous = qapp.windowIcon()
    qapp.setWindowIcon(QIcon())
    try:
        assert smoke_test() == 1
    finally:
        qapp.setWindowIcon(previous)
    assert "the application icon was not found" in capsys.readouterr().err
