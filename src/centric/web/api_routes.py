"""The JSON API, ``/api/v1``: ingest events, identify, feedback; read customers, metrics, personas; jobs.

Routes parse input, check rights and choose a status code; the work is in ``_api_queries``
(reads, under the store lock) and ``_writer`` (writes, committed by the single writer thread
before the answer is sent). Every error has the shape ``{"error": {"code", "message", "field"?}}``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from centric.exceptions import CentricError
from centric.web import _api_queries as Q
from centric.web._http import request_lang
from centric.web.api_models import (
    EVENT_BATCH,
    AnalyzeIn,
    CustomerList,
    ErrorBody,
    FeedbackBatch,
    IdentifyIn,
    IdentifyOut,
    IngestResult,
    JobOut,
    RightsRequestIn,
    RightsRequestOut,
    inline_schema,
)
from centric.web.auth import Principal, audit, require_key
from centric.web.errors import ApiError

__all__ = ["router"]

_ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody, "description": d} for s, d in (
        (401, "No or bad credentials"), (403, "Credentials lack the right"), (422, "Invalid input"),
        (500, "Server error"))
}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=_ERRORS)

Ingest = Annotated[Principal, Depends(require_key("ingest"))]
Read = Annotated[Principal, Depends(require_key("read"))]
#: customer-level data: like the customer pages, a logged-in viewer sees aggregates only
ReadCustomers = Annotated[Principal, Depends(require_key("read", session_role="analyst"))]
Analyze = Annotated[Principal, Depends(require_key("admin", session_role="analyst"))]
#: data-subject requests: the privacy officer's work
Rights = Annotated[Principal, Depends(require_key("admin", session_role="admin"))]


def _state(request: Request) -> Any:
    return request.app.state


@router.get("/health", summary="Liveness (no login)", responses={200: {"content": {"application/json": {}}}})
def health() -> dict[str, str]:
    """``{"status": "ok"}`` while the server runs."""
    return {"status": "ok"}


MAX_BODY_BYTES = 16 * 1024 * 1024  # 5000 events of ~3 kB each


async def _read_capped(request: Request) -> bytes:
    """The request body, refused with 413 past MAX_BODY_BYTES (read in chunks, never all at once first)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, f"The body has {int(declared):,} bytes; at most {MAX_BODY_BYTES:,} are accepted. "
                            "Send smaller batches.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, f"The body is larger than {MAX_BODY_BYTES:,} bytes. Send smaller batches.")
        chunks.append(chunk)
    return b"".join(chunks)


_EVENTS_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": inline_schema(EVENT_BATCH)}}}}


@router.post("/events", response_model=IngestResult, summary="Ingest a batch of events", openapi_extra=_EVENTS_BODY)
async def post_events(request: Request, who: Ingest) -> IngestResult:
    """Store a batch of events (``{"events": [...]}``, 1 to 5000). Idempotent by ``event_id``.

    Ids already stored count as duplicates. The answer comes only after the batch is committed;
    on any error nothing of the batch is acknowledged and it can be retried as is.
    """
    body = await _read_capped(request)
    try:
        batch = EVENT_BATCH.validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    st = _state(request)
    rows = Q.events_arrow(batch["events"], tz=st.settings.timezone, batch_id=f"api:{who.id}")
    res = await run_in_threadpool(st.writer.submit, "events", rows)
    return IngestResult(accepted=res.accepted, duplicates=res.duplicates, suppressed=res.suppressed)


