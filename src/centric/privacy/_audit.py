"""The audit log: an append-only table whose rows are chained by SHA-256.

Each row's ``hash`` is ``SHA-256(prev_hash + "\\n" + canonical JSON of the row)``, where the
canonical JSON holds ``seq``, ``at``, ``actor``, ``action``, ``subject`` and ``details`` with sorted
keys. The first row's ``prev_hash`` is 64 zeros. Editing any field of a row changes its hash;
removing or reordering rows breaks the link from a row to the one before it.
:func:`verify_audit` walks the chain and names every row that does not fit.

A chain cannot by itself show that rows were cut off its *end*: record the head hash that
``centric audit verify`` prints somewhere else (a ticket, an e-mail) and pass it back as
``expected_head`` to check that too.

Examples
--------
>>> from centric.store import connect
>>> store = connect("duckdb://")
>>> append_audit(store, actor="admin", action="export", subject="c-1", details={"rows": 3})
1
>>> verify_audit(store)
[]
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import Any

import ibis
import pandas as pd

from centric.exceptions import InputError

__all__ = ["GENESIS", "append_audit", "audit_head", "verify_audit"]

GENESIS = "0" * 64


def _ts(value: Any) -> str:
    """An instant as fixed-width UTC text with microseconds (the form the chain hashes)."""
    t = pd.Timestamp(value)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return str(value)


def _canonical(row: dict[str, Any]) -> str:
    data = {
        "seq": int(row["seq"]),
        "at": _ts(row["at"]),
        "actor": _text(row.get("actor")),
        "action": _text(row.get("action")),
        "subject": _text(row.get("subject")),
        "details": _text(row.get("details")),
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    """The hash of ``row`` chained to ``prev_hash``."""
    return hashlib.sha256(f"{prev_hash}\n{_canonical(row)}".encode()).hexdigest()


def _last(store: Any) -> tuple[int, str]:
    if store.kind == "duckdb":
        top = store.con.con.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, GENESIS) if top is None else (int(top[0]), str(top[1]))
    t = store.table("audit_log")
    top = t.order_by(ibis.desc(t.seq)).limit(1).select("seq", "hash").execute()
    if top.empty:
        return 0, GENESIS
    return int(top["seq"].iloc[0]), str(top["hash"].iloc[0])


def append_audit(
    store: Any,
    *,
    actor: str,
    action: str,
    subject: str | None,
    details: dict[str, Any] | None = None,
    at: _dt.datetime | None = None,
) -> int:
    """Append one row to ``audit_log`` and return its ``seq``.

    ``actor`` is who acted (a user name, ``api-key:<id>``, ``customer`` for the preference centre,
    ``system``); ``action`` what was done (``profile.view``, ``export``, ``erase``,
    ``consent.withdraw``, ``login`` …); ``subject`` whom it concerns (usually a customer_id).
    ``details`` must be JSON-serialisable and should not repeat personal data (e-mail, phone,
    name): the audit log outlives an erasure. Callers serialise writes (the web app holds
    ``app.state.store_lock``).
    """
    if not actor or not action:
        raise InputError(f"An audit row needs an actor and an action; got actor={actor!r}, action={action!r}.")
    try:
        text = json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:
        raise InputError(f"Audit details for action {action!r} are not JSON-serialisable: {exc}.") from None
    when = pd.Timestamp(at if at is not None else _dt.datetime.now(_dt.UTC))
    when = (when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")).floor("us")
    seq, prev = _last(store)
    row = {"seq": seq + 1, "at": when, "actor": actor, "action": action, "subject": subject, "details": text}
    row["prev_hash"] = prev
    row["hash"] = row_hash(prev, row)
    if store.kind == "duckdb":  # one parameterised INSERT: the web app appends on every profile view
        store.con.con.execute(
            "INSERT INTO audit_log (seq, \"at\", actor, \"action\", subject, details, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [row["seq"], when.to_pydatetime(), actor, action, subject, text, prev, row["hash"]])
    else:
        store.append("audit_log", pd.DataFrame([row]))
    return seq + 1


def audit_head(store: Any) -> tuple[int, str]:
    """``(seq, hash)`` of the newest row (``(0, GENESIS)`` when the log is empty)."""
    return _last(store)


def verify_audit(store: Any, *, expected_head: str | None = None) -> list[str]:
    """Check the chain; return one sentence per problem, naming the ``seq`` (empty list: intact).

    Finds edited rows (the stored hash does not match the content), removed rows (a gap in
    ``seq`` or a broken link), reordered rows (a row whose link points at another position) and,
    with ``expected_head``, rows cut off the end.
    """
    df = store.table("audit_log").order_by("seq").execute()
    problems: list[str] = []
    rows = df.to_dict("records")
    prev_hash, prev_seq = GENESIS, 0
    seen: set[int] = set()
    for r in rows:
        seq = int(r["seq"])
        if seq in seen:
            problems.append(f"seq {seq}: appears more than once (a row was copied or its seq edited).")
        seen.add(seq)
        stored = _text(r.get("hash")) or ""
        link = _text(r.get("prev_hash")) or ""
        if seq != prev_seq + 1:
            if seq > prev_seq + 1:
                gap = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}–{seq - 1}"
                problems.append(f"seq {gap}: missing (row removed); the chain jumps from seq {prev_seq} to {seq}.")
        computed = row_hash(link, r)
        if computed != stored:
            moved = _moved_from(r, link)
            if moved is not None and moved != seq:
                problems.append(f"seq {seq}: holds the row written as seq {moved} (rows reordered).")
            else:
                problems.append(
                    f"seq {seq}: content was edited (stored hash {stored[:12]}…, content hashes to {computed[:12]}…)."
                )
        elif link != prev_hash and seq == prev_seq + 1:
            problems.append(
                f"seq {seq}: prev_hash does not match the hash of seq {prev_seq} (a row before it was removed, "
                "edited or moved)."
            )
        prev_hash, prev_seq = stored, seq
    if expected_head is not None and prev_hash != expected_head:
        problems.append(
            f"seq {prev_seq}: the newest row's hash {prev_hash[:12]}… is not the recorded head {expected_head[:12]}… "
            "(rows after it were removed, or the log was replaced)."
        )
    return problems


def _moved_from(row: dict[str, Any], link: str, window: int = 64) -> int | None:
    """The seq a row was written with, when its content verifies under a nearby other seq."""
    seq, stored = int(row["seq"]), _text(row.get("hash"))
    for s in range(max(1, seq - window), seq + window + 1):
        if s != seq and row_hash(link, {**row, "seq": s}) == stored:
            return s
    return None
