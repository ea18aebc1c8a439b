"""Readers: CSV (any delimiter, five encodings), XLSX, Parquet and JSON Lines, as raw strings.

:func:`open_source` inspects a file (format, encoding, delimiter, headers and
the SHA-256 of its bytes) and returns a :class:`SourceFile` whose
:meth:`~SourceFile.chunks` yields :class:`RawChunk` frames of raw text, so
normalisers see exactly what the file says and memory stays flat on big files.

Row numbers are what a person looking at the file would call the row: the
spreadsheet row for CSV and XLSX (the header is row 1), the line number for
JSON Lines, the 1-based record number for Parquet.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from centric.exceptions import EncodingError, InputError, MissingFileError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "RawChunk",
    "SourceFile",
    "detect_encoding",
    "open_source",
    "sniff_delimiter",
]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".jsonl", ".ndjson")
ENCODINGS_TRIED = ("utf-8 (BOM)", "utf-16 (BOM)", "utf-8", "cp1258", "cp1252")
DELIMITERS = (",", ";", "\t", "|")
_BLOCK = 1 << 20
# letters that only Vietnamese uses (ă đ ơ ư, the precomposed tone letters) and the tone marks
_VIETNAMESE = re.compile("[ăĂđĐơƠưƯ\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")
_BAD_LINE = re.compile(r"Skipping line (\d+): (.*)")


@dataclass
class RawChunk:
    """A slice of a file as raw text.

    Attributes
    ----------
    frame
        One column per header of the file; cells are ``str`` or ``None``.
    rows
        The row number of each record of ``frame`` (see the module docstring).
    broken
        ``(row_number, raw_text, reason)`` for records that could not be parsed
        at all (a broken JSON line, a CSV line with too many fields).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    broken: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class SourceFile:
    """A file ready to be read in chunks (see :func:`open_source`)."""

    path: Path
    format: str
    sha256: str
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    skip_lines: int = 0  # an Excel "sep=;" hint line before the header
    _frame: pd.DataFrame | None = field(default=None, repr=False)  # XLSX: read once

    def chunks(self, size: int = 200_000) -> Iterator[RawChunk]:
        """Yield the file's records, ``size`` at a time."""
        if self.format == "csv":
            yield from self._csv_chunks(size)
        elif self.format == "xlsx":
            frame = self._frame if self._frame is not None else _read_xlsx(self.path)
            for start in range(0, len(frame), size):
                part = frame.iloc[start : start + size].reset_index(drop=True)
                yield RawChunk(_as_text(part), np.arange(start, start + len(part)) + 2)
        elif self.format == "parquet":
            yield from _parquet_chunks(self.path, size)
        else:
            yield from _jsonl_chunks(self.path, size, self.encoding or "utf-8")

    def _csv_chunks(self, size: int) -> Iterator[RawChunk]:
        first = 2 + self.skip_lines
        seen = 0
        reader = pd.read_csv(
            self.path, sep=self.delimiter, encoding=self.encoding, dtype=str, keep_default_na=False,
            na_filter=False, skip_blank_lines=False, skiprows=self.skip_lines, chunksize=size,
            on_bad_lines="warn", engine="c",
        )
        bad_before = np.array([], dtype=np.int64)
        while True:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    frame = next(reader)
                except StopIteration:
                    break
                except (pd.errors.ParserError, UnicodeDecodeError) as exc:
                    raise InputError(f"Cannot parse {str(self.path)!r} as CSV: {exc}") from None
            bad = [m for w in caught for m in _BAD_LINE.finditer(str(w.message))]
            broken_lines = np.array(sorted(int(m.group(1)) + self.skip_lines for m in bad), dtype=np.int64)
            bad_before = np.concatenate([bad_before, broken_lines])
            rows = np.arange(seen, seen + len(frame), dtype=np.int64) + first
            for line in np.sort(bad_before):  # a skipped line shifts the rows after it
                rows[rows >= line] += 1
            seen += len(frame)
            broken = [
                (int(m.group(1)) + self.skip_lines, _line_text(self, int(m.group(1)) + self.skip_lines),
                 f"line {int(m.group(1)) + self.skip_lines}: {m.group(2).strip()}")
                for m in bad
            ]
            frame.columns = self.headers
            yield RawChunk(frame, rows, broken)
        reader.close()


