"""Fixtures for the ingest tests."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed vowels, tones as combining marks."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            tones = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
            rest = [m for m in marks if m not in tones]
            out.append((unicodedata.normalize("NFC", base + "".join(rest)) + "".join(tones)).encode("cp1258"))
    return b"".join(out)


@pytest.fixture(name="to_cp1258")
def _to_cp1258() -> Callable[[str], bytes]:
    """The Windows-1258 encoder, as a fixture."""
    return to_cp1258
