"""E-mail templates made from a sample e-mail, stored in ``email_templates``, and customer contexts.

:func:`template_from_sample` takes the e-mail a marketer pasted (text or HTML, optionally starting
with a ``Subject:`` / ``Tiêu đề:`` line) and turns it into a Jinja template:

* the greeting line ("Chào chị Lan," / "Dear Lan,") becomes ``{{ greeting }}``, followed by
  ``{{ persona_line }}``;
* the sample's honorific + name ("chị Lan") becomes ``{{ addressee }}``, the bare name
  ``{{ given_name }}``, and a lone "anh"/"chị" ``{{ honorific }}`` (``{{ Honorific }}`` capitalised);
* the first bulleted list (text) or ``<ul>`` (HTML) becomes the recommended products (a products
  block is added when the sample has none);
* a footer with the preference-centre / unsubscribe link is added unless the sample links it.
"""

from __future__ import annotations

import html as _h
import re
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from centric.activation._render import (
    TemplateRefusedError,
    addressee,
    check_template,
    given_name,
    greeting,
    honorific,
    nfc,
)
from centric.activation._rows import now_utc, slug, upsert_row
from centric.i18n import t

__all__ = [
    "EmailTemplate",
    "customer_contexts",
    "get_template",
    "list_templates",
    "save_template",
    "template_from_sample",
]

_GREET_RE = re.compile(
    r"^(?P<lead>\s*(?:<[^>]+>\s*)*)(?P<word>Xin chào|Kính gửi|Kính chào|Thân gửi|Thân chào|Chào|Dear|Hi|Hello)"
    r"(?:\s+(?P<hon>anh|chị|Anh|Chị|em|bạn|Quý khách|quý khách|Mr\.?|Ms\.?|Mrs\.?))?"
    r"(?:\s+(?P<name>[^\W\d_][\w]*(?:\s+[^\W\d_][\w]*){0,3}))?\s*(?P<punct>[,!:]?)",
    re.MULTILINE,
)
_SUBJECT_RE = re.compile(r"^\s*(?:Subject|Tiêu đề|Chủ đề)\s*:\s*(?P<s>.+?)\s*$", re.MULTILINE | re.IGNORECASE)
_BULLETS_RE = re.compile(r"(?:^[ \t]*[-•*][ \t]+.+\n?)+", re.MULTILINE)
_UL_RE = re.compile(r"<ul\b[^>]*>.*?</ul>", re.IGNORECASE | re.DOTALL)
_HTML_HINT_RE = re.compile(r"<(?:html|body|p|div|br|table|ul|a)\b", re.IGNORECASE)

TEXT_PRODUCTS = "{% for p in products %}- {{ p.name }}{% if p.because %} ({{ p.because }}){% endif %}\n{% endfor %}"
HTML_PRODUCTS = (
    "<ul>{% for p in products %}<li>{{ p.name }}{% if p.because %} <small>({{ p.because }})</small>"
    "{% endif %}</li>{% endfor %}</ul>"
)


@dataclass(frozen=True)
class EmailTemplate:
    """A stored template: Jinja sources of the subject, the text part and the HTML part."""

    template_id: str
    name: str
    subject: str
    text: str | None
    html: str | None


def _personalise_words(body: str, hon: str | None, name: str | None) -> str:
    if hon and name and hon.lower() in ("anh", "chị"):
        body = re.sub(rf"\b{re.escape(hon.lower())}\s+{re.escape(name)}\b", "{{ addressee }}", body)
        body = re.sub(rf"\b{re.escape(hon.capitalize())}\s+{re.escape(name)}\b", "{{ Addressee }}", body)
    if name:
        body = re.sub(rf"(?<![\w{{]){re.escape(name)}\b", "{{ given_name }}", body)
    if hon and hon.lower() in ("anh", "chị"):
        body = re.sub(rf"(?<![\w{{]){re.escape(hon.lower())}\b(?![\w}}])", "{{ honorific }}", body)
        body = re.sub(rf"(?<![\w{{]){re.escape(hon.capitalize())}\b(?![\w}}])", "{{ Honorific }}", body)
    return body