def _line_text(src: SourceFile, line: int) -> str:
    with open(src.path, encoding=src.encoding, newline="") as fh:
        for number, text in enumerate(fh, start=1):
            if number == line:
                return text.rstrip("\r\n")
    return ""


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as ``str`` or ``None`` (``''`` becomes ``None``)."""
    out = frame.astype(object)
    return out.where(out.notna() & (out != ""), None)


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, na_filter=False, engine="openpyxl")
    except Exception as exc:
        raise InputError(f"Cannot read {str(path)!r} as an Excel workbook (.xlsx): {exc}") from None
    frame.columns = [_header(c) for c in frame.columns]
    return frame


def _parquet_chunks(path: Path, size: int) -> Iterator[RawChunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    seen = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
        cols: dict[str, Any] = {}
        for name, arr in zip(batch.schema.names, batch.columns, strict=True):
            try:
                text = arr.cast(pa.string()).to_pylist()
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                text = [None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                        for v in arr.to_pylist()]
            cols[_header(name)] = pd.Series(text, dtype=object)
        frame = _as_text(pd.DataFrame(cols))
        yield RawChunk(frame, np.arange(seen, seen + len(frame), dtype=np.int64) + 1)
        seen += len(frame)


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _jsonl_chunks(path: Path, size: int, encoding: str) -> Iterator[RawChunk]:
    """JSON Lines records: DuckDB's reader while the file is clean, else line by line.

    DuckDB stops at the first line it cannot take (malformed, not an object, a
    duplicate key...); the lines from there on are read by :func:`_jsonl_lines`,
    which quarantines broken lines with their numbers, so the result is the same.
    """
    plan = _jsonl_plan(path, encoding)
    if plan is None:
        yield from _jsonl_lines(path, size, encoding)
        return
    import duckdb
    import pyarrow as pa

    keys, nested, nonblank, total = plan
    headers = [_header(k) for k in keys]
    columns = ", ".join(f"{_sql_text(k)}: '{'JSON' if k in nested else 'VARCHAR'}'" for k in keys)
    con = duckdb.connect()
    taken = 0  # records (non-blank lines) read so far
    emitted = 0  # lines 1..emitted are in chunks already
    try:
        result = con.execute(
            f"SELECT * FROM read_json({_sql_text(str(path))}, format='newline_delimited', records=true, "
            f"columns={{{columns}}})"
        )
        reader = result.to_arrow_reader(size) if hasattr(result, "to_arrow_reader") else (
            result.fetch_record_batch(size))
        for batch in reader:
            n = batch.num_rows
            if not n:
                continue
            if taken + n > len(nonblank):
                raise InputError(f"Cannot read {str(path)!r} as JSON Lines: more records than lines.")
            last = int(nonblank[taken + n - 1])
            lines = np.arange(emitted + 1, last + 1, dtype=np.int64)
            if len(lines) != n:  # blank lines in between: records without cells
                take = np.full(len(lines), -1, dtype=np.int64)
                take[nonblank[taken : taken + n] - emitted - 1] = np.arange(n)
                batch = batch.take(pa.array(take, mask=take < 0))
            yield RawChunk(_arrow_frame(batch, keys, headers, nested), lines)
            taken += n
            emitted = last
    except duckdb.Error:
        con.close()
        yield from _jsonl_lines(path, size, encoding, first_line=emitted + 1)
        return
    con.close()
    if taken == len(nonblank) and emitted < total:  # blank lines at the end: records without cells
        frame = pd.DataFrame({h: pd.Series([None] * (total - emitted), dtype=object) for h in headers})
        yield RawChunk(frame, np.arange(emitted + 1, total + 1, dtype=np.int64))
    elif emitted < total:  # lines DuckDB did not return
        yield from _jsonl_lines(path, size, encoding, first_line=emitted + 1)


_SAMPLE_LINES = 1000


def _arrow_frame(batch: Any, keys: list[str], headers: list[str], nested: set[str]) -> pd.DataFrame:
    cols = {}
    for key, header in zip(keys, headers, strict=True):
        arr = batch.column(batch.schema.get_field_index(key))
        cols[header] = _text_column(_render_nested(arr) if key in nested else arr)
    return pd.DataFrame(cols)


def _text_column(arr: Any) -> pd.Series:
    """An Arrow string column as ``str``/``None`` cells (``''`` becomes ``None``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr.cast(pa.string()))
    return pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _jsonl_plan(path: Path, encoding: str) -> tuple[list[str], set[str], np.ndarray, int] | None:
    """What the fast reader needs: keys, keys holding objects, non-blank line numbers, line count.

    ``None`` means "use the line-by-line reader": another encoding, trouble in the
    first lines, keys DuckDB would confuse, or lines ending in a lone CR. Keys are
    those of the first lines (as for the headers); string values arrive as written,
    other values as their JSON text.
    """
    if encoding != "utf-8":
        return None
    keys: dict[str, None] = {}
    nested: set[str] = set()
    with open(path, encoding=encoding, newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if number > _SAMPLE_LINES:
                break
            text = line.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                return None
            if not isinstance(obj, dict):
                return None
            for k, v in obj.items():
                keys.setdefault(k)
                if isinstance(v, dict | list):
                    nested.add(k)
    headers = {_header(k) for k in keys}
    folded = {k.lower() for k in keys}
    if not keys or len(headers) != len(keys) or len(folded) != len(keys) or "" in keys:
        return None
    found = _nonblank_lines(path)
    if found is None:
        return None
    return list(keys), nested, found[0], found[1]


def _nonblank_lines(path: Path) -> tuple[np.ndarray, int] | None:
    """Line numbers of the lines that hold something, and the number of lines.

    ``None`` if a line ends in a lone CR (Python ends lines there, DuckDB does not).
    """
    blank: list[int] = []
    total = 0  # lines seen so far
    tail = b""  # the unfinished last line of the previous block
    lone_cr = False
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK * 16):
            data = np.frombuffer(block, dtype=np.uint8)
            cr = np.flatnonzero(data == 13)
            if len(cr):
                nxt = data[np.minimum(cr + 1, len(data) - 1)]
                ok = (cr + 1 < len(data)) & (nxt == 10)
                # a CR ending the block is fine when the next block starts with LF (checked below)
                lone_cr = lone_cr or bool((~ok[:-1]).any()) or (not ok[-1] and cr[-1] != len(data) - 1)
            if tail[-1:] == b"\r" and block[:1] != b"\n":
                lone_cr = True
            ends = np.flatnonzero(data == 10)
            if not len(ends):
                tail += block
                continue
            starts = np.concatenate([[0], ends[:-1] + 1])
            lengths = ends - starts
            lengths[0] += len(tail)
            for i in np.flatnonzero(lengths <= 64):  # only short lines can be blank
                text = (tail if i == 0 else b"") + block[starts[i] : ends[i]]
                if not text.decode("utf-8", errors="replace").strip():
                    blank.append(total + int(i) + 1)
            total += len(ends)
            tail = block[ends[-1] + 1 :]
    if lone_cr or tail[-1:] == b"\r":
        return None
    if tail:
        total += 1
        if not tail.decode("utf-8", errors="replace").strip():
            blank.append(total)
    numbers = np.arange(1, total + 1, dtype=np.int64)
    if blank:
        numbers = np.delete(numbers, np.array(blank, dtype=np.int64) - 1)
    return numbers, total


