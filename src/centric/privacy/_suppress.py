"""The suppression list: keyed hashes of erased people's identifiers, checked on every import.

Only ``HMAC-SHA256(secret, kind + ":" + normalised value)`` is kept, never the value: without the
workspace secret the list cannot be matched against a phone book. The importer calls
:class:`Suppressor` on each chunk and counts the rows it drops as ``suppressed``.

Normalisation is the importer's own (``+84…`` phones, lower-case e-mail), so a re-import of an
old export written as ``0912 345 678`` or ``An@X.VN`` still matches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from centric.exceptions import ConfigError

__all__ = ["Suppressor", "digest", "store_secret", "suppress_identifiers"]

#: canonical columns the importer checks, and the suppression kind each is hashed as
CHECKED_COLUMNS = {
    "customer_ref": "customer_ref",
    "email": "email",
    "phone": "phone",
    "loyalty_id": "external",
    "anonymous_id": "anonymous",
}


def digest(secret: bytes, kind: str, value: str) -> str:
    """The keyed hash kept for identifier ``value`` of ``kind`` (already normalised)."""
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def suppress_identifiers(
    store: Any, secret: bytes, identifiers: Iterable[tuple[str, str]], *, request_id: str | None, at: Any
) -> int:
    """Add ``(kind, normalised value)`` pairs to the suppression list; returns how many are new."""
    rows = {(k, digest(secret, k, v)) for k, v in identifiers if v}
    if not rows:
        return 0
    df = pd.DataFrame([{"kind": k, "digest": d, "erased_at": at, "request_id": request_id} for k, d in rows])
    added, _ = store.append_new("suppressions", df)
    return added


def store_secret(store: Any) -> bytes | None:
    """The workspace secret for a store opened without settings (the importer's default).

    ``CENTRIC_SECRET`` wins, else ``.centric-secret`` beside the DuckDB file (the workspace layout).
    """
    env = os.environ.get("CENTRIC_SECRET")
    if env:
        return env.encode("utf-8")
    url = str(getattr(store, "url", ""))
    if url.startswith("duckdb://") and url not in ("duckdb://", "duckdb://:memory:"):
        path = Path(url[len("duckdb://"):]).parent / ".centric-secret"
        if path.exists():
            return path.read_bytes()
    return None


class Suppressor:
    """Drops rows that belong to erased people; built once per import from the suppression list.

    Examples
    --------
    >>> s = Suppressor.for_store(store, secret)           # doctest: +SKIP
    >>> kept, n = s.split("orders", good_rows)            # doctest: +SKIP
    """

    def __init__(self, secret: bytes, digests: set[str]) -> None:
        self.secret = secret
        self.digests = digests

    @classmethod
    def for_store(cls, store: Any, secret: bytes | None) -> Suppressor | None:
        """``None`` when nothing is suppressed (no cost to the import)."""
        if not store.has_table("suppressions"):
            return None
        digests = set(store.table("suppressions").digest.execute().dropna().astype(str))
        if not digests:
            return None
        secret = secret or store_secret(store)
        if not secret:
            raise ConfigError(
                "This store has a suppression list (erased customers) but no secret to check it with: "
                "set CENTRIC_SECRET or pass secret= to the import."
            )
        return cls(secret, digests)

    def _hit(self, kind: str, values: pd.Series) -> pd.Series:
        uniq = pd.unique(values.dropna().astype(str))
        bad = {v for v in uniq if digest(self.secret, kind, v) in self.digests}
        return values.astype(object).isin(bad) if bad else pd.Series(False, index=values.index)

    def mask(self, table: str, good: pd.DataFrame) -> pd.Series:
        """True for the rows of ``good`` (normalised, canonical columns) that are suppressed."""
        hit = pd.Series(False, index=good.index)
        for col, kind in CHECKED_COLUMNS.items():
            if col in good.columns:
                hit |= self._hit(kind, good[col])
        if table == "order_items" and "order_id" in good.columns:
            hit |= self._hit("order", good["order_id"])
        if table == "orders" and "order_id" in good.columns:
            hit |= self._hit("order", good["order_id"])
        return hit

    def split(self, table: str, good: pd.DataFrame) -> tuple[pd.DataFrame, int]:
        """``(rows to keep, number suppressed)``."""
        if good.empty:
            return good, 0
        m = self.mask(table, good)
        return good.loc[~m], int(m.sum())

    def raw_hit(self, raw: str, source: str) -> bool:
        """Whether a quarantined row's raw cells name a suppressed person (checked value by value)."""
        from centric.ingest._normalise import normalise_email, normalise_phone

        try:
            cells = json.loads(raw)
        except (TypeError, ValueError):
            return False
        values = [str(v).strip() for v in (cells.values() if isinstance(cells, dict) else [cells]) if v is not None]
        for v in values:
            checks = [("customer_ref", f"{source}:{v}"), ("customer_ref", v), ("external", v), ("anonymous", v),
                      ("order", v)]
            e, _ = normalise_email(v)
            if e:
                checks.append(("email", e))
            p, _ = normalise_phone(v)
            if p:
                checks.append(("phone", p))
            if any(digest(self.secret, k, x) in self.digests for k, x in checks):
                return True
        return False

    def split_bad(self, bad: pd.DataFrame, source: str) -> tuple[pd.DataFrame, int]:
        """Quarantine rows minus those of suppressed people."""
        if bad.empty or "raw" not in bad.columns:
            return bad, 0
        m = bad["raw"].map(lambda r: self.raw_hit(r, source)).astype(bool)
        return bad.loc[~m], int(m.sum())
