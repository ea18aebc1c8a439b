"""Survey definitions: the built-in NPS, CSAT, CES 2.0 and life-impact surveys, and custom ones.

A definition is plain data (JSON): an id, a title and questions in Vietnamese and English, each
question naming the ``feedback.instrument`` its answers are stored under, the instrument version
and the scale. The built-in definitions live in ``centric/surveys/definitions/*.json`` with the
standard wordings of DOMAIN.md §1.1–1.3, §2.2 and §4.3; custom definitions are stored in the
``surveys`` table with :func:`define_survey`.

Wording may contain ``{brand}`` / ``{Brand}`` (the brand name, lower-case / sentence start).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from centric.exceptions import InputError
from centric.schema import TABLES

__all__ = ["Question", "Survey", "builtin_surveys", "define_survey", "get_survey", "list_surveys", "parse_survey"]

LANGS = ("vi", "en")
INSTRUMENTS = TABLES["feedback"].column("instrument").allowed
#: instruments whose answers are health-related (Decree 356/2025): stored only with wellbeing consent
SENSITIVE_INSTRUMENTS = ("who5", "life_impact")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")

#: named label sets a definition can refer to ("labels": "agree5")
LABEL_SETS: dict[str, dict[str, list[str]]] = {
    "agree5": {
        "vi": ["Hoàn toàn không đồng ý", "Không đồng ý", "Trung lập", "Đồng ý", "Hoàn toàn đồng ý"],
        "en": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
    },
}


@dataclass(frozen=True)
class Question:
    """One question: a ``scale`` (integer ``min``…``max``) or free ``text``."""

    id: str
    instrument: str
    instrument_version: str
    type: str
    min: int
    max: int
    text: dict[str, str]
    labels: dict[str, list[str]]
    low_label: dict[str, str]
    high_label: dict[str, str]

    @property
    def points(self) -> list[int]:
        """The answer options of a scale question."""
        return list(range(self.min, self.max + 1)) if self.type == "scale" else []

    def label(self, score: int, lang: str) -> str:
        """The label of one answer option ('' when the scale only labels its ends)."""
        if self.labels:
            return self.labels[lang][score - self.min]
        if score == self.min:
            return self.low_label.get(lang, "")
        if score == self.max:
            return self.high_label.get(lang, "")
        return ""


@dataclass(frozen=True)
class Survey:
    """A survey: its questions, optional follow-up and the consent purpose it needs (if any)."""

    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]
    followup: dict[str, str]
    touchpoint: str
    purpose: str | None
    one_click: str | None
    source: str
    builtin: bool

    def question(self, qid: str) -> Question:
        """The question ``qid``."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise InputError(
            f"Survey {self.id!r} has no question {qid!r}; its questions are {[q.id for q in self.questions]}."
        )

    @property
    def sensitive(self) -> bool:
        """Whether answers are wellbeing data that need the ``wellbeing_survey`` consent."""
        return self.purpose == "wellbeing_survey" or any(q.instrument in SENSITIVE_INSTRUMENTS for q in self.questions)

    def to_dict(self) -> dict[str, Any]:
        """The definition as JSON-ready data (what :func:`define_survey` takes)."""
        qs = []
        for q in self.questions:
            d: dict[str, Any] = {"id": q.id, "instrument": q.instrument, "instrument_version": q.instrument_version,
                                 "type": q.type, "text": q.text}
            if q.type == "scale":
                d.update(min=q.min, max=q.max)
            for k in ("labels", "low_label", "high_label"):
                if getattr(q, k):
                    d[k] = getattr(q, k)
            qs.append(d)
        out: dict[str, Any] = {"id": self.id, "title": self.title, "touchpoint": self.touchpoint, "questions": qs}
        for k in ("followup", "purpose", "one_click", "source"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        return out


def _texts(d: Any, where: str, *, required: bool = True) -> dict[str, str]:
    if d is None and not required:
        return {}
    if not isinstance(d, dict) or any(not isinstance(d.get(lang), str) or not d[lang].strip() for lang in LANGS):
        raise InputError(f"{where} must give the text in both languages, e.g. {{'vi': '…', 'en': '…'}}; got {d!r}.")
    return {lang: str(d[lang]) for lang in LANGS}


def _question(d: Any, sid: str) -> Question:
    if not isinstance(d, dict):
        raise InputError(f"Survey {sid!r}: each question must be an object; got {d!r}.")
    qid = d.get("id")
    where = f"Survey {sid!r}, question {qid!r}"
    if not isinstance(qid, str) or not _ID.match(qid):
        raise InputError(f"Survey {sid!r}: question id {qid!r} must be 1–48 lower-case letters, digits, '_' or '-'.")
    instrument = d.get("instrument", "custom")
    if instrument not in INSTRUMENTS:
        raise InputError(f"{where}: 'instrument' {instrument!r} is not one of {list(INSTRUMENTS)}.")
    qtype = d.get("type", "scale")
    if qtype not in ("scale", "text"):
        raise InputError(f"{where}: 'type' {qtype!r} must be 'scale' or 'text'.")
    lo, hi = d.get("min", 0), d.get("max", 0)
    labels: Any = d.get("labels") or {}
    if qtype == "scale":
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi)) or not 0 <= lo < hi <= 10:
            raise InputError(f"{where}: a scale needs integers 0 ≤ min < max ≤ 10; got min={lo!r}, max={hi!r}.")
        if isinstance(labels, str):
            if labels not in LABEL_SETS:
                raise InputError(f"{where}: label set {labels!r} is not one of {sorted(LABEL_SETS)}.")
            labels = LABEL_SETS[labels]
        if labels and any(len(labels.get(lang) or []) != hi - lo + 1 for lang in LANGS):
            raise InputError(f"{where}: 'labels' must have {hi - lo + 1} entries in 'vi' and in 'en'.")
    elif instrument != "custom":
        raise InputError(f"{where}: a text question is stored as instrument 'custom', not {instrument!r}.")
    if instrument == "ces" and str(d.get("instrument_version", "")) not in ("1.0", "2.0"):
        raise InputError(f"{where}: a CES question needs 'instrument_version' '1.0' or '2.0' (they are never pooled).")
    return Question(
        id=qid,
        instrument=instrument,
        instrument_version=str(d.get("instrument_version", "1.0")),
        type=qtype,
        min=int(lo),
        max=int(hi),
        text=_texts(d.get("text"), f"{where}: 'text'"),
        labels={k: list(v) for k, v in dict(labels).items()},
        low_label=_texts(d.get("low_label"), f"{where}: 'low_label'", required=False),
        high_label=_texts(d.get("high_label"), f"{where}: 'high_label'", required=False),
    )


