"""Signed survey links for one customer, and the one-click e-mail snippet built from them.

The token is ``centric._tokens.sign(secret, "survey", {"c": customer_id, "s": survey_id})``; the
form is ``{base}/s/{survey_id}?t=TOKEN`` and a one-click answer is
``{base}/s/{survey_id}/1?score=N&t=TOKEN`` (the score is a plain parameter: the token says who
answers which survey, and each answer set is keyed by the token, so clicking again only updates it).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from centric._tokens import InvalidTokenError, sign, verify
from centric.surveys._definitions import Survey

__all__ = ["email_snippet", "one_click_links", "read_token", "survey_link", "survey_token"]

TOKEN_KIND = "survey"


def survey_token(secret: bytes, survey_id: str, customer_id: str, *, ttl_days: float | None = 90) -> str:
    """The signed token of ``customer_id``'s link to ``survey_id``."""
    return sign(secret, TOKEN_KIND, {"c": customer_id, "s": survey_id}, ttl_days=ttl_days)


def read_token(secret: bytes, survey_id: str, token: str) -> str:
    """The customer_id of a valid token for ``survey_id``; :class:`InvalidTokenError` otherwise."""
    data = verify(secret, TOKEN_KIND, token)
    if data.get("s") != survey_id or not isinstance(data.get("c"), str):
        raise InvalidTokenError("This link is not valid: it was made for another survey. / Liên kết không hợp lệ.")
    return str(data["c"])


def survey_link(base_url: str, survey_id: str, token: str, *, lang: str | None = None) -> str:
    """The form link."""
    q = {"t": token, **({"lang": lang} if lang else {})}
    return f"{base_url.rstrip('/')}/s/{survey_id}?{urlencode(q)}"


def one_click_links(base_url: str, survey: Survey, token: str, *, lang: str | None = None) -> list[tuple[int, str]]:
    """``(score, url)`` for every option of the survey's one-click question."""
    q = survey.question(survey.one_click or survey.questions[0].id)
    out = []
    for score in q.points:
        params: dict[str, Any] = {"score": score, "t": token, **({"lang": lang} if lang else {})}
        out.append((score, f"{base_url.rstrip('/')}/s/{survey.id}/1?{urlencode(params)}"))
    return out


def email_snippet(survey: Survey, links: list[tuple[int, str]], *, lang: str = "vi", brand: str | None = None) -> str:
    """HTML to paste in an e-mail: the question and one button per score (inline styles only)."""
    from centric.surveys._render import question_text

    q = survey.question(survey.one_click or survey.questions[0].id)
    cells = "".join(
        f'<td style="padding:2px"><a href="{escape(url)}" style="display:inline-block;min-width:28px;'
        f'padding:8px 4px;border:1px solid #1a56db;border-radius:4px;color:#1a56db;text-align:center;'
        f'text-decoration:none;font:16px sans-serif">{score}</a></td>'
        for score, url in links
    )
    ends = ""
    if q.label(q.min, lang) or q.label(q.max, lang):
        ends = (f'<tr><td colspan="{len(links)}" style="font:12px sans-serif;color:#555">'
                f'{escape(q.label(q.min, lang))} … {escape(q.label(q.max, lang))}</td></tr>')
    return (f'<p style="font:16px sans-serif">{escape(question_text(q, lang, brand))}</p>\n'
            f'<table role="presentation" style="border-collapse:collapse"><tr>{cells}</tr>{ends}</table>\n')
