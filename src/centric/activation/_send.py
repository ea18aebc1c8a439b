"""One-off sends of a template to an audience, through the same guards as automations."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from centric.activation._audiences import get_audience
from centric.activation._engine import Channels, RunResult, run_automation
from centric.activation._rules import parse_definition
from centric.activation._templates import get_template

__all__ = ["send_campaign"]


def send_campaign(
    store: Any,
    template_id: str,
    audience_id: str,
    ch: Channels,
    *,
    campaign: str,
    now: _dt.datetime | None = None,
    holdout: float = 0.0,
    dry_run: bool = False,
) -> RunResult:
    """Send ``template_id`` to the audience once per ``campaign`` (consent, quiet hours, caps, dedup apply).

    The send is logged as automation ``send:{template_id}`` in ``messages``; running it again with the
    same campaign sends nothing new.
    """
    from centric.activation._rules import Automation

    get_template(store, template_id)
    aud = get_audience(store, audience_id)
    d = parse_definition(
        {
            "trigger": {"type": "manual", "campaign": campaign},
            "conditions": aud.filters,
            "action": {"type": "email", "template_id": template_id},
            "guards": {"holdout": holdout},
        }
    )
    a = Automation(
        f"send:{template_id}",
        f"send {template_id} → {audience_id}",
        d["trigger"],
        d["conditions"],
        d["action"],
        d["guards"],
        d["conversion_days"],
    )
    return run_automation(store, a, ch, now=now, dry_run=dry_run)
