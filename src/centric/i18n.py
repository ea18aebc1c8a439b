"""Message catalogues (vi, en) and locale-aware number formatting.

Vietnamese formatting follows vi-VN: ``1.234.568 ₫`` (dot thousands, no
decimals, U+00A0 before ₫), ``42,5%`` (decimal comma).
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

from centric.exceptions import InvalidParameterError

__all__ = ["LANGS", "catalogue", "fmt_money", "fmt_number", "fmt_percent", "t"]

LANGS = ("vi", "en")
NBSP = "\u00a0"


def _check(lang: str) -> str:
    if lang not in LANGS:
        raise InvalidParameterError(f"The 'lang' parameter must be one of {list(LANGS)}. Got {lang!r} instead.")
    return lang


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language: ``{lang}.json`` plus each area's ``{area}.{lang}.json``.

    Areas (privacy, web, surveys, activation …) keep their messages in their own files; a key
    defined twice is a mistake and raises.
    """
    folder = resources.files("centric.locales")
    out: dict[str, str] = dict(json.loads(folder.joinpath(f"{_check(lang)}.json").read_text("utf-8")))
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.endswith(f".{lang}.json"):
            part = dict(json.loads(f.read_text("utf-8")))
            twice = sorted(set(part) & set(out))
            if twice:
                raise ValueError(f"Message keys defined twice in {f.name}: {twice[:5]}")
            out.update(part)
    return out


def t(key: str, lang: str = "vi") -> str:
    """The message ``key`` in ``lang`` (English, then the key itself, as fallbacks)."""
    return catalogue(lang).get(key) or catalogue("en").get(key) or key


def fmt_number(x: float | int | Decimal | None, lang: str = "vi", decimals: int = 0) -> str:
    """1234567.891 -> '1.234.567,9' (vi) or '1,234,567.9' (en)."""
    if x is None:
        return "—"
    q = Decimal(str(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    s = f"{q:,.{decimals}f}"
    if _check(lang) == "vi":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def fmt_money(x: float | int | Decimal | None, lang: str = "vi", currency: str = "VND") -> str:
    """VND without decimals: '1.234.568 ₫' (vi) / '1,234,568 ₫' (en)."""
    if x is None:
        return "—"
    symbol = "₫" if currency == "VND" else currency
    return f"{fmt_number(x, lang, 0)}{NBSP}{symbol}"


def fmt_percent(x: float | None, lang: str = "vi", decimals: int = 1) -> str:
    """42.5 -> '42,5%' (vi) / '42.5%' (en); the input is already in percent."""
    if x is None:
        return "—"
    return f"{fmt_number(x, lang, decimals)}%"
