"""Operational tables: privacy, the web app, surveys and alerts, activation.

Declared here to keep :mod:`centric.schema` readable; :data:`centric.schema.TABLES` holds
them with the analytical tables, and a store creates any that are missing when it opens.
"""

from __future__ import annotations

import ibis.expr.datatypes as dt

from centric._schema_types import TS, S, TableSpec
from centric._schema_types import col as _c

__all__ = ["OPERATIONAL_TABLES"]

OPERATIONAL_TABLES: list[TableSpec] = [
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
    # login sessions: the session cookie names one row; logout sets revoked_at, so a copied cookie stops working
    TableSpec(
        "web_sessions",
        ("session_id",),
        (
            _c("session_id", S, required=True, doc="random id carried in the signed session cookie"),
            _c("user_id", S, required=True),
            _c("created_at", TS, required=True),
            _c("revoked_at", TS, doc="set at logout; a revoked session is refused even if its cookie is replayed"),
        ),
        doc="Web app login sessions (revocable server-side).",
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
