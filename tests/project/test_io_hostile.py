"""Broken and hostile files: each one gives a ProjectError with a readable line, and nothing is written."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import struct
import tracemalloc
import warnings
import zipfile
import zlib

import numpy as np
import pytest

from designer.errors import ProjectError
from designer.project.io import MAX_JSON_DEPTH, MAX_MEMBERS, load_project, loads_project
from tests.project.helpers import make_zip, project_zip, valid_doc


@pytest.fixture(autouse=True)
def nothing_written(tmp_path, monkeypatch):
    """Run each test in an empty working folder and check that loading left it empty."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield
    assert list(work.iterdir()) == []


def refused(data: bytes) -> str:
    with pytest.raises(ProjectError) as info:
        loads_project(data)
    message = str(info.value)
    assert message.isprintable() and "Traceback" not in message
    return message


def npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ container
def test_not_a_zip():
    assert refused(b"just some text, not a project") == (
        "the data is not a Network Designer project (not a zip archive)"
    )


def test_a_json_file_renamed_is_not_a_project():
    assert "not a zip archive" in refused(json.dumps(valid_doc()).encode())


def test_empty_file():
    assert refused(b"") == "the data is empty: it is not a Network Designer project"


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file(keep):
    data = project_zip(extra={"weights.npz": npz(**{"dense_1/bias": np.ones(16, np.float32)})})
    assert refused(data[: int(len(data) * keep)])


def test_zip_without_project_json():
    msg = refused(make_zip({"readme.txt": "hi"}))
    assert msg == "the data is not a Network Designer project: it has no project.json"


def test_load_from_paths(tmp_path):
    with pytest.raises(ProjectError, match=r"cannot open .*missing\.nnproj: no such file or folder$"):
        load_project(tmp_path / "missing.nnproj")
    with pytest.raises(ProjectError, match=r"it is a folder, not a project file$"):
        load_project(tmp_path)
    if os.path.exists("/dev/null"):
        with pytest.raises(ProjectError, match=r"it is not a regular file$"):
            load_project("/dev/null")
    bad = tmp_path / "bad.nnproj"
    bad.write_bytes(b"PK\x03\x04 nothing else")
    with pytest.raises(ProjectError, match=r"bad\.nnproj is not a Network Designer project"):
        load_project(bad)


# ------------------------------------------------------------------------------------------ JSON
def test_invalid_json():
    msg = refused(make_zip({"project.json": '{"format": "nn-designer-project", "version": 1,,}'}))
    assert msg == (
        "project.json: is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 48"
    )


def test_not_utf8():
    assert refused(make_zip({"project.json": b'{"name": "\xff\xfe"}'})) == "project.json: is not UTF-8 text (byte 10)"


def test_utf8_bom_is_accepted():
    data = make_zip({"project.json": b"\xef\xbb\xbf" + json.dumps(valid_doc()).encode()})
    assert loads_project(data).name == "Iris classifier"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_numbers_are_refused(constant):
    text = json.dumps(valid_doc()).replace('"learning_rate": 0.01', f'"learning_rate": {constant}')
    assert refused(make_zip({"project.json": text})).startswith("project.json: is not valid JSON")


def test_huge_integer_literal_is_refused():
    text = json.dumps(valid_doc()).replace('"epochs": 50', '"epochs": ' + "9" * 5000)
    assert refused(make_zip({"project.json": text})).startswith("project.json: is not valid JSON")


def test_deeply_nested_json_is_refused_before_parsing():
    text = "[" * 200_000 + "]" * 200_000
    assert refused(make_zip({"project.json": text})) == (
        f"project.json: is nested 200000 levels deep; the limit is {MAX_JSON_DEPTH}"
    )


def test_nesting_limit_is_exact_and_brackets_in_strings_do_not_count():
    def doc_with_depth(extra_levels: int) -> bytes:
        doc = valid_doc()
        doc["name"] = "[[[[{{{{" * 20  # brackets inside a string are text
        doc["notes"] = json.loads("[" * extra_levels + "]" * extra_levels)
        return make_zip({"project.json": json.dumps(doc)})

    assert loads_project(doc_with_depth(MAX_JSON_DEPTH - 1)).extra["notes"]  # root object + 63 = 64
    assert "nested 65 levels" in refused(doc_with_depth(MAX_JSON_DEPTH))


def test_wrong_types_inside_a_file_name_the_place():
    doc = valid_doc()
    doc["graph"]["nodes"][2]["params"]["rate"] = "half"
    assert refused(project_zip(doc)) == 'graph.nodes[2].params.rate: must be a number, got "half"'


