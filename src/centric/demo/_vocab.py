"""Word lists of the demo world: Vietnamese names, places, products, comments (data only)."""

from __future__ import annotations

# Family names with their approximate share of the population (Lê Trung Hoa; GSO surveys).
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.0),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 4.0),
    ("Huỳnh", 4.0),
    ("Phan", 4.5),
    ("Vũ", 3.0),
    ("Võ", 3.0),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Trương", 1.0),
    ("Đinh", 0.8),
    ("Mai", 0.6),
    ("Lâm", 0.5),
)

MIDDLE_NAMES = {
    "male": ("Văn", "Hữu", "Minh", "Đức", "Quang", "Thanh", "Hoàng", "Công", "Gia", "Anh"),
    "female": ("Thị", "Ngọc", "Thanh", "Thu", "Kim", "Minh", "Phương", "Bảo", "Mỹ", "Hồng"),
}

GIVEN_NAMES = {
    "male": (
        "An",
        "Bảo",
        "Bình",
        "Cường",
        "Dũng",
        "Duy",
        "Đạt",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Hùng",
        "Huy",
        "Khang",
        "Khánh",
        "Khoa",
        "Kiên",
        "Long",
        "Lộc",
        "Minh",
        "Nam",
        "Nghĩa",
        "Phong",
        "Phúc",
        "Quân",
        "Quang",
        "Sơn",
        "Tài",
        "Thắng",
        "Thành",
        "Trung",
        "Tuấn",
        "Tùng",
        "Việt",
        "Vinh",
    ),
    "female": (
        "An",
        "Anh",
        "Chi",
        "Dung",
        "Giang",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hiền",
        "Hoa",
        "Hương",
        "Huyền",
        "Lan",
        "Linh",
        "Loan",
        "Mai",
        "My",
        "Nga",
        "Ngân",
        "Ngọc",
        "Nhung",
        "Oanh",
        "Phương",
        "Quyên",
        "Tâm",
        "Thảo",
        "Thu",
        "Thủy",
        "Trang",
        "Trinh",
        "Tuyết",
        "Uyên",
        "Vân",
        "Vy",
        "Yến",
    ),
}

# Province weights roughly follow the urban retail footprint of a mid-sized omnichannel chain.
PROVINCES: tuple[tuple[str, float], ...] = (
    ("TP. Hồ Chí Minh", 30.0),
    ("Hà Nội", 24.0),
    ("Đà Nẵng", 5.0),
    ("Hải Phòng", 4.0),
    ("Cần Thơ", 3.0),
    ("Bình Dương", 5.0),
    ("Đồng Nai", 4.0),
    ("Khánh Hòa", 2.5),
    ("Bà Rịa - Vũng Tàu", 2.5),
    ("Quảng Ninh", 2.0),
    ("Thừa Thiên Huế", 2.0),
    ("Nghệ An", 2.0),
    ("Thanh Hóa", 2.0),
    ("Bắc Ninh", 2.0),
    ("Long An", 1.5),
    ("Lâm Đồng", 1.5),
    ("Đắk Lắk", 1.5),
    ("An Giang", 1.5),
    ("Kiên Giang", 1.0),
    ("Thái Nguyên", 1.0),
)

# (life stage, weight, min age, max age) — ages are consistent with the stage.
LIFE_STAGES: tuple[tuple[str, float, int, int], ...] = (
    ("student", 0.14, 18, 23),
    ("young_professional", 0.30, 23, 32),
    ("new_parent", 0.14, 25, 36),
    ("family_with_children", 0.24, 32, 50),
    ("empty_nester", 0.12, 50, 64),
    ("retiree", 0.06, 60, 78),
)

# Vietnamese mobile prefixes (after the leading 0): Viettel, Vinaphone, Mobifone, Vietnamobile.
MOBILE_PREFIXES = (
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "38",
    "39",
    "56",
    "58",
    "59",
    "70",
    "76",
    "77",
    "78",
    "79",
    "81",
    "82",
    "83",
    "84",
    "85",
    "86",
    "88",
    "89",
    "90",
    "91",
    "93",
    "94",
    "96",
    "97",
    "98",
)

EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.66),
    ("yahoo.com", 0.12),
    ("outlook.com", 0.07),
    ("hotmail.com", 0.05),
    ("icloud.com", 0.05),
    ("fpt.vn", 0.03),
    ("vnn.vn", 0.02),
)

