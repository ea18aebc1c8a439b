"""The demo exports: names, headers, formats, reproducibility, chunking."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from demo_helpers import digests, read_csv, read_jsonl
from openpyxl import load_workbook

import centric.demo
from centric.demo import BLOCK, generate
from centric.exceptions import InvalidParameterError

HEADERS = {
    "pos_customers.csv": "Mã khách hàng;Tên khách hàng;Số điện thoại;Email;Giới tính;Năm sinh;Tỉnh/Thành phố;"
    "Ngày tạo;Mã thành viên",
    "pos_orders.csv": "Mã đơn hàng;Mã khách hàng;Ngày đặt hàng;Kênh;Trạng thái;Tổng tiền;Giảm giá",
    "shopee_orders.csv": "order_id,customer_id,ordered_at,status,total_amount",
    "order_items.csv": "order_id,line,product_id,quantity,unit_price",
    "feedback.csv": "Mã phản hồi,Mã khách hàng,Mã khảo sát,Loại khảo sát,Phiên bản,Câu hỏi,Điểm,Nhận xét,"
    "Điểm chạm,Kênh,Ngôn ngữ,Ngày gửi",
    "tickets.csv": "Mã phiếu,Mã khách hàng,Ngày mở,Ngày đóng,Chủ đề,Kênh,Trạng thái,Nội dung",
    "consents.csv": "Mã đồng ý,Mã khách hàng,Mục đích,Trạng thái,Thời điểm,Phương thức,Phiên bản thông báo",
}
JSON_KEYS = {
    "web_customers.jsonl": [
        "customer_id",
        "name",
        "email",
        "phone",
        "created_at",
        "loyalty_id",
        "life_stage",
    ],
    "web_orders.jsonl": [
        "order_id",
        "customer_id",
        "ordered_at",
        "channel",
        "status",
        "total_amount",
        "discount",
        "currency",
    ],
    "events.jsonl": [
        "event_id",
        "customer_id",
        "anonymous_id",
        "timestamp",
        "event",
        "channel",
        "session_id",
        "properties",
    ],
}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
MONEY = re.compile(r"^\d{1,3}(\.\d{3})*\u00a0₫$")


def test_all_is_sorted_and_complete():
    assert centric.demo.__all__ == sorted(centric.demo.__all__)
    for name in centric.demo.__all__:
        assert hasattr(centric.demo, name)


def test_files_and_counts(world):
    names = sorted(p.name for p in world.exports_dir.iterdir())
    assert names == sorted([*HEADERS, *JSON_KEYS, "products.xlsx"])
    assert {p.name for p in world.truth_dir.iterdir()} == {
        "persons.parquet",
        "records.parquet",
        "injected.parquet",
        "params.json",
    }
    assert all(p.exists() for p in world.files)
    for name in [*HEADERS, *JSON_KEYS]:
        lines = (world.exports_dir / name).read_text(encoding="utf-8-sig").splitlines()
        header = 0 if name.endswith(".jsonl") else 1
        assert world.counts[name] == len(lines) - header, name
    assert world.counts["persons.parquet"] == 1000


def test_sf001_is_fast(world):
    assert world.seconds < 10


def test_csv_headers_exact(world):
    for name, header in HEADERS.items():
        raw = (world.exports_dir / name).read_bytes()
        first = raw.split(b"\n", 1)[0].decode("utf-8")
        if name.startswith("pos_"):
            assert raw.startswith(b"\xef\xbb\xbf"), name
            assert first == "\ufeff" + header
        else:
            assert not raw.startswith(b"\xef\xbb\xbf"), name
            assert first == header


def test_jsonl_keys_and_types(world):
    for name, keys in JSON_KEYS.items():
        rows = read_jsonl(world.exports_dir / name)
        assert rows and all(list(r) == keys for r in rows), name
    orders = read_jsonl(world.exports_dir / "web_orders.jsonl")
    assert all(isinstance(o["total_amount"], int) and o["currency"] == "VND" for o in orders)
    assert {o["status"] for o in orders} == {"completed", "cancelled", "returned"}
    assert all(ISO.match(o["ordered_at"]) for o in orders)
    customers = read_jsonl(world.exports_dir / "web_customers.jsonl")
    assert all(re.fullmatch(r"W\d{8}", c["customer_id"]) for c in customers)
    assert any(c["loyalty_id"] is None for c in customers) and any(c["loyalty_id"] for c in customers)


def test_products_sheet(world):
    ws = load_workbook(world.exports_dir / "products.xlsx").worksheets[0]
    rows = list(ws.values)
    assert list(rows[0]) == ["Mã sản phẩm", "Tên sản phẩm", "Danh mục", "Thương hiệu", "Giá bán", "Giá vốn"]
    assert 180 <= len(rows) - 1 <= 220
    assert len({r[2] for r in rows[1:]}) == 10
    assert all(0.55 * r[4] - 100 <= r[5] <= 0.70 * r[4] + 100 for r in rows[1:])


def test_pos_formats(world):
    _header, rows = read_csv(world.exports_dir / "pos_orders.csv", ";")
    assert all(MONEY.match(r[5]) and MONEY.match(r[6]) for r in rows)
    assert {r[4] for r in rows} == {"Hoàn thành", "Đã hủy", "Trả hàng"}
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", r[2]) for r in rows)
    assert all(re.fullmatch(r"KH\d{6}", r[1]) for r in rows)
    _, customers = read_csv(world.exports_dir / "pos_customers.csv", ";")
    phones = [r[2] for r in customers if r[2]]
    assert any(" " in p for p in phones) and any(p.startswith("+84") for p in phones)
    assert any(p.startswith("84") for p in phones) and any(p.startswith("(") for p in phones)
    assert {r[4] for r in customers} <= {"Nam", "Nữ", ""}
    assert any(r[3] != r[3].strip() or r[3].isupper() for r in customers if r[3])


def test_status_shares(world):
    statuses = Counter(r["status"] for r in read_jsonl(world.exports_dir / "web_orders.jsonl"))
    _, pos = read_csv(world.exports_dir / "pos_orders.csv", ";")
    statuses.update(
        {"Hoàn thành": "completed", "Đã hủy": "cancelled", "Trả hàng": "returned"}[r[4]] for r in pos
    )
    n = sum(statuses.values())
    assert 0.92 < statuses["completed"] / n < 0.96


def test_events_funnel(world):
    events = read_jsonl(world.exports_dir / "events.jsonl")
    names = Counter(e["event"] for e in events)
    assert names["page_view"] > names["product_view"] > names["add_to_cart"] > names["begin_checkout"]
    assert names["begin_checkout"] > names["purchase"] == world.counts["web_orders.jsonl"]
    assert names["email_sent"] > names["email_open"] > names["email_click"] > 0
    assert 30 <= len(events) / 1000 <= 80
    assert len({e["event_id"] for e in events}) == len(events)
    anonymous = [e for e in events if e["customer_id"] is None and e["channel"] != "email"]
    assert anonymous and all(e["anonymous_id"] for e in anonymous)
    assert all(ISO.match(e["timestamp"]) for e in events)


def test_feedback_and_comments(world):
    _header, rows = read_csv(world.exports_dir / "feedback.csv")
    kinds = Counter((r[3], r[4]) for r in rows)
    assert set(kinds) == {("nps", ""), ("csat", ""), ("ces", "2.0"), ("ces", "1.0"), ("life_impact", "1.0")}
    for r in rows:
        score = int(r[6])
        lo, hi = {
            ("nps", ""): (0, 10),
            ("csat", ""): (1, 5),
            ("ces", "2.0"): (1, 7),
            ("ces", "1.0"): (1, 5),
            ("life_impact", "1.0"): (1, 5),
        }[(r[3], r[4])]
        assert lo <= score <= hi
        assert r[1].startswith(("pos:KH", "web:W"))
    assert len({r[0] for r in rows}) == len(rows)
    languages = Counter(r[10] for r in rows if r[7])
    assert 0.08 < languages["en"] / sum(languages.values()) < 0.25
    assert any(
        r[7] == "giao hang qua cham, dong goi cau tha" or (r[7].isascii() and r[10] == "vi") for r in rows
    )


def test_reproducible_and_seed_sensitive(world, tmp_path):
    again = generate(tmp_path / "again", scale=0.01, seed=42)
    assert digests(again.exports_dir) == digests(world.exports_dir)
    assert digests(again.truth_dir) == digests(world.truth_dir)
    other = generate(tmp_path / "other", scale=0.01, seed=7)
    assert digests(other.exports_dir)["pos_orders.csv"] != digests(world.exports_dir)["pos_orders.csv"]


def test_chunk_size_does_not_change_output(tmp_path):
    small = generate(tmp_path / "small", scale=0.05, seed=3, chunk_size=1)
    big = generate(tmp_path / "big", scale=0.05, seed=3, chunk_size=10**6)
    assert small.counts == big.counts
    assert small.counts["persons.parquet"] == 5 * BLOCK
    assert digests(small.exports_dir) == digests(big.exports_dir)


def test_progress_reports_every_customer(tmp_path):
    calls = []
    generate(tmp_path / "p", scale=0.015, progress=lambda a, t, d: calls.append((a, t, d)))
    assert sum(a for a, _, _ in calls) == 1500
    assert {t for _, t, _ in calls} == {1500}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scale": 0}, "The 'scale' parameter of generate must be a number > 0. Got 0 instead."),
        ({"chunk_size": 0}, "The 'chunk_size' parameter of generate must be an int >= 1"),
        ({"start": "2024-13-01"}, "'start' and 'end' must be ISO dates"),
        ({"start": "2025-01-01", "end": "2025-01-02"}, "The window must span at least 7 days"),
    ],
)
def test_invalid_parameters(tmp_path, kwargs, match):
    with pytest.raises(InvalidParameterError, match=re.escape(match)):
        generate(tmp_path, **kwargs)
