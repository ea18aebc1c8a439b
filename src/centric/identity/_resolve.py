"""Resolve customer records into people and stamp ``customer_id`` everywhere."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field

import ibis
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from centric.identity._matchers import DeterministicMatcher, Matcher
from centric.store import Store, utcnow

__all__ = ["FACT_TABLES", "IdentityReport", "customer_id_for", "explain", "resolve"]

#: tables whose rows name a customer through ``customer_ref``
FACT_TABLES = ("orders", "events", "feedback", "tickets", "consents")

_RECORD_COLS = [
    "customer_ref", "source", "display_name", "email", "phone", "gender", "birth_year",
    "province", "created_at", "life_stage", "loyalty_id", "attributes",
]


@dataclass(frozen=True)
class IdentityReport:
    """What identity resolution did, in numbers."""

    records: int
    customers: int
    merged_records: int
    links: int
    links_by_kind: dict[str, int]
    crowded_values: int
    refs_without_record: int
    seconds: float
    matcher: str
    facts_updated: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return asdict(self)


def customer_id_for(anchor_ref: str) -> str:
    """Stable person id from the smallest record ref of a component."""
    return "C" + hashlib.sha1(anchor_ref.encode("utf-8")).hexdigest()[:12]


def _components(refs: np.ndarray, links: pd.DataFrame) -> np.ndarray:
    """Component label (index of the smallest ref) for each ref."""
    n = len(refs)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    pos = pd.Index(refs)
    a = pos.get_indexer(links["ref_a"]) if len(links) else np.empty(0, dtype=np.int64)
    b = pos.get_indexer(links["ref_b"]) if len(links) else np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # smallest ref (refs are sorted) of each component is its anchor
    first = pd.Series(np.arange(n)).groupby(labels).transform("min").to_numpy()
    return first


def _golden(records: pd.DataFrame) -> pd.DataFrame:
    """One golden record per person: newest non-empty value of each field."""
    recs = records.sort_values(["customer_id", "created_at"], na_position="first")
    g = recs.groupby("customer_id", sort=True)
    cols = ["display_name", "email", "phone", "gender", "birth_year", "province", "life_stage", "attributes"]
    out = g[cols].last()  # last non-null value of each field: the newest record wins
    out["created_at"] = g["created_at"].min()
    out["n_records"] = g.size()
    return out.reset_index()


def resolve(store: Store, *, matcher: Matcher | None = None) -> IdentityReport:
    """Link customer records into people and write ``customer_id`` to every table.

    Writes ``customers`` (golden records), ``identities`` (key → person),
    ``identity_merges`` (each link with its evidence), sets ``customer_id`` on
    ``customer_records`` and on the fact tables. Customer refs that appear in
    facts without a customer record (marketplace buyers, say) become people of
    their own. Running it again gives the same ids.
    """
    t0 = time.perf_counter()
    matcher = matcher or DeterministicMatcher()
    records = store.table("customer_records").select(*_RECORD_COLS).execute()
    records = records.sort_values("customer_ref").reset_index(drop=True)
    links = matcher.links(records)
    crowded = matcher.crowded_values(records) if hasattr(matcher, "crowded_values") else pd.DataFrame()

    refs = records["customer_ref"].to_numpy()
    anchors = refs[_components(refs, links)] if len(refs) else refs
    id_of_anchor = {a: customer_id_for(a) for a in pd.unique(anchors)}
    records["customer_id"] = pd.Series(anchors).map(id_of_anchor).to_numpy()

    # refs used by facts that have no customer record: a person each
    fact_refs = []
    for name in FACT_TABLES:
        t = store.table(name)
        fact_refs.append(t.select("customer_ref").filter(t.customer_ref.notnull()).distinct())
    all_refs = ibis.union(*fact_refs, distinct=True).execute()["customer_ref"]
    orphan = sorted(set(all_refs) - set(refs))
    first_seen = _first_order(store, orphan)
    orphans = pd.DataFrame(
        {
            "customer_ref": orphan,
            "customer_id": [customer_id_for(r) for r in orphan],
            "source": [r.split(":", 1)[0] for r in orphan],
            "created_at": [first_seen.get(r) for r in orphan],
        }
    )

    id_map = pd.concat(
        [records[["customer_ref", "customer_id"]], orphans[["customer_ref", "customer_id"]]],
        ignore_index=True,
    )

    golden = _golden(pd.concat([records, orphans], ignore_index=True))
    golden.loc[golden["customer_id"].isin(orphans["customer_id"]), "n_records"] = 0
    store.replace("customers", golden)

    # customer_records gets its customer_id
    rec_t = store.table("customer_records")
    store.rewrite("customer_records", _stamp(rec_t, id_map))

    merges = links.merge(records[["customer_ref", "customer_id"]], left_on="ref_a", right_on="customer_ref")
    merges = merges.drop(columns=["customer_ref"]).assign(merged_at=utcnow())
    merges = merges.drop_duplicates(["customer_id", "ref_a", "ref_b", "kind"])
    store.replace("identity_merges", merges)

    store.replace("identities", _identities(records))

    updated = {}
    for name in FACT_TABLES:
        # clustered by person: a customer's rows (the 360 page, a data-subject export) are a few row groups
        updated[name] = store.rewrite(name, _stamp(store.table(name), id_map), cluster_by=("customer_id",))

    by_kind = links["kind"].value_counts().to_dict() if len(links) else {}
    n_people = int(records["customer_id"].nunique())
    return IdentityReport(
        records=len(records),
        customers=len(golden),
        merged_records=len(records) - n_people,
        links=len(links),
        links_by_kind={str(k): int(v) for k, v in by_kind.items()},
        crowded_values=len(crowded),
        refs_without_record=len(orphan),
        seconds=round(time.perf_counter() - t0, 3),
        matcher=matcher.name,
        facts_updated=updated,
    )


def _first_order(store: Store, refs: list[str]) -> dict[str, object]:
    if not refs:
        return {}
    o = store.table("orders")
    df = o.group_by("customer_ref").aggregate(first=o.ordered_at.min()).execute()
    return dict(zip(df["customer_ref"], df["first"], strict=True))


def _stamp(table: ibis.Table, id_map: pd.DataFrame) -> ibis.Table:
    m = ibis.memtable(id_map.rename(columns={"customer_ref": "_ref", "customer_id": "_cid"}))
    joined = table.left_join(m, table.customer_ref == m._ref)
    cols = {c: joined[c] for c in table.columns if c != "customer_id"}
    cols["customer_id"] = joined._cid
    return joined.select(**cols).select(*table.columns)


def _identities(records: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for col, kind in (("email", "email"), ("phone", "phone"), ("loyalty_id", "external")):
        kv = records[["customer_id", "source", "created_at", col]].dropna(subset=[col])
        parts.append(kv.rename(columns={col: "value"}).assign(kind=kind))
    ext = records[["customer_id", "source", "created_at", "customer_ref"]].rename(columns={"customer_ref": "value"})
    parts.append(ext.assign(kind="external"))
    df = pd.concat(parts, ignore_index=True)
    g = df.groupby(["kind", "value"], sort=False)
    out = g.agg(
        customer_id=("customer_id", "first"),
        source=("source", "first"),
        first_seen=("created_at", "min"),
        last_seen=("created_at", "max"),
    ).reset_index()
    return out


def explain(store: Store, customer_id: str) -> pd.DataFrame:
    """Why is this one customer? The records and the links (with evidence) behind it."""
    m = store.table("identity_merges")
    return m.filter(m.customer_id == customer_id).order_by(["ref_a", "ref_b"]).execute()
