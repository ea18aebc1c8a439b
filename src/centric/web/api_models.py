"""Pydantic models of the JSON API (/api/v1): what comes in, what goes out."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from typing_extensions import TypedDict

__all__ = [
    "EVENT_BATCH",
    "MAX_BATCH",
    "AnalyzeIn",
    "CustomerList",
    "ErrorBody",
    "EventBatch",
    "EventIn",
    "FeedbackBatch",
    "FeedbackIn",
    "IdentifyIn",
    "IdentifyOut",
    "IngestResult",
    "JobOut",
    "inline_schema",
]

MAX_BATCH = 5000
EARLIEST, LATEST = 1970, 2100


def _sane_time(value: _dt.datetime) -> _dt.datetime:
    """Refuse instants outside 1970–2100 (typos like 0086 or 9999 would break the analysis later)."""
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(f"{value.isoformat()!r} is outside the years {EARLIEST}–{LATEST}")
    return value


Instant = Annotated[_dt.datetime, AfterValidator(_sane_time)]
Id = Field(min_length=1, max_length=200)
Text = Field(default=None, max_length=200)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str = Field(description="stable machine code: invalid, unauthorized, forbidden, not_found, …")
    message: str = Field(description="a sentence a person can act on")
    field: str | None = Field(default=None, description="the input field at fault, dotted (events.3.occurred_at)")


class ErrorBody(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


class EventIn(TypedDict):
    """One web/app/e-mail event. ``event_id`` makes retries safe: a stored id is not stored again.

    A TypedDict (not a model): batches are validated straight from the request bytes by
    pydantic-core, which is what keeps ingestion fast.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    event_id: Annotated[str, Field(min_length=1, max_length=200)]
    occurred_at: Annotated[Instant, Field(description="ISO 8601; without an offset: the workspace time zone")]
    name: Annotated[str, Field(min_length=1, max_length=200, description="e.g. page_view, add_to_cart, purchase")]
    customer_ref: NotRequired[Annotated[str | None, Field(max_length=200, description="the source's key: 'web:123'")]]
    anonymous_id: NotRequired[Annotated[str | None, Field(max_length=200, description="cookie/device id")]]
    channel: NotRequired[Annotated[str | None, Field(max_length=200)]]
    session_id: NotRequired[Annotated[str | None, Field(max_length=200)]]
    properties: NotRequired[Annotated[dict[str, Any] | None, Field(description="free-form JSON object")]]


class EventBatch(TypedDict):
    """A batch of events (1 to 5000)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_BATCH)]


#: validates a request body (bytes) into an :class:`EventBatch`
EVENT_BATCH: TypeAdapter[EventBatch] = TypeAdapter(EventBatch)


def inline_schema(adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """The adapter's JSON schema with its ``$defs`` inlined (for an OpenAPI requestBody)."""
    schema = adapter.json_schema()
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.split("/")[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[no-any-return]


class IngestResult(BaseModel):
    """Rows committed now, rows whose id was stored already (both acknowledged), rows of erased people (dropped)."""

    accepted: int
    duplicates: int
    suppressed: int = 0


_SCORE_RANGE = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "who5": (0, 5), "life_impact": (0, 10)}


class FeedbackIn(_In):
    """One survey answer. ``response_id`` makes retries safe."""

    response_id: str = Id
    instrument: Literal["nps", "csat", "ces", "who5", "life_impact", "custom"]
    score: float | None = Field(default=None, allow_inf_nan=False)
    comment: str | None = Field(default=None, max_length=5000)
    customer_ref: str | None = Field(default=None, max_length=200)
    survey_id: str | None = Text
    question_id: str | None = Text
    instrument_version: str | None = Text
    touchpoint: str | None = Text
    channel: str | None = Text
    language: Literal["vi", "en"] | None = None
    submitted_at: Instant | None = Field(default=None, description="default: when the server receives it")

    @model_validator(mode="after")
    def _score_in_range(self) -> FeedbackIn:
        rng = _SCORE_RANGE.get(self.instrument)
        if rng and self.score is not None and not rng[0] <= self.score <= rng[1]:
            raise ValueError(f"score {self.score!r} is outside {rng[0]}..{rng[1]} for instrument {self.instrument!r}")
        return self


class FeedbackBatch(_In):
    """A batch of survey answers (1 to 5000)."""

    responses: list[FeedbackIn] = Field(min_length=1, max_length=MAX_BATCH)


class IdentifyIn(_In):
    """Link an anonymous id (cookie/device) to a known customer, by ``customer_ref`` or ``customer_id``."""

    anonymous_id: str = Id
    customer_ref: str | None = Field(default=None, min_length=1, max_length=200)
    customer_id: str | None = Field(default=None, min_length=1, max_length=200)
    occurred_at: Instant | None = None

    @model_validator(mode="after")
    def _one_target(self) -> IdentifyIn:
        if (self.customer_ref is None) == (self.customer_id is None):
            raise ValueError("give exactly one of customer_ref or customer_id")
        return self


class IdentifyOut(BaseModel):
    """The link that is stored, and how many earlier anonymous events now name the customer.

    ``suppressed``: the anonymous id or the customer's ref belongs to an erased person; nothing was stored.
    """

    anonymous_id: str
    customer_ref: str
    customer_id: str | None
    created: bool
    events_linked: int
    suppressed: bool = False


class CustomerList(BaseModel):
    """One page of customers; pass ``next_cursor`` as ``cursor`` for the next page (null: last page)."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    limit: int


class AnalyzeIn(_In):
    """Options of an analysis job."""

    lang: Literal["vi", "en"] | None = None


class JobOut(BaseModel):
    """A background job and its progress."""

    job_id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    created_at: str
    started_at: str | None
    finished_at: str | None
    step: str | None
    steps_done: list[dict[str, Any]]
    progress: float
    error: str | None
    result: dict[str, Any] | None
    started_by: str | None


class RightsRequestIn(BaseModel):
    """A data-subject request taken in over the API (e.g. from a shop's own help-desk form)."""

    kind: Literal["access", "rectification", "erasure", "restriction", "objection", "withdrawal"]
    customer_id: str = Field(min_length=1, max_length=200)
    mode: Literal["pdp", "gdpr", "legacy72"] = "pdp"
    processor: bool = Field(False, description="A processor is involved (PDP: 20 days instead of 15).")
    details: dict[str, Any] = Field(default_factory=dict, description="withdrawal: {purposes: [...]}; "
                                    "rectification: {fields: {...}}")


class RightsRequestOut(BaseModel):
    """A rights request with its legal clock (times are ISO 8601, UTC)."""

    request_id: str
    customer_id: str
    kind: str
    status: str
    mode: str
    channel: str
    received_at: str
    ack_due: str
    due_at: str
    extended_until: str | None
    verified_at: str | None
    acknowledged_at: str | None
    completed_at: str | None
