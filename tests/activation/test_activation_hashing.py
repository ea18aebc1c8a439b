"""Audience hashes follow Meta's and Google's normalisation rules (digests computed with coreutils sha256sum)."""

from __future__ import annotations

import pytest

from centric.activation import hash_email, hash_phone, normalise_email_for, normalise_phone_for
from centric.exceptions import InvalidParameterError

# printf '%s' VALUE | sha256sum
SHA = {
    "84912345678": "25cc2f7574420a2d46c9f2d6cf94cdbb242ef7d479afe92ed6e8eb33a7493093",
    "+84912345678": "ed644edf0566470f0b5a8c13c792fa8e8a489574da3aceec119b9456e870d396",
    "john.doe@gmail.com": "375320dd9ae7ed408002f3768e16cb5f28c861062fd50dff9a3bff62e9dce4ef",
    "johndoe@gmail.com": "06a240d11cc201676da976f7b49341181fd180da37cbe40a77432c0a366c80c3",
    "an.nguyen@example.vn": "cb2b68457fae462880b349cecfe30400677f349d9975e9a0328a6d34a0338d24",
    "+842838221234": "069eeb895aee39c1dc527ac82b37489ae813a767d92b90e0decb56190183ba72",
    "842838221234": "a2500d8bd0da1eca7a583a46e63bee3705ec0909356231031994992f5f43509f",
}


@pytest.mark.parametrize("raw", ["0912 345 678", "0912.345.678", "+84 (91) 234-5678", "84912345678", " 0912345678 "])
def test_vietnamese_mobile_numbers(raw):
    assert normalise_phone_for(raw, "meta") == "84912345678"  # digits only, country code, no +
    assert normalise_phone_for(raw, "google") == "+84912345678"  # E.164
    assert hash_phone(raw, "meta") == SHA["84912345678"]
    assert hash_phone(raw, "google") == SHA["+84912345678"]


def test_vietnamese_landline():
    assert hash_phone("(028) 3822 1234", "google") == SHA["+842838221234"]
    assert hash_phone("(028) 3822 1234", "meta") == SHA["842838221234"]


@pytest.mark.parametrize("raw", [" John.Doe@GMAIL.com ", "john.doe@gmail.com", "JOHN.DOE@gmail.com\t"])
def test_gmail_dots_removed_for_google_only(raw):
    assert hash_email(raw, "meta") == SHA["john.doe@gmail.com"]
    assert hash_email(raw, "google") == SHA["johndoe@gmail.com"]


def test_other_domains_keep_dots_on_both():
    assert hash_email(" An.Nguyen@Example.VN", "google") == SHA["an.nguyen@example.vn"]
    assert hash_email(" An.Nguyen@Example.VN", "meta") == SHA["an.nguyen@example.vn"]
    assert normalise_email_for("a.b+tag@googlemail.com", "google") == "ab+tag@googlemail.com"


@pytest.mark.parametrize("bad", [None, "", "12345", "not a phone"])
def test_invalid_phones_give_none(bad):
    assert hash_phone(bad, "meta") is None


@pytest.mark.parametrize("bad", [None, "", "no-at-sign", "a@b"])
def test_invalid_emails_give_none(bad):
    assert hash_email(bad, "google") is None


def test_unknown_platform_is_refused():
    with pytest.raises(InvalidParameterError, match="'platform' parameter must be one of"):
        hash_email("a@b.vn", "tiktok")
