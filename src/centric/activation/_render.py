"""Rendering e-mail templates for one customer in a Jinja2 sandbox.

Templates run in :class:`jinja2.sandbox.SandboxedEnvironment` with ``StrictUndefined``; the HTML part
is autoescaped. Before a template is saved or used it is checked: every variable it names must be
one of :data:`FIELDS`, and it may not touch attributes or items whose name starts with ``_`` (the way
to reach Python internals). A refusal is a :class:`TemplateRefusedError` naming the field.

The context a template sees (:func:`customer_context`):

``greeting``        "Chào chị Thủy," / "Chào anh Sơn," / "Kính chào Quý khách," (en: "Hi Thủy,")
``honorific``       "chị" / "anh" / "Quý khách" (from gender; unknown → Quý khách)
``Honorific``       the same, capitalised for the start of a sentence
``addressee``       "chị Thủy" / "anh Sơn" / "Quý khách" (en: the given name, else "customer")
``Addressee``       the same, capitalised ("Chị Thủy")
``given_name``      the last word of the Vietnamese full name ("Lê Bảo Thủy" → "Thủy")
``full_name``       the display name
``products``        list of {name, category, because} (recommendations, else the cart, else best sellers)
``persona_line``    a sentence chosen for the customer's RFM segment / persona
``preferences_url`` the signed preference-centre link (also the unsubscribe link)
``unsubscribe_url`` the same link
``brand``           the sender's brand name
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from centric.exceptions import InputError

__all__ = [
    "FIELDS",
    "RenderedEmail",
    "TemplateRefusedError",
    "addressee",
    "check_template",
    "given_name",
    "greeting",
    "honorific",
    "render_email",
]

FIELDS = (
    "Addressee",
    "Honorific",
    "addressee",
    "brand",
    "full_name",
    "given_name",
    "greeting",
    "honorific",
    "persona_line",
    "preferences_url",
    "products",
    "unsubscribe_url",
)


class TemplateRefusedError(InputError):
    """A template names a field that does not exist or reaches for Python internals."""


@dataclass
class RenderedEmail:
    """The three rendered parts, NFC-normalised."""

    subject: str
    text: str
    html: str
    context: dict[str, Any] = field(default_factory=dict)


def _env(autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=autoescape, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


_HTML = _env(True)
_TEXT = _env(False)


def nfc(text: str) -> str:
    """Unicode NFC (Vietnamese typed on some keyboards arrives decomposed)."""
    return unicodedata.normalize("NFC", text)


def honorific(gender: str | None, lang: str = "vi") -> str:
    """``chị`` for women, ``anh`` for men, ``Quý khách`` when unknown (en: ``""``)."""
    g = (gender or "").strip().lower()
    if lang == "en":
        return ""
    if g in ("female", "nữ", "nu", "f"):
        return "chị"
    if g in ("male", "nam", "m"):
        return "anh"
    return "Quý khách"


def given_name(full_name: str | None) -> str:
    """The given name in a Vietnamese full name: its last word (``Nguyễn Thị Minh Anh`` → ``Anh``)."""
    words = nfc(full_name or "").split()
    return words[-1] if words else ""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def addressee(full_name: str | None, gender: str | None, lang: str = "vi") -> str:
    """How to name the customer inside a sentence: ``chị Thủy``, ``anh Sơn``, ``Quý khách``."""
    name = given_name(full_name)
    if lang == "en":
        return name or "customer"
    h = honorific(gender, lang)
    return "Quý khách" if h == "Quý khách" or not name else f"{h} {name}"


def greeting(full_name: str | None, gender: str | None, lang: str = "vi") -> str:
    """The opening line: ``Chào chị Thủy,`` / ``Kính chào Quý khách,`` / ``Hi Thủy,``."""
    name = given_name(full_name)
    if lang == "en":
        return f"Hi {name}," if name else "Dear customer,"
    h = honorific(gender, lang)
    if h == "Quý khách" or not name:
        return "Kính chào Quý khách,"
    return f"Chào {h} {name},"


def _static_check(source: str, where: str) -> None:
    try:
        ast = _HTML.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRefusedError(
            f"The {where} template is not valid Jinja (line {exc.lineno}): {exc.message}."
        ) from None
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateRefusedError(
                f"The {where} template is refused: it reaches for the Python internal {name!r}. "
                "Templates may only use the fields: " + ", ".join(FIELDS) + "."
            )
    unknown = sorted(meta.find_undeclared_variables(ast) - set(FIELDS))
    if unknown:
        raise TemplateRefusedError(
            f"The {where} template is refused: it uses the field {unknown[0]!r}, which does not exist"
            + (f" (also: {', '.join(unknown[1:])})" if len(unknown) > 1 else "")
            + ". Available fields: "
            + ", ".join(FIELDS)
            + "."
        )


def check_template(subject: str, text: str | None, html: str | None) -> None:
    """Refuse a template that names a missing field or reaches Python internals (checked statically,
    then by rendering it for a sample customer in the sandbox)."""
    parts = {"subject": subject, "text": text, "HTML": html}
    for where, src in parts.items():
        if src:
            _static_check(src, where)
    sample = sample_context()
    render_email(subject, text, html, sample)


def sample_context(lang: str = "vi") -> dict[str, Any]:
    """A context for previews and checks (a made-up customer)."""
    return {
        "greeting": greeting("Nguyễn Thị Lan", "female", lang),
        "honorific": honorific("female", lang),
        "Honorific": honorific("female", lang).capitalize(),
        "addressee": addressee("Nguyễn Thị Lan", "female", lang),
        "Addressee": _cap(addressee("Nguyễn Thị Lan", "female", lang)),
        "given_name": "Lan",
        "full_name": "Nguyễn Thị Lan",
        "products": [{"name": "Áo dài lụa", "category": "Thời trang nữ", "because": ""}],
        "persona_line": "",
        "preferences_url": "https://example.invalid/p/token",
        "unsubscribe_url": "https://example.invalid/p/token",
        "brand": "Centric",
    }


def _render(env: SandboxedEnvironment, source: str, ctx: dict[str, Any], where: str) -> str:
    try:
        return nfc(env.from_string(source).render(**ctx))
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateRefusedError(
            f"The {where} template is refused: it reaches for Python internals ({exc})."
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateRefusedError(
            f"The {where} template is refused: {exc.message}. Available fields: {', '.join(FIELDS)}."
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateRefusedError(
            f"The {where} template is not valid Jinja (line {exc.lineno}): {exc.message}."
        ) from None


_TAG_RE = re.compile(r"<[^>]+>")


def _html_from_text(text: str) -> str:
    import html as _h

    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join("<p>" + _h.escape(p).replace("\n", "<br>\n") + "</p>" for p in paras)
    body = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', body)
    return f'<!doctype html>\n<html lang="vi"><head><meta charset="utf-8"></head><body>\n{body}\n</body></html>\n'


def _text_from_html(html: str) -> str:
    import html as _h

    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</h\d>", "\n", html)
    text = re.sub(r'(?i)<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", text)
    text = _h.unescape(_TAG_RE.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip() + "\n"


def render_email(subject: str, text: str | None, html: str | None, ctx: dict[str, Any]) -> RenderedEmail:
    """Render the three parts for ``ctx`` in the sandbox; a missing part is derived from the other."""
    if not text and not html:
        raise TemplateRefusedError("A template needs a text or an HTML body; both are empty.")
    subj = _render(_TEXT, subject, ctx, "subject")
    subj = " ".join(subj.split())  # one line: no header injection
    text_out = _render(_TEXT, text, ctx, "text") if text else None
    html_out = _render(_HTML, html, ctx, "HTML") if html else None
    if html_out is None:
        html_out = _html_from_text(text_out or "")
    if text_out is None:
        text_out = _text_from_html(html_out)
    return RenderedEmail(subj, text_out, html_out, ctx)
