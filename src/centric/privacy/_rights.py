"""Data-subject rights requests: intake, identity verification, clocks, statuses, completion.

Lifecycle: ``received`` → ``verified`` (identity checked) → ``acknowledged`` → (``extended``) →
``completed`` or ``rejected``. Completion carries the request out:

* ``access``: the export bundle (:func:`centric.privacy.export_bundle`);
* ``rectification``: corrected fields written to the person's source records and golden record;
* ``erasure``: :func:`centric.privacy.erase_customer` (with the certificate);
* ``restriction``: a ``restrictions`` row (nothing but storage until lifted);
* ``objection``: every granted marketing/profiling consent withdrawn (method ``objection``);
* ``withdrawal``: the purposes named in ``details["purposes"]`` withdrawn.

Nothing is carried out before the identity is verified.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.privacy._audit import append_audit
from centric.privacy._clocks import MODES, clock
from centric.privacy._ledger import ensure_customer

__all__ = ["KINDS", "VERIFICATIONS", "acknowledge", "complete", "extend", "get_request", "list_requests",
           "open_request", "reject", "verify_identity"]

KINDS = ("access", "rectification", "erasure", "restriction", "objection", "withdrawal")
VERIFICATIONS = ("signed_link", "otp_email", "otp_phone", "id_document", "in_person", "logged_in_account")
OBJECTION_PURPOSES = ("marketing_email", "marketing_zalo", "marketing_sms", "marketing_messenger", "analytics",
                      "personalisation", "life_stage")
RECTIFIABLE = ("display_name", "email", "phone", "gender", "birth_year", "province", "life_stage")


def _now(at: Any = None) -> pd.Timestamp:
    t = pd.Timestamp(at if at is not None else _dt.datetime.now(_dt.UTC))
    return (t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")).floor("us")


def _all(store: Any) -> pd.DataFrame:
    return store.table("rights_requests").execute()


def get_request(store: Any, request_id: str) -> dict[str, Any]:
    """One request as a dict, or a clear :class:`InputError`."""
    t = store.table("rights_requests")
    df = t.filter(t.request_id == request_id).execute()
    if df.empty:
        raise InputError(f"Unknown rights request {request_id!r}; list them with 'centric rights list'.")
    return df.iloc[0].to_dict()


def _save(store: Any, row: dict[str, Any]) -> None:
    df = _all(store)
    df = df[df["request_id"] != row["request_id"]]
    df = pd.concat([df, pd.DataFrame([row])], ignore_index=True) if len(df) else pd.DataFrame([row])
    store.replace("rights_requests", df)


def open_request(store: Any, kind: str, customer_id: str, *, actor: str, mode: str = "pdp", processor: bool = False,
                 channel: str = "cli", details: dict[str, Any] | None = None, received_at: Any = None,
                 tz: str = "Asia/Ho_Chi_Minh") -> dict[str, Any]:
    """Record a new request with its deadlines; an unknown customer raises and nothing is stored."""
    if kind not in KINDS:
        raise InputError(f"Unknown request kind {kind!r}; kinds are: {', '.join(KINDS)}.")
    if mode not in MODES:
        raise InputError(f"Unknown clock mode {mode!r}; modes are: {', '.join(MODES)}.")
    ensure_customer(store, customer_id)
    details = dict(details or {})
    if kind == "withdrawal":
        from centric.privacy._purposes import purpose

        purposes = details.get("purposes") or []
        if not purposes:
            raise InputError("A withdrawal request must name the purposes (details={'purposes': [...]}).")
        for p in purposes:
            purpose(p)
    if kind == "rectification":
        bad = sorted(set(details.get("fields", {})) - set(RECTIFIABLE))
        if not details.get("fields") or bad:
            raise InputError(f"A rectification names fields to correct among {', '.join(RECTIFIABLE)}; "
                             f"got {sorted(details.get('fields', {})) or 'none'}.")
    received = _now(received_at)
    c = clock(received, mode, processor=processor, tz=tz)
    row = {"request_id": "RQ-" + received.strftime("%Y%m%d") + "-" + uuid.uuid4().hex[:6], "customer_id": customer_id,
           "kind": kind, "status": "received", "mode": mode, "processor": bool(processor), "channel": channel,
           "received_at": received, "ack_due": c.ack_due, "due_at": c.due_at, "extended_until": None,
           "verified_at": None, "verification": None, "acknowledged_at": None, "completed_at": None,
           "details": json.dumps(details, ensure_ascii=False, sort_keys=True), "outcome": None}
    store.append("rights_requests", pd.DataFrame([row]))
    append_audit(store, actor=actor, action=f"rights.{kind}.received", subject=customer_id,
                 details={"request_id": row["request_id"], "mode": mode, "channel": channel})
    return row


def _open(store: Any, request_id: str) -> dict[str, Any]:
    row = get_request(store, request_id)
    if row["status"] in ("completed", "rejected"):
        raise InputError(f"Request {request_id!r} is already {row['status']}; nothing was changed.")
    return row


def verify_identity(store: Any, request_id: str, method: str, *, actor: str, at: Any = None) -> dict[str, Any]:
    """Record how the requester's identity was verified (required before completion)."""
    if method not in VERIFICATIONS:
        raise InputError(f"Unknown verification method {method!r}; methods are: {', '.join(VERIFICATIONS)}.")
    row = _open(store, request_id)
    row.update(verified_at=_now(at), verification=method,
               status="verified" if row["status"] == "received" else row["status"])
    _save(store, row)
    append_audit(store, actor=actor, action="rights.verified", subject=row["customer_id"],
                 details={"request_id": request_id, "method": method})
    return row


