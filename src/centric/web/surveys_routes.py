"""Public survey pages ``/s/...``: the form, one-click answers from e-mail, and the follow-up.

* ``GET  /s/{survey_id}``            the form (anonymous, or ``?t=TOKEN`` for a known customer)
* ``POST /s/{survey_id}``            store the answers (idempotent by the link's token or the form's nonce)
* ``GET  /s/{survey_id}/1?score=N&t=TOKEN``  one-click answer from an e-mail: stored at once, then the follow-up
* ``POST /s/{survey_id}/1``          the follow-up reason, added to the same answer

No login: the signed token says who answers. Every answer is committed before the page is sent.
A bad or altered token gives a 400 page and stores nothing. Routes only parse input and pick a
status; the work is done by :mod:`centric.surveys`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from centric._tokens import InvalidTokenError
from centric.exceptions import InputError
from centric.surveys import (
    Survey,
    add_comment,
    get_survey,
    new_nonce,
    read_token,
    response_key,
    submit_answers,
    survey_view,
)
from centric.web.templating import templates

__all__ = ["router"]

router = APIRouter(tags=["surveys"], include_in_schema=False)

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never leak it to other sites
    "X-Robots-Tag": "noindex",
}


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in ("vi", "en"):
        return str(asked)
    state_lang = getattr(request.state, "lang", None)
    if state_lang in ("vi", "en"):
        return str(state_lang)
    cookie = request.cookies.get("lang")
    if cookie in ("vi", "en"):
        return str(cookie)
    return str(getattr(request.app.state.settings, "lang", "vi"))


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = ctx.pop("lang", None) or _lang(request)
    other = "en" if lang == "vi" else "vi"
    switch = str(request.url.include_query_params(lang=other)) if request.method == "GET" else ""
    return templates.TemplateResponse(request, f"surveys/{name}",
                                      {"lang": lang, "other_lang": other, "switch_url": switch, **ctx},
                                      status_code=status, headers=_HEADERS)


def _error(request: Request, status: int, message: str, *, back: str | None = None) -> HTMLResponse:
    return _page(request, "error.html", status, message=message, back=back)


def _bad_input(request: Request, exc: InputError, *, back: str | None = None) -> HTMLResponse:
    """400: a bilingual link error is shown as is; any other error under a sentence in the page's language."""
    if isinstance(exc, InvalidTokenError):
        return _error(request, 400, str(exc))
    return _page(request, "error.html", 400, message="surveys.error_input", detail=str(exc), back=back)


def _survey(request: Request, survey_id: str) -> Survey:
    with request.app.state.store_lock:
        return get_survey(request.app.state.store, survey_id)


def _customer(request: Request, survey_id: str, token: str | None) -> str | None:
    if not token:
        return None
    return read_token(request.app.state.secret, survey_id, token)


def _consent_on_file(request: Request, survey: Survey, customer_id: str | None) -> bool:
    if not survey.sensitive or customer_id is None:
        return False
    from centric.privacy import check

    with request.app.state.store_lock:
        return check(request.app.state.store, customer_id, "wellbeing_survey").allowed


@router.get("/s/{survey_id}", response_class=HTMLResponse)
def survey_form(request: Request, survey_id: str, t: str | None = None) -> HTMLResponse:
    """The survey form."""
    lang = _lang(request)
    try:
        survey = _survey(request, survey_id)
    except InputError:
        return _error(request, 404, "surveys.error_unknown")
    try:
        customer_id = _customer(request, survey_id, t)
    except InvalidTokenError as exc:
        return _error(request, 400, str(exc))
    return _page(request, "form.html", lang=lang, survey=survey_view(survey, lang), token=t or "",
                 nonce="" if t else new_nonce(), consent_on_file=_consent_on_file(request, survey, customer_id))


