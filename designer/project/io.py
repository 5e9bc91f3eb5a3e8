"""Reading and writing `.nnproj` files safely.

Reading treats the file as hostile: it must be a ZIP; only the members `project.json`, `weights.npz` and
`history.json` are read, by name, into memory (never extracted, so `../` paths do nothing); every size is
checked in the ZIP directory and again while streaming, so a lying header or a zip bomb cannot exhaust
memory; JSON nesting is bounded before parsing; arrays load with `allow_pickle=False` and must be numeric.
Anything wrong raises `ProjectError` with one line naming the place.

Writing is atomic: the archive goes to a temporary file in the target's folder, is flushed and fsynced,
then `os.replace` puts it in place and the folder is fsynced. A crash at any moment leaves the old file or
the new one; a failure removes the temporary file and leaves the old file untouched.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import stat
import struct
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np

from designer import fileio
from designer.engine.registry import LAYER_TYPES
from designer.errors import DesignerError, ProjectError
from designer.graph import Graph
from designer.project.document import project_from_json
from designer.project.model import Project
from designer.project.validate import describe, single_line_errors

log = logging.getLogger(__name__)

PROJECT_MEMBER = "project.json"
WEIGHTS_MEMBER = "weights.npz"
HISTORY_MEMBER = "history.json"

MiB = 1024 * 1024
MEMBER_LIMITS = {PROJECT_MEMBER: 16 * MiB, WEIGHTS_MEMBER: 2048 * MiB, HISTORY_MEMBER: 64 * MiB}
MAX_MEMBERS = 1_000  # entries in the archive's directory (ours has three)
MAX_ARRAYS = 10_000  # arrays inside weights.npz
MAX_JSON_DEPTH = 64
# Trained float32 weights barely compress (about 1.1:1) and JSON rarely beats 20:1; a sizeable member
# claiming more than 200:1 is a bomb, refused before a byte of it is inflated.
MAX_RATIO = 200
RATIO_CHECK_FROM = 4 * MiB
CHUNK = 1 * MiB
# Fixed member timestamps so saving the same project twice gives the same bytes (diffable, git-friendly).
FIXED_DATE = (1980, 1, 1, 0, 0, 0)



# ============================================================================================== reading
@single_line_errors
def load_project(path: str | os.PathLike) -> Project:
    """Read, migrate and validate a project file. Raises ProjectError; never writes anything."""
    path = Path(path)
    try:
        st = os.stat(path)
    except ValueError:  # a NUL byte in the name
        raise ProjectError(f"cannot open {path!r}: the name is not a valid file name") from None
    except OSError as err:
        raise ProjectError(f"cannot open {path}: {_explain(err)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ProjectError(f"cannot open {path}: it is a folder, not a project file")
    if not stat.S_ISREG(st.st_mode):
        raise ProjectError(f"cannot open {path}: it is not a regular file")
    try:
        with open(path, "rb") as f:
            return _load(f, str(path))
    except OSError as err:
        raise ProjectError(f"cannot read {path}: {_explain(err)}") from None
    except ProjectError as err:
        # Name the file: "graph.nodes[2].params.units: …" alone does not say which project is broken.
        if str(path) in str(err):
            raise
        raise ProjectError(f"{path}: {err}") from None


@single_line_errors
def loads_project(data: bytes) -> Project:
    """Like load_project, from the file's bytes (tests, drag and drop, network)."""
    return _load(io.BytesIO(bytes(data)), "the data")


def _load(f: IO[bytes], label: str) -> Project:
    zf = _open_zip(f, label)
    with zf:
        members = _index_members(zf, label)
        if PROJECT_MEMBER not in members:
            raise ProjectError(f"{label} is not a Network Designer project: it has no {PROJECT_MEMBER}")
        doc = parse_json(_read_member(zf, members[PROJECT_MEMBER]), PROJECT_MEMBER)
        project = project_from_json(doc)
        if WEIGHTS_MEMBER in members:
            arrays = read_npz(_read_member(zf, members[WEIGHTS_MEMBER]), WEIGHTS_MEMBER)
            project.weights, warnings = check_weights(project.graph, arrays)
            project.warnings.extend(warnings)
        if HISTORY_MEMBER in members:
            project.history = _read_history(zf, members[HISTORY_MEMBER], project.warnings)
    for w in project.warnings:
        log.warning("%s: %s", label, w)
    return project


