"""Reading the user's tables: CSV/TSV (delimiter, header and encoding detected) and NPZ arrays.

The file is only ever opened for reading. Every problem becomes one DataError naming the file and,
where it can, the line and column.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from designer.data.chunked import Progress, read_chunked
from designer.errors import DataError

# Cells that count as missing (spec "Data"); pandas' longer default list would also eat "None" etc.
NA_VALUES = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]
CANDIDATE_DELIMITERS = [",", ";", "\t", "|"]
SAMPLE_BYTES = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024 * 1024  # a header line is read whole up to this size (12,000+ long names fit)
# C0 controls other than tab/newline/carriage return/form feed never occur in a text table.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
_LATIN1_C1 = re.compile(rb"[\x80-\x9f]")
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")


@dataclass
class CsvInfo:
    """What was detected about a CSV file (shown in the import dialog and the cleaning report)."""

    path: str
    encoding: str = "utf-8"
    delimiter: str = ","
    header: bool = True
    decimal: str = "."
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    na_values: list[str] = field(default_factory=list)  # the user's extra missing-value markers

    def to_dict(self) -> dict:
        return {"path": self.path, "encoding": self.encoding, "delimiter": self.delimiter, "header": self.header,
                "decimal": self.decimal, "rows": self.rows, "columns": list(self.columns),
                "warnings": list(self.warnings), "na_values": list(self.na_values)}


def _fail(path: Path, message: str) -> DataError:
    return DataError(message, where=path.name)


def check_regular_file(path: Path, what: str = "a CSV file") -> None:
    """Refuse what is not a regular file before opening it: a FIFO or device would block forever or give
    data once (`<(…)`, /dev/stdin), a folder has no rows. stat() itself never blocks."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise DataError(f"file not found: {path}") from None
    except OSError as e:
        raise _fail(path, f"cannot be read ({e.strerror or e})") from None
    if stat.S_ISDIR(mode):
        raise DataError(f"{path} is a folder, not {what}")
    if not stat.S_ISREG(mode):
        kind = "a pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        raise DataError(f"{path} is {kind}, not a regular file: save the data to a file and give its path")


def _read_head(path: Path) -> bytes:
    """The start of the file: SAMPLE_BYTES, and beyond that until the header line and one more are whole
    (a header longer than the sample must not be cut mid-name)."""
    check_regular_file(path)
    try:
        with open(path, "rb") as f:
            head = f.read(SAMPLE_BYTES)
            while len(head) >= SAMPLE_BYTES and head.count(b"\n") < 2 and len(head) < MAX_HEADER_BYTES:
                more = f.read(SAMPLE_BYTES)
                if not more:
                    break
                head += more
            return head
    except FileNotFoundError:
        raise DataError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a CSV file") from None
    except OSError as e:
        raise _fail(path, f"cannot be read ({e.strerror or e})") from None


def _line_of(head: bytes, offset: int) -> int:
    return head.count(b"\n", 0, offset) + 1


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1 (or cp1252 if it has its quote marks)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    bad = _CONTROL_BYTES.search(head)
    if bad:
        raise _fail(path, f"is not a CSV text file (binary byte 0x{bad.group()[0]:02x} on line "
                          f"{_line_of(head, bad.start())})")
    return "utf-8"  # confirmed (or replaced) by the full scan in _scan_rows


def _fallback_encoding(path: Path) -> str:
    """The file is not UTF-8: Latin-1 unless it holds C1 bytes, which only make sense as Windows cp1252."""
    with open(path, "rb") as f:
        offset = 0
        has_c1 = False
        while chunk := f.read(1 << 20):
            bad = _CONTROL_BYTES.search(chunk)
            if bad:
                raise _fail(path, f"has bytes that are neither UTF-8 nor Latin-1 text (0x{bad.group()[0]:02x} "
                                  f"at byte {offset + bad.start()})")
            has_c1 = has_c1 or bool(_LATIN1_C1.search(chunk))
            offset += len(chunk)
    if not has_c1:
        return "latin-1"
    try:
        with open(path, encoding="cp1252") as f:
            while f.read(1 << 20):
                pass
    except UnicodeDecodeError as e:
        raise _fail(path, f"has bytes that are neither UTF-8, Latin-1 nor Windows-1252 text "
                          f"(0x{e.object[e.start]:02x})") from None
    return "cp1252"


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ".") if _DECIMAL_COMMA.match(text) else text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "infinity", "-infinity")


