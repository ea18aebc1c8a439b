"""Small writes on the store: upsert a definition row, update a message row.

Definition tables (audiences, automations, templates) are small, so an upsert rewrites the table
through :meth:`Store.replace` on any backend. Message status updates use one SQL ``UPDATE`` on
DuckDB (the serving store) and a rewrite elsewhere.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import pandas as pd

__all__ = ["delete_row", "mark_first", "now_utc", "slug", "update_message", "upsert_row"]

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def now_utc() -> _dt.datetime:
    """Now, as an aware UTC datetime."""
    return _dt.datetime.now(_dt.UTC)


def slug(text: str) -> str:
    """A stable id from a name: ``"Giỏ hàng bỏ quên"`` → ``"gio-hang-bo-quen"``."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_ = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return _SLUG_RE.sub("-", ascii_).strip("-") or "x"


def upsert_row(store: Any, table: str, key: dict[str, Any], row: dict[str, Any]) -> None:
    """Insert ``row`` into ``table``, replacing the row with the same ``key``."""
    current = store.table(table).execute()
    keep = pd.Series(True, index=current.index)
    for k, v in key.items():
        keep &= current[k] != v
    out = (
        pd.concat([current[keep], pd.DataFrame([row])], ignore_index=True)
        if len(current[keep])
        else pd.DataFrame([row])
    )
    store.replace(table, out)


def delete_row(store: Any, table: str, key: dict[str, Any]) -> int:
    """Delete the rows of ``table`` with ``key``; returns how many there were."""
    current = store.table(table).execute()
    hit = pd.Series(True, index=current.index)
    for k, v in key.items():
        hit &= current[k] == v
    if int(hit.sum()):
        store.replace(table, current[~hit])
    return int(hit.sum())


def update_message(store: Any, message_id: str, **values: Any) -> None:
    """Set columns of one ``messages`` row (status, reason, sent_at, opened_at, clicked_at)."""
    allowed = {"status", "reason", "sent_at", "opened_at", "clicked_at"}
    bad = sorted(set(values) - allowed)
    if bad:
        raise ValueError(f"update_message cannot set {bad}; allowed: {sorted(allowed)}")
    if not values:
        return
    if store.kind == "duckdb":
        cols = ", ".join(f"{c} = ?" for c in values)
        store.con.con.execute(f"UPDATE messages SET {cols} WHERE message_id = ?", [*values.values(), message_id])
        return
    frame = store.table("messages").execute()  # pragma: no cover - Spark path
    for c, v in values.items():
        frame.loc[frame["message_id"] == message_id, c] = v
    store.replace("messages", frame)


def mark_first(store: Any, message_id: str, column: str, at: _dt.datetime) -> bool:
    """Set ``opened_at`` / ``clicked_at`` of a message the first time only; True when the message exists."""
    if column not in ("opened_at", "clicked_at"):
        raise ValueError(f"mark_first sets opened_at or clicked_at, not {column!r}")
    if store.kind == "duckdb":
        found = store.con.con.execute("SELECT count(*) FROM messages WHERE message_id = ?", [message_id]).fetchone()
        if not found or not found[0]:
            return False
        store.con.con.execute(
            f"UPDATE messages SET {column} = ? WHERE message_id = ? AND {column} IS NULL",
            [at, message_id],
        )
        return True
    frame = store.table("messages").execute()  # pragma: no cover - Spark path
    hit = frame["message_id"] == message_id
    if not hit.any():
        return False
    frame.loc[hit & frame[column].isna(), column] = at
    store.replace("messages", frame)
    return True
