"""Activation: audiences, guarded automations, e-mail written from a sample, channels.

Core only: the CLI (``centric audiences|automations|email``) and the web routes call these.
"""

from centric.activation._audiences import (
    Audience,
    audience_members,
    delete_audience,
    export_audience,
    get_audience,
    list_audiences,
    save_audience,
)
from centric.activation._channels import message_id, post_webhook, prefs_link, track_html
from centric.activation._engine import (
    Channels,
    RunResult,
    holdout_unit,
    is_quiet,
    local_tz,
    plan_automation,
    recent_counts,
    run_automation,
    run_automations,
)
from centric.activation._filters import FIELDS, OPS, parse_filters
from centric.activation._hashing import hash_email, hash_phone, normalise_email_for, normalise_phone_for
from centric.activation._mail import EmailTransport, MemoryTransport, SMTPConfig, SMTPTransport, build_message, deliver
from centric.activation._render import (
    TemplateRefusedError,
    check_template,
    given_name,
    greeting,
    honorific,
    render_email,
)
from centric.activation._rules import (
    TRIGGERS,
    Automation,
    delete_automation,
    get_automation,
    list_automations,
    parse_definition,
    save_automation,
)
from centric.activation._send import send_campaign
from centric.activation._templates import (
    EmailTemplate,
    customer_contexts,
    get_template,
    list_templates,
    save_template,
    template_from_sample,
)
from centric.activation._uplift import automation_report, newcombe_interval

__all__ = [
    "FIELDS",
    "OPS",
    "TRIGGERS",
    "Audience",
    "Automation",
    "Channels",
    "EmailTemplate",
    "EmailTransport",
    "MemoryTransport",
    "RunResult",
    "SMTPConfig",
    "SMTPTransport",
    "TemplateRefusedError",
    "audience_members",
    "automation_report",
    "build_message",
    "check_template",
    "customer_contexts",
    "delete_audience",
    "delete_automation",
    "deliver",
    "export_audience",
    "get_audience",
    "get_automation",
    "get_template",
    "given_name",
    "greeting",
    "hash_email",
    "hash_phone",
    "holdout_unit",
    "honorific",
    "is_quiet",
    "list_audiences",
    "list_automations",
    "list_templates",
    "local_tz",
    "message_id",
    "newcombe_interval",
    "normalise_email_for",
    "normalise_phone_for",
    "parse_definition",
    "parse_filters",
    "plan_automation",
    "post_webhook",
    "prefs_link",
    "recent_counts",
    "render_email",
    "run_automation",
    "run_automations",
    "save_audience",
    "save_automation",
    "save_template",
    "send_campaign",
    "template_from_sample",
    "track_html",
]
