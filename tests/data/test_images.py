"""Images from a folder with one sub-folder per class: real PNG/JPEG/BMP files written with Pillow."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from designer.data import load_table_with_info, prepare_data
from designer.data.images import MAX_SOURCE_PIXELS, load_image, read_image_files
from designer.errors import DataError
from tests.image_folders import digit_images, make_digit_folder


def source(path, **extra):
    return {"kind": "images", "path": str(path), "size": [8, 8], "color": "grayscale", **extra}


def test_a_folder_reads_as_pixel_columns_and_class_labels(tmp_path):
    root = make_digit_folder(tmp_path / "digits", per_class=12, side=8)
    df, info = load_table_with_info(source(root))
    assert df.shape == (36, 65) and list(df.columns[:2]) == ["px_0", "px_1"] and df.columns[-1] == "class"
    assert info["class_counts"] == {"0": 12, "1": 12, "2": 12} and info["image_shape"] == (8, 8, 1)
    assert info["files"][:3] == ["0/0_000.png", "0/0_001.jpg", "0/0_002.bmp"]
    # the PNG (lossless) is the digit itself, scaled to [0, 1]
    expected = digit_images(("0",), 1)["0"][0].astype(np.float32) / 255
    np.testing.assert_allclose(df.iloc[0, :64].to_numpy(dtype=np.float32).reshape(8, 8), expected, atol=1e-6)
    assert 0.0 <= df.iloc[:, :64].to_numpy().min() and df.iloc[:, :64].to_numpy().max() <= 1.0


def test_resized_rgb_and_relative_paths_resolve_against_the_project_folder(tmp_path):
    make_digit_folder(tmp_path / "data" / "digits", per_class=10, side=16, rgb=True)
    prepared = prepare_data({"source": {"kind": "images", "path": "data/digits", "size": [4, 6], "color": "rgb"}},
                            base_dir=tmp_path)
    assert prepared.image_shape == (4, 6, 3) and prepared.x_train.shape[1] == 4 * 6 * 3
    assert prepared.classes == ["0", "1", "2"] and prepared.task == "classification"
    assert prepared.preprocessor.scaling == "none"  # pixels are already in [0, 1]
    assert len(prepared.files) == 30 and prepared.augment is None


def test_non_image_and_hidden_files_are_skipped_and_reported(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=5, side=8)
    (root / "0" / "notes.txt").write_text("hello")
    (root / "1" / ".DS_Store").write_bytes(b"\0")
    (root / "2" / "nested").mkdir()
    df, info = load_table_with_info(source(root))
    assert len(df) == 15 and info["skipped"] == ["0/notes.txt", "2/nested"]  # sub-folders are not followed


@pytest.mark.parametrize("make, message", [
    (lambda r: r / "missing", "image folder not found"),
    (lambda r: (r / "file.png").write_bytes(b"x") and r / "file.png", "is not a folder"),
    (lambda r: (r / "flat").mkdir() or (r / "flat" / "a.png").write_bytes(b"x") and r / "flat",
     "has no class sub-folders"),
])
def test_a_missing_or_unusable_folder_is_one_clear_error(tmp_path, make, message):
    with pytest.raises(DataError, match=message):
        load_table_with_info(source(make(tmp_path)))


def test_an_empty_class_folder_is_named(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=8)
    (root / "7").mkdir()
    (root / "7" / "readme.md").write_text("no images")
    with pytest.raises(DataError, match=r"^7: holds no PNG, JPEG or BMP images"):
        load_table_with_info(source(root))


def test_a_corrupt_image_is_named(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=8)
    (root / "1" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    good = root / "2" / "2_000.png"
    (root / "2" / "cut.jpg").write_bytes(Image.open(good).convert("RGB").tobytes()[:10])
    (root / "0" / "text.png").write_text("not an image at all")
    with pytest.raises(DataError, match=r"^0/text.png: is not a readable PNG, JPEG or BMP image$"):
        load_table_with_info(source(root))
    (root / "0" / "text.png").unlink()
    with pytest.raises(DataError, match=r"^1/broken.png: is a damaged image"):
        load_table_with_info(source(root))
    (root / "1" / "broken.png").unlink()
    with pytest.raises(DataError, match=r"^2/cut.jpg: "):
        load_table_with_info(source(root))


def test_a_truncated_png_is_named(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=8)
    big = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8), "L")
    big.save(root / "0" / "whole.png")
    data = (root / "0" / "whole.png").read_bytes()
    (root / "0" / "whole.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"^0/whole.png: is a damaged image"):
        load_table_with_info(source(root))


def test_a_huge_image_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=8)
    Image.new("L", (300, 200)).save(root / "0" / "huge.png")
    monkeypatch.setattr("designer.data.images.MAX_SOURCE_PIXELS", 50_000)
    with pytest.raises(DataError, match=r"^0/huge.png: is 300×200 pixels, more than the 50,000"):
        load_table_with_info(source(root))
    assert MAX_SOURCE_PIXELS >= 40_000_000  # real photos (a 24-megapixel camera) still load


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_links_that_leave_the_folder_or_loop_are_refused(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=8)
    outside = tmp_path / "secret.png"
    Image.new("L", (8, 8)).save(outside)
    (root / "0" / "escape.png").symlink_to(outside)
    with pytest.raises(DataError, match=r"^0/escape.png: is a link to .*outside the image folder"):
        load_table_with_info(source(root))
    (root / "0" / "escape.png").unlink()
    (root / "1" / "loop.png").symlink_to(root / "1" / "loop.png")
    with pytest.raises(DataError, match=r"^1/loop.png: is a broken or looping link"):
        load_table_with_info(source(root))
    (root / "1" / "loop.png").unlink()
    (root / "2" / "again").symlink_to(root, target_is_directory=True)  # a folder link back up: not followed
    df, info = load_table_with_info(source(root))
    assert info["class_counts"] == {"0": 3, "1": 3, "2": 3} and info["skipped"] == ["2/again"]
    (root / "back").symlink_to(root, target_is_directory=True)  # a class folder that is the root itself
    with pytest.raises(DataError, match=r"^back: holds no PNG, JPEG or BMP images"):
        load_table_with_info(source(root))


def test_bad_settings_are_refused(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=8)
    for bad in ({"size": [0, 8]}, {"size": [8]}, {"size": [9999, 8]}, {"color": "cmyk"}):
        with pytest.raises(DataError, match="data.source.(size|color)"):
            load_table_with_info({**source(root), **bad})


def test_new_image_files_read_like_the_folder(tmp_path):
    root = make_digit_folder(tmp_path / "d", per_class=3, side=16)
    df, _ = load_table_with_info({**source(root), "size": [10, 10]})
    new = read_image_files([root / "1" / "1_001.jpg"], (10, 10), "grayscale")
    np.testing.assert_array_equal(new.to_numpy(), df.iloc[[4], :100].to_numpy())
    with pytest.raises(DataError, match="image file not found"):
        read_image_files([root / "nope.png"], (10, 10), "grayscale")
    assert load_image(Path(root / "0" / "0_000.png"), (3, 5), "rgb").shape == (3, 5, 3)


def test_a_project_file_with_bad_image_settings_is_refused_by_name():
    from designer.errors import ProjectError
    from designer.project.document import project_from_json
    from designer.project.model import Project

    doc = Project().to_json_dict()
    doc["data"]["source"] = {"kind": "images", "path": "pics", "size": [32, 32], "color": "rgb",
                             "augment": {"flip": True, "rotate": 5}}
    project = project_from_json(doc)
    assert project.data["source"]["augment"] == {"flip": True, "shift": 0.0, "rotate": 5.0, "seed": 0}
    for bad, where in (({"augment": {"rotate": 400}}, "data.source.augment.rotate"),
                       ({"augment": {"zoom": 1}}, "data.source.augment"),
                       ({"size": [32, -1]}, "data.source"), ({"color": "cmyk"}, "data.source")):
        doc["data"]["source"] = {"kind": "images", "path": "pics", **bad}
        with pytest.raises(ProjectError, match=where.replace(".", r"\.")):
            project_from_json(doc)
