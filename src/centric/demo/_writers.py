"""File formats of the exports: vectorised text formatting and incremental, buffered sinks."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

NBSP = "\u00a0"
BOM = "\ufeff"


# ---- vectorised formatting ---------------------------------------------------------------


def to_str(values: object) -> pa.Array:
    """A pyarrow string array from numbers, strings or pyarrow arrays (None stays null)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == pa.string() else pc.cast(values, pa.string())
    arr = np.asarray(values)
    if arr.dtype == object:
        try:
            return pa.array(arr, pa.string())
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            return pa.array([None if v is None else str(v) for v in arr], pa.string())
    return pc.cast(pa.array(arr), pa.string())


def cat(*parts: object) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded number, e.g. ``ids("KH", [123], 6) -> "KH000123"``."""
    return cat(prefix, pc.utf8_lpad(to_str(np.asarray(numbers, dtype=np.int64)), width, "0"))


def _local_text(local_epoch: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' of local wall-clock seconds."""
    return pc.cast(pa.array(np.asarray(local_epoch, dtype=np.int64), pa.timestamp("s")), pa.string())


def iso(local_epoch: np.ndarray) -> pa.Array:
    """ISO 8601 with the +07:00 offset: '2024-05-01T09:30:00+07:00'."""
    return cat(pc.replace_substring(_local_text(local_epoch), " ", "T", max_replacements=1), "+07:00")


def vn_date(local_epoch: np.ndarray, *, with_time: bool = False) -> pa.Array:
    """'dd/mm/yyyy' (or 'dd/mm/yyyy HH:MM') as Vietnamese shop software writes dates."""
    s = _local_text(local_epoch)

    def part(a: int, b: int) -> pa.Array:
        return pc.utf8_slice_codeunits(s, a, b)

    date = cat(part(8, 10), "/", part(5, 7), "/", part(0, 4))
    return cat(date, " ", part(11, 16)) if with_time else date


def vnd(amounts: np.ndarray) -> pa.Array:
    """vi-VN currency format: '1.234.568 ₫' with U+00A0 before the dong sign."""
    text = pc.utf8_lpad(pc.cast(pa.array(np.asarray(amounts, dtype=np.int64)), pa.string()), 12, " ")
    groups = [pc.utf8_slice_codeunits(text, i, i + 3) for i in range(0, 12, 3)]
    return cat(pc.utf8_ltrim(pc.binary_join_element_wise(*groups, "."), characters=" ."), NBSP + "₫")


def json_str(values: pa.Array, *, escape: bool = True) -> pa.Array:
    """JSON string literals, or null for nulls; ``escape=False`` for ids and codes (no quote/backslash)."""
    if escape:
        values = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    quoted = cat('"', values, '"')
    return quoted if quoted.null_count == 0 else pc.fill_null(quoted, "null")


def csv_field(values: pa.Array, delimiter: str) -> pa.Array:
    """Quote a CSV field only when it holds the delimiter, a quote or a line break; nulls -> ''."""
    values = pc.fill_null(values, "")
    pattern = "[" + ("\\" + delimiter) + '"\\n\\r]'
    needs = pc.match_substring_regex(values, pattern)
    quoted = cat('"', pc.replace_substring(values, '"', '""'), '"')
    return pc.if_else(needs, quoted, values)


def _write_lines(fh: io.BufferedWriter, lines: pa.Array) -> None:
    """Write the concatenated UTF-8 of a non-null string array: its data buffer, without a copy."""
    if len(lines) == 0:
        return
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    fh.write(memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]])


# ---- sinks -----------------------------------------------------------------------------


