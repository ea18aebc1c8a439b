"""import_file / import_paths end to end on messy files, on an in-memory DuckDB store."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from centric.exceptions import MappingError, MissingFileError
from centric.ingest import ImportReport, import_file, import_paths
from centric.store import connect

UTC = dt.UTC
PHONE_WHY = "(expected a Vietnamese number: 0 + 9 digits, 84/+84 + 9 digits, or +<country code><number>)"
DATE_WHY = "(expected dd/mm/yyyy, ISO 8601 or an Excel serial)"

CUSTOMERS = (
    "Mã KH;Họ và tên;SĐT;Email;Ngày đăng ký;Giới tính;Năm sinh;Ghi chú\n"
    "KH001;Nguyễn Văn An;0912 345 678;An.Nguyen@Example.com;05/01/2026;Nam;1990;khách VIP\n"
    "KH002;Trần Thị Bình;+84 98.765.4321;;15/02/2025 14:30;Nữ;;\n"
    ";;;;;;;\n"
    "KH003;Lê Văn Cường;12345;cuong@x.vn;31/02/2024;Nam;1985;\n"
    "KH001;Nguyễn Văn An;0912 345 678;An.Nguyen@Example.com;05/01/2026;Nam;1990;khách VIP\n"
    "KH002;Trần Thị Bình B;0987654321;;15/02/2025;Nữ;;\n"
)
ORDERS = (
    "Mã đơn hàng;Mã khách hàng;Ngày đặt hàng;Kênh;Trạng thái;Tổng tiền;Giảm giá\n"
    "DH1;KH001;05/01/2026 09:15;POS;Hoàn thành;1.234.568 ₫;0\n"
    "DH2;KH002;06/01/2026;Web;Đã hủy;250.000 VND;\n"
    "DH3;pos:KH001;2026-01-07T10:00:00+07:00;POS;Trả hàng;1.234.568,50;10.000\n"
    ";;;;;;\n"
    "DH4;KH003;32/01/2026;POS;Hoàn thành;150k;\n"
    "DH5;;07/01/2026;POS;Đang giao;99.000;\n"
)


@pytest.fixture
def store():
    s = connect("duckdb://")
    yield s
    s.close()


def _write(path, text, encoding="utf-8-sig"):
    path.write_bytes(text.encode(encoding))
    return path


def _check_invariant(r: ImportReport) -> None:
    assert r.rows_read == r.rows_stored + r.rows_merged + r.rows_quarantined + r.rows_blank


def test_messy_customer_csv_end_to_end(store, tmp_path):
    path = _write(tmp_path / "pos_customers.csv", CUSTOMERS)
    r = import_file(store, path)
    _check_invariant(r)
    assert (r.table, r.source) == ("customer_records", "pos")
    assert (r.rows_read, r.rows_stored, r.rows_merged, r.rows_quarantined, r.rows_blank) == (6, 2, 2, 1, 1)
    assert r.conflicting_duplicates == 1
    assert r.reasons == {"phone: invalid phone": 1, "created_at: invalid date": 1}
    assert r.mapping["SĐT"] == "phone" and r.mapping["Ghi chú"] == "attributes"
    assert len(r.batch_id) == 16

    rows = store.table("customer_records").order_by("customer_ref").execute()
    assert list(rows["customer_ref"]) == ["pos:KH001", "pos:KH002"]
    assert list(rows["phone"]) == ["+84912345678", "+84987654321"]
    assert list(rows["email"]) == ["an.nguyen@example.com", None]
    assert list(rows["gender"]) == ["male", "female"]
    assert list(rows["display_name"]) == ["Nguyễn Văn An", "Trần Thị Bình"]  # first row of a key wins
    assert rows["birth_year"].iloc[0] == 1990 and pd.isna(rows["birth_year"].iloc[1])
    assert json.loads(rows["attributes"].iloc[0]) == {"Ghi chú": "khách VIP"}
    assert rows["attributes"].iloc[1] is None
    assert [pd.Timestamp(t) for t in rows["created_at"]] == [
        pd.Timestamp("2026-01-04T17:00:00Z"), pd.Timestamp("2025-02-15T07:30:00Z")]
    assert set(rows["batch_id"]) == {r.batch_id}

    q = store.table("quarantine").execute()
    assert len(q) == 1
    assert q["row_number"].iloc[0] == 5
    assert (q["table"].iloc[0], q["source"].iloc[0], q["batch_id"].iloc[0]) == (
        "customer_records", "pos", r.batch_id)
    assert q["reasons"].iloc[0] == (
        f"phone: '12345' is not a valid phone number {PHONE_WHY}; "
        f"created_at: '31/02/2024' is not a valid date {DATE_WHY}"
    )
    assert json.loads(q["raw"].iloc[0])["Họ và tên"] == "Lê Văn Cường"


def test_messy_orders_csv_money_dates_status_and_refs(store, tmp_path):
    r = import_file(store, _write(tmp_path / "pos_orders.csv", ORDERS))
    _check_invariant(r)
    assert (r.rows_read, r.rows_stored, r.rows_merged, r.rows_quarantined, r.rows_blank) == (6, 3, 0, 2, 1)
    assert r.reasons == {"ordered_at: invalid date": 1, "total_amount: invalid amount": 1,
                         "status: invalid status": 1, "customer_ref: missing required value": 1}
    rows = store.table("orders").order_by("order_id").execute()
    assert list(rows["customer_ref"]) == ["pos:KH001", "pos:KH002", "pos:KH001"]
    assert [Decimal(str(v)) for v in rows["total_amount"]] == [
        Decimal("1234568.00"), Decimal("250000.00"), Decimal("1234568.50")]
    assert [None if pd.isna(v) else Decimal(str(v)) for v in rows["discount"]] == [
        Decimal("0.00"), None, Decimal("10000.00")]
    assert list(rows["status"]) == ["completed", "cancelled", "returned"]
    assert list(rows["currency"]) == ["VND"] * 3
    assert list(rows["source"]) == ["pos"] * 3
    assert [pd.Timestamp(t) for t in rows["ordered_at"]] == [
        pd.Timestamp("2026-01-05T02:15:00Z"), pd.Timestamp("2026-01-05T17:00:00Z"),
        pd.Timestamp("2026-01-07T03:00:00Z")]
    q = store.table("quarantine").order_by("row_number").execute()
    assert list(q["row_number"]) == [6, 7]
    assert list(q["reasons"]) == [
        f"ordered_at: '32/01/2026' is not a valid date {DATE_WHY}; total_amount: '150k' is shorthand, "
        "which is not accepted: write the full amount (expected an amount such as 1.234.568 ₫, 1,234,568, "
        "1234568.50 or 1.234.568,50)",
        "status: 'Đang giao' is not a known status (expected one of: cancelled, completed, returned); "
        "customer_ref: '' is empty, but customer_ref is required (expected a value)",
    ]


def test_importing_the_same_file_twice_changes_nothing(store, tmp_path):
    path = _write(tmp_path / "pos_customers.csv", CUSTOMERS)
    first = import_file(store, path)
    counts = {t: store.count(t) for t in ("customer_records", "quarantine", "import_batches")}
    second = import_file(store, path)
    assert {t: store.count(t) for t in counts} == counts == {
        "customer_records": 2, "quarantine": 1, "import_batches": 1}
    assert second.already_imported and not first.already_imported
    assert second.batch_id == first.batch_id
    assert (second.rows_read, second.rows_stored, second.rows_merged, second.rows_quarantined,
            second.rows_blank) == (6, 0, 4, 1, 1)
    _check_invariant(second)


def test_rows_already_in_the_store_count_as_merged(store, tmp_path):
    import_file(store, _write(tmp_path / "pos_orders.csv", ORDERS))
    more = ORDERS + "DH6;KH001;08/01/2026;POS;Hoàn thành;10.000;\n"
    r = import_file(store, _write(tmp_path / "pos_orders_2.csv", more), table="orders", source="pos")
    assert not r.already_imported
    assert (r.rows_stored, r.rows_merged, r.rows_quarantined, r.rows_blank) == (1, 3, 2, 1)
    assert store.count("orders") == 4
    assert store.count("import_batches") == 2


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258"])
def test_utf16_and_windows_1258_files_import_with_nfc_names(store, tmp_path, encoding, to_cp1258):
    text = "Mã KH,Họ và tên,Tỉnh\nKH9,Nguyễn Thị Hồng Nhung,Đà Nẵng\n"
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    path = tmp_path / "crm_customers.csv"
    path.write_bytes(data)
    r = import_file(store, path)
    assert (r.rows_stored, r.rows_quarantined) == (1, 0)
    row = store.table("customer_records").execute().iloc[0]
    assert row["display_name"] == "Nguyễn Thị Hồng Nhung"
    assert row["province"] == "Đà Nẵng"
    assert row["customer_ref"] == "crm:KH9"


def test_xlsx_products_import(store, tmp_path):
    path = tmp_path / "san_pham.xlsx"
    pd.DataFrame({
        "Mã SP": ["SP1", "SP2", "SP3"], "Tên sản phẩm": ["Áo dài", "Nón lá", "Quạt"],
        "Giá bán": [350000, 1234568.5, "150k"], "Giá vốn": ["200.000 ₫", None, None],
        "Mô tả": ["lụa", None, None],
    }).to_excel(path, index=False)
    r = import_file(store, path)
    _check_invariant(r)
    assert (r.table, r.source) == ("products", "san_pham")
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (3, 2, 1)
    assert store.table("quarantine").execute()["row_number"].tolist() == [4]  # spreadsheet row
    rows = store.table("products").order_by("product_id").execute()
    assert [Decimal(str(v)) for v in rows["price"]] == [Decimal("350000.00"), Decimal("1234568.50")]
    assert Decimal(str(rows["cost"].iloc[0])) == Decimal("200000.00")
    assert list(rows["name"]) == ["Áo dài", "Nón lá"]
    assert json.loads(rows["attributes"].iloc[0]) == {"Mô tả": "lụa"}


def test_parquet_order_items_import_numbers_numbering_lines(store, tmp_path):
    path = tmp_path / "pos_order_items.parquet"
    pq.write_table(pa.table({
        "order_id": ["A", "A", "B"], "sku": ["SP1", "SP2", "SP1"],
        "qty": pa.array([1, 2, 3], type=pa.int64()),
        "price": pa.array([Decimal("350000.00"), Decimal("99.50"), Decimal("1.00")],
                          type=pa.decimal128(12, 2)),
    }), path)
    r = import_file(store, path)
    _check_invariant(r)
    assert (r.table, r.rows_stored, r.rows_quarantined) == ("order_items", 3, 0)
    rows = store.table("order_items").order_by(["order_id", "line"]).execute()
    assert list(zip(rows["order_id"], rows["line"], rows["quantity"], strict=True)) == [
        ("A", 1, 1), ("A", 2, 2), ("B", 1, 3)]
    assert Decimal(str(rows["unit_price"].iloc[1])) == Decimal("99.50")


def test_jsonl_events_with_a_broken_line_and_extra_keys(store, tmp_path):
    lines = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in [
        {"event_id": "e1", "user_id": "KH001", "timestamp": "2026-01-05T09:00:00+07:00",
         "event": "page_view", "page": "/home"},
        {"event_id": "e2", "user_id": "KH002", "timestamp": "05/01/2026 10:00", "event": "add_to_cart",
         "properties": {"sku": "SP1"}},
    ]]
    lines += ["{broken", json.dumps({"event_id": "e3", "anonymous_id": "anon-9",
                                     "timestamp": "2026-01-05 11:00:00", "event": "search", "page": "/s"})]
    path = tmp_path / "web_events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = import_file(store, path)
    _check_invariant(r)
    assert (r.table, r.source, r.rows_read, r.rows_stored, r.rows_quarantined) == ("events", "web", 4, 3, 1)
    rows = store.table("events").order_by("event_id").execute()
    assert list(rows["customer_ref"]) == ["web:KH001", "web:KH002", None]
    assert [json.loads(p) for p in rows["properties"]] == [{"page": "/home"}, {"sku": "SP1"}, {"page": "/s"}]
    assert [pd.Timestamp(t) for t in rows["occurred_at"]] == [
        pd.Timestamp("2026-01-05T02:00:00Z"), pd.Timestamp("2026-01-05T03:00:00Z"),
        pd.Timestamp("2026-01-05T04:00:00Z")]
    q = store.table("quarantine").execute()
    assert q["row_number"].tolist() == [3]
    assert q["reasons"].iloc[0] == (
        "line 3: not valid JSON (Expecting property name enclosed in double quotes)")
    assert r.reasons == {"row: unreadable": 1}


def test_feedback_scores_checked_against_instrument(store, tmp_path):
    text = ("Mã phản hồi,Mã khách hàng,Loại khảo sát,Phiên bản,Điểm,Góp ý,Ngày gửi\n"
            "R1,KH1,NPS,,9,Tốt,05/01/2026\nR2,KH1,CES,1.0,7,,05/01/2026\nR3,KH2,CES,2.0,7,,05/01/2026\n")
    r = import_file(store, _write(tmp_path / "app_feedback.csv", text, "utf-8"))
    assert (r.rows_stored, r.rows_quarantined) == (2, 1)
    q = store.table("quarantine").execute()
    assert q["reasons"].iloc[0] == "score: '7' is out of range for ces 1.0 (expected a number from 1 to 5)"
    rows = store.table("feedback").order_by("response_id").execute()
    assert list(rows["instrument"]) == ["nps", "ces"] and list(rows["score"]) == [9.0, 7.0]


def test_mapping_file_override_and_errors(store, tmp_path):
    text = "Mã ĐH,Khách,Ngày,Tổng\nX1,K1,05/01/2026,100.000\n"
    path = _write(tmp_path / "shop_orders.csv", text, "utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"orders": {"Khách": "customer_ref", "Tổng": "total_amount"}}), "utf-8")
    r = import_file(store, path, mapping=mapping)
    assert r.mapping == {"Mã ĐH": "order_id", "Khách": "customer_ref", "Ngày": "ordered_at",
                         "Tổng": "total_amount"}
    assert r.rows_stored == 1
    assert store.table("orders").execute()["customer_ref"].tolist() == ["shop:K1"]
    with pytest.raises(MappingError, match=r"maps header 'Tổng' to 'grand_total', which is not a column of "
                                           r"table 'orders'\. Allowed columns: order_id, customer_ref"):
        import_file(store, path, mapping={"Tổng": "grand_total"})


def test_missing_file_raises(store, tmp_path):
    with pytest.raises(MissingFileError, match=r"pos_orders\.csv' does not exist"):
        import_file(store, tmp_path / "pos_orders.csv")


def test_import_paths_walks_directories_people_first(store, tmp_path):
    _write(tmp_path / "pos_orders.csv", ORDERS)
    _write(tmp_path / "pos_customers.csv", CUSTOMERS)
    (tmp_path / "notes.md").write_text("ignored", "utf-8")
    reports = import_paths(store, [tmp_path])
    assert [r.table for r in reports] == ["customer_records", "orders"]
    assert [r.rows_stored for r in reports] == [2, 3]
    for r in reports:
        _check_invariant(r)
    d = reports[0].to_dict()
    assert d["reasons"] == {"phone: invalid phone": 1, "created_at: invalid date": 1}
    assert json.loads(json.dumps(d))["rows_read"] == 6


def test_progress_callback_receives_every_row(store, tmp_path):
    seen = []
    import_file(store, _write(tmp_path / "pos_orders.csv", ORDERS), progress=seen.append)
    assert sum(seen) == 6


def test_public_api_is_sorted_and_complete():
    import centric.ingest as ingest

    def isort_key(name):  # constants, classes, functions (ruff RUF022), as tests/test_contracts.py
        return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)

    assert ingest.__all__ == sorted(ingest.__all__, key=isort_key)
    assert all(hasattr(ingest, name) for name in ingest.__all__)
    assert {"import_file", "import_paths", "ImportReport"} <= set(ingest.__all__)
