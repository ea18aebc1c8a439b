"""Normalisers: pure functions from one raw text value to one canonical value.

Each function takes the raw text of one cell and returns ``(value, reason)``:
``reason`` is ``None`` when the value is fine (``value`` may then be ``None``
for an empty cell), otherwise a sentence that quotes the value with ``!r`` and
says what is allowed; ``value`` is then ``None``. The field name is added by
the caller (:mod:`centric.ingest._validate`).

These are the reference implementations. :mod:`centric.ingest._columns` applies
the same rules to whole columns with pandas string operations and falls back
to these functions for the values its fast paths do not cover.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from centric.exceptions import InvalidParameterError

__all__ = [
    "CENTS",
    "SCORE_RANGES",
    "is_missing",
    "normalise_birth_year",
    "normalise_datetime",
    "normalise_email",
    "normalise_integer",
    "normalise_json",
    "normalise_money",
    "normalise_phone",
    "normalise_score",
    "normalise_text",
    "zone",
]

Result = tuple[Any, str | None]

CENTS = Decimal("0.01")
MAX_MONEY = Decimal(10) ** 16  # decimal(18, 2)

#: cell contents that mean "no value" in typed (non-text) columns.
NULL_TOKENS = frozenset({"", "null", "none", "nan", "nat", "n/a", "na", "#n/a", "-", "--"})


def is_missing(value: object) -> bool:
    """Whether a raw cell is empty (``None``, NaN, blank or a null token like ``'N/A'``)."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return str(value).strip().lower() in NULL_TOKENS


def normalise_text(value: object) -> Result:
    """Unicode NFC and trimmed whitespace; blank becomes ``None``.

    Examples
    --------
    >>> normalise_text("  Nguye\u0302\u0303n  ")
    ('Nguyễn', None)
    """
    if value is None or (isinstance(value, float) and value != value):
        return None, None
    text = unicodedata.normalize("NFC", str(value)).strip()
    return (text or None), None


# -- phone -------------------------------------------------------------------------------------
PHONE_STRIP = r"[\s.\-()/]"
#: fullmatch on the digits left after PHONE_STRIP; the group holding the national
#: significant number (without the leading 0) decides the E.164 result.
PHONE_VN = (
    r"(?:\+?84|0084)0?([1-9]\d{8}|2\d{9})"  # +84 912 345 678, 84912345678, +84 (0) 912...
    r"|0([1-9]\d{8}|2\d{9})"  # 0912 345 678; landline 024 3826 1234
    r"|([35789]\d{8})"  # 912345678: a mobile whose leading 0 was eaten by a spreadsheet
)
PHONE_INTL = r"\+((?!84)[1-9]\d{6,14})"
_PHONE_VN_RE = re.compile(PHONE_VN)
_PHONE_INTL_RE = re.compile(PHONE_INTL)
_PHONE_STRIP_RE = re.compile(PHONE_STRIP)
PHONE_EXPECTED = "expected a Vietnamese number: 0 + 9 digits, 84/+84 + 9 digits, or +<country code><number>"


def normalise_phone(value: object) -> Result:
    """A Vietnamese phone number in E.164 (``+84`` + 9 digits; landlines + 10).

    Examples
    --------
    >>> normalise_phone("(091) 234-5678")
    ('+84912345678', None)
    >>> normalise_phone("12345")[0] is None
    True
    """
    if is_missing(value):
        return None, None
    digits = _PHONE_STRIP_RE.sub("", str(value).strip())
    m = _PHONE_VN_RE.fullmatch(digits)
    if m:
        return "+84" + next(g for g in m.groups() if g), None
    m = _PHONE_INTL_RE.fullmatch(digits)
    if m:
        return "+" + m.group(1), None
    return None, f"{str(value).strip()!r} is not a valid phone number ({PHONE_EXPECTED})"


