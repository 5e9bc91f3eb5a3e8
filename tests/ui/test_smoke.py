from designer.ui.app import smoke_test


def test_smoke_test_trains_one_epoch_and_returns_zero(qapp, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NN_DESIGNER_RECOVERY_DIR", str(tmp_path))
    assert smoke_test() == 0
    err = capsys.readouterr().err
    assert "smoke test ok" in err and "4 export formats" in err
    assert "python: predictor.py imported, predictions match the engine" in err

