"""Enumerations: status words, gender, survey instruments and currency codes (vi and en).

Same contract as :mod:`centric.ingest._normalise`: each function returns
``(value, reason)``; words are compared after :func:`~._headers.fold`, so case,
accents and spaces do not matter (``"Đã hủy"`` == ``"da huy"``).
"""

from __future__ import annotations

import re
import unicodedata

from centric.ingest._headers import fold
from centric.ingest._normalise import Result, is_missing

__all__ = [
    "GENDER_WORDS",
    "INSTRUMENTS",
    "STATUS_WORDS",
    "normalise_currency",
    "normalise_gender",
    "normalise_instrument",
    "normalise_status",
]


# -- enumerations ------------------------------------------------------------------------------
STATUS_WORDS: dict[str, dict[str, str]] = {
    "orders": {
        **dict.fromkeys(
            ["hoanthanh", "dagiao", "giaothanhcong", "thanhcong", "hoantat", "dathanhtoan",
             "completed", "complete", "delivered", "success", "successful", "paid", "done"],
            "completed",
        ),
        **dict.fromkeys(
            ["dahuy", "huy", "huydon", "dahuydon", "cancelled", "canceled", "cancel", "void"],
            "cancelled",
        ),
        **dict.fromkeys(
            ["trahang", "datrahang", "hoantra", "hoantien", "dahoantien", "returned", "return",
             "refunded", "refund"],
            "returned",
        ),
    },
    "consents": {
        **dict.fromkeys(
            ["dongy", "dadongy", "granted", "grant", "yes", "y", "co", "true", "1", "optin",
             "subscribed", "accepted", "agree", "agreed"],
            "granted",
        ),
        **dict.fromkeys(
            ["rutlai", "darutlai", "tuchoi", "khongdongy", "withdrawn", "withdraw", "no", "n",
             "khong", "false", "0", "optout", "unsubscribed", "revoked", "denied", "refused"],
            "withdrawn",
        ),
    },
}


def normalise_status(value: object, *, table: str = "orders") -> Result:
    """A status word (Vietnamese or English) mapped to the table's canonical enum.

    Examples
    --------
    >>> normalise_status("Đã hủy")
    ('cancelled', None)
    >>> normalise_status("Rút lại", table="consents")
    ('withdrawn', None)
    """
    if is_missing(value):
        return None, None
    words = STATUS_WORDS[table]
    found = words.get(fold(str(value)))
    if found is not None:
        return found, None
    allowed = ", ".join(sorted(set(words.values())))
    return None, f"{str(value).strip()!r} is not a known status (expected one of: {allowed})"


GENDER_WORDS: dict[str, str | None] = {
    **dict.fromkeys(["nu", "female", "f", "woman", "phunu", "gai", "ba", "chi"], "female"),
    **dict.fromkeys(["nam", "male", "m", "man", "trai", "ong", "anh"], "male"),
    **dict.fromkeys(["unknown", "khongro", "khongxacdinh", "chuaxacdinh", "na", "none", "null", ""],
                    None),
}


def normalise_gender(value: object) -> Result:
    """``female``, ``male`` or ``other`` (``None`` when blank or unknown).

    Examples
    --------
    >>> normalise_gender("Nữ")
    ('female', None)
    """
    if is_missing(value):
        return None, None
    key = fold(str(value))
    if key in GENDER_WORDS:
        return GENDER_WORDS[key], None
    return "other", None


INSTRUMENTS = ("nps", "csat", "ces", "who5", "life_impact", "custom")
_INSTRUMENT_KEYS = {fold(i): i for i in INSTRUMENTS}


def normalise_instrument(value: object) -> Result:
    """A survey instrument name, lower case (``'WHO-5'`` -> ``'who5'``).

    Examples
    --------
    >>> normalise_instrument("NPS")
    ('nps', None)
    """
    if is_missing(value):
        return None, None
    found = _INSTRUMENT_KEYS.get(fold(str(value)))
    if found is not None:
        return found, None
    return None, (
        f"{str(value).strip()!r} is not a known instrument (expected one of: {', '.join(INSTRUMENTS)})"
    )


_CURRENCY_RE = re.compile(r"[A-Za-z]{3}")
_VND_WORDS = frozenset({"₫", "đ", "vnd", "vnđ", "dong", "đồng"})


def normalise_currency(value: object) -> Result:
    """An ISO 4217 currency code in upper case (``'₫'`` and ``'vnđ'`` are ``VND``).

    Examples
    --------
    >>> normalise_currency("vnđ")
    ('VND', None)
    """
    if is_missing(value):
        return None, None
    raw = unicodedata.normalize("NFC", str(value)).strip()
    if raw.lower() in _VND_WORDS:
        return "VND", None
    if _CURRENCY_RE.fullmatch(raw):
        return raw.upper(), None
    return None, f"{raw!r} is not a currency code (expected a 3-letter ISO code such as VND or USD)"