# -- e-mail ------------------------------------------------------------------------------------
EMAIL = (
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
_EMAIL_RE = re.compile(EMAIL)


def normalise_email(value: object) -> Result:
    """A lower-case, syntactically valid e-mail address.

    Examples
    --------
    >>> normalise_email(" An.Nguyen@Example.VN ")
    ('an.nguyen@example.vn', None)
    """
    if is_missing(value):
        return None, None
    text = str(value).strip().lower()
    text = text.removeprefix("mailto:")
    if _EMAIL_RE.fullmatch(text):
        return text, None
    return None, f"{str(value).strip()!r} is not a valid e-mail address (expected name@domain.tld)"


# -- money -------------------------------------------------------------------------------------
MONEY_CURRENCY = r"(?i:₫|vnđ|vnd|đồng|dong|đ)"
MONEY_SHORTHAND = r"(?i)[+-]?[\d.,]+\s*(?:k|nghìn|nghin|ngàn|ngan|tr|triệu|trieu|m|mil|tỷ|ty|b|bn)\.?"
#: (pattern on the unsigned amount, thousands separator to drop, decimal separator)
MONEY_FORMS: tuple[tuple[str, str, str], ...] = (
    (r"\d+", "", ""),
    (r"[1-9]\d{0,2}(?:\.\d{3})+", ".", ""),  # 1.234.568 / 250.000 (VND style)
    (r"[1-9]\d{0,2}(?:,\d{3})+", ",", ""),  # 1,234,568
    (r"(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+),\d+", ".", ","),  # 1.234.568,50 / 12,5
    (r"(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)\.\d+", ",", "."),  # 1,234,568.50 / 1234568.0
)
_MONEY_FORMS_RE = [(re.compile(p), t, d) for p, t, d in MONEY_FORMS]
_MONEY_CUR_RE = re.compile(rf"^\s*{MONEY_CURRENCY}\s*|\s*{MONEY_CURRENCY}\s*$")
_MONEY_SHORT_RE = re.compile(MONEY_SHORTHAND)
MONEY_EXPECTED = "expected an amount such as 1.234.568 ₫, 1,234,568, 1234568.50 or 1.234.568,50"


def money_text(value: str) -> tuple[str | None, str]:
    """Strip currency and spaces; return ``(unsigned amount, sign)`` or ``(None, '')``."""
    text = _MONEY_CUR_RE.sub("", value.strip())
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    sign = ""
    if text.startswith("(") and text.endswith(")"):
        text, sign = text[1:-1], "-"
    if text[:1] in "+-" and text:
        sign = "-" if text[0] == "-" else sign
        text = text[1:]
    return (text or None), sign


def normalise_money(value: object) -> Result:
    """An exact :class:`~decimal.Decimal` with 2 places; no floats anywhere.

    Examples
    --------
    >>> normalise_money("1.234.568 ₫")
    (Decimal('1234568.00'), None)
    >>> normalise_money("1.234.568,50")
    (Decimal('1234568.50'), None)
    """
    if is_missing(value):
        return None, None
    raw = str(value).strip()
    if _MONEY_SHORT_RE.fullmatch(raw):
        return None, (
            f"{raw!r} is shorthand, which is not accepted: write the full amount "
            f"({MONEY_EXPECTED})"
        )
    text, sign = money_text(raw)
    for pattern, thousands, decimal_sep in _MONEY_FORMS_RE:
        if text is not None and pattern.fullmatch(text):
            if thousands:
                text = text.replace(thousands, "")
            if decimal_sep:
                text = text.replace(decimal_sep, ".")
            return _to_cents(sign + text, raw)
    return None, f"{raw!r} is not a valid amount ({MONEY_EXPECTED})"


def _to_cents(text: str, raw: str) -> Result:
    amount = Decimal(text)
    rounded = amount.quantize(CENTS)
    if rounded != amount:
        return None, f"{raw!r} has more than 2 decimal places (expected an exact amount like 1234568.50)"
    if abs(rounded) >= MAX_MONEY:
        return None, f"{raw!r} is too large (expected an amount below 10^16)"
    return rounded, None


# -- dates and times ---------------------------------------------------------------------------
_TIME = r" \d{1,2}:\d{2}"
#: (regex, strptime/pandas format); the first that matches decides.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    (r"\d{1,2}/\d{1,2}/\d{4}", "%d/%m/%Y"),
    (r"\d{1,2}/\d{1,2}/\d{4}" + _TIME, "%d/%m/%Y %H:%M"),
    (r"\d{1,2}/\d{1,2}/\d{4}" + _TIME + r":\d{2}", "%d/%m/%Y %H:%M:%S"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "%d-%m-%Y"),
    (r"\d{1,2}-\d{1,2}-\d{4}" + _TIME, "%d-%m-%Y %H:%M"),
    (r"\d{1,2}-\d{1,2}-\d{4}" + _TIME + r":\d{2}", "%d-%m-%Y %H:%M:%S"),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y"),
    (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d"),
)
ISO_LOCAL = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
ISO_OFFSET = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)"
EXCEL_SERIAL = r"\d{5}(?:\.\d+)?"
EXCEL_EPOCH = _dt.datetime(1899, 12, 30)
DATE_EXPECTED = "expected dd/mm/yyyy, ISO 8601 or an Excel serial"
_DATE_RES = [(re.compile(p), f) for p, f in DATE_FORMATS]
_ISO_LOCAL_RE = re.compile(ISO_LOCAL)
_ISO_OFFSET_RE = re.compile(ISO_OFFSET)
_EXCEL_RE = re.compile(EXCEL_SERIAL)


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """The :class:`~zoneinfo.ZoneInfo` called ``name``, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameterError(
            f"The 'timezone' parameter must be an IANA time zone such as 'Asia/Ho_Chi_Minh'. "
            f"Got {name!r} instead."
        ) from None


def excel_seconds(text: str) -> int:
    """Seconds since the Excel epoch (1899-12-30) for a serial like ``'45292.5'``, exact."""
    return int((Decimal(text) * 86400).to_integral_value())


def normalise_datetime(value: object, *, timezone: str = "Asia/Ho_Chi_Minh") -> Result:
    """An aware UTC :class:`~datetime.datetime`.

    Local times are read in ``timezone`` (the workspace zone); an explicit offset
    in the value wins. Days come first: ``05/01/2026`` is 5 January 2026.

    Examples
    --------
    >>> normalise_datetime("05/01/2026")[0].isoformat()
    '2026-01-04T17:00:00+00:00'
    >>> normalise_datetime("45292.5")[0].isoformat()
    '2024-01-01T05:00:00+00:00'
    """
    if is_missing(value):
        return None, None
    raw = str(value).strip()
    tz = zone(timezone)
    bad = f"{raw!r} is not a valid date ({DATE_EXPECTED})"
    try:
        for pattern, fmt in _DATE_RES:
            if pattern.fullmatch(raw):
                local = _dt.datetime.strptime(raw, fmt)
                return local.replace(tzinfo=tz).astimezone(_dt.UTC), None
        if _ISO_OFFSET_RE.fullmatch(raw) or _ISO_LOCAL_RE.fullmatch(raw):
            parsed = _dt.datetime.fromisoformat(raw.replace(" ", "T", 1))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
            return parsed.astimezone(_dt.UTC), None
        if _EXCEL_RE.fullmatch(raw):
            local = EXCEL_EPOCH + _dt.timedelta(seconds=excel_seconds(raw))
            return local.replace(tzinfo=tz).astimezone(_dt.UTC), None
    except (ValueError, OverflowError):
        return None, bad
    return None, bad


# -- numbers -----------------------------------------------------------------------------------
_INT_RE = re.compile(r"[+-]?\d+(?:\.0*)?")
INT32 = 2**31 - 1


def normalise_integer(value: object, *, minimum: int = -INT32, maximum: int = INT32) -> Result:
    """A whole number within ``[minimum, maximum]`` (``'3.0'`` is accepted as 3).

    Examples
    --------
    >>> normalise_integer("3")
    (3, None)
    """
    if is_missing(value):
        return None, None
    raw = str(value).strip()
    if not _INT_RE.fullmatch(raw):
        return None, f"{raw!r} is not a whole number (expected an integer from {minimum} to {maximum})"
    number = int(raw.split(".")[0])
    if not minimum <= number <= maximum:
        return None, f"{raw!r} is out of range (expected an integer from {minimum} to {maximum})"
    return number, None


def normalise_birth_year(value: object, *, today: _dt.date | None = None) -> Result:
    """A birth year from 1900 to the current year.

    Examples
    --------
    >>> normalise_birth_year("1990")
    (1990, None)
    """
    year = (today or _dt.date.today()).year
    return normalise_integer(value, minimum=1900, maximum=year)


#: instrument -> (min, max) of an answer; ``ces`` depends on the version (see below).
SCORE_RANGES: dict[str, tuple[int, int]] = {
    "nps": (0, 10),
    "csat": (1, 5),
    "ces": (1, 7),
    "ces@1": (1, 5),
    "who5": (0, 5),
    "life_impact": (1, 5),
}
_NUMBER_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def score_range(instrument: str | None, version: str | None) -> tuple[int, int] | None:
    """The allowed score range of ``instrument`` (CES 1.0 is 1-5, CES 2.0 is 1-7)."""
    if instrument == "ces" and version is not None and str(version).strip().split(".")[0] == "1":
        return SCORE_RANGES["ces@1"]
    return SCORE_RANGES.get(instrument or "")


def normalise_score(value: object, *, instrument: str | None = None, version: str | None = None) -> Result:
    """A numeric score within the instrument's range (any number for ``custom``).

    Examples
    --------
    >>> normalise_score("9", instrument="nps")
    (9.0, None)
    >>> normalise_score("6", instrument="csat")[1]
    "'6' is out of range for csat (expected a number from 1 to 5)"
    """
    if is_missing(value):
        return None, None
    raw = str(value).strip()
    if not _NUMBER_RE.fullmatch(raw):
        return None, f"{raw!r} is not a number (expected a score such as 8 or 4.5)"
    number = float(raw.replace(",", "."))
    bounds = score_range(instrument, version)
    if bounds is not None and not bounds[0] <= number <= bounds[1]:
        label = f"{instrument} {version}" if instrument == "ces" and version else instrument
        return None, (
            f"{raw!r} is out of range for {label} (expected a number from {bounds[0]} to {bounds[1]})"
        )
    return number, None


def normalise_json(value: object) -> Result:
    """A JSON object, kept as written (trimmed).

    Examples
    --------
    >>> normalise_json(' {"a": 1} ')
    ('{"a": 1}', None)
    """
    if is_missing(value):
        return None, None
    raw = str(value).strip()
    try:
        parsed = json.loads(raw)
    except (ValueError, InvalidOperation):
        return None, f"{_short(raw)!r} is not valid JSON (expected a JSON object like {{\"key\": \"value\"}})"
    if not isinstance(parsed, dict):
        return None, f"{_short(raw)!r} is not a JSON object (expected {{\"key\": \"value\"}})"
    return raw, None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