@router.post("/identify", response_model=IdentifyOut, summary="Link an anonymous id to a customer")
def post_identify(request: Request, body: IdentifyIn, who: Ingest) -> IdentifyOut:
    """Link ``anonymous_id`` (cookie/device) to a customer given by ``customer_ref`` or ``customer_id``.

    Stored as an event named ``$identify``; earlier and later events of that anonymous id take the
    customer's ``customer_ref``, so the next analysis counts them for the customer. Idempotent.
    """
    st = _state(request)
    ref, cid = body.customer_ref, body.customer_id
    with st.store_lock:
        if cid is not None:
            ref = Q.ref_of_customer(st.store, cid)
            if ref is None:
                raise ApiError(404, f"No customer with customer_id {cid!r}.", field="customer_id")
        else:
            cid = Q.resolve_ref(st.store, ref or "")
    at = body.occurred_at or _dt.datetime.now(_dt.UTC)

    def link(store: Any) -> tuple[bool, int] | None:
        # an erased person's ids stay erased: no link, as their events are dropped (see the writer)
        if st.writer.names_erased("events", {"anonymous_id": body.anonymous_id, "customer_ref": ref}):
            return None
        return Q.link_anonymous(store, anonymous_id=body.anonymous_id, customer_ref=ref, customer_id=cid, at=at)

    res = st.writer.call(link)
    if res is None:
        return IdentifyOut(anonymous_id=body.anonymous_id, customer_ref=ref or "", customer_id=cid, created=False,
                           events_linked=0, suppressed=True)
    created, linked = res
    return IdentifyOut(anonymous_id=body.anonymous_id, customer_ref=ref or "", customer_id=cid, created=created,
                       events_linked=linked)


@router.post("/feedback", response_model=IngestResult, summary="Post survey answers")
def post_feedback(request: Request, batch: FeedbackBatch, who: Ingest) -> IngestResult:
    """Store survey answers, idempotent by ``response_id``.

    Wellbeing answers (``who5``, ``life_impact``) of a named customer are refused unless the
    customer consented to the ``wellbeing_survey`` purpose.
    """
    st = _state(request)
    from centric.privacy import check

    for i, r in enumerate(batch.responses):
        if r.instrument in ("who5", "life_impact") and r.customer_ref:
            with st.store_lock:
                cid = Q.resolve_ref(st.store, r.customer_ref)
                ok = cid is not None and check(st.store, cid, "wellbeing_survey").allowed
            if not ok:
                raise ApiError(403, f"Response {r.response_id!r}: customer {r.customer_ref!r} has not consented to "
                                    "'wellbeing_survey'; wellbeing answers cannot be stored.",
                               code="consent_required", field=f"responses.{i}.customer_ref")
    rows = Q.feedback_arrow(batch.responses, tz=st.settings.timezone, batch_id=f"api:{who.id}")
    res = st.writer.submit("feedback", rows)
    return IngestResult(accepted=res.accepted, duplicates=res.duplicates, suppressed=res.suppressed)


@router.get("/customers", response_model=CustomerList, summary="List customers (paginated)")
def get_customers(
    request: Request,
    who: ReadCustomers,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")] = None,
    q: Annotated[str | None, Query(max_length=200, description="name, e-mail, phone or id contains")] = None,
    province: Annotated[str | None, Query(max_length=200)] = None,
    persona: Annotated[str | None, Query(max_length=200, description="persona_id")] = None,
    segment: Annotated[str | None, Query(max_length=200, description="RFM segment")] = None,
    min_churn_risk: Annotated[float | None, Query(ge=0, le=1)] = None,
) -> CustomerList:
    """Customers ordered by ``customer_id``; follow ``next_cursor`` until it is null."""
    st = _state(request)
    with st.store_lock:
        items, nxt = Q.customers_page(st.store, limit=limit, cursor=cursor, q=q, province=province,
                                      persona=persona, segment=segment, min_churn_risk=min_churn_risk)
    return CustomerList(items=items, next_cursor=nxt, limit=limit)


@router.get("/customers/{customer_id}", summary="One customer: profile, identities, scores, consents",
            responses={404: {"model": ErrorBody, "description": "No such customer"}})
def get_customer(request: Request, customer_id: str, who: ReadCustomers) -> dict[str, Any]:
    """The customer's profile with identities, why records were merged, scores, persona and consents.

    Each view is written to the audit log.
    """
    st = _state(request)
    with st.store_lock:
        detail = Q.customer_detail(st.store, customer_id)
    if detail is None:
        raise ApiError(404, f"No customer with customer_id {customer_id!r}.", field="customer_id")
    audit(request, actor=who.actor, action="profile.view", subject=customer_id, details={"via": "api"})
    return detail


