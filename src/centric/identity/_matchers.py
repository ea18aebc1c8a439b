"""Matchers: rules that say which customer records are the same person.

A matcher turns customer records into *links* (pairs of records with the
evidence). The deterministic matcher links records that share a normalised
e-mail, phone or loyalty id. A probabilistic matcher (splink) plugs in behind
the same :class:`Matcher` protocol later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

__all__ = ["LINK_COLUMNS", "DeterministicMatcher", "Matcher"]

LINK_COLUMNS = ["ref_a", "ref_b", "kind", "value", "rule"]

#: record column -> identity kind
KEY_COLUMNS = {"email": "email", "phone": "phone", "loyalty_id": "external"}


class Matcher(Protocol):
    """Anything that links customer records."""

    name: str

    def links(self, records: pd.DataFrame) -> pd.DataFrame:
        """Return links with columns ``LINK_COLUMNS`` (ref_a < ref_b)."""
        ...


@dataclass(frozen=True)
class DeterministicMatcher:
    """Link records that share an exact normalised key.

    Parameters
    ----------
    keys
        Record columns used as keys; each shared value links the records.
    max_group
        A key value shared by more records than this (a shop's own hotline on
        many records, a placeholder e-mail) is treated as not identifying and
        links nothing; such values are reported by :func:`resolve`.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"customer_ref": ["pos:1", "web:9"], "email": ["a@x.vn", "a@x.vn"],
    ...                      "phone": [None, None], "loyalty_id": [None, None]})
    >>> DeterministicMatcher().links(recs)[["ref_a", "ref_b", "kind"]].values.tolist()
    [['pos:1', 'web:9', 'email']]
    """

    keys: tuple[str, ...] = ("email", "phone", "loyalty_id")
    max_group: int = 20
    name: str = "deterministic"

    def links(self, records: pd.DataFrame) -> pd.DataFrame:
        """Star links: every record sharing a key value links to the smallest ref."""
        parts = []
        refs = records["customer_ref"].to_numpy()
        order = pd.Series(refs).rank(method="first").to_numpy(dtype=np.int64)  # integer stand-in for refs
        for col in self.keys:
            if col not in records:
                continue
            values = records[col]
            ok = values.notna() & (values.astype(str).str.len() > 0)
            if not ok.any():
                continue
            kv = pd.DataFrame({"ref": refs[ok.to_numpy()], "o": order[ok.to_numpy()], "v": values[ok].astype(str)})
            size = kv.groupby("v")["o"].transform("size")
            kv = kv[(size > 1) & (size <= self.max_group)]
            if kv.empty:
                continue
            anchor_o = kv.groupby("v")["o"].transform("min").to_numpy()
            first = kv["o"].to_numpy() == anchor_o
            anchor_ref = pd.Series(kv["ref"].to_numpy()[first], index=kv["v"].to_numpy()[first])
            pairs = kv[~first]
            parts.append(
                pd.DataFrame(
                    {
                        "ref_a": anchor_ref.reindex(pairs["v"].to_numpy()).to_numpy(),
                        "ref_b": pairs["ref"].to_numpy(),
                        "kind": KEY_COLUMNS.get(col, col),
                        "value": pairs["v"].to_numpy(),
                        "rule": f"same {KEY_COLUMNS.get(col, col)}",
                    }
                )
            )
        if not parts:
            return pd.DataFrame(columns=LINK_COLUMNS)
        return pd.concat(parts, ignore_index=True)[LINK_COLUMNS]

    def crowded_values(self, records: pd.DataFrame) -> pd.DataFrame:
        """Key values shared by more than ``max_group`` records (not used for linking)."""
        rows = []
        for col in self.keys:
            if col not in records:
                continue
            counts = records[col].dropna().value_counts()
            for value, n in counts[counts > self.max_group].items():
                rows.append({"kind": KEY_COLUMNS.get(col, col), "value": value, "records": int(n)})
        return pd.DataFrame(rows, columns=["kind", "value", "records"])
