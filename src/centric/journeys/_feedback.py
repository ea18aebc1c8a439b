"""Which survey answers are negative or positive: the thresholds used by journeys."""

from __future__ import annotations

import ibis

from centric.journeys._common import check_columns

__all__ = ["NEGATIVE_RULES", "polarity"]

#: The negative (and positive) score of each instrument, as plain text for reports.
NEGATIVE_RULES = {
    "nps": "NPS ≤ 6 (detractor); ≥ 9 positive",
    "csat": "CSAT ≤ 2 of 5; ≥ 4 positive",
    "ces 2.0": "CES 2.0 ≤ 3 of 7 (higher = easier); ≥ 5 positive",
    "ces 1.0": "CES 1.0 ≥ 4 of 5 (lower = easier); ≤ 2 positive",
}


def polarity(feedback: ibis.Table) -> ibis.Table:
    """NPS, CSAT and CES answers with ``negative`` and ``positive`` flags.

    Negative: NPS ≤ 6, CSAT ≤ 2, CES 2.0 ≤ 3 (1–7, higher = easier), legacy CES 1.0 ≥ 4
    (1–5, lower = easier). Positive: NPS ≥ 9, CSAT ≥ 4, CES 2.0 ≥ 5, CES 1.0 ≤ 2. Other
    instruments and answers without a score are left out. ``ces2`` is the CES 2.0 score (NULL
    for other answers), so means can be taken per touchpoint.
    """
    check_columns(feedback, ("instrument", "score", "touchpoint", "channel"), what="feedback")
    fb = feedback.filter(feedback.instrument.isin(["nps", "csat", "ces"]) & feedback.score.notnull())
    version = fb.instrument_version if "instrument_version" in fb.columns else ibis.literal(None, "string")
    ces1 = (fb.instrument == "ces") & (version.fill_null("2.0") == "1.0")
    ces2 = (fb.instrument == "ces") & ~ces1
    s = fb.score
    negative = ibis.cases(
        (fb.instrument == "nps", s <= 6),
        (fb.instrument == "csat", s <= 2),
        (ces1, s >= 4),
        else_=s <= 3,
    )
    positive = ibis.cases(
        (fb.instrument == "nps", s >= 9),
        (fb.instrument == "csat", s >= 4),
        (ces1, s <= 2),
        else_=s >= 5,
    )
    return fb.mutate(
        negative=negative,
        positive=positive,
        ces2=ibis.ifelse(ces2, s, ibis.null("float64")),
        csat_score=ibis.ifelse(fb.instrument == "csat", s, ibis.null("float64")),
    )
