"""MUST-SHOW: erase a demo customer; no file in the workspace holds their e-mail, phone or name;
re-importing the original exports brings nothing back and counts their rows as suppressed."""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from centric.exceptions import InputError
from centric.ingest import import_paths
from centric.privacy import verify_audit
from centric.privacy._erasure import erase_customer
from centric.store import connect


def _raw_hits(ws: Path, needles: list[bytes]) -> dict[str, int]:
    """Independent byte scan (plain bytes; Parquet decompressed with pyarrow)."""
    out = {}
    for f in ws.rglob("*"):
        if not f.is_file():
            continue
        data = f.read_bytes()
        if f.suffix == ".parquet":
            data += pd.read_parquet(f).to_csv().encode()
        n = sum(data.count(x) for x in needles)
        if n:
            out[f.relative_to(ws).as_posix()] = n
    return out


def _pick(ws: Path) -> dict:
    """A person in two sources with e-mail and phone whose name nobody else has (ground truth)."""
    persons = pd.read_parquet(ws / "truth" / "persons.parquet")
    unique = persons[~persons["name"].duplicated(keep=False)]
    con = duckdb.connect(str(ws / "centric.duckdb"), read_only=True)
    rows = con.execute("SELECT customer_id, display_name, email, phone FROM customers WHERE email IS NOT NULL "
                       "AND phone IS NOT NULL AND n_records = 2 ORDER BY customer_id").fetchall()
    con.close()
    for cid, name, email, phone in rows:
        if name in set(unique["name"]) and email in set(unique["email"]):
            return {"customer_id": cid, "name": name, "email": email, "phone": phone}
    raise AssertionError("no suitable demo customer")


@pytest.fixture
def ws_copy(demo_ws, tmp_path):
    src, _ = demo_ws
    ws = tmp_path / "ws"
    shutil.copytree(src, ws)
    originals = tmp_path / "original-exports"
    shutil.copytree(ws / "exports", originals)
    return ws, originals


@pytest.mark.slow
def test_erasure_leaves_no_copy_and_sticks(ws_copy):
    ws, originals = ws_copy
    who = _pick(ws)
    national = "0" + who["phone"][3:]
    needles = [who["email"].encode(), who["phone"].encode(), national.encode()]
    needles += [unicodedata.normalize(f, who["name"]).encode() for f in ("NFC", "NFD")]
    spaced = f"{national[:4]} {national[4:7]} {national[7:]}".encode()  # the POS export's form
    needles.append(spaced)
    before = _raw_hits(ws, needles)
    assert "centric.duckdb" in before and any(p.startswith("exports/") for p in before)  # the scan does see them

    store = connect(f"duckdb://{ws}/centric.duckdb")
    cert = erase_customer(store, who["customer_id"], secret=(ws / ".centric-secret").read_bytes(),
                          workspace=ws, actor="test")
    assert _raw_hits(ws, needles) == {}
    assert cert["residual_scan"]["hits"] == {}
    assert cert["tables"]["customers"] == 1 and cert["tables"]["customer_records"] == 2
    assert {"churn_scores", "customer_scores", "customer_personas", "identities"} <= set(cert["tables"])
    # the certificate holds no personal data, and its files are written in both languages
    cert_dir = ws / "privacy" / "certificates"
    text = b"".join(f.read_bytes() for f in cert_dir.iterdir())
    assert who["email"].encode() not in text and who["phone"].encode() not in text
    assert sorted(f.suffix for f in cert_dir.iterdir()) == [".html", ".html", ".json"]
    for rel, digest in cert["file_hashes"].items():
        if (ws / rel).exists() and rel != "centric.duckdb":
            assert hashlib.sha256((ws / rel).read_bytes()).hexdigest() == digest, rel
    assert verify_audit(store) == []
    assert store.table("audit_log").execute()["action"].tolist()[-1] == "erase"

    # re-import the original exports: nothing comes back, their rows are counted as suppressed
    reports = import_paths(store, [originals])
    suppressed = {Path(r.path).name: r.rows_suppressed for r in reports}
    assert suppressed["pos_customers.csv"] + suppressed["web_customers.jsonl"] == 2
    assert sum(suppressed.values()) == sum(f["rows_removed"] or 0 for f in cert["files"]
                                           if f["path"].startswith("exports/"))
    for r in reports:
        assert r.rows_read == r.rows_stored + r.rows_merged + r.rows_quarantined + r.rows_blank + r.rows_suppressed
    cr = store.table("customer_records").execute()
    assert who["email"] not in set(cr["email"].dropna()) and who["phone"] not in set(cr["phone"].dropna())
    assert store.count("orders") == int(store.table("orders").count().execute())
    store.close()
    assert _raw_hits(ws, [who["email"].encode(), who["phone"].encode()]) == {}


def test_unknown_customer_changes_nothing(ws_copy):
    ws, _ = ws_copy
    db = ws / "centric.duckdb"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    store = connect(f"duckdb://{db}")
    with pytest.raises(InputError, match=r"Unknown customer 'C-nobody'.*nothing was changed"):
        erase_customer(store, "C-nobody", secret=b"k" * 32, workspace=ws)
    assert store.count("suppressions") == 0 and store.count("audit_log") == 0
    store.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
