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

from dataclasses import dataclass, field
from typing import Literal

import ibis
import ibis.expr.datatypes as dt

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

Sensitivity = Literal["none", "basic", "sensitive"]

MONEY = dt.Decimal(18, 2)
TS = dt.Timestamp(timezone="UTC")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    dtype: dt.DataType
    sensitivity: Sensitivity = "none"
    required: bool = False
    kind: str = ""  # semantic kind used by normalisers: phone, email, money, time, json, enum
    allowed: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its name, key and columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str = ""
    importable: bool = True
    derived: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"Table {self.name!r} has no column {name!r}. Columns: {self.names}.")


def _c(name: str, dtype: dt.DataType | str, sens: Sensitivity = "none", **kw: object) -> Column:
    return Column(name, dt.dtype(dtype), sens, **kw)  # type: ignore[arg-type]


S = dt.string
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
        # --- privacy (issue 6): add privacy tables below this line ---
        TableSpec(
            "restrictions",
            ("restriction_id",),
            (
                _c("restriction_id", S, required=True),
                _c("customer_id", S, required=True),
                _c("request_id", S, doc="the rights request that set it"),
                _c("reason", S),
                _c("created_at", TS, required=True),
                _c("lifted_at", TS, doc="NULL while the restriction holds"),
            ),
            doc="Restriction of processing (a data-subject request): data kept, excluded from all processing.",
            importable=False,
        ),
        TableSpec(
            "suppressions",
            ("kind", "digest"),
            (
                _c("kind", S, required=True,
                   allowed=("email", "phone", "external", "customer_ref", "order", "anonymous")),
                _c("digest", S, required=True, doc="HMAC-SHA256(workspace secret, normalised value), hex"),
                _c("erased_at", TS),
                _c("request_id", S),
            ),
            doc="Keyed hashes of erased people's identifiers: the importer skips matching rows (suppressed).",
            importable=False,
        ),
        TableSpec(
            "notices",
            ("notice_version", "language"),
            (
                _c("notice_version", S, required=True),
                _c("language", S, required=True),
                _c("sha256", S, required=True, doc="hash of the notice text as shown"),
                _c("text", S),
                _c("published_at", TS),
            ),
            doc="Privacy notices shown before consent; consent records cite version and hash.",
            importable=False,
        ),
        TableSpec(
            "rights_requests",
            ("request_id",),
            (
                _c("request_id", S, required=True),
                _c("customer_id", S),
                _c("kind", S, required=True,
                   allowed=("access", "rectification", "erasure", "restriction", "objection", "withdrawal")),
                _c("status", S, required=True,
                   allowed=("received", "verified", "acknowledged", "extended", "completed", "rejected")),
                _c("mode", S, required=True, allowed=("pdp", "gdpr", "legacy72")),
                _c("processor", dt.boolean, doc="a processor or third party must act (20 days instead of 15)"),
                _c("channel", S),
                _c("received_at", TS, required=True),
                _c("ack_due", TS),
                _c("due_at", TS),
                _c("extended_until", TS),
                _c("verified_at", TS),
                _c("verification", S, doc="how identity was verified"),
                _c("acknowledged_at", TS),
                _c("completed_at", TS),
                _c("details", S, kind="json", doc="what was asked (no copies of personal data)"),
                _c("outcome", S, kind="json"),
            ),
            doc="Data-subject rights requests with their legal clocks.",
            importable=False,
        ),
        TableSpec(
            "breaches",
            ("breach_id",),
            (
                _c("breach_id", S, required=True),
                _c("aware_at", TS, required=True, doc="when the controller became aware (the 72 h clock starts)"),
                _c("occurred_at", TS),
                _c("nature", S, required=True),
                _c("categories", S, doc="data categories affected"),
                _c("approx_subjects", dt.int64),
                _c("approx_records", dt.int64),
                _c("consequences", S),
                _c("measures", S),
                _c("contact", S, doc="DPO / contact point"),
                _c("status", S, allowed=("open", "notified", "closed")),
                _c("authority_notified_at", TS),
                _c("subjects_notified_at", TS),
            ),
            doc="Breach register (72-hour notice to the authority).",
            importable=False,
        ),
        TableSpec(
            "erasure_certificates",
            ("certificate_id",),
            (
                _c("certificate_id", S, required=True),
                _c("request_id", S),
                _c("customer_id", S),
                _c("erased_at", TS),
                _c("body", S, kind="json", doc="the certificate: tables, rows, files, hashes"),
            ),
            doc="Erasure certificates (no personal data: counts, table names and file hashes).",
            importable=False,
        ),
        # --- web app (issue 5): add web tables below this line ---
        TableSpec(
            "users",
            ("user_id",),
            (
                _c("user_id", S, required=True),
                _c("email", S, "basic", required=True, kind="email"),
                _c("role", S, required=True, kind="enum", allowed=("admin", "analyst", "viewer")),
                _c("password_hash", S, required=True, doc="argon2id hash; the password itself is never stored"),
                _c("created_at", TS, required=True),
                _c("disabled_at", TS, doc="set when the account is disabled (it can no longer log in)"),
            ),
            doc="People who log in to the web app, with their role.",
            importable=False,
        ),
        TableSpec(
            "api_keys",
            ("key_id",),
            (
                _c("key_id", S, required=True),
                _c("prefix", S, required=True, doc="first characters of the key, shown to tell keys apart"),
                _c("key_hash", S, required=True, doc="SHA-256 of the key; the key is shown once at creation"),
                _c("scopes", S, required=True, doc="space-separated: ingest, read, admin"),
                _c("created_by", S),
                _c("created_at", TS, required=True),
                _c("last_used_at", TS),
                _c("revoked_at", TS),
            ),
            doc="API keys for the JSON API (stored hashed) and what each may do.",
            importable=False,
        ),
        TableSpec(
            "quarantine_reviews",
            ("review_id",),
            (
                _c("review_id", S, required=True),
                _c("batch_id", S, required=True),
                _c("row_number", dt.int64, required=True),
                _c("table", S),
                _c("decision", S, required=True, allowed=("fixed", "retried", "discarded"),
                   doc="fixed: stored after edits; retried: still invalid; discarded: kept out on purpose"),
                _c("note", S),
                _c("raw_before", S, "basic", kind="json"),
                _c("raw_after", S, "basic", kind="json"),
                _c("reasons_after", S, doc="reasons still failing after a retry"),
                _c("decided_by", S),
                _c("decided_at", TS, required=True),
            ),
            doc="Decisions taken in the web app's quarantine review (fix and retry, or discard with a note).",
            importable=False,
        ),
        # --- surveys (issue 5): add survey tables below this line ---
        TableSpec(
            "surveys",
            ("survey_id",),
            (
                _c("survey_id", S, required=True),
                _c("definition", S, kind="json", doc="the survey definition (questions, wording vi/en, scales)"),
                _c("created_at", TS),
                _c("created_by", S),
            ),
            doc="Custom survey definitions (the built-in NPS, CSAT, CES 2.0 and life-impact ones ship with Centric).",
            importable=False,
        ),
        TableSpec(
            "alerts",
            ("alert_id",),
            (
                _c("alert_id", S, required=True),
                _c("kind", S, required=True, allowed=("detractor", "low_csat", "high_effort", "automation")),
                _c("customer_id", S),
                _c("feedback_id", S, doc="the answer that raised it"),
                _c("survey_id", S),
                _c("score", dt.float64),
                _c("comment", S, "basic"),
                _c("created_at", TS, required=True),
                _c("first_response_at", TS, doc="when a person first acted on it (time-to-first-response)"),
                _c("responded_by", S),
                _c("resolved_at", TS),
                _c("note", S),
            ),
            doc="Closed-loop alerts raised by survey answers (a detractor, a low CSAT) and by automations.",
            importable=False,
        ),
        # --- recommendations (issue 7): add recommendation tables below this line ---
        # --- activation (issue 7): add activation tables below this line ---
        TableSpec(
            "audiences",
            ("audience_id",),
            (
                _c("audience_id", S, required=True),
                _c("name", S, required=True),
                _c("description", S),
                _c("definition", S, required=True, kind="json", doc="JSON list of {field, op, value} filters"),
                _c("created_at", TS),
                _c("updated_at", TS),
            ),
            doc="Saved audience (segment) definitions, evaluated in the backend by centric.activation.",
            importable=False,
        ),
        TableSpec(
            "automations",
            ("automation_id",),
            (
                _c("automation_id", S, required=True),
                _c("name", S, required=True),
                _c("definition", S, required=True, kind="json", doc="trigger, conditions, action, guards (JSON)"),
                _c("enabled", dt.boolean),
                _c("created_at", TS),
                _c("updated_at", TS),
            ),
            doc="Automation definitions: trigger → conditions → action, with guards and a holdout.",
            importable=False,
        ),
        TableSpec(
            "email_templates",
            ("template_id",),
            (
                _c("template_id", S, required=True),
                _c("name", S),
                _c("subject", S, required=True, doc="Jinja template of the Subject line"),
                _c("html", S, doc="Jinja template of the HTML part"),
                _c("text", S, doc="Jinja template of the plain-text part"),
                _c("created_at", TS),
            ),
            doc="E-mail templates made from a sample e-mail (rendered in a Jinja2 sandbox).",
            importable=False,
        ),
        TableSpec(
            "automation_state",
            ("automation_id", "customer_id"),
            (
                _c("automation_id", S, required=True),
                _c("customer_id", S, required=True),
                _c("state", S, doc="e.g. 'above' for a score-threshold trigger"),
                _c("updated_at", TS),
            ),
            doc="Per-customer trigger state (a score crossing fires when the state changes).",
            importable=False,
        ),
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
        "# Data model: canonical tables (schema v%d)" % SCHEMA_VERSION,
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