def _open_zip(f: IO[bytes], label: str) -> zipfile.ZipFile:
    _check_directory_size(f, label)
    try:
        return zipfile.ZipFile(f)
    except Exception as err:  # BadZipFile, EOFError, struct.error, … on a damaged directory
        raise ProjectError(f"{label} is not a Network Designer project (not a valid zip archive: {err})") from None


def _check_directory_size(f: IO[bytes], label: str) -> None:
    problem = _directory_problem(f, "a Network Designer project", MAX_MEMBERS)
    if problem:
        raise ProjectError(f"{label} {problem}")


def _directory_problem(f: IO[bytes], what: str, limit: int) -> str | None:
    """Count the archive's entries from its end record before zipfile builds one object per entry."""
    size = f.seek(0, os.SEEK_END)
    if size == 0:
        return f"is empty: it is not {what}"
    tail_len = min(size, 65_535 + 22)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return f"is not {what} (not a zip archive)"
    entries = struct.unpack("<H", tail[pos + 10 : pos + 12])[0]
    if entries == 0xFFFF and pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07":
        offset = struct.unpack("<Q", tail[pos - 12 : pos - 4])[0]
        if offset + 56 <= size:
            f.seek(offset)
            record = f.read(56)
            if record[:4] == b"PK\x06\x06":
                entries = struct.unpack("<Q", record[32:40])[0]
    f.seek(0)
    if entries > limit:
        return f"has {entries:,} entries; the limit is {limit:,}"
    return None


