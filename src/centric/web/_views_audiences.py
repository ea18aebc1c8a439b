"""View models and actions for the Audiences pages (over :mod:`centric.activation`).

* the list: each saved audience with its filters in words (vi/en), its current size n, the size
  that may be used for a consent purpose (``allowed_customers``), and who saved it when;
* the form: rows of field / operator / value, checked by the core's :func:`parse_filters`; an
  error is placed on the row it names, in the user's language, and nothing is saved;
* the detail: size, consented size, a sample of members (pseudonyms for viewers, customer ids
  for analysts, who may open the 360 anyway), and exports through :func:`export_audience`
  (so they are filtered by consent and audited exactly as the CLI's).
"""

from __future__ import annotations

import json
import re
from typing import Any

from centric.exceptions import InputError

__all__ = [
    "FORM_ROWS",
    "audience_detail",
    "audiences_overview",
    "filter_words",
    "form_filters",
    "save_from_form",
]

FORM_ROWS = 4
SAMPLE = 20
DEFAULT_PURPOSE = "personalisation"
_ROW = re.compile(r"Audience filter #(\d+):")
#: core message fragment → catalogue key of the explanation in the user's language
_PROBLEMS = (
    ("unknown field", "actweb.err.field"),
    ("unknown op", "actweb.err.op"),
    ("needs an ordered field", "actweb.err.ordered"),
    ("takes no value", "actweb.err.no_value"),
    ("takes a non-empty list", "actweb.err.list"),
    ("takes [low, high]", "actweb.err.between"),
    ("'consent' takes", "actweb.err.consent"),
    ("values; got", "actweb.err.kind"),
)


def _t(key: str, lang: str, **kw: Any) -> str:
    from centric.i18n import t

    text = t(key, lang)
    return text.format(**kw) if kw else text


def _value_words(v: Any, lang: str) -> str:
    if isinstance(v, bool):
        return _t("actweb.yes" if v else "actweb.no", lang)
    if isinstance(v, list):
        return ", ".join(_value_words(x, lang) for x in v)
    return str(v)


def filter_words(filters: list[dict[str, Any]], lang: str) -> str:
    """The filters as a sentence: 'Churn risk ≥ 0.7 and Province is one of Hà Nội, Đà Nẵng'."""
    from centric.i18n import catalogue

    if not filters:
        return _t("actweb.everyone", lang)
    parts = []
    for f in filters:
        key = f"actweb.field.{f['field']}"
        name = catalogue(lang).get(key) or catalogue("en").get(key) or f["field"]
        op = _t(f"actweb.op.{f['op']}", lang)
        if f["op"] == "between":
            lo, hi = f["value"]
            parts.append(f"{name} {op} {_value_words(lo, lang)} – {_value_words(hi, lang)}")
        elif f["op"] in ("is_null", "not_null"):
            parts.append(f"{name} {op}")
        else:
            parts.append(f"{name} {op} {_value_words(f['value'], lang)}")
    return f" {_t('actweb.and', lang)} ".join(parts)


def _created_by(store: Any) -> dict[str, str]:
    """Who first saved each audience from the web app (the audit log's ``audience.save`` rows)."""
    a = store.table("audit_log")
    df = a.filter(a.action == "audience.save").order_by("seq").select("subject", "actor").execute()
    return dict(reversed(list(zip(df["subject"], df["actor"], strict=True))))


def _sizes(store: Any, audience: Any, purpose: str) -> tuple[int, int]:
    from centric.activation import audience_members
    from centric.privacy import allowed_customers

    members = audience_members(store, audience)
    n = int(members.count().execute())
    ok = int(members.semi_join(allowed_customers(store, purpose), "customer_id").count().execute())
    return n, ok


