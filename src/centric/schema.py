"""The canonical tables: columns, types, keys and sensitivity tags, in one place.

This module is the only place that names the columns of the store. Every other
module refers to ``TABLES["orders"]`` (or the constants below) instead of
spelling column names out, so a schema change is one edit.

Conventions
-----------
* Money is ``decimal(18, 2)`` with an ISO currency column (default ``VND``).
* Times are ``timestamp('UTC')``: instants, shown in the workspace zone
  (default ``Asia/Ho_Chi_Minh``).
* JSON payloads are stored as strings (``kind="json"``) so the same table
  works on DuckDB and on Spark.
* ``customer_ref`` is the *source* key of a customer (``"{source}:{external_id}"``)
  exactly as imported; ``customer_id`` is the resolved person, written by
  :mod:`centric.identity`. Facts keep both so resolution can be re-run.
* Sensitivity follows Vietnam's Decree 356/2025: transaction history, online
  behaviour and health (wellbeing) answers are ``sensitive``.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt

from centric._schema_operations import OPERATIONAL_TABLES
from centric._schema_types import MONEY, TS, Column, S, TableSpec
from centric._schema_types import col as _c
from centric.exceptions import UnknownTableError

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "TableSpec",
    "ibis_schema",
    "schema_markdown",
    "table_spec",
]

SCHEMA_VERSION = 1

BATCH = _c("batch_id", S, doc="import batch that wrote the row")

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "customer_records",
            ("customer_ref",),
            (
                _c("customer_ref", S, required=True, doc="source:external_id"),
                _c("source", S, required=True),
                _c("external_id", S, "basic", required=True),
                _c("display_name", S, "basic"),
                _c("email", S, "basic", kind="email"),
                _c("phone", S, "basic", kind="phone"),
                _c("gender", S, "basic", kind="enum", allowed=("female", "male", "other")),
                _c("birth_year", dt.int32, "basic"),
                _c("province", S, "basic"),
                _c("created_at", TS, kind="time"),
                _c("life_stage", S, "basic"),
                _c("loyalty_id", S, "basic", doc="cross-source id (loyalty card / member code)"),
                _c("attributes", S, kind="json"),
                _c("customer_id", S, doc="resolved person (written by identity)"),
                BATCH,
            ),
            doc="Customer records as each source knows them, before identity resolution.",
        ),
        TableSpec(
            "customers",
            ("customer_id",),
            (
                _c("customer_id", S, required=True),
                _c("display_name", S, "basic"),
                _c("email", S, "basic", kind="email"),
                _c("phone", S, "basic", kind="phone"),
                _c("gender", S, "basic"),
                _c("birth_year", dt.int32, "basic"),
                _c("province", S, "basic"),
                _c("created_at", TS),
                _c("attributes", S, kind="json"),
                _c("life_stage", S, "basic"),
                _c("n_records", dt.int32, doc="source records merged into this person"),
            ),
            doc="One row per person: the golden record built by identity resolution.",
            importable=False,
            derived=True,
        ),
        TableSpec(
            "identities",
            ("kind", "value"),
            (
                _c("kind", S, required=True, allowed=("email", "phone", "external", "anonymous", "zalo", "facebook")),
                _c("value", S, "basic", required=True),
                _c("customer_id", S),
                _c("source", S),
                _c("first_seen", TS),
                _c("last_seen", TS),
            ),
            importable=False,
            derived=True,
        ),
        TableSpec(
            "identity_merges",
            ("customer_id", "ref_a", "ref_b", "kind"),
            (
                _c("customer_id", S, required=True),
                _c("ref_a", S, required=True),
                _c("ref_b", S, required=True),
                _c("kind", S, required=True, doc="the shared key: email, phone or external"),
                _c("value", S, "basic", doc="the shared normalised value (the evidence)"),
                _c("rule", S, doc="deterministic rule that fired"),
                _c("merged_at", TS),
            ),
            doc="Why records are one customer: each edge of the identity graph with its evidence.",
            importable=False,
            derived=True,
        ),
        TableSpec(
            "products",
            ("product_id",),
            (
                _c("product_id", S, required=True),
                _c("name", S),
                _c("category", S),
                _c("brand", S),
                _c("price", MONEY, kind="money"),
                _c("cost", MONEY, kind="money", doc="unit cost, when known (for margin)"),
                _c("currency", S),
                _c("attributes", S, kind="json"),
                BATCH,
            ),
        ),
        TableSpec(
            "orders",
            ("order_id",),
            (
                _c("order_id", S, required=True),
                _c("customer_ref", S, "basic", required=True),
                _c("customer_id", S),
                _c("ordered_at", TS, "sensitive", required=True, kind="time"),
                _c("channel", S),
                _c("status", S, kind="enum", allowed=("completed", "cancelled", "returned")),
                _c("currency", S),
                _c("total_amount", MONEY, "sensitive", required=True, kind="money"),
                _c("discount", MONEY, kind="money"),
                _c("source", S),
                BATCH,
            ),
            doc="Transaction history (sensitive under Decree 356/2025).",
        ),
        TableSpec(
            "order_items",
            ("order_id", "line"),
            (
                _c("order_id", S, required=True),
                _c("line", dt.int32, required=True),
                _c("product_id", S, required=True),
                _c("quantity", dt.int32, required=True),
                _c("unit_price", MONEY, kind="money", required=True),
                BATCH,
            ),
        ),
        TableSpec(
            "events",
            ("event_id",),
            (
                _c("event_id", S, required=True),
                _c("customer_ref", S, "basic"),
                _c("customer_id", S),
                _c("anonymous_id", S, "basic"),
                _c("occurred_at", TS, "sensitive", required=True, kind="time"),
                _c("name", S, required=True),
                _c("channel", S),
                _c("session_id", S),
                _c("properties", S, "sensitive", kind="json"),
                BATCH,
            ),
            doc="Web/app/e-mail behaviour (sensitive under Decree 356/2025).",
        ),
        TableSpec(
            "feedback",
            ("response_id",),
            (
                _c("response_id", S, required=True),
                _c("customer_ref", S, "basic"),
                _c("customer_id", S),
                _c("survey_id", S),
                _c("instrument", S, required=True, kind="enum",
                   allowed=("nps", "csat", "ces", "who5", "life_impact", "custom")),
                _c("instrument_version", S),
                _c("question_id", S),
                _c("score", dt.float64),
                _c("comment", S, "basic"),
                _c("touchpoint", S),
                _c("channel", S),
                _c("language", S),
                _c("submitted_at", TS, required=True, kind="time"),
                BATCH,
            ),
            doc="Survey answers; WHO-5 / life-impact answers are health-related (sensitive).",
        ),
        TableSpec(
            "tickets",
            ("ticket_id",),
            (
                _c("ticket_id", S, required=True),
                _c("customer_ref", S, "basic"),
                _c("customer_id", S),
                _c("opened_at", TS, required=True, kind="time"),
                _c("closed_at", TS, kind="time"),
                _c("topic", S),
                _c("channel", S),
                _c("status", S),
                _c("text", S, "basic"),
                BATCH,
            ),
            doc="Support tickets.",
        ),
        TableSpec(
            "consents",
            ("consent_id",),
            (
                _c("consent_id", S, required=True),
                _c("customer_ref", S, "basic", required=True),
                _c("customer_id", S),
                _c("purpose", S, required=True),
                _c("status", S, required=True, kind="enum", allowed=("granted", "withdrawn")),
                _c("recorded_at", TS, required=True, kind="time"),
                _c("method", S),
                _c("notice_version", S),
                _c("evidence", S, kind="json"),
                BATCH,
            ),
        ),
        TableSpec(
            "messages",
            ("message_id",),
            (
                _c("message_id", S, required=True),
                _c("customer_id", S),
                _c("channel", S),
                _c("automation_id", S),
                _c("template_id", S),
                _c("status", S, allowed=("queued", "sent", "failed", "suppressed")),
                _c("reason", S),
                _c("idempotency_key", S),
                _c("sent_at", TS),
                _c("opened_at", TS),
                _c("clicked_at", TS),
            ),
            importable=False,
        ),
        TableSpec(
            "assignments",
            ("experiment_id", "unit_id"),
            (
                _c("experiment_id", S, required=True),
                _c("unit_id", S, required=True),
                _c("variant", S),
                _c("assigned_at", TS),
            ),
            importable=False,
        ),
        TableSpec(
            "quarantine",
            ("batch_id", "row_number"),
            (
                _c("batch_id", S, required=True),
                _c("row_number", dt.int64, required=True),
                _c("source", S),
                _c("table", S),
                _c("raw", S, "basic", kind="json"),
                _c("reasons", S, doc="'; '-joined reasons, each naming field, value and what is allowed"),
            ),
            importable=False,
        ),
        TableSpec(
            "import_batches",
            ("batch_id",),
            (
                _c("batch_id", S, required=True),
                _c("path", S),
                _c("sha256", S),
                _c("table", S),
                _c("source", S),
                _c("mapping", S, kind="json"),
                _c("rows_read", dt.int64),
                _c("rows_stored", dt.int64),
                _c("rows_merged", dt.int64),
                _c("rows_quarantined", dt.int64),
                _c("imported_at", TS),
            ),
            importable=False,
        ),
        TableSpec(
            "audit_log",
            ("seq",),
            (
                _c("seq", dt.int64, required=True),
                _c("at", TS),
                _c("actor", S),
                _c("action", S),
                _c("subject", S),
                _c("details", S, kind="json"),
                _c("prev_hash", S),
                _c("hash", S),
            ),
            importable=False,
        ),
        *OPERATIONAL_TABLES,
    ]
}


def table_spec(name: str) -> TableSpec:
    """Return the spec of canonical table ``name`` or raise a clear error."""
    try:
        return TABLES[name]
    except KeyError:
        known = sorted(TABLES)
        raise UnknownTableError(
            f"Unknown table {name!r}. Canonical tables are: {', '.join(known)}."
        ) from None


def ibis_schema(name: str) -> ibis.Schema:
    """The Ibis schema of canonical table ``name``."""
    spec = table_spec(name)
    return ibis.schema({c.name: c.dtype for c in spec.columns})


def schema_markdown() -> str:
    """The canonical tables as Markdown (docs/data-model.md is this, kept in sync by a test)."""
    lines = [
        f"# Data model: canonical tables (schema v{SCHEMA_VERSION})",
        "",
        "Generated from `centric/schema.py` (`python -m centric.schema > docs/data-model.md`).",
        "Sensitivity follows Vietnam's Decree 356/2025: transaction history, online behaviour and",
        "health (wellbeing) answers are *sensitive*. `customer_ref` is the source's own key",
        "(`source:external_id`); `customer_id` is the resolved person written by identity resolution.",
        "",
    ]
    for spec in TABLES.values():
        flags = ", ".join(f for f, on in (("importable", spec.importable), ("derived", spec.derived)) if on)
        lines += [f"## `{spec.name}`", "", (spec.doc + " " if spec.doc else "") + f"Key: `{', '.join(spec.key)}`."
                  + (f" ({flags})" if flags else ""), "",
                  "| column | type | sensitivity | required | notes |", "|---|---|---|---|---|"]
        for c in spec.columns:
            notes = "; ".join(x for x in (c.doc, ("allowed: " + ", ".join(c.allowed)) if c.allowed else "") if x)
            lines.append(f"| `{c.name}` | {c.dtype} | {c.sensitivity} | {'yes' if c.required else ''} | {notes} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(schema_markdown(), end="")
