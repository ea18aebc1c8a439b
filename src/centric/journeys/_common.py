"""Shared pieces of the journeys package: default steps, labels, checks and small helpers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np

from centric.exceptions import InputError, InvalidParameterError

__all__ = [
    "ARROW",
    "DEFAULT_STEPS",
    "EVENT_LABELS",
    "SYSTEM_EVENTS",
    "check_columns",
    "check_lang",
    "check_steps",
    "label",
    "plain",
    "step_name",
]

#: The main purchase funnel of a web store or app.
DEFAULT_STEPS: tuple[str, ...] = ("page_view", "product_view", "add_to_cart", "begin_checkout", "purchase")
#: Events that the business sends, not the visitor's own activity: left out of sessions and paths.
SYSTEM_EVENTS: tuple[str, ...] = ("email_sent",)
#: The arrow joining two steps of a funnel (``"begin_checkout→purchase"``).
ARROW = "→"

EVENT_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "page_view": "page view",
        "product_view": "product view",
        "add_to_cart": "add to cart",
        "begin_checkout": "begin checkout",
        "purchase": "purchase",
        "email_sent": "e-mail sent",
        "email_open": "e-mail open",
        "email_click": "e-mail click",
        "web": "web",
        "app": "app",
        "email": "e-mail",
        "awareness": "Awareness",
        "consideration": "Consideration",
        "retention": "Retention",
        "advocacy": "Advocacy",
        "checkout": "checkout",
        "(start)": "(start)",
    },
    "vi": {
        "page_view": "xem trang",
        "product_view": "xem sản phẩm",
        "add_to_cart": "thêm vào giỏ",
        "begin_checkout": "bắt đầu thanh toán",
        "purchase": "mua hàng",
        "email_sent": "gửi e-mail",
        "email_open": "mở e-mail",
        "email_click": "nhấp e-mail",
        "web": "web",
        "app": "ứng dụng",
        "email": "e-mail",
        "awareness": "Nhận biết",
        "consideration": "Cân nhắc",
        "retention": "Giữ chân",
        "advocacy": "Ủng hộ",
        "checkout": "thanh toán",
        "(start)": "(bắt đầu)",
    },
}
# "purchase" is both an event and a stage; as a stage it is capitalised
_STAGE_LABELS = {"en": {"purchase": "Purchase"}, "vi": {"purchase": "Mua hàng"}}


def check_lang(lang: str) -> str:
    """Return ``lang`` or raise a clear error when it is not ``"vi"`` or ``"en"``."""
    if lang not in ("vi", "en"):
        raise InvalidParameterError(f"The 'lang' parameter must be 'vi' or 'en'. Got {lang!r} instead.")
    return lang


def label(name: Any, lang: str, *, stage: bool = False) -> str:
    """A readable label of an event, channel or stage name in ``lang`` (the name itself if unknown)."""
    key = str(name)
    if stage and key in _STAGE_LABELS[lang]:
        return _STAGE_LABELS[lang][key]
    return EVENT_LABELS[check_lang(lang)].get(key, key)


def step_name(a: str, b: str) -> str:
    """``"begin_checkout→purchase"``: the key of the step from ``a`` to ``b``."""
    return f"{a}{ARROW}{b}"


def check_steps(steps: Sequence[str], *, func: str) -> tuple[str, ...]:
    """The funnel steps as a tuple; at least two distinct event names."""
    if isinstance(steps, str) or not all(isinstance(s, str) and s for s in steps):
        raise InvalidParameterError(
            f"The 'steps' parameter of {func} must be a list of event names. Got {steps!r} instead."
        )
    out = tuple(steps)
    if len(out) < 2 or len(set(out)) != len(out):
        raise InvalidParameterError(
            f"The 'steps' parameter of {func} needs at least two distinct event names. Got {list(out)!r} instead."
        )
    return out


def check_columns(table: ibis.Table, needed: Sequence[str], *, what: str) -> None:
    """Raise :class:`InputError` naming the missing columns of ``table``."""
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(
            f"The {what} table has no column {', '.join(repr(c) for c in missing)}. "
            f"Columns: {', '.join(table.columns)}."
        )


def plain(v: Any) -> Any:
    """A JSON-ready value: NumPy scalars to Python, NaN to ``None``."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is None:
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except Exception:  # pragma: no cover
        pass
    return v
