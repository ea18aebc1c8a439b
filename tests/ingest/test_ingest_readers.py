"""Readers: encodings, delimiters, file types, and their errors."""

from __future__ import annotations

import os

import pytest

from centric.exceptions import EncodingError, InputError, MissingFileError
from centric.ingest import detect_encoding, open_source
from centric.ingest._readers import sniff_delimiter

TEXT = "Mã KH;Họ và tên;Tỉnh\nKH1;Nguyễn Thị Hồng Nhung;Đà Nẵng\nKH2;Trần Văn Đức;Hà Nội\n"


def _rows(path):
    src = open_source(path)
    chunk = next(src.chunks())
    return src, chunk.frame.to_dict("records")


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1258", "cp1258")],
)
def test_vietnamese_text_round_trips_in_every_supported_encoding(tmp_path, encoding, detected, to_cp1258):
    path = tmp_path / "crm_customers.csv"
    path.write_bytes(to_cp1258(TEXT) if encoding == "cp1258" else TEXT.encode(encoding))
    src, rows = _rows(path)
    assert src.encoding == detected
    assert src.delimiter == ";"
    assert src.headers == ["Mã KH", "Họ và tên", "Tỉnh"]
    # cp1258 stores tones as combining marks; headers are NFC either way
    names = [r["Họ và tên"] for r in rows]
    from centric.ingest import normalise_text

    assert [normalise_text(n)[0] for n in names] == ["Nguyễn Thị Hồng Nhung", "Trần Văn Đức"]


def test_cp1252_is_the_last_resort_for_western_text(tmp_path):
    path = tmp_path / "eu_customers.csv"
    path.write_bytes("name,city\nJosé Müller,Köln\n".encode("cp1252"))
    src, rows = _rows(path)
    assert src.encoding == "cp1252"
    assert rows == [{"name": "José Müller", "city": "Köln"}]


def test_binary_garbage_raises_encoding_error_naming_file_and_encodings(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(os.urandom(4096) + bytes(range(256)))
    with pytest.raises(EncodingError, match=r"garbage\.csv.*tried: utf-8 \(BOM\), utf-16 \(BOM\), "
                                            r"utf-8, cp1258, cp1252"):
        detect_encoding(path)


def test_bytes_that_decode_under_no_encoding_raise(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"a,b\n\x81\x8d\x8f\x90\x9d,1\n")  # undefined in cp1252 and invalid UTF-8
    with pytest.raises(EncodingError, match="Re-save the file as UTF-8"):
        open_source(path)


@pytest.mark.parametrize(("sample", "delim"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"), ('name;amount\n"Lê, An";1.234,50\n', ";"),
])
def test_delimiter_sniffing(sample, delim):
    assert sniff_delimiter(sample) == delim


def test_excel_sep_hint_and_row_numbers(tmp_path):
    path = tmp_path / "x_orders.csv"
    path.write_text("sep=|\norder_id|total\nA|1\n\nB|2\n", encoding="utf-8")
    src = open_source(path)
    chunk = next(src.chunks())
    assert src.delimiter == "|"
    assert list(chunk.frame["order_id"]) == ["A", "", "B"]
    assert list(chunk.rows) == [3, 4, 5]


def test_csv_line_with_too_many_fields_is_reported_as_broken(tmp_path):
    path = tmp_path / "x_orders.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6,7\n", encoding="utf-8")
    chunk = next(open_source(path).chunks())
    assert list(chunk.frame["a"]) == ["1", "6"]
    assert list(chunk.rows) == [2, 4]
    assert chunk.broken == [(3, "3,4,5", "line 3: expected 2 fields, saw 3")]


def test_missing_file_and_unsupported_type(tmp_path):
    with pytest.raises(MissingFileError, match=r"Input file '.*nope\.csv' does not exist"):
        open_source(tmp_path / "nope.csv")
    odd = tmp_path / "x.docx"
    odd.write_bytes(b"x")
    with pytest.raises(InputError, match=r"File type '\.docx'"):
        open_source(odd)


def _chunks_as_rows(chunks):
    cells, rows, broken = [], [], []
    for chunk in chunks:
        for record in chunk.frame.to_dict("records"):
            cells.append({k: v for k, v in record.items() if isinstance(v, str)})
        rows += [int(r) for r in chunk.rows]
        broken += chunk.broken
    return cells, rows, broken


def test_jsonl_fast_reader_matches_the_line_reader_past_the_sample(tmp_path):
    """DuckDB reads the clean part; from a broken line on, the line reader takes over."""
    import json

    from centric.ingest._readers import _jsonl_chunks, _jsonl_lines, _jsonl_plan

    lines = [json.dumps({"id": f"e{i}", "n": i, "x": 1.50, "ok": True, "props": {"a": [1, "é"]},
                         "s": "{\"not\": \"nested\"}"}, ensure_ascii=False) for i in range(2500)]
    lines[5] = ""  # a blank line: a record without cells
    lines[1500] = "   "
    lines[1800] = "{broken"
    lines[1900] = "[1, 2]"
    lines[2000] = '{"id": "dup", "id": "dup2"}'
    path = tmp_path / "web_events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _jsonl_plan(path, "utf-8") is not None  # the fast reader is used
    fast = _chunks_as_rows(_jsonl_chunks(path, 700, "utf-8"))
    slow = _chunks_as_rows(_jsonl_lines(path, 700, "utf-8"))
    assert fast == slow
    cells, rows, broken = fast
    assert [b[0] for b in broken] == [1801, 1901]
    assert cells[0] == {"id": "e0", "n": "0", "x": "1.5", "ok": "true", "props": '{"a": [1, "é"]}',
                        "s": '{"not": "nested"}'}
    assert len(rows) == len(cells) == 2498 and rows[:7] == [1, 2, 3, 4, 5, 6, 7]


def test_jsonl_lone_carriage_returns_use_the_line_reader(tmp_path):
    from centric.ingest._readers import _jsonl_plan

    path = tmp_path / "web_events.jsonl"
    path.write_bytes(b'{"id": "a"}\r{"id": "b"}\r')
    assert _jsonl_plan(path, "utf-8") is None
    chunk = next(open_source(path).chunks())
    assert list(chunk.frame["id"]) == ["a", "b"] and list(chunk.rows) == [1, 2]
