"""Privacy by design: purposes, consent enforcement, data-subject rights, erasure, audit.

The one decision every consumer of personal data calls is :func:`allowed_customers` (a set, in
the backend) or :func:`check` (one customer, at send time).
"""

from centric.privacy._consent import Decision, allowed_customers, check, consent_state, restricted_customers
from centric.privacy._purposes import PURPOSES, Purpose, purpose

__all__ = [
    "PURPOSES",
    "Decision",
    "Purpose",
    "allowed_customers",
    "check",
    "consent_state",
    "purpose",
    "restricted_customers",
]