def test_unknown_layer_cycle_duplicate_and_dangling_in_files():
    doc = valid_doc()
    doc["graph"]["nodes"][1]["type"] = "Transformer"
    assert refused(project_zip(doc)).startswith('graph.nodes[1].type: unknown layer type "Transformer"')
    doc = valid_doc()
    doc["graph"]["edges"][0] = ["dense_2", "dense_1"]
    assert refused(project_zip(doc)).startswith("graph.edges: the connections form a cycle through")
    doc = valid_doc()
    doc["graph"]["nodes"][3]["id"] = "input_1"
    assert refused(project_zip(doc)) == 'graph.nodes[3].id: "input_1" is already used by graph.nodes[0]'
    doc = valid_doc()
    doc["graph"]["edges"].append(["dense_2", "softmax_9"])
    assert refused(project_zip(doc)) == 'graph.edges[3][1]: no layer has the id "softmax_9"'


# ------------------------------------------------------------------------------------------ zip tricks
def test_path_traversal_members_are_never_extracted(tmp_path):
    evil = {
        "../evil.txt": "x",
        "../../../../tmp/evil.txt": "x",
        "/etc/evil.txt": "x",
        "C:\\evil.txt": "x",
        "sub/project.json": "{}",
    }
    p = loads_project(project_zip(extra=evil))
    assert p.name == "Iris classifier"
    assert not (tmp_path / "evil.txt").exists()
    # A project.json somewhere else in the archive is not the project.
    assert refused(make_zip({"../project.json": json.dumps(valid_doc())})).endswith("it has no project.json")


def test_duplicate_member_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name while we build it
        data = make_zip({"project.json": json.dumps(valid_doc())})
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as zf:
            zf.writestr("project.json", "{}")
    assert refused(buf.getvalue()) == "the data holds project.json twice; refusing to guess which one is real"


def test_too_many_members_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("project.json", json.dumps(valid_doc()))
        for i in range(MAX_MEMBERS):
            zf.writestr(f"f{i}", b"")
    assert refused(buf.getvalue()) == "the data has 1,001 entries; the limit is 1,000"


@functools.lru_cache(maxsize=2)
def _deflated_zeros(n_bytes: int) -> tuple[bytes, int]:
    """n_bytes of b' ' deflated, built in 1 MiB pieces (raw deflate, as zip stores it); returns (data, crc)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b" " * (1 << 20)
    parts, crc = [], 0
    for _ in range(n_bytes >> 20):
        parts.append(comp.compress(block))
        crc = zlib.crc32(block, crc)
    parts.append(comp.flush())
    return b"".join(parts), crc


def _zip_with_raw_member(name: str, compressed: bytes, crc: int, declared_size: int) -> bytes:
    """A one-member zip whose directory claims `declared_size` for a deflated payload (which may lie)."""
    fname = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(compressed), declared_size,
                        len(fname), 0) + fname
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(compressed),
                          declared_size, len(fname), 0, 0, 0, 0, 0, 0) + fname
    offset = len(local) + len(compressed)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), offset, 0)
    return local + compressed + central + end


def _peak_mib(fn) -> float:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / (1 << 20)


def test_zip_bomb_over_the_size_limit_is_refused_from_the_directory():
    payload, crc = _deflated_zeros(64 << 20)  # 64 MiB of spaces in about 64 KiB
    data = _zip_with_raw_member("project.json", payload, crc, 64 << 20)
    assert len(data) < 200_000
    messages = []
    peak = _peak_mib(lambda: messages.append(refused(data)))
    assert messages == ["project.json: is 64.0 MiB uncompressed; the limit is 16.0 MiB"]
    assert peak < 4, f"refusing a bomb used {peak:.1f} MiB"


def test_zip_bomb_under_the_size_limit_is_refused_by_its_ratio():
    payload, crc = _deflated_zeros(64 << 20)  # within the 2 GiB weights limit, but 1000:1
    data = _with_project_json(_zip_with_raw_member("weights.npz", payload, crc, 64 << 20))
    messages = []
    peak = _peak_mib(lambda: messages.append(refused(data)))
    assert len(messages) == 1
    assert re.fullmatch(r"weights\.npz: claims to expand 1,0\d\d-fold: refusing a likely zip bomb", messages[0])
    assert peak < 4, f"refusing a bomb used {peak:.1f} MiB"


def _with_project_json(archive: bytes) -> bytes:
    """Add a valid project.json to an archive (zipfile appends without reading the other members)."""
    buf = io.BytesIO(archive)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("project.json", json.dumps(valid_doc()))
    return buf.getvalue()


def test_lying_directory_cannot_blow_memory():
    """The directory says 1 KiB; the stream inflates to 64 MiB. Reading stops at the claim and fails the CRC."""
    payload, crc = _deflated_zeros(64 << 20)
    data = _zip_with_raw_member("project.json", payload, crc, 1024)
    messages = []
    peak = _peak_mib(lambda: messages.append(refused(data)))
    assert messages[0].startswith("project.json: ")
    assert peak < 8, f"a lying header made the reader hold {peak:.1f} MiB"


# ------------------------------------------------------------------------------------------ weights.npz
class _Evil:
    """Unpickling this would create a file: the proof that nothing in the file is ever executed."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_object_array_is_refused_and_never_run(tmp_path):
    evil = _Evil()
    _Evil.marker = str(tmp_path / "pwned")
    arr = np.empty(1, dtype=object)
    arr[0] = evil
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    bad = make_zip({"dense_1/kernel.npy": buf.getvalue()})
    assert refused(project_zip(extra={"weights.npz": bad})) == (
        "weights.npz[dense_1/kernel]: must hold plain numbers, got dtype object"
    )
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([1 + 2j]), "must hold plain numbers, got dtype complex128"),
        (np.array([True]), "must hold plain numbers, got dtype bool"),
        (np.array(["a"]), "must hold plain numbers, got dtype <U1"),
        (np.zeros(2, dtype=[("a", "f4")]), "must hold plain numbers, got dtype"),
    ],
)
def test_non_numeric_arrays_are_refused(array, expected):
    msg = refused(project_zip(extra={"weights.npz": npz(**{"dense_1/bias": array})}))
    assert msg.startswith("weights.npz[dense_1/bias]: " + expected)


