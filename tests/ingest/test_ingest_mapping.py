"""Column mapping, table detection and source names."""

from __future__ import annotations

import json

import pytest

from centric.exceptions import InputError, MappingError
from centric.ingest import detect_table, fold, load_mapping, resolve_mapping, source_name


def test_fold_ignores_case_accents_spaces_and_punctuation():
    assert fold("Số điện thoại") == fold("so_dien_thoai") == fold("SO DIEN THOAI") == "sodienthoai"
    assert fold("Tỉnh/Thành phố") == "tinhthanhpho"
    assert fold("SĐT") == "sdt"


def test_vietnamese_customer_headers_map_automatically():
    headers = ["Mã KH", "Họ và tên", "SĐT", "E-mail", "Giới tính", "Năm sinh", "Tỉnh/Thành phố",
               "Ngày đăng ký", "Giai đoạn sống", "Số thẻ thành viên", "Ghi chú"]
    m = resolve_mapping(headers, "customer_records")
    assert m.columns == {
        "Mã KH": "external_id", "Họ và tên": "display_name", "SĐT": "phone", "E-mail": "email",
        "Giới tính": "gender", "Năm sinh": "birth_year", "Tỉnh/Thành phố": "province",
        "Ngày đăng ký": "created_at", "Giai đoạn sống": "life_stage", "Số thẻ thành viên": "loyalty_id",
    }
    assert m.extras == ("Ghi chú",)
    assert m.json_column == "attributes"


def test_english_order_headers_and_ignored_extras():
    m = resolve_mapping(["Order Number", "customer_id", "Order Date", "Channel", "STATUS", "Total",
                         "Discount", "Note"], "orders")
    assert m.columns == {"Order Number": "order_id", "customer_id": "customer_ref",
                         "Order Date": "ordered_at", "Channel": "channel", "STATUS": "status",
                         "Total": "total_amount", "Discount": "discount"}
    assert m.ignored == ("Note",)  # orders has no JSON column
    assert m.extras == ()


@pytest.mark.parametrize(("table", "headers", "expected"), [
    ("order_items", ["Mã đơn", "STT", "Mã SP", "SL", "Đơn giá"],
     ["order_id", "line", "product_id", "quantity", "unit_price"]),
    ("products", ["SKU", "Tên sản phẩm", "Ngành hàng", "Thương hiệu", "Giá bán", "Giá vốn"],
     ["product_id", "name", "category", "brand", "price", "cost"]),
    ("feedback", ["Mã phản hồi", "Mã khách hàng", "Khảo sát", "Loại khảo sát", "Phiên bản", "Điểm",
                  "Góp ý", "Điểm chạm", "Ngôn ngữ", "Ngày gửi"],
     ["response_id", "customer_ref", "survey_id", "instrument", "instrument_version", "score", "comment",
      "touchpoint", "language", "submitted_at"]),
    ("tickets", ["Mã phiếu", "customer_id", "Ngày mở", "Ngày đóng", "Chủ đề", "Nội dung"],
     ["ticket_id", "customer_ref", "opened_at", "closed_at", "topic", "text"]),
    ("consents", ["Mã đồng ý", "Mã khách hàng", "Mục đích", "Trạng thái", "Thời điểm", "Phương thức",
                  "Phiên bản thông báo"],
     ["consent_id", "customer_ref", "purpose", "status", "recorded_at", "method", "notice_version"]),
    ("events", ["event_id", "user_id", "timestamp", "event", "session_id"],
     ["event_id", "customer_ref", "occurred_at", "name", "session_id"]),
])
def test_synonyms_for_every_table(table, headers, expected):
    assert list(resolve_mapping(headers, table).columns.values()) == expected


def test_user_mapping_overrides_from_json_and_toml(tmp_path):
    per_table = tmp_path / "map.json"
    per_table.write_text(json.dumps({"orders": {"Mã ĐH": "order_id", "Khách": "customer_ref"}}), "utf-8")
    flat = tmp_path / "map.toml"
    flat.write_text('"Mã ĐH" = "order_id"\n"Khách" = "customer_ref"\n', "utf-8")
    headers = ["Mã ĐH", "Khách", "Ngày đặt", "Tổng tiền"]
    for file in (per_table, flat):
        m = resolve_mapping(headers, "orders", load_mapping(file, "orders"))
        assert m.columns == {"Mã ĐH": "order_id", "Khách": "customer_ref", "Ngày đặt": "ordered_at",
                             "Tổng tiền": "total_amount"}


def test_mapping_errors_name_header_column_and_what_is_allowed():
    headers = ["Mã ĐH", "Mã KH", "Ngày đặt", "Tổng tiền"]
    with pytest.raises(MappingError, match=r"maps header 'Mã ĐH' to 'order_no', which is not a column of "
                                           r"table 'orders'\. Allowed columns: order_id, customer_ref, "):
        resolve_mapping(headers, "orders", {"Mã ĐH": "order_no"})
    with pytest.raises(MappingError, match=r"maps header 'Số HĐ' to 'order_id', but 'f.csv' has no header "
                                           r"'Số HĐ'\. Headers present: \['Mã ĐH'"):
        resolve_mapping(headers, "orders", {"Số HĐ": "order_id"}, file="'f.csv'")
    with pytest.raises(MappingError, match=r"Required column 'ordered_at' of table 'orders' was not found"):
        resolve_mapping(["Mã ĐH", "Mã KH", "Tổng tiền"], "orders")


@pytest.mark.parametrize(("name", "table", "source"), [
    ("pos_orders.csv", "orders", "pos"),
    ("web_customers.jsonl", "customer_records", "web"),
    ("khach_hang.xlsx", "customer_records", "khach_hang"),
    ("shopee_don_hang_2024.csv", "orders", "shopee"),
    ("san_pham.csv", "products", "san_pham"),
    ("nps_phan_hoi.csv", "feedback", "nps"),
    ("khao_sat.csv", "feedback", "khao_sat"),
    ("app_su_kien.ndjson", "events", "app"),
    ("zendesk_tickets.csv", "tickets", "zendesk"),
    ("ho_tro.csv", "tickets", "ho_tro"),
    ("crm_dong_y.csv", "consents", "crm"),
    ("pos_order_items.csv", "order_items", "pos"),
    ("pos_chi_tiet_don.csv", "order_items", "pos"),
    ("Khách hàng.csv", "customer_records", "khach_hang"),
])
def test_table_and_source_from_file_name(name, table, source):
    assert detect_table(name, []) == table
    assert source_name(name, table) == source


def test_table_from_headers_and_ambiguity():
    headers = ["Mã đơn hàng", "Mã khách hàng", "Ngày đặt hàng", "Tổng tiền"]
    assert detect_table("export1.csv", headers) == "orders"
    assert source_name("export1.csv") == "export1"
    with pytest.raises(InputError, match=r"Cannot tell which table 'export2.csv' holds.*--table orders"):
        detect_table("export2.csv", ["foo", "bar"])
