"""One block of the world written to the export files, the way the shop's systems write them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from centric.demo import _vocab as V
from centric.demo._behaviour import EVENT_CHANNELS, EVENT_NAMES
from centric.demo._purchases import STATUSES
from centric.demo._surveys import INSTRUMENTS
from centric.demo._writers import ids, iso, json_str, to_str, vn_date, vnd

POS_CUSTOMERS = [
    "Mã khách hàng",
    "Tên khách hàng",
    "Số điện thoại",
    "Email",
    "Giới tính",
    "Năm sinh",
    "Tỉnh/Thành phố",
    "Ngày tạo",
    "Mã thành viên",
]
POS_ORDERS = ["Mã đơn hàng", "Mã khách hàng", "Ngày đặt hàng", "Kênh", "Trạng thái", "Tổng tiền", "Giảm giá"]
SHOPEE_ORDERS = ["order_id", "customer_id", "ordered_at", "status", "total_amount"]
ORDER_ITEMS = ["order_id", "line", "product_id", "quantity", "unit_price"]
PRODUCTS = ["Mã sản phẩm", "Tên sản phẩm", "Danh mục", "Thương hiệu", "Giá bán", "Giá vốn"]
FEEDBACK = [
    "Mã phản hồi",
    "Mã khách hàng",
    "Mã khảo sát",
    "Loại khảo sát",
    "Phiên bản",
    "Câu hỏi",
    "Điểm",
    "Nhận xét",
    "Điểm chạm",
    "Kênh",
    "Ngôn ngữ",
    "Ngày gửi",
]
TICKETS = ["Mã phiếu", "Mã khách hàng", "Ngày mở", "Ngày đóng", "Chủ đề", "Kênh", "Trạng thái", "Nội dung"]
CONSENTS = [
    "Mã đồng ý",
    "Mã khách hàng",
    "Mục đích",
    "Trạng thái",
    "Thời điểm",
    "Phương thức",
    "Phiên bản thông báo",
]
POS_STATUS = ("Hoàn thành", "Đã hủy", "Trả hàng")
_DAYS_IN_MONTH = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _obj(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=object)


def pos_customers(
    sink: Any, rng: np.random.Generator, b: dict[str, Any], epoch: int
) -> list[tuple[str, str]]:
    """Write POS customers with ~1% bad rows (short phone / impossible date) and ~0.3% exact duplicates."""
    pos = {k: v[np.lexsort((b["pos"]["person"], b["pos"]["created"]))] for k, v in b["pos"].items()}
    n = len(pos["person"])
    code = _obj(b["pos_code"][pos["person"]])
    phone = pos["phone"].copy()
    date = _obj(vn_date(epoch + pos["created"]).to_pylist())
    injected: list[tuple[str, str]] = []
    bad = rng.random(n) < 0.01
    kind = np.where((rng.random(n) < 0.5) & (phone != ""), "bad_phone", "bad_date")
    for i in np.flatnonzero(bad):
        if kind[i] == "bad_phone":
            digits = "".join(ch for ch in phone[i] if ch.isdigit())
            phone[i] = digits[:-3]
        else:
            _d, m, y = date[i].split("/")
            date[i] = f"{_DAYS_IN_MONTH[int(m) - 1] + 1 + (int(m) == 2):02d}/{m}/{y}"
        injected.append((code[i], str(kind[i])))
    cols = [
        code,
        pos["name"],
        phone,
        pos["email"],
        pos["gender"],
        pos["birth_year"],
        pos["province"],
        date,
        _obj(b["loyalty"][pos["person"]]),
    ]
    rows = _with_duplicates(rng, cols, ~bad, 0.003, injected, code)
    sink.write(rows)
    return injected


def _with_duplicates(
    rng: np.random.Generator,
    cols: list[np.ndarray],
    eligible: np.ndarray,
    p: float,
    injected: list[tuple[str, str]],
    key: np.ndarray,
) -> list[np.ndarray]:
    dup = np.flatnonzero(eligible & (rng.random(len(eligible)) < p))
    injected.extend((key[i], "duplicate") for i in dup)
    return [np.concatenate([c, c[dup]]) for c in cols]


def orders(
    sinks: dict[str, Any], rng: np.random.Generator, b: dict[str, Any], epoch: int
) -> list[tuple[str, str]]:
    """Write pos_orders.csv (vi-VN money and dates), web_orders.jsonl, shopee_orders.csv, order_items.csv."""
    o = b["orders"]
    oid = b["order_id"]
    local = epoch + o["t"]
    injected: list[tuple[str, str]] = []
    sel = np.flatnonzero(o["channel"] == 0)
    sel = sel[np.argsort(o["t"][sel], kind="stable")]
    n = len(sel)
    when = _obj(vn_date(local[sel], with_time=True).to_pylist())
    bad = rng.random(n) < 0.005
    for i in np.flatnonzero(bad):
        _d, m, rest = when[i].split("/", 2)
        when[i] = f"{_DAYS_IN_MONTH[int(m) - 1] + 1 + (int(m) == 2):02d}/{m}/{rest}"
        injected.append((oid[sel[i]], "bad_date"))
    cols = [
        oid[sel],
        b["pos_code"][o["person"][sel]],
        when,
        np.full(n, "pos", dtype=object),
        _obj(np.array(POS_STATUS)[o["status"][sel]]),
        _obj(vnd(o["total"][sel]).to_pylist()),
        _obj(vnd(o["discount"][sel]).to_pylist()),
    ]
    sinks["pos_orders"].write(_with_duplicates(rng, cols, ~bad, 0.002, injected, oid[sel]))

    sel = np.flatnonzero(o["channel"] == 1)
    sel = sel[np.argsort(o["t"][sel], kind="stable")]
    sinks["web_orders"].write(
        {
            "order_id": json_str(to_str(oid[sel])),
            "customer_id": json_str(to_str(b["web_code"][o["person"][sel]])),
            "ordered_at": json_str(iso(local[sel])),
            "channel": '"web"',
            "status": json_str(pa.array(np.array(STATUSES)[o["status"][sel]])),
            "total_amount": to_str(o["total"][sel]),
            "discount": to_str(o["discount"][sel]),
            "currency": '"VND"',
        }
    )

    sel = np.flatnonzero(o["channel"] == 2)
    sel = sel[np.argsort(o["t"][sel], kind="stable")]
    sinks["shopee_orders"].write(
        [
            oid[sel],
            b["shopee_code"][o["person"][sel]],
            iso(local[sel]),
            np.array(STATUSES)[o["status"][sel]],
            o["total"][sel],
        ]
    )

    it = b["items"]
    sinks["order_items"].write(
        [oid[it["order"]], it["line"], b["catalogue"].product_id[it["product"]], it["qty"], it["unit"]]
    )
    return injected


def web_customers(sink: Any, b: dict[str, Any], epoch: int) -> None:
    web = {k: v[np.lexsort((b["web"]["person"], b["web"]["created"]))] for k, v in b["web"].items()}
    sink.write(
        {
            "customer_id": json_str(to_str(b["web_code"][web["person"]])),
            "name": json_str(to_str(web["name"])),
            "email": json_str(to_str(_obj(web["email"]))),
            "phone": json_str(to_str(web["phone"])),
            "created_at": json_str(iso(epoch + web["created"])),
            "loyalty_id": json_str(to_str(np.where(web["loyal"], b["loyalty"][web["person"]], None))),
            "life_stage": json_str(to_str(web["life_stage"])),
        }
    )


def events(
    sink: Any, b: dict[str, Any], epoch: int, first_event: int, first_session: int, visitor_ids: np.ndarray
) -> None:
    ev = b["events"]
    p = ev["person"]
    has = p >= 0
    pid = pa.array(np.maximum(p, 0))
    null = pa.scalar(None, pa.string())
    # events come from the web store/app, so they name the web account with its source ("web:W…"),
    # as feedback, tickets and consents do
    web_ref = pc.binary_join_element_wise("web:", to_str(b["web_code"]), "")
    customer = pc.if_else(pa.array(has & ev["logged"]), web_ref.take(pid), null)
    n_known = len(b["anonymous_id"])
    anon_all = pa.concat_arrays([to_str(b["anonymous_id"]), to_str(visitor_ids)])
    anon = anon_all.take(pa.array(np.where(has, p, n_known + np.maximum(ev["visitor"], 0))))
    anon = pc.if_else(pa.array(ev["etype"] >= 5), null, anon)
    session = ids("S", np.where(ev["session"] >= 0, ev["session"] + first_session, 0), 9)
    session = pc.if_else(pa.array(ev["session"] < 0), null, session)
    sink.write(
        {
            "event_id": json_str(ids("EV", first_event + np.arange(len(p)), 10), escape=False),
            "customer_id": json_str(customer, escape=False),
            "anonymous_id": json_str(anon, escape=False),
            "timestamp": json_str(iso(epoch + ev["t"]), escape=False),
            "event": json_str(pa.array(EVENT_NAMES).take(pa.array(ev["etype"])), escape=False),
            "channel": json_str(pa.array(EVENT_CHANNELS).take(pa.array(ev["channel"])), escape=False),
            "session_id": json_str(session, escape=False),
            "properties": ev["props"],
        }
    )


def _ref(b: dict[str, Any], person: np.ndarray, source: np.ndarray) -> np.ndarray:
    """'pos:KH…' / 'web:W…' customer refs (source 0 = pos, 1 = web)."""
    pos = np.char.add("pos:", b["pos_code"][person].astype(str))
    web = np.char.add("web:", b["web_code"][person].astype(str))
    return _obj(np.where(source == 0, pos, web))


def feedback(sink: Any, b: dict[str, Any], epoch: int, first: int) -> int:
    f = b["feedback"]
    new = (f["group"] < 0) | (f["item"] == 1)
    number = first + np.cumsum(new) - 1
    rid = _obj(ids("PH", number, 8).to_pylist())
    multi = f["item"] > 0
    rid[multi] = [f"{r}-q{k}" for r, k in zip(rid[multi], f["item"][multi], strict=True)]
    sink.write(
        [
            rid,
            _ref(b, f["person"], f["source"]),
            f["survey"],
            _obj(np.array(INSTRUMENTS)[f["instrument"]]),
            f["version"],
            f["question"],
            f["score"],
            f["comment"],
            f["touchpoint"],
            f["channel"],
            f["language"],
            iso(epoch + f["t"]),
        ]
    )
    return int(new.sum())


def tickets(sink: Any, b: dict[str, Any], epoch: int, first: int) -> None:
    tk = b["tickets"]
    n = len(tk["person"])
    oid = b["order_id"]
    text = []
    for i in range(n):
        template = V.TICKET_TEXTS[tk["topic"][i]][1 if tk["ascii"][i] else 0]
        order = oid[tk["order"][i]] if tk["order"][i] >= 0 else ""
        text.append(template.format(order=order, days=max(int(tk["days"][i]), 3)))
    closed = tk["closed"] >= 0
    closed_at = np.where(closed, _obj(iso(epoch + np.where(closed, tk["closed"], 0)).to_pylist()), "")
    sink.write(
        [
            ids("TK", first + np.arange(n), 7),
            _ref(b, tk["person"], tk["source"]),
            iso(epoch + tk["opened"]),
            closed_at,
            _obj(np.array(V.TICKET_TOPICS)[tk["topic"]]),
            _obj(np.array(V.TICKET_CHANNELS)[tk["channel"]]),
            np.where(closed, "closed", "open"),
            _obj(text),
        ]
    )


def consents(sink: Any, b: dict[str, Any], epoch: int, first: int, purposes: tuple[str, ...]) -> None:
    c = b["consents"]["rows"]
    n = len(c["person"])
    source = np.where(b["primary"][c["person"]] == 2, 1, 0)
    sink.write(
        [
            ids("CS", first + np.arange(n), 8),
            _ref(b, c["person"], source),
            _obj(np.array(purposes)[c["purpose"]]),
            np.where(c["status"] == 0, "granted", "withdrawn"),
            iso(epoch + c["t"]),
            c["method"],
            c["notice"],
        ]
    )
