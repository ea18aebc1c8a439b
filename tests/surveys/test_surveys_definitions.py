"""Survey definitions: the standard wordings of DOMAIN.md, validation of custom ones, storage."""

from __future__ import annotations

import re

import pytest

from centric.exceptions import InputError
from centric.surveys import builtin_surveys, define_survey, get_survey, list_surveys, question_text, survey_view


def test_builtin_wordings_and_scales_follow_domain():
    s = builtin_surveys()
    assert sorted(s) == ["ces", "csat", "life_impact", "nps"]
    nps = s["nps"].question("nps")
    assert (nps.instrument, nps.min, nps.max) == ("nps", 0, 10)
    assert question_text(nps, "vi", "Centric Mart") == (
        "Trên thang điểm từ 0 đến 10, khả năng Anh/Chị giới thiệu Centric Mart cho bạn bè hoặc đồng nghiệp "
        "là bao nhiêu?"
    )
    assert question_text(nps, "en", "Centric Mart") == (
        "How likely is it that you would recommend Centric Mart to a friend or colleague?"
    )
    assert (nps.label(0, "vi"), nps.label(10, "vi"), nps.label(5, "vi")) == (
        "Hoàn toàn không có khả năng", "Chắc chắn sẽ giới thiệu", "")
    assert s["nps"].followup["vi"] == "Lý do chính khiến Anh/Chị chọn điểm số này là gì?"
    csat = s["csat"].question("csat")
    assert (csat.min, csat.max) == (1, 5)
    assert csat.labels["vi"] == ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    ces = s["ces"].question("ces")
    assert (ces.instrument_version, ces.min, ces.max) == ("2.0", 1, 7)
    assert ces.labels["vi"][0] == "Hoàn toàn không đồng ý" and ces.labels["vi"][6] == "Hoàn toàn đồng ý"
    assert question_text(ces, "en", "centric mart").endswith("Centric mart made it easy for me to handle my issue.")
    life = s["life_impact"]
    assert life.sensitive and life.purpose == "wellbeing_survey"
    assert [q.instrument for q in life.questions] == ["life_impact"] * 4 + ["custom"]
    assert not any(x.sensitive for k, x in s.items() if k != "life_impact")


def test_default_brand_comes_from_the_catalogue():
    view = survey_view(builtin_surveys()["nps"], "en")
    assert view["questions"][0]["text"] == (
        "How likely is it that you would recommend the store to a friend or colleague?")
    assert [o["score"] for o in view["questions"][0]["options"]] == list(range(11))


CUSTOM = {
    "id": "delivery",
    "title": {"vi": "Giao hàng", "en": "Delivery"},
    "touchpoint": "delivery",
    "questions": [
        {"id": "on_time", "type": "scale", "min": 1, "max": 5, "labels": "agree5",
         "text": {"vi": "Đơn hàng đến đúng hẹn.", "en": "The order arrived on time."}},
        {"id": "note", "type": "text", "text": {"vi": "Góp ý", "en": "Suggestions"}},
    ],
}


def test_define_store_and_read_back_a_custom_survey(store):
    s = define_survey(store, CUSTOM, by="tester")
    assert s.questions[0].labels["en"][4] == "Strongly agree"
    got = get_survey(store, "delivery")
    assert got.to_dict() == s.to_dict()
    assert [x.id for x in list_surveys(store)] == ["ces", "csat", "life_impact", "nps", "delivery"]
    define_survey(store, {**CUSTOM, "title": {"vi": "Giao hàng 2", "en": "Delivery 2"}})
    assert store.count("surveys") == 1 and get_survey(store, "delivery").title["en"] == "Delivery 2"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "Bad Id"}, "Survey id 'Bad Id' must be 1–48 lower-case letters"),
        ({"id": "nps"}, "Survey id 'nps' is built in"),
        ({"questions": []}, "needs a non-empty list 'questions'"),
        ({"title": {"vi": "Chỉ tiếng Việt"}}, "'title' must give the text in both languages"),
        ({"questions": [{"id": "x", "min": 1, "max": 11, "text": {"vi": "a", "en": "b"}}]},
         "a scale needs integers 0 ≤ min < max ≤ 10; got min=1, max=11"),
        ({"questions": [{"id": "x", "instrument": "ces", "min": 1, "max": 7, "text": {"vi": "a", "en": "b"}}]},
         "a CES question needs 'instrument_version' '1.0' or '2.0'"),
        ({"questions": [{"id": "x", "instrument": "mood", "min": 1, "max": 7, "text": {"vi": "a", "en": "b"}}]},
         "'instrument' 'mood' is not one of"),
        ({"questions": [{"id": "x", "instrument": "life_impact", "min": 1, "max": 5, "text": {"vi": "a", "en": "b"}}]},
         "asks wellbeing questions; set \"purpose\": \"wellbeing_survey\""),
        ({"purpose": "spying"}, "Unknown purpose 'spying'"),
        ({"one_click": "on_time"}, "'one_click' 'on_time' must name the only question"),
    ],
)
def test_bad_definitions_are_refused_with_the_reason(shared_store, change, message):
    with pytest.raises(InputError, match=re.escape(message)):
        define_survey(shared_store, {**CUSTOM, **change})
    assert shared_store.count("surveys") == 0


def test_unknown_survey_names_the_ones_there_are(store):
    with pytest.raises(InputError, match=r"Unknown survey 'nope'; the surveys are: ces, csat, life_impact, nps\."):
        get_survey(store, "nope")