def _render_nested(arr: Any) -> Any:
    """JSON texts as :func:`_cell` writes them: strings unquoted, objects re-rendered by ``json``."""
    import pyarrow as pa

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    coded = arr.dictionary_encode()
    values = [_cell(json.loads(v)) for v in coded.dictionary.to_pylist()]
    return pa.array(values, type=pa.string()).take(coded.indices)


def _jsonl_lines(path: Path, size: int, encoding: str, first_line: int = 1) -> Iterator[RawChunk]:
    records: list[dict[str, Any]] = []
    rows: list[int] = []
    broken: list[tuple[int, str, str]] = []
    with open(path, encoding=encoding, newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if number < first_line:
                continue
            text = line.strip()
            try:
                obj = json.loads(text) if text else {}
            except ValueError as exc:
                broken.append((number, text, f"line {number}: not valid JSON ({exc.msg})"))
                obj = None
            if obj is not None and not isinstance(obj, dict):
                broken.append((number, text, f"line {number}: not a JSON object (expected {{...}})"))
                obj = None
            if obj is not None:
                records.append({_header(k): _cell(v) for k, v in obj.items()})
                rows.append(number)
            if len(records) + len(broken) >= size:
                yield RawChunk(_as_text(pd.DataFrame.from_records(records)), np.array(rows, dtype=np.int64),
                               broken)
                records, rows, broken = [], [], []
    if records or broken or not rows:
        yield RawChunk(_as_text(pd.DataFrame.from_records(records)), np.array(rows, dtype=np.int64), broken)


def _header(name: object) -> str:
    return unicodedata.normalize("NFC", str(name)).strip()


def detect_encoding(path: Path) -> tuple[str, str]:
    """Detect the text encoding of ``path``; returns ``(python codec name, sha256 hex)``.

    The byte-order mark wins (UTF-8 or UTF-16); then strict UTF-8; then
    Windows-1258 if it decodes and yields Vietnamese letters; then Windows-1252.

    Raises
    ------
    EncodingError
        When the bytes look binary or decode under none of these encodings.
    """
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_ok = True
    head = b""
    controls = 0
    total = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK * 16):  # large blocks: fewer passes through Python
            digest.update(block)
            if len(head) < 4:
                head = (head + block)[:4]
            total += len(block)
            controls += len(block) - len(block.translate(None, _CONTROL_BYTES))
            if utf8_ok:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
    sha = digest.hexdigest()
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", sha
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(
        codecs.BOM_UTF32_LE
    ):
        return "utf-16", sha
    binary = total and controls > max(0, total // 1000)
    if not binary and utf8_ok:
        try:
            utf8.decode(b"", final=True)
            return "utf-8", sha
        except UnicodeDecodeError:
            pass
    if not binary:
        for name in ("cp1258", "cp1252"):
            found = _decodes(path, name)
            if found is not None and (name == "cp1252" or found):
                return name, sha
    raise EncodingError(
        f"Cannot read {str(path)!r}: its bytes are not text in any supported encoding "
        f"(tried: {', '.join(ENCODINGS_TRIED)}). Re-save the file as UTF-8 "
        "(in Excel: 'CSV UTF-8 (Comma delimited)') and import it again."
    )


# NUL and C0 controls other than tab, newline, carriage return, form feed; also DEL
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])