@router.post("/s/{survey_id}", response_class=HTMLResponse)
async def survey_submit(request: Request, survey_id: str) -> HTMLResponse:
    """Store the form's answers."""
    form = await request.form()
    return await _run_sync(request, _submit_form, survey_id, {k: str(v) for k, v in form.items()})


async def _run_sync(request: Request, fn: Any, *args: Any) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, request, *args)


def _submit_form(request: Request, survey_id: str, form: dict[str, str]) -> HTMLResponse:
    lang = form.get("lang") if form.get("lang") in ("vi", "en") else _lang(request)
    try:
        survey = _survey(request, survey_id)
    except InputError:
        return _error(request, 404, "surveys.error_unknown")
    token = form.get("t") or None
    back = str(request.url_for("survey_form", survey_id=survey_id)) + (f"?t={token}" if token else "")
    try:
        customer_id = _customer(request, survey_id, token)
        key = response_key(survey_id, token=token, nonce=form.get("r"))
        scores = {q.id: form.get(f"q_{q.id}") for q in survey.questions if q.type == "scale"}
        texts = {q.id: form.get(f"q_{q.id}", "") for q in survey.questions if q.type == "text"}
        with request.app.state.store_lock:
            result = submit_answers(
                request.app.state.store, survey, key=key, scores=scores, texts=texts,
                comment=form.get("comment"), customer_id=customer_id, language=lang,
                consent=form.get("consent") == "yes",
            )
    except InputError as exc:
        return _bad_input(request, exc, back=back)
    if not result.saved:
        return _page(request, "not_saved.html", lang=lang, back=back)
    return _page(request, "thanks.html", lang=lang, survey=survey_view(survey, lang))


@router.get("/s/{survey_id}/1", response_class=HTMLResponse)
def one_click(request: Request, survey_id: str, score: str | None = None, t: str | None = None) -> HTMLResponse:
    """A one-click answer from an e-mail: store the score now, then ask for the reason."""
    lang = _lang(request)
    try:
        survey = _survey(request, survey_id)
    except InputError:
        return _error(request, 404, "surveys.error_unknown")
    if survey.one_click is None:
        return _error(request, 404, "surveys.error_unknown")
    try:
        if not t:
            raise InvalidTokenError("A one-click answer needs the signed link from your e-mail. / "
                                    "Cần dùng liên kết trong e-mail để trả lời bằng một lần bấm.")
        customer_id = _customer(request, survey_id, t)
        key = response_key(survey_id, token=t)
        with request.app.state.store_lock:
            submit_answers(request.app.state.store, survey, key=key, scores={survey.one_click: score},
                           customer_id=customer_id, language=lang, channel="email")
    except InputError as exc:
        return _bad_input(request, exc)
    return _page(request, "followup.html", lang=lang, survey=survey_view(survey, lang), token=t, score=int(str(score)))


@router.post("/s/{survey_id}/1", response_class=HTMLResponse)
async def one_click_followup(request: Request, survey_id: str) -> HTMLResponse:
    """The follow-up reason for a one-click answer."""
    form = await request.form()
    return await _run_sync(request, _followup, survey_id, {k: str(v) for k, v in form.items()})


def _followup(request: Request, survey_id: str, form: dict[str, str]) -> HTMLResponse:
    lang = form.get("lang") if form.get("lang") in ("vi", "en") else _lang(request)
    try:
        survey = _survey(request, survey_id)
    except InputError:
        return _error(request, 404, "surveys.error_unknown")
    token = form.get("t") or ""
    try:
        if not token:
            raise InvalidTokenError("This link is not valid. / Liên kết không hợp lệ.")
        _customer(request, survey_id, token)
        with request.app.state.store_lock:
            add_comment(request.app.state.store, survey, key=response_key(survey_id, token=token),
                        comment=form.get("comment"))
    except InputError as exc:
        return _bad_input(request, exc)
    return _page(request, "thanks.html", lang=lang, survey=survey_view(survey, lang), followup_saved=True)
