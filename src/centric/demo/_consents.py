"""Consents: per person and purpose, granted at sign-up, sometimes withdrawn later."""

from __future__ import annotations

import numpy as np

from centric.demo import _vocab as V

PURPOSES = tuple(p for p, _ in V.CONSENT_PURPOSES)
_GRANT_P = np.array([p for _, p in V.CONSENT_PURPOSES])
P_WITHDRAW = 0.08
NOTICE_CUTOVER = "2025-01-01"  # notice v2025.1 replaces v2024.1 from this local date on


def make_consents(
    rng: np.random.Generator,
    *,
    primary: np.ndarray,
    created: np.ndarray,
    has_email: np.ndarray,
    has_phone: np.ndarray,
    horizon: int,
    cutover: int,
) -> dict[str, np.ndarray]:
    """Consent rows of the persons whose ``primary`` record is 1 (pos) or 2 (web); 0 means none.

    Returns flat rows (person, purpose, status 0=granted/1=withdrawn, t, method, notice) sorted by
    person, purpose, time; plus, per person and purpose, the [grant, withdraw) interval (-1 = none).
    """
    n = len(primary)
    k = len(PURPOSES)
    grant = rng.random((n, k)) < _GRANT_P
    grant[:, 0] &= has_email
    grant[:, 1] &= has_phone
    grant &= (primary > 0)[:, None]
    t_grant = np.broadcast_to(created[:, None], (n, k)) + rng.integers(5, 90, (n, k))
    withdrawn = grant & (rng.random((n, k)) < P_WITHDRAW)
    t_withdraw = t_grant + (rng.random((n, k)) * (horizon - t_grant)).astype(np.int64)
    withdrawn &= t_withdraw < horizon
    web = primary == 2
    method_grant = np.where(web[:, None], np.where(rng.random((n, k)) < 0.3, "app", "web_form"), "pos_tablet")
    method_withdraw = np.where(rng.random((n, k)) < 0.5, "preference_centre", "email_unsubscribe")
    method_withdraw[:, 1] = "zalo_oa"

    pi, pj = np.nonzero(grant)
    wi, wj = np.nonzero(withdrawn)
    person = np.concatenate([pi, wi])
    purpose = np.concatenate([pj, wj])
    status = np.concatenate([np.zeros(len(pi), np.int64), np.ones(len(wi), np.int64)])
    t = np.concatenate([t_grant[pi, pj], t_withdraw[wi, wj]])
    method = np.concatenate([method_grant[pi, pj], method_withdraw[wi, wj]])
    notice_t = np.concatenate([t_grant[pi, pj], t_grant[wi, wj]])
    notice = np.where(notice_t < cutover, "v2024.1", "v2025.1")
    order = np.lexsort((t, purpose, person))
    rows = {
        "person": person[order],
        "purpose": purpose[order],
        "status": status[order],
        "t": t[order],
        "method": method[order],
        "notice": notice[order],
    }
    start = np.where(grant, t_grant, -1)
    stop = np.where(withdrawn, t_withdraw, np.where(grant, horizon, -1))
    return {"rows": rows, "start": start, "stop": stop}
