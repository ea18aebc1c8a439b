"""Identity: link customer records from every source into one person each.

Deterministic for now (shared normalised e-mail, phone or loyalty id, as
connected components); a probabilistic matcher plugs in through
:class:`Matcher`.
"""

from centric.identity._matchers import DeterministicMatcher, Matcher
from centric.identity._resolve import FACT_TABLES, IdentityReport, customer_id_for, explain, resolve

__all__ = [
    "FACT_TABLES",
    "DeterministicMatcher",
    "IdentityReport",
    "Matcher",
    "customer_id_for",
    "explain",
    "resolve",
]