def template_from_sample(sample: str, *, lang: str = "vi") -> tuple[str, str | None, str | None]:
    """Turn a pasted sample e-mail into ``(subject, text, html)`` Jinja sources (one body is None)."""
    src = nfc(sample).replace("\r\n", "\n").strip("\n")
    if not src.strip():
        raise TemplateRefusedError("The sample e-mail is empty; paste the text or HTML of an e-mail you like.")
    m = _SUBJECT_RE.search(src)
    subject = None
    if m and m.start() == len(src[: m.start()]) and not src[: m.start()].strip():
        subject = m.group("s")
        src = src[m.end() :].lstrip("\n")
    is_html = bool(_HTML_HINT_RE.search(src))
    g = _GREET_RE.search(src)
    hon = name = None
    if g:
        hon, name = g.group("hon"), g.group("name")
        src = src[: g.start()] + g.group("lead") + "{{ greeting }}" + "\x00" + src[g.end() :]
    src = _personalise_words(src, hon, name)
    if subject is not None:
        subject = _personalise_words(subject, hon, name)
    else:
        subject = t("activation.default_subject", lang)
    if is_html:
        if "\x00" in src:
            head, tail = src.split("\x00", 1)
            close = re.search(r"</p>|<br\s*/?>|</div>", tail, re.IGNORECASE)
            cut = close.end() if close else 0
            src = head + tail[:cut] + "{% if persona_line %}<p>{{ persona_line }}</p>{% endif %}" + tail[cut:]
        if _UL_RE.search(src):
            src = _UL_RE.sub(lambda _m: HTML_PRODUCTS, src, count=1)
        else:
            block = f"<p>{_h.escape(t('activation.products_heading', lang))}</p>{HTML_PRODUCTS}"
            src = _insert_html(src, block)
        if "preferences_url" not in src and "unsubscribe_url" not in src:
            footer = (
                f'<p style="font-size:12px;color:#666">{t("activation.footer", lang)} '
                f'<a href="{{{{ preferences_url }}}}">{t("activation.footer_link", lang)}</a></p>'
            )
            src = _insert_html(src, footer)
        return subject, None, src
    src = src.replace("\x00", "{% if persona_line %}\n{{ persona_line }}{% endif %}")
    if _BULLETS_RE.search(src):
        src = _BULLETS_RE.sub(lambda _m: TEXT_PRODUCTS, src, count=1)
    else:
        src = src.rstrip("\n") + "\n\n" + t("activation.products_heading", lang) + "\n" + TEXT_PRODUCTS
    if "preferences_url" not in src and "unsubscribe_url" not in src:
        src = src.rstrip("\n") + "\n\n--\n" + t("activation.footer", lang) + "\n{{ preferences_url }}\n"
    return subject, src, None


def _insert_html(src: str, block: str) -> str:
    m = re.search(r"</body>", src, re.IGNORECASE)
    return src[: m.start()] + block + src[m.start() :] if m else src + block


def save_template(
    store: Any, name: str, subject: str, text: str | None, html: str | None, *, template_id: str | None = None
) -> EmailTemplate:
    """Check the template in the sandbox (refusing missing fields and internals) and store it."""
    check_template(subject, text, html)
    tid = template_id or slug(name)
    upsert_row(
        store,
        "email_templates",
        {"template_id": tid},
        {
            "template_id": tid,
            "name": name,
            "subject": subject,
            "text": text,
            "html": html,
            "created_at": now_utc(),
        },
    )
    return EmailTemplate(tid, name, subject, text, html)


def list_templates(store: Any) -> list[EmailTemplate]:
    """All stored templates."""
    df = store.table("email_templates").execute().sort_values("template_id")
    return [EmailTemplate(r.template_id, r.name, r.subject, _s(r.text), _s(r.html)) for r in df.itertuples()]


