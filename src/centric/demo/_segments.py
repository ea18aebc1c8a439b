"""Behavioural segments: the generating archetype of each person (ground truth for personas).

Each person belongs to one of :data:`SEGMENTS`. The segment is drawn *after* the purchase
process, from what the simulator already drew for the person — purchase rate ``lambda``, mean
order value ``p_gg / nu``, life stage and the channels they use — with Gumbel noise, so it is
correlated with them but not a function of them. It then shapes what the person does that
the purchase process leaves free: the category mix of their baskets (and of their browsing),
how often they open e-mails and how much of their web traffic comes from the app.

The draws use their own stream ``default_rng([seed, k, 2])``: the purchase process, the order
values and the identity records are exactly those of a world without segments.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SEGMENTS", "SEGMENT_NAMES", "assign_segments"]

#: (name, category weights over V.CATEGORIES, e-mail engagement Beta(a, b), app share Beta(a, b))
#: categories: skin care, make-up, perfume, hair care, women's fashion, men's fashion, shoes,
#: bags & accessories, household goods, home decoration
SEGMENTS: tuple[tuple[str, tuple[float, ...], tuple[float, float], tuple[float, float]], ...] = (
    ("bargain_hunters", (1.0, 0.3, 0.1, 5.0, 0.3, 4.0, 0.3, 0.1, 1.0, 0.2), (3.0, 6.0), (2.0, 3.0)),
    ("loyal_big_spenders", (5.0, 0.5, 5.0, 0.3, 0.5, 0.3, 0.3, 1.0, 0.2, 0.2), (3.0, 7.0), (1.5, 4.0)),
    ("new_families", (0.5, 0.2, 0.1, 0.5, 0.3, 0.5, 0.3, 0.2, 6.0, 5.0), (2.0, 8.0), (2.0, 3.0)),
    ("occasional_gift_buyers", (0.3, 0.5, 2.0, 0.2, 0.3, 0.3, 0.5, 6.0, 0.2, 0.5), (1.5, 10.0), (1.5, 4.0)),
    ("young_trend_followers", (0.5, 5.0, 0.2, 0.5, 5.0, 0.3, 3.0, 0.5, 0.1, 0.2), (4.0, 6.0), (5.0, 2.0)),
)
SEGMENT_NAMES = tuple(s[0] for s in SEGMENTS)
#: Dirichlet concentration of a person's category mix around their segment's profile.
CONCENTRATION = 10.0


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def assign_segments(
    rng: np.random.Generator, person: dict[str, np.ndarray], btyd: dict[str, np.ndarray]
) -> None:
    """Draw each person's segment and let it shape their category mix, e-mail and app habits.

    Writes ``person["segment"]`` (index into :data:`SEGMENTS`) and overwrites
    ``person["cat_cum"]``, ``person["engagement"]`` and ``person["app_share"]``.
    """
    n = len(person["index"])
    z_lam = _z(np.log(btyd["lam"] + 1e-9))
    z_mov = _z(-np.log(btyd["nu"]))  # mean order value is p_gg / nu
    stage = person["stage"]  # student, young_professional, new_parent, family, empty_nester, retiree
    young = np.isin(stage, (0, 1)).astype(float)
    family = np.isin(stage, (2, 3)).astype(float)
    older = np.isin(stage, (4, 5)).astype(float)
    logits = np.stack(
        [
            0.3 - 1.6 * z_mov + 1.2 * person["in_shopee"],
            -0.8 + 1.8 * z_lam + 1.5 * z_mov + 0.8 * person["in_pos"],
            -0.6 + 2.6 * family,
            -0.4 - 1.6 * z_lam + 1.4 * older,
            -0.6 + 2.6 * young + 0.6 * person["in_web"],
        ],
        axis=1,
    )
    seg = np.argmax(logits + rng.gumbel(size=(n, len(SEGMENTS))), axis=1).astype(np.int64)
    profiles = np.array([s[1] for s in SEGMENTS])
    profiles = profiles / profiles.sum(axis=1, keepdims=True) * CONCENTRATION
    prefs = np.stack([rng.dirichlet(profiles[s]) for s in seg]) if n else np.zeros((0, profiles.shape[1]))
    cum = np.cumsum(prefs, axis=1)
    if n:
        cum[:, -1] = 1.0
    eng = np.array([s[2] for s in SEGMENTS])[seg]
    app = np.array([s[3] for s in SEGMENTS])[seg]
    person["segment"] = seg
    person["cat_cum"] = cum
    person["engagement"] = rng.beta(eng[:, 0], eng[:, 1])
    person["app_share"] = rng.beta(app[:, 0], app[:, 1])
