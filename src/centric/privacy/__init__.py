"""Privacy by design: purposes, consent ledger and enforcement, rights requests, erasure, audit.

The one decision every consumer of personal data calls is :func:`allowed_customers` (a set, in
the backend) or :func:`check` (one customer, at send time); profiling steps call
:func:`profiling_scope`. Every view of a profile, export, erasure, consent change, login and
API-key use is written with :func:`append_audit`; :func:`verify_audit` checks the chain.
"""

from centric.privacy._audit import append_audit, audit_head, verify_audit
from centric.privacy._breach import breach_notice, breach_status, mark_notified, register_breach
from centric.privacy._calendar import HOLIDAYS, add_working_days, is_working_day
from centric.privacy._clocks import Clock, clock
from centric.privacy._consent import (
    Decision,
    ScopedStore,
    allowed_customers,
    check,
    consent_state,
    profiling_scope,
    restricted_customers,
    scoped_store,
)
from centric.privacy._documents import data_inventory, dpia_dossier, records_of_processing
from centric.privacy._erasure import erase_customer
from centric.privacy._export import export_bundle, person_rows
from centric.privacy._ledger import ConsentChange, consent_overview, publish_notice, record_consent
from centric.privacy._pseudo import decrypt_field, encrypt_field, pseudonym, pseudonymise, suppress_small_cells
from centric.privacy._purposes import PURPOSES, Purpose, purpose
from centric.privacy._restrict import lift_restriction, rectify, restrict
from centric.privacy._rights import (
    acknowledge,
    complete,
    extend,
    get_request,
    list_requests,
    open_request,
    reject,
    verify_identity,
)

__all__ = [
    "HOLIDAYS",
    "PURPOSES",
    "Clock",
    "ConsentChange",
    "Decision",
    "Purpose",
    "ScopedStore",
    "acknowledge",
    "add_working_days",
    "allowed_customers",
    "append_audit",
    "audit_head",
    "breach_notice",
    "breach_status",
    "check",
    "clock",
    "complete",
    "consent_overview",
    "consent_state",
    "data_inventory",
    "decrypt_field",
    "dpia_dossier",
    "encrypt_field",
    "erase_customer",
    "export_bundle",
    "extend",
    "get_request",
    "is_working_day",
    "lift_restriction",
    "list_requests",
    "mark_notified",
    "open_request",
    "person_rows",
    "profiling_scope",
    "pseudonym",
    "pseudonymise",
    "publish_notice",
    "purpose",
    "record_consent",
    "records_of_processing",
    "rectify",
    "register_breach",
    "reject",
    "restrict",
    "restricted_customers",
    "scoped_store",
    "suppress_small_cells",
    "verify_audit",
    "verify_identity",
]