def _sniff_delimiter(sample: str, suffix: str) -> str:
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may cut the last line in half
    if not lines:
        return ","

    def consistent(delim: str) -> int:
        counts = {len(row) for row in csv.reader(lines, delimiter=delim)}
        return next(iter(counts)) if len(counts) == 1 else 0

    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters="".join(CANDIDATE_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed and consistent(sniffed) > 1:
        return sniffed
    preferred = ["\t"] + CANDIDATE_DELIMITERS if suffix in (".tsv", ".tab") else CANDIDATE_DELIMITERS
    scored = [(consistent(d), -i, d) for i, d in enumerate(preferred)]
    best = max(scored)
    return best[2] if best[0] > 1 else ("\t" if suffix in (".tsv", ".tab") else ",")


def _sniff_header(rows: list[list[str]]) -> bool:
    """A header row has a text cell above numbers, or (all-text tables) is what csv.Sniffer thinks."""
    if not rows:
        return True
    first, body = rows[0], rows[1:20]
    first_numeric = [_is_number(c) for c in first if c.strip()]
    if first_numeric and all(first_numeric):
        return False
    for j, cell in enumerate(first):
        below = [r[j] for r in body if j < len(r) and r[j].strip() and r[j].strip() not in NA_VALUES]
        if below and not _is_number(cell) and all(_is_number(v) for v in below):
            return True
    if not body:
        return True
    try:
        sample = "\n".join(",".join(r) for r in rows[:20])
        return csv.Sniffer().has_header(sample)
    except csv.Error:
        return True


def _scan_rows(path: Path, encoding: str, delimiter: str, header: bool, limit: int | None = None) -> int:
    """Stream rows through the csv module: DataError at the first row whose field count differs from the
    first row's (pandas would silently pad a short row with NaN). Returns the number of data rows seen."""
    with open(path, encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        expected = None
        rows = 0
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line (pandas skips them too)
            if expected is None:
                expected = len(row)
                if not header:
                    rows += 1
                continue
            if len(row) != expected:
                raise _ragged(path, reader.line_num, len(row), expected, header)
            rows += 1
            if limit is not None and rows >= limit:
                break
    return rows


def _scan_rows_fast(path: Path, encoding: str, delimiter: str, header: bool) -> bool:
    """The same check by counting delimiter bytes per line, about 4× faster than the csv module. Only valid
    without quoting: returns False (nothing decided) as soon as a quote character appears."""
    if encoding not in ("utf-8", "utf-8-sig", "latin-1", "cp1252"):  # ASCII-compatible: one byte per delimiter
        return False
    sep = delimiter.encode("ascii")
    expected = None
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if b'"' in line:
                return False
            if not line.strip():
                continue
            count = line.count(sep) + 1
            if expected is None:
                expected = count
            elif count != expected:
                raise _ragged(path, number, count, expected, header)
    return True


def _ragged(path: Path, line: int, got: int, expected: int, header: bool) -> DataError:
    return _fail(path, f"line {line} has {got} fields but the {'header' if header else 'first line'} "
                       f"has {expected} (ragged rows)")


_PANDAS_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _pandas_read(path: Path, info: CsvInfo, progress: Progress | None = None) -> pd.DataFrame:
    options = dict(sep=info.delimiter, header=0 if info.header else None, encoding=info.encoding,
                   na_values=NA_VALUES + info.na_values, keep_default_na=False, decimal=info.decimal,
                   skipinitialspace=True, skip_blank_lines=True, low_memory=False, engine="c", index_col=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)  # e.g. a first row longer than the header
        return read_chunked(path, options, len(info.columns), progress)


def sniff_csv(path: str | Path, *, delimiter: str | None = None, header: bool | None = None,
              encoding: str | None = None) -> tuple[CsvInfo, list[list[str]]]:
    """Detect encoding, delimiter and header from the start of the file; also returns the first rows."""
    path = Path(path)
    head = _read_head(path)
    if not head.strip():
        raise _fail(path, "is empty")
    if encoding is None:
        encoding = _detect_encoding(path, head)
    try:
        sample = head.decode(encoding)
    except UnicodeDecodeError as e:
        if encoding == "utf-8" and e.start >= len(head) - 3:  # a multi-byte character cut by the sample
            sample = head[: e.start].decode(encoding)
        elif encoding == "utf-8":
            encoding = _fallback_encoding(path)
            sample = head.decode(encoding)
        else:
            raise _fail(path, f"cannot be decoded as {encoding} (line {_line_of(head, e.start)})") from None
    except LookupError:
        raise _fail(path, f"unknown encoding '{encoding}'") from None
    if delimiter is None:
        delimiter = _sniff_delimiter(sample, path.suffix.lower())
    lines = sample.splitlines()
    if len(lines) > 1 and len(head) >= SAMPLE_BYTES:
        lines = lines[:-1]  # the sample may end mid-line
    try:
        rows = [r for r in csv.reader(lines[:200], delimiter=delimiter) if r and any(c.strip() for c in r)]
    except csv.Error as e:
        raise _fail(path, f"is not a readable CSV file ({e})") from None
    if header is None:
        header = _sniff_header(rows)
    info = CsvInfo(path=str(path), encoding=encoding, delimiter=delimiter, header=bool(header))
    if delimiter in (";", "\t"):
        cells = [c for r in rows[1 if header else 0:] for c in r]
        if any(_DECIMAL_COMMA.match(c) for c in cells) and not any(_DECIMAL_POINT.match(c) for c in cells):
            info.decimal = ","
    if rows:
        info.columns = rows[0] if header else [f"column_{i + 1}" for i in range(len(rows[0]))]
    return info, rows


def read_csv(path: str | Path, *, delimiter: str | None = None, header: bool | None = None,
             encoding: str | None = None, na_values: list[str] | None = None,
             progress: Progress | None = None) -> tuple[pd.DataFrame, CsvInfo]:
    """Read a whole CSV/TSV into a DataFrame with missing cells as NaN; returns what was detected.

    `na_values`: extra cell texts that mean "missing" for this file (besides empty, NA, NaN, null, ?).
    `progress(fraction)`: called as the file is parsed; it may raise LoadCancelled to stop (see chunked.py).
    """
    path = Path(path)
    info, rows = sniff_csv(path, delimiter=delimiter, header=header, encoding=encoding)
    if na_values:
        if not isinstance(na_values, list) or not all(isinstance(v, str) for v in na_values):
            raise _fail(path, "data.source.na_values must be a list of texts")
        info.na_values = list(na_values)
    if info.header and rows:
        names = [c.strip() for c in rows[0]]
        dupes = sorted({c for c in names if names.count(c) > 1})
        if dupes:
            raise _fail(path, f"has duplicate column names in its header: {', '.join(repr(c) for c in dupes)}")
    try:
        # the first rows through the csv module catch a ragged start early with its line number
        _scan_rows(path, info.encoding, info.delimiter, info.header, limit=200)
        df = _pandas_read(path, info, progress)
    except UnicodeDecodeError as e:
        if encoding is not None or info.encoding != "utf-8":
            raise _fail(path, f"cannot be decoded as {info.encoding} (byte 0x{e.object[e.start]:02x})") from None
        info.encoding = _fallback_encoding(path)
        df = _read_or_fail(path, info, progress=progress)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning, ValueError, csv.Error) as e:
        df = _read_or_fail(path, info, e)
    info.rows = len(df)
    if info.rows == 0:
        raise _fail(path, "has a header but no data rows" if info.header else "has no data rows")
    if df.shape[1] > 1 and df.iloc[:, -1].isna().any():
        # a short row looks like an empty last cell: only then pay for the full field-count pass
        if not _scan_rows_fast(path, info.encoding, info.delimiter, info.header):
            _scan_rows(path, info.encoding, info.delimiter, info.header)
    if not info.header:
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
    df.columns = [str(c).strip() for c in df.columns]
    info.columns = list(df.columns)
    if info.encoding == "utf-16":  # said by its byte-order mark: nothing to doubt
        info.warnings.append(f"{path.name} is not UTF-8; read as {info.encoding}")
    elif info.encoding not in ("utf-8", "utf-8-sig"):  # a guess: name the line that made it
        info.warnings.append(_not_utf8_warning(path, info.encoding))
    return df, info


def _not_utf8_warning(path: Path, encoding: str) -> str:
    """Say that the file was re-read in another encoding, naming the first line that is not UTF-8, so the person
    can check what became of accented letters there (naïve read wrongly shows as naÃ¯ve)."""
    line, pending = 1, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            data, pending = pending + chunk, b""
            try:
                data.decode("utf-8")
                line += data.count(b"\n")
                continue
            except UnicodeDecodeError as e:
                line += data.count(b"\n", 0, e.start)
                if e.reason == "unexpected end of data" and e.start >= len(data) - 3:
                    pending = data[e.start:]  # a character cut by the chunk: decide with the next one
                    continue
                return (f"{path.name} is not UTF-8 text: line {line} has the byte 0x{data[e.start]:02x}; read the "
                        f"whole file as {encoding}: check its accented letters, or save it as UTF-8")
    return f"{path.name} is not UTF-8; read as {encoding}"


def _read_or_fail(path: Path, info: CsvInfo, error: Exception | None = None,
                  progress: Progress | None = None) -> pd.DataFrame:
    """Read (again); any parser failure becomes one DataError (ragged rows with their line)."""
    try:
        if error is not None:
            raise error
        return _pandas_read(path, info, progress)
    except UnicodeDecodeError as e:
        raise _fail(path, f"cannot be decoded as {info.encoding} (byte 0x{e.object[e.start]:02x})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning, ValueError, csv.Error) as e:
        text = str(e).strip()
        ragged = _PANDAS_RAGGED.search(text)
        if ragged:
            expected, line, got = (int(g) for g in ragged.groups())
            raise _ragged(path, line, got, expected, info.header) from None
        if isinstance(e, pd.errors.EmptyDataError):
            raise _fail(path, "has no data rows") from None
        first = text.splitlines()[0] if text else type(e).__name__
        raise _fail(path, f"is not a readable CSV file ({first})") from None


def read_npz(path: str | Path, x_name: str = "x", y_name: str = "y") -> tuple[pd.DataFrame, tuple[int, ...]]:
    """Numeric arrays (e.g. images): features flattened in C order to columns `<x>_0 …`, target column `<y>`."""
    path = Path(path)
    _read_head(path)  # same not-found / folder messages as CSV
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files)
            for name in (x_name, y_name):
                if name not in names:
                    raise _fail(path, f"has no array named '{name}' (arrays: {', '.join(names) or 'none'})")
            x, y = archive[x_name], archive[y_name]
    except DataError:
        raise
    except ValueError as e:
        if "pickle" in str(e).lower():  # numpy's own text would tell the user to allow pickle: never
            raise _fail(path, "holds Python objects, not plain arrays; they are never loaded (loading them could "
                              "run code): save numeric or text arrays with numpy.savez") from None
        raise _fail(path, "is not a readable NPZ file of numeric arrays") from None
    except (OSError, EOFError, zipfile.BadZipFile):  # not a zip, truncated
        raise _fail(path, "is not a readable NPZ file of numeric arrays (not a complete .npz archive)") from None
    if x.ndim < 1 or x.shape[0] == 0:
        raise _fail(path, f"array '{x_name}' has no rows")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise _fail(path, f"array '{y_name}' must have one value per row of '{x_name}' "
                          f"(shapes {x.shape} and {y.shape})")
    if x.dtype.kind not in "biuf":
        raise _fail(path, f"array '{x_name}' is not numeric (dtype {x.dtype})")
    if y.dtype.kind not in "biufU":
        raise _fail(path, f"array '{y_name}' is neither numeric nor text (dtype {y.dtype})")
    sample_shape = tuple(int(s) for s in x.shape[1:])
    flat = x.reshape(x.shape[0], -1)
    df = pd.DataFrame(flat, columns=[f"{x_name}_{i}" for i in range(flat.shape[1])])
    df[y_name] = y
    return df, sample_shape