def audiences_overview(store: Any, lang: str, tz: str, *, purpose: str = DEFAULT_PURPOSE) -> list[dict[str, Any]]:
    """Every saved audience with its words, n, consented n, created by / at (local time)."""
    from centric.activation import list_audiences
    from centric.web._views import _local

    by = _created_by(store)
    rows = store.table("audiences").select("audience_id", "created_at").execute()
    created = dict(zip(rows["audience_id"], rows["created_at"], strict=True))
    out = []
    for a in list_audiences(store):
        n, ok = _sizes(store, a, purpose)
        out.append(
            {
                "audience_id": a.audience_id,
                "name": a.name,
                "description": a.description,
                "words": filter_words(a.filters, lang),
                "n": n,
                "n_consented": ok,
                "created_by": by.get(a.audience_id),
                "created_at": _local(created.get(a.audience_id), tz, lang),
            }
        )
    return out


def audience_detail(
    store: Any, audience_id: str, lang: str, *, purpose: str, secret: bytes, show_ids: bool
) -> dict[str, Any] | None:
    """One audience: words, sizes for ``purpose`` and a sample of members; ``None`` when unknown."""
    from centric.activation import audience_members, get_audience
    from centric.privacy import pseudonym

    try:
        a = get_audience(store, audience_id)
    except InputError:
        return None
    n, ok = _sizes(store, a, purpose)
    ids = audience_members(store, a).order_by("customer_id").limit(SAMPLE).execute()["customer_id"]
    sample = [{"id": str(c) if show_ids else pseudonym(secret, str(c), domain="web"), "link": show_ids} for c in ids]
    return {
        "audience_id": a.audience_id,
        "name": a.name,
        "description": a.description,
        "filters": a.filters,
        "words": filter_words(a.filters, lang),
        "n": n,
        "n_consented": ok,
        "purpose": purpose,
        "sample": sample,
        "pseudonymous": not show_ids,
    }


def _value(text: str, op: str) -> Any:
    """A form value as JSON when it is JSON (numbers, true/false, lists), else text; lists split on commas."""
    text = (text or "").strip()
    if op in ("is_null", "not_null") and not text:
        return None

    def one(s: str) -> Any:
        try:
            return json.loads(s)
        except json.JSONDecodeError:
            return s

    v = one(text)
    if op in ("in", "not_in", "between") and not isinstance(v, list):
        v = [one(p.strip()) for p in text.split(",") if p.strip()] if text else []
    return v


def form_filters(rows: list[tuple[str, str, str]]) -> tuple[list[dict[str, Any]], list[int]]:
    """The filter list of the form rows that have a field; and the form row number of each filter."""
    out, where = [], []
    for i, (field, op, value) in enumerate(rows):
        if not field.strip():
            continue
        out.append({"field": field.strip(), "op": op.strip(), "value": _value(value, op.strip())})
        where.append(i)
    return out, where


def _explain(exc: InputError, lang: str, filters: list[dict[str, Any]], where: list[int]) -> tuple[int | None, str]:
    """(form row, message in ``lang``) of a :func:`parse_filters` error; the core's words are kept as detail."""
    msg = str(exc)
    m = _ROW.search(msg)
    if m is None:
        return None, _t("actweb.err.generic", lang, detail=msg)
    i = int(m.group(1)) - 1
    f = filters[i] if i < len(filters) else {}
    key = next((k for frag, k in _PROBLEMS if frag in msg), "actweb.err.generic")
    text = _t(key, lang, field=f.get("field", ""), op=f.get("op", ""), value=f.get("value"), detail=msg)
    return (where[i] if i < len(where) else None), text


def save_from_form(
    store: Any, *, name: str, description: str, rows: list[tuple[str, str, str]], actor: str, lang: str
) -> dict[str, Any]:
    """Validate and save; ``{"saved": Audience}`` or ``{"errors": {row or "name": message}}`` (nothing saved)."""
    from centric.activation import parse_filters, save_audience
    from centric.privacy import append_audit

    filters, where = form_filters(rows)
    if not name.strip():
        return {"errors": {"name": _t("actweb.err.name", lang)}}
    try:
        parse_filters(filters)
    except InputError as exc:
        row, text = _explain(exc, lang, filters, where)
        return {"errors": {("general" if row is None else row): text}}
    aud = save_audience(store, name, filters, description=description.strip())
    append_audit(
        store, actor=actor, action="audience.save", subject=aud.audience_id, details={"filters": len(aud.filters)}
    )
    return {"saved": aud}
