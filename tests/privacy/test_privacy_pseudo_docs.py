"""Pseudonyms, minimum cell size, field encryption, documents, breach register, suppression digests."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pandas as pd
import pytest

import centric.privacy as P
from centric.exceptions import InputError
from centric.privacy._suppress import digest
from centric.store import connect

K = b"k" * 32


def test_pseudonym_is_keyed_hmac_and_drops_identifiers():
    expected = "p_" + hmac.new(K, b"analytics\x00C1", hashlib.sha256).hexdigest()[:20]
    assert P.pseudonym(K, "C1") == expected
    assert P.pseudonym(K, "C1", domain="other") != expected and P.pseudonym(b"x" * 32, "C1") != expected
    df = pd.DataFrame({"customer_id": ["C1", "C2", None], "email": ["a@b.vn", None, None], "revenue": [1, 2, 3]})
    out = P.pseudonymise(df, K)
    assert list(out.columns) == ["customer_id", "revenue"]
    assert out["customer_id"].tolist()[:1] == [expected] and out["customer_id"].iloc[2] is None
    with pytest.raises(InputError, match="Column 'cid' to pseudonymise"):
        P.pseudonymise(df, K, columns=["cid"])


def test_suppress_small_cells():
    df = pd.DataFrame({"segment": ["a", "b", "c"], "n": [12, 4, 5], "nps": [30.0, 80.0, -20.0]})
    out = P.suppress_small_cells(df, "n", k=5)
    assert out["n"].tolist() == [12, "<5", 5]
    assert out["nps"].tolist() == [30.0, None, -20.0]
    assert out["suppressed"].tolist() == [False, True, False]
    with pytest.raises(InputError, match="Count column 'count'"):
        P.suppress_small_cells(df, "count")


def test_field_encryption_round_trip_and_tamper():
    tok = P.encrypt_field(K, "Nguyễn Văn An", column="display_name")
    assert tok.startswith("enc1:") and "Nguy" not in tok
    assert P.encrypt_field(K, "x", column="c") != P.encrypt_field(K, "x", column="c")  # random nonce
    assert P.decrypt_field(K, tok, column="display_name") == "Nguyễn Văn An"
    with pytest.raises(InputError, match="cannot be decrypted"):
        P.decrypt_field(K, tok, column="email")
    with pytest.raises(InputError, match="cannot be decrypted"):
        P.decrypt_field(b"z" * 32, tok, column="display_name")
    assert P.decrypt_field(K, None, column="x") is None


def test_documents_from_registry_and_schema():
    ropa = P.records_of_processing("en")
    assert ropa.count("| ") > 12 and "`marketing_zalo`" in ropa and "orders.total_amount" in ropa
    vi = P.dpia_dossier("vi", n_subjects=120_000)
    for heading in ("Thông tin bên kiểm soát dữ liệu", "Mục đích xử lý", "Chuyển dữ liệu ra nước ngoài",
                    "Biện pháp bảo vệ dữ liệu cá nhân"):
        assert heading in vi
    assert "Không áp dụng: có xử lý dữ liệu nhạy cảm và ≥ 100.000 chủ thể" in vi
    assert {r["sensitivity"] for r in P.data_inventory()} == {"basic", "sensitive"}


def test_breach_countdown_and_notice():
    store = connect("duckdb://")
    aware = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    bid = P.register_breach(store, nature="Lost laptop", aware_at=aware, approx_subjects=1234, actor="admin")
    st = P.breach_status(store, now=aware + dt.timedelta(hours=10)).iloc[0]
    assert st["hours_left"] == 62.0 and not st["late"]
    assert P.breach_status(store, now=aware + dt.timedelta(hours=80)).iloc[0]["late"]
    text = P.breach_notice(st.to_dict(), lang="vi")
    assert "A05" in text and "02/03/2026 08:00" in text and "1.234" in text
    P.mark_notified(store, bid, at=aware + dt.timedelta(hours=70), actor="admin")
    st = P.breach_status(store, now=aware + dt.timedelta(hours=100)).iloc[0]
    assert not st["late"] and st["status"] == "notified"
    with pytest.raises(InputError, match="Unknown breach 'BR-x'"):
        P.mark_notified(store, "BR-x", actor="admin")


def test_suppression_digest_is_hmac_of_kind_and_value():
    assert digest(K, "email", "a@b.vn") == hmac.new(K, b"email:a@b.vn", hashlib.sha256).hexdigest()