class CsvSink:
    """A CSV file written in batches; the header is written once, exactly as given."""

    def __init__(
        self,
        path: Path,
        header: list[str],
        *,
        delimiter: str = ",",
        bom: bool = False,
        text: tuple[int, ...] = (),
    ) -> None:
        self.path = path
        self.text = text  # columns that may need quoting (free text); the others are codes and numbers
        self.delimiter = delimiter
        self.rows = 0
        self._pending: list[pa.Array] = []
        self._fh = open(path, "wb")
        self._fh.write(((BOM if bom else "") + delimiter.join(header) + "\n").encode("utf-8"))

    def write(self, columns: list[object]) -> None:
        cols = [
            csv_field(to_str(c), self.delimiter) if i in self.text else pc.fill_null(to_str(c), "")
            for i, c in enumerate(columns)
        ]
        if not cols or len(cols[0]) == 0:
            return
        line = pc.binary_join_element_wise(*cols, self.delimiter)
        self._pending.append(cat(line, "\n"))
        self.rows += len(line)

    def flush(self) -> None:
        for lines in self._pending:
            _write_lines(self._fh, lines)
        self._pending.clear()

    def close(self) -> list[Path]:
        self.flush()
        self._fh.close()
        return [self.path]


class JsonlSink:
    """JSON Lines, one object per line; optionally split into ``stem_0001.jsonl`` parts."""

    def __init__(self, directory: Path, stem: str, *, max_lines: int | None = None) -> None:
        self.directory, self.stem, self.max_lines = directory, stem, max_lines
        self.rows = 0
        self.parts: list[Path] = []
        self._in_part = 0
        self._pending: list[pa.Array] = []
        self._fh: io.BufferedWriter | None = None

    def write(self, fields: dict[str, pa.Array]) -> None:
        """``fields``: key -> already-JSON-encoded values (see :func:`json_str`)."""
        pieces: list[object] = []
        for i, (key, value) in enumerate(fields.items()):
            pieces += [("{" if i == 0 else ",") + f'"{key}":', value]
        pieces.append("}\n")
        lines = cat(*pieces)
        start = 0
        while start < len(lines):
            if self._fh is None or (self.max_lines and self._in_part >= self.max_lines):
                self._rotate()
            room = (
                len(lines) - start
                if not self.max_lines
                else min(self.max_lines - self._in_part, len(lines) - start)
            )
            self._pending.append(lines.slice(start, room))
            self._in_part += room
            self.rows += room
            start += room

    def _rotate(self) -> None:
        self.flush()
        if self._fh is not None:
            self._fh.close()
        path = self.directory / (
            f"{self.stem}_{len(self.parts) + 1:04d}.jsonl" if self.max_lines else f"{self.stem}.jsonl"
        )
        self.parts.append(path)
        self._fh = open(path, "wb")
        self._in_part = 0

    def flush(self) -> None:
        if self._fh is not None:
            for lines in self._pending:
                _write_lines(self._fh, lines)
        self._pending.clear()

    def close(self) -> list[Path]:
        if self._fh is None:
            self._rotate()
        self.flush()
        assert self._fh is not None
        self._fh.close()
        if self.max_lines and len(self.parts) == 1:  # small worlds: one plain stem.jsonl
            single = self.directory / f"{self.stem}.jsonl"
            self.parts[0].rename(single)
            self.parts = [single]
        return list(self.parts)


class ParquetSink:
    """A Parquet file written one batch (row group) at a time."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self._pending.append(table)
        self.rows += table.num_rows

    def flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending))
        self._pending.clear()

    def close(self) -> list[Path]:
        self.flush()
        self._writer.close()
        return [self.path]


def write_xlsx(path: Path, header: list[str], rows: list[list[object]], *, sheet: str) -> None:
    """An .xlsx with one sheet, made byte-reproducible (fixed zip times and document dates)."""
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    fixed = datetime(2024, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "centric.demo"
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _pin_core_dates(data)
            out = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = info.external_attr
            dst.writestr(out, data)


def _pin_core_dates(xml: bytes) -> bytes:
    import re

    return re.sub(
        rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rb"\g<1>2024-01-01T00:00:00Z\3", xml
    )
