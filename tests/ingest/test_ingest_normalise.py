"""Normalisers: hand cases for each rule, and the column (vectorised) paths agree with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from centric.exceptions import InvalidParameterError
from centric.ingest import _columns as C
from centric.ingest import (
    normalise_birth_year,
    normalise_currency,
    normalise_datetime,
    normalise_email,
    normalise_gender,
    normalise_instrument,
    normalise_integer,
    normalise_json,
    normalise_money,
    normalise_phone,
    normalise_score,
    normalise_status,
    normalise_text,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "+84912345678"),
        ("+84 912.345.678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("(091) 234-5678", "+84912345678"),
        ("+84 (0) 912 345 678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("912345678", "+84912345678"),  # leading zero eaten by a spreadsheet
        ("024 3826 1234", "+842438261234"),  # Hanoi landline
        ("+1 415 555 2671", "+14155552671"),
        ("", None),
        ("  ", None),
    ],
)
def test_phone_numbers_become_e164(raw, expected):
    assert normalise_phone(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["12345", "0912 345 67", "091234567890", "abc", "+84 12"])
def test_bad_phone_numbers_have_a_reason_naming_the_value(raw):
    value, reason = normalise_phone(raw)
    assert value is None
    assert reason == (
        f"{raw!r} is not a valid phone number (expected a Vietnamese number: 0 + 9 digits, "
        "84/+84 + 9 digits, or +<country code><number>)"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234.568 ₫", Decimal("1234568.00")),
        ("1.234.568đ", Decimal("1234568.00")),
        ("1,234,568", Decimal("1234568.00")),
        ("1234568.0", Decimal("1234568.00")),
        ("1.234.568,50", Decimal("1234568.50")),
        ("1,234,568.50", Decimal("1234568.50")),
        ("250.000 VND", Decimal("250000.00")),
        ("₫ 99.000", Decimal("99000.00")),
        ("1 234 568", Decimal("1234568.00")),
        ("12,5", Decimal("12.50")),
        ("-50.000", Decimal("-50000.00")),
        ("(1.000)", Decimal("-1000.00")),
        ("0.10", Decimal("0.10")),
        ("1234568.500", Decimal("1234568.50")),
        ("0", Decimal("0.00")),
    ],
)
def test_money_is_exact_decimal_with_two_places(raw, expected):
    value, reason = normalise_money(raw)
    assert reason is None
    assert value == expected
    assert isinstance(value, Decimal)
    assert value.as_tuple().exponent == -2


def test_money_shorthand_and_excess_precision_are_rejected():
    assert normalise_money("150k") == (None, (
        "'150k' is shorthand, which is not accepted: write the full amount (expected an amount such as "
        "1.234.568 ₫, 1,234,568, 1234568.50 or 1.234.568,50)"
    ))
    assert normalise_money("1.5tr")[0] is None
    assert normalise_money("1.2345")[1] == (
        "'1.2345' has more than 2 decimal places (expected an exact amount like 1234568.50)"
    )
    assert normalise_money("12abc")[1].startswith("'12abc' is not a valid amount")
    assert normalise_money("1.23.4")[0] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/01/2026", dt.datetime(2026, 1, 4, 17, 0, tzinfo=UTC)),
        ("5/1/2026", dt.datetime(2026, 1, 4, 17, 0, tzinfo=UTC)),
        ("05/01/2026 08:30", dt.datetime(2026, 1, 5, 1, 30, tzinfo=UTC)),
        ("05/01/2026 08:30:15", dt.datetime(2026, 1, 5, 1, 30, 15, tzinfo=UTC)),
        ("05-01-2026", dt.datetime(2026, 1, 4, 17, 0, tzinfo=UTC)),
        ("2026-01-05", dt.datetime(2026, 1, 4, 17, 0, tzinfo=UTC)),
        ("2026-01-05 10:00:00", dt.datetime(2026, 1, 5, 3, 0, tzinfo=UTC)),
        ("2026-01-05T10:00:00", dt.datetime(2026, 1, 5, 3, 0, tzinfo=UTC)),
        ("2026-01-05T10:00:00+09:00", dt.datetime(2026, 1, 5, 1, 0, tzinfo=UTC)),  # offset wins
        ("2026-01-05T10:00:00Z", dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)),
        ("45292", dt.datetime(2023, 12, 31, 17, 0, tzinfo=UTC)),  # 2024-01-01 00:00 local
        ("45292.5", dt.datetime(2024, 1, 1, 5, 0, tzinfo=UTC)),  # noon local
    ],
)
def test_dates_are_read_day_first_in_the_workspace_zone(raw, expected):
    assert normalise_datetime(raw) == (expected, None)


def test_dates_in_another_zone_and_invalid_dates():
    assert normalise_datetime("05/01/2026", timezone="UTC")[0] == dt.datetime(2026, 1, 5, tzinfo=UTC)
    assert normalise_datetime("31/02/2024") == (
        None, "'31/02/2024' is not a valid date (expected dd/mm/yyyy, ISO 8601 or an Excel serial)"
    )
    assert normalise_datetime("2024")[0] is None
    assert normalise_datetime("13/13/2024")[0] is None
    with pytest.raises(InvalidParameterError, match="must be an IANA time zone"):
        normalise_datetime("05/01/2026", timezone="Mars/Olympus")


def test_status_words_map_to_the_canonical_enum():
    assert [normalise_status(w)[0] for w in ["Hoàn thành", "Đã giao", "completed", "delivered"]] == [
        "completed"] * 4
    assert [normalise_status(w)[0] for w in ["Đã hủy", "Hủy", "cancelled", "canceled"]] == ["cancelled"] * 4
    assert [normalise_status(w)[0] for w in ["Trả hàng", "Hoàn trả", "returned", "refunded"]] == [
        "returned"] * 4
    assert [normalise_status(w, table="consents")[0] for w in ["Đồng ý", "granted", "yes"]] == ["granted"] * 3
    assert [normalise_status(w, table="consents")[0] for w in ["Rút lại", "Từ chối", "withdrawn"]] == [
        "withdrawn"] * 3
    assert normalise_status("Đang giao") == (
        None, "'Đang giao' is not a known status (expected one of: cancelled, completed, returned)"
    )


def test_gender_email_text_instrument_and_integers():
    assert [normalise_gender(g)[0] for g in ["Nữ", "female", "F", "Nam", "male", "M", "Khác", ""]] == [
        "female", "female", "female", "male", "male", "male", "other", None]
    assert normalise_email(" An.Nguyen@Example.VN ") == ("an.nguyen@example.vn", None)
    assert normalise_email("an@@x") == (
        None, "'an@@x' is not a valid e-mail address (expected name@domain.tld)")
    assert normalise_email("an@x")[0] is None
    assert normalise_text("  Nguye\u0302\u0303n Văn An ") == ("Nguyễn Văn An", None)
    assert normalise_text("   ") == (None, None)
    assert normalise_instrument("WHO-5") == ("who5", None)
    assert normalise_instrument("Life Impact") == ("life_impact", None)
    assert normalise_instrument("NPS") == ("nps", None)
    assert normalise_instrument("xyz")[1] == (
        "'xyz' is not a known instrument (expected one of: nps, csat, ces, who5, life_impact, custom)"
    )
    assert normalise_integer("3.0") == (3, None)
    assert normalise_integer("3.5")[0] is None
    assert normalise_birth_year("1990") == (1990, None)
    assert normalise_birth_year("1899")[1] == (
        f"'1899' is out of range (expected an integer from 1900 to {dt.date.today().year})"
    )
    assert normalise_birth_year("2090", today=dt.date(2026, 1, 1))[0] is None
    assert normalise_currency("vnđ") == ("VND", None)
    assert normalise_currency("usd") == ("USD", None)
    assert normalise_currency("dollars")[0] is None
    assert normalise_json('{"a": 1}') == ('{"a": 1}', None)
    assert normalise_json("[1]")[1] == "'[1]' is not a JSON object (expected {\"key\": \"value\"})"


@pytest.mark.parametrize(
    ("score", "instrument", "version", "ok"),
    [
        ("10", "nps", None, True), ("11", "nps", None, False), ("0", "nps", None, True),
        ("5", "csat", None, True), ("0", "csat", None, False),
        ("7", "ces", "2.0", True), ("7", "ces", "1.0", False), ("5", "ces", "1.0", True),
        ("7", "ces", None, True), ("0", "who5", None, True), ("6", "who5", None, False),
        ("1", "life_impact", None, True), ("0", "life_impact", None, False),
        ("42", "custom", None, True), ("4,5", "csat", None, True),
    ],
)
def test_scores_respect_the_instrument_range(score, instrument, version, ok):
    value, reason = normalise_score(score, instrument=instrument, version=version)
    assert (reason is None) is ok
    if ok:
        assert value == float(score.replace(",", "."))


def test_score_reason_names_value_and_range():
    assert normalise_score("7", instrument="ces", version="1.0") == (
        None, "'7' is out of range for ces 1.0 (expected a number from 1 to 5)"
    )
    assert normalise_score("good", instrument="nps")[1] == (
        "'good' is not a number (expected a score such as 8 or 4.5)"
    )


MESSY = pd.Series([
    "0912 345 678", "+84 912.345.678", "12345", None, "", "N/A", "(091) 234-5678", "912345678",
    "+1 415 555 2671", "1.234.568 ₫", "1.234.568,50", "150k", "05/01/2026", "31/02/2024", "45292.5",
    "2026-01-05T10:00:00+09:00", "5/1/2026 8:05", "An@Example.com", "bad@", "250.000 VND",
    "05/01/2026 08:30", "2024-02-29", "29/02/2023",
], dtype=object)


@pytest.mark.parametrize(
    ("column_fn", "scalar_fn"),
    [
        (C.phone_column, normalise_phone),
        (C.email_column, normalise_email),
        (C.money_column, normalise_money),
        (lambda s: C.datetime_column(s, timezone="Asia/Ho_Chi_Minh"), normalise_datetime),
    ],
)
def test_column_paths_agree_with_the_scalar_rules(column_fn, scalar_fn):
    values, reasons = column_fn(MESSY)
    for i, raw in enumerate(MESSY):
        want_value, want_reason = scalar_fn(raw)
        got = values.iloc[i]
        got = None if got is None or got is pd.NaT or (not isinstance(got, str) and pd.isna(got)) else got
        assert got == want_value, (raw, got, want_value)
        assert reasons.iloc[i] == want_reason, raw