def _index_members(zf: zipfile.ZipFile, label: str) -> dict[str, zipfile.ZipInfo]:
    """Our members by exact name; anything else (other files, `../` tricks) is ignored, never opened."""
    found: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if info.filename in MEMBER_LIMITS:
            if info.filename in found:
                raise ProjectError(f"{label} holds {info.filename} twice; refusing to guess which one is real")
            found[info.filename] = info
    return found


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    name = info.filename
    cap = MEMBER_LIMITS[name]
    if info.file_size > cap:
        raise ProjectError(f"is {_size(info.file_size)} uncompressed; the limit is {_size(cap)}", name)
    if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise ProjectError(f"claims to expand {ratio:,}-fold: refusing a likely zip bomb", name)
    if info.flag_bits & 0x1:
        raise ProjectError("is encrypted; project files are not", name)
    # Stream with a cap, so a directory entry that lies about the size still cannot blow memory.
    out = bytearray()
    try:
        with zf.open(info) as member:
            while True:
                chunk = member.read(CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > cap:
                    raise ProjectError(f"is larger than the limit of {_size(cap)}", name)
    except ProjectError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as err:
        raise ProjectError(f"cannot be read from the archive: {err}", name) from None
    except Exception as err:  # zlib.error, lzma.LZMAError, …: a damaged compressed stream
        raise ProjectError(f"is damaged ({type(err).__name__}: {err})", name) from None
    return bytes(out)  # one copy; io.BytesIO then shares these bytes instead of copying again


def _size(n: int) -> str:
    return f"{n / MiB:,.1f} MiB" if n >= MiB else f"{n:,} bytes"


# ---------------------------------------------------------------------------------------------- JSON
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def json_depth(raw: bytes | bytearray) -> int:
    """Deepest bracket nesting of a JSON text, strings ignored: measured before json.loads is trusted."""
    skeleton = _JSON_STRING.sub(b'""', raw)
    b = np.frombuffer(skeleton, dtype=np.uint8)
    opens = (b == ord("[")) | (b == ord("{"))
    closes = (b == ord("]")) | (b == ord("}"))
    idx = np.flatnonzero(opens | closes)
    if idx.size == 0:
        return 0
    steps = np.where(opens[idx], 1, -1).astype(np.int64)
    return int(np.cumsum(steps).max())


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


@single_line_errors
def parse_json(raw: bytes | bytearray, name: str, *, allow_nan: bool = False) -> Any:
    """Parse a member's JSON (UTF-8, optional BOM) with nesting bounded; ProjectError naming `name`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ProjectError(f"is not UTF-8 text (byte {err.start})", name) from None
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise ProjectError(f"is nested {depth} levels deep; the limit is {MAX_JSON_DEPTH}", name)
    try:
        if allow_nan:  # history may record a diverged run's NaN loss
            return json.loads(text, parse_constant=lambda c: None)
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as err:
        raise ProjectError(f"is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}", name) from None
    except (ValueError, RecursionError) as err:
        raise ProjectError(f"is not valid JSON: {err}", name) from None


def _read_history(zf: zipfile.ZipFile, info: zipfile.ZipInfo, warnings: list[str]) -> list[dict]:
    """The training history is a record, not the user's design: a damaged one is dropped with a warning."""
    try:
        runs = parse_json(_read_member(zf, info), HISTORY_MEMBER, allow_nan=True)
    except ProjectError as err:
        warnings.append(f"the training history was dropped: {err}")
        return []
    if isinstance(runs, dict) and isinstance(runs.get("runs"), list):
        runs = runs["runs"]
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        warnings.append(f"the training history was dropped: {HISTORY_MEMBER} must hold a list of runs (objects)")
        return []
    return runs


# ---------------------------------------------------------------------------------------------- weights
@single_line_errors
def read_npz(raw: bytes | bytearray, name: str = WEIGHTS_MEMBER) -> dict[str, np.ndarray]:
    """Arrays of an .npz, checked before reading: numeric dtypes, declared sizes within the limit."""
    buf = io.BytesIO(raw)
    try:
        problem = _directory_problem(buf, "an .npz archive", MAX_ARRAYS)
        if problem:
            raise ProjectError(problem, name)
        inner = zipfile.ZipFile(buf)
    except ProjectError:
        raise
    except Exception as err:  # a damaged directory raises anything from BadZipFile to struct.error
        raise ProjectError(f"is not a valid .npz archive ({err})", name) from None
    with inner:
        infos = inner.infolist()
        if len(infos) > MAX_ARRAYS:
            raise ProjectError(f"holds {len(infos):,} arrays; the limit is {MAX_ARRAYS:,}", name)
        total = 0
        for info in infos:
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            where = f"{name}[{key}]"
            # NumPy allocates an array from its header's shape before reading the data, so the header must
            # agree with the sizes in the directory, and those with the bytes actually present.
            if info.compress_size > len(raw):
                raise ProjectError("claims more data than the archive holds", where)
            if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ProjectError("claims an implausible compression ratio: refusing a likely zip bomb", where)
            nbytes = _check_npy_header(inner, info, where)
            if nbytes > info.file_size:
                raise ProjectError(f"declares {_size(nbytes)} of data in a {_size(info.file_size)} entry", where)
            total += nbytes
            if total > MEMBER_LIMITS[WEIGHTS_MEMBER]:
                raise ProjectError(f"arrays add up to more than {_size(MEMBER_LIMITS[WEIGHTS_MEMBER])}", name)
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            for key in npz.files:
                arr = npz[key]
                if arr.dtype.kind not in "iuf":
                    raise ProjectError(f"must hold numbers, got dtype {arr.dtype}", f"{name}[{key}]")
                arrays[key] = np.ascontiguousarray(arr, dtype=np.float32)
    except ProjectError:
        raise
    except Exception as err:  # ValueError (pickled objects), zipfile/zlib errors, truncated data
        if "pickle" in str(err).lower():  # numpy's text would point at pickle: objects are never loaded
            raise ProjectError("holds Python objects, not arrays of numbers; they are never loaded", name) from None
        raise ProjectError(f"cannot be read: {err}", name) from None
    return arrays


def _check_npy_header(inner: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> int:
    """Read only the .npy header of one member; return its data size in bytes."""
    if not info.filename.endswith(".npy"):
        raise ProjectError("is not a .npy array", where)
    try:
        with inner.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ProjectError(f"has an unknown .npy version {version}", where)
    except ProjectError:
        raise
    except Exception as err:
        raise ProjectError(f"has a damaged header ({err})", where) from None
    if dtype.hasobject or dtype.kind not in "iuf":
        raise ProjectError(f"must hold plain numbers, got dtype {dtype}", where)
    return math.prod(shape) * dtype.itemsize


def expected_weight_shapes(graph: Graph) -> dict[str, tuple[int, ...] | None]:
    """The arrays each layer owns (its LayerType's `weights`), with their shape where the graph determines
    it (None: not yet known)."""
    analysis = graph.analyze()
    out: dict[str, tuple[int, ...] | None] = {}
    for nid, node in graph.nodes.items():
        ltype = LAYER_TYPES.get(node.type)
        if ltype is None or ltype.weights is None:
            continue
        srcs = graph.inputs_of(nid)
        in_shape = analysis.shapes.get(srcs[0]) if len(srcs) == 1 else None
        try:
            params = ltype.coerce_params(node.params)
        except DesignerError:
            params = dict(node.params)
        for name, shape in ltype.weight_shapes(params, in_shape).items():
            out[f"{nid}/{name}"] = shape
    return out


def check_weights(graph: Graph, arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[str]]:
    """Keep arrays that belong to a layer of the graph; report misfits (the trainer re-initialises them)."""
    expected = expected_weight_shapes(graph)
    kept: dict[str, np.ndarray] = {}
    warnings: list[str] = []
    for key, arr in arrays.items():
        if key not in expected:
            warnings.append(f"{WEIGHTS_MEMBER}: {key} belongs to no layer of the network and was dropped")
            continue
        shape = expected[key]
        if shape is not None and tuple(arr.shape) != tuple(shape):
            warnings.append(
                f"{WEIGHTS_MEMBER}: {key} has shape {list(arr.shape)} but the network needs {list(shape)}; "
                "it will be re-initialised when training"
            )
        kept[key] = arr
    return kept, warnings


# ============================================================================================== writing
@single_line_errors
def dumps_project(project: Project) -> bytes:
    """The project as `.nnproj` bytes (what save_project writes)."""
    buf = io.BytesIO()
    write_archive(project, buf)
    return buf.getvalue()


@single_line_errors
def write_archive(project: Project, f: IO[bytes], extra_members: dict[str, bytes] | None = None) -> None:
    """Write the archive to an open binary file. The project is checked first, so what is written reads back."""
    doc = project.to_json_dict()
    project_from_json(json.loads(_json_bytes(doc)))  # refuse to write a file we could not read
    expected = expected_weight_shapes(project.graph)
    weights = {k: v for k, v in project.weights.items() if k in expected}
    with zipfile.ZipFile(f, "w") as zf:
        _write_member(zf, PROJECT_MEMBER, _json_bytes(doc), zipfile.ZIP_DEFLATED, 6)
        if weights:
            # Stored, not deflated: trained float32 weights shrink by only ~7% at 15× the time.
            _write_member(zf, WEIGHTS_MEMBER, _npz_bytes(weights), zipfile.ZIP_STORED, None)
        if project.history:
            _write_member(zf, HISTORY_MEMBER, _json_bytes(_finite(project.history)), zipfile.ZIP_DEFLATED, 6)
        for name, data in (extra_members or {}).items():
            _write_member(zf, name, data, zipfile.ZIP_DEFLATED, 6)


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes, method: int, level: int | None) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compress_type=method, compresslevel=level)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise ProjectError(f"cannot store a {type(value).__name__} in {PROJECT_MEMBER}: {describe(value)}")


