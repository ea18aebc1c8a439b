"""Top paths, the stage model and the figures on hand fixtures."""

from __future__ import annotations

import pandas as pd
import pytest

from centric.exceptions import InvalidParameterError
from centric.journeys import StageModel, journey_map, sankey, stage_table, top_paths
from centric.store import connect


def _store(rows: list[tuple[str, str, str]]):
    df = pd.DataFrame(rows, columns=["customer_id", "time", "name"])
    df["occurred_at"] = pd.to_datetime("2025-05-01 " + df.pop("time")).dt.tz_localize("UTC")
    df["event_id"] = [f"E{i:03d}" for i in range(len(df))]
    df["channel"] = "web"
    store = connect("duckdb://")
    store.append("events", df)
    return store


PATHS = [
    ("u1", "10:00", "page_view"),
    ("u1", "10:01", "product_view"),
    ("u1", "10:02", "purchase"),
    ("u2", "10:00", "page_view"),
    ("u2", "10:01", "page_view"),
    ("u2", "10:02", "product_view"),
    ("u2", "10:03", "purchase"),
    ("u3", "09:00", "email_click"),
    ("u3", "10:00", "page_view"),
    ("u3", "10:01", "product_view"),
    ("u3", "10:02", "add_to_cart"),
    ("u3", "10:03", "begin_checkout"),
    ("u3", "10:04", "purchase"),
    ("u3", "11:00", "page_view"),
    ("u4", "10:00", "product_view"),
    ("u4", "10:01", "purchase"),
    ("u4", "12:00", "purchase"),
    ("u5", "10:00", "page_view"),
    ("u5", "10:01", "product_view"),
]


def test_top_paths_hand_fixture():
    store = _store(PATHS)
    p = top_paths(store.table("events"), max_steps=5, top=10)
    assert p["path"].tolist() == [
        "page_view → product_view → purchase",
        "product_view → purchase",
        "… → page_view → product_view → add_to_cart → begin_checkout → purchase",
    ]
    assert p["customers"].tolist() == [2, 1, 1]
    assert p["share"].tolist() == [0.5, 0.25, 0.25]
    assert p["truncated"].tolist() == [False, False, True]
    assert p["rank"].tolist() == [1, 2, 3]
    assert p.attrs["converters"] == 4 and p.attrs["distinct"] == 3
    # without collapsing, u2's repeated page view makes its own path
    raw = top_paths(store.table("events"), collapse_repeats=False, max_steps=4, top=2)
    # (all four paths are single now; ties go in path order)
    assert raw["path"].tolist() == [
        "page_view → page_view → product_view → purchase",
        "page_view → product_view → purchase",
    ]
    assert raw["customers"].tolist() == [1, 1]
    fig = sankey(p, "vi")
    assert "mua hàng" in fig.data[0].node.label
    assert sum(fig.data[0].link.value) == 2 * 2 + 1 + 5 * 1  # links per path × customers
    with pytest.raises(InvalidParameterError, match="'max_steps' parameter of top_paths must be an int >= 2"):
        top_paths(store.table("events"), max_steps=1)


def test_stage_table_hand_fixture():
    store = _store(PATHS)
    fb = pd.DataFrame(
        {
            "response_id": ["R1", "R2", "R3"],
            "customer_id": ["u1", "u4", "u5"],
            "instrument": ["nps", "nps", "ces"],
            "instrument_version": [None, None, "2.0"],
            "score": [10.0, 3.0, 2.0],
            "touchpoint": ["post_purchase", "post_purchase", "checkout"],
            "channel": ["email", "email", "web"],
            "submitted_at": pd.Timestamp("2025-05-02", tz="UTC"),
        }
    )
    store.append("feedback", fb)
    s = stage_table(store.table("events"), store.table("feedback"))
    assert s["stage"].tolist() == ["awareness", "consideration", "purchase", "retention", "advocacy"]
    # awareness: u1 u2 u3 u5 (u4 has no page view); consideration: all five; purchase: u1-u4;
    # retention: u3 (page view is not a repeat event) no, u4 (second purchase) yes; advocacy: u1 (NPS 10)
    assert s["customers"].tolist() == [4, 5, 4, 1, 1]
    assert s["conversion"].tolist()[1:] == pytest.approx([1.0, 4 / 5, 1 / 4, 0.0])
    assert s.loc[s["stage"] == "advocacy", "negative_share"].item() == 0.5  # NPS 3 is a detractor
    assert s.loc[s["stage"] == "purchase", "sentiment"].item() == -1.0  # the CES 2 answer
    fig = journey_map(s, "en")
    assert fig.layout.title.text.startswith("Journey map")
    assert list(fig.data[0].x) == ["Awareness", "Consideration", "Purchase", "Retention", "Advocacy"]


def test_stage_model_is_configurable():
    m = StageModel(events={**StageModel().events, "wishlist_add": "consideration"})
    assert m.stage_of("wishlist_add") == "consideration"
    assert m.stage_of("page_view") == "awareness"
    with pytest.raises(InvalidParameterError, match="unknown stage"):
        StageModel(events={"page_view": "love"})
