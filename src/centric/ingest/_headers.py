"""Header synonyms (English and Vietnamese) and file-name patterns, as shops export them.

Everything here is data plus one folding function. :func:`fold` turns a header
into a comparison key: lower case, Vietnamese diacritics stripped (``đ`` -> ``d``),
spaces, underscores and punctuation removed, so ``"Số điện thoại"``,
``"so_dien_thoai"`` and ``"SO DIEN THOAI"`` all fold to ``"sodienthoai"``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["FILE_PATTERNS", "JSON_COLUMN", "SYNONYMS", "fold"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Fold a header (or file-name part) to its comparison key.

    Parameters
    ----------
    text
        A header as written in the file.

    Returns
    -------
    str
        Lower-case ASCII letters and digits only.

    Examples
    --------
    >>> fold("Số điện thoại")
    'sodienthoai'
    >>> fold("Mã_KH ")
    'makh'
    """
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", stripped.lower())


_CUSTOMER_CODE = ("Mã khách hàng", "Mã KH", "customer_id", "customer code", "customer_ref", "user_id")
_CHANNEL = ("Kênh", "Kênh bán", "Kênh bán hàng", "channel")
_STATUS = ("Trạng thái", "status")

#: canonical column -> header synonyms, per importable table (first match wins).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customer_records": {
        "external_id": ("Mã khách hàng", "Mã KH", "customer_id", "customer code", "user_id",
                        "external_id", "id"),
        "display_name": ("Tên khách hàng", "Họ tên", "Họ và tên", "Tên", "name", "full name",
                         "customer name", "display_name"),
        "phone": ("Số điện thoại", "SĐT", "Điện thoại", "Di động", "phone", "mobile",
                  "phone number", "tel"),
        "email": ("Email", "E-mail", "Thư điện tử", "email address"),
        "gender": ("Giới tính", "gender", "sex"),
        "birth_year": ("Năm sinh", "birth_year", "year of birth", "birth year"),
        "province": ("Tỉnh/Thành phố", "Tỉnh thành", "Tỉnh", "Thành phố", "province", "city"),
        "created_at": ("Ngày tạo", "Ngày đăng ký", "created_at", "signup date", "registered_at"),
        "life_stage": ("Giai đoạn sống", "life_stage", "life stage"),
        "loyalty_id": ("Mã thành viên", "Số thẻ thành viên", "loyalty_id", "member id", "loyalty card"),
        "attributes": ("attributes", "Thuộc tính"),
    },
    "orders": {
        "order_id": ("Mã đơn hàng", "Mã đơn", "Mã ĐH", "order_id", "order number", "order no", "order"),
        "customer_ref": _CUSTOMER_CODE,
        "ordered_at": ("Ngày đặt hàng", "Ngày đặt", "Thời gian đặt", "order date", "ordered_at",
                       "created_at", "Ngày"),
        "channel": _CHANNEL,
        "status": _STATUS,
        "currency": ("Tiền tệ", "currency"),
        "total_amount": ("Tổng tiền", "Thành tiền", "Tổng cộng", "total", "amount", "total_amount",
                         "order total"),
        "discount": ("Giảm giá", "Chiết khấu", "discount"),
    },
    "order_items": {
        "order_id": ("Mã đơn hàng", "Mã đơn", "Mã ĐH", "order_id", "order number"),
        "line": ("STT", "Dòng", "line", "line_no", "line number"),
        "product_id": ("Mã sản phẩm", "Mã SP", "SKU", "product_id", "product code"),
        "quantity": ("Số lượng", "SL", "qty", "quantity"),
        "unit_price": ("Đơn giá", "Giá", "unit_price", "price", "unit price"),
    },
    "products": {
        "product_id": ("Mã sản phẩm", "Mã SP", "SKU", "product_id", "product code"),
        "name": ("Tên sản phẩm", "name", "product name", "Tên"),
        "category": ("Danh mục", "Ngành hàng", "Loại", "category"),
        "brand": ("Thương hiệu", "brand"),
        "price": ("Giá bán", "price", "Giá"),
        "cost": ("Giá vốn", "cost", "unit cost"),
        "currency": ("Tiền tệ", "currency"),
        "attributes": ("attributes", "Thuộc tính"),
    },
    "feedback": {
        "response_id": ("Mã phản hồi", "response_id", "response id"),
        "customer_ref": ("Mã khách hàng", "Mã KH", "customer_id", "customer_ref", "user_id"),
        "survey_id": ("Mã khảo sát", "Khảo sát", "survey_id", "survey"),
        "instrument": ("Loại khảo sát", "Công cụ", "instrument"),
        "instrument_version": ("Phiên bản", "version", "instrument_version"),
        "question_id": ("Câu hỏi", "Mã câu hỏi", "question_id", "question"),
        "score": ("Điểm", "score", "rating"),
        "comment": ("Nhận xét", "Bình luận", "Góp ý", "comment", "comments"),
        "touchpoint": ("Điểm chạm", "touchpoint"),
        "channel": _CHANNEL,
        "language": ("Ngôn ngữ", "language", "lang"),
        "submitted_at": ("Ngày gửi", "Thời gian", "submitted_at", "submitted", "date"),
    },
    "events": {
        "event_id": ("Mã sự kiện", "event_id", "id"),
        "customer_ref": ("Mã khách hàng", "customer_id", "customer_ref", "user_id"),
        "anonymous_id": ("anonymous_id", "anon_id", "device_id", "visitor_id"),
        "occurred_at": ("Thời gian", "timestamp", "occurred_at", "time", "event_time"),
        "name": ("Sự kiện", "Tên sự kiện", "event", "name", "event_name"),
        "channel": _CHANNEL,
        "session_id": ("Phiên", "session_id", "session"),
        "properties": ("Thuộc tính", "properties", "props"),
    },
    "tickets": {
        "ticket_id": ("Mã phiếu", "Mã yêu cầu", "ticket_id", "ticket"),
        "customer_ref": ("Mã khách hàng", "Mã KH", "customer_id", "customer_ref", "user_id"),
        "opened_at": ("Ngày mở", "Ngày tạo", "opened_at", "created_at"),
        "closed_at": ("Ngày đóng", "closed_at"),
        "topic": ("Chủ đề", "topic", "subject"),
        "channel": _CHANNEL,
        "status": _STATUS,
        "text": ("Nội dung", "text", "description", "body"),
    },
    "consents": {
        "consent_id": ("Mã đồng ý", "consent_id"),
        "customer_ref": ("Mã khách hàng", "Mã KH", "customer_id", "customer_ref", "user_id"),
        "purpose": ("Mục đích", "purpose"),
        "status": _STATUS,
        "recorded_at": ("Thời điểm", "Ngày ghi nhận", "recorded_at"),
        "method": ("Phương thức", "method"),
        "notice_version": ("Phiên bản thông báo", "notice_version"),
        "evidence": ("Bằng chứng", "evidence"),
    },
}

#: the table's JSON column that receives unmapped extra columns.
JSON_COLUMN: dict[str, str] = {
    "customer_records": "attributes",
    "products": "attributes",
    "events": "properties",
    "consents": "evidence",
}

#: file-name fragments (folded words joined by "_") that name a table.
FILE_PATTERNS: dict[str, tuple[str, ...]] = {
    "order_items": ("order_items", "order_item", "order_lines", "orderitems", "chi_tiet_don_hang",
                    "chi_tiet_don", "line_items"),
    "customer_records": ("customer_records", "customers", "customer", "khach_hang", "contacts"),
    "orders": ("orders", "order", "don_hang", "transactions"),
    "products": ("products", "product", "san_pham", "catalog", "catalogue"),
    "feedback": ("feedback", "surveys", "survey", "responses", "phan_hoi", "khao_sat"),
    "events": ("events", "event", "su_kien", "clickstream"),
    "tickets": ("tickets", "ticket", "ho_tro", "support"),
    "consents": ("consents", "consent", "dong_y"),
}
