"""The hand-made event log of the journeys tests (uniquely named: ``conftest`` is taken by tests/)."""

from __future__ import annotations

import pandas as pd

DAY = "2025-03-01"


def hand_events() -> pd.DataFrame:
    """The hand fixture (times UTC on 2025-03-01); expected numbers are worked out in the tests."""
    rows = [
        # c1 on web: a complete purchase session, an e-mail open 15 min later (same session)
        ("c1", None, "09:00:00", "email_sent", "email", None),  # a send: left out
        ("c1", None, "10:00:00", "page_view", "web", None),
        ("c1", None, "10:01:00", "product_view", "web", None),
        ("c1", None, "10:02:00", "add_to_cart", "web", None),
        ("c1", None, "10:03:00", "begin_checkout", "web", None),
        ("c1", None, "10:05:00", "purchase", "web", None),
        ("c1", None, "10:20:00", "email_open", "email", None),
        # 1 h 40 min later: a new session that stops after a product view
        ("c1", None, "12:00:00", "page_view", "web", None),
        ("c1", None, "12:10:00", "product_view", "web", None),
        # exactly 30 minutes of inactivity: a new session
        ("c1", None, "12:40:00", "page_view", "web", None),
        # c2 on app: 20 min between steps stays one session, 35 min splits it
        ("c2", "S2", "09:00:00", "page_view", "app", None),
        ("c2", "S2", "09:20:00", "product_view", "app", None),
        ("c2", "S2", "09:55:00", "add_to_cart", "app", None),
        # skips product_view: the ordered funnel stops at page_view
        ("c2", "S2", "11:00:00", "page_view", "app", None),
        ("c2", "S2", "11:01:00", "add_to_cart", "app", None),
        ("c2", "S2", "11:02:00", "begin_checkout", "app", None),
        # an anonymous visitor on web: the product view before the page view does not count
        (None, None, "08:00:00", "product_view", "web", "a1"),
        (None, None, "08:01:00", "page_view", "web", "a1"),
        (None, None, "08:02:00", "product_view", "web", "a1"),
        (None, None, "08:03:00", "add_to_cart", "web", "a1"),
        (None, None, "08:04:00", "begin_checkout", "web", "a1"),
        # no customer and no anonymous id: cannot be followed
        (None, None, "08:30:00", "page_view", "web", None),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "session_id", "time", "name", "channel", "anonymous_id"])
    df["occurred_at"] = pd.to_datetime(DAY + " " + df.pop("time")).dt.tz_localize("UTC")
    df["event_id"] = [f"E{i:03d}" for i in range(len(df))]
    df["customer_ref"] = df["customer_id"].map(lambda c: None if c is None else f"web:{c}")
    return df
