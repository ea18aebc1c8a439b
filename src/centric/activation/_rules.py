"""Automation definitions: trigger → conditions → action, with guards. Pure data, validated.

A definition is JSON (stored in ``automations.definition``)::

    {
      "trigger":    {"type": "cart_abandoned", "wait_hours": 2, "lookback_hours": 72},
      "conditions": [{"field": "churn_risk", "op": "lt", "value": 0.9}],
      "action":     {"type": "email", "template_id": "cart"},
      "guards":     {"quiet_hours": "21:00-08:00", "frequency_cap": {"max": 1, "hours": 24}, "holdout": 0.1},
      "conversion_days": 7
    }

Triggers: ``cart_abandoned`` (wait_hours, lookback_hours), ``score_threshold`` (field, op ge|le, value),
``survey_detractor`` (instrument, max_score, lookback_days), ``birthday`` (needs ``birth_date`` in
``customers.attributes``; ``birth_year`` alone has no day), ``first_purchase_anniversary``,
``tet`` (days_before), ``schedule`` (every day|week|month, at "HH:MM"), ``manual`` (campaign: every customer
passing the conditions, once per campaign — what ``centric email send`` uses).
Actions: ``email`` (template_id), ``webhook`` (channel zalo|sms|messenger, url, text), ``alert`` (note).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from centric.activation._filters import parse_filters
from centric.activation._rows import delete_row, now_utc, slug, upsert_row
from centric.exceptions import InputError

__all__ = [
    "TRIGGERS",
    "Automation",
    "delete_automation",
    "get_automation",
    "list_automations",
    "parse_definition",
    "save_automation",
]

TRIGGERS: dict[str, dict[str, Any]] = {
    "cart_abandoned": {"wait_hours": 2.0, "lookback_hours": 72.0},
    "score_threshold": {"field": "churn_risk", "op": "ge", "value": 0.7},
    "survey_detractor": {"instrument": "nps", "max_score": 6.0, "lookback_days": 7.0},
    "birthday": {"days_before": 0},
    "first_purchase_anniversary": {"days_before": 0},
    "tet": {"days_before": 7},
    "schedule": {"every": "week", "at": "09:00"},
    "manual": {"campaign": "default"},
}
ACTIONS: dict[str, dict[str, Any]] = {
    "email": {"template_id": None},
    "webhook": {"channel": "zalo", "url": None, "text": "{{ greeting }} {{ brand }}"},
    "alert": {"note": ""},
}
CHANNEL_PURPOSE = {
    "email": "marketing_email",
    "zalo": "marketing_zalo",
    "sms": "marketing_sms",
    "messenger": "marketing_messenger",
    "alert": "service",
}
DEFAULT_GUARDS: dict[str, Any] = {
    "quiet_hours": "21:00-08:00",
    "frequency_cap": {"max": 1, "hours": 24.0},
    "holdout": 0.1,
}
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Automation:
    """A validated automation."""

    automation_id: str
    name: str
    trigger: dict[str, Any]
    conditions: list[dict[str, Any]]
    action: dict[str, Any]
    guards: dict[str, Any]
    conversion_days: int = 7
    enabled: bool = True

    @property
    def channel(self) -> str:
        """The channel the action uses: email, zalo, sms, messenger or alert."""
        a = self.action
        return "email" if a["type"] == "email" else "alert" if a["type"] == "alert" else str(a["channel"])

    @property
    def purpose(self) -> str:
        """The consent purpose checked at send time."""
        return CHANNEL_PURPOSE[self.channel]

    def definition(self) -> dict[str, Any]:
        """The JSON-able definition."""
        return {
            "trigger": self.trigger,
            "conditions": self.conditions,
            "action": self.action,
            "guards": self.guards,
            "conversion_days": self.conversion_days,
        }


def _bad(where: str, msg: str) -> InputError:
    return InputError(f"Automation {where}: {msg}")


def _merge(where: str, given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    extra = sorted(set(given) - set(defaults) - {"type"})
    if extra:
        raise _bad(where, f"unknown keys {extra}; allowed: {sorted(defaults)}.")
    return {**defaults, **given}


def parse_definition(definition: str | dict[str, Any]) -> dict[str, Any]:
    """Validate a definition (JSON text or dict); returns it with defaults filled in."""
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"The automation definition is not valid JSON ({exc.msg} at character {exc.pos})."
            ) from None
    if not isinstance(definition, dict):
        raise InputError(f"An automation definition is a JSON object; got {definition!r}.")
    extra = sorted(set(definition) - {"trigger", "conditions", "action", "guards", "conversion_days"})
    if extra:
        raise InputError(
            f"Unknown keys in the automation definition: {extra}; allowed: trigger, conditions, action, "
            "guards, conversion_days."
        )
    trig = dict(definition.get("trigger") or {})
    if trig.get("type") not in TRIGGERS:
        raise _bad("trigger", f"type {trig.get('type')!r} is not known; allowed: {', '.join(TRIGGERS)}.")
    trig = _merge(f"trigger {trig['type']!r}", trig, TRIGGERS[trig["type"]])
    if trig["type"] == "score_threshold" and trig["op"] not in ("ge", "le"):
        raise _bad("trigger", f"score_threshold op must be 'ge' or 'le'; got {trig['op']!r}.")
    if trig["type"] == "score_threshold":
        parse_filters([{"field": trig["field"], "op": trig["op"], "value": trig["value"]}])
    if trig["type"] == "schedule":
        if trig["every"] not in ("day", "week", "month"):
            raise _bad("trigger", f"schedule 'every' must be day, week or month; got {trig['every']!r}.")
        if not _HHMM.match(str(trig["at"])):
            raise _bad("trigger", f"schedule 'at' must be HH:MM; got {trig['at']!r}.")
    act = dict(definition.get("action") or {})
    if act.get("type") not in ACTIONS:
        raise _bad("action", f"type {act.get('type')!r} is not known; allowed: {', '.join(ACTIONS)}.")
    act = _merge(f"action {act['type']!r}", act, ACTIONS[act["type"]])
    if act["type"] == "email" and not act["template_id"]:
        raise _bad("action", "an e-mail action needs a 'template_id'.")
    if act["type"] == "webhook":
        if act["channel"] not in ("zalo", "sms", "messenger"):
            raise _bad("action", f"webhook channel must be zalo, sms or messenger; got {act['channel']!r}.")
        if not str(act.get("url") or "").startswith(("http://", "https://")):
            raise _bad("action", f"a webhook needs an http(s) 'url'; got {act.get('url')!r}.")
    guards = _merge("guards", dict(definition.get("guards") or {}), DEFAULT_GUARDS)
    qh = guards["quiet_hours"]
    if qh is not None:
        a, _, b = str(qh).partition("-")
        if not (_HHMM.match(a) and _HHMM.match(b)):
            raise _bad("guards", f"quiet_hours must be 'HH:MM-HH:MM' (local time) or null; got {qh!r}.")
    cap = guards["frequency_cap"]
    if cap is not None:
        if not isinstance(cap, dict) or set(cap) != {"max", "hours"} or int(cap["max"]) < 1 or float(cap["hours"]) <= 0:
            raise _bad("guards", f"frequency_cap must be {{'max': n ≥ 1, 'hours': h > 0}} or null; got {cap!r}.")
        if act["type"] == "webhook" and act["channel"] == "sms" and int(cap["max"]) / float(cap["hours"]) > 3 / 24:
            raise _bad("guards", "SMS may carry at most 3 advertisements per number per 24 h (Decree 91/2020).")
    h = guards["holdout"]
    if not isinstance(h, int | float) or not 0 <= float(h) < 1:
        raise _bad("guards", f"holdout must be a share in [0, 1); got {h!r}.")
    days = definition.get("conversion_days", 7)
    if not isinstance(days, int) or days < 1:
        raise InputError(f"conversion_days must be a whole number of days ≥ 1; got {days!r}.")
    return {
        "trigger": trig,
        "conditions": parse_filters(definition.get("conditions") or []),
        "action": act,
        "guards": guards,
        "conversion_days": days,
    }


def _from_row(aid: str, name: str, definition: str, enabled: Any) -> Automation:
    d = parse_definition(definition)
    return Automation(
        aid,
        name,
        d["trigger"],
        d["conditions"],
        d["action"],
        d["guards"],
        d["conversion_days"],
        bool(enabled) if enabled is not None else True,
    )


def save_automation(
    store: Any, name: str, definition: str | dict[str, Any], *, automation_id: str | None = None, enabled: bool = True
) -> Automation:
    """Validate and store an automation (replacing one with the same id)."""
    d = parse_definition(definition)
    if d["action"]["type"] == "email":
        from centric.activation._templates import get_template

        get_template(store, d["action"]["template_id"])
    aid = automation_id or slug(name)
    now = now_utc()
    upsert_row(
        store,
        "automations",
        {"automation_id": aid},
        {
            "automation_id": aid,
            "name": name,
            "definition": json.dumps(d, ensure_ascii=False),
            "enabled": enabled,
            "created_at": now,
            "updated_at": now,
        },
    )
    return _from_row(aid, name, json.dumps(d), enabled)


def list_automations(store: Any) -> list[Automation]:
    """All stored automations, by id."""
    df = store.table("automations").execute().sort_values("automation_id")
    return [_from_row(r.automation_id, r.name, r.definition, r.enabled) for r in df.itertuples()]


def get_automation(store: Any, automation_id: str) -> Automation:
    """The automation ``automation_id`` or a clear error listing those there are."""
    autos = list_automations(store)
    for a in autos:
        if a.automation_id == automation_id:
            return a
    raise InputError(f"No automation {automation_id!r}; stored: {[a.automation_id for a in autos] or 'none'}.")


def delete_automation(store: Any, automation_id: str) -> bool:
    """Delete an automation; True when it existed."""
    return delete_row(store, "automations", {"automation_id": automation_id}) > 0
