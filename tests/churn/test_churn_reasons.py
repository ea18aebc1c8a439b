"""Reasons rendered set-wise: the same reasons, word for word, as the row-by-row walk they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from centric.churn import FEATURES, ChurnClassifier, churn_frame
from centric.churn._reasons import (
    MIN_CONTRIBUTION,
    TEMPLATES,
    _groups,
    render_reasons,
    render_reasons_vi_en,
    top_drivers,
)
from centric.churn._templates import INPUTS, KEYS, generic
from centric.exceptions import InvalidParameterError


def _reference_reasons(X, contrib, *, top=3, lang="vi", reference=None):
    """The previous implementation (row by row over ``X.to_dict("records")``), kept as the oracle."""
    groups = _groups([c for c in contrib.columns if c != "bias"])
    names = list(groups)
    sums = np.column_stack([contrib[cols].to_numpy(float).sum(axis=1) for cols in groups.values()])
    order = np.argsort(-sums, axis=1, kind="stable")
    pick = 1 if lang == "vi" else 0
    records = X.to_dict("records")
    ref = {f"_ref_{k}": v for k, v in (reference or {}).items()}
    rows = []
    for i, row in enumerate(records):
        row.update(ref)
        texts = []
        for j in order[i]:
            if len(texts) == top or sums[i, j] <= MIN_CONTRIBUTION:
                break
            text = TEMPLATES.get(names[j], generic(names[j]))(row)
            if text is not None:
                texts.append(text[pick])
        rows.append(texts + [None] * (top - len(texts)))
    return pd.DataFrame(rows, index=X.index, columns=[f"reason_{k + 1}" for k in range(top)])


@pytest.fixture(scope="module")
def demo_explained(churn_store, as_of):
    """A churn model on the demo (SF 0.1) and the contributions of every customer of the later window."""
    h = pd.Timedelta(days=90)
    train = churn_frame(churn_store, cutoff=as_of - 2 * h, horizon_days=90)
    later = churn_frame(churn_store, cutoff=as_of - h, horizon_days=90)
    cols = list(FEATURES)
    model = ChurnClassifier(90).fit(train[cols], train["churned"])
    X = later[cols]
    return model, X, model.contributions(X)


def test_same_reasons_word_for_word_as_the_row_by_row_walk_on_the_demo(demo_explained):
    model, X, contrib = demo_explained
    vi, en = render_reasons_vi_en(X, contrib, reference=model.reference_)
    for lang, got in (("vi", vi), ("en", en)):
        want = _reference_reasons(X, contrib, lang=lang, reference=model.reference_)
        pd.testing.assert_frame_equal(got, want)
        pd.testing.assert_frame_equal(render_reasons(X, contrib, lang=lang, reference=model.reference_), want)
    # the comparison is not vacuous: most customers get reasons, many of them three, from many drivers
    assert vi["reason_1"].notna().mean() > 0.5 and vi["reason_3"].notna().sum() > 100
    assert top_drivers(contrib)["driver_1"].nunique() >= 5
    # another top, and a model without a reference (the low-spend template then has no typical value)
    pd.testing.assert_frame_equal(
        render_reasons(X, contrib, top=5, lang="en"), _reference_reasons(X, contrib, top=5, lang="en")
    )


def test_same_reasons_on_random_values_at_the_templates_edges():
    """Values on the templates' thresholds and halves (rounding), NaN, and a feature in no driver."""
    rng = np.random.default_rng(21)
    n = 4000
    edges = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 6.0, 9.5, 10.0, 13.5, 14.0, 60.0, np.nan])
    X = pd.DataFrame({f: rng.choice(edges, n) * rng.choice([1.0, 1.0, 10.0, 0.1], n) for f in FEATURES})
    X["recency_gap_ratio"] = rng.choice([0.5, 1.0, 1.2, 1.25, 1.75, 2.5, 3.5, 4.5, 9.99, 10.0, np.nan], n)
    X["p_alive"] = rng.choice([0.001, 0.005, 0.0049, 0.2, 0.125, 0.4999, 0.5, np.nan], n)
    X["extra"] = rng.choice([1.005, 2.5, np.nan], n)
    cols = [*FEATURES, "extra"]
    contrib = pd.DataFrame(rng.normal(0.0, 0.3, (n, len(cols))), columns=cols, index=X.index)
    contrib["bias"] = 1.0
    reference = {"avg_order_value": 5.0}
    vi, en = render_reasons_vi_en(X, contrib, top=4, reference=reference)
    pd.testing.assert_frame_equal(vi, _reference_reasons(X, contrib, top=4, lang="vi", reference=reference))
    pd.testing.assert_frame_equal(en, _reference_reasons(X, contrib, top=4, lang="en", reference=reference))
    assert en.stack().str.startswith("extra = ").any()


def test_no_customers_and_bad_parameters():
    X = pd.DataFrame({f: pd.Series(dtype="float64") for f in FEATURES})
    contrib = pd.DataFrame({**{f: pd.Series(dtype="float64") for f in FEATURES}, "bias": pd.Series(dtype="float64")})
    vi, en = render_reasons_vi_en(X, contrib)
    assert vi.shape == (0, 3) and en.shape == (0, 3)
    with pytest.raises(InvalidParameterError, match=r"'top' parameter must be an int in the range \[1, inf\)"):
        render_reasons_vi_en(X, contrib, top=0)
    with pytest.raises(InvalidParameterError, match=r"'lang' parameter must be one of \['vi', 'en'\]. Got 'fr'"):
        render_reasons(X, contrib, lang="fr")


@pytest.mark.parametrize("driver", sorted(KEYS))
def test_customers_with_equal_keys_read_the_same_sentence(driver):
    """The invariant the set-wise rendering rests on, checked row by row on edge and continuous values."""
    rng = np.random.default_rng(sorted(KEYS).index(driver))
    n = 20_000
    halves = np.arange(-2, 800) / 2  # every .5 (rounding), thresholds 1, 1.25, 3.5, 14, 60 …
    values = {}
    for c in INPUTS[driver]:
        pick = rng.integers(0, 4, n)
        v = np.select(
            [pick == 0, pick == 1, pick == 2],
            [rng.choice(halves, n), rng.uniform(0, 700, n), rng.uniform(0, 1, n) * rng.choice([1, 4, 12], n)],
            np.nan,
        )
        values[c] = v
    if "recency_gap_ratio" in values:
        values["recency_gap_ratio"] = np.where(
            rng.random(n) < 0.5,
            rng.choice([0.99, 1.0, 1.2, 1.25, 1.75, 2.5, 3.5, 4.5, 9.5, 10.0], n),
            rng.uniform(0, 12, n),
        )
    if "p_alive" in values:
        values["p_alive"] = np.where(
            rng.random(n) < 0.3, rng.choice([0.0049, 0.005, 0.125, 0.135, 0.5], n), rng.random(n)
        )
    for ref in ({"_ref_avg_order_value": 300.0}, {}):
        keys = KEYS[driver](values, ref)
        rows = [{c: float(values[c][i]) for c in values} | ref for i in range(n)]
        texts = [TEMPLATES[driver](r) for r in rows]
        seen: dict[bytes, object] = {}
        for i in range(n):
            k = np.where(np.isnan(keys[i]), np.nan, keys[i].astype(float)).tobytes()
            assert seen.setdefault(k, texts[i]) == texts[i], (driver, rows[i], texts[i], seen[k])
        assert len(seen) < n  # the keys do group customers
        assert len({t for t in texts if t is not None}) > 3  # and the texts vary
