"""Survey answers (NPS, CSAT, CES 2.0 and legacy CES 1.0, life impact) that follow experience.

Every answer comes from an ordinal-probit model: a latent ``u = mu + sigma * e`` (e standard
normal) is cut at fixed thresholds. ``mu`` is the person's latent satisfaction moved by what
happened to them (late delivery, earlier cancellations/returns, slow tickets, checkout friction).
Because the model is known, the *true* population value of each metric is the average over the
answers of the exact probabilities ``P(promoter | mu)``, ``E[score | mu]``, ...: the observed
metric differs from it by sampling noise only. :func:`make_feedback` returns those sums.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from centric.demo import _vocab as V
from centric.demo._behaviour import CES_FRICTION
from centric.demo._common import SECONDS_PER_DAY, fold

SIGMA = 0.8
NPS_CUTS = np.array([-2.6, -2.3, -2.0, -1.7, -1.4, -1.1, -0.7, -0.25, 0.25, 0.95])  # 0..10
CSAT_CUTS = np.array([-1.7, -1.0, -0.3, 0.6])  # 1..5
CES2_CUTS = np.array([-2.2, -1.6, -1.0, -0.4, 0.3, 1.1])  # 1..7, higher = easier
CES1_CUTS = np.array([-1.6, -0.8, 0.0, 0.9])  # 1..5 reversed, lower = less effort
LIFE_CUTS = np.array([-1.5, -0.8, -0.1, 0.8])
LIFE_SHIFT = np.array([0.3, 0.0, -0.2])
INSTRUMENTS = ("nps", "csat", "ces", "life_impact")
TRUTH_KEYS = (
    "nps_n",
    "nps_promoter",
    "nps_detractor",
    "csat_n",
    "csat_top2",
    "csat_mean",
    "ces2_n",
    "ces2_mean",
    "ces2_agree",
    "ces1_n",
    "ces1_mean",
    "life_n",
    "life_q1",
    "life_q2",
    "life_q3",
)


def _ordinal(rng: np.random.Generator, mu: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    return np.searchsorted(cuts, mu + SIGMA * rng.standard_normal(len(mu))).astype(np.int64)


def _p_above(mu: np.ndarray, cut: float) -> np.ndarray:
    return ndtr((mu - cut) / SIGMA)


def _expected(mu: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """E[#cuts below u | mu]."""
    return sum(_p_above(mu, c) for c in cuts)


def _comments(rng: np.random.Generator, band: np.ndarray, late: np.ndarray, p: float, ces: bool) -> tuple:
    """Comment text (or '') and language per answer; band 0=negative, 1=neutral, 2=positive."""
    n = len(band)
    has = rng.random(n) < p
    english = rng.random(n) < 0.15
    plain = rng.random(n) < 0.2
    pick = rng.random(n)
    text, lang = [], []
    vi_lists = V.CES_COMMENTS_VI if ces else V.COMMENTS_VI
    en_lists = V.CES_COMMENTS_EN if ces else V.COMMENTS_EN
    for i in range(n):
        if not has[i]:
            text.append("")
            lang.append("vi")
            continue
        key = ("neg", "neu", "pos")[band[i]]
        if key == "neg" and late[i] and not ces:
            key = "late"
        options = (en_lists if english[i] else vi_lists)[key]
        comment = options[min(int(pick[i] * len(options)), len(options) - 1)]
        if not english[i] and plain[i]:
            comment = fold(comment).lower()
        text.append(comment)
        lang.append("en" if english[i] else "vi")
    return np.array(text, dtype=object), np.array(lang, dtype=object)


def make_feedback(
    rng: np.random.Generator,
    *,
    person: dict[str, np.ndarray],
    orders: dict[str, np.ndarray],
    tickets: dict[str, np.ndarray],
    wellbeing: tuple[np.ndarray, np.ndarray],
    primary: np.ndarray,
    horizon: int,
    ces_cutover: int,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Answer rows (one per question) and the truth sums of the generating process."""
    sat = person["satisfaction"]
    parts: list[dict[str, np.ndarray]] = []
    truth = dict.fromkeys(TRUTH_KEYS, 0.0)

    # NPS after ~25% of completed own-channel orders
    sel = np.flatnonzero(
        (orders["status"] == 0) & (orders["channel"] < 2) & (rng.random(len(orders["t"])) < 0.25)
    )
    t = orders["t"][sel] + (rng.uniform(1, 3, len(sel)) * SECONDS_PER_DAY).astype(np.int64)
    sel, t = sel[t < horizon], t[t < horizon]
    late = orders["late"][sel]
    mu = sat[orders["person"][sel]] - 1.3 * late - 0.35 * np.minimum(orders["prior_bad"][sel], 3)
    score = _ordinal(rng, mu, NPS_CUTS)
    truth["nps_n"] += len(sel)
    truth["nps_promoter"] += float(_p_above(mu, NPS_CUTS[8]).sum())
    truth["nps_detractor"] += float((1.0 - _p_above(mu, NPS_CUTS[6])).sum())
    band = np.select([score >= 9, score >= 7], [2, 1], 0)
    src = orders["channel"][sel]
    channel = np.where(src == 1, "email", np.where(rng.random(len(sel)) < 0.6, "zalo", "sms"))
    parts.append(
        _rows(
            rng,
            orders["person"][sel],
            src,
            0,
            "",
            "nps-post-purchase",
            "nps",
            score,
            band,
            late,
            0.45,
            "post_purchase",
            channel,
            t,
            False,
        )
    )

    # CSAT after closed tickets, ~70% respond
    closed = tickets["closed"]
    sel = np.flatnonzero((closed >= 0) & (rng.random(len(closed)) < 0.7))
    t = closed[sel] + (rng.uniform(0.05, 2, len(sel)) * SECONDS_PER_DAY).astype(np.int64)
    sel, t = sel[t < horizon], t[t < horizon]
    topic = tickets["topic"][sel]
    days_open = (closed[sel] - tickets["opened"][sel]) / SECONDS_PER_DAY
    mu = sat[tickets["person"][sel]] - 0.7 * np.isin(topic, (0, 3)) - 0.12 * np.clip(days_open - 2, 0, 10)
    score = 1 + _ordinal(rng, mu, CSAT_CUTS)
    truth["csat_n"] += len(sel)
    truth["csat_top2"] += float(_p_above(mu, CSAT_CUTS[2]).sum())
    truth["csat_mean"] += float((1 + _expected(mu, CSAT_CUTS)).sum())
    band = np.select([score >= 4, score == 3], [2, 1], 0)
    channel = np.where(rng.random(len(sel)) < 0.5, "email", "zalo")
    parts.append(
        _rows(
            rng,
            tickets["person"][sel],
            tickets["source"][sel],
            1,
            "",
            "csat-support",
            "csat",
            score,
            band,
            topic == 0,
            0.5,
            "support_ticket",
            channel,
            t,
            False,
        )
    )

    # CES after ~15% of web checkouts: legacy CES 1.0 (1-5, lower = easier) before the cutover
    sel = np.flatnonzero((orders["channel"] == 1) & (rng.random(len(orders["t"])) < 0.15))
    t = orders["t"][sel] + rng.integers(60, 900, len(sel))
    sel, t = sel[t < horizon], t[t < horizon]
    u_friction = rng.random(len(sel))
    app = rng.random(len(sel)) < person["app_share"][orders["person"][sel]]
    friction = u_friction < np.where(app, CES_FRICTION["app"], CES_FRICTION["web"])  # planted: app checkout
    mu = 0.5 * sat[orders["person"][sel]] + 0.4 - 1.0 * friction
    v1 = t < ces_cutover
    raw2 = _ordinal(rng, mu, CES2_CUTS)
    raw1 = _ordinal(rng, mu, CES1_CUTS)
    score = np.where(v1, 5 - raw1, 1 + raw2)
    truth["ces2_n"] += int((~v1).sum())
    truth["ces2_mean"] += float((1 + _expected(mu[~v1], CES2_CUTS)).sum())
    truth["ces2_agree"] += float(_p_above(mu[~v1], CES2_CUTS[3]).sum())
    truth["ces1_n"] += int(v1.sum())
    truth["ces1_mean"] += float((5 - _expected(mu[v1], CES1_CUTS)).sum())
    band = np.where(
        v1, np.select([score <= 2, score == 3], [2, 1], 0), np.select([score >= 5, score == 4], [2, 1], 0)
    )
    part = _rows(
        rng,
        orders["person"][sel],
        np.ones(len(sel), np.int64),
        2,
        "2.0",
        "ces2-checkout",
        "ces",
        score,
        band,
        friction,
        0.25,
        "checkout",
        np.where(app, "app", "web"),
        t,
        True,
    )
    part["version"] = np.where(v1, "1.0", "2.0").astype(object)
    part["survey"] = np.where(v1, "ces1-checkout", "ces2-checkout").astype(object)
    parts.append(part)

    # life-impact module (3 items, 1-5) for persons holding the wellbeing_survey consent
    start, stop = wellbeing
    who = np.flatnonzero((start >= 0) & (rng.random(len(start)) < 0.4))
    t = start[who] + (rng.random(len(who)) * (stop[who] - start[who])).astype(np.int64) + 3600
    who, t = who[t < np.minimum(stop[who], horizon)], t[t < np.minimum(stop[who], horizon)]
    truth["life_n"] += len(who)
    group = np.arange(len(who))
    for q, (qid, _text) in enumerate(V.LIFE_ITEMS):
        mu = 0.6 * sat[who] + LIFE_SHIFT[q]
        score = 1 + _ordinal(rng, mu, LIFE_CUTS)
        truth[f"life_{qid}"] += float((1 + _expected(mu, LIFE_CUTS)).sum())
        part = _rows(
            rng,
            who,
            np.where(primary[who] == 2, 1, 0),
            3,
            "1.0",
            "life-impact-2025",
            qid,
            score,
            np.ones(len(who), np.int64),
            np.zeros(len(who), bool),
            0.0,
            "periodic",
            np.full(len(who), "email"),
            t,
            False,
        )
        part["group"] = group
        part["item"] = np.full(len(who), q + 1)
        parts.append(part)
    rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((rows["item"], rows["t"]))
    return {k: v[order] for k, v in rows.items()}, truth


def _rows(
    rng: np.random.Generator,
    who: np.ndarray,
    source: np.ndarray,
    instrument: int,
    version: str,
    survey: str,
    question: str,
    score: np.ndarray,
    band: np.ndarray,
    late: np.ndarray,
    p_comment: float,
    touchpoint: str,
    channel: np.ndarray,
    t: np.ndarray,
    ces: bool,
) -> dict[str, np.ndarray]:
    n = len(who)
    text, lang = _comments(rng, band, late, p_comment, ces)
    return {
        "person": who,
        "source": source,
        "instrument": np.full(n, instrument),
        "version": np.full(n, version, dtype=object),
        "survey": np.full(n, survey, dtype=object),
        "question": np.full(n, question, dtype=object),
        "score": score.astype(np.int64),
        "comment": text,
        "touchpoint": np.full(n, touchpoint, dtype=object),
        "channel": np.asarray(channel, dtype=object),
        "language": lang,
        "t": t,
        "group": np.full(n, -1),
        "item": np.zeros(n, np.int64),
    }
