"""The audit chain: append, verify, and find edited, removed and reordered rows in the DuckDB file."""

from __future__ import annotations

import duckdb
import pytest

from centric.exceptions import InputError
from centric.privacy import append_audit, audit_head, verify_audit
from centric.privacy._audit import GENESIS, row_hash
from centric.store import connect


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "a.duckdb"
    store = connect(f"duckdb://{path}")
    for i in range(1, 7):
        assert append_audit(store, actor="an", action="profile.view", subject=f"C{i}",
                            details={"i": i, "note": "Nguyễn"}) == i
    store.close()
    return path


def _edit(path, sql):
    con = duckdb.connect(str(path))
    con.execute(sql)
    con.close()
    store = connect(f"duckdb://{path}")
    try:
        return verify_audit(store)
    finally:
        store.close()


def test_intact_chain_and_hash_formula(log):
    store = connect(f"duckdb://{log}")
    assert verify_audit(store) == []
    rows = store.table("audit_log").order_by("seq").execute()
    assert rows["prev_hash"].iloc[0] == GENESIS
    # independent recomputation of the documented formula for the first row
    import hashlib
    import json

    first = rows.iloc[0]
    canon = json.dumps({"action": "profile.view", "actor": "an", "at": first["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        "details": '{"i":1,"note":"Nguyễn"}', "seq": 1, "subject": "C1"},
                       sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert rows["hash"].iloc[0] == hashlib.sha256(f"{GENESIS}\n{canon}".encode()).hexdigest()
    assert row_hash(GENESIS, first.to_dict()) == first["hash"]
    assert rows["prev_hash"].iloc[3] == rows["hash"].iloc[2]
    assert audit_head(store) == (6, rows["hash"].iloc[5])
    store.close()


def test_one_byte_edit_names_the_row(log):
    problems = _edit(log, "UPDATE audit_log SET subject = 'C4x' WHERE seq = 4")
    assert len(problems) == 1
    assert problems[0].startswith("seq 4: content was edited")


def test_edit_of_details_byte(log):
    problems = _edit(log, "UPDATE audit_log SET details = replace(details, '\"i\":2', '\"i\":3') WHERE seq = 2")
    assert [p.split(":")[0] for p in problems] == ["seq 2"]


def test_removed_row_is_named(log):
    problems = _edit(log, "DELETE FROM audit_log WHERE seq = 3")
    assert problems[0].startswith("seq 3: missing (row removed)")
    assert any(p.startswith("seq 4: prev_hash does not match") for p in problems) or len(problems) == 1


def test_swapped_rows_are_named(log):
    problems = _edit(log, "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 5 WHEN 5 THEN 2 ELSE seq END")
    assert "seq 2: holds the row written as seq 5 (rows reordered)." in problems
    assert "seq 5: holds the row written as seq 2 (rows reordered)." in problems


def test_truncated_tail_needs_the_recorded_head(log):
    store = connect(f"duckdb://{log}")
    head = audit_head(store)[1]
    store.close()
    assert _edit(log, "DELETE FROM audit_log WHERE seq = 6") == []  # a chain alone cannot see this …
    store = connect(f"duckdb://{log}")
    problems = verify_audit(store, expected_head=head)  # … the recorded head can
    store.close()
    assert len(problems) == 1 and problems[0].startswith("seq 5: the newest row's hash")


def test_bad_input():
    store = connect("duckdb://")
    with pytest.raises(InputError, match="needs an actor and an action"):
        append_audit(store, actor="", action="x", subject=None)
    with pytest.raises(InputError, match="needs an actor and an action"):
        append_audit(store, actor="admin", action="", subject="C1")
    assert store.count("audit_log") == 0
