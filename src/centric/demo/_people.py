"""Persons of the demo world and the customer records each source system keeps of them."""

from __future__ import annotations

import numpy as np

from centric.demo import _vocab as V
from centric.demo._common import SECONDS_PER_DAY, fold, hex48, scramble, weighted_choice

SOURCES = ("pos", "web", "shopee")
STAGE_NAMES = tuple(s[0] for s in V.LIFE_STAGES)
CATEGORY_WEIGHTS = np.array([c[1] for c in V.CATEGORIES])
_FAMILY_W = [w for _, w in V.FAMILY_NAMES]
_PROVINCE_W = [w for _, w in V.PROVINCES]
_DOMAIN_W = [w for _, w in V.EMAIL_DOMAINS]


def make_persons(
    rng: np.random.Generator, *, first: int, n: int, n_total: int, end_year: int, seed: int
) -> dict[str, np.ndarray]:
    """Draw ``n`` persons with global indices ``first .. first+n-1``."""
    idx = np.arange(first, first + n, dtype=np.int64)
    female = rng.random(n) < 0.62
    stage = weighted_choice(rng, [s[1] for s in V.LIFE_STAGES], n)
    lo = np.array([s[2] for s in V.LIFE_STAGES])[stage]
    hi = np.array([s[3] for s in V.LIFE_STAGES])[stage]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    family = weighted_choice(rng, _FAMILY_W, n)
    mid_u = rng.random(n)
    giv_u = rng.random(n)
    province = weighted_choice(rng, _PROVINCE_W, n)
    prefix = rng.integers(0, len(V.MOBILE_PREFIXES), n)
    has_email = rng.random(n) < np.where(age < 50, 0.88, 0.6)
    email_style = rng.integers(0, 4, n)
    domain = weighted_choice(rng, _DOMAIN_W, n)
    in_pos = rng.random(n) < 0.62
    in_web = rng.random(n) < 0.50
    in_shopee = rng.random(n) < 0.22
    none = ~(in_pos | in_web | in_shopee)
    coin = rng.random(n) < 0.5
    in_pos |= none & coin
    in_web |= none & ~coin
    prefs = rng.dirichlet(CATEGORY_WEIGHTS / CATEGORY_WEIGHTS.sum() * 4.0, n)
    person = {
        "index": idx,
        "female": female,
        "stage": stage,
        "birth_year": end_year - age,
        "family": family,
        "middle": np.minimum((mid_u * 10).astype(np.int64), 9),
        "given_u": giv_u,
        "province": province,
        "has_email": has_email,
        "in_pos": in_pos,
        "in_web": in_web,
        "in_shopee": in_shopee,
        "satisfaction": rng.normal(0.55, 0.9, n),
        "app_share": rng.beta(2.0, 3.0, n),
        "engagement": rng.beta(2.0, 6.0, n),
        "cat_cum": np.cumsum(prefs, axis=1),
        "trap_with": np.full(n, -1, dtype=np.int64),
    }
    _family_phone_traps(rng, person)
    person["name"], person["name_ascii"], person["email"] = _names_and_emails(
        person, email_style, domain, n_total, seed
    )
    digits = scramble(idx, 10**7, seed * 7919 + 13)
    person["phone"] = np.array(
        [f"0{V.MOBILE_PREFIXES[p]}{d:07d}" for p, d in zip(prefix, digits, strict=True)]
    )
    # the second person of a household pair takes the first one's phone (a shared family number)
    second = np.flatnonzero((person["trap_with"] >= 0) & (person["trap_with"] < idx))
    person["phone"][second] = person["phone"][person["trap_with"][second] - first]
    person["anonymous_id"] = np.array(["a" + h for h in hex48(idx, seed * 31 + 7)])
    return person