def acknowledge(store: Any, request_id: str, *, actor: str, at: Any = None) -> dict[str, Any]:
    """Mark the request acknowledged (the 2-working-day clock stops)."""
    row = _open(store, request_id)
    row.update(acknowledged_at=_now(at), status="acknowledged" if row["status"] in ("received", "verified")
               else row["status"])
    _save(store, row)
    append_audit(store, actor=actor, action="rights.acknowledged", subject=row["customer_id"],
                 details={"request_id": request_id})
    return row


def extend(store: Any, request_id: str, *, reason: str, actor: str, tz: str = "Asia/Ho_Chi_Minh") -> dict[str, Any]:
    """Use the one extension the mode allows (15 days; GDPR two months)."""
    row = _open(store, request_id)
    if row.get("extended_until") is not None and not pd.isna(row["extended_until"]):
        raise InputError(f"Request {request_id!r} was already extended once; the law allows one extension.")
    c = clock(row["received_at"], row["mode"], processor=bool(row["processor"]), tz=tz)
    if c.extension_until is None:
        raise InputError(f"Mode {row['mode']!r} allows no extension (72 hours is the limit).")
    if not reason.strip():
        raise InputError("An extension needs a reason told to the requester.")
    row.update(extended_until=c.extension_until, status="extended")
    _save(store, row)
    append_audit(store, actor=actor, action="rights.extended", subject=row["customer_id"],
                 details={"request_id": request_id, "reason": reason})
    return row


