"""`nn-designer load-weights`: weights from elsewhere into the project, checked by name and shape; a file that
does not fit changes nothing and gets one error line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from designer.project.io import load_project
from tests.cli.test_cli import digest, run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def trained(tmp_path, capsys):
    """A spiral project trained 2 epochs, its weights as an .npz, and a fresh copy without weights."""
    trained = tmp_path / "trained.nnproj"
    assert run(capsys, "train", str(EXAMPLES / "spiral.nnproj"), "--epochs", "2", "--reset", "--quiet",
               "--out", str(trained))[0] == 0
    weights = load_project(trained).weights
    npz = tmp_path / "w.npz"
    np.savez(npz, **weights)
    fresh = tmp_path / "fresh.nnproj"
    fresh.write_bytes((EXAMPLES / "spiral.nnproj").read_bytes())
    return trained, npz, fresh, weights


def test_weights_come_home_and_evaluate_agrees(trained, capsys, tmp_path):
    trained_path, npz, fresh, weights = trained
    out = tmp_path / "home.nnproj"
    code, stdout, err = run(capsys, "load-weights", str(fresh), str(npz), "--out", str(out))
    assert code == 0, err
    report = json.loads(stdout)
    assert report["arrays"] == len(weights)
    home = load_project(out)
    assert home.weights.keys() == weights.keys()
    assert all(np.array_equal(home.weights[k], weights[k]) for k in weights)
    assert run(capsys, "evaluate", str(out))[1] == run(capsys, "evaluate", str(trained_path))[1]


def _npz(path: Path, arrays: dict) -> Path:
    np.savez(path, **arrays)
    return path


def _cases(weights, tmp_path):
    key = sorted(weights)[0]
    wrong_shape = dict(weights, **{key: np.zeros((3, 3), np.float32)})
    extra = dict(weights, **{"dense_99/kernel": np.zeros((2, 2), np.float32)})
    missing = {k: v for k, v in weights.items() if k != key}
    nan = dict(weights, **{key: np.full_like(weights[key], np.nan)})
    text = dict(weights, **{key: np.array(["a"] * weights[key].size).reshape(weights[key].shape)})
    objects = tmp_path / "objects.npz"
    np.savez(objects, **dict(weights, **{key: np.array([{"x": 1}], dtype=object)}))
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        buf = io.BytesIO()
        np.save(buf, np.zeros(20_000_000, np.float32))
        zf.writestr(f"{key}.npy", buf.getvalue())
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip at all")
    fake_pt = tmp_path / "fake.pt"
    fake_pt.write_bytes(b"PK\x03\x04 broken")
    return [
        (_npz(tmp_path / "shape.npz", wrong_shape), f"{key} has shape [3, 3]"),
        (_npz(tmp_path / "extra.npz", extra), "no place for: dense_99/kernel"),
        (_npz(tmp_path / "missing.npz", missing), f"lacks {key}"),
        (_npz(tmp_path / "nan.npz", nan), "NaN"),
        (_npz(tmp_path / "text.npz", text), "not numbers"),
        (objects, "cannot read"),
        (bomb, "far more than this network"),
        (garbage, "neither a weights .npz"),
        (fake_pt, "checkpoint"),
        (tmp_path / "nowhere.npz", "does not exist"),
    ]


def test_hostile_weight_files_change_nothing(trained, capsys, tmp_path):
    _trained_path, _npz_path, fresh, weights = trained
    before = digest(fresh)
    for path, message in _cases(weights, tmp_path):
        code, stdout, err = run(capsys, "load-weights", str(fresh), str(path))
        assert code == 1, (path, err)
        assert stdout == "" and err.startswith("error:") and message in err and "Traceback" not in err, (path, err)
        assert err.count("\n") == 1
        assert digest(fresh) == before


def test_a_train_py_checkpoint_loads_with_torch(trained, capsys, tmp_path):
    torch = pytest.importorskip("torch")
    _trained_path, _npz_path, fresh, weights = trained
    ckpt = tmp_path / "checkpoint.pt"
    torch.save({"format": "nn-designer-torch-checkpoint", "version": 1, "model": {}, "epoch": 3,
                "weights": {k: torch.from_numpy(v.copy()) for k, v in weights.items()}}, ckpt)
    code, _, err = run(capsys, "load-weights", str(fresh), str(ckpt))
    assert code == 0, err
    home = load_project(fresh)
    assert all(np.array_equal(home.weights[k], weights[k]) for k in weights)
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    code, _, err = run(capsys, "load-weights", str(fresh), str(tmp_path / "other.pt"))
    assert code == 1 and "not a checkpoint written by an exported train.py" in err
    torch.save({"format": "nn-designer-torch-checkpoint", "weights": {"a": 1}}, tmp_path / "bad.pt")
    code, _, err = run(capsys, "load-weights", str(fresh), str(tmp_path / "bad.pt"))
    assert code == 1 and "holds no weights" in err
    (tmp_path / "evil.pt").write_bytes(_pickle_that_runs_code(tmp_path / "pwned"))
    code, _, err = run(capsys, "load-weights", str(fresh), str(tmp_path / "evil.pt"))
    assert code == 1 and "cannot read the checkpoint" in err and not (tmp_path / "pwned").exists()


def _pickle_that_runs_code(target) -> bytes:
    """A torch.save-style file whose pickle would create a file if it were unpickled unsafely."""
    import pickle
    import zipfile as zf

    class Evil:
        def __reduce__(self):
            return (open, (str(target), "w"))

    buf = io.BytesIO()
    with zf.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(Evil()))
        z.writestr("archive/version", "3\n")
    return buf.getvalue()