def _family_phone_traps(rng: np.random.Generator, person: dict[str, np.ndarray]) -> None:
    """Pair a few persons into households that share one phone number (true non-matches)."""
    eligible = np.flatnonzero(person["in_pos"] | person["in_web"])
    k = int(rng.binomial(len(eligible) // 2, 0.004))
    if k == 0:
        return
    chosen = rng.choice(eligible, size=2 * k, replace=False)
    first, second = np.sort(chosen.reshape(k, 2), axis=1).T
    base = person["index"][0]
    person["trap_with"][first] = second + base
    person["trap_with"][second] = first + base
    person["family"][second] = person["family"][first]
    person["province"][second] = person["province"][first]


def _names_and_emails(
    person: dict[str, np.ndarray], style: np.ndarray, domain: np.ndarray, n_total: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(person["index"])
    k = max(4, len(str(n_total)))
    suffix = scramble(person["index"], 10**k, seed * 104_729 + 3)
    names, ascii_names, emails = [], [], []
    for i in range(n):
        g = "female" if person["female"][i] else "male"
        fam = V.FAMILY_NAMES[person["family"][i]][0]
        mid = V.MIDDLE_NAMES[g][person["middle"][i]]
        givens = V.GIVEN_NAMES[g]
        giv = givens[min(int(person["given_u"][i] * len(givens)), len(givens) - 1)]
        name = f"{fam} {mid} {giv}"
        names.append(name)
        ascii_names.append(f"{fold(fam)} {fold(mid)} {fold(giv)}")
        if not person["has_email"][i]:
            emails.append("")
            continue
        f, m, gv = (fold(x).lower() for x in (fam, mid, giv))
        local = (f"{gv}{f}", f"{f}{m}{gv}", f"{gv}.{f}", f"{gv}{m[0]}{f[0]}")[style[i]]
        emails.append(f"{local}{suffix[i]}@{V.EMAIL_DOMAINS[domain[i]][0]}")
    return np.array(names), np.array(ascii_names), np.array(emails)


# ---- source records --------------------------------------------------------------------

_PHONE_FORMATS = np.array([0.35, 0.2, 0.15, 0.15, 0.15])


def dirty_phone(phone: str, style: int) -> str:
    """Write a clean ``0xxxxxxxxx`` number the way a POS clerk might."""
    d = phone[1:]
    if style == 1:
        return f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    if style == 2:
        return f"+84 {d[:3]}.{d[3:6]}.{d[6:]}"
    if style == 3:
        return f"84{d}"
    if style == 4:
        return f"({phone[:3]}) {phone[3:6]}-{phone[6:]}"
    return phone


def make_records(
    rng: np.random.Generator,
    person: dict[str, np.ndarray],
    first_order: np.ndarray,
    t0: np.ndarray,
    horizon: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The POS and web customer records of the persons (one per person and source at most).

    ``first_order`` is (n, 3): the first order time per source (pos, web, shopee) or -1.
    Times are generator seconds; ``horizon`` is the window length in seconds.
    """
    n = len(person["index"])
    in_pos, in_web = person["in_pos"], person["in_web"]
    trap = person["trap_with"] >= 0
    later = (t0 + rng.random(n) * (horizon - t0) * 0.5).astype(np.int64)
    pos_created = np.where(first_order[:, 0] >= 0, first_order[:, 0], later)
    lead = (rng.random(n) * 3 * SECONDS_PER_DAY).astype(np.int64)
    web_created = np.where(first_order[:, 1] >= 0, np.maximum(first_order[:, 1] - lead, 0), later)

    pos_phone = (rng.random(n) < 0.95) | trap
    pos_email = person["has_email"] & (rng.random(n) < 0.55)
    pos_loyal = rng.random(n) < 0.6
    web_email = person["has_email"] & (rng.random(n) < 0.97)
    web_phone = (rng.random(n) < 0.75) | trap
    web_loyal = in_pos & pos_loyal & (rng.random(n) < 0.35)
    both = in_pos & in_web
    hard = both & ~trap & (rng.random(n) < 0.03)  # same person, no shared key: only a fuzzy match finds it
    shares = (pos_phone & web_phone) | (pos_email & web_email) | web_loyal
    web_phone |= both & ~hard & ~shares
    web_phone &= ~hard
    pos_email &= ~hard
    web_loyal &= ~hard
    person["det_linkable"] = both & ~hard

    phone_style = np.searchsorted(np.cumsum(_PHONE_FORMATS), rng.random(n) * 0.999999, side="right")
    email_style = rng.random(n)
    pos = {
        "person": np.flatnonzero(in_pos),
        "created": pos_created[in_pos],
    }
    sel = pos["person"]
    pos["name"] = person["name"][sel]
    pos["phone"] = np.array(
        [dirty_phone(person["phone"][i], int(phone_style[i])) if pos_phone[i] else "" for i in sel],
        dtype=object,
    )
    emails = []
    for i in sel:
        e = person["email"][i] if pos_email[i] else ""
        if e and email_style[i] < 0.07:
            e = e.upper()
        elif e and email_style[i] < 0.12:
            e = " " + e[0].upper() + e[1:] + " "
        emails.append(e)
    pos["email"] = np.array(emails, dtype=object)
    gender = np.where(person["female"][sel], "Nữ", "Nam").astype(object)
    gender[rng.random(len(sel)) < 0.03] = ""
    pos["gender"] = gender
    by = person["birth_year"][sel].astype(object)
    by[rng.random(len(sel)) < 0.10] = ""
    pos["birth_year"] = by
    pos["province"] = np.array([V.PROVINCES[p][0] for p in person["province"][sel]], dtype=object)
    pos["loyal"] = pos_loyal[sel]

    web = {"person": np.flatnonzero(in_web), "created": web_created[in_web]}
    sel = web["person"]
    ascii_name = rng.random(n) < 0.2
    web["name"] = np.where(ascii_name[sel], person["name_ascii"][sel], person["name"][sel])
    web["email"] = np.where(web_email[sel], person["email"][sel], None)
    plus = rng.random(n) < 0.3
    web["phone"] = np.array(
        [
            None if not web_phone[i] else ("+84" + person["phone"][i][1:] if plus[i] else person["phone"][i])
            for i in sel
        ],
        dtype=object,
    )
    web["loyal"] = web_loyal[sel]
    declared = rng.random(n) < 0.45
    web["life_stage"] = np.array(
        [STAGE_NAMES[person["stage"][i]] if declared[i] else None for i in sel], dtype=object
    )
    return pos, web