def reject(store: Any, request_id: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Close a request without carrying it out (e.g. identity could not be verified)."""
    row = _open(store, request_id)
    row.update(status="rejected", completed_at=_now(), outcome=json.dumps({"rejected": reason}, ensure_ascii=False))
    _save(store, row)
    append_audit(store, actor=actor, action="rights.rejected", subject=row["customer_id"],
                 details={"request_id": request_id, "reason": reason})
    return row


def complete(store: Any, request_id: str, *, actor: str, secret: bytes | None = None, workspace: Path | None = None,
             out_dir: Path | None = None) -> dict[str, Any]:
    """Carry the request out and close it; returns the outcome (JSON-ready)."""
    row = _open(store, request_id)
    if row.get("verified_at") is None or pd.isna(row["verified_at"]):
        raise InputError(f"Request {request_id!r}: verify the requester's identity first "
                         "('centric rights verify'); nothing was changed.")
    cid, kind = str(row["customer_id"]), str(row["kind"])
    details = json.loads(row["details"] or "{}")
    outcome: dict[str, Any]
    if kind == "access":
        from centric.privacy._export import export_bundle

        target = out_dir or ((workspace or Path(".")) / "privacy" / "exports" / request_id)
        outcome = export_bundle(store, cid, target, actor=actor)
    elif kind == "erasure":
        from centric.privacy._erasure import erase_customer

        if secret is None:
            raise InputError("Erasure needs the workspace secret (for the suppression list).")
        cert = erase_customer(store, cid, secret=secret, workspace=workspace, actor=actor, request_id=request_id)
        outcome = {"certificate_id": cert["certificate_id"], "rows_deleted": cert["rows_deleted"]}
    elif kind == "restriction":
        from centric.privacy._restrict import restrict

        outcome = {"restriction_id": restrict(store, cid, actor=actor, request_id=request_id,
                                              reason=details.get("reason"))}
    elif kind in ("objection", "withdrawal"):
        outcome = {"withdrawn": _withdraw_all(store, cid, details, kind, actor)}
    else:  # rectification
        from centric.privacy._restrict import rectify

        outcome = {"fields": rectify(store, cid, details["fields"], actor=actor)}
    row = get_request(store, request_id)  # erasure rewrote the store: read the row again
    row.update(status="completed", completed_at=_now(), outcome=json.dumps(outcome, ensure_ascii=False, default=str))
    _save(store, row)
    append_audit(store, actor=actor, action=f"rights.{kind}.completed", subject=cid,
                 details={"request_id": request_id})
    return outcome


def _withdraw_all(store: Any, cid: str, details: dict[str, Any], kind: str, actor: str) -> list[str]:
    from centric.privacy._consent import consent_state
    from centric.privacy._ledger import record_consent

    wanted = OBJECTION_PURPOSES if kind == "objection" else tuple(details["purposes"])
    s = consent_state(store)
    granted = set(s.filter((s.customer_id == cid) & (s.status == "granted")).execute()["purpose"])
    done = []
    for p in wanted:
        if p in granted:
            record_consent(store, cid, p, "withdrawn", method="objection" if kind == "objection" else "written",
                           actor=actor)
            done.append(p)
    return done


def list_requests(store: Any, *, due: bool = False, now: Any = None, soon_days: int = 3) -> pd.DataFrame:
    """Requests with ``deadline`` (the one that applies now), ``overdue`` and ``reminder`` columns.

    ``due=True`` keeps the open requests whose next deadline is within ``soon_days`` or past.
    """
    df = _all(store)
    if df.empty:
        return df.assign(deadline=pd.Series(dtype="datetime64[us, UTC]"), overdue=pd.Series(dtype=bool),
                         reminder=pd.Series(dtype=str))
    t = _now(now)
    open_ = ~df["status"].isin(["completed", "rejected"])
    not_acked = df["acknowledged_at"].isna()
    final = df["extended_until"].where(df["extended_until"].notna(), df["due_at"])
    deadline = final.where(~not_acked, df["ack_due"])
    df = df.assign(deadline=deadline, overdue=open_ & (deadline < t))
    df["reminder"] = [
        "" if not o else
        (("OVERDUE: " if od else "due: ") + ("acknowledge" if na else "complete")
         + f" by {pd.Timestamp(d).isoformat()}")
        for o, od, na, d in zip(open_, df["overdue"], not_acked, df["deadline"], strict=True)
    ]
    if due:
        df = df[open_ & (df["deadline"] <= t + pd.Timedelta(days=soon_days))]
    return df.sort_values("deadline").reset_index(drop=True)