def _s(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def get_template(store: Any, template_id: str) -> EmailTemplate:
    """The stored template ``template_id`` or a clear error listing the templates there are."""
    found = [x for x in list_templates(store) if x.template_id == template_id]
    if not found:
        known = [x.template_id for x in list_templates(store)]
        raise TemplateRefusedError(
            f"No e-mail template {template_id!r}; stored templates: {known or 'none'}. "
            "Make one with 'centric email template --sample FILE --name NAME'."
        )
    return found[0]


def _best_sellers(store: Any, k: int = 3) -> list[dict[str, str]]:
    items, products = store.table("order_items"), store.table("products")
    top = items.group_by("product_id").aggregate(n=items.quantity.sum()).order_by(ibis.desc("n")).limit(k)
    df = (
        top.join(products, "product_id")
        .select("product_id", "name", "category", "n")
        .order_by(ibis.desc("n"))
        .execute()
    )
    return [
        {"product_id": r.product_id, "name": r.name, "category": r.category or "", "because": ""}
        for r in df.itertuples()
    ]


def customer_contexts(
    store: Any,
    customer_ids: list[str],
    *,
    lang: str,
    prefs_url: Any,
    brand: str = "Centric",
    products: dict[str, list[dict[str, str]]] | None = None,
    k: int = 3,
) -> dict[str, dict[str, Any]]:
    """Template contexts for ``customer_ids`` (one query per table, not per customer).

    ``prefs_url(customer_id) -> str`` makes the signed preference-centre link; ``products`` overrides
    the recommended products per customer (e.g. the abandoned cart's items).
    """
    from jinja2.sandbox import SandboxedEnvironment

    ids = list(dict.fromkeys(customer_ids))
    cust = store.table("customers")
    people = cust.filter(cust.customer_id.isin(ids)).select("customer_id", "display_name", "gender").execute()
    people = people.drop_duplicates("customer_id").set_index("customer_id")
    seg: dict[str, str] = {}
    if store.has_table("customer_personas"):
        p = store.table("customer_personas")
        if "rfm_segment" in p.columns:
            df = p.filter(p.customer_id.isin(ids)).select("customer_id", "rfm_segment").execute()
            seg = dict(zip(df.customer_id, df.rfm_segment, strict=True))
    recs: dict[str, list[dict[str, str]]] = {}
    if store.has_table("recommendations"):
        r = store.table("recommendations")
        want = {"customer_id", "rank", "product_name"}
        if want <= set(r.columns):
            because = f"because_{lang}" if f"because_{lang}" in r.columns else None
            cols = [
                "customer_id",
                "rank",
                "product_name",
                *(["category"] if "category" in r.columns else []),
                *([because] if because else []),
            ]
            df = (
                r.filter(r.customer_id.isin(ids) & (r["rank"] <= k))
                .select(*cols)
                .execute()
                .sort_values(["customer_id", "rank"])
            )
            for row in df.to_dict("records"):
                recs.setdefault(row["customer_id"], []).append(
                    {
                        "name": row["product_name"],
                        "category": row.get("category") or "",
                        "because": (row.get(because) if because else "") or "",
                    }
                )
    fallback: list[dict[str, str]] | None = None
    env = SandboxedEnvironment(autoescape=False)
    out: dict[str, dict[str, Any]] = {}
    for cid in ids:
        row = people.loc[cid] if cid in people.index else None
        full = nfc(str(row["display_name"])) if row is not None and isinstance(row["display_name"], str) else ""
        gender = row["gender"] if row is not None and isinstance(row["gender"], str) else None
        addr = addressee(full, gender, lang)
        prods = (products or {}).get(cid) or recs.get(cid)
        if not prods:
            if fallback is None:
                fallback = _best_sellers(store, k)
            prods = fallback
        line_key = f"activation.persona.{seg.get(cid, '')}"
        line_src = t(line_key, lang) if seg.get(cid) else ""
        line = (
            env.from_string(line_src).render(addressee=addr, brand=brand) if line_src and line_src != line_key else ""
        )
        url = prefs_url(cid)
        h = honorific(gender, lang)
        out[cid] = {
            "greeting": greeting(full, gender, lang),
            "honorific": h,
            "Honorific": h[:1].upper() + h[1:],
            "addressee": addr,
            "Addressee": addr[:1].upper() + addr[1:],
            "given_name": given_name(full),
            "full_name": full,
            "products": prods,
            "persona_line": nfc(line),
            "preferences_url": url,
            "unsubscribe_url": url,
            "brand": brand,
        }
    return out


_ = pd  # pandas frames come back from execute()