def _decodes(path: Path, encoding: str) -> bool | None:
    """``None`` if ``path`` does not decode; else whether it yields Vietnamese letters."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    vietnamese = False
    try:
        with open(path, "rb") as fh:
            while block := fh.read(_BLOCK):
                text = decoder.decode(block)
                vietnamese = vietnamese or bool(_VIETNAMESE.search(text))
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return vietnamese


def sniff_delimiter(sample: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the sample's lines most consistently.

    Examples
    --------
    >>> sniff_delimiter("Mã KH;Họ tên;SĐT\\nKH1;An;0912345678\\n")
    ';'
    """
    lines = [ln for ln in sample.splitlines() if ln.strip()][:50]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the last line of a sample may be cut short
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def open_source(path: str | Path) -> SourceFile:
    """Inspect ``path`` and return a :class:`SourceFile` ready to read.

    Raises
    ------
    MissingFileError
        If ``path`` does not exist.
    EncodingError
        If a text file's encoding is not supported.
    InputError
        If the file type is not supported or the file cannot be parsed.
    """
    file = Path(path)
    if not file.is_file():
        raise MissingFileError(f"Input file {str(file)!r} does not exist (or is not a file).")
    suffix = file.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(file)
        return SourceFile(file, "xlsx", _sha256(file), list(frame.columns), _frame=frame)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(file).schema_arrow.names
        except Exception as exc:
            raise InputError(f"Cannot read {str(file)!r} as Parquet: {exc}") from None
        return SourceFile(file, "parquet", _sha256(file), [_header(n) for n in names])
    if suffix in (".jsonl", ".ndjson"):
        encoding, sha = detect_encoding(file)
        keys: dict[str, None] = {}
        for chunk in _jsonl_lines(file, 1000, encoding):
            keys.update(dict.fromkeys(chunk.frame.columns))
            break
        return SourceFile(file, "jsonl", sha, list(keys), encoding=encoding)
    if suffix in (".csv", ".tsv", ".txt"):
        encoding, sha = detect_encoding(file)
        with open(file, encoding=encoding, newline="") as fh:
            sample = fh.read(65536)
        skip = 0
        hint = re.match(r"\s*sep=(.)\s*\r?\n", sample)
        if hint:
            delimiter, skip = hint.group(1), 1
        else:
            delimiter = "\t" if suffix == ".tsv" else sniff_delimiter(sample)
        try:
            head = pd.read_csv(file, sep=delimiter, encoding=encoding, dtype=str, nrows=0, skiprows=skip)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputError(f"Cannot parse {str(file)!r} as CSV: {exc}") from None
        headers = [_header(c) for c in head.columns]
        return SourceFile(file, "csv", sha, headers, encoding=encoding, delimiter=delimiter, skip_lines=skip)
    raise InputError(
        f"File type {suffix!r} of {str(file)!r} is not supported. "
        f"Supported: {', '.join(SUPPORTED_SUFFIXES)}."
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