# category, weight, (min price, max price) in VND, brands, product nouns, variants
CATEGORIES: tuple[
    tuple[str, float, tuple[int, int], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...
] = (
    (
        "Chăm sóc da",
        16.0,
        (89_000, 1_200_000),
        ("Cocoon", "Thorakao", "La Roche-Posay", "Innisfree", "Sen Vàng"),
        ("Sữa rửa mặt", "Nước tẩy trang", "Kem dưỡng ẩm", "Serum vitamin C", "Kem chống nắng", "Mặt nạ"),
        ("trà xanh", "bí đao", "nghệ Hưng Yên", "rau má", "hoa hồng"),
    ),
    (
        "Trang điểm",
        12.0,
        (79_000, 650_000),
        ("Lemonade", "Maybelline", "Silkygirl", "Bbia"),
        ("Son kem lì", "Son dưỡng", "Phấn phủ", "Kem nền", "Mascara", "Kẻ mắt"),
        ("màu đỏ gạch", "màu cam đất", "tông tự nhiên", "chống trôi", "mini"),
    ),
    (
        "Nước hoa",
        5.0,
        (250_000, 2_500_000),
        ("Miss Sài Gòn", "Charme", "Hương Việt"),
        ("Nước hoa nữ", "Nước hoa nam", "Xịt thơm toàn thân"),
        ("hương hoa nhài", "hương gỗ", "hương biển", "50ml", "100ml"),
    ),
    (
        "Chăm sóc tóc",
        8.0,
        (69_000, 450_000),
        ("Cocoon", "Thái Dương", "Bưởi Việt"),
        ("Dầu gội", "Dầu xả", "Tinh dầu dưỡng tóc", "Xịt dưỡng tóc"),
        ("vỏ bưởi", "bồ kết", "hương nhu", "phục hồi"),
    ),
    (
        "Thời trang nữ",
        14.0,
        (149_000, 1_500_000),
        ("IVY moda", "Canifa", "Elise", "Format"),
        ("Áo sơ mi", "Váy liền", "Quần tây", "Áo dài cách tân", "Chân váy", "Áo thun"),
        ("lụa", "linen", "cotton", "họa tiết hoa", "công sở"),
    ),
    (
        "Thời trang nam",
        10.0,
        (149_000, 1_400_000),
        ("Routine", "Canifa", "Owen", "Aristino"),
        ("Áo polo", "Áo sơ mi", "Quần kaki", "Quần jean", "Áo khoác"),
        ("slim fit", "cotton", "basic", "kẻ sọc"),
    ),
    (
        "Giày dép",
        8.0,
        (199_000, 1_600_000),
        ("Biti's", "Juno", "Ananas"),
        ("Giày thể thao", "Sandal", "Giày cao gót", "Dép quai ngang"),
        ("màu trắng", "màu đen", "đế êm", "da thật"),
    ),
    (
        "Túi xách & phụ kiện",
        7.0,
        (99_000, 1_800_000),
        ("Juno", "Vascara", "PNJ"),
        ("Túi đeo chéo", "Ví da", "Thắt lưng", "Khăn lụa", "Kính mát"),
        ("mini", "da thật", "thổ cẩm", "cao cấp"),
    ),
    (
        "Đồ gia dụng",
        12.0,
        (99_000, 2_500_000),
        ("Sunhouse", "Lock&Lock", "Kangaroo", "Minh Long"),
        (
            "Nồi chiên không dầu",
            "Bộ nồi inox",
            "Hộp đựng thực phẩm",
            "Bình giữ nhiệt",
            "Chảo chống dính",
            "Bộ chén sứ",
        ),
        ("3 món", "5L", "cao cấp", "gia đình"),
    ),
    (
        "Trang trí nhà cửa",
        8.0,
        (79_000, 1_200_000),
        ("Điện Quang", "Bát Tràng", "Mây Tre Việt"),
        ("Đèn ngủ", "Bình hoa gốm", "Nến thơm", "Khung ảnh", "Giỏ mây", "Thảm trải sàn"),
        ("men lam", "gỗ sồi", "hương quế", "thủ công"),
    ),
)

# ---- survey comments: band -> Vietnamese / English texts -------------------------------
COMMENTS_VI = {
    "pos": (
        "Sản phẩm tốt, giao hàng nhanh",
        "Nhân viên tư vấn nhiệt tình, rất hài lòng",
        "Hàng chính hãng, đóng gói cẩn thận",
        "Sẽ tiếp tục ủng hộ shop",
        "Chất lượng tốt, giá hợp lý",
        "Mua lần thứ mấy rồi, lần nào cũng ưng",
    ),
    "neu": (
        "Sản phẩm ổn, giá hơi cao",
        "Tạm được, giao hàng hơi lâu",
        "Bình thường, không có gì đặc biệt",
        "Mẫu mã đẹp nhưng ít size",
    ),
    "neg": (
        "Giao hàng quá chậm, đóng gói cẩu thả",
        "Sản phẩm không giống hình, thất vọng",
        "Nhân viên thái độ không tốt",
        "Đổi trả rất phiền phức",
        "Hàng bị lỗi, chất lượng kém",
    ),
    "late": (
        "Giao hàng quá chậm, đóng gói cẩu thả",
        "Đợi cả tuần mới nhận được hàng",
        "Giao trễ hẹn, không ai báo trước",
    ),
}

COMMENTS_EN = {
    "pos": ("Great products, fast delivery", "Friendly staff, very satisfied", "Good quality for the price"),
    "neu": ("Okay product, a bit pricey", "Fine, but delivery was slow", "Nothing special"),
    "neg": ("Delivery was far too slow", "Product was damaged, very disappointed", "Returns are a hassle"),
    "late": ("Delivery was far too slow", "Waited a whole week for my order"),
}

CES_COMMENTS_VI = {
    "pos": ("Thanh toán nhanh gọn", "Đặt hàng rất dễ dàng", "Ứng dụng dễ dùng"),
    "neu": ("Cũng được, hơi nhiều bước", "Trang thanh toán tải hơi chậm"),
    "neg": ("Thanh toán bị lỗi mấy lần", "Quá nhiều bước, rất rối", "Không áp dụng được mã giảm giá"),
}
CES_COMMENTS_EN = {
    "pos": ("Checkout was quick and easy",),
    "neu": ("A few too many steps",),
    "neg": ("Payment failed several times", "The discount code did not work"),
}

# ---- tickets ----------------------------------------------------------------------------
TICKET_TOPICS = ("Giao hàng chậm", "Đổi trả", "Thanh toán", "Sản phẩm lỗi", "Tài khoản")
TICKET_TEXTS = (
    (
        "Đơn hàng {order} của tôi đã quá {days} ngày mà vẫn chưa nhận được, shop kiểm tra giúp.",
        "Don hang {order} giao cham qua, {days} ngay roi chua thay dau.",
    ),
    (
        "Tôi muốn đổi size cho đơn {order}, sản phẩm không vừa.",
        "Cho minh doi tra don {order}, hang khong giong hinh.",
    ),
    (
        "Tôi đã bị trừ tiền hai lần cho đơn {order}, nhờ shop hoàn tiền.",
        "Thanh toan don {order} bi loi, tien da tru nhung don bao huy.",
    ),
    (
        "Sản phẩm trong đơn {order} bị lỗi, nắp bị vỡ khi nhận hàng.",
        "Hang trong don {order} bi loi, can doi moi.",
    ),
    (
        "Tôi không đăng nhập được tài khoản, quên mật khẩu.",
        "Khong dang nhap duoc tai khoan, nho shop ho tro.",
    ),
)
TICKET_CHANNELS = ("hotline", "email", "zalo", "facebook", "web_chat")

EMAIL_SUBJECTS = (
    "Ưu đãi cuối tuần: giảm đến 30%",
    "Bộ sưu tập mới đã về",
    "Quà tặng sinh nhật dành cho bạn",
    "Flash sale 12h trưa nay",
    "Mẹo chăm sóc da mùa hanh khô",
)

LIFE_ITEMS = (
    ("q1", "Sản phẩm giúp cuộc sống của tôi dễ dàng hơn"),
    ("q2", "Tôi cảm thấy tự tin và khỏe mạnh hơn nhờ sản phẩm"),
    ("q3", "Mua sắm ở đây giúp tôi có thêm thời gian cho gia đình"),
)

CONSENT_PURPOSES: tuple[tuple[str, float], ...] = (
    ("marketing_email", 0.62),
    ("marketing_zalo", 0.45),
    ("analytics", 0.80),
    ("personalisation", 0.55),
    ("wellbeing_survey", 0.14),
)