def _json_bytes(doc: Any) -> bytes:
    try:
        text = _pretty(json.loads(json.dumps(doc, allow_nan=False, default=_json_default)), "")
    except ValueError as err:  # NaN/Infinity in a setting
        raise ProjectError(f"cannot save: {err}") from None
    return (text + "\n").encode("utf-8")


def _pretty(value: Any, indent: str) -> str:
    """Indented JSON whose small leaves stay on one line (a node, an edge, a position): short, readable
    diffs when the project is kept in git."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if not isinstance(value, dict | list) or not value or (len(flat) + len(indent) <= 118 and _shallow(value)):
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + _pretty(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def _shallow(value: Any, depth: int = 0) -> bool:
    if isinstance(value, dict):
        return depth < 2 and all(_shallow(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return depth < 2 and all(_shallow(v, depth + 1) for v in value)
    return True


def _finite(value: Any) -> Any:
    """History may hold NaN/inf (a diverged run); JSON has no such numbers, so they are written as null."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _npz_bytes(weights: dict[str, np.ndarray]) -> bytes:
    """An uncompressed .npz written member by member with fixed timestamps (np.savez stamps the clock)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in weights.items():
            arr = np.ascontiguousarray(arr, dtype=np.float32)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=FIXED_DATE)
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=arr.nbytes > 1024 * MiB) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)
    return buf.getvalue()


@single_line_errors
def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write the project atomically: the old file stays intact unless the new one is complete on disk."""
    atomic_write(Path(path), lambda f: write_archive(project, f))


@single_line_errors
def atomic_write(path: Path, write) -> None:
    """Call `write(fileobj)` into a temp file beside `path`, fsync it and rename it over `path`."""
    fileio.atomic_write(path, write, ProjectError, verb="save")


_explain = fileio.explain_os_error
