"""Survey wording in one language, with the brand filled in (used by the form pages and e-mails)."""

from __future__ import annotations

from typing import Any

from centric.i18n import t
from centric.surveys._definitions import Question, Survey

__all__ = ["question_text", "survey_view"]


def _brand(lang: str, brand: str | None) -> str:
    return brand or t("surveys.brand", lang)


def question_text(q: Question, lang: str, brand: str | None = None) -> str:
    """The question in ``lang`` with ``{brand}`` / ``{Brand}`` filled in."""
    b = _brand(lang, brand)
    return q.text[lang].replace("{brand}", b).replace("{Brand}", b[:1].upper() + b[1:])


def survey_view(survey: Survey, lang: str, brand: str | None = None) -> dict[str, Any]:
    """Plain data for a template: title, follow-up and each question with its options."""
    return {
        "id": survey.id,
        "title": survey.title[lang],
        "followup": survey.followup.get(lang, ""),
        "sensitive": survey.sensitive,
        "questions": [
            {
                "id": q.id,
                "type": q.type,
                "text": question_text(q, lang, brand),
                "options": [{"score": s, "label": q.label(s, lang)} for s in q.points],
                "low": q.label(q.min, lang) if q.type == "scale" else "",
                "high": q.label(q.max, lang) if q.type == "scale" else "",
                "labelled": bool(q.labels),
            }
            for q in survey.questions
        ],
    }