def _npy_with_header(shape: tuple[int, ...], data: bytes) -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return header.getvalue() + data


def test_weights_header_declaring_a_huge_array_is_refused_before_reading():
    bad = make_zip({"dense_1/kernel.npy": _npy_with_header((10**12,), b"\x00" * 64)})
    assert refused(project_zip(extra={"weights.npz": bad})) == (
        "weights.npz[dense_1/kernel]: declares 3,814,697.3 MiB of data in a 192 bytes entry"
    )


def test_weights_header_lying_within_the_limit_allocates_nothing():
    """1.5 GB declared, 64 bytes present: NumPy would allocate the whole array before reading it."""
    bad = make_zip({"dense_1/kernel.npy": _npy_with_header((400_000_000,), b"\x00" * 64)})
    data = project_zip(extra={"weights.npz": bad})
    messages = []
    peak = _peak_mib(lambda: messages.append(refused(data)))
    assert messages == ["weights.npz[dense_1/kernel]: declares 1,525.9 MiB of data in a 192 bytes entry"]
    assert peak < 4, f"a lying .npy header made the reader allocate {peak:.1f} MiB"


def test_weights_that_are_not_npz():
    assert refused(project_zip(extra={"weights.npz": b"not an npz"})) == (
        "weights.npz: is not an .npz archive (not a zip archive)"
    )
    assert refused(project_zip(extra={"weights.npz": make_zip({"a.txt": "x"})})) == (
        "weights.npz[a.txt]: is not a .npy array"
    )
    good = npz(**{"dense_1/bias": np.ones(16)})
    assert refused(project_zip(extra={"weights.npz": good[: len(good) // 2]})).startswith("weights.npz: ")


def test_weights_of_unknown_layers_are_dropped_and_misfits_kept_with_warnings():
    arrays = {
        "dense_1/kernel": np.ones((4, 16), np.float64),
        "dense_1/bias": np.arange(16, dtype=np.int32),
        "dense_2/kernel": np.ones((7, 3), np.float32),  # the network needs (16, 3)
        "ghost/kernel": np.ones(3, np.float32),
        "dense_1/gamma": np.ones(16, np.float32),
    }
    p = loads_project(project_zip(extra={"weights.npz": npz(**arrays)}))
    assert sorted(p.weights) == ["dense_1/bias", "dense_1/kernel", "dense_2/kernel"]
    assert all(w.dtype == np.float32 for w in p.weights.values())
    np.testing.assert_array_equal(p.weights["dense_1/bias"], np.arange(16))
    assert sorted(p.warnings) == [
        "weights.npz: dense_1/gamma belongs to no layer of the network and was dropped",
        "weights.npz: dense_2/kernel has shape [7, 3] but the network needs [16, 3]; "
        "it will be re-initialised when training",
        "weights.npz: ghost/kernel belongs to no layer of the network and was dropped",
    ]


def test_damaged_history_is_dropped_with_a_warning():
    p = loads_project(project_zip(extra={"history.json": "{not json"}))
    assert p.history == [] and p.warnings[0].startswith("the training history was dropped: history.json: ")
    p = loads_project(project_zip(extra={"history.json": json.dumps({"epochs": 3})}))
    assert p.history == [] and "must hold a list of runs" in p.warnings[0]
    runs = [{"epochs": [{"epoch": 1, "loss": 0.5}]}]
    assert loads_project(project_zip(extra={"history.json": json.dumps(runs)})).history == runs
    p = loads_project(project_zip(extra={"history.json": '[{"epochs": [{"loss": NaN}]}]'}))
    assert p.history == [{"epochs": [{"loss": None}]}]