@router.get("/metrics", summary="The latest scorecard", responses={404: {"model": ErrorBody}})
def get_metrics(request: Request, who: Read) -> dict[str, Any]:
    """The scorecard of the latest analysis (``report/summary.json``) and when it was computed."""
    from centric.pipeline import load_summary

    path = Path(_state(request).settings.report_dir) / "summary.json"
    if not path.exists():
        raise ApiError(404, "No analysis yet: run 'centric analyze' or POST /api/v1/jobs/analyze.", code="no_analysis")
    summary = load_summary(path)
    return {"generated_at": summary.get("generated_at"), "run_id": summary.get("run_id"), "summary": summary}


@router.get("/personas", summary="Personas of the latest analysis")
def get_personas(request: Request, who: Read) -> dict[str, Any]:
    """Persona profiles (name, size, share of revenue, narrative in vi/en); empty before an analysis."""
    st = _state(request)
    with st.store_lock:
        items = Q.personas(st.store)
    return {"items": items}


@router.post("/jobs/analyze", response_model=JobOut, status_code=202, summary="Start an analysis job")
def post_analyze(request: Request, who: Analyze,
                 body: Annotated[AnalyzeIn | None, Body()] = None) -> JSONResponse:
    """Run identity, metrics, models and the report in the background; poll GET /api/v1/jobs/{job_id}.

    While an analysis runs, asking again returns that job (200) instead of starting another (202).
    """
    st = _state(request)
    lang = (body.lang if body and body.lang else None) or request_lang(request)
    job, started = st.jobs.start_analyze(st, lang=lang, actor=who.actor)
    return JSONResponse(job.to_dict(), status_code=202 if started else 200)


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A job's progress",
            responses={404: {"model": ErrorBody}})
def get_job(request: Request, job_id: str, who: Read) -> dict[str, Any]:
    """Status, current step, finished steps with their notes, and the result or error."""
    job = _state(request).jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"No job {job_id!r} (jobs are kept in memory until the server restarts).",
                       field="job_id")
    return job.to_dict()


def _rights_out(row: dict[str, Any]) -> dict[str, Any]:
    def iso(v: Any) -> str | None:
        return None if v is None or v != v else _dt.datetime.fromisoformat(str(v)).isoformat()

    out = {k: row.get(k) for k in RightsRequestOut.model_fields}
    for k in ("received_at", "ack_due", "due_at", "extended_until", "verified_at", "acknowledged_at", "completed_at"):
        out[k] = iso(out[k])
    return out


@router.post("/rights-requests", response_model=RightsRequestOut, status_code=201,
             summary="Take in a data-subject request", responses={404: {"model": ErrorBody}})
def post_rights_request(request: Request, body: RightsRequestIn, who: Rights) -> dict[str, Any]:
    """Record an access, rectification, erasure, restriction, objection or withdrawal request.

    The answer carries its deadlines (acknowledge within 2 working days, complete within 15 days or
    20 with a processor under the PDP Law; GDPR and 72-hour modes too). The request then follows the
    same steps as one taken in with ``centric rights new``: verify identity, acknowledge, complete.
    """
    from centric.privacy import open_request
    from centric.privacy._ledger import ensure_customer

    st = _state(request)
    with st.store_lock:
        try:
            ensure_customer(st.store, body.customer_id)
        except CentricError as exc:
            raise ApiError(404, str(exc), field="customer_id") from None
    row = st.writer.call(lambda store: open_request(
        store, body.kind, body.customer_id, actor=who.actor, mode=body.mode, processor=body.processor,
        channel="api", details=body.details, tz=st.settings.timezone))
    return _rights_out(row)


@router.get("/rights-requests/{request_id}", response_model=RightsRequestOut, summary="A rights request and its clock",
            responses={404: {"model": ErrorBody}})
def get_rights_request(request: Request, request_id: str, who: Rights) -> dict[str, Any]:
    """The request's status and deadlines."""
    from centric.privacy import get_request

    st = _state(request)
    with st.store_lock:
        try:
            row = get_request(st.store, request_id)
        except CentricError as exc:
            raise ApiError(404, str(exc), field="request_id") from None
    return _rights_out(row)