def parse_survey(d: Any, *, builtin: bool = False) -> Survey:
    """Validate a definition (a dict, as in ``definitions/nps.json``) and return the :class:`Survey`."""
    if not isinstance(d, dict):
        raise InputError(f"A survey definition must be a JSON object; got {type(d).__name__}.")
    sid = d.get("id")
    if not isinstance(sid, str) or not _ID.match(sid):
        raise InputError(
            f"Survey id {sid!r} must be 1–48 lower-case letters, digits, '_' or '-' (e.g. 'nps-delivery')."
        )
    qs = d.get("questions")
    if not isinstance(qs, list) or not qs:
        raise InputError(f"Survey {sid!r} needs a non-empty list 'questions'.")
    questions = tuple(_question(q, sid) for q in qs)
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise InputError(f"Survey {sid!r}: question ids must be unique; got {ids}.")
    purpose = d.get("purpose")
    if purpose is not None:
        from centric.privacy import purpose as _purpose

        purpose = _purpose(purpose).id
    one_click = d.get("one_click")
    if one_click is not None and (one_click not in ids or len(questions) != 1):
        raise InputError(f"Survey {sid!r}: 'one_click' {one_click!r} must name the only question of the survey.")
    survey = Survey(
        id=sid,
        title=_texts(d.get("title"), f"Survey {sid!r}: 'title'"),
        questions=questions,
        followup=_texts(d.get("followup"), f"Survey {sid!r}: 'followup'", required=False),
        touchpoint=str(d.get("touchpoint") or "survey"),
        purpose=purpose,
        one_click=one_click,
        source=str(d.get("source") or ""),
        builtin=builtin,
    )
    if survey.sensitive and survey.purpose != "wellbeing_survey":
        raise InputError(f"Survey {sid!r} asks wellbeing questions; set \"purpose\": \"wellbeing_survey\".")
    return survey


@cache
def builtin_surveys() -> dict[str, Survey]:
    """The surveys that ship with Centric: ``nps``, ``csat``, ``ces`` (2.0) and ``life_impact``."""
    folder = resources.files("centric.surveys").joinpath("definitions")
    out = {}
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.endswith(".json"):
            s = parse_survey(json.loads(f.read_text("utf-8")), builtin=True)
            out[s.id] = s
    return out


def _custom(store: Any) -> dict[str, Survey]:
    df = store.table("surveys").select("survey_id", "definition").execute()
    return {str(r.survey_id): parse_survey(json.loads(r.definition)) for r in df.itertuples()}


def list_surveys(store: Any | None = None) -> list[Survey]:
    """Built-in surveys, then the custom ones stored in ``store`` (by id)."""
    out = dict(builtin_surveys())
    if store is not None:
        out.update({k: v for k, v in _custom(store).items() if k not in out})
    return list(out.values())


def get_survey(store: Any | None, survey_id: str) -> Survey:
    """The survey ``survey_id`` (built-in or stored), or :class:`InputError` naming the ones there are."""
    builtin = builtin_surveys()
    if survey_id in builtin:
        return builtin[survey_id]
    if store is not None and isinstance(survey_id, str) and _ID.match(survey_id):
        t = store.table("surveys")
        df = t.filter(t.survey_id == survey_id).select("definition").execute()
        if len(df):
            return parse_survey(json.loads(df["definition"].iloc[0]))
    known = [s.id for s in list_surveys(store)]
    raise InputError(f"Unknown survey {survey_id!r}; the surveys are: {', '.join(known)}.")


def define_survey(store: Any, definition: dict[str, Any], *, by: str = "system") -> Survey:
    """Validate and store a custom survey definition; the same id twice replaces the first.

    Built-in ids (``nps``, ``csat``, ``ces``, ``life_impact``) cannot be redefined.
    """
    survey = parse_survey(definition)
    if survey.id in builtin_surveys():
        raise InputError(f"Survey id {survey.id!r} is built in; choose another id (e.g. '{survey.id}-custom').")
    t = store.table("surveys")
    keep = t.filter(t.survey_id != survey.id)
    row = pd.DataFrame([{"survey_id": survey.id, "definition": json.dumps(survey.to_dict(), ensure_ascii=False),
                         "created_at": pd.Timestamp(_dt.datetime.now(_dt.UTC)), "created_by": by}])
    rest = keep.execute()
    store.replace("surveys", pd.concat([rest, row], ignore_index=True) if len(rest) else row)
    return survey
